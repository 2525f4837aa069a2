/* Seeking: seek_seq lands exactly on (stream, seq) and the merged order
 * continues from there; seek_time gives the first event with time >= t;
 * rewind restarts. Checked against the one (time, stream, seq) order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

#define NSTREAMS 3
#define FOLLOW 24 /* events checked after each seek */
static const uint32_t ids[NSTREAMS] = {1, 2, 9};

struct fx {
	struct tev_list s[NSTREAMS];
	hvt_event *merged; /* expected order */
	size_t n;
	hvt_reader *r;
	char path[512];
};

static struct fx fx;

static int setup(void **state)
{
	(void)state;
	struct tprng p;
	/* A coarse clock: runs of equal times within and across streams. */
	struct tgen_opts go = {.max_data_bytes = 512, .start_time_ns = 100, .max_time_step = 4};
	tprng_seed(&p, 0x5eec);
	for (int i = 0; i < NSTREAMS; i++)
		tgen_stream(&p, &go, ids[i], 900 + 100 * (size_t)i, &fx.s[i]);
	fx.merged = tmerge_expected(fx.s, NSTREAMS, &fx.n);
	ttmp_path(fx.path, sizeof(fx.path), "seek.hvt");
	struct hvt_writer_opts o = topts(1, 1024);
	twrite_trace(fx.path, &o, fx.s, NSTREAMS, 7);
	if (hvt_reader_open(&fx.r, fx.path, NULL) != 0)
		return -1;
	return hvt_reader_chunk_count(fx.r) >= 30 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	hvt_reader_close(fx.r);
	free(fx.merged);
	for (int i = 0; i < NSTREAMS; i++)
		tev_list_free(&fx.s[i]);
	ttmp_cleanup();
	return 0;
}

/* The next events are merged[from..from+FOLLOW) (or to the end). */
static void expect_from(size_t from, const char *what)
{
	const hvt_event *ev;
	for (size_t i = from; i < fx.n && i < from + FOLLOW; i++) {
		int rc = hvt_reader_next(fx.r, &ev);
		if (rc != 1)
			fail_msg("%s: next() = %d at merged index %zu: %s", what, rc, i,
				 hvt_reader_error(fx.r));
		tev_assert_eq(&fx.merged[i], ev, what, i);
	}
	if (from >= fx.n)
		assert_int_equal(hvt_reader_next(fx.r, &ev), 0);
}

static size_t index_of(uint32_t stream, uint64_t seq)
{
	for (size_t i = 0; i < fx.n; i++)
		if (fx.merged[i].stream == stream && fx.merged[i].seq == seq)
			return i;
	fail_msg("no event (%u, %llu)", stream, (unsigned long long)seq);
	return 0;
}

static void seek_seq_check(uint32_t stream, uint64_t seq)
{
	char what[64];
	int rc = hvt_reader_seek_seq(fx.r, stream, seq);
	if (rc)
		fail_msg("seek_seq(%u, %llu): %s", stream, (unsigned long long)seq,
			 hvt_reader_error(fx.r));
	snprintf(what, sizeof(what), "after seek_seq(%u, %llu)", stream, (unsigned long long)seq);
	size_t at = index_of(stream, seq);
	assert_int_equal(fx.merged[at].seq, seq);
	expect_from(at, what);
}

static void test_seek_seq(void **state)
{
	(void)state;
	struct tprng p;
	tprng_seed(&p, 0x5eec5eec);
	/* The ends of every stream and of every chunk. */
	for (int i = 0; i < NSTREAMS; i++) {
		seek_seq_check(ids[i], 0);
		seek_seq_check(ids[i], fx.s[i].n - 1);
	}
	for (uint64_t c = 0; c < hvt_reader_chunk_count(fx.r); c += 3) {
		struct hvt_chunk_info ci;
		assert_int_equal(hvt_reader_chunk_info(fx.r, c, &ci), 0);
		if (ci.type != HVT_CHUNK_EVENTS)
			continue;
		seek_seq_check(ci.stream, ci.first_seq);
		seek_seq_check(ci.stream, ci.last_seq);
	}
	/* Random positions. */
	for (int k = 0; k < 300; k++) {
		int i = (int)tprng_below(&p, NSTREAMS);
		seek_seq_check(ids[i], tprng_below(&p, fx.s[i].n));
	}
	/* Positions that do not exist. */
	assert_int_equal(hvt_reader_seek_seq(fx.r, ids[0], fx.s[0].n), HVT_E_NOT_FOUND);
	assert_int_equal(hvt_reader_seek_seq(fx.r, ids[0], UINT64_MAX), HVT_E_NOT_FOUND);
	assert_int_equal(hvt_reader_seek_seq(fx.r, 0, 0), HVT_E_NOT_FOUND);
	assert_int_equal(hvt_reader_seek_seq(fx.r, 200, 0), HVT_E_NOT_FOUND);
	/* And a valid seek still works after them. */
	seek_seq_check(ids[2], 5);
}

static size_t first_at_or_after(uint64_t t)
{
	size_t i = 0;
	while (i < fx.n && fx.merged[i].time_ns < t)
		i++;
	return i;
}

static void seek_time_check(uint64_t t)
{
	char what[64];
	int rc = hvt_reader_seek_time(fx.r, t);
	if (rc)
		fail_msg("seek_time(%llu): %s", (unsigned long long)t, hvt_reader_error(fx.r));
	snprintf(what, sizeof(what), "after seek_time(%llu)", (unsigned long long)t);
	expect_from(first_at_or_after(t), what);
}

static void test_seek_time(void **state)
{
	(void)state;
	struct tprng p;
	tprng_seed(&p, 0x71e);
	uint64_t last = fx.merged[fx.n - 1].time_ns;
	seek_time_check(0);
	seek_time_check(fx.merged[0].time_ns);
	seek_time_check(fx.merged[0].time_ns + 1);
	seek_time_check(last);
	seek_time_check(last + 1);     /* past the end: nothing */
	seek_time_check(UINT64_MAX);
	for (int k = 0; k < 300; k++) {
		/* Half exactly on an event's time (often shared), half anywhere. */
		uint64_t t = tprng_below(&p, 2) ? fx.merged[tprng_below(&p, fx.n)].time_ns
						 : tprng_below(&p, last + 2);
		seek_time_check(t);
	}
	/* Every chunk's first and last time. */
	for (uint64_t c = 0; c < hvt_reader_chunk_count(fx.r); c++) {
		struct hvt_chunk_info ci;
		assert_int_equal(hvt_reader_chunk_info(fx.r, c, &ci), 0);
		if (ci.type != HVT_CHUNK_EVENTS)
			continue;
		seek_time_check(ci.first_time_ns);
		seek_time_check(ci.last_time_ns);
	}
}

static void test_rewind(void **state)
{
	(void)state;
	struct tev_list got = {0};
	const hvt_event *ev;
	/* Part way, then rewind: the whole trace from the start. */
	assert_int_equal(hvt_reader_seek_seq(fx.r, ids[1], 500), 0);
	assert_int_equal(hvt_reader_next(fx.r, &ev), 1);
	assert_int_equal(hvt_reader_rewind(fx.r), 0);
	assert_int_equal(tread_merged(fx.r, &got), 0);
	assert_int_equal(got.n, fx.n);
	for (size_t i = 0; i < fx.n; i++)
		tev_assert_eq(&fx.merged[i], &got.ev[i], "after rewind", i);
	/* At the end: next keeps returning 0; rewind restarts. */
	assert_int_equal(hvt_reader_next(fx.r, &ev), 0);
	assert_int_equal(hvt_reader_next(fx.r, &ev), 0);
	assert_int_equal(hvt_reader_rewind(fx.r), 0);
	expect_from(0, "second rewind");
	tev_list_free(&got);
}

/* A fresh reader whose first call is a seek (no iteration before). */
static void test_seek_first(void **state)
{
	(void)state;
	hvt_reader *r2;
	assert_int_equal(hvt_reader_open(&r2, fx.path, NULL), 0);
	hvt_reader *keep = fx.r;
	fx.r = r2;
	seek_time_check(fx.merged[fx.n / 2].time_ns);
	hvt_reader_close(r2);
	assert_int_equal(hvt_reader_open(&r2, fx.path, NULL), 0);
	fx.r = r2;
	seek_seq_check(ids[2], 700);
	hvt_reader_close(r2);
	fx.r = keep;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seek_seq),
		cmocka_unit_test(test_seek_time),
		cmocka_unit_test(test_rewind),
		cmocka_unit_test(test_seek_first),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
