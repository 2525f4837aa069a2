/* Building the stats table from a scan: see stats.h. */
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int an_sort_from_name(const char *name)
{
	static const char *const names[] = {"samples", "time", "avg", "max", "p99"};
	for (int i = 0; i < 5; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

static void fill_row(struct an_stats_row *row, struct an_latency *lat, uint64_t unfinished,
		     uint64_t wall_ns)
{
	row->lat = lat;
	row->samples = lat->count + unfinished;
	row->unfinished = unfinished;
	row->time_ns = an_latency_sum_u64(lat);
	row->time_sum_ns = (double)lat->sum_ns;
	row->min_ns = lat->count ? lat->min_ns : 0;
	row->max_ns = lat->max_ns;
	row->avg_ns = an_latency_avg_ns(lat);
	row->stddev_pct = row->avg_ns > 0 ? an_latency_stddev_ns(lat) / row->avg_ns * 100.0 : 0;
	row->p50_ns = an_latency_percentile(lat, 50);
	row->p99_ns = an_latency_percentile(lat, 99);
	row->rate_per_s = wall_ns ? (double)row->samples * 1e9 / (double)wall_ns : 0;
}

static double sort_value(const struct an_stats_row *r, enum an_sort sort)
{
	switch (sort) {
	case AN_SORT_TIME:
		return r->time_sum_ns;
	case AN_SORT_AVG:
		return r->avg_ns;
	case AN_SORT_MAX:
		return (double)r->max_ns;
	case AN_SORT_P99:
		return (double)r->p99_ns;
	default:
		return (double)r->samples;
	}
}

/* qsort has no context argument: sort on a precomputed value instead. */
struct sort_item {
	double value;
	uint64_t key;
	struct an_stats_row row;
};

static int cmp_item(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;
	if (x->value != y->value)
		return x->value > y->value ? -1 : 1; /* descending */
	return x->key < y->key ? -1 : x->key > y->key;
}

static int sort_rows(struct an_stats *s, enum an_sort sort)
{
	struct sort_item *items = calloc(s->nrows ? s->nrows : 1, sizeof(*items));
	if (!items)
		return HVT_E_NOMEM;
	for (uint32_t i = 0; i < s->nrows; i++)
		items[i] = (struct sort_item){sort_value(&s->rows[i], sort), s->rows[i].key, s->rows[i]};
	qsort(items, s->nrows, sizeof(*items), cmp_item);
	for (uint32_t i = 0; i < s->nrows; i++)
		s->rows[i] = items[i].row;
	free(items);
	return 0;
}

static void set_window(struct an_stats *s, hvt_reader *r, const struct an_filter *f)
{
	hvt_reader_get_info(r, &s->info);
	s->vcpus = hvt_reader_stream_count(r);
	s->window_from_ns = f->from_ns > s->info.first_time_ns ? f->from_ns : s->info.first_time_ns;
	s->window_to_ns = f->to_ns < s->info.last_time_ns ? f->to_ns : s->info.last_time_ns;
	s->wall_ns = s->window_to_ns > s->window_from_ns ? s->window_to_ns - s->window_from_ns : 0;
}

static void set_guest(struct an_stats *s)
{
	uint32_t sampled = 0;
	for (uint32_t i = 0; i < HVT_MAX_STREAMS; i++) {
		if (!s->agg.has_guest[i])
			continue;
		s->guest_ns += s->agg.guest_ns[i];
		sampled++;
	}
	s->guest_known = sampled > 0;
	/* From trace start: guest time is cumulative, so it is the share of
	 * [first event, window end] per vCPU. */
	uint64_t span_ns = s->window_to_ns - s->info.first_time_ns;
	if (sampled && span_ns)
		s->guest_pct = (double)s->guest_ns / ((double)span_ns * sampled) * 100.0;
}

static int build_rows(struct an_stats *s)
{
	s->nrows = s->agg.rows.nrows;
	s->rows = calloc(s->nrows ? s->nrows : 1, sizeof(*s->rows));
	if (!s->rows)
		return HVT_E_NOMEM;
	an_latency_init(&s->total_lat);
	uint64_t unfinished = 0;
	for (uint32_t i = 0; i < s->nrows; i++) {
		struct an_row *ar = &s->agg.rows.rows[i];
		int err = an_latency_merge(&s->total_lat, &ar->lat);
		if (err)
			return err;
		s->rows[i].key = ar->key;
		an_key_format(s->by, ar->key, s->rows[i].label, sizeof(s->rows[i].label));
		fill_row(&s->rows[i], &ar->lat, ar->unfinished, s->wall_ns);
		unfinished += ar->unfinished;
	}
	fill_row(&s->total, &s->total_lat, unfinished, s->wall_ns);
	snprintf(s->total.label, sizeof(s->total.label), "total");
	for (uint32_t i = 0; i < s->nrows; i++) {
		s->rows[i].samples_pct = 100.0 * (double)s->rows[i].samples / (double)s->total.samples;
		s->rows[i].time_pct = s->total.time_sum_ns > 0 ?
			100.0 * s->rows[i].time_sum_ns / s->total.time_sum_ns : 0;
	}
	s->total.samples_pct = s->nrows ? 100.0 : 0;
	s->total.time_pct = s->total.time_sum_ns > 0 ? 100.0 : 0;
	return 0;
}

int an_stats_from_agg(hvt_reader *r, const struct an_scan_opts *o, enum an_sort sort,
		      struct an_agg *agg, struct an_stats *out, char *errbuf, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->by = o->by;
	an_latency_init(&out->total_lat);
	out->agg = *agg;
	an_agg_init(agg); /* moved: the caller's copy is empty now */
	set_window(out, r, &o->filter);
	set_guest(out);
	int err = build_rows(out);
	err = err ? err : sort_rows(out, sort);
	if (err) {
		snprintf(errbuf, errlen, "out of memory");
		an_stats_free(out);
	}
	return err;
}

int an_stats_compute(hvt_reader *r, const struct an_scan_opts *o, enum an_sort sort,
		     struct an_stats *out, char *errbuf, size_t errlen)
{
	struct an_agg agg;
	memset(out, 0, sizeof(*out));
	an_latency_init(&out->total_lat);
	int err = an_scan(r, o, &agg, errbuf, errlen);
	if (err)
		return err;
	err = an_stats_from_agg(r, o, sort, &agg, out, errbuf, errlen);
	an_agg_free(&agg);
	return err;
}

void an_stats_free(struct an_stats *s)
{
	if (!s)
		return;
	an_agg_free(&s->agg);
	an_latency_free(&s->total_lat);
	free(s->rows);
	s->rows = NULL;
	s->nrows = 0;
}

const struct an_stats_row *an_stats_find(const struct an_stats *s, const char *label)
{
	for (uint32_t i = 0; i < s->nrows; i++)
		if (strcmp(s->rows[i].label, label) == 0)
			return &s->rows[i];
	return strcmp(label, "total") == 0 ? &s->total : NULL;
}
