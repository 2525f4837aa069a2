/* stats on an arm64 trace built by hand, whose figures are known exactly:
 * exit kinds from the exception class (sysreg, hypercall, timer), --by
 * sysreg (MSR/MRS encoding, a known name or S<op0>_<op1>_C<n>_C<m>_<op2>,
 * with the direction from ESR ISS bit 0) and --by hypercall (function id and
 * HVC immediate, PSCI names), through the engine and the command line. */
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

#define EC_HVC64 0x16ull
#define EC_SYSREG 0x18ull
#define ESR(ec, iss) ((ec) << 26 | 1ull << 25 | (iss))
#define ENC(op0, op1, crn, crm, op2) ((op0) << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2))
#define CNTPCT ENC(3u, 3u, 14u, 0u, 1u)  /* CNTPCT_EL0 */
#define IMPDEF ENC(3u, 0u, 15u, 0u, 0u)  /* S3_0_C15_C0_0: no name */

struct ctx {
	const char *hvtrace;
	char path[512];
};

static uint64_t now_ns = 1000;

static void exit_ev(struct atrace *t, uint8_t kind, uint64_t addr, uint64_t esr, uint64_t handle_ns)
{
	atrace_event(t, &(hvt_event){.type = HVT_EV_EXIT, .kind = kind, .stream = 0,
				      .time_ns = now_ns, .addr = addr, .syndrome = esr,
				      .duration_ns = handle_ns, .size = 8, .count = 1});
	now_ns += 1000;
}

/* MRS CNTPCT_EL0 x3 (100, 200, 300 ns), MSR S3_0_C15_C0_0 x1 (50 ns),
 * HVC #0 PSCI_VERSION x2 (10, 30 ns), HVC #7 fn 0x12345678 x1 (40 ns),
 * 2 vtimer exits (5 ns each): 9 exits from 1000 to 9000 ns. */
static void write_arm64(const char *path)
{
	struct atrace t;
	atrace_open(&t, path, 0);
	for (unsigned i = 1; i <= 3; i++)
		exit_ev(&t, HVT_EXIT_SYSREG, CNTPCT, ESR(EC_SYSREG, 1u), 100u * i); /* bit 0: read */
	exit_ev(&t, HVT_EXIT_SYSREG, IMPDEF, ESR(EC_SYSREG, 0u), 50);
	exit_ev(&t, HVT_EXIT_HYPERCALL, 0x84000000u, ESR(EC_HVC64, 0u), 10);
	exit_ev(&t, HVT_EXIT_HYPERCALL, 0x84000000u, ESR(EC_HVC64, 0u), 30);
	exit_ev(&t, HVT_EXIT_HYPERCALL, 0xffffffff12345678ull, ESR(EC_HVC64, 7u), 40);
	exit_ev(&t, HVT_EXIT_TIMER, 0, 0, 5);
	exit_ev(&t, HVT_EXIT_TIMER, 0, 0, 5);
	atrace_close(&t);
}

static void compute(const char *path, enum an_by by, struct an_stats *s)
{
	struct an_scan_opts o = {.by = by, .filter = AN_FILTER_ALL};
	hvt_reader *r;
	char msg[256];
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	if (an_stats_compute(r, &o, AN_SORT_SAMPLES, s, msg, sizeof(msg)) != 0)
		fail_msg("stats: %s", msg);
	hvt_reader_close(r);
}

static void check(const struct an_stats *s, const char *label, uint64_t samples,
		  uint64_t time_ns, uint64_t max_ns)
{
	const struct an_stats_row *row = an_stats_find(s, label);
	if (!row)
		fail_msg("no row '%s'", label);
	assert_int_equal(row->samples, samples);
	assert_int_equal(row->time_ns, time_ns);
	assert_int_equal(row->max_ns, max_ns);
}

static void test_by_kind(void **state)
{
	struct ctx *c = *state;
	struct an_stats s;
	compute(c->path, AN_BY_KIND, &s);
	assert_int_equal(s.nrows, 3);
	check(&s, "sysreg", 4, 650, 300);
	check(&s, "hypercall", 3, 80, 40);
	check(&s, "timer", 2, 10, 5);
	assert_int_equal(s.total.samples, 9);
	an_stats_free(&s);
}

static void test_by_sysreg(void **state)
{
	struct ctx *c = *state;
	struct an_stats s;
	compute(c->path, AN_BY_SYSREG, &s);
	assert_int_equal(s.nrows, 2);
	check(&s, "CNTPCT_EL0:read", 3, 600, 300);
	check(&s, "S3_0_C15_C0_0:write", 1, 50, 50);
	assert_int_equal(s.total.samples, 4); /* only system register exits */
	assert_int_equal(an_stats_find(&s, "CNTPCT_EL0:read")->p50_ns, 200);
	an_stats_free(&s);
}

static void test_by_hypercall(void **state)
{
	struct ctx *c = *state;
	struct an_stats s;
	compute(c->path, AN_BY_HYPERCALL, &s);
	assert_int_equal(s.nrows, 2);
	check(&s, "0x84000000 #0 PSCI_VERSION", 2, 40, 30);
	check(&s, "0x12345678 #7", 1, 40, 40); /* SMCCC ids are 32-bit: W0 */
	assert_int_equal(s.total.samples, 3);
	an_stats_free(&s);
}

/* The table a user sees: the key column widens for long labels. */
static void test_cli(void **state)
{
	struct ctx *c = *state;
	char cmd[1200];
	int status;
	snprintf(cmd, sizeof(cmd), "%s stats --by hypercall %s", c->hvtrace, c->path);
	char *text = atrace_run(cmd, &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(text, "\n                 HYPERCALL    Samples "));
	assert_non_null(strstr(text, "\n0x84000000 #0 PSCI_VERSION          2    66.67% "));
	free(text);
	snprintf(cmd, sizeof(cmd), "%s stats --by sysreg --csv %s", c->hvtrace, c->path);
	text = atrace_run(cmd, &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(text, "\nCNTPCT_EL0:read,3,75.0000,"));
	assert_non_null(strstr(text, "\nS3_0_C15_C0_0:write,1,25.0000,"));
	free(text);
	snprintf(cmd, sizeof(cmd), "%s stats --by nonsense %s 2>&1", c->hvtrace, c->path);
	free(atrace_run(cmd, &status));
	assert_int_equal(status, 64);
}

int main(int argc, char **argv)
{
	struct ctx c = {.hvtrace = argc > 1 ? argv[1] : "hvtrace"};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_by_kind, &c),
		cmocka_unit_test_prestate(test_by_sysreg, &c),
		cmocka_unit_test_prestate(test_by_hypercall, &c),
		cmocka_unit_test_prestate(test_cli, &c),
	};
	atrace_tmp(c.path, sizeof(c.path), "arm64.hvt");
	write_arm64(c.path);
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(c.path);
	return failed;
}
