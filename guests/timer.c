/* timer: a periodic timer interrupts a computation (asynchronous landings),
 * then the guest halts until TIMER_HALT_TICKS more arrive (landings at HLT).
 * Prints "timer: ticks=<total> busy=<during computation>". Every tick the
 * guest counts is one INTERRUPT event in the trace. */
#include "hvt_guest.h"

#define TIMER_VECTOR 40
#define TIMER_INTERVAL_NS 5000000ull
#define TIMER_WORK_ITERS 10000
#define TIMER_HALT_TICKS 5

static volatile uint64_t ticks;
/* Where each tick landed, in a page of its own that only the handler
 * writes: memory the first landing never saw written (the gdb stub's
 * rewind test needs such a page). */
static volatile uint64_t landed_at[512] __attribute__((aligned(4096)));

__attribute__((interrupt)) static void on_tick(struct hvt_irq_frame *frame)
{
	landed_at[ticks % 512] = frame->rip;
	ticks++;
}

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	volatile uint64_t sum = 0;
	uint64_t busy, total;

	(void)vcpu;
	(void)n_vcpus;
	hvt_set_irq_handler(TIMER_VECTOR, on_tick);
	hvt_timer_start(TIMER_VECTOR, TIMER_INTERVAL_NS, HVT_TIMER_MODE_PERIODIC);
	hvt_irq_enable();
	for (uint64_t i = 0; i < TIMER_WORK_ITERS; i++)
		sum += i * i;
	busy = ticks;
	while (ticks < busy + TIMER_HALT_TICKS)
		hvt_wait_irq();
	hvt_irq_disable();
	hvt_timer_stop();
	total = ticks;
	hvt_puts("timer: ticks=");
	hvt_put_u64(total);
	hvt_puts(" busy=");
	hvt_put_u64(busy);
	hvt_putc('\n');
	return 0;
}
