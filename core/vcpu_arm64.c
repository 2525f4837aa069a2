/* The arm64 side of the run loop: the vtimer protocol, WFI, system register
 * traps. Backend-neutral: everything goes through the optional ops
 * vcpu_set_irq_line and vcpu_timer_sync (core/backend.h).
 *
 * The vtimer protocol (docs/guest-abi.md, "Timer and interrupts"), each step
 * an event on the vCPU's stream:
 *   VTIMER_ACTIVATED exit -> TIMER FIRE (id 1, value CNTV_CVAL), the IRQ line
 *     goes high -> INTERRUPT (vector 27, ASYNC: the exit happened wherever
 *     the guest was, so the landing carries the whole register file);
 *   the guest's handler reads IRQ_ACK -> the line goes low -> INTERRUPT
 *     CLEARED;
 *   at the first exit where the timer is masked and no longer firing, the
 *     backend unmasks it -> TIMER ARM (id 1, value CNTV_CVAL);
 *   the timer is level-triggered, as QEMU's hvf_sync_vtimer treats it: at an
 *     exit where it is still masked and still firing (the guest acknowledged
 *     without re-arming, or re-armed a deadline that has passed by then),
 *     the line goes high again -> INTERRUPT (vector 27, AT_EXIT: a
 *     synchronous point). Without this a late re-arm left the timer masked
 *     for good and a guest waiting in WFI hung (seen under load).
 */
#include <errno.h>
#include <poll.h>
#include <unistd.h>
#include "errmsg.h"
#include "hvt_guest_abi.h"
#include "hvtrace/error.h"
#include "vm_internal.h"

#define HVT_VTIMER_ID 1u /* TIMER event addr of the arm64 virtual timer */

static int set_line(hvt_vcpu_ctx *vc, int high)
{
	if (!vc->vm->ops->vcpu_set_irq_line)
		return HVT_E_UNSUPPORTED;
	HVT_FORWARD(vc->vm->ops->vcpu_set_irq_line(vc->bv, high));
	vc->irq_line = high;
	return 0;
}

/* Let the backend unmask a vtimer the guest has dealt with; record it. */
static int sync_timer(hvt_vcpu_ctx *vc, hvt_vtimer_state *st)
{
	hvt_event *ev;

	HVT_FORWARD(vc->vm->ops->vcpu_timer_sync(vc->bv, st));
	if (st->unmasked && (ev = hvt_aux_push(vc, HVT_EV_TIMER, HVT_TIMER_ARM))) {
		ev->addr = HVT_VTIMER_ID;
		ev->value = st->cval;
	}
	return 0;
}

int hvt_handle_vtimer(hvt_vcpu_ctx *vc, const hvt_exit *ex)
{
	hvt_vtimer_state st = { 0 };
	hvt_event *ev;

	if (!vc->vm->ops->vcpu_timer_sync)
		return HVT_E_UNSUPPORTED;
	HVT_FORWARD(sync_timer(vc, &st));
	if ((ev = hvt_aux_push(vc, HVT_EV_TIMER, HVT_TIMER_FIRE))) {
		ev->addr = HVT_VTIMER_ID;
		ev->value = st.cval;
	}
	if (vc->irq_line)
		return 0; /* still high: the guest has not acknowledged the last one */
	HVT_FORWARD(set_line(vc, 1));
	if ((ev = hvt_aux_push(vc, HVT_EV_INTERRUPT, HVT_IRQ_ASYNC))) {
		hvt_irq_event_fill(ev, ex, 1);
		ev->addr = HVT_IRQ_ID_VTIMER;
	}
	return 0;
}

int hvt_irq_ack(hvt_vcpu_ctx *vc, uint64_t pc)
{
	hvt_event *ev;

	if (!vc->irq_line)
		return 0;
	HVT_FORWARD(set_line(vc, 0));
	if ((ev = hvt_aux_push_dev(vc, HVT_EV_INTERRUPT, HVT_IRQ_CLEARED))) {
		ev->addr = HVT_IRQ_ID_VTIMER;
		ev->pc = pc;
	}
	return 1;
}

/* After sync_timer: a vtimer still masked is still firing; keep its level
 * on the line. */
static int raise_if_firing(hvt_vcpu_ctx *vc, const hvt_vtimer_state *st, const hvt_exit *ex)
{
	hvt_event *ev;

	if (!st->masked || vc->irq_line)
		return 0;
	HVT_FORWARD(set_line(vc, 1));
	if ((ev = hvt_aux_push(vc, HVT_EV_INTERRUPT, HVT_IRQ_AT_EXIT))) {
		hvt_irq_event_fill(ev, ex, 0);
		ev->addr = HVT_IRQ_ID_VTIMER;
	}
	return 0;
}

int hvt_vtimer_sync(hvt_vcpu_ctx *vc, const hvt_exit *ex)
{
	hvt_vtimer_state st = { 0 };

	HVT_FORWARD(sync_timer(vc, &st));
	return raise_if_firing(vc, &st, ex);
}

/* MSR/MRS the VMM does not emulate: reads as zero, writes ignored, both
 * flagged unhandled (no system register is emulated today). */
int hvt_handle_sysreg(hvt_vcpu_ctx *vc, const hvt_exit *ex)
{
	uint8_t zero[8] = { 0 };

	vc->cur.flags |= HVT_EVF_EXIT_UNHANDLED;
	vc->cur.size = 8;
	if (ex->is_write)
		return 0;
	vc->cur.value = 0;
	return vc->vm->ops->vcpu_complete_read(vc->bv, zero, sizeof(zero));
}

/* Sleep on the wake pipe for at most wait_ms (-1: until woken). */
static int sleep_on_pipe(hvt_vcpu_ctx *vc, int wait_ms)
{
	struct pollfd pfd = { .fd = vc->wake_rd, .events = POLLIN };
	uint8_t drain[16];

	if (poll(&pfd, 1, wait_ms) < 0 && errno != EINTR)
		return HVT_E_IO;
	while (read(vc->wake_rd, drain, sizeof(drain)) > 0)
		;
	return 0;
}

/* WFI/WFE: the guest waits for an interrupt, and the only source is its
 * vtimer. Return at once if the line is high (a pending IRQ ends WFI even
 * when masked); else sleep until the vtimer's deadline, or until the VM
 * stops when no timer will fire. The next run then takes the timer exit. */
int hvt_handle_wfi(hvt_vcpu_ctx *vc, const hvt_exit *ex)
{
	hvt_vtimer_state st = { 0 };

	while (!vc->irq_line && atomic_load(&vc->vm->stop_reason) == HVT_NO_STOP) {
		HVT_FORWARD(sync_timer(vc, &st));
		HVT_FORWARD(raise_if_firing(vc, &st, ex));
		if (vc->irq_line)
			return 0;
		if (st.armed && !st.masked && st.wait_ns == 0)
			return 0;
		if (st.armed && !st.masked) {
			uint64_t ms = (st.wait_ns + 999999u) / 1000000u;
			HVT_FORWARD(sleep_on_pipe(vc, ms > 1000 ? 1000 : (int)ms));
		} else {
			HVT_FORWARD(sleep_on_pipe(vc, -1));
		}
	}
	return 0;
}
