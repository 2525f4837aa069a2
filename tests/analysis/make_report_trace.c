/* make_report_trace KIND PATH: writes a hand-built trace whose figures are
 * known exactly, for the report and export viewer tests, and prints the
 * expected figures as JSON on stdout (report_check.js compares the page with
 * them as well as with `stats --json`).
 *
 * KIND x86: two vCPUs. vCPU 0: 300 pio-out to 0x3f8 (handled in 1000 + i%100
 *   ns), 100 mmio-read of 0xd0000000 (5000 ns), 10 halts (1 ms); vCPU 1: 50
 *   pio-in of 0x60 (2000 ns). Exits 1 us apart from t = 1 ms; an interrupt
 *   after every halt; two markers ("boot", "done") on vCPU 0; exec-time
 *   samples; a label with "</script>" to prove the page escapes it.
 * KIND arm64: backend "hvf": 40 sysreg exits of CNTV_CTL_EL0 (EC 0x18), 60
 *   data aborts (EC 0x24, mmio-write to 0x9000000), 5 WFI halts (EC 0x01). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "atrace.h"

static uint64_t put_exit(struct atrace *t, uint32_t vcpu, unsigned kind, uint64_t addr,
			 uint64_t time_ns, uint64_t handle_ns, uint64_t syndrome)
{
	atrace_event(t, &(hvt_event){.type = HVT_EV_EXIT, .kind = (uint8_t)kind, .stream = vcpu,
		.time_ns = time_ns, .addr = addr, .duration_ns = handle_ns, .size = 1, .count = 1,
		.syndrome = syndrome, .pc = 0x1000});
	return time_ns + handle_ns + 1000;
}

static void marker(struct atrace *t, uint32_t vcpu, uint64_t time_ns, const char *label)
{
	atrace_event(t, &(hvt_event){.type = HVT_EV_MARKER, .stream = vcpu, .time_ns = time_ns,
		.addr = 7, .data = (const uint8_t *)label, .data_len = (uint32_t)strlen(label)});
}

static void x86(struct atrace *t)
{
	uint64_t now = 1000000, guest = 0;
	marker(t, 0, now, "boot</script><b>");
	for (unsigned i = 0; i < 300; i++)
		now = put_exit(t, 0, HVT_EXIT_PIO_OUT, 0x3f8, now, 1000 + i % 100, 0);
	for (unsigned i = 0; i < 100; i++)
		now = put_exit(t, 0, HVT_EXIT_MMIO_READ, 0xd0000000, now, 5000, 0);
	for (unsigned i = 0; i < 10; i++) {
		uint64_t at = now;
		now = put_exit(t, 0, HVT_EXIT_HALT, 0, now, 1000000, 0);
		atrace_event(t, &(hvt_event){.type = HVT_EV_INTERRUPT, .stream = 0,
			.time_ns = at + 1000000, .addr = 48});
		atrace_event(t, &(hvt_event){.type = HVT_EV_EXEC_TIME, .stream = 0,
			.time_ns = at + 1000001, .value = (guest += 100000)});
	}
	marker(t, 0, now, "done");
	uint64_t t1 = 1000000;
	for (unsigned i = 0; i < 50; i++)
		t1 = put_exit(t, 1, HVT_EXIT_PIO_IN, 0x60, t1, 2000, 0);
	atrace_event(t, &(hvt_event){.type = HVT_EV_EXEC_TIME, .stream = 1, .time_ns = t1,
		.value = 40000});
	printf("{\"exits\": 460, \"vcpus\": 2, \"wall_ns\": %llu, \"kinds\": {\"pio-out\": 300, "
	       "\"mmio-read\": 100, \"halt\": 10, \"pio-in\": 50}, \"p50\": {\"mmio-read\": 5000, "
	       "\"halt\": 1000000, \"pio-in\": 2000}, \"ports\": {\"0x3f8:out\": 300, \"0x60:in\": 50}, "
	       "\"markers\": 2, \"irqs\": 10}\n",
	       (unsigned long long)(now - 1000000));
}

static void arm64(struct atrace *t)
{
	uint64_t now = 2000000;
	const uint64_t cntv_ctl = 3u << 14 | 3u << 11 | 14u << 7 | 3u << 3 | 1u;
	for (unsigned i = 0; i < 40; i++)
		now = put_exit(t, 0, HVT_EXIT_SYSREG, cntv_ctl, now, 3000, (uint64_t)0x18 << 26 | 1);
	for (unsigned i = 0; i < 60; i++)
		now = put_exit(t, 0, HVT_EXIT_MMIO_WRITE, 0x9000000, now, 4000,
			       (uint64_t)0x24 << 26 | 1u << 24);
	for (unsigned i = 0; i < 5; i++)
		now = put_exit(t, 0, HVT_EXIT_HALT, 0, now, 500000, (uint64_t)0x01 << 26);
	printf("{\"exits\": 105, \"vcpus\": 1, \"wall_ns\": %llu, \"kinds\": {\"sysreg\": 40, "
	       "\"mmio-write\": 60, \"halt\": 5}, \"p50\": {\"sysreg\": 3000, \"mmio-write\": 4000}, "
	       "\"ec\": {\"sysreg\": 40, \"data-abort-lower\": 60, \"wfi-wfe\": 5}, "
	       "\"sysreg\": {\"CNTV_CTL_EL0\": 40}}\n",
	       (unsigned long long)(now - 500000 - 1000 - 2000000));
}

int main(int argc, char **argv)
{
	struct atrace t;
	if (argc != 3 || (strcmp(argv[1], "x86") != 0 && strcmp(argv[1], "arm64") != 0)) {
		fprintf(stderr, "usage: make_report_trace x86|arm64 PATH\n");
		return 64;
	}
	atrace_open(&t, argv[2], 0);
	if (strcmp(argv[1], "arm64") == 0) {
		assert_int_equal(hvt_writer_set_meta_str(t.w, "backend", "hvf"), 0);
		arm64(&t);
	} else {
		x86(&t);
	}
	atrace_close(&t);
	return 0;
}
