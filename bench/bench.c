/* hvt-bench: trace writer and reader benchmarks, format v1 and v2 side by
 * side in one run. One JSON object per line:
 * {"bench": ..., "metric": ..., "value": ..., "unit": ...}; names ending in
 * _v1 / _v2 say which format. --read PATH reads one trace (merged) in a
 * function of its own, for callgrind's --toggle-collect (RESULTS.md). */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include "hvtrace/hvtrace.h"
#include "synth.h"

#define BATCH 256
#define CHUNK_HEADER_BYTES 72u /* formats/FORMAT.md */
#define ROUNDS 3               /* reader figures: best of, interleaving v1 and v2 */

static void emit(const char *bench, const char *metric, double value, const char *unit)
{
	printf("{\"bench\": \"%s\", \"metric\": \"%s\", \"value\": %.4g, \"unit\": \"%s\"}\n", bench,
	       metric, value, unit);
	fflush(stdout);
}

static uint64_t now(void)
{
	return hvt_monotonic_ns();
}

/* CPU time of the calling thread: on this shared 2-core machine the reader
 * figures count the time the reading core actually spent (wall time there
 * mostly measures the other jobs). */
static uint64_t cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static hvt_event *make_events(uint64_t n, int repetitive)
{
	struct synth s;
	hvt_event *evs = malloc(n * sizeof(*evs));
	if (!evs)
		exit(70);
	synth_init(&s, 42, repetitive);
	for (uint64_t i = 0; i < n; i++)
		synth_next(&s, &evs[i]);
	return evs;
}

static hvt_writer *open_writer(const char *path, uint64_t ring_bytes, uint32_t version)
{
	struct hvt_writer_opts o = HVT_WRITER_OPTS_INIT;
	o.stream_buffer_bytes = ring_bytes;
	o.format_version = version;
	hvt_writer *w;
	int err = hvt_writer_create(&w, path, &o);
	if (err) {
		fprintf(stderr, "hvt-bench: %s: %s\n", path, hvt_strerror(err));
		exit(70);
	}
	return w;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Producer cost per append, in bursts that fit the ring so that what is
 * timed is the vCPU thread's work, not waiting for the background thread
 * (real exits arrive far slower than it drains). */
static void bench_hot_path(const char *path, const hvt_event *evs, uint64_t n)
{
	const uint64_t burst = 131072; /* ~18 MiB of records in a 64 MiB ring */
	hvt_writer *w = open_writer(path, 64u << 20, 0);
	hvt_stream *s;
	hvt_writer_open_stream(w, 0, &s);
	size_t nb = (size_t)(n / BATCH), k = 0;
	double *per_event = malloc(nb * sizeof(double));
	for (uint64_t i = 0; i + BATCH <= n; i += BATCH) {
		uint64_t t0 = now();
		for (int j = 0; j < BATCH; j++)
			hvt_stream_append(s, &evs[i + j]);
		per_event[k++] = (double)(now() - t0) / BATCH;
		if ((i + BATCH) % burst == 0)
			hvt_writer_flush(w);
	}
	struct hvt_writer_stats st;
	hvt_writer_flush(w);
	hvt_writer_get_stats(w, &st);
	hvt_writer_close(w);
	qsort(per_event, k, sizeof(double), cmp_double);
	emit("writer_hot_path", "p50", per_event[k / 2], "ns/event");
	emit("writer_hot_path", "p99", per_event[k * 99 / 100], "ns/event");
	emit("writer_hot_path", "stalls", (double)st.stalls, "count");
	free(per_event);
}

/* Background encode + checksum + compress, per CPU second of its thread;
 * and bytes per event on disk. */
static void bench_encode(const char *name, const char *path, const hvt_event *evs, uint64_t n,
			 uint32_t version)
{
	hvt_writer *w = open_writer(path, 8u << 20, version);
	hvt_stream *s;
	struct hvt_writer_stats st;
	struct stat sb;
	hvt_writer_open_stream(w, 0, &s);
	uint64_t t0 = now();
	for (uint64_t i = 0; i < n; i++)
		hvt_stream_append(s, &evs[i]);
	hvt_writer_flush(w);
	uint64_t wall = now() - t0;
	hvt_writer_get_stats(w, &st);
	hvt_writer_close(w);
	stat(path, &sb);
	char bench[64];
	snprintf(bench, sizeof(bench), "writer_%s_v%u", name, version);
	emit(bench, "background_events_per_cpu_s", (double)n / ((double)st.background_cpu_ns / 1e9), "events/s");
	emit(bench, "end_to_end_events_per_s", (double)n / ((double)wall / 1e9), "events/s");
	emit(bench, "bytes_per_event", (double)sb.st_size / (double)n, "B/event");
}

static hvt_reader *open_reader(const char *path)
{
	hvt_reader *r;
	if (hvt_reader_open(&r, path, NULL) != 0) {
		fprintf(stderr, "hvt-bench: %s: %s\n", path, hvt_reader_open_error());
		exit(70);
	}
	return r;
}

/* Merged iteration over every event: what hvt_reader_next costs. Its own
 * function so callgrind can count it alone (--toggle-collect=read_all). */
__attribute__((noinline)) static uint64_t read_all(hvt_reader *r, uint64_t *sum)
{
	const hvt_event *ev;
	uint64_t got = 0;
	while (hvt_reader_next(r, &ev) == 1) {
		*sum += ev->duration_ns; /* touch the event like an analysis would */
		got++;
	}
	return got;
}

/* Seconds for one merged read of path (n events expected). */
static double time_reader(const char *path, uint64_t n)
{
	hvt_reader *r = open_reader(path);
	uint64_t sum = 0, t0 = cpu_now();
	uint64_t got = read_all(r, &sum);
	uint64_t wall = cpu_now() - t0;
	hvt_reader_close(r);
	if (got != n || !sum) {
		fprintf(stderr, "hvt-bench: read %llu of %llu events\n", (unsigned long long)got,
			(unsigned long long)n);
		exit(70);
	}
	return (double)wall / 1e9;
}

/* The floor: the same chunks read (pread) and decompressed by zstd alone,
 * no decoding, one core. Seconds. */
static double time_zstd_floor(const char *path, uint64_t n)
{
	hvt_reader *r = open_reader(path);
	int fd = open(path, O_RDONLY);
	ZSTD_DCtx *z = ZSTD_createDCtx();
	uint8_t *in = malloc(ZSTD_compressBound(32u << 20)), *out = malloc(32u << 20);
	struct hvt_chunk_info ci;
	uint64_t events = 0, t0 = cpu_now();
	for (uint64_t i = 0; i < hvt_reader_chunk_count(r); i++) {
		if (hvt_reader_chunk_info(r, i, &ci) != 0 || ci.type != HVT_CHUNK_EVENTS)
			continue;
		if (pread(fd, in, ci.stored_bytes, (off_t)(ci.offset + CHUNK_HEADER_BYTES)) !=
		    (ssize_t)ci.stored_bytes)
			exit(70);
		size_t got = ci.codec ? ZSTD_decompressDCtx(z, out, ci.raw_bytes, in, ci.stored_bytes)
				      : ci.stored_bytes;
		if (ZSTD_isError(got) || got != ci.raw_bytes)
			exit(70);
		events += ci.events;
	}
	double secs = (double)(cpu_now() - t0) / 1e9;
	ZSTD_freeDCtx(z);
	free(in);
	free(out);
	close(fd);
	hvt_reader_close(r);
	if (events != n)
		exit(70);
	return secs;
}

/* Reader and floor for v1 and v2, interleaved, best of ROUNDS each, in CPU
 * seconds of the one thread doing it; then rates and reader/floor ratios.
 * paths[0] is v1, paths[1] v2. */
static void bench_reader(const char *const paths[2], uint64_t n)
{
	double rd[2] = {1e30, 1e30}, fl[2] = {1e30, 1e30};
	for (int k = 0; k < ROUNDS; k++) {
		for (int v = 0; v < 2; v++) {
			double s = time_reader(paths[v], n);
			rd[v] = s < rd[v] ? s : rd[v];
			s = time_zstd_floor(paths[v], n);
			fl[v] = s < fl[v] ? s : fl[v];
		}
	}
	for (int v = 0; v < 2; v++) {
		char bench[64];
		snprintf(bench, sizeof(bench), "reader_merged_v%d", v + 1);
		emit(bench, "events_per_s", (double)n / rd[v], "events/s");
		snprintf(bench, sizeof(bench), "zstd_floor_v%d", v + 1);
		emit(bench, "events_per_s", (double)n / fl[v], "events/s");
		snprintf(bench, sizeof(bench), "reader_over_floor_v%d", v + 1);
		emit(bench, "ratio", fl[v] / rd[v], "x");
	}
}

/* --read PATH: one merged read, for callgrind. */
static int read_only(const char *path)
{
	hvt_reader *r = open_reader(path);
	struct hvt_trace_info in;
	uint64_t sum = 0;
	hvt_reader_get_info(r, &in);
	uint64_t got = read_all(r, &sum);
	hvt_reader_close(r);
	printf("{\"bench\": \"read\", \"metric\": \"events\", \"value\": %llu, \"unit\": \"count\"}\n",
	       (unsigned long long)got);
	return got == in.events ? 0 : 70;
}

struct par_ctx {
	hvt_reader *r;
	_Atomic uint64_t next_chunk;
	_Atomic uint64_t events;
};

static void *par_worker(void *arg)
{
	struct par_ctx *pc = arg;
	hvt_chunk_cursor *c;
	const hvt_event *ev;
	struct hvt_chunk_info ci;
	uint64_t n = 0, i, sum = 0;
	if (hvt_chunk_cursor_create(pc->r, &c) != 0)
		return NULL;
	while ((i = atomic_fetch_add(&pc->next_chunk, 1)) < hvt_reader_chunk_count(pc->r)) {
		if (hvt_reader_chunk_info(pc->r, i, &ci) != 0 || ci.type != HVT_CHUNK_EVENTS ||
		    hvt_chunk_cursor_load(c, i) != 0)
			continue;
		while (hvt_chunk_cursor_next(c, &ev) == 1) {
			sum += ev->duration_ns;
			n++;
		}
	}
	hvt_chunk_cursor_free(c);
	atomic_fetch_add(&pc->events, sum ? n : 0);
	return NULL;
}

/* Chunks decoded by several threads with one cursor each: how stats reads. */
static void bench_parallel(const char *path, uint64_t n, int threads, int version)
{
	struct par_ctx pc = {0};
	pthread_t t[8];
	if (hvt_reader_open(&pc.r, path, NULL) != 0)
		exit(70);
	uint64_t t0 = now();
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, par_worker, &pc);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	uint64_t wall = now() - t0;
	hvt_reader_close(pc.r);
	if (atomic_load(&pc.events) != n) {
		fprintf(stderr, "hvt-bench: parallel decode read %llu of %llu events\n",
			(unsigned long long)atomic_load(&pc.events), (unsigned long long)n);
		exit(70);
	}
	char metric[64];
	char bench[64];
	snprintf(metric, sizeof(metric), "events_per_s_%d_threads", threads);
	snprintf(bench, sizeof(bench), "reader_chunks_parallel_v%d", version);
	emit(bench, metric, (double)n / ((double)wall / 1e9), "events/s");
}

int main(int argc, char **argv)
{
	uint64_t n = 2000000;
	const char *dir = "/tmp";
	int c, keep = 0;
	if (argc == 3 && strcmp(argv[1], "--read") == 0)
		return read_only(argv[2]);
	while ((c = getopt(argc, argv, "n:d:kh")) != -1) {
		if (c == 'n')
			n = strtoull(optarg, NULL, 0);
		else if (c == 'd')
			dir = optarg;
		else if (c == 'k')
			keep = 1;
		else {
			fprintf(c == 'h' ? stdout : stderr,
				"usage: hvt-bench [-n EVENTS] [-d DIR] [-k]\n"
				"       hvt-bench --read TRACE\n"
				"Writer hot path, background encode rate, bytes/event on the mixed\n"
				"and repetitive synthetic streams, reader rate against the zstd-only\n"
				"floor of the same chunks: format v1 and v2 side by side. JSON lines on\n"
				"stdout. -k keeps DIR/hvt-bench-mixed-v{1,2}.hvt (for --read).\n");
			return c == 'h' ? 0 : 64;
		}
	}
	char mixed[2][4096], rep[4096], hot[4096];
	snprintf(mixed[0], sizeof(mixed[0]), "%s/hvt-bench-mixed-v1.hvt", dir);
	snprintf(mixed[1], sizeof(mixed[1]), "%s/hvt-bench-mixed-v2.hvt", dir);
	snprintf(rep, sizeof(rep), "%s/hvt-bench-rep.hvt", dir);
	snprintf(hot, sizeof(hot), "%s/hvt-bench-hot.hvt", dir);
	hvt_event *evs = make_events(n, 0);
	bench_hot_path(hot, evs, n);
	for (uint32_t v = 1; v <= 2; v++)
		bench_encode("mixed", mixed[v - 1], evs, n, v);
	free(evs);
	evs = make_events(n, 1);
	for (uint32_t v = 1; v <= 2; v++)
		bench_encode("repetitive", rep, evs, n, v);
	free(evs);
	const char *const paths[2] = {mixed[0], mixed[1]};
	bench_reader(paths, n);
	for (int v = 1; v <= 2; v++) {
		bench_parallel(mixed[v - 1], n, 1, v);
		bench_parallel(mixed[v - 1], n, 2, v);
	}
	unlink(hot);
	unlink(rep);
	if (!keep) {
		unlink(mixed[0]);
		unlink(mixed[1]);
	}
	return 0;
}
