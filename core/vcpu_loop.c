/* The run loop of one vCPU: run, dispatch the exit to one small handler per
 * kind (kvmtool's kvm_cpu__start style), prepare the next entry (timer,
 * interrupt, commit events), repeat until the VM stops. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "bytes.h"
#include "hvt_guest_abi.h"
#include "errmsg.h"
#include "hvtrace/error.h"
#include "vm_internal.h"

static int stop_reason(const hvt_vcpu_ctx *vc)
{
	return atomic_load(&vc->vm->stop_reason);
}

/* Count unmapped accesses in a row; the limit stops a guest that hammers. */
static void note_access(hvt_vcpu_ctx *vc, int result)
{
	if (result != HVT_DEV_UNMAPPED) {
		vc->bad_streak = 0;
		return;
	}
	vc->cur.flags |= HVT_EVF_EXIT_UNHANDLED;
	if (++vc->bad_streak >= HVT_BAD_ACCESS_LIMIT) {
		snprintf(vc->end_msg, sizeof(vc->end_msg), "%u unmapped accesses in a row, "
			 "last at 0x%llx", vc->bad_streak, (unsigned long long)vc->cur.addr);
		hvt_vm_stop(vc->vm, HVT_END_BAD_ACCESS, 0);
	}
}

/* Port I/O, including string I/O (count > 1): one device access per element.
 * Reads: the values go back to the guest and into the event. */
static int handle_pio(hvt_vcpu_ctx *vc, const hvt_exit *ex)
{
	uint32_t total = ex->size * ex->count;
	int rc = HVT_DEV_HANDLED;

	for (uint32_t i = 0; i < ex->count && rc >= 0; i++) {
		hvt_io io = { .addr = ex->addr, .size = ex->size, .is_write = ex->is_write,
			      .ex = ex };
		if (io.is_write)
			io.value = hvt_get_le(ex->data + i * ex->size, ex->size);
		rc = hvt_dev_pio(vc, &io);
		if (!io.is_write)
			hvt_put_le(vc->cur_data + i * ex->size, io.value, ex->size);
		note_access(vc, rc);
	}
	if (rc < 0)
		return rc;
	if (!ex->is_write) {
		vc->cur.value = hvt_get_le(vc->cur_data, ex->size < 8 ? ex->size : 8);
		HVT_FORWARD(vc->vm->ops->vcpu_complete_read(vc->bv, vc->cur_data, total));
	}
	if (ex->count > 1) {
		if (ex->is_write)
			memcpy(vc->cur_data, ex->data, total);
		vc->cur.data = vc->cur_data;
		vc->cur.data_len = total;
	}
	return 0;
}

static int handle_mmio(hvt_vcpu_ctx *vc, const hvt_exit *ex)
{
	hvt_io io = { .addr = ex->addr, .size = ex->size, .is_write = ex->is_write,
		      .value = ex->value, .ex = ex };
	uint8_t buf[8] = { 0 };
	int rc = hvt_dev_mmio(vc, &io);

	if (rc < 0)
		return rc;
	note_access(vc, rc);
	if (ex->is_write)
		return 0;
	vc->cur.value = io.value;
	hvt_put_le(buf, io.value, ex->size);
	return vc->vm->ops->vcpu_complete_read(vc->bv, buf, ex->size);
}

/* HLT: the guest waits for an interrupt. The only source is its timer, so
 * sleep on the wake pipe until the timer expires or the VM stops; the
 * interrupt then lands at this exit (HVT_IRQ_AT_EXIT). */
static int handle_halt(hvt_vcpu_ctx *vc)
{
	struct pollfd pfd = { .fd = vc->wake_rd, .events = POLLIN };
	uint8_t drain[16];

	while (stop_reason(vc) == HVT_NO_STOP && !hvt_timer_is_due(&vc->timer)) {
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return HVT_E_IO;
		while (read(vc->wake_rd, drain, sizeof(drain)) > 0)
			;
	}
	return 0;
}

/* WFI/WFE on arm64 (the backend has a vtimer), HLT on x86. A serialized
 * vCPU lets another run while it waits. */
static int handle_halt_any(hvt_vcpu_ctx *vc, const hvt_exit *ex)
{
	HVT_FORWARD(hvt_sched_yield_halt(vc));
	return vc->vm->ops->vcpu_timer_sync ? hvt_handle_wfi(vc, ex) : handle_halt(vc);
}

/* One dispatch: every exit kind a backend reports is handled or ends the run. */
static int handle_exit(hvt_vcpu_ctx *vc, const hvt_exit *ex)
{
	switch (ex->kind) {
	case HVT_EXIT_PIO_IN:
	case HVT_EXIT_PIO_OUT:
		return handle_pio(vc, ex);
	case HVT_EXIT_MMIO_READ:
	case HVT_EXIT_MMIO_WRITE:
		return handle_mmio(vc, ex);
	case HVT_EXIT_HALT:
		return handle_halt_any(vc, ex);
	case HVT_EXIT_HYPERCALL:
		return hvt_handle_hypercall(vc, ex);
	case HVT_EXIT_SYSREG:
		return hvt_handle_sysreg(vc, ex);
	case HVT_EXIT_TIMER:
		return hvt_handle_vtimer(vc, ex);
	case HVT_EXIT_KICK:       /* timer or stop: handled before the next entry */
	case HVT_EXIT_IRQ_WINDOW: /* the pending interrupt is offered again */
	case HVT_EXIT_DEBUG:      /* only replay arms breakpoints; recorded as is */
		return 0;
	case HVT_EXIT_SHUTDOWN:
		hvt_end_with(vc, HVT_END_SHUTDOWN, "triple fault or system event", ex);
		return 0;
	case HVT_EXIT_INTERNAL_ERROR:
		hvt_end_with(vc, HVT_END_ERROR, "the hypervisor could not run the guest", ex);
		return 0;
	default:
		hvt_end_with(vc, HVT_END_ERROR, "unexpected exit", ex);
		return 0;
	}
}

/* Before an entry: take the timer, offer a pending interrupt, commit the
 * events of the exit just handled. */
static int prepare_entry(hvt_vcpu_ctx *vc, const hvt_exit *last)
{
	uint8_t vector;
	hvt_event *ev;

	if (stop_reason(vc) != HVT_NO_STOP)
		goto commit; /* no new interrupt for a vCPU that will not run */
	if (hvt_timer_take(&vc->timer, &vector)) {
		if ((ev = hvt_aux_push(vc, HVT_EV_TIMER, HVT_TIMER_FIRE)))
			ev->value = vc->timer.interval_ns;
		vc->pending_vector = vector; /* a still-pending one is coalesced */
	}
	if (vc->pending_vector >= 0 && last) {
		int rc = vc->vm->ops->vcpu_offer_irq(vc->bv, (uint8_t)vc->pending_vector);
		HVT_FORWARD(rc);
		if (rc == HVT_IRQ_INJECTED && (ev = hvt_aux_push(vc, HVT_EV_INTERRUPT, 0))) {
			hvt_irq_event_fill(vc, ev, last, hvt_exit_is_async(last));
			ev->addr = (uint64_t)vc->pending_vector;
			vc->pending_vector = -1;
		}
	}
	if (vc->vm->ops->vcpu_timer_sync && last)
		HVT_FORWARD(hvt_vtimer_sync(vc, last));
	HVT_FORWARD(hvt_sched_maybe_preempt(vc, last));
commit:
	hvt_maybe_sample(vc, hvt_monotonic_ns(), 0);
	return hvt_events_commit(vc, hvt_monotonic_ns());
}

static int run_loop(hvt_vcpu_ctx *vc)
{
	hvt_exit ex;
	int have_exit = 0;

	HVT_FORWARD(hvt_machine_set_entry_regs(vc->vm->m, vc->index));
	/* A zero EXEC_TIME sample at the start, the stream's first event: guest
	 * time is cumulative from here, so an analysis that measures wall time
	 * from a stream's first event covers the run before the first exit too
	 * (without it, a long first run read as guest time > wall time). */
	hvt_maybe_sample(vc, hvt_monotonic_ns(), 1);
	for (;;) {
		/* in_run before checking the timer: its thread kicks only if set. */
		atomic_store(&vc->in_run, 1);
		HVT_FORWARD(prepare_entry(vc, have_exit ? &ex : NULL));
		if (stop_reason(vc) != HVT_NO_STOP || hvt_sched_acquire(vc))
			return 0;
		HVT_FORWARD(vc->vm->ops->vcpu_run(vc->bv, &ex));
		atomic_store(&vc->in_run, 0);
		have_exit = 1;
		vc->exits++;
		hvt_exit_begin(vc, &ex, hvt_monotonic_ns());
		HVT_FORWARD(handle_exit(vc, &ex));
	}
}

void *hvt_vcpu_thread(void *arg)
{
	hvt_vcpu_ctx *vc = arg;
	hvt_vm *vm = vc->vm;
	int rc = run_loop(vc);
	int reason;

	atomic_store(&vc->in_run, 0);
	if (rc < 0) {
		hvt_vm_fail(vm, rc, "vCPU run loop failed");
		snprintf(vc->end_msg, sizeof(vc->end_msg), "VMM error %d on vCPU %u", rc,
			 vc->index);
	}
	reason = stop_reason(vc);
	(void)hvt_emit_end(vc, reason, reason == HVT_END_POWEROFF ?
			   atomic_load(&vm->exit_code) : 0);
	hvt_sched_yield_end(vc);
	/* The backend's vCPU belongs to this thread (HVF): release it here. */
	if (vm->ops->vcpu_detach)
		vm->ops->vcpu_detach(vc->bv);
	atomic_store(&vc->done, 1);
	pthread_mutex_lock(&vm->done_mu);
	vm->n_done++;
	pthread_cond_broadcast(&vm->done_cv);
	pthread_mutex_unlock(&vm->done_mu);
	return NULL;
}
