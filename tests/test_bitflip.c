/* Bit flips: every single-bit flip of a small trace (footer and footerless,
 * raw and zstd payloads) is detected, by open, by verifying a chunk, or by
 * iterating. No flip may read back as an intact trace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "tsupport.h"

#define NSTREAMS 3

struct flip_stats {
	uint64_t flips, at_open, at_verify, at_iterate, undetected;
	uint64_t no_offset; /* detected, but the message names no offset */
};

/* A small trace: metadata, a blob, three streams in many chunks. */
static uint8_t *make_trace(int level, int footer, size_t *len)
{
	struct tev_list s[NSTREAMS] = {{0}};
	struct tprng p;
	struct tgen_opts go = {.max_data_bytes = 24, .big_data_permil = 1};
	char path[512];
	tprng_seed(&p, 0xf1f1 + (uint64_t)level);
	for (uint32_t i = 0; i < NSTREAMS; i++)
		tgen_stream(&p, &go, i, 10 + i, &s[i]);
	ttmp_path(path, sizeof(path), "flip.hvt");
	struct hvt_writer_opts o = topts(level, 150);
	hvt_writer *w;
	assert_int_equal(hvt_writer_create(&w, path, &o), 0);
	assert_int_equal(hvt_writer_set_meta_str(w, "k", "v"), 0);
	assert_int_equal(hvt_writer_put_blob(w, "b", "blob", 4), 0);
	twrite_events(w, s, NSTREAMS, 5);
	if (!footer)
		assert_int_equal(hvt_writer_flush(w), 0);
	uint8_t *buf = tslurp(path, len); /* before close: no footer yet */
	assert_int_equal(hvt_writer_close(w), 0);
	if (footer) {
		free(buf);
		buf = tslurp(path, len);
	}
	for (int i = 0; i < NSTREAMS; i++)
		tev_list_free(&s[i]);
	return buf;
}

/* Opens, verifies every chunk, iterates. Returns which stage failed (1..3)
 * or 0 when all passed; *intact says whether it also looked complete. */
static int read_all(const uint8_t *buf, size_t len, int *intact, int *named_offset)
{
	hvt_reader *r;
	*intact = 0;
	*named_offset = 1;
	if (hvt_reader_open_memory(&r, buf, len, NULL) != 0) {
		*named_offset = strstr(hvt_reader_open_error(), "offset") != NULL;
		if (!*named_offset)
			print_error("no offset in: %s\n", hvt_reader_open_error());
		return 1;
	}
	int stage = 0;
	if (tverify_all(r) != 0)
		stage = 2;
	if (!stage) {
		const hvt_event *ev;
		int rc;
		while ((rc = hvt_reader_next(r, &ev)) == 1)
			;
		stage = rc < 0 ? 3 : 0;
	}
	if (stage)
		*named_offset = strstr(hvt_reader_error(r), "offset") != NULL;
	if (stage && !*named_offset)
		print_error("no offset in: %s\n", hvt_reader_error(r));
	struct hvt_trace_info in;
	hvt_reader_get_info(r, &in);
	*intact = !stage && !in.truncated && in.has_footer;
	hvt_reader_close(r);
	return stage;
}

static void flip_all(uint8_t *buf, size_t len, struct flip_stats *st)
{
	int intact, named;
	for (size_t i = 0; i < len; i++) {
		for (int k = 0; k < 8; k++) {
			uint8_t m = (uint8_t)(1u << k);
			buf[i] ^= m;
			int stage = read_all(buf, len, &intact, &named);
			buf[i] ^= m;
			st->flips++;
			st->at_open += stage == 1;
			st->at_verify += stage == 2;
			st->at_iterate += stage == 3;
			st->no_offset += stage && !named;
			if (!stage) {
				st->undetected++;
				print_error("undetected flip: byte %zu mask 0x%02x%s\n", i, m,
					    intact ? " (reads as intact!)" : "");
			}
		}
	}
}

static void run(int level, int footer)
{
	size_t len;
	uint8_t *buf = make_trace(level, footer, &len);
	int intact, named;
	struct flip_stats st = {0};
	/* The unflipped trace reads back whole, in the expected state. */
	assert_int_equal(read_all(buf, len, &intact, &named), 0);
	assert_int_equal(intact, footer);
	assert_true(len > 1000 && len < 8192);
	flip_all(buf, len, &st);
	print_message("level %d footer %d: %zu bytes, %llu flips: %llu at open, %llu at verify, "
		      "%llu at iteration\n", level, footer, len, (unsigned long long)st.flips,
		      (unsigned long long)st.at_open, (unsigned long long)st.at_verify,
		      (unsigned long long)st.at_iterate);
	free(buf);
	assert_true(st.undetected == 0);
	assert_true(st.no_offset == 0);
	assert_true(st.flips == len * 8);
}

static void test_flip_raw_footer(void **state)
{
	(void)state;
	run(-1, 1);
}

static void test_flip_raw_no_footer(void **state)
{
	(void)state;
	run(-1, 0);
}

static void test_flip_zstd_footer(void **state)
{
	(void)state;
	run(1, 1);
}

static void test_flip_zstd_no_footer(void **state)
{
	(void)state;
	run(1, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flip_raw_footer),
		cmocka_unit_test(test_flip_raw_no_footer),
		cmocka_unit_test(test_flip_zstd_footer),
		cmocka_unit_test(test_flip_zstd_no_footer),
	};
	return cmocka_run_group_tests(tests, NULL, ttmp_teardown);
}
