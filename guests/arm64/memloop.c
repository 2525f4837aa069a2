/* memloop (arm64): the twin of guests/memloop.c (issue 13). A loop whose
 * only changing state is memory: it increments `counter` in memory and
 * clears the register it used, so at almost every instruction of the loop
 * the register file is the same on every iteration. The virtual timer
 * interrupts it (asynchronous landings, VTIMER_ACTIVATED exits); the handler
 * keeps the count it sees. A replay landing a tick on another iteration
 * prints other counts. Prints "memloop: ticks=<n> counts=<c1>,<c2>,...". */
#include "hvt_guest.h"

#define MEMLOOP_INTERVAL_NS 1000000ull /* 1 ms */
#define MEMLOOP_TICKS 6

static volatile uint64_t counter;
static volatile uint64_t seen[MEMLOOP_TICKS];
static volatile uint64_t ticks;
static volatile uint64_t done;

static void on_tick(unsigned irq_id, struct hvt_irq_frame *frame)
{
	(void)irq_id;
	(void)frame;
	if (ticks < MEMLOOP_TICKS)
		seen[ticks] = counter;
	if (++ticks >= MEMLOOP_TICKS)
		done = 1;
}

/* while (!done) counter++, leaving no trace of the count in registers. */
static void spin(void)
{
	__asm__ volatile(
		"1:\n\t"
		"ldr x9, [%0]\n\t"
		"add x9, x9, #1\n\t"
		"str x9, [%0]\n\t"
		"mov x9, xzr\n\t"
		"ldr x10, [%1]\n\t"
		"cbz x10, 1b\n\t"
		:: "r"(&counter), "r"(&done) : "x9", "x10", "memory");
}

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	(void)n_vcpus;
	if (vcpu != 0)
		hvt_halt_forever();
	hvt_set_irq_handler(on_tick);
	hvt_timer_start(MEMLOOP_INTERVAL_NS, 1);
	hvt_irq_enable();
	spin();
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
