/* The report's data as JSON: the page's script draws from it, and the
 * browser test compares what the page shows with `stats --json`. Rows are
 * printed by the same function as stats' rows, so numbers are the same
 * text. Fields: docs/analysis.md, "report data". */
#include "arm64_names.h"
#include "report.h"

#include <inttypes.h>
#include <string.h>

#include "jsonw.h"
#include "stats_render.h"

/* Row objects of a table, top `limit` rows (0: all). */
static void table_rows(FILE *f, const struct an_stats *s, uint32_t limit)
{
	uint32_t n = limit && s->nrows > limit ? limit : s->nrows;
	fprintf(f, "{\"nrows\": %u, \"rows\": [", s->nrows);
	an_stats_print_json_rows(f, s, n);
	fputc('}', f);
}

/* Per kind, the log2 histogram of handling time from its first non-empty
 * bucket to its last: {"pio-out": {"first": b, "counts": [...]}}. */
static void histograms(FILE *f, const struct an_stats *s)
{
	fputs(",\n \"hist\": {", f);
	for (uint32_t i = 0; i < s->nrows; i++) {
		const uint64_t *c = s->rows[i].lat->log2_count;
		unsigned lo = AN_LOG2_BUCKETS, hi = 0;
		for (unsigned b = 0; b < AN_LOG2_BUCKETS; b++)
			if (c[b])
				hi = b, lo = lo < b ? lo : b;
		fprintf(f, "%s\"%s\": {\"first\": %u, \"counts\": [", i ? ", " : "", s->rows[i].label,
			lo < AN_LOG2_BUCKETS ? lo : 0);
		for (unsigned b = lo; b <= hi && lo < AN_LOG2_BUCKETS; b++)
			fprintf(f, "%s%" PRIu64, b == lo ? "" : ", ", c[b]);
		fputs("]}", f);
	}
	fputc('}', f);
}

static void header(FILE *f, const struct an_report *rep)
{
	const struct an_stats *s = &rep->tables[AN_RT_KIND];
	const struct hvt_trace_info *in = &s->info;
	fputs("{\"trace\": ", f);
	an_json_str(f, rep->path);
	fputs(", \"backend\": ", f);
	an_json_str(f, rep->backend);
	fprintf(f, ", \"arch\": \"%s\", \"vcpus\": %u, \"events\": %" PRIu64 ", \"first_ns\": %" PRIu64
		   ", \"last_ns\": %" PRIu64 ", \"wall_ns\": %" PRIu64 ", ",
		strcmp(rep->backend, HVT_BACKEND_HVF) == 0 ? "arm64" : "x86-64", s->vcpus, rep->events,
		in->first_time_ns, in->last_time_ns, s->wall_ns);
	an_stats_print_json_totals(f, s);
}

/* Guest time per vCPU: its last exec-time sample and share of the span. */
static void guest_per_vcpu(FILE *f, const struct an_report *rep)
{
	const struct an_stats *s = &rep->tables[AN_RT_KIND];
	uint64_t span_ns = s->window_to_ns - s->info.first_time_ns;
	int first = 1;
	fputs(",\n \"guest\": [", f);
	for (uint32_t v = 0; v < HVT_MAX_STREAMS; v++) {
		if (!s->agg.has_guest[v])
			continue;
		fprintf(f, "%s{\"vcpu\": %u, \"guest_ns\": %" PRIu64 ", \"guest_pct\": ", first ? "" : ", ",
			v, s->agg.guest_ns[v]);
		an_json_num(f, span_ns ? (double)s->agg.guest_ns[v] / (double)span_ns * 100.0 : 0);
		fputc('}', f);
		first = 0;
	}
	fputc(']', f);
}

/* arm64 rows: name, samples, time and percentiles, most frequent first. */
static void keyed_rows(FILE *f, const char *name, struct an_keytab *t, int sysreg)
{
	fprintf(f, ",\n \"%s\": [", name);
	uint32_t shown[AN_REPORT_TOP], n = 0;
	while (n < AN_REPORT_TOP && n < t->nrows) { /* selection: few rows */
		uint32_t best = UINT32_MAX;
		for (uint32_t i = 0; i < t->nrows; i++) {
			int taken = 0;
			for (uint32_t j = 0; j < n; j++)
				taken |= shown[j] == i;
			if (!taken && (best == UINT32_MAX || t->rows[i].lat.count > t->rows[best].lat.count ||
				       (t->rows[i].lat.count == t->rows[best].lat.count &&
					t->rows[i].key < t->rows[best].key)))
				best = i;
		}
		shown[n++] = best;
	}
	for (uint32_t j = 0; j < n; j++) {
		struct an_row *row = &t->rows[shown[j]];
		char label[48];
		if (sysreg)
			an_sysreg_name(row->key, label, sizeof(label));
		else
			snprintf(label, sizeof(label), "%s", hvt_arm64_ec_name((unsigned)row->key));
		fprintf(f, "%s{\"key\": ", j ? ",\n  " : "\n  ");
		an_json_str(f, label);
		fprintf(f, ", \"code\": %" PRIu64 ", \"samples\": %" PRIu64 ", \"time_ns\": %" PRIu64
			   ", \"avg_ns\": ", row->key, row->lat.count, an_latency_sum_u64(&row->lat));
		an_json_num(f, an_latency_avg_ns(&row->lat));
		fprintf(f, ", \"p50_ns\": %" PRIu64 ", \"p99_ns\": %" PRIu64 ", \"max_ns\": %" PRIu64 "}",
			an_latency_percentile(&row->lat, 50), an_latency_percentile(&row->lat, 99),
			row->lat.max_ns);
	}
	fprintf(f, "],\n \"%s_rows\": %u", name, t->nrows);
}

static void lane(FILE *f, const struct an_report_lane *l, uint32_t v)
{
	fprintf(f, "{\"vcpu\": %u, \"exits\": {", v);
	int first = 1;
	for (uint32_t k = 0; k < AN_REPORT_KINDS; k++) {
		uint64_t any = 0;
		for (uint32_t b = 0; b < AN_REPORT_BINS; b++)
			any |= l->exits[b][k];
		if (!any)
			continue;
		fprintf(f, "%s\"%s\": [", first ? "" : ", ", hvt_exit_kind_name(k));
		for (uint32_t b = 0; b < AN_REPORT_BINS; b++)
			fprintf(f, "%s%" PRIu64, b ? "," : "", l->exits[b][k]);
		fputc(']', f);
		first = 0;
	}
	fputs("}, \"irqs\": [", f);
	for (uint32_t b = 0; b < AN_REPORT_BINS; b++)
		fprintf(f, "%s%" PRIu64, b ? "," : "", l->irqs[b]);
	fputs("]}", f);
}

static void timeline(FILE *f, const struct an_report *rep)
{
	int first = 1;
	fprintf(f, ",\n \"timeline\": {\"t0_ns\": %" PRIu64 ", \"bin_ns\": %" PRIu64 ", \"bins\": %u, "
		   "\"lanes\": [", rep->t0_ns, rep->bin_ns, AN_REPORT_BINS);
	for (uint32_t v = 0; v < HVT_MAX_STREAMS; v++) {
		if (!rep->lanes[v])
			continue;
		fputs(first ? "\n  " : ",\n  ", f);
		lane(f, rep->lanes[v], v);
		first = 0;
	}
	fputs("]}", f);
}

static void markers(FILE *f, const struct an_report *rep)
{
	fputs(",\n \"markers\": [", f);
	for (uint32_t i = 0; i < rep->nmarkers; i++) {
		const struct an_report_marker *m = &rep->markers[i];
		fprintf(f, "%s{\"time_ns\": %" PRIu64 ", \"vcpu\": %u, \"id\": %" PRIu64 ", \"label\": ",
			i ? ", " : "", m->time_ns, m->vcpu, m->id);
		an_json_str(f, m->label);
		fputc('}', f);
	}
	fprintf(f, "],\n \"markers_total\": %" PRIu64 ", \"irqs_total\": %" PRIu64
		   ", \"timers\": {\"arm\": %" PRIu64 ", \"fire\": %" PRIu64 ", \"cancel\": %" PRIu64
		   "}, \"slices\": %" PRIu64,
		rep->markers_total, rep->irqs_total, rep->timer_arms, rep->timer_fires,
		rep->timer_cancels, rep->slices);
}

void an_report_print_json(FILE *f, const struct an_report *rep)
{
	static const char *const names[AN_RT_COUNT] = {"kinds", "ports", "addresses", "vcpu_rows"};
	struct an_report *mut = (struct an_report *)rep; /* percentiles sort lazily */
	header(f, rep);
	for (unsigned t = 0; t < AN_RT_COUNT; t++) {
		fprintf(f, ",\n \"%s\": ", names[t]);
		table_rows(f, &rep->tables[t], t == AN_RT_PORT || t == AN_RT_ADDRESS ? AN_REPORT_TOP : 0);
	}
	histograms(f, &rep->tables[AN_RT_KIND]);
	guest_per_vcpu(f, rep);
	keyed_rows(f, "ec", &mut->ec.rows, 0);
	keyed_rows(f, "sysreg", &mut->sysreg.rows, 1);
	timeline(f, rep);
	markers(f, rep);
	fputs("}\n", f);
}
