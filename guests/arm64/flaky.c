/* flaky (arm64): a genuine timing bug. The main loop increments a counter
 * with an unprotected load / add / store while the timer interrupt handler
 * adds FLAKY_TICK_ADD to the same counter. If a tick lands between the main
 * loop's load and its store, the handler's update is lost and the final
 * check fails (exit code 1). Whether that happens depends on where the
 * asynchronous interrupts land, so it fails only in some runs.
 * Console: "flaky: ticks=T counter=C expected=E ok" (exit 0) or
 * "... LOST UPDATE" (exit 1). Measured on the Unicorn stand-in here: 10 of
 * 100 recordings failed (1.6 ticks per run on average); the rate follows the
 * number of ticks per run, i.e. how fast the host runs guest code. */
#include "hvt_guest.h"

#define FLAKY_INTERVAL_NS 1000000ull /* 1 ms */
#define FLAKY_ITERS 12000 /* ~540k instructions: 1-2 ticks on the stand-in here */
#define FLAKY_TICK_ADD 1000
#define FLAKY_PAD_BLOCKS 9

static volatile uint64_t counter;
static volatile uint64_t ticks;

static void on_tick(unsigned irq_id, struct hvt_irq_frame *frame)
{
	(void)irq_id;
	(void)frame;
	counter += FLAKY_TICK_ADD;
	ticks++;
}

/* The bug: nothing stops the interrupt between the load and the store.
 * Where an interrupt can land: on hardware, any instruction boundary; on the
 * Unicorn stand-in, only the start of a translation block, and there every
 * block weighs about the same. So the window holds one block start (the
 * branch after the load), and FLAKY_PAD_BLOCKS blocks of nops after the
 * store hold the safe ones: a tick lands in the window about once in
 * FLAKY_PAD_BLOCKS + 2 on the stand-in, and in 3 of ~5 * FLAKY_PAD_BLOCKS + 6
 * instructions on hardware. */
static void bump(void)
{
	__asm__ volatile(
		"ldr x9, [%0]\n\t"
		"b 1f\n"
		"1:\tadd x9, x9, #1\n\t"
		"str x9, [%0]\n\t"
		".rept %c1\n\t"
		"nop\n\tnop\n\tnop\n\tb 2f\n"
		"2:\n\t"
		".endr"
		: : "r"(&counter), "i"(FLAKY_PAD_BLOCKS) : "x9", "memory");
}

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	uint64_t expect;

	(void)n_vcpus;
	if (vcpu != 0)
		hvt_halt_forever();
	hvt_set_irq_handler(on_tick);
	hvt_timer_start(FLAKY_INTERVAL_NS, 1);
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
