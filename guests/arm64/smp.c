/* smp (arm64): 2 or more vCPUs (at most SMP_MAX_VCPUS take part; the rest
 * halt). Each vCPU runs its own periodic virtual timer; all waiting is WFI
 * (never a spin), so a scheduler that runs one vCPU at a time still makes
 * progress at every tick. In index order (a shared turn counter), each vCPU
 * prints "smp: vCPU <i> of <n>", waits for SMP_TICKS ticks of its own timer,
 * then adds 1 to a shared counter with an atomic add (LSE LDADD) and waits
 * until all have arrived. vCPU 0 then prints "smp: <n> vCPUs met, counter
 * <n>" and exits 0. The console is the same every run:
 *   smp: vCPU 0 of 2
 *   smp: vCPU 1 of 2
 *   smp: 2 vCPUs met, counter 2
 * With one vCPU it prints "smp: needs 2 or more vCPUs" and exits 3. */
#include "hvt_guest.h"

#define SMP_MAX_VCPUS 4
#define SMP_TICKS 3
#define SMP_INTERVAL_NS 1000000ull /* 1 ms */

static volatile uint64_t ticks[SMP_MAX_VCPUS];
static uint32_t turn;    /* whose line is next; atomics only */
static uint32_t arrived; /* vCPUs past their ticks; atomics only */

static void on_tick(unsigned irq_id, struct hvt_irq_frame *frame)
{
	(void)irq_id;
	(void)frame;
	ticks[hvt_vcpu_index()]++;
}

/* Sleep in WFI (woken by this vCPU's own timer) until *word >= value. */
static void wait_at_least(uint32_t *word, uint32_t value)
{
	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) < value)
		hvt_wait_irq();
}

static void my_turn(unsigned me, unsigned n)
{
	uint64_t base;

	wait_at_least(&turn, me);
	hvt_puts("smp: vCPU ");
	hvt_put_u64(me);
	hvt_puts(" of ");
	hvt_put_u64(n);
	hvt_putc('\n');
	__atomic_fetch_add(&turn, 1, __ATOMIC_RELEASE);
	base = ticks[me];
	while (ticks[me] < base + SMP_TICKS)
		hvt_wait_irq();
	__atomic_fetch_add(&arrived, 1, __ATOMIC_ACQ_REL);
	wait_at_least(&arrived, n);
	hvt_timer_stop();
}

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	unsigned n = n_vcpus < SMP_MAX_VCPUS ? n_vcpus : SMP_MAX_VCPUS;

	if (n < 2) {
		hvt_puts("smp: needs 2 or more vCPUs\n");
		return 3;
	}
	if (vcpu >= n)
		hvt_halt_forever();
	hvt_set_irq_handler(on_tick);
	hvt_timer_start(SMP_INTERVAL_NS, 1);
	my_turn(vcpu, n);
	if (vcpu != 0)
		hvt_halt_forever();
	hvt_puts("smp: ");
	hvt_put_u64(n);
	hvt_puts(" vCPUs met, counter ");
	hvt_put_u64(__atomic_load_n(&arrived, __ATOMIC_ACQUIRE));
	hvt_putc('\n');
	return 0;
}
