/* hvt-bench: trace writer and reader benchmarks. One JSON object per line:
 * {"bench": ..., "metric": ..., "value": ..., "unit": ...}. */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hvtrace/hvtrace.h"
#include "synth.h"

#define BATCH 256

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

static hvt_writer *open_writer(const char *path, uint64_t ring_bytes)
{
	struct hvt_writer_opts o = HVT_WRITER_OPTS_INIT;
	o.stream_buffer_bytes = ring_bytes;
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
	hvt_writer *w = open_writer(path, 64u << 20);
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
static void bench_encode(const char *name, const char *path, const hvt_event *evs, uint64_t n)
{
	hvt_writer *w = open_writer(path, 8u << 20);
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
	snprintf(bench, sizeof(bench), "writer_%s", name);
	emit(bench, "background_events_per_cpu_s", (double)n / ((double)st.background_cpu_ns / 1e9), "events/s");
	emit(bench, "end_to_end_events_per_s", (double)n / ((double)wall / 1e9), "events/s");
	emit(bench, "bytes_per_event", (double)sb.st_size / (double)n, "B/event");
}

static void bench_reader(const char *path, uint64_t n)
{
	hvt_reader *r;
	const hvt_event *ev;
	if (hvt_reader_open(&r, path, NULL) != 0) {
		fprintf(stderr, "hvt-bench: %s: %s\n", path, hvt_reader_open_error());
		exit(70);
	}
	uint64_t t0 = now(), got = 0, sum = 0;
	while (hvt_reader_next(r, &ev) == 1) {
		sum += ev->duration_ns; /* touch the event like an analysis would */
		got++;
	}
	uint64_t wall = now() - t0;
	hvt_reader_close(r);
	if (got != n || !sum) {
		fprintf(stderr, "hvt-bench: read %llu of %llu events\n", (unsigned long long)got,
			(unsigned long long)n);
		exit(70);
	}
	emit("reader_merged", "events_per_s", (double)n / ((double)wall / 1e9), "events/s");
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
static void bench_parallel(const char *path, uint64_t n, int threads)
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
	snprintf(metric, sizeof(metric), "events_per_s_%d_threads", threads);
	emit("reader_chunks_parallel", metric, (double)n / ((double)wall / 1e9), "events/s");
}

int main(int argc, char **argv)
{
	uint64_t n = 2000000;
	const char *dir = "/tmp";
	int c;
	while ((c = getopt(argc, argv, "n:d:h")) != -1) {
		if (c == 'n')
			n = strtoull(optarg, NULL, 0);
		else if (c == 'd')
			dir = optarg;
		else {
			fprintf(c == 'h' ? stdout : stderr,
				"usage: hvt-bench [-n EVENTS] [-d DIR]\n"
				"Writer hot path, background encode rate, bytes/event on the mixed\n"
				"and repetitive synthetic streams, reader rate. JSON lines on stdout.\n");
			return c == 'h' ? 0 : 64;
		}
	}
	char mixed[4096], rep[4096], hot[4096];
	snprintf(mixed, sizeof(mixed), "%s/hvt-bench-mixed.hvt", dir);
	snprintf(rep, sizeof(rep), "%s/hvt-bench-rep.hvt", dir);
	snprintf(hot, sizeof(hot), "%s/hvt-bench-hot.hvt", dir);
	hvt_event *evs = make_events(n, 0);
	bench_hot_path(hot, evs, n);
	bench_encode("mixed", mixed, evs, n);
	free(evs);
	evs = make_events(n, 1);
	bench_encode("repetitive", rep, evs, n);
	free(evs);
	bench_reader(mixed, n);
	bench_parallel(mixed, n, 1);
	bench_parallel(mixed, n, 2);
	unlink(hot);
	unlink(mixed);
	unlink(rep);
	return 0;
}
