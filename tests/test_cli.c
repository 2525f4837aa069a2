/* The command line on real files: `hvtrace check` exit statuses (0 intact,
 * 1 truncated or footer missing, 2 corrupt, 66 unreadable) and what it
 * says; `hvtrace dump` prints one line per event; `hvtrace info` reads the
 * golden trace. The binary comes from $<TARGET_FILE:hvtrace>. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	};
	return cmocka_run_group_tests(tests, setup, ttmp_teardown);
}
