/* The figures a user reads first (issue 10, item 6): exits flagged
 * UNFINISHED are counted but kept out of the latency columns; `info` and
 * `stats` print one span in the same unit; exit codes are signed; `check`
 * and `info` read as English for counts of one. argv[1]: the hvtrace binary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis/stats.h"
#include "atrace.h"

static const char *hvtrace;

/* vCPU 0: pio-out 0x3f8 handled 100, 200, 300 ns and one more that the VMM
 * never re-entered (UNFINISHED, no handling time); the trace spans 12.5 ms. */
static void write_unfinished(const char *path)
{
	struct atrace t;
	atrace_open(&t, path, 0);
	for (unsigned i = 1; i <= 3; i++)
		atrace_exit(&t, 0, HVT_EXIT_PIO_OUT, 0x3f8, 1000u * i, 100u * i);
	atrace_event(&t, &(hvt_event){.type = HVT_EV_EXIT, .kind = HVT_EXIT_PIO_OUT,
				      .flags = HVT_EVF_EXIT_UNFINISHED, .addr = 0x3f8, .size = 1,
				      .count = 1, .time_ns = 12501000});
	atrace_close(&t);
}

static void test_unfinished_counted_not_timed(void **state)
{
	char path[512], msg[256];
	hvt_reader *r;
	struct an_scan_opts o = {.by = AN_BY_KIND, .filter = AN_FILTER_ALL};
	struct an_stats s;
	(void)state;
	write_unfinished(atrace_tmp(path, sizeof(path), "unfinished.hvt"));
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	assert_int_equal(an_stats_compute(r, &o, AN_SORT_SAMPLES, &s, msg, sizeof(msg)), 0);
	hvt_reader_close(r);
	const struct an_stats_row *row = an_stats_find(&s, "pio-out");
	assert_non_null(row);
	assert_int_equal(row->samples, 4);   /* counted */
	assert_int_equal(row->unfinished, 1);
	assert_int_equal(row->min_ns, 100);  /* not 0: the unfinished exit has no time */
	assert_float_equal(row->avg_ns, 200.0, 1e-9);
	assert_int_equal(row->p50_ns, 200);
	assert_int_equal(s.total.samples, 4);
	an_stats_free(&s);
	unlink(path);
}

/* "hvtrace SUB PATH": its stdout and status. */
static char *run(const char *sub, const char *path, int *status)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s %s %s", hvtrace, sub, path);
	return atrace_run(cmd, status);
}

/* One span, one unit: info's duration is stats' wall time, character for character. */
static void test_info_and_stats_same_units(void **state)
{
	char path[512], info_span[64] = "", stats_span[64] = "";
	int st;
	(void)state;
	write_unfinished(atrace_tmp(path, sizeof(path), "units.hvt"));
	char *info = run("info", path, &st);
	char *stats = run("stats", path, &st);
	const char *a = strstr(info, "duration:"), *b = strstr(stats, "wall time:");
	assert_non_null(a);
	assert_non_null(b);
	sscanf(a, "duration: %63[^\n]", info_span);
	sscanf(b, "wall time: %63[^ ] ", stats_span);
	char unit[16];
	sscanf(b, "wall time: %*s %15s", unit);
	strncat(stats_span, " ", sizeof(stats_span) - strlen(stats_span) - 1);
	strncat(stats_span, unit, sizeof(stats_span) - strlen(stats_span) - 1);
	print_message("info: '%s', stats: '%s'\n", info_span, stats_span);
	assert_string_equal(info_span, stats_span);
	assert_string_equal(info_span, "12.500 ms");
	assert_non_null(strstr(info, " 1 stream\n"));
	free(info);
	free(stats);
	unlink(path);
}

static void test_check_reads_as_english(void **state)
{
	char path[512];
	int st;
	struct atrace t;
	(void)state;
	atrace_open(&t, atrace_tmp(path, sizeof(path), "one.hvt"), 0);
	atrace_exit(&t, 0, HVT_EXIT_HALT, 0, 1000, 10);
	atrace_close(&t);
	char *out = run("check", path, &st);
	print_message("%s", out);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "ok: 1 event in "));
	assert_null(strstr(out, "1 events"));
	free(out);
	unlink(path);
}

/* END's code and the exit_code metadata are signed: -1 reads as -1. */
static void test_exit_code_signed(void **state)
{
	char path[512];
	int st;
	struct atrace t;
	(void)state;
	atrace_open(&t, atrace_tmp(path, sizeof(path), "code.hvt"), 0);
	atrace_event(&t, &(hvt_event){.type = HVT_EV_END, .kind = HVT_END_POWEROFF, .stream = 0,
				      .time_ns = 1000, .value = (uint64_t)-1});
	atrace_close(&t);
	char *out = run("dump", path, &st);
	assert_non_null(strstr(out, "code=-1"));
	free(out);
	unlink(path);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return fprintf(stderr, "usage: test_figures HVTRACE\n"), 2;
	hvtrace = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unfinished_counted_not_timed),
		cmocka_unit_test(test_info_and_stats_same_units),
		cmocka_unit_test(test_check_reads_as_english),
		cmocka_unit_test(test_exit_code_signed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
