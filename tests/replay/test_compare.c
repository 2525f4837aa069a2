/* Unit tests of replay/compare.c: which fields of a live exit must equal the
 * recorded ones, and how differences are named. No KVM needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "compare.h"

static hvt_event exit_ev(uint8_t kind, uint64_t addr, uint64_t value)
{
	hvt_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = HVT_EV_EXIT;
	ev.kind = kind;
	ev.addr = addr;
	ev.value = value;
	ev.size = 1;
	ev.count = 1;
	ev.pc = 0x100000;
	ev.regs_hash = 0x1234;
	return ev;
}

static void test_equal(void **state)
{
	struct hvt_divergence d;
	hvt_event a = exit_ev(HVT_EXIT_PIO_OUT, 0x3f8, 'h'), b = a;

	(void)state;
	assert_int_equal(hvt_compare_exit(&a, &b, &d), 0);
}

static void test_kind_first(void **state)
{
	struct hvt_divergence d;
	hvt_event a = exit_ev(HVT_EXIT_PIO_OUT, 0x3f8, 'h');
	hvt_event b = exit_ev(HVT_EXIT_HALT, 0, 0);

	(void)state;
	assert_int_equal(hvt_compare_exit(&a, &b, &d), 1);
	assert_string_equal(d.diff[0].field, "kind");
	assert_int_equal(d.diff[0].expected, HVT_EXIT_PIO_OUT);
	assert_int_equal(d.diff[0].actual, HVT_EXIT_HALT);
}

static void test_written_value_and_port(void **state)
{
	struct hvt_divergence d;
	hvt_event a = exit_ev(HVT_EXIT_PIO_OUT, 0x3f8, 'h');
	hvt_event b = exit_ev(HVT_EXIT_PIO_OUT, 0x3f9, 'H');

	(void)state;
	assert_int_equal(hvt_compare_exit(&a, &b, &d), 2);
	assert_string_equal(d.diff[0].field, "port");
	assert_string_equal(d.diff[1].field, "value");
}

/* A read's value is what replay supplies, never something to compare. */
static void test_read_value_ignored(void **state)
{
	struct hvt_divergence d;
	hvt_event a = exit_ev(HVT_EXIT_MMIO_READ, 0xd0000000, 42);
	hvt_event b = exit_ev(HVT_EXIT_MMIO_READ, 0xd0000000, 0);

	(void)state;
	assert_int_equal(hvt_compare_exit(&a, &b, &d), 0);
	b.addr = 0xd0000008;
	assert_int_equal(hvt_compare_exit(&a, &b, &d), 1);
	assert_string_equal(d.diff[0].field, "address");
}

static void test_string_data(void **state)
{
	struct hvt_divergence d;
	const uint8_t x[3] = {'a', 'b', 'c'}, y[3] = {'a', 'b', 'd'};
	hvt_event a = exit_ev(HVT_EXIT_PIO_OUT, 0x3f8, 'a'), b;

	(void)state;
	a.count = 3;
	a.data = x;
	a.data_len = 3;
	b = a;
	assert_int_equal(hvt_compare_exit(&a, &b, &d), 0);
	b.data = y;
	assert_int_equal(hvt_compare_exit(&a, &b, &d), 1);
	assert_string_equal(d.diff[0].field, "data");
	b.data_len = 2;
	assert_int_equal(hvt_compare_exit(&a, &b, &d), 1);
	assert_int_equal(d.diff[0].expected, 3);
	assert_int_equal(d.diff[0].actual, 2);
}

static void test_pc_and_regs(void **state)
{
	struct hvt_divergence d;
	hvt_event a = exit_ev(HVT_EXIT_HALT, 0, 0), b = a;

	(void)state;
	b.pc++;
	b.regs_hash++;
	assert_int_equal(hvt_compare_exit(&a, &b, &d), 2);
	assert_string_equal(d.diff[0].field, "pc");
	assert_string_equal(d.diff[1].field, "regs");
	b = a;
	b.regs_hash = 0; /* no register file on one side: nothing to compare */
	assert_int_equal(hvt_compare_exit(&a, &b, &d), 0);
}

/* arm64: a hypercall's X0 result and size come from the VMM (power-off has
 * none); the function id, syndrome and registers are the guest's. */
static void test_hypercall(void **state)
{
	struct hvt_divergence d;
	hvt_event a = exit_ev(HVT_EXIT_HYPERCALL, 0x84000000, 0x10000), b = a;

	(void)state;
	a.size = 8;
	a.syndrome = 0x5a000000;
	b.size = 0;
	b.value = 0;
	b.syndrome = a.syndrome;
	assert_int_equal(hvt_compare_exit(&a, &b, &d), 0);
	b.addr = 0x84000008;
	b.syndrome = 0x5a000001; /* HVC #1 */
	assert_int_equal(hvt_compare_exit(&a, &b, &d), 2);
	assert_string_equal(d.diff[0].field, "function");
	assert_string_equal(d.diff[1].field, "syndrome");
}

/* MRS (ISS bit 0 = 1) reads a value the VMM supplies; MSR writes one. */
static void test_sysreg_direction(void **state)
{
	struct hvt_divergence d;
	hvt_event a = exit_ev(HVT_EXIT_SYSREG, 0xc780, 5), b = a;

	(void)state;
	a.syndrome = b.syndrome = (0x18ull << 26) | 1;
	b.value = 6;
	assert_int_equal(hvt_compare_exit(&a, &b, &d), 0);
	a.syndrome = b.syndrome = 0x18ull << 26;
	assert_int_equal(hvt_compare_exit(&a, &b, &d), 1);
	assert_string_equal(d.diff[0].field, "value");
	b.value = a.value;
	b.addr = 0xc781;
	assert_int_equal(hvt_compare_exit(&a, &b, &d), 1);
	assert_string_equal(d.diff[0].field, "sysreg");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_kind_first),
		cmocka_unit_test(test_written_value_and_port),
		cmocka_unit_test(test_read_value_ignored),
		cmocka_unit_test(test_string_data),
		cmocka_unit_test(test_pc_and_regs),
		cmocka_unit_test(test_hypercall),
		cmocka_unit_test(test_sysreg_direction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
