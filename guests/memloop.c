/* memloop: a spin loop whose only changing state is memory (issue 13).
 *
 *     while (!done) lock incq counter
 *
 * Every register is the same on every iteration; only `counter` moves. A
 * periodic timer interrupts the loop wherever it is (asynchronous landings);
 * its handler reads `counter` and keeps it. A replay that lands a tick one
 * iteration early or late prints other counts: registers alone cannot find
 * the landing point, the memory fingerprint can.
 * Prints "memloop: ticks=<n> counts=<c1>,<c2>,...". */
#include "hvt_guest.h"

#define MEMLOOP_VECTOR 41
#define MEMLOOP_INTERVAL_NS 1000000ull /* 1 ms: a few hundred iterations */
#define MEMLOOP_TICKS 6

static volatile uint64_t counter;
static volatile uint64_t seen[MEMLOOP_TICKS];
static volatile uint64_t ticks;
static volatile uint64_t done;

__attribute__((interrupt)) static void on_tick(struct hvt_irq_frame *frame)
{
	(void)frame;
	if (ticks < MEMLOOP_TICKS)
		seen[ticks] = counter;
	if (++ticks >= MEMLOOP_TICKS)
		done = 1;
}

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	(void)vcpu;
	(void)n_vcpus;
	hvt_set_irq_handler(MEMLOOP_VECTOR, on_tick);
	hvt_timer_start(MEMLOOP_VECTOR, MEMLOOP_INTERVAL_NS, HVT_TIMER_MODE_PERIODIC);
	hvt_irq_enable();
	while (!done)
		__atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
	hvt_irq_disable();
	hvt_timer_stop();
	hvt_puts("memloop: ticks=");
	hvt_put_u64(ticks);
	hvt_puts(" counts=");
	for (unsigned i = 0; i < MEMLOOP_TICKS; i++) {
		if (i)
			hvt_putc(',');
		hvt_put_u64(seen[i]);
	}
	hvt_putc('\n');
	return 0;
}
