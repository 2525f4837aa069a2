/* timer (arm64): the virtual timer interrupts a computation (asynchronous
 * landings: the VMM kicks the running vCPU), then the guest waits in WFI
 * for TIMER_HALT_TICKS more (landings at a halt exit). The computation runs
 * until TIMER_BUSY_TICKS ticks have arrived (bounded by TIMER_MAX_ITERS in
 * case the timer never fires), so the counts do not depend on how fast the
 * host runs guest code. Console, exit 0:
 *   timer: ticks=8 busy=3
 * busy is 3, or 4 when a tick lands between the loop's last check and its
 * masking IRQs (busy < 3 only if the timer is broken); ticks = busy + 5.
 * Exits of vCPU 0: one vtimer exit per tick (a tick may also be a re-raise of
 * a timer still firing at an exit: docs/guest-abi.md), ticks + 1 acknowledge
 * reads, WFI exits, the console writes, 1 power-off. */
#include "hvt_guest.h"

#define TIMER_INTERVAL_NS 1000000ull /* 1 ms */
#define TIMER_BUSY_TICKS 3
#define TIMER_HALT_TICKS 5
#define TIMER_MAX_ITERS 20000000ull

static volatile uint64_t ticks;

static void on_tick(unsigned irq_id, struct hvt_irq_frame *frame)
{
	(void)irq_id;
	(void)frame;
	ticks++;
}

static uint64_t compute_until_ticks(void)
{
	volatile uint64_t sum = 0;

	hvt_irq_enable();
	for (uint64_t i = 0; i < TIMER_MAX_ITERS && ticks < TIMER_BUSY_TICKS; i++)
		sum += i * i;
	hvt_irq_disable();
	return ticks;
}

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	uint64_t busy, total;

	(void)n_vcpus;
	if (vcpu != 0)
		hvt_halt_forever();
	hvt_set_irq_handler(on_tick);
	hvt_timer_start(TIMER_INTERVAL_NS, 1);
	busy = compute_until_ticks();
	while (ticks < busy + TIMER_HALT_TICKS)
		hvt_wait_irq();
	hvt_timer_stop();
	total = ticks;
	hvt_puts("timer: ticks=");
	hvt_put_u64(total);
	hvt_puts(" busy=");
	hvt_put_u64(busy);
	hvt_putc('\n');
	return 0;
}
