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
 *   at an exit where it is still masked and fires again (the next deadline
 *     passed before the unmask), the line goes high there -> TIMER FIRE,
 *     INTERRUPT (vector 27, AT_EXIT).
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

/* The vtimer is still masked from its last firing and fires again: the
 * guest's next deadline passed before the VMM could unmask it (a slow
 * handler). The framework will not exit for a masked timer, so the VMM
 * raises the line itself, as QEMU's hvf_sync_vtimer does, and the interrupt
 * lands at this exit. Without it a WFI would wait forever. */
static int refire_masked(hvt_vcpu_ctx *vc, const hvt_vtimer_state *st, const hvt_exit *at)
{
	hvt_event *ev;

	if (!at || !st->masked || !st->firing || vc->irq_line)
		return 0;
	HVT_FORWARD(set_line(vc, 1));
	if ((ev = hvt_aux_push(vc, HVT_EV_TIMER, HVT_TIMER_FIRE))) {
		ev->addr = HVT_VTIMER_ID;
		ev->value = st->cval;
	}
	if ((ev = hvt_aux_push(vc, HVT_EV_INTERRUPT, HVT_IRQ_AT_EXIT))) {
		hvt_irq_event_fill(vc, ev, at, 0);
		ev->addr = HVT_IRQ_ID_VTIMER;
	}
	return 0;
}

/* Let the backend unmask a vtimer the guest has dealt with; record it. At
 * a guest-caused exit `at`, raise the line for a masked timer that fires
 * again (NULL at the VTIMER_ACTIVATED exit, which raises it itself). */
static int sync_timer(hvt_vcpu_ctx *vc, hvt_vtimer_state *st, const hvt_exit *at)
{
	hvt_event *ev;

	HVT_FORWARD(vc->vm->ops->vcpu_timer_sync(vc->bv, st));
	if (st->unmasked && (ev = hvt_aux_push(vc, HVT_EV_TIMER, HVT_TIMER_ARM))) {
		ev->addr = HVT_VTIMER_ID;
		ev->value = st->cval;
	}
	return refire_masked(vc, st, at);
}

int hvt_handle_vtimer(hvt_vcpu_ctx *vc, const hvt_exit *ex)
{
	hvt_vtimer_state st = { 0 };
	hvt_event *ev;

	if (!vc->vm->ops->vcpu_timer_sync)
		return HVT_E_UNSUPPORTED;
	HVT_FORWARD(sync_timer(vc, &st, NULL));
	if ((ev = hvt_aux_push(vc, HVT_EV_TIMER, HVT_TIMER_FIRE))) {
		ev->addr = HVT_VTIMER_ID;
		ev->value = st.cval;
	}
	if (vc->irq_line)
		return 0; /* still high: the guest has not acknowledged the last one */
	HVT_FORWARD(set_line(vc, 1));
	if ((ev = hvt_aux_push(vc, HVT_EV_INTERRUPT, HVT_IRQ_ASYNC))) {
		hvt_irq_event_fill(vc, ev, ex, 1);
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

int hvt_vtimer_sync(hvt_vcpu_ctx *vc, const hvt_exit *last)
{
	hvt_vtimer_state st = { 0 };

	return sync_timer(vc, &st, last);
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
 * when masked, and a masked timer that fires again raises it here); else
 * sleep until the vtimer's deadline, or until the VM stops when no timer
 * will fire. The next run then takes the timer exit. */
int hvt_handle_wfi(hvt_vcpu_ctx *vc, const hvt_exit *ex)
{
	hvt_vtimer_state st = { 0 };

	while (!vc->irq_line && atomic_load(&vc->vm->stop_reason) == HVT_NO_STOP) {
		HVT_FORWARD(sync_timer(vc, &st, ex));
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
