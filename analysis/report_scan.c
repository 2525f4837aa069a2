/* The report's one scan: the by-kind table rides on an_scan's own
 * aggregate; a hook part per thread adds the port, address and vCPU tables,
 * the timeline lanes, the arm64 classes and registers and the markers. The
 * parts merge in worker order, and every table is then built exactly as
 * `stats --by X` builds it, so the page's figures are stats' figures. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

/* The tables other than by-kind, in enum an_report_table order from 1. */
static const enum an_by extra_by[AN_RT_COUNT - 1] = {AN_BY_PORT, AN_BY_ADDRESS, AN_BY_VCPU};

struct report_part {
	struct an_scan_opts by_opts[AN_RT_COUNT - 1];
	struct an_agg aggs[AN_RT_COUNT - 1];
	struct an_report acc;   /* lanes, ec, sysreg, markers, counts */
};

struct report_ctx {
	struct an_report *out;
	struct an_agg aggs[AN_RT_COUNT - 1];   /* merged extra tables */
};

static void acc_init(struct an_report *a, uint64_t t0_ns, uint64_t bin_ns)
{
	memset(a, 0, sizeof(*a));
	a->t0_ns = t0_ns;
	a->bin_ns = bin_ns;
	an_keytab_init(&a->ec.rows);
	an_keytab_init(&a->sysreg.rows);
}

static void acc_free(struct an_report *a)
{
	for (uint32_t s = 0; s < HVT_MAX_STREAMS; s++) {
		free(a->lanes[s]);
		a->lanes[s] = NULL;
	}
	an_keytab_free(&a->ec.rows);
	an_keytab_free(&a->sysreg.rows);
}

static void *part_new(void *vctx)
{
	struct report_ctx *ctx = vctx;
	struct report_part *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	for (unsigned i = 0; i < AN_RT_COUNT - 1; i++) {
		p->by_opts[i] = (struct an_scan_opts){.by = extra_by[i], .filter = AN_FILTER_ALL};
		an_agg_init(&p->aggs[i]);
	}
	acc_init(&p->acc, ctx->out->t0_ns, ctx->out->bin_ns);
	return p;
}

static void part_free(void *vp)
{
	struct report_part *p = vp;
	if (!p)
		return;
	for (unsigned i = 0; i < AN_RT_COUNT - 1; i++)
		an_agg_free(&p->aggs[i]);
	acc_free(&p->acc);
	free(p);
}

static struct an_report_lane *lane_of(struct an_report *a, uint32_t stream)
{
	uint32_t s = stream < HVT_MAX_STREAMS ? stream : HVT_MAX_STREAMS - 1;
	if (!a->lanes[s])
		a->lanes[s] = calloc(1, sizeof(*a->lanes[s]));
	return a->lanes[s];
}

static uint32_t bin_of(const struct an_report *a, uint64_t time_ns)
{
	uint64_t b = time_ns > a->t0_ns ? (time_ns - a->t0_ns) / a->bin_ns : 0;
	return b < AN_REPORT_BINS ? (uint32_t)b : AN_REPORT_BINS - 1;
}

/* Keeps the AN_REPORT_MARKERS earliest markers: past the cap, a marker
 * replaces the latest kept one if it is earlier (markers are rare). */
static void keep_marker(struct an_report *a, const struct an_report_marker *m)
{
	uint32_t at = a->nmarkers;
	if (a->nmarkers == AN_REPORT_MARKERS) {
		at = 0;
		for (uint32_t i = 1; i < a->nmarkers; i++)
			if (a->markers[i].time_ns > a->markers[at].time_ns)
				at = i;
		if (a->markers[at].time_ns <= m->time_ns)
			return;
	} else {
		a->nmarkers++;
	}
	a->markers[at] = *m;
}

static void take_marker(struct an_report *a, const hvt_event *ev)
{
	struct an_report_marker m = {.time_ns = ev->time_ns, .vcpu = ev->stream, .id = ev->addr};
	int text = ev->data_len > 0 && ev->data_len < sizeof(m.label);
	for (uint32_t i = 0; text && i < ev->data_len; i++)
		text = ev->data[i] >= 0x20 && ev->data[i] < 0x7f;
	if (text)
		memcpy(m.label, ev->data, ev->data_len);
	a->markers_total++;
	keep_marker(a, &m);
}

/* arm64 exits carry a syndrome: a row per class, and per trapped register. */
static int take_arm64(struct an_report *a, const hvt_event *ev)
{
	struct an_row *row = an_keytab_get(&a->ec.rows, an_arm64_ec(ev->syndrome));
	if (!row || an_latency_add(&row->lat, ev->duration_ns) != 0)
		return HVT_E_NOMEM;
	if (ev->kind != HVT_EXIT_SYSREG)
		return 0;
	row = an_keytab_get(&a->sysreg.rows, ev->addr);
	return row ? an_latency_add(&row->lat, ev->duration_ns) : HVT_E_NOMEM;
}

static int take_other(struct an_report *a, const hvt_event *ev, struct an_report_lane *lane)
{
	switch (ev->type) {
	case HVT_EV_INTERRUPT:
		if (ev->kind != HVT_IRQ_CLEARED) {
			lane->irqs[bin_of(a, ev->time_ns)]++;
			a->irqs_total++;
		}
		break;
	case HVT_EV_MARKER:
		take_marker(a, ev);
		break;
	case HVT_EV_TIMER:
		if (ev->addr == HVT_TIMER_ID_SCHEDULE) { /* the vCPUs' turns, not a timer */
			a->slices += ev->kind == HVT_TIMER_ARM;
			break;
		}
		a->timer_arms += ev->kind == HVT_TIMER_ARM;
		a->timer_fires += ev->kind == HVT_TIMER_FIRE;
		a->timer_cancels += ev->kind == HVT_TIMER_CANCEL;
		break;
	}
	return 0;
}

static int part_take(void *vp, const hvt_event *ev)
{
	struct report_part *p = vp;
	struct an_report *a = &p->acc;
	for (unsigned i = 0; i < AN_RT_COUNT - 1; i++) {
		int err = an_agg_take(&p->aggs[i], &p->by_opts[i], ev);
		if (err)
			return err;
	}
	a->events++;
	struct an_report_lane *lane = lane_of(a, ev->stream);
	if (!lane)
		return HVT_E_NOMEM;
	if (ev->type != HVT_EV_EXIT)
		return take_other(a, ev, lane);
	lane->exits[bin_of(a, ev->time_ns)][ev->kind < AN_REPORT_KINDS ? ev->kind : 0]++;
	return ev->syndrome ? take_arm64(a, ev) : 0;
}

static int merge_lanes(struct an_report *dst, const struct an_report *src)
{
	for (uint32_t s = 0; s < HVT_MAX_STREAMS; s++) {
		const struct an_report_lane *l = src->lanes[s];
		struct an_report_lane *d = l ? lane_of(dst, s) : NULL;
		if (l && !d)
			return HVT_E_NOMEM;
		for (uint32_t b = 0; l && b < AN_REPORT_BINS; b++) {
			d->irqs[b] += l->irqs[b];
			for (uint32_t k = 0; k < AN_REPORT_KINDS; k++)
				d->exits[b][k] += l->exits[b][k];
		}
	}
	return 0;
}

static int part_merge(void *vctx, const void *vp)
{
	struct report_ctx *ctx = vctx;
	const struct report_part *p = vp;
	struct an_report *dst = ctx->out;
	const struct an_report *src = &p->acc;
	for (unsigned i = 0; i < AN_RT_COUNT - 1; i++)
		if (an_agg_merge(&ctx->aggs[i], &p->aggs[i]) != 0)
			return HVT_E_NOMEM;
	for (uint32_t i = 0; i < src->nmarkers; i++)
		keep_marker(dst, &src->markers[i]);
	dst->markers_total += src->markers_total;
	dst->irqs_total += src->irqs_total;
	dst->timer_arms += src->timer_arms;
	dst->slices += src->slices;
	dst->timer_fires += src->timer_fires;
	dst->timer_cancels += src->timer_cancels;
	dst->events += src->events;
	if (an_keytab_merge(&dst->ec.rows, &src->ec.rows) != 0 ||
	    an_keytab_merge(&dst->sysreg.rows, &src->sysreg.rows) != 0)
		return HVT_E_NOMEM;
	return merge_lanes(dst, src);
}

static int cmp_marker(const void *x, const void *y)
{
	const struct an_report_marker *a = x, *b = y;
	if (a->time_ns != b->time_ns)
		return a->time_ns < b->time_ns ? -1 : 1;
	return a->vcpu < b->vcpu ? -1 : a->vcpu > b->vcpu;
}

/* The tables, each built as `stats --by X` builds it. */
static int build_tables(hvt_reader *r, struct report_ctx *ctx, struct an_agg *kind_agg,
			char *errbuf, size_t errlen)
{
	struct an_report *out = ctx->out;
	for (unsigned t = 0; t < AN_RT_COUNT; t++) {
		enum an_by by = t == AN_RT_KIND ? AN_BY_KIND : extra_by[t - 1];
		struct an_scan_opts o = {.by = by, .filter = AN_FILTER_ALL};
		struct an_agg *agg = t == AN_RT_KIND ? kind_agg : &ctx->aggs[t - 1];
		int err = an_stats_from_agg(r, &o, AN_SORT_SAMPLES, agg, &out->tables[t], errbuf, errlen);
		if (err)
			return err;
	}
	qsort(out->markers, out->nmarkers, sizeof(out->markers[0]), cmp_marker);
	return 0;
}

static void set_bins(hvt_reader *r, struct an_report *out)
{
	struct hvt_trace_info in;
	hvt_reader_get_info(r, &in);
	uint64_t span_ns = in.last_time_ns > in.first_time_ns ? in.last_time_ns - in.first_time_ns : 0;
	acc_init(out, in.first_time_ns, span_ns / AN_REPORT_BINS + 1);
}

int an_report_compute(hvt_reader *r, const char *path, unsigned threads, struct an_report *out,
		      char *errbuf, size_t errlen)
{
	struct report_ctx ctx = {.out = out};
	struct an_scan_hook hook = {&ctx, part_new, part_take, part_merge, part_free};
	struct an_scan_opts o = {.by = AN_BY_KIND, .filter = AN_FILTER_ALL, .threads = threads,
				 .hook = &hook};
	struct an_agg kind_agg;
	const char *backend = "unknown";
	set_bins(r, out);
	out->path = path;
	hvt_reader_meta_get(r, "backend", &backend, NULL);
	snprintf(out->backend, sizeof(out->backend), "%s", backend);
	for (unsigned i = 0; i < AN_RT_COUNT - 1; i++)
		an_agg_init(&ctx.aggs[i]);
	int err = an_scan(r, &o, &kind_agg, errbuf, errlen);
	if (!err) {
		err = build_tables(r, &ctx, &kind_agg, errbuf, errlen);
		an_agg_free(&kind_agg);
	}
	for (unsigned i = 0; i < AN_RT_COUNT - 1; i++)
		an_agg_free(&ctx.aggs[i]);
	if (err)
		an_report_free(out);
	return err;
}

void an_report_free(struct an_report *rep)
{
	if (!rep)
		return;
	for (unsigned t = 0; t < AN_RT_COUNT; t++)
		an_stats_free(&rep->tables[t]);
	acc_free(rep);
}
