/* demo (arm64): the guest embedded in hvtrace as the arm64 default image.
 * Touches every device once or a few times: console, marker, clock,
 * entropy, the virtual timer (periodic, every tick landing at a WFI),
 * power-off with exit code 0. Console (only the random value and the
 * microseconds change from run to run):
 *   hvtrace arm64 demo guest: 1 vCPU(s)
 *   random: 0x<16 hex digits>
 *   timer: 3 ticks in <N> us
 * Exits of vCPU 0: MMIO console writes, 2 marker writes, 2 clock reads,
 * 1 entropy read, DEMO_TICKS WFIs (at least: WFI may return early),
 * DEMO_TICKS vtimer exits and as many acknowledge reads, 1 acknowledge read
 * in hvt_timer_stop, the power-off write. */
#include "hvt_guest.h"

#define DEMO_TICKS 3
#define DEMO_INTERVAL_NS 2000000ull

static volatile uint64_t ticks;

static void on_tick(unsigned irq_id, struct hvt_irq_frame *frame)
{
	(void)irq_id;
	(void)frame;
	ticks++;
}

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	uint64_t t0, t1;

	if (vcpu != 0)
		hvt_halt_forever();
	hvt_puts("hvtrace arm64 demo guest: ");
	hvt_put_u64(n_vcpus);
	hvt_puts(" vCPU(s)\n");
	hvt_marker(1, 0xd3a0);
	t0 = hvt_clock_ns();
	hvt_puts("random: ");
	hvt_put_hex64(hvt_random64());
	hvt_putc('\n');
	hvt_set_irq_handler(on_tick);
	hvt_timer_start(DEMO_INTERVAL_NS, 1);
	while (ticks < DEMO_TICKS)
		hvt_wait_irq(); /* IRQs stay masked outside the WFI */
	hvt_timer_stop();
	t1 = hvt_clock_ns();
	hvt_marker(2, ticks);
	hvt_puts("timer: ");
	hvt_put_u64(ticks);
	hvt_puts(" ticks in ");
	hvt_put_u64((t1 - t0) / 1000);
	hvt_puts(" us\n");
	return 0;
}
