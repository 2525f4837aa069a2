/* Torn tails: a small multi-chunk, multi-stream trace cut at EVERY byte
 * offset opens (past the file header), says what it lost, and yields for
 * each stream exactly the events of the complete chunks before the cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layout.h"
#include "tsupport.h"

#define NSTREAMS 3
#define MAXCHUNKS 256

struct layout {
	uint64_t off[MAXCHUNKS], end[MAXCHUNKS], events[MAXCHUNKS];
	uint32_t stream[MAXCHUNKS];
	uint8_t type[MAXCHUNKS];
	size_t n;
	uint64_t index_off, index_end;
};

static struct {
	struct tev_list s[NSTREAMS];
	uint8_t *buf;
	size_t len;
	struct layout L;
	char path[512];
} fx;

static int setup(void **state)
{
	(void)state;
	struct tprng p;
	struct tgen_opts go = {.max_data_bytes = 48, .big_data_permil = 1};
	tprng_seed(&p, 0x7c07);
	for (uint32_t i = 0; i < NSTREAMS; i++)
		tgen_stream(&p, &go, i, 30 + 7 * i, &fx.s[i]);
	ttmp_path(fx.path, sizeof(fx.path), "cut.hvt");
	struct hvt_writer_opts o = topts(1, 200);
	hvt_writer *w;
	if (hvt_writer_create(&w, fx.path, &o) != 0)
		return -1;
	hvt_writer_set_meta_str(w, "backend", "kvm");
	hvt_writer_put_blob(w, "img", "0123456789", 10);
	twrite_events(w, fx.s, NSTREAMS, 3);
	if (hvt_writer_close(w) != 0)
		return -1;
	fx.buf = tslurp(fx.path, &fx.len);
	/* The layout, from the intact file. */
	hvt_reader *r;
	if (hvt_reader_open_memory(&r, fx.buf, fx.len, NULL) != 0)
		return -1;
	fx.L.n = hvt_reader_chunk_count(r);
	if (fx.L.n > MAXCHUNKS || fx.L.n < 10)
		return -1;
	for (size_t i = 0; i < fx.L.n; i++) {
		struct hvt_chunk_info ci;
		hvt_reader_chunk_info(r, i, &ci);
		fx.L.off[i] = ci.offset;
		fx.L.end[i] = ci.offset + HVT_CHUNK_HEADER_BYTES + ci.stored_bytes;
		fx.L.events[i] = ci.events;
		fx.L.stream[i] = ci.stream;
		fx.L.type[i] = ci.type;
	}
	hvt_reader_close(r);
	struct hvt_trailer t;
	if (hvt_trailer_decode(fx.buf + fx.len - HVT_TRAILER_BYTES, &t) != 1)
		return -1;
	fx.L.index_off = t.index_offset;
	fx.L.index_end = fx.len - HVT_TRAILER_BYTES;
	return fx.L.end[fx.L.n - 1] == fx.L.index_off ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(fx.buf);
	for (int i = 0; i < NSTREAMS; i++)
		tev_list_free(&fx.s[i]);
	ttmp_cleanup();
	return 0;
}

/* What a reader of the first `cut` bytes must find. */
struct expect {
	uint64_t per_stream[NSTREAMS]; /* events of complete chunks */
	uint64_t chunks;               /* complete chunks */
	int boundary;                  /* cut at the end of a chunk (or the header) */
	int in_footer;                 /* cut inside the index chunk or the trailer */
	size_t cut_chunk;              /* chunk the cut falls in, when neither */
};

static void expect_for(uint64_t cut, struct expect *e)
{
	memset(e, 0, sizeof(*e));
	e->boundary = cut == HVT_FILE_HEADER_BYTES;
	e->in_footer = cut > fx.L.index_off;
	e->cut_chunk = SIZE_MAX;
	for (size_t i = 0; i < fx.L.n; i++) {
		if (fx.L.end[i] <= cut) {
			e->chunks++;
			if (fx.L.type[i] == HVT_CHUNK_EVENTS)
				e->per_stream[fx.L.stream[i]] += fx.L.events[i];
			e->boundary |= fx.L.end[i] == cut;
		} else if (fx.L.off[i] < cut) {
			e->cut_chunk = i;
		}
	}
}

static void check_state(hvt_reader *r, uint64_t cut, const struct expect *e)
{
	struct hvt_trace_info in;
	hvt_reader_get_info(r, &in);
	assert_true(in.file_bytes == cut);
	assert_true(in.lost_bytes == in.file_bytes - in.valid_bytes);
	assert_true(in.valid_bytes <= cut);
	assert_true(in.chunks == e->chunks);
	assert_true(in.events == e->per_stream[0] + e->per_stream[1] + e->per_stream[2]);
	if (cut == fx.len) {
		assert_true(in.has_footer == 1 && in.truncated == 0 && in.lost_bytes == 0);
		return;
	}
	assert_int_equal(in.has_footer, 0);
	if (e->in_footer) {
		/* Every chunk whole; what is cut is the footer itself. */
		assert_true(in.valid_bytes == fx.L.index_off || in.valid_bytes == fx.L.index_end);
		return;
	}
	if (e->boundary) {
		/* Footer missing, nothing torn: what a writer that died between
		 * two chunks leaves. */
		assert_int_equal(in.truncated, 0);
		assert_true(in.valid_bytes == cut && in.lost_bytes == 0);
		return;
	}
	assert_true(e->cut_chunk != SIZE_MAX);
	assert_int_equal(in.truncated, 1);
	assert_true(in.valid_bytes == fx.L.off[e->cut_chunk]);
	assert_true(in.lost_bytes > 0);
	int header_whole = cut - fx.L.off[e->cut_chunk] >= HVT_CHUNK_HEADER_BYTES;
	assert_int_equal(in.lost_events_known, header_whole);
	if (header_whole)
		assert_true(in.lost_events == fx.L.events[e->cut_chunk]);
}

/* Each stream's events are exactly the first per_stream[i] generated. */
static void check_events(hvt_reader *r, const struct expect *e, uint64_t cut)
{
	struct tev_list got = {0}, per[NSTREAMS] = {{0}};
	int rc = tread_merged(r, &got);
	if (rc)
		fail_msg("cut %llu: read failed: %s", (unsigned long long)cut, hvt_reader_error(r));
	tassert_merged_order(&got);
	tsplit_streams(&got, per, NSTREAMS);
	for (int i = 0; i < NSTREAMS; i++) {
		if (per[i].n != e->per_stream[i])
			fail_msg("cut %llu: stream %d has %zu events, want %llu", (unsigned long long)cut,
				 i, per[i].n, (unsigned long long)e->per_stream[i]);
		for (size_t k = 0; k < per[i].n; k++)
			tev_assert_eq(&fx.s[i].ev[k], &per[i].ev[k], "prefix", k);
		tev_list_free(&per[i]);
	}
	tev_list_free(&got);
}

static void check_cut(uint64_t cut)
{
	hvt_reader *r;
	struct expect e;
	int rc = hvt_reader_open_memory(&r, fx.buf, cut, NULL);
	if (cut < HVT_FILE_HEADER_BYTES) {
		assert_true(rc < 0);
		assert_null(r);
		assert_true(rc == HVT_E_TRUNCATED || (cut == 0 && rc == HVT_E_BAD_MAGIC));
		if (!strstr(hvt_reader_open_error(), "offset"))
			fail_msg("cut %llu: message names no offset: %s", (unsigned long long)cut,
				 hvt_reader_open_error());
		return;
	}
	if (rc)
		fail_msg("cut %llu: open failed: %s", (unsigned long long)cut, hvt_reader_open_error());
	expect_for(cut, &e);
	check_state(r, cut, &e);
	assert_int_equal(tverify_all(r), 0);
	check_events(r, &e, cut);
	const char *v;
	size_t len;
	int meta_whole = cut >= fx.L.end[0];
	assert_int_equal(hvt_reader_meta_get(r, "backend", &v, &len), meta_whole ? 0 : HVT_E_NOT_FOUND);
	hvt_reader_close(r);
}

static void test_cut_every_offset(void **state)
{
	(void)state;
	assert_true(fx.len > 2000 && fx.len < 16384); /* "a few KiB" */
	for (uint64_t cut = 0; cut <= fx.len; cut++)
		check_cut(cut);
}

/* The same through real files, at a sample of offsets. */
static void test_cut_files(void **state)
{
	(void)state;
	char path[512];
	ttmp_path(path, sizeof(path), "cut-file.hvt");
	for (size_t i = 0; i < fx.L.n; i += 2) {
		const uint64_t cuts[] = {fx.L.off[i] + 1, fx.L.off[i] + HVT_CHUNK_HEADER_BYTES,
					 fx.L.end[i] - 1, fx.L.end[i]};
		for (int k = 0; k < 4; k++) {
			struct expect e;
			hvt_reader *r;
			tspew(path, fx.buf, cuts[k]);
			assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
			expect_for(cuts[k], &e);
			check_state(r, cuts[k], &e);
			check_events(r, &e, cuts[k]);
			hvt_reader_close(r);
		}
	}
}

/* A footerless file followed by zeros (a preallocated or sparse tail) reads
 * as cut where the zeros start. */
static void test_zero_tail(void **state)
{
	(void)state;
	size_t keep = fx.L.end[fx.L.n / 2];
	uint8_t *b = calloc(1, keep + 5000);
	assert_non_null(b);
	memcpy(b, fx.buf, keep);
	hvt_reader *r;
	struct expect e;
	assert_int_equal(hvt_reader_open_memory(&r, b, keep + 5000, NULL), 0);
	struct hvt_trace_info in;
	hvt_reader_get_info(r, &in);
	assert_int_equal(in.truncated, 1);
	assert_true(in.valid_bytes == keep && in.lost_bytes == 5000);
	expect_for(keep, &e);
	check_events(r, &e, keep);
	hvt_reader_close(r);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_every_offset),
		cmocka_unit_test(test_cut_files),
		cmocka_unit_test(test_zero_tail),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
