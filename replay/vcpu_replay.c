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
#include "hvt_guest_abi.h"
#include "hvtrace/error.h"
#include "replay_internal.h"

static const hvt_backend_ops *ops_of(const struct hvt_rvcpu *v)
{
	return v->rp->m->ops;
}

static uint64_t size_mask(uint32_t size)
{
	return size >= 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
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

/* Writes: the console is the only side effect; power-off ends the vCPU
 * (the END event that follows says so). */
static void apply_write(struct hvt_rvcpu *v)
{
	const hvt_exit *ex = &v->live;

	if (ex->kind != HVT_EXIT_PIO_OUT)
		return;
	if (ex->addr == HVT_PORT_SERIAL_DATA) {
		for (uint32_t i = 0; i < ex->count; i++) /* low byte of each element */
			hvt_console_out_put(&v->rp->console, ex->data + (size_t)i * ex->size, 1);
	} else if (ex->addr == HVT_PORT_POWEROFF) {
		v->powered_off = 1;
		v->poweroff_code = (int)(int32_t)(ex->value & size_mask(ex->size));
	}
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
	if (hvt_exit_is_read(rec->kind)) {
		rc = feed_read(v, rec);
		return rc < 0 ? rc : HVT_RP_CONTINUE;
	}
	apply_write(v);
	return HVT_RP_CONTINUE;
}

static int replay_exit(struct hvt_rvcpu *v, const hvt_event *rec)
{
	/* Kicks and late window exits are not reproduced: one followed by an
	 * ASYNC interrupt is landed by that event; one without changed nothing. */
	if (rec->kind == HVT_EXIT_KICK || rec->kind == HVT_EXIT_IRQ_WINDOW) {
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

static int step_event(struct hvt_rvcpu *v, const hvt_event *ev)
{
	switch (ev->type) {
	case HVT_EV_EXIT:
		return replay_exit(v, ev);
	case HVT_EV_INTERRUPT:
		return ev->kind == HVT_IRQ_ASYNC ? hvt_land_async(v, ev) : hvt_inject_now(v, ev);
	case HVT_EV_MEM_WRITE:
		return replay_mem_write(v, ev);
	case HVT_EV_END:
		return replay_end(v, ev);
	case HVT_EV_TIMER:      /* effects reach the guest as interrupts */
	case HVT_EV_CONSOLE_IN: /* ... and as read values */
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
		hvt_print_regs(f, &regs);
	pthread_mutex_unlock(&rp->mu);
	hvt_rp_fail(rp, HVT_REPLAY_STOPPED, "stopped at event #%" PRIu64 " of vCPU %u",
		    ev->seq, v->index);
}

/* After this event the live guest is where the recorded one was (a skipped
 * kick or window exit is not such a point): the watchdog's time base. */
static int in_step_with_guest(const hvt_event *ev)
{
	if (ev->type == HVT_EV_EXIT)
		return ev->kind != HVT_EXIT_KICK && ev->kind != HVT_EXIT_IRQ_WINDOW;
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
	int rc = hvt_machine_set_entry_regs(v->rp->m, v->index);

	if (rc < 0)
		hvt_rp_fail(v->rp, HVT_REPLAY_FAILED, "vCPU %u: cannot set the entry registers",
			    v->index);
	while (rc == HVT_RP_CONTINUE && !hvt_rp_stopping(v->rp))
		rc = next_event(v);
	atomic_store(&v->done, 1);
	return NULL;
}
