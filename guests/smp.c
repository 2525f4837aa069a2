/* smp: every vCPU runs its own periodic timer (vector 48 + index) and halts
 * until it has taken SMP_TICKS interrupts; vCPU 0 waits for all of them and
 * prints "smp: N vCPUs, ticks T0 T1 ...". Each stream then holds exactly
 * SMP_TICKS INTERRUPT events. At most SMP_MAX_VCPUS vCPUs take part. */
#include "hvt_guest.h"

#define SMP_MAX_VCPUS 4
#define SMP_TICKS 5
#define SMP_VECTOR0 48

static volatile uint64_t ticks[SMP_MAX_VCPUS];
static volatile uint32_t finished;

#define SMP_HANDLER(k) \
	__attribute__((interrupt)) static void on_tick##k(struct hvt_irq_frame *f) \
	{ \
		(void)f; \
		ticks[k]++; \
	}
SMP_HANDLER(0)
SMP_HANDLER(1)
SMP_HANDLER(2)
SMP_HANDLER(3)

static void (*const handlers[SMP_MAX_VCPUS])(struct hvt_irq_frame *) = {
	on_tick0, on_tick1, on_tick2, on_tick3,
};

static void count_ticks(unsigned me)
{
	hvt_set_irq_handler((uint8_t)(SMP_VECTOR0 + me), handlers[me]);
	hvt_timer_start((uint8_t)(SMP_VECTOR0 + me), 1000000, HVT_TIMER_MODE_PERIODIC);
	while (ticks[me] < SMP_TICKS)
		hvt_wait_irq();
	hvt_irq_disable(); /* before stopping, so no tick slips in after the count */
	hvt_timer_stop();
	__atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
}

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	unsigned n = n_vcpus < SMP_MAX_VCPUS ? n_vcpus : SMP_MAX_VCPUS;

	if (vcpu >= n)
		for (;;)
			__asm__ volatile("cli; hlt");
	count_ticks(vcpu);
	if (vcpu != 0)
		for (;;)
			__asm__ volatile("cli; hlt");
	while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) < n)
		__asm__ volatile("pause");
	hvt_puts("smp: ");
	hvt_put_u64(n);
	hvt_puts(" vCPUs, ticks");
	for (unsigned i = 0; i < n; i++) {
		hvt_putc(' ');
		hvt_put_u64(ticks[i]);
	}
	hvt_putc('\n');
	return 0;
}
