/* From the shim's records to trace events (docs/interpose.md).
 *
 * Per vCPU the records come in order: EXIT [DATA...] when KVM_RUN returned,
 * ENTRY [DATA...] at the next KVM_RUN, END when the VMM exits. An EXIT is
 * held until its ENTRY (handling time, read result) and then appended; an
 * EXIT still held when the stream ends (END, ABANDON, or the VMM died) is
 * appended flagged HVT_EVF_EXIT_UNFINISHED. The HVF shim adds EXIT_ARM64
 * (PC, syndrome, FAR of the EXIT before) and EVENT records (interrupts,
 * vtimer, exec time): those that come while an exit waits for its ENTRY are
 * written right after that exit. The records come from another
 * process's memory, so every field is bounded before use. */
#include "record_drain.h"

#include <stdlib.h>
#include <string.h>

#define POP_BATCH 256u
#define HELD_MAX 8u /* events kept back while an exit waits for its entry */

struct drain_vcpu {
	hvt_stream *stream;
	int has_pending;             /* pending holds an EXIT waiting for its ENTRY */
	int ended;                   /* an END was written */
	uint64_t exit_ns;            /* monotonic ns of pending's return from KVM_RUN */
	hvt_event pending;
	uint8_t *collect;            /* where DATA records go: NULL when none are due */
	uint32_t collect_len, collect_got; /* bytes announced, bytes received */
	int commit_when_collected;   /* the data belongs to an ENTRY: append once complete */
	uint8_t data[HVT_IRING_MAX_DATA]; /* pending's string-I/O bytes */
	hvt_event held[HELD_MAX];    /* EVENT records that came after pending's EXIT: */
	unsigned n_held;             /* written after it, so the stream stays in order */
};

static uint64_t rel_ns(const struct record_drain *d, uint64_t abs_ns)
{
	return abs_ns > d->origin_ns ? abs_ns - d->origin_ns : 0;
}

static int append(struct record_drain *d, struct drain_vcpu *v, const hvt_event *ev)
{
	int err = hvt_stream_append(v->stream, ev);
	if (err && !d->err)
		d->err = err;
	d->events++;
	return err;
}

static void commit(struct record_drain *d, struct drain_vcpu *v, int finished)
{
	if (!finished) {
		v->pending.flags |= HVT_EVF_EXIT_UNFINISHED;
		v->pending.duration_ns = 0;
		d->unfinished++;
	}
	if (v->pending.data_len && v->collect) /* cut short: the data never came */
		v->pending.data_len = 0;
	d->exits++;
	d->failed_runs += (v->pending.flags & HVT_EVF_EXIT_ERRNO) != 0;
	append(d, v, &v->pending);
	v->has_pending = 0;
	v->collect = NULL;
	for (unsigned i = 0; i < v->n_held; i++)
		append(d, v, &v->held[i]);
	v->n_held = 0;
}

static void expect_data(struct drain_vcpu *v, uint32_t len, int commit_after)
{
	v->pending.data = v->data;
	v->pending.data_len = len;
	v->collect = len ? v->data : NULL;
	v->collect_len = len;
	v->collect_got = 0;
	v->commit_when_collected = commit_after;
}

static void on_exit_rec(struct record_drain *d, struct drain_vcpu *v,
			const struct hvt_iring_rec *r)
{
	if (v->has_pending) /* no ENTRY came between two exits: the VMM lost it */
		commit(d, v, 0);
	hvt_event *ev = &v->pending;
	memset(ev, 0, sizeof(*ev));
	ev->type = HVT_EV_EXIT;
	ev->kind = r->kind <= HVT_EXIT_KIND_MAX ? r->kind : HVT_EXIT_UNKNOWN;
	ev->flags = r->flags & (HVT_EVF_EXIT_ERRNO | HVT_EVF_EXIT_NO_REGS);
	ev->raw_reason = r->raw_reason;
	ev->time_ns = rel_ns(d, r->u.ev.time_ns);
	ev->run_ns = r->u.ev.run_ns;
	ev->addr = r->u.ev.addr;
	ev->value = r->u.ev.value;
	ev->size = r->u.ev.size;
	ev->count = r->u.ev.count;
	v->exit_ns = r->u.ev.time_ns;
	v->has_pending = 1;
	expect_data(v, r->u.ev.data_len <= HVT_IRING_MAX_DATA ? r->u.ev.data_len : 0, 0);
}

static void on_entry_rec(struct record_drain *d, struct drain_vcpu *v,
			 const struct hvt_iring_rec *r)
{
	if (!v->has_pending)
		return;
	if (v->collect) /* the EXIT's data never completed */
		v->pending.data_len = 0;
	v->collect = NULL;
	v->pending.duration_ns = r->u.ev.time_ns > v->exit_ns ? r->u.ev.time_ns - v->exit_ns : 0;
	if (!(r->flags & HVT_IREC_HAS_VALUE)) {
		commit(d, v, 1);
		return;
	}
	v->pending.value = r->u.ev.value;
	uint32_t len = r->u.ev.data_len <= HVT_IRING_MAX_DATA ? r->u.ev.data_len : 0;
	expect_data(v, len, 1);
	if (!len)
		commit(d, v, 1);
}

static void on_data_rec(struct record_drain *d, struct drain_vcpu *v,
			const struct hvt_iring_rec *r)
{
	if (!v->collect)
		return;
	uint32_t part = r->kind <= HVT_IRING_DATA_BYTES ? r->kind : HVT_IRING_DATA_BYTES;
	if (part > v->collect_len - v->collect_got)
		part = v->collect_len - v->collect_got;
	memcpy(v->collect + v->collect_got, r->u.bytes, part);
	v->collect_got += part;
	if (v->collect_got < v->collect_len)
		return;
	v->collect = NULL;
	if (v->commit_when_collected)
		commit(d, v, 1);
}

static void on_arm64_rec(struct drain_vcpu *v, const struct hvt_iring_rec *r)
{
	if (!v->has_pending)
		return;
	v->pending.pc = r->u.arm64.pc;
	v->pending.syndrome = r->u.arm64.syndrome;
	v->pending.fault_va = r->u.arm64.fault_va;
}

/* Only the event types an interposer sends; the kind is bounded by the
 * reader's own checks, as any writer's would be. */
static void on_event_rec(struct record_drain *d, struct drain_vcpu *v,
			 const struct hvt_iring_rec *r)
{
	hvt_event ev;
	if (r->kind != HVT_EV_INTERRUPT && r->kind != HVT_EV_TIMER && r->kind != HVT_EV_EXEC_TIME)
		return;
	if ((r->kind == HVT_EV_INTERRUPT && r->flags > HVT_IRQ_KIND_MAX) ||
	    (r->kind == HVT_EV_TIMER && r->flags > HVT_TIMER_CANCEL))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = r->kind;
	ev.kind = r->kind == HVT_EV_EXEC_TIME ? 0 : (uint8_t)r->flags;
	ev.time_ns = rel_ns(d, r->u.aux.time_ns);
	ev.addr = r->u.aux.addr;
	ev.value = r->u.aux.value;
	ev.pc = r->u.aux.pc;
	if (v->has_pending && v->n_held < HELD_MAX) {
		v->held[v->n_held++] = ev;
		return;
	}
	append(d, v, &ev);
}

static void end_stream(struct record_drain *d, struct drain_vcpu *v, uint64_t abs_ns)
{
	if (v->has_pending)
		commit(d, v, 0);
	if (v->ended)
		return;
	hvt_event end;
	memset(&end, 0, sizeof(end));
	end.type = HVT_EV_END;
	end.kind = HVT_END_DETACHED;
	end.time_ns = rel_ns(d, abs_ns);
	append(d, v, &end);
	v->ended = 1;
}

static void on_record(struct record_drain *d, struct drain_vcpu *v, const struct hvt_iring_rec *r)
{
	switch (r->type) {
	case HVT_IREC_EXIT: on_exit_rec(d, v, r); break;
	case HVT_IREC_ENTRY: on_entry_rec(d, v, r); break;
	case HVT_IREC_DATA: on_data_rec(d, v, r); break;
	case HVT_IREC_END: end_stream(d, v, r->u.ev.time_ns); break;
	case HVT_IREC_ABANDON:
		if (v->has_pending)
			commit(d, v, 0);
		break;
	case HVT_IREC_EXIT_ARM64: on_arm64_rec(v, r); break;
	case HVT_IREC_EVENT: on_event_rec(d, v, r); break;
	default: break; /* not ours: a VMM that scribbled over the region */
	}
}

static struct drain_vcpu *vcpu(struct record_drain *d, unsigned id)
{
	if (d->vcpus[id])
		return d->vcpus[id];
	struct drain_vcpu *v = calloc(1, sizeof(*v));
	if (!v || hvt_writer_open_stream(d->w, id, &v->stream) != 0) {
		free(v);
		if (!d->err)
			d->err = HVT_E_NOMEM;
		return NULL;
	}
	d->streams++;
	return d->vcpus[id] = v;
}

static int drain_ring(struct record_drain *d, unsigned id)
{
	struct hvt_iring_rec recs[POP_BATCH];
	struct hvt_iring *ring = &d->region->rings[id];
	int total = 0;
	unsigned n;
	if (!hvt_iring_pending(ring))
		return 0;
	struct drain_vcpu *v = vcpu(d, id);
	if (!v)
		return d->err;
	while ((n = hvt_iring_pop(ring, recs, POP_BATCH)) > 0) {
		for (unsigned i = 0; i < n; i++)
			on_record(d, v, &recs[i]);
		total += (int)n;
	}
	return total;
}

int record_drain_poll(struct record_drain *d)
{
	int total = 0;
	for (unsigned word = 0; word < HVT_IRING_RINGS / 64; word++) {
		uint64_t used = atomic_load(&d->region->used[word]);
		for (unsigned bit = 0; bit < 64; bit++) {
			if (!(used & (1ull << bit)))
				continue;
			int n = drain_ring(d, word * 64 + bit);
			if (n < 0)
				return n;
			total += n;
		}
	}
	return d->err ? d->err : total;
}

int record_drain_finish(struct record_drain *d, uint64_t now_ns)
{
	for (unsigned id = 0; id < HVT_IRING_RINGS; id++) {
		if (!d->vcpus[id])
			continue;
		end_stream(d, d->vcpus[id], now_ns);
		free(d->vcpus[id]);
		d->vcpus[id] = NULL;
	}
	return d->err;
}

uint64_t record_drain_lost(const struct record_drain *d)
{
	uint64_t lost = 0;
	for (unsigned word = 0; word < HVT_IRING_RINGS / 64; word++) {
		uint64_t used = atomic_load(&d->region->used[word]);
		for (unsigned bit = 0; bit < 64; bit++)
			if (used & (1ull << bit))
				lost += atomic_load(&d->region->rings[word * 64 + bit].lost);
	}
	return lost;
}
