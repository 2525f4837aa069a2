/* Prints one line per (vCPU, KVM exit reason) of a trace's EXIT events:
 * "VCPU RAW COUNT", skipping failed KVM_RUN calls (HVT_EVF_EXIT_ERRNO: the
 * -EINTR kicks QEMU does not log as kvm_run_exit), sorted. With -k, prints
 * "VCPU KIND COUNT" over every exit instead. usage: count_exits [-k] TRACE */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hvtrace/hvtrace.h"

#define MAX_RAW 256u

static uint64_t counts[HVT_MAX_STREAMS][MAX_RAW];

int main(int argc, char **argv)
{
	int by_kind = argc == 3 && strcmp(argv[1], "-k") == 0;
	if (argc != 2 + by_kind)
		return fprintf(stderr, "usage: count_exits [-k] TRACE\n"), 2;
	hvt_reader *r;
	const hvt_event *ev;
	if (hvt_reader_open(&r, argv[argc - 1], NULL) != 0)
		return fprintf(stderr, "%s: %s\n", argv[argc - 1], hvt_reader_open_error()), 1;
	int rc;
	while ((rc = hvt_reader_next(r, &ev)) == 1) {
		if (ev->type != HVT_EV_EXIT || ev->stream >= HVT_MAX_STREAMS)
			continue;
		if (!by_kind && (ev->flags & HVT_EVF_EXIT_ERRNO))
			continue;
		unsigned key = by_kind ? ev->kind : ev->raw_reason;
		counts[ev->stream][key < MAX_RAW ? key : MAX_RAW - 1]++;
	}
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", argv[argc - 1], hvt_reader_error(r));
	hvt_reader_close(r);
	for (unsigned s = 0; s < HVT_MAX_STREAMS; s++)
		for (unsigned k = 0; k < MAX_RAW; k++)
			if (counts[s][k] && by_kind)
				printf("%u %s %" PRIu64 "\n", s, hvt_exit_kind_name(k), counts[s][k]);
			else if (counts[s][k])
				printf("%u %u %" PRIu64 "\n", s, k, counts[s][k]);
	return rc < 0;
}
