/* hvt_replay_run follows the one options rule (hvtrace/api.h): a newer
 * caller's larger struct is accepted only if its unknown tail is zero; an
 * older caller's smaller struct, or NULL, takes the defaults. No KVM needed:
 * the golden trace (not recorded by the VMM) gets as far as reading the
 * configuration, which refuses it, so an accepted call returns 0 with
 * outcome REFUSED and a refused one returns HVT_E_INVAL before anything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "hvtrace/hvtrace.h"
#include "replay.h"

static const char *golden;

struct replay_opts_next {
	struct hvt_replay_opts known;
	uint64_t future_option;
};

static int run(const struct hvt_replay_opts *o, struct hvt_replay_result *res)
{
	hvt_reader *r;
	assert_int_equal(hvt_reader_open(&r, golden, NULL), 0);
	memset(res, 0xa5, sizeof(*res)); /* untouched unless the call goes on */
	int rc = hvt_replay_run(r, o, res);
	hvt_reader_close(r);
	return rc;
}

static void test_larger_zero_tail_accepted(void **state)
{
	(void)state;
	struct hvt_replay_result res;
	struct replay_opts_next o = {.known = HVT_OPTS(hvt_replay_opts, .console_fd = -1)};
	o.known.sz = sizeof(o);
	assert_int_equal(run(&o.known, &res), 0);
	assert_int_equal(res.outcome, HVT_REPLAY_REFUSED);
	assert_non_null(strstr(res.msg, "arch")); /* the configuration refused it */
}

static void test_larger_nonzero_tail_refused(void **state)
{
	(void)state;
	struct hvt_replay_result res;
	struct replay_opts_next o = {.known = HVT_OPTS(hvt_replay_opts, .console_fd = -1),
				     .future_option = 1};
	o.known.sz = sizeof(o);
	assert_int_equal(run(&o.known, &res), HVT_E_INVAL);
	assert_int_equal(res.outcome, (int)0xa5a5a5a5); /* refused before anything */
}

static void test_smaller_and_null_accepted(void **state)
{
	(void)state;
	struct hvt_replay_result res;
	struct hvt_replay_opts o = HVT_OPTS(hvt_replay_opts, .console_fd = -1);
	o.sz = offsetof(struct hvt_replay_opts, stop_at_seq); /* an older caller */
	assert_int_equal(run(&o, &res), 0);
	assert_int_equal(res.outcome, HVT_REPLAY_REFUSED);
	assert_int_equal(run(NULL, &res), 0);
	assert_int_equal(res.outcome, HVT_REPLAY_REFUSED);
	o.sz = 2; /* not even sz */
	assert_int_equal(run(&o, &res), HVT_E_INVAL);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s GOLDEN_TRACE\n", argv[0]);
		return 2;
	}
	golden = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_larger_zero_tail_accepted),
		cmocka_unit_test(test_larger_nonzero_tail_refused),
		cmocka_unit_test(test_smaller_and_null_accepted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
