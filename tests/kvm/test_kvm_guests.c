/* Guests on real KVM, checked against what each guest is known to do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <xxhash.h>
#include "core/mem_fingerprint.h"
#include "hvt_guest_abi.h"
#include "kvm_harness.h"

#define HELLO_TEXT "Hello from an hvtrace guest!\n"

/* Per stream: seq counts 0, 1, 2...; exactly one END, and it is last. */
static void check_streams(const guest_run *gr, unsigned vcpus)
{
	for (unsigned s = 0; s < vcpus; s++) {
		uint64_t seq = 0;
		int ended = 0;
		for (size_t i = 0; i < gr->n_ev; i++) {
			const hvt_event *ev = &gr->ev[i];
			if (ev->stream != s)
				continue;
			assert_false(ended);
			assert_int_equal(ev->seq, seq++);
			ended = ev->type == HVT_EV_END;
		}
		assert_true(ended);
	}
}

static void check_exit_regs(const guest_run *gr)
{
	for (size_t i = 0; i < gr->n_ev; i++) {
		const hvt_event *ev = &gr->ev[i];
		if (ev->type != HVT_EV_EXIT)
			continue;
		assert_int_equal(ev->flags & HVT_EVF_EXIT_NO_REGS, 0);
		assert_true(ev->pc >= HVT_GUEST_LOAD_PA && ev->pc < HVT_GUEST_LOAD_PA + 0x100000);
	}
}

static void test_hello(void **state)
{
	guest_run gr;
	size_t n = strlen(HELLO_TEXT);
	char rebuilt[64] = { 0 };
	size_t r = 0;

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_int_equal(run_guest("hello", NULL, &gr), 0);
	assert_int_equal(gr.run_rc, 0);
	assert_int_equal(gr.res.end_reason, HVT_END_POWEROFF);
	assert_int_equal(gr.res.exit_code, 0);
	assert_string_equal(gr.out, HELLO_TEXT);
	assert_int_equal(count_exits(&gr, HVT_EXIT_PIO_OUT, HVT_PORT_SERIAL_DATA), n);
	assert_int_equal(count_exits(&gr, HVT_EXIT_PIO_OUT, HVT_PORT_POWEROFF), 1);
	assert_int_equal(count_events(&gr, HVT_EV_EXIT, -1, -1), n + 1);
	assert_int_equal(gr.res.exits, n + 1);
	assert_int_equal(count_events(&gr, HVT_EV_END, HVT_END_POWEROFF, 0), 1);
	for (size_t i = 0; i < gr.n_ev && r < sizeof(rebuilt) - 1; i++)
		if (gr.ev[i].type == HVT_EV_EXIT && gr.ev[i].addr == HVT_PORT_SERIAL_DATA)
			rebuilt[r++] = (char)gr.ev[i].value;
	assert_string_equal(rebuilt, HELLO_TEXT);
	check_streams(&gr, 1);
	check_exit_regs(&gr);
	print_exit_histogram(&gr, "hello");
	guest_run_free(&gr);
}

static void test_hello_two_vcpus(void **state)
{
	run_opts o = { .vcpus = 2 };
	guest_run gr;

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_int_equal(run_guest("hello", &o, &gr), 0);
	assert_int_equal(gr.run_rc, 0);
	assert_string_equal(gr.out, HELLO_TEXT);
	assert_int_equal(gr.res.end_reason, HVT_END_POWEROFF);
	assert_int_equal(count_events(&gr, HVT_EV_END, HVT_END_POWEROFF, 0), 1);
	assert_int_equal(count_events(&gr, HVT_EV_END, HVT_END_POWEROFF, 1), 1);
	/* vCPU 1 only halts: at most one HLT exit, nothing else. */
	assert_true(count_events(&gr, HVT_EV_EXIT, -1, 1) <= 1);
	check_streams(&gr, 2);
	guest_run_free(&gr);
}

static void test_hello_flat(void **state)
{
	run_opts o = { .image_format = HVT_IMAGE_FLAT };
	guest_run gr;

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_int_equal(run_guest("hello.bin", &o, &gr), 0);
	assert_int_equal(gr.res.exit_code, 0);
	assert_string_equal(gr.out, HELLO_TEXT);
	assert_int_equal(count_events(&gr, HVT_EV_EXIT, -1, -1), strlen(HELLO_TEXT) + 1);
	guest_run_free(&gr);
}

/* KVM may report a REP OUTSB/INSB as one exit with count > 1 or as several
 * (this nested KVM splits OUTSB per byte but not INSB): whatever the split,
 * the bytes across the exits must be the guest's, in order. */
static void collect_string_io(const guest_run *gr, int kind, uint64_t port,
			      uint8_t *buf, size_t cap, size_t *len, size_t *multi)
{
	for (size_t i = 0; i < gr->n_ev; i++) {
		const hvt_event *ev = &gr->ev[i];
		if (ev->type != HVT_EV_EXIT || ev->kind != kind || ev->addr != port)
			continue;
		if (ev->count > 1) {
			(*multi)++;
			assert_int_equal(ev->data_len, ev->count * ev->size);
			assert_true(*len + ev->data_len <= cap);
			memcpy(buf + *len, ev->data, ev->data_len);
			*len += ev->data_len;
		} else if (*len < cap) {
			buf[(*len)++] = (uint8_t)ev->value;
		}
	}
}

static void test_string_io(void **state)
{
	static const char line[] = "string I/O says hi\n";
	uint8_t out[64], in[16];
	size_t out_len = 0, in_len = 0, multi = 0;
	guest_run gr;

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_int_equal(run_guest("strio", NULL, &gr), 0);
	assert_int_equal(gr.res.exit_code, 0);
	/* LSR = THRE | TEMT = 0x60, four times. */
	assert_string_equal(gr.out, "string I/O says hi\n0x0000000000000060 0x0000000000000060 "
			    "0x0000000000000060 0x0000000000000060\n");
	collect_string_io(&gr, HVT_EXIT_PIO_OUT, HVT_PORT_SERIAL_DATA, out, sizeof(out),
			  &out_len, &multi);
	assert_true(out_len >= sizeof(line) - 1);
	assert_memory_equal(out, line, sizeof(line) - 1);
	collect_string_io(&gr, HVT_EXIT_PIO_IN, HVT_PORT_SERIAL_LSR, in, sizeof(in),
			  &in_len, &multi);
	assert_int_equal(in_len, 4);
	assert_memory_equal(in, "\x60\x60\x60\x60", 4);
	fprintf(stderr, "[strio] exits with count > 1: %zu\n", multi);
	print_exit_histogram(&gr, "strio");
	guest_run_free(&gr);
}

static void test_mmio(void **state)
{
	guest_run gr;
	uint64_t mix = 0;
	const hvt_event *m;

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_int_equal(run_guest("mmio", NULL, &gr), 0);
	assert_int_equal(gr.res.exit_code, 0);
	assert_string_equal(gr.out, "mmio: ok\n");
	assert_int_equal(count_exits(&gr, HVT_EXIT_MMIO_READ, HVT_MMIO_CLOCK_NS), 2);
	assert_int_equal(count_exits(&gr, HVT_EXIT_MMIO_READ, HVT_MMIO_ENTROPY), 4);
	assert_int_equal(count_exits(&gr, HVT_EXIT_PIO_OUT, HVT_PORT_MARKER), 1);
	assert_int_equal(count_events(&gr, HVT_EV_EXIT, -1, -1), 2 + 4 + 1 + 9 + 1);
	for (size_t i = 0; i < gr.n_ev; i++)
		if (gr.ev[i].type == HVT_EV_EXIT && gr.ev[i].addr == HVT_MMIO_ENTROPY) {
			assert_int_equal(gr.ev[i].size, 8);
			mix ^= gr.ev[i].value;
		}
	/* The marker carries what the guest computed from the recorded reads. */
	m = find_event(&gr, HVT_EV_MARKER, 0);
	assert_non_null(m);
	assert_int_equal(m->addr, 7);
	assert_int_equal(m->value, mix);
	check_streams(&gr, 1);
	print_exit_histogram(&gr, "mmio");
	guest_run_free(&gr);
}

static void test_entropy_differs(void **state)
{
	guest_run a, b;
	char hex[19];
	const hvt_event *ev = NULL;

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_int_equal(run_guest("entropy", NULL, &a), 0);
	assert_int_equal(run_guest("entropy", NULL, &b), 0);
	assert_int_equal(a.res.exit_code, 0);
	assert_non_null(strstr(a.out, "clock_ns="));
	assert_string_not_equal(a.out, b.out);
	/* The first random value printed is the first entropy read recorded. */
	for (size_t i = 0; i < a.n_ev && !ev; i++)
		if (a.ev[i].type == HVT_EV_EXIT && a.ev[i].addr == HVT_MMIO_ENTROPY)
			ev = &a.ev[i];
	assert_non_null(ev);
	snprintf(hex, sizeof(hex), "0x%016llx", (unsigned long long)ev->value);
	assert_non_null(strstr(a.out, hex));
	guest_run_free(&a);
	guest_run_free(&b);
}

/* A stand-in provider, as replay will use: no host access at all. */
typedef struct fixed_inputs {
	hvt_host_inputs ops;
	const char *console;    /* handed out once */
	uint64_t clock_calls;
} fixed_inputs;

static uint64_t fixed_clock(void *ctx)
{
	fixed_inputs *fi = ctx;

	return 1000000 + 1000 * fi->clock_calls++;
}

static int fixed_entropy(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0xab, len);
	return 0;
}

static size_t fixed_console(void *ctx, uint8_t *buf, size_t max)
{
	fixed_inputs *fi = ctx;
	size_t n = fi->console ? strlen(fi->console) : 0;

	n = n < max ? n : max;
	memcpy(buf, fi->console, n);
	fi->console = NULL;
	return n;
}

static void fixed_init(fixed_inputs *fi, const char *console)
{
	memset(fi, 0, sizeof(*fi));
	fi->ops = (hvt_host_inputs){ .ctx = fi, .clock_ns = fixed_clock,
				     .entropy = fixed_entropy, .console_read = fixed_console };
	fi->console = console;
}

static void test_entropy_provider(void **state)
{
	fixed_inputs fi;
	run_opts o = { .inputs = &fi.ops };
	guest_run gr;

	(void)state;
	SKIP_WITHOUT_KVM();
	fixed_init(&fi, NULL);
	assert_int_equal(run_guest("entropy", &o, &gr), 0);
	assert_string_equal(gr.out, "clock_ns=1000000 random=0xabababababababab "
			    "0xabababababababab\n");
	guest_run_free(&gr);
}

static void test_console_input(void **state)
{
	fixed_inputs fi;
	run_opts o = { .inputs = &fi.ops };
	guest_run gr;
	const hvt_event *in;

	(void)state;
	SKIP_WITHOUT_KVM();
	fixed_init(&fi, "hi\n");
	assert_int_equal(run_guest("echo", &o, &gr), 0);
	assert_int_equal(gr.res.exit_code, 0);
	assert_string_equal(gr.out, "hi\n");
	in = find_event(&gr, HVT_EV_CONSOLE_IN, 0);
	assert_non_null(in);
	assert_int_equal(in->data_len, 3);
	assert_memory_equal(in->data, "hi\n", 3);
	assert_int_equal(count_events(&gr, HVT_EV_CONSOLE_IN, -1, -1), 1);
	/* Three LSR polls saw data ready, three data reads returned h, i, \n. */
	assert_int_equal(count_exits(&gr, HVT_EXIT_PIO_IN, HVT_PORT_SERIAL_DATA), 3);
	assert_int_equal(count_exits(&gr, HVT_EXIT_PIO_IN, HVT_PORT_SERIAL_LSR), 3);
	guest_run_free(&gr);
}

/* Record mode reads console input from a file descriptor without blocking. */
static void test_console_input_fd(void **state)
{
	hvt_record_inputs in;
	run_opts o = { .inputs = &in.ops };
	guest_run gr;
	int fds[2];

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "ok\n", 3), 3);
	hvt_record_inputs_init(&in, fds[0]);
	assert_int_equal(run_guest("echo", &o, &gr), 0);
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(gr.res.exit_code, 0);
	assert_string_equal(gr.out, "ok\n");
	assert_int_equal(count_events(&gr, HVT_EV_CONSOLE_IN, -1, 0), 1);
	guest_run_free(&gr);
}

static uint64_t parse_after(const char *s, const char *key)
{
	const char *p = strstr(s, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : UINT64_MAX;
}

/* An asynchronous landing carries the full register file: its RIP is the
 * event's pc and its hash the event's regs_hash. One vCPU on KVM: then the
 * memory fingerprint of the pages written since the previous landing. */
static void check_interrupts(const guest_run *gr, uint64_t vector, size_t *async_n)
{
	*async_n = 0;
	for (size_t i = 0; i < gr->n_ev; i++) {
		const hvt_event *ev = &gr->ev[i];
		uint64_t rip = 0;
		if (ev->type != HVT_EV_INTERRUPT)
			continue;
		assert_int_equal(ev->addr, vector);
		if (ev->kind != HVT_IRQ_ASYNC) {
			assert_int_equal(ev->data_len, 0);
			continue;
		}
		(*async_n)++;
		assert_int_equal(ev->data_len, HVT_X86_NREGS * 8 + HVT_FP_EXT_BYTES);
		for (int b = 0; b < 8; b++)
			rip |= (uint64_t)ev->data[16 * 8 + b] << (8 * b);
		assert_int_equal(rip, ev->pc);
		assert_int_equal((uint32_t)XXH3_64bits(ev->data, HVT_X86_NREGS * 8), ev->regs_hash);
		assert_int_equal(ev->data[HVT_X86_NREGS * 8], HVT_FP_DIRTY);
		for (int b = 1; b < 8; b++)
			assert_int_equal(ev->data[HVT_X86_NREGS * 8 + b], 0);
	}
}

static void test_timer(void **state)
{
	guest_run gr;
	uint64_t ticks, busy;
	size_t async_n;

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_int_equal(run_guest("timer", NULL, &gr), 0);
	assert_int_equal(gr.res.exit_code, 0);
	ticks = parse_after(gr.out, "ticks=");
	busy = parse_after(gr.out, "busy=");
	assert_true(ticks != UINT64_MAX && busy != UINT64_MAX);
	assert_true(ticks >= busy + 5);
	/* Every tick the guest counted is one INTERRUPT event, no more. */
	assert_int_equal(count_events(&gr, HVT_EV_INTERRUPT, -1, 0), ticks);
	assert_true(count_events(&gr, HVT_EV_TIMER, HVT_TIMER_FIRE, 0) >= ticks);
	assert_int_equal(count_events(&gr, HVT_EV_TIMER, HVT_TIMER_ARM, 0), 1);
	assert_int_equal(count_events(&gr, HVT_EV_TIMER, HVT_TIMER_CANCEL, 0), 1);
	check_interrupts(&gr, 40, &async_n);
	check_streams(&gr, 1);
	fprintf(stderr, "[timer] ticks=%llu busy=%llu async=%zu at_exit=%zu\n",
		(unsigned long long)ticks, (unsigned long long)busy, async_n,
		count_events(&gr, HVT_EV_INTERRUPT, HVT_IRQ_AT_EXIT, 0));
	print_exit_histogram(&gr, "timer");
	guest_run_free(&gr);
}

static void test_irq_window(void **state)
{
	guest_run gr;
	const hvt_event *irq;

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_int_equal(run_guest("irqwin", NULL, &gr), 0);
	assert_string_equal(gr.out, "irqwin: ticks=1\n");
	assert_int_equal(gr.res.exit_code, 0);
	assert_int_equal(count_exits(&gr, HVT_EXIT_IRQ_WINDOW, UINT64_MAX), 1);
	assert_int_equal(count_events(&gr, HVT_EV_INTERRUPT, -1, 0), 1);
	irq = find_event(&gr, HVT_EV_INTERRUPT, 0);
	assert_int_equal(irq->kind, HVT_IRQ_ASYNC); /* see landing_is_async() */
	assert_int_equal(irq->data_len, HVT_X86_NREGS * 8 + HVT_FP_EXT_BYTES);
	assert_int_equal(irq->addr, 50);
	/* The injection follows the window exit directly on the stream. */
	assert_true(irq > gr.ev && irq[-1].type == HVT_EV_EXIT &&
		    irq[-1].kind == HVT_EXIT_IRQ_WINDOW);
	print_exit_histogram(&gr, "irqwin");
	guest_run_free(&gr);
}

/* Four vCPUs, four timers, four kick sources at once. */
static void test_smp_timers(void **state)
{
	run_opts o = { .vcpus = 4 };
	guest_run gr;

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_int_equal(run_guest("smp", &o, &gr), 0);
	assert_int_equal(gr.run_rc, 0);
	assert_int_equal(gr.res.exit_code, 0);
	assert_string_equal(gr.out, "smp: 4 vCPUs, ticks 5 5 5 5\n");
	for (int s = 0; s < 4; s++) {
		assert_int_equal(count_events(&gr, HVT_EV_INTERRUPT, -1, s), 5);
		assert_int_equal(count_events(&gr, HVT_EV_END, HVT_END_POWEROFF, s), 1);
		for (size_t i = 0; i < gr.n_ev; i++)
			if (gr.ev[i].type == HVT_EV_INTERRUPT && gr.ev[i].stream == (uint32_t)s)
				assert_int_equal(gr.ev[i].addr, 48 + s);
	}
	check_streams(&gr, 4);
	print_exit_histogram(&gr, "smp");
	guest_run_free(&gr);
}

static void test_flaky_consistent(void **state)
{
	guest_run gr;
	uint64_t ticks;
	size_t async_n;

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_int_equal(run_guest("flaky", NULL, &gr), 0);
	assert_int_equal(gr.res.end_reason, HVT_END_POWEROFF);
	/* Either outcome is legitimate; it must match what the guest printed. */
	assert_true(gr.res.exit_code == 0 || gr.res.exit_code == 1);
	assert_true((gr.res.exit_code == 0) == (strstr(gr.out, " ok\n") != NULL));
	ticks = parse_after(gr.out, "ticks=");
	assert_int_equal(count_events(&gr, HVT_EV_INTERRUPT, -1, 0), ticks);
	check_interrupts(&gr, 41, &async_n);
	fprintf(stderr, "[flaky] exit=%d %s", gr.res.exit_code, gr.out);
	guest_run_free(&gr);
}

static void test_demo_embedded(void **state)
{
	guest_run gr;
	size_t markers = 0;

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_true(hvt_demo_guest_len > 64);
	assert_int_equal(run_image(NULL, 0, NULL, &gr), 0);
	assert_int_equal(gr.run_rc, 0);
	assert_int_equal(gr.res.exit_code, 0);
	assert_non_null(strstr(gr.out, "hvtrace demo guest: 1 vCPU(s)\n"));
	assert_non_null(strstr(gr.out, "timer: 3 ticks"));
	assert_int_equal(count_events(&gr, HVT_EV_INTERRUPT, -1, 0), 3);
	for (size_t i = 0; i < gr.n_ev; i++)
		if (gr.ev[i].type == HVT_EV_MARKER) {
			markers++;
			assert_int_equal(gr.ev[i].addr, markers);
			assert_int_equal(gr.ev[i].value, markers == 1 ? 0xd3a0 : 3);
		}
	assert_int_equal(markers, 2);
	assert_true(count_events(&gr, HVT_EV_EXEC_TIME, -1, 0) >= 1);
	check_streams(&gr, 1);
	print_exit_histogram(&gr, "demo");
	guest_run_free(&gr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_hello_two_vcpus),
		cmocka_unit_test(test_hello_flat),
		cmocka_unit_test(test_string_io),
		cmocka_unit_test(test_mmio),
		cmocka_unit_test(test_entropy_differs),
		cmocka_unit_test(test_entropy_provider),
		cmocka_unit_test(test_console_input),
		cmocka_unit_test(test_console_input_fd),
		cmocka_unit_test(test_timer),
		cmocka_unit_test(test_irq_window),
		cmocka_unit_test(test_smp_timers),
		cmocka_unit_test(test_flaky_consistent),
		cmocka_unit_test(test_demo_embedded),
	};
	char why[160];
	int failed;

	if (!kvm_available(why, sizeof(why)))
		fprintf(stderr, "test_kvm_guests: SKIPPING every test: %s\n", why);
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	return failed ? failed : (kvm_available(why, sizeof(why)) ? 0 : 77);
}
