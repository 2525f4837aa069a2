/* Prints one line per (vCPU, KVM exit reason) of a trace's EXIT events:
 * "VCPU RAW COUNT", skipping failed KVM_RUN calls (HVT_EVF_EXIT_ERRNO: the
 * -EINTR kicks QEMU does not log as kvm_run_exit), sorted. With -k, prints
 * "VCPU KIND COUNT" over every exit instead. With -v, prints "VCPU reads
 * HASH" over the values handed back to the guest (pio-in, mmio-read,
 * hypercall exits that re-entered) and "VCPU writes HASH" over the values
 * written (pio-out, mmio-write), h = h * 1000003 + value in stream order, as
 * the test VMMs compute them. usage: count_exits [-k|-v] TRACE */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hvtrace/hvtrace.h"

#define MAX_RAW 256u

static uint64_t counts[HVT_MAX_STREAMS][MAX_RAW];
static uint64_t read_hash[HVT_MAX_STREAMS], write_hash[HVT_MAX_STREAMS];
static int has_values[HVT_MAX_STREAMS];

static void hash_value(const hvt_event *ev)
{
	int read = ev->kind == HVT_EXIT_PIO_IN || ev->kind == HVT_EXIT_MMIO_READ ||
		   ev->kind == HVT_EXIT_HYPERCALL;
	int write = ev->kind == HVT_EXIT_PIO_OUT || ev->kind == HVT_EXIT_MMIO_WRITE;
	has_values[ev->stream] = 1;
	if (read && !(ev->flags & HVT_EVF_EXIT_UNFINISHED))
		read_hash[ev->stream] = read_hash[ev->stream] * 1000003u + ev->value;
	else if (write)
		write_hash[ev->stream] = write_hash[ev->stream] * 1000003u + ev->value;
}

int main(int argc, char **argv)
{
	int by_kind = argc == 3 && strcmp(argv[1], "-k") == 0;
	int values = argc == 3 && strcmp(argv[1], "-v") == 0;
	if (argc != 2 + (by_kind || values))
		return fprintf(stderr, "usage: count_exits [-k|-v] TRACE\n"), 2;
	hvt_reader *r;
	const hvt_event *ev;
	if (hvt_reader_open(&r, argv[argc - 1], NULL) != 0)
		return fprintf(stderr, "%s: %s\n", argv[argc - 1], hvt_reader_open_error()), 1;
	int rc;
	while ((rc = hvt_reader_next(r, &ev)) == 1) {
		if (ev->type != HVT_EV_EXIT || ev->stream >= HVT_MAX_STREAMS)
			continue;
		if (values) {
			hash_value(ev);
			continue;
		}
		if (!by_kind && (ev->flags & HVT_EVF_EXIT_ERRNO))
			continue;
		unsigned key = by_kind ? ev->kind : ev->raw_reason;
		counts[ev->stream][key < MAX_RAW ? key : MAX_RAW - 1]++;
	}
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", argv[argc - 1], hvt_reader_error(r));
	hvt_reader_close(r);
	for (unsigned s = 0; values && s < HVT_MAX_STREAMS; s++)
		if (has_values[s])
			printf("%u reads %" PRIu64 "\n%u writes %" PRIu64 "\n", s, read_hash[s], s,
			       write_hash[s]);
	for (unsigned s = 0; s < HVT_MAX_STREAMS; s++)
		for (unsigned k = 0; k < MAX_RAW; k++)
			if (counts[s][k] && by_kind)
				printf("%u %s %" PRIu64 "\n", s, hvt_exit_kind_name(k), counts[s][k]);
			else if (counts[s][k])
				printf("%u %u %" PRIu64 "\n", s, k, counts[s][k]);
	return rc < 0;
}
