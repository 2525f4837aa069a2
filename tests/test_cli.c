/* The command line on real files: `hvtrace check` exit statuses (0 intact,
 * 1 truncated or footer missing, 2 corrupt, 66 unreadable) and what it
 * says; `hvtrace dump` prints one line per event; `hvtrace info` reads the
 * golden trace and names its version; `hvtrace convert` rewrites v1 as v2
 * and back with every event, metadata and blob intact, and never replaces
 * an existing file unless asked. The binary comes from $<TARGET_FILE:hvtrace>. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>
#include <sys/wait.h>

#include "layout.h"
#include "tsupport.h"

static const char *hvtrace_bin, *golden;
static char intact[512];
static size_t intact_events;

/* Runs `hvtrace ARGS PATH`, stdout and stderr together into out. */
static int run(const char *args, const char *path, char *out, size_t out_len, size_t *lines)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "'%s' %s '%s' 2>&1", hvtrace_bin, args, path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = 0, nl = 0;
	int c;
	while ((c = fgetc(p)) != EOF) {
		nl += c == '\n';
		if (n + 1 < out_len)
			out[n++] = (char)c;
	}
	out[n] = 0;
	if (lines)
		*lines = nl;
	int st = pclose(p);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int setup(void **state)
{
	(void)state;
	struct tev_list s[3] = {{0}};
	struct tprng p;
	struct tgen_opts go = {.max_data_bytes = 64};
	tprng_seed(&p, 0xc11);
	for (uint32_t i = 0; i < 3; i++) {
		tgen_stream(&p, &go, i, 200, &s[i]);
		intact_events += s[i].n;
	}
	ttmp_path(intact, sizeof(intact), "cli.hvt");
	struct hvt_writer_opts o = topts(1, 1024);
	twrite_trace(intact, &o, s, 3, 1);
	for (int i = 0; i < 3; i++)
		tev_list_free(&s[i]);
	return 0;
}

static void chunk_of(const uint8_t *buf, size_t len, uint64_t k, struct hvt_chunk_info *ci)
{
	hvt_reader *r;
	assert_int_equal(hvt_reader_open_memory(&r, buf, len, NULL), 0);
	assert_true(k < hvt_reader_chunk_count(r));
	assert_int_equal(hvt_reader_chunk_info(r, k, ci), 0);
	hvt_reader_close(r);
}

static void test_check(void **state)
{
	(void)state;
	char out[8192], path[512], want[128];
	size_t len;
	uint8_t *buf = tslurp(intact, &len);
	struct hvt_chunk_info ci;
	chunk_of(buf, len, 5, &ci);

	assert_int_equal(run("check", intact, out, sizeof(out), NULL), 0);
	assert_non_null(strstr(out, "ok"));

	/* Cut inside chunk 5: exit 1, "truncated" and the offset it is cut at. */
	ttmp_path(path, sizeof(path), "cli-cut.hvt");
	tspew(path, buf, ci.offset + HVT_CHUNK_HEADER_BYTES + 3);
	assert_int_equal(run("check", path, out, sizeof(out), NULL), 1);
	snprintf(want, sizeof(want), "offset %" PRIu64, ci.offset);
	if (!strstr(out, "truncated") || !strstr(out, want))
		fail_msg("check of a cut trace says: %s", out);

	/* Cut exactly after chunk 5: no footer, nothing torn: still 1. */
	tspew(path, buf, ci.offset + HVT_CHUNK_HEADER_BYTES + ci.stored_bytes);
	assert_int_equal(run("check", path, out, sizeof(out), NULL), 1);
	assert_non_null(strstr(out, "footer"));

	/* A bit flipped in chunk 5's payload: exit 2, naming its offset. */
	ttmp_path(path, sizeof(path), "cli-flip.hvt");
	buf[ci.offset + HVT_CHUNK_HEADER_BYTES + 1] ^= 0x08;
	tspew(path, buf, len);
	assert_int_equal(run("check", path, out, sizeof(out), NULL), 2);
	if (!strstr(out, want))
		fail_msg("check of a flipped trace says: %s", out);

	/* Missing file. */
	ttmp_path(path, sizeof(path), "no-such-file.hvt");
	assert_int_equal(run("check", path, out, sizeof(out), NULL), 66);
	/* A directory is not a trace either. */
	ttmp_path(path, sizeof(path), "");
	assert_int_equal(run("check", path, out, sizeof(out), NULL), 66);
	free(buf);
}

static void test_dump_lines(void **state)
{
	(void)state;
	static char out[1 << 20];
	size_t lines;
	assert_int_equal(run("dump", intact, out, sizeof(out), &lines), 0);
	assert_int_equal(lines, intact_events);
	/* Every line is an event line: "SECONDS.NANOS cpuN #SEQ TYPE". */
	size_t cpu_lines = 0;
	for (char *l = out; (l = strstr(l, " cpu")) != NULL; l++)
		cpu_lines++;
	assert_int_equal(cpu_lines, intact_events);
	assert_int_equal(run("dump --vcpu 1", intact, out, sizeof(out), &lines), 0);
	assert_int_equal(lines, 200);
	assert_int_equal(run("dump --limit 17", intact, out, sizeof(out), &lines), 0);
	assert_int_equal(lines, 17);
	/* The golden trace: 3 x 240 events. */
	assert_int_equal(run("dump", golden, out, sizeof(out), &lines), 0);
	assert_int_equal(lines, 720);
}

static void test_info_golden(void **state)
{
	(void)state;
	char out[8192];
	assert_int_equal(run("info", golden, out, sizeof(out), NULL), 0);
	if (!strstr(out, "complete") || !strstr(out, "720") || !strstr(out, "blob") ||
	    !strstr(out, "demo-v2"))
		fail_msg("info on the golden trace says: %s", out);
	assert_int_equal(run("check", golden, out, sizeof(out), NULL), 0);
	if (!strstr(out, "ok"))
		fail_msg("check on the golden trace says: %s", out);
	assert_int_equal(run("info", golden, out, sizeof(out), NULL), 0);
	if (!strstr(out, "v1.0 (row-coded events)"))
		fail_msg("info does not name format v1: %s", out);
}

/* Events, metadata and blob of two traces are the same, through the API. */
static void assert_same_trace(const char *a_path, const char *b_path, unsigned b_major)
{
	hvt_reader *a, *b;
	struct tev_list ea = {0}, eb = {0};
	struct hvt_trace_info ib;
	assert_int_equal(hvt_reader_open(&a, a_path, NULL), 0);
	assert_int_equal(hvt_reader_open(&b, b_path, NULL), 0);
	hvt_reader_get_info(b, &ib);
	assert_int_equal(ib.version_major, b_major);
	assert_int_equal(tread_merged(a, &ea), 0);
	assert_int_equal(tread_merged(b, &eb), 0);
	tev_list_assert_eq(&ea, &eb, "converted");
	assert_int_equal(hvt_reader_meta_count(a), hvt_reader_meta_count(b));
	for (size_t i = 0; i < hvt_reader_meta_count(a); i++) {
		const char *ka, *va, *kb, *vb;
		size_t la, lb;
		assert_int_equal(hvt_reader_meta_at(a, i, &ka, &va, &la), 0);
		assert_int_equal(hvt_reader_meta_at(b, i, &kb, &vb, &lb), 0);
		assert_string_equal(ka, kb);
		assert_int_equal(la, lb);
		assert_memory_equal(va, vb, la + 1);
	}
	char na[256], nb[256];
	const uint8_t *da, *db;
	size_t la, lb, nblobs = 0;
	for (size_t i = 0; hvt_reader_blob_name(a, i, na, sizeof(na)) == 0; i++, nblobs++) {
		assert_int_equal(hvt_reader_blob_name(b, i, nb, sizeof(nb)), 0);
		assert_string_equal(na, nb);
		assert_int_equal(hvt_reader_blob(a, na, &da, &la), 0);
		assert_int_equal(hvt_reader_blob(b, nb, &db, &lb), 0);
		assert_int_equal(la, lb);
		assert_memory_equal(da, db, la);
	}
	assert_int_equal(hvt_reader_blob_name(b, nblobs, nb, sizeof(nb)), HVT_E_NOT_FOUND);
	tev_list_free(&ea);
	tev_list_free(&eb);
	hvt_reader_close(a);
	hvt_reader_close(b);
}

static void test_convert(void **state)
{
	(void)state;
	char out[8192], v2[512], v1[512], args[1200];
	ttmp_path(v2, sizeof(v2), "conv-v2.hvt");
	ttmp_path(v1, sizeof(v1), "conv-v1.hvt");
	assert_int_equal(run("convert", golden, out, sizeof(out), NULL), 64); /* OUT missing */
	snprintf(args, sizeof(args), "convert '%s'", golden);
	assert_int_equal(run(args, v2, out, sizeof(out), NULL), 0);
	assert_same_trace(golden, v2, 2);
	assert_int_equal(run("info", v2, out, sizeof(out), NULL), 0);
	if (!strstr(out, "v2.0 (columnar events)"))
		fail_msg("info does not name format v2: %s", out);
	snprintf(args, sizeof(args), "convert --format-version 1 '%s'", v2);
	assert_int_equal(run(args, v1, out, sizeof(out), NULL), 0);
	assert_same_trace(golden, v1, 1);
	/* An existing OUT is kept, byte for byte, unless --force. */
	size_t before_len, after_len;
	uint8_t *before = tslurp(v1, &before_len);
	snprintf(args, sizeof(args), "convert '%s'", golden);
	assert_int_equal(run(args, v1, out, sizeof(out), NULL), 73);
	if (!strstr(out, "exists"))
		fail_msg("convert onto an existing file says: %s", out);
	uint8_t *after = tslurp(v1, &after_len);
	assert_int_equal(before_len, after_len);
	assert_memory_equal(before, after, before_len);
	free(after);
	snprintf(args, sizeof(args), "convert --force '%s'", golden);
	assert_int_equal(run(args, v1, out, sizeof(out), NULL), 0);
	assert_same_trace(golden, v1, 2);
	free(before);
	snprintf(args, sizeof(args), "convert --format-version 3 '%s'", golden);
	assert_int_equal(run(args, v2, out, sizeof(out), NULL), 64);
}

/* A corrupt input converts to nothing: no OUT, no temporary file left. */
static void test_convert_corrupt(void **state)
{
	(void)state;
	char out[8192], bad[512], dst[512], args[1200];
	size_t len;
	uint8_t *buf = tslurp(intact, &len);
	struct hvt_chunk_info ci;
	chunk_of(buf, len, 2, &ci);
	buf[ci.offset + 72 + ci.stored_bytes / 2] ^= 0x10; /* a payload byte */
	ttmp_path(bad, sizeof(bad), "conv-bad.hvt");
	ttmp_path(dst, sizeof(dst), "conv-bad-out.hvt");
	tspew(bad, buf, len);
	free(buf);
	snprintf(args, sizeof(args), "convert '%s'", bad);
	int rc = run(args, dst, out, sizeof(out), NULL);
	if (rc != 2)
		fail_msg("convert of a corrupt trace: status %d: %s", rc, out);
	if (!strstr(out, "offset"))
		fail_msg("convert of a corrupt trace says: %s", out);
	glob_t g;
	snprintf(args, sizeof(args), "%s*", dst); /* OUT and OUT.tmpPID */
	assert_int_equal(glob(args, 0, NULL, &g), GLOB_NOMATCH);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_cli HVTRACE GOLDEN.hvt\n");
		return 2;
	}
	hvtrace_bin = argv[1];
	golden = argv[2];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_dump_lines),
		cmocka_unit_test(test_info_golden),
		cmocka_unit_test(test_convert),
		cmocka_unit_test(test_convert_corrupt),
	};
	return cmocka_run_group_tests(tests, setup, ttmp_teardown);
}
