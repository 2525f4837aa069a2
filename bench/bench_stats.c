/* hvt-bench-stats: how fast `stats` aggregates a trace, against the floor
 * of plain zstd decompression of the same chunks and the reader's decode
 * alone. One JSON object per line: {"bench", "metric", "value", "unit"}.
 *   hvt-bench-stats [-r ROUNDS] TRACE    (make TRACE with hvt-gen-trace)
 * Each figure is the best of ROUNDS (default 3) runs: the machine is
 * shared and noisy, and the best run is the one least disturbed. */
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zstd.h>

#include "analysis/stats.h"
#include "hvtrace/hvtrace.h"

#define CHUNK_HEADER_BYTES 72u /* formats/FORMAT.md */

static void emit(const char *bench, const char *metric, double value, const char *unit)
{
	printf("{\"bench\": \"%s\", \"metric\": \"%s\", \"value\": %.4g, \"unit\": \"%s\"}\n", bench,
	       metric, value, unit);
	fflush(stdout);
}

static hvt_reader *open_or_die(const char *path)
{
	hvt_reader *r;
	if (hvt_reader_open(&r, path, NULL) != 0) {
		fprintf(stderr, "hvt-bench-stats: %s: %s\n", path, hvt_reader_open_error());
		exit(66);
	}
	return r;
}

/* One stats aggregation (by kind, no filter): seconds. */
static double time_stats(const char *path, unsigned threads, uint64_t *exits)
{
	hvt_reader *r = open_or_die(path);
	struct an_scan_opts o = {.by = AN_BY_KIND, .filter = AN_FILTER_ALL, .threads = threads};
	struct an_stats s;
	char msg[256];
	uint64_t t0 = hvt_monotonic_ns();
	if (an_stats_compute(r, &o, AN_SORT_SAMPLES, &s, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "hvt-bench-stats: %s\n", msg);
		exit(70);
	}
	double secs = (double)(hvt_monotonic_ns() - t0) / 1e9;
	*exits = s.total.samples;
	an_stats_free(&s);
	hvt_reader_close(r);
	return secs;
}

struct floor_ctx {
	hvt_reader *r;
	int fd;
	int decode;               /* 1: chunk cursors (decode); 0: read + ZSTD_decompress only */
	_Atomic uint64_t next;
	_Atomic uint64_t events;
};

static uint64_t decompress_chunk(struct floor_ctx *c, ZSTD_DCtx *z, const struct hvt_chunk_info *ci,
				 uint8_t **in, uint8_t **out)
{
	*in = realloc(*in, ci->stored_bytes);
	*out = realloc(*out, ci->raw_bytes);
	if (pread(c->fd, *in, ci->stored_bytes, (off_t)(ci->offset + CHUNK_HEADER_BYTES)) !=
	    (ssize_t)ci->stored_bytes)
		exit(70);
	size_t got = ci->codec ? ZSTD_decompressDCtx(z, *out, ci->raw_bytes, *in, ci->stored_bytes)
			       : ci->stored_bytes;
	if (ZSTD_isError(got) || got != ci->raw_bytes)
		exit(70);
	return ci->events;
}

static uint64_t decode_chunk(hvt_chunk_cursor *cur, uint64_t i)
{
	const hvt_event *ev;
	uint64_t n = 0;
	if (hvt_chunk_cursor_load(cur, i) != 0)
		exit(70);
	while (hvt_chunk_cursor_next(cur, &ev) == 1)
		n++;
	return n;
}

static void *floor_worker(void *arg)
{
	struct floor_ctx *c = arg;
	ZSTD_DCtx *z = ZSTD_createDCtx();
	hvt_chunk_cursor *cur = NULL;
	uint8_t *in = NULL, *out = NULL;
	struct hvt_chunk_info ci;
	uint64_t i, n = 0;
	if (c->decode && hvt_chunk_cursor_create(c->r, &cur) != 0)
		exit(70);
	while ((i = atomic_fetch_add(&c->next, 1)) < hvt_reader_chunk_count(c->r)) {
		if (hvt_reader_chunk_info(c->r, i, &ci) != 0 || ci.type != HVT_CHUNK_EVENTS)
			continue;
		n += c->decode ? decode_chunk(cur, i) : decompress_chunk(c, z, &ci, &in, &out);
	}
	atomic_fetch_add(&c->events, n);
	hvt_chunk_cursor_free(cur);
	ZSTD_freeDCtx(z);
	free(in);
	free(out);
	return NULL;
}

static double time_floor(const char *path, unsigned threads, int decode, uint64_t *events)
{
	struct floor_ctx c = {.r = open_or_die(path), .decode = decode};
	pthread_t t[8];
	c.fd = open(path, O_RDONLY);
	uint64_t t0 = hvt_monotonic_ns();
	for (unsigned i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, floor_worker, &c);
	for (unsigned i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	double secs = (double)(hvt_monotonic_ns() - t0) / 1e9;
	*events = atomic_load(&c.events);
	close(c.fd);
	hvt_reader_close(c.r);
	return secs;
}

static void run(const char *path, unsigned threads, int rounds, uint64_t events)
{
	double best[3] = {1e30, 1e30, 1e30};
	uint64_t exits = 0, n;
	for (int k = 0; k < rounds; k++) {
		double s = time_stats(path, threads, &exits);
		best[0] = s < best[0] ? s : best[0];
		s = time_floor(path, threads, 1, &n);
		best[1] = s < best[1] ? s : best[1];
		s = time_floor(path, threads, 0, &n);
		best[2] = s < best[2] ? s : best[2];
	}
	char metric[64];
	snprintf(metric, sizeof(metric), "events_per_s_%u_threads", threads);
	emit("stats_by_kind", metric, (double)events / best[0], "events/s");
	emit("reader_chunk_decode_only", metric, (double)events / best[1], "events/s");
	emit("zstd_decompress_floor", metric, (double)events / best[2], "events/s");
	emit("stats_over_chunk_decode", metric, best[1] / best[0], "x");
	emit("chunk_decode_over_zstd_floor", metric, best[2] / best[1], "x");
	if (threads == 1)
		emit("stats_by_kind", "exits", (double)exits, "count");
}

int main(int argc, char **argv)
{
	int rounds = 3, c;
	while ((c = getopt(argc, argv, "r:h")) != -1) {
		if (c == 'r') {
			rounds = atoi(optarg) > 0 ? atoi(optarg) : 1;
		} else {
			fprintf(c == 'h' ? stdout : stderr, "usage: hvt-bench-stats [-r ROUNDS] TRACE\n");
			return c == 'h' ? 0 : 64;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: hvt-bench-stats [-r ROUNDS] TRACE\n");
		return 64;
	}
	hvt_reader *r = open_or_die(argv[optind]);
	struct hvt_trace_info info;
	hvt_reader_get_info(r, &info);
	hvt_reader_close(r);
	emit("stats_trace", "events", (double)info.events, "count");
	emit("stats_trace", "bytes_per_event", (double)info.file_bytes / (double)info.events, "B/event");
	run(argv[optind], 1, rounds, info.events);
	run(argv[optind], 2, rounds, info.events);
	return 0;
}
