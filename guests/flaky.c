/* flaky: a genuine timing bug. The main loop increments a counter with an
 * unprotected load / add / store while the timer interrupt handler adds
 * FLAKY_TICK_ADD to the same counter. If a tick lands between the main
 * loop's load and store, the handler's update is lost and the final check
 * fails (exit code 1). Whether that happens depends on where asynchronous
 * interrupts land, so it fails only in some runs. */
#include "hvt_guest.h"

#define FLAKY_VECTOR 41
#define FLAKY_INTERVAL_NS 10000000ull
#define FLAKY_ITERS 1000
#define FLAKY_TICK_ADD 1000

static volatile uint64_t counter;
static volatile uint64_t ticks;

__attribute__((interrupt)) static void on_tick(struct hvt_irq_frame *frame)
{
	(void)frame;
	counter += FLAKY_TICK_ADD;
	ticks++;
}

/* The bug: nothing stops the interrupt between the load and the store. The
 * nops outside the window make the window a small fraction of each loop. */
static void bump(void)
{
	__asm__ volatile(
		".rept 20\n\tnop\n\t.endr\n\t"
		"mov counter(%%rip), %%rax\n\t"
		"add $1, %%rax\n\t"
		"mov %%rax, counter(%%rip)\n\t"
		: : : "rax", "memory");
}

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	uint64_t expect;

	(void)vcpu;
	(void)n_vcpus;
	hvt_set_irq_handler(FLAKY_VECTOR, on_tick);
	hvt_timer_start(FLAKY_VECTOR, FLAKY_INTERVAL_NS, HVT_TIMER_MODE_PERIODIC);
	hvt_irq_enable();
	for (int i = 0; i < FLAKY_ITERS; i++)
		bump();
	hvt_irq_disable();
	hvt_timer_stop();
	expect = FLAKY_ITERS + FLAKY_TICK_ADD * ticks;
	hvt_puts("flaky: ticks=");
	hvt_put_u64(ticks);
	hvt_puts(" counter=");
	hvt_put_u64(counter);
	hvt_puts(" expected=");
	hvt_put_u64(expect);
	hvt_puts(counter == expect ? " ok\n" : " LOST UPDATE\n");
	return counter == expect ? 0 : 1;
}
