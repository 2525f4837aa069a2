/* One vCPU's replay: walk its stream in sequence order and make the live
 * vCPU do what the recorded one did. One small function per event type;
 * the order mirrors the recording loop (core/vcpu_loop.c): an EXIT, then
 * the events that happened while it was handled (interrupt injected before
 * the next entry, device writes to memory, samples), then the next EXIT. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "core/exit_event.h"
#include "hvtrace/error.h"
#include "replay_internal.h"

static const hvt_backend_ops *ops_of(const struct hvt_rvcpu *v)
{
	return v->rp->m->ops;
}

/* Reads: exactly the recorded bytes. Lengths come from the live exit, which
 * has already been found equal to the recorded one (size, count). */
static int feed_read(struct hvt_rvcpu *v, const hvt_event *rec)
{
	uint32_t total = v->live.size * v->live.count;
	uint8_t buf[8];

	if (v->live.count > 1) {
		if (rec->data_len != total || total > HVT_EXIT_MAX_DATA)
			return hvt_diverge(v, rec, "the recorded string-I/O data length does not "
					   "match the live size * count", NULL, NULL);
		return ops_of(v)->vcpu_complete_read(v->bv, rec->data, total);
	}
	if (v->live.size == 0 || v->live.size > sizeof(buf))
		return hvt_diverge(v, rec, "read of an unsupported size", NULL, NULL);
	hvt_put_le(buf, rec->value, v->live.size);
	return ops_of(v)->vcpu_complete_read(v->bv, buf, v->live.size);
}

/* arm64 MRS and HVC: the recorded 64-bit result goes to Rt or X0. A
 * hypercall the VMM answered has size 8; power-off got nothing back. */
static int feed_result(struct hvt_rvcpu *v, const hvt_event *rec)
{
	uint8_t buf[8];

	if (rec->kind == HVT_EXIT_HYPERCALL && rec->size == 0)
		return 0;
	hvt_put_le(buf, rec->value, sizeof(buf));
	return ops_of(v)->vcpu_complete_read(v->bv, buf, sizeof(buf));
}

static int feed_value(struct hvt_rvcpu *v, const hvt_event *rec)
{
	int rc = hvt_exit_is_read(rec->kind) ? feed_read(v, rec) : feed_result(v, rec);

	if (rc < 0 && rc != HVT_E_DIVERGED) {
		hvt_rp_fail(v->rp, HVT_REPLAY_FAILED, "vCPU %u: handing the recorded value of "
			    "event #%" PRIu64 " to the guest failed (%d)", v->index, rec->seq, rc);
		return rc;
	}
	return rc < 0 ? rc : HVT_RP_CONTINUE;
}

/* A synchronous exit: the live vCPU must make the same one next. */
static int replay_sync_exit(struct hvt_rvcpu *v, const hvt_event *rec)
{
	struct hvt_divergence d;
	hvt_event live;
	int rc = hvt_rvcpu_run(v);

	if (rc != HVT_RP_CONTINUE)
		return rc;
	v->exits++;
	hvt_exit_describe(&v->live, &live);
	live.stream = v->index;
	live.seq = rec->seq;
	if (v->live.count > 1 && v->live.data) {
		live.data = v->live.data;
		live.data_len = v->live.size * v->live.count;
	}
	if (hvt_compare_exit(rec, &live, &d))
		return hvt_diverge(v, rec, "the live exit differs from the recorded one", &d, &live);
	hvt_rp_apply_effects(v);
	return hvt_exit_value_from_vmm(rec) ? feed_value(v, rec) : HVT_RP_CONTINUE;
}

/* Exits that happened wherever the guest was, not because of an instruction. */
static int is_async_exit(const hvt_event *ev)
{
	return ev->kind == HVT_EXIT_KICK || ev->kind == HVT_EXIT_IRQ_WINDOW ||
	       ev->kind == HVT_EXIT_TIMER;
}

static int replay_exit(struct hvt_rvcpu *v, const hvt_event *rec)
{
	/* Kicks, late window exits and arm64 vtimer exits are not reproduced
	 * (the vtimer is held masked): one followed by an ASYNC interrupt is
	 * landed by that event; one without changed nothing. */
	if (is_async_exit(rec)) {
		v->async_skipped++;
		return HVT_RP_CONTINUE;
	}
	return replay_sync_exit(v, rec);
}

/* Device DMA: the same bytes at the same point of the stream. */
static int replay_mem_write(struct hvt_rvcpu *v, const hvt_event *rec)
{
	uint64_t mem = v->rp->m->mem_bytes;

	if (rec->addr > mem || rec->data_len > mem - rec->addr)
		return hvt_diverge(v, rec, "a recorded memory write lies outside guest RAM",
				   NULL, NULL);
	if (rec->data_len)
		memcpy(v->rp->m->ram + rec->addr, rec->data, rec->data_len);
	return HVT_RP_CONTINUE;
}

static int replay_end(struct hvt_rvcpu *v, const hvt_event *rec)
{
	char why[96];

	v->end_reason = rec->kind;
	v->end_code = (int64_t)rec->value;
	if (rec->kind == HVT_END_POWEROFF && v->powered_off &&
	    (int64_t)v->poweroff_code != (int64_t)(int32_t)rec->value) {
		snprintf(why, sizeof(why), "the guest powered off with exit code %d, recorded %d",
			 v->poweroff_code, (int)(int32_t)rec->value);
		return hvt_diverge(v, rec, why, NULL, NULL);
	}
	return HVT_RP_DONE;
}

static int replay_interrupt(struct hvt_rvcpu *v, const hvt_event *ev)
{
	if (ev->kind == HVT_IRQ_ASYNC)
		return hvt_land_async(v, ev);
	if (ev->kind == HVT_IRQ_CLEARED)
		return hvt_lower_line(v, ev);
	return hvt_inject_now(v, ev);
}

static int step_event(struct hvt_rvcpu *v, const hvt_event *ev)
{
	switch (ev->type) {
	case HVT_EV_EXIT:
		return replay_exit(v, ev);
	case HVT_EV_INTERRUPT:
		return replay_interrupt(v, ev);
	case HVT_EV_MEM_WRITE:
		return replay_mem_write(v, ev);
	case HVT_EV_END:
		return replay_end(v, ev);
	case HVT_EV_TIMER:      /* a serialized recording's time slices; other
	                         * timers' effects reach the guest as interrupts
	                         * (arm64's FIRE and ARM steps are informational) */
		if (ev->addr == HVT_SCHED_TIMER_ID)
			return hvt_rp_sched_event(v, ev);
		return HVT_RP_CONTINUE;
	case HVT_EV_CONSOLE_IN: /* effects reach the guest as read values */
	case HVT_EV_EXEC_TIME:
	case HVT_EV_MARKER:     /* the marker's OUT is its own EXIT */
		return HVT_RP_CONTINUE;
	default:
		return hvt_diverge(v, ev, "unknown event type", NULL, NULL);
	}
}

static void stop_at(struct hvt_rvcpu *v, const hvt_event *ev)
{
	struct hvt_replay *rp = v->rp;
	FILE *f = rp->o.report ? rp->o.report : stderr;
	hvt_regs regs;

	hvt_console_out_flush(&rp->console);
	pthread_mutex_lock(&rp->mu);
	fprintf(f, "hvtrace: stopped after event #%" PRIu64 " of vCPU %u\n", ev->seq, v->index);
	if (ops_of(v)->vcpu_get_regs(v->bv, &regs) == 0)
		hvt_print_regs(f, v->rp->m->arch, &regs);
	pthread_mutex_unlock(&rp->mu);
	hvt_rp_fail(rp, HVT_REPLAY_STOPPED, "stopped at event #%" PRIu64 " of vCPU %u",
		    ev->seq, v->index);
}

/* After this event the live guest is where the recorded one was (a skipped
 * kick or window exit is not such a point): the watchdog's time base. */
static int in_step_with_guest(const hvt_event *ev)
{
	if (ev->type == HVT_EV_EXIT)
		return !is_async_exit(ev);
	return ev->type == HVT_EV_INTERRUPT;
}

int hvt_rvcpu_fetch(struct hvt_rvcpu *v, const hvt_event **ev)
{
	int rc = hvt_stream_cursor_next(v->cur, ev);

	if (rc < 0) {
		hvt_rp_fail(v->rp, HVT_REPLAY_CORRUPT, "vCPU %u's stream: %s", v->index,
			    hvt_stream_cursor_error(v->cur));
		return rc;
	}
	if (rc == 0) {
		v->cut = 1; /* no END: the trace was cut */
		return 0;
	}
	if ((*ev)->seq != v->next_seq || (*ev)->stream != v->index) {
		hvt_rp_fail(v->rp, HVT_REPLAY_CORRUPT, "vCPU %u's stream: event #%" PRIu64
			    " where #%" PRIu64 " was due", v->index, (*ev)->seq, v->next_seq);
		return HVT_E_SEQUENCE;
	}
	return 1;
}

/* One event, in sequence: replayed, remembered for the report. */
int hvt_rvcpu_apply(struct hvt_rvcpu *v, const hvt_event *ev)
{
	int rc;

	v->next_seq++;
	v->events++;
	hvt_history_push(&v->hist, ev);
	hvt_watchdog_budget(v, ev);
	v->cur_rec = ev;
	rc = step_event(v, ev);
	if (in_step_with_guest(ev))
		v->prev_time_ns = ev->time_ns;
	if (rc == HVT_RP_CONTINUE && v->index == 0 && v->rp->o.stop_at_set &&
	    ev->seq == v->rp->o.stop_at_seq) {
		stop_at(v, ev);
		rc = HVT_RP_DONE;
	}
	return rc;
}

/* Entry registers, and on arm64 a vtimer that never fires by itself: its
 * recorded interrupts are landed where they were taken. */
static int start_vcpu(struct hvt_rvcpu *v)
{
	const hvt_backend_ops *ops = ops_of(v);

	if (hvt_machine_set_entry_regs(v->rp->m, v->index) < 0) {
		hvt_rp_fail(v->rp, HVT_REPLAY_FAILED, "vCPU %u: cannot set the entry registers",
			    v->index);
		return HVT_E_BACKEND;
	}
	if (ops->vcpu_timer_sync && (!ops->vcpu_vtimer_hold || ops->vcpu_vtimer_hold(v->bv, 1) < 0)) {
		hvt_rp_fail(v->rp, HVT_REPLAY_FAILED, "vCPU %u: the %s backend cannot hold the "
			    "virtual timer masked for replay", v->index, ops->name);
		return HVT_E_BACKEND;
	}
	return HVT_RP_CONTINUE;
}

static int next_event(struct hvt_rvcpu *v)
{
	const hvt_event *ev;
	int rc = hvt_rvcpu_fetch(v, &ev);

	if (rc <= 0)
		return rc < 0 ? rc : HVT_RP_DONE;
	return hvt_rvcpu_apply(v, ev);
}

void *hvt_rvcpu_thread(void *arg)
{
	struct hvt_rvcpu *v = arg;
	int rc = start_vcpu(v);

	while (rc == HVT_RP_CONTINUE && !hvt_rp_stopping(v->rp))
		rc = next_event(v);
	/* The backend's vCPU belongs to this thread (HVF): release it here. */
	if (ops_of(v)->vcpu_detach)
		ops_of(v)->vcpu_detach(v->bv);
	hvt_rp_sched_end(v); /* before done: a waiter that sees no one left stops */
	atomic_store(&v->done, 1);
	return NULL;
}
