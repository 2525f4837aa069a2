/* diff: identical event sequences (times differ) compare equal; an
 * injected difference is found at its merged index with the right field;
 * a shorter trace is reported as ending first. argv[1]: hvtrace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis/diff.h"
#include "atrace.h"

#define N 2000u /* events in the full trace, merged */

struct ctx {
	const char *hvtrace;
	char a[512], b[512], changed[512], shorter[512];
};

/* Merged event i (vCPU i % 2) at time 1000*i + shift_ns; event `poke`
 * gets another value. Handling times vary with shift to show that they
 * are not compared. */
static void write_trace(const char *path, uint64_t shift_ns, uint64_t poke, uint32_t n)
{
	struct atrace t;
	atrace_open(&t, path, 2048);
	for (uint32_t i = 0; i < n; i++) {
		hvt_event ev = {.type = HVT_EV_EXIT, .kind = HVT_EXIT_PIO_IN, .stream = i % 2,
				.time_ns = 1000ull * i + shift_ns, .addr = 0x60, .size = 1, .count = 1,
				.value = i & 0xff, .pc = 0x2000 + i % 16, .duration_ns = 100 + shift_ns,
				.regs_hash = i * 2654435761u};
		if (i == poke)
			ev.value ^= 0x100;
		atrace_event(&t, &ev);
	}
	atrace_close(&t);
}

static void run_diff(const char *pa, const char *pb, struct an_diff_result *d)
{
	hvt_reader *a, *b;
	char msg[256];
	int failed = 0;
	assert_int_equal(hvt_reader_open(&a, pa, NULL), 0);
	assert_int_equal(hvt_reader_open(&b, pb, NULL), 0);
	assert_int_equal(an_diff(a, b, d, &failed, msg, sizeof(msg)), 0);
	hvt_reader_close(a);
	hvt_reader_close(b);
}

static void test_identical(void **state)
{
	struct ctx *c = *state;
	struct an_diff_result *d = malloc(sizeof(*d));
	run_diff(c->a, c->b, d);
	assert_false(d->differ);
	assert_int_equal(d->events, N);
	free(d);
}

static void test_injected(void **state)
{
	struct ctx *c = *state;
	struct an_diff_result *d = malloc(sizeof(*d));
	run_diff(c->a, c->changed, d);
	assert_true(d->differ);
	assert_int_equal(d->index, 1337);
	assert_int_equal(d->fields, AN_DF_VALUE);
	assert_int_equal(d->a.ev.seq, 1337 / 2);
	assert_int_equal(d->ncontext, 5);
	assert_int_equal(d->ctx_a[4].ev.value, 1336 & 0xff);
	free(d);
}

static void test_shorter(void **state)
{
	struct ctx *c = *state;
	struct an_diff_result *d = malloc(sizeof(*d));
	run_diff(c->a, c->shorter, d);
	assert_true(d->differ);
	assert_int_equal(d->index, N - 10);
	assert_false(d->a_ended);
	assert_true(d->b_ended);
	free(d);
}

static void test_cli_status(void **state)
{
	struct ctx *c = *state;
	char cmd[2048];
	int status;
	snprintf(cmd, sizeof(cmd), "%s diff %s %s", c->hvtrace, c->a, c->b);
	char *out = atrace_run(cmd, &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(out, "identical"));
	free(out);
	snprintf(cmd, sizeof(cmd), "%s diff %s %s", c->hvtrace, c->a, c->changed);
	out = atrace_run(cmd, &status);
	assert_int_equal(status, 1);
	assert_non_null(strstr(out, "differ at event #1337"));
	assert_non_null(strstr(out, "* value"));
	free(out);
	snprintf(cmd, sizeof(cmd), "%s diff %s %s", c->hvtrace, c->a, c->shorter);
	out = atrace_run(cmd, &status);
	assert_int_equal(status, 1);
	assert_non_null(strstr(out, "B ends first"));
	free(out);
	snprintf(cmd, sizeof(cmd), "%s diff %s 2>/dev/null", c->hvtrace, c->a);
	free(atrace_run(cmd, &status));
	assert_int_equal(status, 64);
}

int main(int argc, char **argv)
{
	struct ctx c = {.hvtrace = argc > 1 ? argv[1] : "hvtrace"};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_identical, &c),
		cmocka_unit_test_prestate(test_injected, &c),
		cmocka_unit_test_prestate(test_shorter, &c),
		cmocka_unit_test_prestate(test_cli_status, &c),
	};
	write_trace(atrace_tmp(c.a, sizeof(c.a), "a.hvt"), 0, UINT64_MAX, N);
	write_trace(atrace_tmp(c.b, sizeof(c.b), "b.hvt"), 333, UINT64_MAX, N);
	write_trace(atrace_tmp(c.changed, sizeof(c.changed), "changed.hvt"), 0, 1337, N);
	write_trace(atrace_tmp(c.shorter, sizeof(c.shorter), "shorter.hvt"), 0, UINT64_MAX, N - 10);
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(c.a);
	unlink(c.b);
	unlink(c.changed);
	unlink(c.shorter);
	return failed;
}
