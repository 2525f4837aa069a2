/* One thread's aggregate: filter, key, accumulate. This is the per-event
 * hot path of `stats`, so it does as little as it can. */
#include "scan.h"

#include <string.h>

void an_agg_init(struct an_agg *a)
{
	memset(a, 0, sizeof(*a));
	an_keytab_init(&a->rows);
}

void an_agg_free(struct an_agg *a)
{
	if (a)
		an_keytab_free(&a->rows);
}

/* The fields of one event the aggregate reads; an_agg_take and the
 * columnar an_agg_take_columns both fold through take(), so they agree. */
struct fields {
	uint8_t type, kind;
	uint16_t flags;
	uint32_t stream;
	uint64_t time_ns, value, duration_ns, addr, syndrome;
};

static int exit_passes(const struct an_filter *f, const struct fields *e)
{
	if (e->time_ns < f->from_ns || e->time_ns >= f->to_ns)
		return 0;
	if (f->vcpu >= 0 && e->stream != (uint64_t)f->vcpu)
		return 0;
	if (f->kind >= 0 && e->kind != f->kind)
		return 0;
	return !(f->exclude_halt && e->kind == HVT_EXIT_HALT);
}

/* Guest time is cumulative per vCPU, so the largest sample is the last. */
static void take_exec_time(struct an_agg *a, const struct fields *e)
{
	uint32_t s = e->stream < HVT_MAX_STREAMS ? e->stream : HVT_MAX_STREAMS - 1;
	if (!a->has_guest[s] || e->value > a->guest_ns[s])
		a->guest_ns[s] = e->value;
	a->has_guest[s] = 1;
}

static inline int take(struct an_agg *a, const struct an_scan_opts *o, const struct fields *e)
{
	uint64_t key;
	if (e->type != HVT_EV_EXIT) {
		/* Guest time up to the window's end: later samples would
		 * count guest time the table does not cover. */
		if (e->type == HVT_EV_EXEC_TIME && e->time_ns < o->filter.to_ns)
			take_exec_time(a, e);
		return 0;
	}
	if (!exit_passes(&o->filter, e) ||
	    !an_key_of_fields(o->by, e->kind, e->addr, e->syndrome, e->stream, &key))
		return 0;
	struct an_row *row = an_keytab_at(&a->rows, key);
	if (!row)
		return HVT_E_NOMEM;
	/* An exit the VMM never re-entered has no handling time: its 0 would
	 * drag min, avg and the percentiles down. Count it, time it not. */
	if (e->flags & HVT_EVF_EXIT_UNFINISHED) {
		row->unfinished++;
		return 0;
	}
	return an_latency_add(&row->lat, e->duration_ns);
}

int an_agg_take(struct an_agg *a, const struct an_scan_opts *o, const hvt_event *ev)
{
	struct fields e = {ev->type, ev->kind, ev->flags, ev->stream, ev->time_ns, ev->value,
			   ev->duration_ns, ev->addr, ev->syndrome};
	a->events++;
	return take(a, o, &e);
}

unsigned an_agg_columns(enum an_by by)
{
	unsigned cols = HVT_COLUMN_TIME_NS | HVT_COLUMN_STREAM | HVT_COLUMN_TYPE | HVT_COLUMN_KIND |
			HVT_COLUMN_FLAGS | HVT_COLUMN_DURATION_NS | HVT_COLUMN_VALUE;
	if (by == AN_BY_PORT || by == AN_BY_ADDRESS)
		cols |= HVT_COLUMN_ADDR;
	if (by == AN_BY_SYSREG || by == AN_BY_HYPERCALL)
		cols |= HVT_COLUMN_ADDR | HVT_COLUMN_SYNDROME;
	return cols;
}

int an_agg_take_columns(struct an_agg *a, const struct an_scan_opts *o,
			const struct hvt_columns *c, uint32_t n)
{
	a->events += n;
	for (uint32_t i = 0; i < n; i++) {
		struct fields e = {c->type[i], c->kind[i], c->flags[i], c->stream[i], c->time_ns[i],
				   c->value[i], c->duration_ns[i], c->addr ? c->addr[i] : 0,
				   c->syndrome ? c->syndrome[i] : 0};
		int err = take(a, o, &e);
		if (err)
			return err;
	}
	return 0;
}

int an_agg_merge(struct an_agg *dst, const struct an_agg *src)
{
	for (uint32_t s = 0; s < HVT_MAX_STREAMS; s++) {
		if (!src->has_guest[s])
			continue;
		if (!dst->has_guest[s] || src->guest_ns[s] > dst->guest_ns[s])
			dst->guest_ns[s] = src->guest_ns[s];
		dst->has_guest[s] = 1;
	}
	dst->events += src->events;
	dst->chunks_skipped += src->chunks_skipped;
	return an_keytab_merge(&dst->rows, &src->rows);
}
