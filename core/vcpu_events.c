/* Event emission for one vCPU stream.
 *
 * Causal order: an exit is described while it is handled (hvt_exit_begin),
 * and committed just before the next entry (hvt_events_commit), when its
 * handling time is known; side events that happened while handling it
 * (timer, interrupt injected before that entry, console input, marker,
 * exec-time sample) follow it on the stream, in the order they happened.
 */
#include <string.h>
#include "hvtrace/error.h"
#include "vm_internal.h"

uint64_t hvt_vm_time(const hvt_vm *vm, uint64_t host_ns)
{
	return host_ns >= vm->origin_ns ? host_ns - vm->origin_ns : 0;
}

static int emit(hvt_vcpu_ctx *vc, hvt_event *ev)
{
	hvt_vm *vm = vc->vm;
	int rc;

	ev->stream = vc->index;
	ev->seq = vc->seq++;
	if (!vm->cfg.sink)
		return 0;
	rc = vm->cfg.sink(vm->cfg.sink_ctx, ev);
	if (rc < 0)
		hvt_vm_fail(vm, rc, "the event sink failed");
	return rc < 0 ? rc : 0;
}

hvt_event *hvt_aux_push(hvt_vcpu_ctx *vc, uint8_t type, uint8_t kind)
{
	hvt_event *ev;

	if (vc->n_aux == HVT_AUX_MAX)
		return NULL; /* cannot happen: devices leave HVT_AUX_LOOP_RESERVE */
	ev = &vc->aux[vc->n_aux++].ev;
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->kind = kind;
	ev->time_ns = hvt_vm_time(vc->vm, hvt_monotonic_ns());
	return ev;
}

int hvt_aux_dev_room(const hvt_vcpu_ctx *vc)
{
	return vc->n_aux < HVT_AUX_MAX - HVT_AUX_LOOP_RESERVE;
}

hvt_event *hvt_aux_push_dev(hvt_vcpu_ctx *vc, uint8_t type, uint8_t kind)
{
	return hvt_aux_dev_room(vc) ? hvt_aux_push(vc, type, kind) : NULL;
}

/* Registers alone do not tell apart the iterations of a loop that changes
 * only memory: the landing's memory fingerprint follows them. A backend that
 * cannot take one leaves the v1 form (registers only), which replays as
 * before. */
static void add_fingerprint(hvt_vcpu_ctx *vc, hvt_aux_event *a)
{
	hvt_vm *vm = vc->vm;
	uint64_t value;

	if (vm->fp_method == HVT_FP_NONE || hvt_mem_fp_take(&vm->fp, vm->fp_method, &value) < 0)
		return;
	(void)hvt_mem_fp_restart(&vm->fp); /* the next landing's window starts here */
	hvt_mem_fp_put(a->data + a->ev.data_len, vm->fp_method, value);
	a->ev.data_len += HVT_FP_EXT_BYTES;
}

void hvt_landing_fill(hvt_vcpu_ctx *vc, hvt_event *ev, const hvt_exit *last)
{
	hvt_aux_event *a = (hvt_aux_event *)ev;
	unsigned nregs = hvt_exit_nregs(last);

	ev->pc = hvt_exit_pc(last);
	ev->regs_hash = hvt_exit_regs_hash(last);
	hvt_regs_le(last->regs, nregs, a->data);
	ev->data_len = nregs * 8;
	add_fingerprint(vc, a);
}

void hvt_irq_event_fill(hvt_vcpu_ctx *vc, hvt_event *ev, const hvt_exit *last, int async)
{
	if (!async) {
		ev->pc = hvt_exit_pc(last);
		ev->regs_hash = hvt_exit_regs_hash(last);
		return;
	}
	ev->kind = HVT_IRQ_ASYNC;
	hvt_landing_fill(vc, ev, last);
}

/* Where an interrupt lands is fixed by the guest's own instruction stream
 * only at guest-caused exits (HLT, port/MMIO access...). At a kick it is
 * wherever the guest happened to be; at an IRQ-window exit, in principle the
 * instruction after STI, but measured on the nested KVM here the window exit
 * comes late (measured 0.2-0.9 ms after STI, mid-loop). Both are
 * recorded as ASYNC with the full register file, so replay can find them. */
int hvt_exit_is_async(const hvt_exit *ex)
{
	return ex->kind == HVT_EXIT_KICK || ex->kind == HVT_EXIT_IRQ_WINDOW;
}

void hvt_exit_begin(hvt_vcpu_ctx *vc, const hvt_exit *ex, uint64_t exit_ns)
{
	hvt_exit_describe(ex, &vc->cur);
	vc->cur.time_ns = hvt_vm_time(vc->vm, exit_ns);
	if (ex->regs_valid)
		vc->last_pc = vc->cur.pc;
	vc->cur_exit_ns = exit_ns;
	vc->cur_pending = 1;
}

/* Commit the pending EXIT (duration = exit to now) and its side events. */
int hvt_events_commit(hvt_vcpu_ctx *vc, uint64_t entry_ns)
{
	int rc = 0;

	if (vc->cur_pending) {
		vc->cur.duration_ns = entry_ns - vc->cur_exit_ns;
		vc->cur_pending = 0;
		rc = emit(vc, &vc->cur);
	}
	for (unsigned i = 0; i < vc->n_aux && rc == 0; i++) {
		hvt_aux_event *a = &vc->aux[i];
		if (a->ev.data_len)
			a->ev.data = a->data;
		rc = emit(vc, &a->ev);
	}
	vc->n_aux = 0;
	return rc;
}

void hvt_maybe_sample(hvt_vcpu_ctx *vc, uint64_t now_ns, int force)
{
	uint64_t period = vc->vm->cfg.exec_sample_ns ? vc->vm->cfg.exec_sample_ns : 10000000ull;
	uint64_t exec_ns = 0;
	hvt_event *ev;

	if (!force && now_ns - vc->last_sample_ns < period)
		return;
	vc->last_sample_ns = now_ns;
	if (vc->vm->ops->vcpu_exec_time(vc->bv, &exec_ns) < 0)
		return;
	if (vc->n_samples > 0 && exec_ns == vc->last_sample_exec_ns)
		return; /* the guest has not run since: nothing new to say */
	vc->n_samples++;
	vc->last_sample_exec_ns = exec_ns;
	ev = hvt_aux_push(vc, HVT_EV_EXEC_TIME, 0);
	if (ev)
		ev->value = exec_ns;
}

int hvt_emit_end(hvt_vcpu_ctx *vc, int reason, int exit_code)
{
	hvt_event ev;
	int rc;

	hvt_maybe_sample(vc, hvt_monotonic_ns(), 1);
	rc = hvt_events_commit(vc, hvt_monotonic_ns());
	memset(&ev, 0, sizeof(ev));
	ev.type = HVT_EV_END;
	ev.kind = (uint8_t)reason;
	ev.pc = vc->last_pc;
	ev.value = (uint64_t)(int64_t)exit_code;
	ev.time_ns = hvt_vm_time(vc->vm, hvt_monotonic_ns());
	if (vc->end_msg[0]) {
		ev.data = (const uint8_t *)vc->end_msg;
		ev.data_len = (uint32_t)strlen(vc->end_msg);
	}
	if (rc == 0)
		rc = emit(vc, &ev);
	return rc;
}
