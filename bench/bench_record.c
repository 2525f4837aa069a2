/* hvt-bench-record: recording overhead end to end on real KVM. Runs an
 * exit-heavy guest with recording off (events dropped at the sink) and on
 * (events into a trace), alternating, and prints exits/s of each and their
 * ratio, one JSON object per line. --mode off|on runs one side once, for
 * callgrind (instructions per exit = (Ir_on - Ir_off) / exits).
 *
 * The *_steady metrics time from the first event to the end of the run:
 * they leave out the backend's start-up inside the first run call (the HVF
 * stand-in builds its Unicorn engine there, ~0.1 s, more than all the
 * exits of the guest take). Both sides then pass every event to a sink;
 * the off side drops it there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/vmm.h"
#include "hvtrace/hvtrace.h"

struct run {
	uint64_t exits;
	uint64_t wall_ns;
	uint64_t steady_ns;  /* first event to the end of the run */
};

/* The sink of both sides: notes when the first event came; records only
 * when given a stream. */
struct sink {
	hvt_stream *s;
	uint64_t first_ns;
};

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = f ? malloc(1 << 24) : NULL;
	if (!buf) {
		fprintf(stderr, "hvt-bench-record: cannot read %s\n", path);
		exit(66);
	}
	*len = fread(buf, 1, 1 << 24, f);
	fclose(f);
	return buf;
}

static int to_sink(void *ctx, const hvt_event *ev)
{
	struct sink *k = ctx;
	if (!k->first_ns)
		k->first_ns = hvt_monotonic_ns();
	return k->s ? hvt_stream_append(k->s, ev) : 0;
}

/* One run of the guest; recording when out_path is set. */
static struct run run_once(const uint8_t *img, size_t len, const char *out_path)
{
	hvt_writer *w = NULL;
	struct sink k = {0};
	hvt_vm *vm;
	hvt_vm_result res;
	char msg[256];
	if (out_path && (hvt_writer_create(&w, out_path, NULL) || hvt_writer_open_stream(w, 0, &k.s)))
		exit(70);
	hvt_vm_config cfg = {.image = img, .image_len_bytes = len, .vcpus = 1, .console_out_fd = -1,
			     .sink = to_sink, .sink_ctx = &k};
	if (hvt_vm_create(&cfg, &vm, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "hvt-bench-record: %s\n", msg);
		exit(69);
	}
	uint64_t t0 = hvt_monotonic_ns();
	int err = hvt_vm_run(vm, &res);
	uint64_t t1 = hvt_monotonic_ns();
	struct run r = {res.exits, t1 - t0, k.first_ns ? t1 - k.first_ns : t1 - t0};
	hvt_vm_free(vm);
	if (err || res.exit_code != 0 || hvt_writer_close(w) != 0) {
		fprintf(stderr, "hvt-bench-record: the guest run failed\n");
		exit(70);
	}
	return r;
}

static void emit(const char *metric, double v, const char *unit)
{
	printf("{\"bench\": \"record_overhead\", \"metric\": \"%s\", \"value\": %.4g, \"unit\": \"%s\"}\n",
	       metric, v, unit);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *mode = NULL, *guest = NULL, *out = "/tmp/hvt-bench-record.hvt";
	int rounds = 7;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mode") && i + 1 < argc)
			mode = argv[++i];
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else
			guest = argv[i];
	}
	if (!guest || rounds < 1) {
		fprintf(stderr, "usage: hvt-bench-record [--rounds N] [--mode off|on] GUEST\n");
		return 64;
	}
	size_t len;
	uint8_t *img = read_file(guest, &len);
	if (mode) {
		struct run r = run_once(img, len, strcmp(mode, "on") == 0 ? out : NULL);
		printf("{\"bench\": \"record_overhead\", \"metric\": \"exits_%s\", \"value\": %llu, \"unit\": \"exits\"}\n",
		       mode, (unsigned long long)r.exits);
		free(img);
		return 0;
	}
	double *ratio = malloc(sizeof(double) * (size_t)rounds), off_sum = 0, on_sum = 0;
	double *steady = malloc(sizeof(double) * (size_t)rounds), off_st = 0, on_st = 0;
	for (int i = 0; i < rounds; i++) {
		/* Alternate which side goes first so drift hits both alike. */
		struct run a = run_once(img, len, i & 1 ? out : NULL);
		struct run b = run_once(img, len, i & 1 ? NULL : out);
		struct run off = i & 1 ? b : a, on = i & 1 ? a : b;
		double off_rate = (double)off.exits / ((double)off.wall_ns / 1e9);
		double on_rate = (double)on.exits / ((double)on.wall_ns / 1e9);
		ratio[i] = on_rate / off_rate;
		off_sum += off_rate;
		on_sum += on_rate;
		double off_s = (double)off.exits / ((double)off.steady_ns / 1e9);
		double on_s = (double)on.exits / ((double)on.steady_ns / 1e9);
		steady[i] = on_s / off_s;
		off_st += off_s;
		on_st += on_s;
	}
	qsort(ratio, (size_t)rounds, sizeof(double), cmp_double);
	qsort(steady, (size_t)rounds, sizeof(double), cmp_double);
	emit("exits_per_s_off", off_sum / rounds, "exits/s");
	emit("exits_per_s_on", on_sum / rounds, "exits/s");
	emit("on_over_off_median", ratio[rounds / 2], "ratio");
	emit("on_over_off_min", ratio[0], "ratio");
	emit("exits_per_s_off_steady", off_st / rounds, "exits/s");
	emit("exits_per_s_on_steady", on_st / rounds, "exits/s");
	emit("steady_on_over_off_median", steady[rounds / 2], "ratio");
	emit("steady_on_over_off_min", steady[0], "ratio");
	unlink(out);
	free(ratio);
	free(steady);
	free(img);
	return 0;
}
