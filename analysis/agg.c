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

static int exit_passes(const struct an_filter *f, const hvt_event *ev)
{
	if (ev->time_ns < f->from_ns || ev->time_ns >= f->to_ns)
		return 0;
	if (f->vcpu >= 0 && ev->stream != (uint64_t)f->vcpu)
		return 0;
	if (f->kind >= 0 && ev->kind != f->kind)
		return 0;
	return !(f->exclude_halt && ev->kind == HVT_EXIT_HALT);
}

/* Guest time is cumulative per vCPU, so the largest sample is the last. */
static void take_exec_time(struct an_agg *a, const hvt_event *ev)
{
	uint32_t s = ev->stream < HVT_MAX_STREAMS ? ev->stream : HVT_MAX_STREAMS - 1;
	if (!a->has_guest[s] || ev->value > a->guest_ns[s])
		a->guest_ns[s] = ev->value;
	a->has_guest[s] = 1;
}

int an_agg_take(struct an_agg *a, const struct an_scan_opts *o, const hvt_event *ev)
{
	uint64_t key;
	a->events++;
	if (ev->type != HVT_EV_EXIT) {
		/* Guest time up to the window's end: later samples would
		 * count guest time the table does not cover. */
		if (ev->type == HVT_EV_EXEC_TIME && ev->time_ns < o->filter.to_ns)
			take_exec_time(a, ev);
		return 0;
	}
	if (!exit_passes(&o->filter, ev) || !an_key_of(o->by, ev, &key))
		return 0;
	struct an_row *row = an_keytab_at(&a->rows, key);
	if (!row)
		return HVT_E_NOMEM;
	/* An exit the VMM never re-entered has no handling time: its 0 would
	 * drag min, avg and the percentiles down. Count it, time it not. */
	if (ev->flags & HVT_EVF_EXIT_UNFINISHED) {
		row->unfinished++;
		return 0;
	}
	return an_latency_add(&row->lat, ev->duration_ns);
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
