/* Hostile inputs with VALID checksums, generated at random from a seed: a
 * footerless trace whose chunk headers get random field values (header
 * checksum recomputed), and whose payloads get random byte edits (payload
 * hash and header checksum recomputed). The reader must never crash or
 * read out of bounds (ASan), must fail cleanly with an offset in the
 * message, and whenever it does accept a trace, what it returns must agree
 * with the chunk headers it accepted. */
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

struct fx {
	uint8_t *buf;
	size_t len;
	uint64_t off[128];
	uint32_t stored[128];
	size_t n;
	struct tev_list merged;
};

static void make(struct fx *f, int level)
{
	struct tev_list s[NSTREAMS] = {{0}};
	struct tprng p;
	struct tgen_opts go = {.max_data_bytes = 40, .big_data_permil = 1};
	char path[512];
	tprng_seed(&p, 0x405 + (uint64_t)level);
	for (uint32_t i = 0; i < NSTREAMS; i++)
		tgen_stream(&p, &go, i, 25, &s[i]);
	ttmp_path(path, sizeof(path), "hostile.hvt");
	struct hvt_writer_opts o = topts(level, 200);
	hvt_writer *w;
	assert_int_equal(hvt_writer_create(&w, path, &o), 0);
	assert_int_equal(hvt_writer_set_meta_str(w, "k", "v"), 0);
	twrite_events(w, s, NSTREAMS, 9);
	assert_int_equal(hvt_writer_flush(w), 0);
	f->buf = tslurp(path, &f->len); /* footerless: the scan path */
	assert_int_equal(hvt_writer_close(w), 0);
	hvt_reader *r;
	assert_int_equal(hvt_reader_open_memory(&r, f->buf, f->len, NULL), 0);
	f->n = hvt_reader_chunk_count(r);
	assert_true(f->n > 5 && f->n <= 128);
	for (size_t i = 0; i < f->n; i++) {
		struct hvt_chunk_info ci;
		assert_int_equal(hvt_reader_chunk_info(r, i, &ci), 0);
		f->off[i] = ci.offset;
		f->stored[i] = ci.stored_bytes;
	}
	memset(&f->merged, 0, sizeof(f->merged));
	assert_int_equal(tread_merged(r, &f->merged), 0);
	hvt_reader_close(r);
	for (int i = 0; i < NSTREAMS; i++)
		tev_list_free(&s[i]);
}

static void rehash_header(uint8_t *h)
{
	hvt_put_le64(h + 64, XXH3_64bits(h, 64));
}

/* Values that probe bounds: 0, 1, small, around the limits, anything. */
static uint64_t nasty(struct tprng *p, uint64_t near)
{
	switch (tprng_below(p, 7)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return near + tprng_below(p, 3) - 1;
	case 3: return UINT64_MAX - tprng_below(p, 2);
	case 4: return HVT_MAX_CHUNK_RAW + tprng_below(p, 3) - 1;
	case 5: return tprng_below(p, 1000);
	default: return tprng_next(p);
	}
}

struct outcome {
	uint64_t clean, failed;
};

/* Reads buf fully; on success checks events against the accepted headers. */
static void read_hostile(const uint8_t *buf, size_t len, struct outcome *o)
{
	hvt_reader *r;
	if (hvt_reader_open_memory(&r, buf, len, NULL) != 0) {
		if (!strstr(hvt_reader_open_error(), "offset"))
			fail_msg("no offset in: %s", hvt_reader_open_error());
		o->failed++;
		return;
	}
	int rc = tverify_all(r);
	struct tev_list got = {0};
	if (!rc)
		rc = tread_merged(r, &got);
	if (rc) {
		if (!strstr(hvt_reader_error(r), "offset"))
			fail_msg("no offset in: %s", hvt_reader_error(r));
		o->failed++;
	} else {
		struct hvt_trace_info in;
		hvt_reader_get_info(r, &in);
		assert_true(got.n == in.events);
		tassert_merged_order(&got);
		o->clean++;
	}
	tev_list_free(&got);
	hvt_reader_close(r);
}

static int harmless(const struct fx *f, const uint8_t *b, size_t c)
{
	/* What a 1.0 reader ignores (FORMAT.md says these are 0, and minor
	 * versions may only add what a 1.0 reader may ignore): the flags, and
	 * the sequence and time fields of non-event chunks. */
	int events_chunk = f->buf[f->off[c] + 4] == HVT_CHUNK_EVENTS, other = 0;
	for (int i = 4; i < 64; i++) {
		int ignored = i == 6 || i == 7 || (!events_chunk && i >= 24 && i < 56);
		other |= !ignored && b[f->off[c] + i] != f->buf[f->off[c] + i];
	}
	if (!other)
		return 1;
	hvt_reader *r;
	struct hvt_trace_info in;
	assert_int_equal(hvt_reader_open_memory(&r, b, f->len, NULL), 0);
	hvt_reader_get_info(r, &in);
	hvt_reader_close(r);
	return in.truncated && in.valid_bytes == f->off[c] && in.chunks == c;
}

static void hostile_headers(int level)
{
	static const struct { uint8_t at, width; } fields[] = {
		{4, 1}, {5, 1}, {6, 2}, {8, 4}, {12, 4}, {16, 4}, {20, 4},
		{24, 8}, {32, 8}, {40, 8}, {48, 8},
	};
	struct fx f;
	struct tprng p;
	struct outcome o = {0};
	make(&f, level);
	tprng_seed(&p, 0xbad0 + (uint64_t)level);
	uint8_t *b = malloc(f.len);
	assert_non_null(b);
	for (int k = 0; k < 3000; k++) {
		memcpy(b, f.buf, f.len);
		size_t c = tprng_below(&p, f.n);
		uint8_t *h = b + f.off[c];
		int edits = 1 + (int)tprng_below(&p, 3);
		for (int e = 0; e < edits; e++) {
			size_t fi = tprng_below(&p, sizeof(fields) / sizeof(fields[0]));
			uint64_t v = nasty(&p, fields[fi].width == 8 ? hvt_get_le64(h + fields[fi].at)
								   : hvt_get_le32(h + fields[fi].at));
			for (int i = 0; i < fields[fi].width; i++)
				h[fields[fi].at + i] = (uint8_t)(v >> (8 * i));
		}
		rehash_header(h);
		struct outcome one = {0};
		read_hostile(b, f.len, &one);
		o.clean += one.clean;
		o.failed += one.failed;
		/* An accepted edit must be harmless: only the (unread) header
		 * flags changed, or the chunk now claims to run past the end of
		 * the file and is reported as the torn tail it looks like. */
		if (one.clean && !harmless(&f, b, c))
			fail_msg("iteration %d: chunk %zu with an edited header reads clean", k, c);
	}
	print_message("level %d: %llu hostile headers rejected, %llu accepted (ignored fields, torn tail)\n", level,
		      (unsigned long long)o.failed, (unsigned long long)o.clean);
	assert_true(o.failed > 2000);
	free(b);
	free(f.buf);
	tev_list_free(&f.merged);
}

static void hostile_payloads(int level)
{
	struct fx f;
	struct tprng p;
	struct outcome o = {0};
	make(&f, level);
	tprng_seed(&p, 0xfade + (uint64_t)level);
	uint8_t *b = malloc(f.len);
	assert_non_null(b);
	for (int k = 0; k < 3000; k++) {
		memcpy(b, f.buf, f.len);
		size_t c = tprng_below(&p, f.n);
		uint8_t *h = b + f.off[c], *pl = h + HVT_CHUNK_HEADER_BYTES;
		if (!f.stored[c])
			continue;
		int edits = 1 + (int)tprng_below(&p, 4);
		for (int e = 0; e < edits; e++) {
			size_t at = tprng_below(&p, f.stored[c]);
			pl[at] = tprng_below(&p, 2) ? (uint8_t)tprng_next(&p) : (uint8_t)(pl[at] ^ 0x80);
		}
		hvt_put_le64(h + 56, XXH3_64bits(pl, f.stored[c]));
		rehash_header(h);
		read_hostile(b, f.len, &o);
	}
	print_message("level %d: %llu hostile payloads rejected, %llu read as other valid events\n",
		      level, (unsigned long long)o.failed, (unsigned long long)o.clean);
	assert_true(o.failed > 0);
	free(b);
	free(f.buf);
	tev_list_free(&f.merged);
}

static void test_hostile_headers_raw(void **state)
{
	(void)state;
	hostile_headers(-1);
}

static void test_hostile_headers_zstd(void **state)
{
	(void)state;
	hostile_headers(1);
}

static void test_hostile_payloads_raw(void **state)
{
	(void)state;
	hostile_payloads(-1);
}

static void test_hostile_payloads_zstd(void **state)
{
	(void)state;
	hostile_payloads(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_headers_raw),
		cmocka_unit_test(test_hostile_headers_zstd),
		cmocka_unit_test(test_hostile_payloads_raw),
		cmocka_unit_test(test_hostile_payloads_zstd),
	};
	return cmocka_run_group_tests(tests, NULL, ttmp_teardown);
}
