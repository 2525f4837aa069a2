/* irqwin: the timer expires while interrupts are off. The guest arms a
 * one-shot timer with IF clear and polls the timer's CTRL register (one MMIO
 * exit per poll) until it reads OFF, i.e. the VMM has taken the expiry and
 * holds the interrupt pending. Then STI and spin (no exits) until the tick
 * arrives: the VMM gets an interrupt-window exit and injects there.
 * Expected: exactly one IRQ_WINDOW exit, one INTERRUPT right after it,
 * output "irqwin: ticks=1". (On the nested KVM here the window exit comes
 * late, not right after STI, hence the spin rather than "sti; nop; cli".) */
#include "hvt_guest.h"

#define IRQWIN_VECTOR 50
#define IRQWIN_MAX_SPINS 60000u /* ~180k instructions; exit 1 if no window exit came */

static volatile uint64_t ticks;

__attribute__((interrupt)) static void on_tick(struct hvt_irq_frame *frame)
{
	(void)frame;
	ticks++;
}

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	(void)vcpu;
	(void)n_vcpus;
	hvt_set_irq_handler(IRQWIN_VECTOR, on_tick);
	hvt_timer_start(IRQWIN_VECTOR, 200000, HVT_TIMER_MODE_ONESHOT);
	while (hvt_mmio_read64(HVT_MMIO_TIMER_CTRL) != HVT_TIMER_MODE_OFF)
		;
	hvt_irq_enable();
	for (uint32_t spins = 0; ticks == 0 && spins < IRQWIN_MAX_SPINS; spins++)
		__asm__ volatile("" ::: "memory");
	hvt_irq_disable();
	hvt_puts("irqwin: ticks=");
	hvt_put_u64(ticks);
	hvt_putc('\n');
	return ticks == 1 ? 0 : 1;
}
