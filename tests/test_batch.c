/* Columnar reading (hvt_batch_reader, hvt_chunk_cursor_next_columns) gives
 * exactly what hvt_reader_next and hvt_chunk_cursor_next give, event by
 * event: every field set, every batch size, multi-stream traces whose times
 * interleave (ties included) or take turns, after seeks, on the golden v1
 * and v2 traces (argv), and on hostile payloads with valid checksums, where
 * it must fail as the event reader does (an error naming the offset), never
 * crash. ctest runs it once per format version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "bytes.h"
#include "layout.h"
#include "tsupport.h"

#define NSTREAMS 3
#define MAX_CAP 5000u

static const char *golden[2];

/* The caller's arrays for up to MAX_CAP events, all of them allocated; a
 * view sets those of a mask. */
struct arrays {
	uint64_t time_ns[MAX_CAP], seq[MAX_CAP], pc[MAX_CAP], addr[MAX_CAP], value[MAX_CAP];
	uint64_t duration_ns[MAX_CAP], run_ns[MAX_CAP], syndrome[MAX_CAP], fault_va[MAX_CAP];
	uint32_t stream[MAX_CAP], size[MAX_CAP], count[MAX_CAP], raw_reason[MAX_CAP];
	uint32_t regs_hash[MAX_CAP], data_len[MAX_CAP];
	uint16_t flags[MAX_CAP];
	uint8_t type[MAX_CAP], kind[MAX_CAP];
	const uint8_t *data[MAX_CAP];
};

static struct arrays *arr;

#define SET(bit, f) c.f = mask & (bit) ? arr->f : NULL
static struct hvt_columns view(unsigned mask, uint32_t cap)
{
	struct hvt_columns c = HVT_COLUMNS_INIT;
	c.capacity = cap;
	SET(HVT_COLUMN_TIME_NS, time_ns), SET(HVT_COLUMN_STREAM, stream), SET(HVT_COLUMN_SEQ, seq);
	SET(HVT_COLUMN_TYPE, type), SET(HVT_COLUMN_KIND, kind), SET(HVT_COLUMN_FLAGS, flags);
	SET(HVT_COLUMN_PC, pc), SET(HVT_COLUMN_ADDR, addr), SET(HVT_COLUMN_VALUE, value);
	SET(HVT_COLUMN_DURATION_NS, duration_ns), SET(HVT_COLUMN_RUN_NS, run_ns);
	SET(HVT_COLUMN_SIZE, size), SET(HVT_COLUMN_COUNT, count);
	SET(HVT_COLUMN_RAW_REASON, raw_reason), SET(HVT_COLUMN_REGS_HASH, regs_hash);
	SET(HVT_COLUMN_SYNDROME, syndrome), SET(HVT_COLUMN_FAULT_VA, fault_va);
	SET(HVT_COLUMN_DATA, data_len), SET(HVT_COLUMN_DATA, data);
	return c;
}

/* ev with the fields outside mask zeroed: what columns of mask can show. */
#define KEEP(bit, f) out->f = mask & (bit) ? ev->f : 0
static void masked(const hvt_event *ev, unsigned mask, hvt_event *out)
{
	memset(out, 0, sizeof(*out));
	KEEP(HVT_COLUMN_TIME_NS, time_ns), KEEP(HVT_COLUMN_STREAM, stream), KEEP(HVT_COLUMN_SEQ, seq);
	KEEP(HVT_COLUMN_TYPE, type), KEEP(HVT_COLUMN_KIND, kind), KEEP(HVT_COLUMN_FLAGS, flags);
	KEEP(HVT_COLUMN_PC, pc), KEEP(HVT_COLUMN_ADDR, addr), KEEP(HVT_COLUMN_VALUE, value);
	KEEP(HVT_COLUMN_DURATION_NS, duration_ns), KEEP(HVT_COLUMN_RUN_NS, run_ns);
	KEEP(HVT_COLUMN_SIZE, size), KEEP(HVT_COLUMN_COUNT, count);
	KEEP(HVT_COLUMN_RAW_REASON, raw_reason), KEEP(HVT_COLUMN_REGS_HASH, regs_hash);
	KEEP(HVT_COLUMN_SYNDROME, syndrome), KEEP(HVT_COLUMN_FAULT_VA, fault_va);
	KEEP(HVT_COLUMN_DATA, data_len);
	out->data = mask & HVT_COLUMN_DATA ? ev->data : NULL;
}

/* Entry i of the arrays of c as an event (fields c lacks are 0). */
#define TAKE(f) ev->f = c->f ? c->f[i] : 0
static void from_columns(const struct hvt_columns *c, uint32_t i, hvt_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	TAKE(time_ns), TAKE(stream), TAKE(seq), TAKE(type), TAKE(kind), TAKE(flags), TAKE(pc);
	TAKE(addr), TAKE(value), TAKE(duration_ns), TAKE(run_ns), TAKE(size), TAKE(count);
	TAKE(raw_reason), TAKE(regs_hash), TAKE(syndrome), TAKE(fault_va), TAKE(data_len);
	ev->data = c->data ? c->data[i] : NULL;
}

/* Reads r to its end (or error) with a batch reader of mask in batches of
 * cap, appending the masked events to out; returns 0 or the error. */
static int read_batches(hvt_reader *r, unsigned mask, uint32_t cap, struct tev_list *out,
			hvt_batch_reader **keep)
{
	hvt_batch_reader *b = keep ? *keep : NULL;
	struct hvt_columns c = view(mask, cap);
	hvt_event ev;
	int n;
	if (!b)
		assert_int_equal(hvt_batch_reader_create(r, mask, &b), 0);
	while ((n = hvt_batch_reader_next(b, &c)) > 0) {
		assert_true((uint32_t)n <= cap);
		for (uint32_t i = 0; i < (uint32_t)n; i++) {
			from_columns(&c, i, &ev);
			tev_list_push(out, &ev);
		}
	}
	if (n < 0) {
		if (!strstr(hvt_batch_reader_error(b), "offset"))
			fail_msg("no offset in: %s", hvt_batch_reader_error(b));
		assert_int_equal(hvt_batch_reader_next(b, &c), n); /* errors stay */
	}
	if (!keep)
		hvt_batch_reader_free(b);
	return n;
}

static void assert_masked_eq(const struct tev_list *want, const struct tev_list *got, unsigned mask,
			     size_t n, const char *what)
{
	hvt_event m;
	for (size_t i = 0; i < n; i++) {
		masked(&want->ev[i], mask, &m);
		tev_assert_eq(&m, &got->ev[i], what, i);
	}
}

/* The masks the tests try: all, stats' set, time only, one of each kind of
 * column (shape field, stateful column, data), seq and stream alone. */
static const unsigned masks[] = {
	HVT_COLUMNS_ALL,
	HVT_COLUMN_TIME_NS | HVT_COLUMN_STREAM | HVT_COLUMN_TYPE | HVT_COLUMN_KIND |
		HVT_COLUMN_FLAGS | HVT_COLUMN_ADDR | HVT_COLUMN_SYNDROME | HVT_COLUMN_VALUE |
		HVT_COLUMN_DURATION_NS,
	HVT_COLUMN_TIME_NS,
	HVT_COLUMN_RUN_NS | HVT_COLUMN_PC,
	HVT_COLUMN_DATA | HVT_COLUMN_REGS_HASH | HVT_COLUMN_SEQ,
	HVT_COLUMN_STREAM | HVT_COLUMN_VALUE | HVT_COLUMN_FAULT_VA,
};
static const uint32_t caps[] = {1, 7, 256, 1000, MAX_CAP};

/* Every mask and batch size against hvt_reader_next on path. */
static void check_file(const char *path)
{
	hvt_reader *r;
	struct tev_list want = {0};
	if (hvt_reader_open(&r, path, NULL) != 0)
		fail_msg("%s: %s", path, hvt_reader_open_error());
	assert_int_equal(tread_merged(r, &want), 0);
	assert_true(want.n > 0);
	for (size_t m = 0; m < sizeof(masks) / sizeof(masks[0]); m++)
		for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
			struct tev_list got = {0};
			char what[64];
			snprintf(what, sizeof(what), "mask %#x cap %u", masks[m], caps[k]);
			assert_int_equal(read_batches(r, masks[m], caps[k], &got, NULL), 0);
			assert_int_equal(got.n, want.n);
			assert_masked_eq(&want, &got, masks[m], want.n, what);
			tev_list_free(&got);
		}
	tev_list_free(&want);
	hvt_reader_close(r);
}

/* Writes NSTREAMS streams; turns: each stream's times after the previous
 * stream's (long runs, read straight into the caller's arrays), else a
 * coarse shared clock (runs of one or two events, ties across streams). */
static void make_trace_level(const char *path, int turns, uint32_t chunk_raw_bytes, int level)
{
	struct tev_list s[NSTREAMS] = {{0}};
	struct tprng p;
	tprng_seed(&p, 0xba7c + (uint64_t)turns);
	for (uint32_t i = 0; i < NSTREAMS; i++) {
		struct tgen_opts go = {.max_data_bytes = 300,
				       .start_time_ns = turns ? 1000 + 1000000 * (uint64_t)i : 100,
				       .max_time_step = 4};
		tgen_stream(&p, &go, i * 3 + 1, 700 + 150 * (size_t)i, &s[i]);
	}
	struct hvt_writer_opts o = topts(level, chunk_raw_bytes);
	twrite_trace(path, &o, s, NSTREAMS, 5);
	for (int i = 0; i < NSTREAMS; i++)
		tev_list_free(&s[i]);
}

static void make_trace(const char *path, int turns, uint32_t chunk_raw_bytes)
{
	make_trace_level(path, turns, chunk_raw_bytes, 1);
}

static void test_interleaved(void **state)
{
	char path[512];
	(void)state;
	ttmp_path(path, sizeof(path), "interleaved.hvt");
	make_trace(path, 0, 2048);
	check_file(path);
	make_trace(path, 0, 1u << 20); /* one chunk per stream: staged runs only */
	check_file(path);
}

static void test_turns(void **state)
{
	char path[512];
	(void)state;
	ttmp_path(path, sizeof(path), "turns.hvt");
	make_trace(path, 1, 2048);
	check_file(path);
}

static void test_golden(void **state)
{
	(void)state;
	for (int v = 0; v < 2; v++) {
		if (!golden[v])
			skip();
		check_file(golden[v]);
	}
}

/* After each seek, the batch reader and hvt_reader_next give the same
 * events (the next FOLLOW of them, through batches of 5). */
#define FOLLOW 40
static void expect_same_after(hvt_reader *r, hvt_batch_reader *b, int rc_r, int rc_b,
			      const char *what)
{
	struct hvt_columns c = view(HVT_COLUMNS_ALL, 5);
	const hvt_event *ev;
	hvt_event got;
	assert_int_equal(rc_b, rc_r);
	if (rc_r)
		return;
	for (int k = 0; k < FOLLOW;) {
		int n = hvt_batch_reader_next(b, &c);
		assert_true(n >= 0);
		for (int i = 0; i < n; i++, k++) {
			assert_int_equal(hvt_reader_next(r, &ev), 1);
			from_columns(&c, (uint32_t)i, &got);
			tev_assert_eq(ev, &got, what, (size_t)k);
		}
		if (n == 0) {
			assert_int_equal(hvt_reader_next(r, &ev), 0);
			return;
		}
	}
}

static void test_seeks(void **state)
{
	char path[512];
	hvt_reader *r;
	hvt_batch_reader *b;
	struct tev_list all = {0};
	(void)state;
	ttmp_path(path, sizeof(path), "seek.hvt");
	make_trace(path, 0, 1024);
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	assert_int_equal(tread_merged(r, &all), 0);
	assert_int_equal(hvt_batch_reader_create(r, HVT_COLUMNS_ALL, &b), 0);
	for (size_t i = 0; i < all.n; i += all.n / 37 + 1) {
		const hvt_event *e = &all.ev[i];
		expect_same_after(r, b, hvt_reader_seek_seq(r, e->stream, e->seq),
				  hvt_batch_reader_seek_seq(b, e->stream, e->seq), "seek_seq");
		expect_same_after(r, b, hvt_reader_seek_time(r, e->time_ns + (i & 1)),
				  hvt_batch_reader_seek_time(b, e->time_ns + (i & 1)), "seek_time");
	}
	expect_same_after(r, b, hvt_reader_seek_time(r, UINT64_MAX),
			  hvt_batch_reader_seek_time(b, UINT64_MAX), "seek past the end");
	expect_same_after(r, b, hvt_reader_rewind(r), hvt_batch_reader_rewind(b), "rewind");
	assert_int_equal(hvt_batch_reader_seek_seq(b, 1, all.n + 5), HVT_E_NOT_FOUND);
	assert_int_equal(hvt_batch_reader_seek_seq(b, 2, 0), HVT_E_NOT_FOUND); /* no stream 2 */
	tev_list_free(&all);
	hvt_batch_reader_free(b);
	hvt_reader_close(r);
}

/* Wrong use is refused, not guessed at. */
static void test_invalid(void **state)
{
	char path[512];
	hvt_reader *r;
	hvt_batch_reader *b;
	(void)state;
	ttmp_path(path, sizeof(path), "inval.hvt");
	make_trace(path, 1, 4096);
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	assert_int_equal(hvt_batch_reader_create(r, 0, &b), HVT_E_INVAL);
	assert_int_equal(hvt_batch_reader_create(r, HVT_COLUMNS_ALL + 1, &b), HVT_E_INVAL);
	assert_int_equal(hvt_batch_reader_create(r, HVT_COLUMN_TIME_NS, &b), 0);
	struct hvt_columns c = view(HVT_COLUMN_TIME_NS | HVT_COLUMN_KIND, 8);
	assert_int_equal(hvt_batch_reader_next(b, &c), HVT_E_INVAL); /* not the set created */
	c = view(HVT_COLUMN_TIME_NS, 0);
	assert_int_equal(hvt_batch_reader_next(b, &c), HVT_E_INVAL); /* no room */
	c = view(HVT_COLUMN_TIME_NS, 8);
	assert_int_equal(hvt_batch_reader_next(b, NULL), HVT_E_INVAL);
	assert_int_equal(hvt_batch_reader_next(b, &c), 8);
	assert_int_equal(hvt_columns_mask(&c), HVT_COLUMN_TIME_NS);
	hvt_batch_reader_free(b);
	hvt_batch_reader_free(NULL);
	hvt_reader_close(r);
}

/* Chunk cursors: next_columns (mixed with next) against next alone. */
static void test_chunk_cursor(void **state)
{
	char path[512];
	hvt_reader *r;
	hvt_chunk_cursor *cv, *cc;
	(void)state;
	ttmp_path(path, sizeof(path), "cursor.hvt");
	make_trace(path, 0, 4096);
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	assert_int_equal(hvt_chunk_cursor_create(r, &cv), 0);
	assert_int_equal(hvt_chunk_cursor_create(r, &cc), 0);
	for (uint64_t i = 0; i < hvt_reader_chunk_count(r); i++) {
		struct hvt_chunk_info ci;
		assert_int_equal(hvt_reader_chunk_info(r, i, &ci), 0);
		if (ci.type != HVT_CHUNK_EVENTS)
			continue;
		assert_int_equal(hvt_chunk_cursor_load(cv, i), 0);
		assert_int_equal(hvt_chunk_cursor_load(cc, i), 0);
		const hvt_event *ev, *want;
		hvt_event got;
		int n, k = 0;
		do {
			struct hvt_columns c = view(HVT_COLUMNS_ALL, 1 + (uint32_t)(k % 300));
			n = (k & 1) ? hvt_chunk_cursor_next(cv, &ev) : hvt_chunk_cursor_next_columns(cv, &c);
			for (int j = 0; j < n; j++) {
				assert_int_equal(hvt_chunk_cursor_next(cc, &want), 1);
				if (k & 1)
					got = *ev;
				else
					from_columns(&c, (uint32_t)j, &got);
				tev_assert_eq(want, &got, "chunk cursor", (size_t)j);
			}
			k++;
		} while (n > 0);
		assert_int_equal(n, 0);
		assert_int_equal(hvt_chunk_cursor_next(cc, &want), 0);
	}
	hvt_chunk_cursor_free(cv);
	hvt_chunk_cursor_free(cc);
	hvt_reader_close(r);
}

/* Hostile payloads with valid checksums (test_hostile.c's method): read
 * both ways; with every column the batch reader fails exactly when
 * hvt_reader_next does, and what both handed out agrees; with fewer columns
 * it never crashes and agrees where both read. */
static void rehash(uint8_t *h, const uint8_t *pl, uint32_t stored)
{
	hvt_put_le64(h + 56, XXH3_64bits(pl, stored));
	hvt_put_le64(h + 64, XXH3_64bits(h, 64));
}

static void read_both(const uint8_t *buf, size_t len, unsigned *failed)
{
	hvt_reader *r;
	struct tev_list want = {0}, got = {0};
	if (hvt_reader_open_memory(&r, buf, len, NULL) != 0)
		return;
	int rc_r = tread_merged(r, &want);
	for (size_t m = 0; m < 2; m++) {
		int rc_b = read_batches(r, masks[m], 64, &got, NULL);
		size_t n = got.n < want.n ? got.n : want.n;
		if (m == 0)
			assert_int_equal(rc_b < 0, rc_r < 0);
		if (rc_b == 0 && rc_r == 0)
			assert_int_equal(got.n, want.n);
		assert_masked_eq(&want, &got, masks[m], n, "hostile");
		*failed += rc_b < 0;
		tev_list_free(&got);
	}
	tev_list_free(&want);
	hvt_reader_close(r);
}

static void test_hostile(void **state)
{
	char path[512];
	uint8_t *buf, *b;
	size_t len;
	struct tprng p;
	unsigned failed = 0;
	(void)state;
	ttmp_path(path, sizeof(path), "hostile.hvt");
	make_trace_level(path, 0, 1024, -1); /* raw: the edits reach the columns */
	buf = tslurp(path, &len);
	b = malloc(len);
	assert_non_null(b);
	hvt_reader *r;
	assert_int_equal(hvt_reader_open_memory(&r, buf, len, NULL), 0);
	uint64_t nchunks = hvt_reader_chunk_count(r);
	tprng_seed(&p, 0x40571e);
	for (int k = 0; k < 400; k++) {
		struct hvt_chunk_info ci;
		assert_int_equal(hvt_reader_chunk_info(r, tprng_below(&p, nchunks), &ci), 0);
		if (ci.type != HVT_CHUNK_EVENTS || ci.codec != 0 || !ci.stored_bytes)
			continue;
		memcpy(b, buf, len);
		uint8_t *h = b + ci.offset, *pl = h + HVT_CHUNK_HEADER_BYTES;
		for (int e = 0; e < 1 + (int)tprng_below(&p, 3); e++) {
			size_t at = tprng_below(&p, ci.stored_bytes);
			pl[at] = tprng_below(&p, 2) ? (uint8_t)tprng_next(&p) : (uint8_t)(pl[at] ^ 0x80);
		}
		rehash(h, pl, ci.stored_bytes);
		read_both(b, len, &failed);
	}
	/* A cut inside the last events chunk, and one inside the first. */
	read_both(buf, len - 100, &failed);
	read_both(buf, 200, &failed);
	print_message("hostile: %u batch reads failed cleanly\n", failed);
	assert_true(failed > 0);
	hvt_reader_close(r);
	free(b);
	free(buf);
}

int main(int argc, char **argv)
{
	golden[0] = argc > 1 ? argv[1] : NULL;
	golden[1] = argc > 2 ? argv[2] : NULL;
	arr = calloc(1, sizeof(*arr));
	if (!arr)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interleaved), cmocka_unit_test(test_turns),
		cmocka_unit_test(test_golden),      cmocka_unit_test(test_seeks),
		cmocka_unit_test(test_invalid),     cmocka_unit_test(test_chunk_cursor),
		cmocka_unit_test(test_hostile),
	};
	int rc = cmocka_run_group_tests(tests, NULL, ttmp_teardown);
	free(arr);
	return rc;
}
