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
#define ROUNDS 3               /* reader figures: best of (-r), interleaving v1 and v2 */

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

/* The columns of a columnar read: every field, or what `hvtrace stats`
 * (by kind, the default) reads of an event. */
#define COLS_STATS                                                                  \
	(HVT_COLUMN_TIME_NS | HVT_COLUMN_STREAM | HVT_COLUMN_TYPE | HVT_COLUMN_KIND |     \
	 HVT_COLUMN_FLAGS | HVT_COLUMN_DURATION_NS | HVT_COLUMN_VALUE)
#define COL_BATCH 4096u

/* Arrays for COL_BATCH events of every field; cols sets those of mask. */
static struct hvt_columns col_arrays(unsigned mask)
{
	static uint64_t u64[9][COL_BATCH];
	static uint32_t u32[6][COL_BATCH];
	static uint16_t u16[COL_BATCH];
	static uint8_t u8[2][COL_BATCH];
	static const uint8_t *data[COL_BATCH];
	struct hvt_columns c = HVT_COLUMNS_INIT;
	c.capacity = COL_BATCH;
#define ARR(bit, f, a) c.f = (mask & (bit)) ? (a) : NULL
	ARR(HVT_COLUMN_TIME_NS, time_ns, u64[0]);
	ARR(HVT_COLUMN_SEQ, seq, u64[1]);
	ARR(HVT_COLUMN_PC, pc, u64[2]);
	ARR(HVT_COLUMN_ADDR, addr, u64[3]);
	ARR(HVT_COLUMN_VALUE, value, u64[4]);
	ARR(HVT_COLUMN_DURATION_NS, duration_ns, u64[5]);
	ARR(HVT_COLUMN_RUN_NS, run_ns, u64[6]);
	ARR(HVT_COLUMN_SYNDROME, syndrome, u64[7]);
	ARR(HVT_COLUMN_FAULT_VA, fault_va, u64[8]);
	ARR(HVT_COLUMN_STREAM, stream, u32[0]);
	ARR(HVT_COLUMN_SIZE, size, u32[1]);
	ARR(HVT_COLUMN_COUNT, count, u32[2]);
	ARR(HVT_COLUMN_RAW_REASON, raw_reason, u32[3]);
	ARR(HVT_COLUMN_REGS_HASH, regs_hash, u32[4]);
	ARR(HVT_COLUMN_DATA, data_len, u32[5]);
	ARR(HVT_COLUMN_DATA, data, data);
	ARR(HVT_COLUMN_FLAGS, flags, u16);
	ARR(HVT_COLUMN_TYPE, type, u8[0]);
	ARR(HVT_COLUMN_KIND, kind, u8[1]);
#undef ARR
	return c;
}

/* Merged columnar read of every event (hvt_batch_reader): what a consumer
 * of struct-of-arrays batches costs. Its own function for callgrind
 * (--toggle-collect=read_columns). */
__attribute__((noinline)) static uint64_t read_columns(hvt_reader *r, unsigned mask, uint64_t *sum)
{
	struct hvt_columns c = col_arrays(mask);
	hvt_batch_reader *b;
	uint64_t got = 0;
	int n;
	if (hvt_batch_reader_create(r, mask, &b) != 0)
		exit(70);
	while ((n = hvt_batch_reader_next(b, &c)) > 0) {
		uint64_t s = 0;
		for (int i = 0; i < n; i++)
			s += c.duration_ns[i]; /* touch the batch like an analysis would */
		*sum += s;
		got += (uint64_t)n;
	}
	hvt_batch_reader_free(b);
	return n < 0 ? 0 : got;
}

/* Seconds (CPU time) for one merged columnar read of path. */
static double time_columns(const char *path, uint64_t n, unsigned mask)
{
	hvt_reader *r = open_reader(path);
	uint64_t sum = 0, t0 = cpu_now();
	uint64_t got = read_columns(r, mask, &sum);
	uint64_t t = cpu_now() - t0;
	hvt_reader_close(r);
	if (got != n || !sum) {
		fprintf(stderr, "hvt-bench: columnar read %llu of %llu events\n",
			(unsigned long long)got, (unsigned long long)n);
		exit(70);
	}
	return (double)t / 1e9;
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

static void keep_best(double *best, double s)
{
	*best = s < *best ? s : *best;
}

static void emit_rate(const char *what, int v, uint64_t n, double secs, double floor_secs)
{
	char bench[64];
	snprintf(bench, sizeof(bench), "%s_v%d", what, v);
	emit(bench, "events_per_s", (double)n / secs, "events/s");
	if (floor_secs > 0)
		emit(bench, "over_zstd_floor", floor_secs / secs, "x");
}

/* Reader (hvt_reader_next), columnar reader (every field; stats' fields)
 * and floor for v1 and v2, interleaved, best of `rounds` each, in CPU
 * seconds of the one thread doing it; then rates and ratios to the floor.
 * paths[0] is v1, paths[1] v2. */
static void bench_reader(const char *const paths[2], uint64_t n, int rounds)
{
	double rd[2] = {1e30, 1e30}, all[2] = {1e30, 1e30}, st[2] = {1e30, 1e30};
	double fl[2] = {1e30, 1e30};
	for (int k = 0; k < rounds; k++) {
		for (int v = 0; v < 2; v++) {
			keep_best(&rd[v], time_reader(paths[v], n));
			keep_best(&all[v], time_columns(paths[v], n, HVT_COLUMNS_ALL));
			keep_best(&st[v], time_columns(paths[v], n, COLS_STATS));
			keep_best(&fl[v], time_zstd_floor(paths[v], n));
		}
	}
	for (int v = 0; v < 2; v++) {
		emit_rate("reader_merged", v + 1, n, rd[v], fl[v]);
		emit_rate("reader_columns_all", v + 1, n, all[v], fl[v]);
		emit_rate("reader_columns_stats", v + 1, n, st[v], fl[v]);
		emit_rate("zstd_floor", v + 1, n, fl[v], 0);
	}
}

/* --read PATH [all|stats]: one merged read (hvt_reader_next, or columnar
 * with every field or stats' fields), for callgrind. */
static int read_only(const char *path, const char *cols)
{
	hvt_reader *r = open_reader(path);
	struct hvt_trace_info in;
	uint64_t sum = 0;
	hvt_reader_get_info(r, &in);
	uint64_t got = !cols ? read_all(r, &sum)
		: read_columns(r, strcmp(cols, "stats") == 0 ? COLS_STATS : HVT_COLUMNS_ALL, &sum);
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
	int c, keep = 0, rounds = ROUNDS;
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "--read") == 0)
		return read_only(argv[2], argc == 4 ? argv[3] : NULL);
	while ((c = getopt(argc, argv, "n:d:r:kh")) != -1) {
		if (c == 'n')
			n = strtoull(optarg, NULL, 0);
		else if (c == 'r')
			rounds = atoi(optarg) > 0 ? atoi(optarg) : ROUNDS;
		else if (c == 'd')
			dir = optarg;
		else if (c == 'k')
			keep = 1;
		else {
			fprintf(c == 'h' ? stdout : stderr,
				"usage: hvt-bench [-n EVENTS] [-d DIR] [-r ROUNDS] [-k]\n"
				"       hvt-bench --read TRACE [all|stats]\n"
				"Writer hot path, background encode rate, bytes/event on the mixed\n"
				"and repetitive synthetic streams, reader rates (hvt_reader_next, and\n"
				"columnar batches of every field or of stats' fields) against the\n"
				"zstd-only floor of the same chunks, best of ROUNDS (3) in CPU time:\n"
				"format v1 and v2 side by side. JSON lines on stdout. -k keeps\n"
				"DIR/hvt-bench-mixed-v{1,2}.hvt (for --read; all|stats: columnar).\n");
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
	bench_reader(paths, n, rounds);
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
