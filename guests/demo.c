/* demo: the guest embedded in hvtrace as the default image. Touches every
 * device once or a few times: serial, marker, clock, entropy, the timer
 * (periodic, landing at HLT), power-off with exit code 0. */
#include "hvt_guest.h"

#define DEMO_VECTOR 48
#define DEMO_TICKS 3

static volatile uint64_t ticks;

__attribute__((interrupt)) static void on_tick(struct hvt_irq_frame *frame)
{
	(void)frame;
	ticks++;
}

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	uint64_t t0, t1;

	if (vcpu != 0)
		for (;;)
			__asm__ volatile("cli; hlt");
	hvt_puts("hvtrace demo guest: ");
	hvt_put_u64(n_vcpus);
	hvt_puts(" vCPU(s)\n");
	hvt_marker(1, 0xd3a0);
	t0 = hvt_clock_ns();
	hvt_puts("random: ");
	hvt_put_hex64(hvt_random64());
	hvt_putc('\n');
	hvt_set_irq_handler(DEMO_VECTOR, on_tick);
	hvt_timer_start(DEMO_VECTOR, 2000000, HVT_TIMER_MODE_PERIODIC);
	while (ticks < DEMO_TICKS)
		hvt_wait_irq();
	hvt_irq_disable();
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
