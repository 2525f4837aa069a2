/* The arm64 SDK's interrupt side: the IRQ dispatcher called by vectors.S,
 * and this vCPU's virtual timer. The order inside the dispatcher is the
 * ABI's interrupt protocol (docs/guest-abi.md, "arm64"): first make the
 * timer stop firing (re-arm it by a TVAL write, or disable it), THEN read
 * HVT_MMIO_IRQ_ACK, which lowers the line; at that exit the VMM sees the
 * timer no longer firing and unmasks it. Acknowledging first would leave the
 * timer masked with its condition still true. Nothing here reads CNTVCT_EL0
 * or CNTV_CTL_EL0.ISTATUS: both are host state that replay cannot see. */
#include "hvt_guest.h"

#define NS_PER_S 1000000000ull
#define TVAL_MAX 0x7fffffffull /* CNTV_TVAL_EL0 is a signed 32-bit count down */

void hvt_irq_dispatch(struct hvt_irq_frame *frame);

_Static_assert(sizeof(struct hvt_irq_frame) == 176, "vectors.S FRAME_BYTES");

/* Per vCPU, indexed by hvt_vcpu_index(): what the dispatcher does to the
 * timer when an interrupt is taken. */
struct hvt_timer_state {
	uint32_t interval_ticks; /* counter ticks (CNTFRQ_EL0 Hz) between interrupts */
	uint32_t periodic;       /* 1: re-arm on each interrupt; 0: disable */
};

static struct hvt_timer_state hvt_timers[HVT_ARM64_MAX_VCPUS];
static hvt_irq_handler_fn volatile hvt_irq_handler;

static struct hvt_timer_state *my_timer(void)
{
	return &hvt_timers[hvt_vcpu_index() % HVT_ARM64_MAX_VCPUS];
}

static void cntv_write(uint64_t tval_ticks, uint64_t ctl)
{
	__asm__ volatile("msr cntv_tval_el0, %0" : : "r"(tval_ticks));
	__asm__ volatile("msr cntv_ctl_el0, %0\n\tisb" : : "r"(ctl) : "memory");
}

static void cntv_disable(void)
{
	__asm__ volatile("msr cntv_ctl_el0, xzr\n\tisb" ::: "memory");
}

/* interval_ns in counter ticks, split so interval_ns * freq cannot overflow,
 * clamped to what TVAL can hold. */
static uint32_t ns_to_ticks(uint64_t interval_ns)
{
	uint64_t freq_hz, ticks;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq_hz));
	freq_hz &= 0xffffffffull;
	if (freq_hz == 0) {
		hvt_puts("hvt: CNTFRQ_EL0 is 0, the timer cannot be programmed\n");
		hvt_psci_system_reset();
	}
	ticks = interval_ns / NS_PER_S * freq_hz + interval_ns % NS_PER_S * freq_hz / NS_PER_S;
	if (ticks > TVAL_MAX)
		ticks = TVAL_MAX;
	return ticks ? (uint32_t)ticks : 1;
}

void hvt_timer_start(uint64_t interval_ns, int periodic)
{
	struct hvt_timer_state *t = my_timer();

	if (interval_ns < HVT_TIMER_MIN_INTERVAL_NS)
		interval_ns = HVT_TIMER_MIN_INTERVAL_NS;
	t->interval_ticks = ns_to_ticks(interval_ns);
	t->periodic = periodic != 0;
	cntv_write(t->interval_ticks, 1); /* ENABLE, IMASK clear */
}

void hvt_timer_stop(void)
{
	struct hvt_timer_state *t = my_timer();

	t->periodic = 0;
	t->interval_ticks = 0;
	cntv_disable();
	(void)hvt_irq_ack();
}

void hvt_set_irq_handler(hvt_irq_handler_fn handler)
{
	hvt_irq_handler = handler;
}

/* vectors.S, IRQ from EL1h, IRQs masked. The vtimer is the only interrupt
 * source of the machine, so the timer is serviced before the acknowledge
 * says which interrupt it was. */
void hvt_irq_dispatch(struct hvt_irq_frame *frame)
{
	struct hvt_timer_state *t = my_timer();
	hvt_irq_handler_fn handler;
	unsigned id;

	if (t->periodic)
		cntv_write(t->interval_ticks, 1); /* the new deadline clears the condition */
	else
		cntv_disable();
	id = hvt_irq_ack();
	if (id == HVT_IRQ_ID_NONE)
		return; /* spurious: the line was already low */
	handler = hvt_irq_handler;
	if (handler)
		handler(id, frame);
}
