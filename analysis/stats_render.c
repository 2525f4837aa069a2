/* Stats output formats: see stats_render.h. Times in the table are in
 * microseconds with two decimals, as perf kvm stat prints them. */
#include "stats_render.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "jsonw.h"

static const char *fmt_us(char *buf, size_t len, double ns)
{
	snprintf(buf, len, "%.2fus", ns / 1e3);
	return buf;
}

const char *an_fmt_span(char *buf, size_t len, uint64_t ns)
{
	if (ns >= 1000000000u)
		snprintf(buf, len, "%.3f s", (double)ns / 1e9);
	else if (ns >= 1000000u)
		snprintf(buf, len, "%.3f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.3f us", (double)ns / 1e3);
	return buf;
}

static void print_losses(FILE *f, const struct hvt_trace_info *in)
{
	if (!in->truncated && in->has_footer) {
		fputs("data: complete\n", f);
		return;
	}
	fputs("data: ", f);
	if (in->truncated) {
		fprintf(f, "TRUNCATED, %" PRIu64 " bytes lost after the last complete chunk", in->lost_bytes);
		if (in->lost_events_known)
			fprintf(f, " (%" PRIu64 " events)", in->lost_events);
		else
			fputs(" (event count unknown)", f);
	}
	if (!in->has_footer)
		fprintf(f, "%sfooter missing (index rebuilt from chunk headers)", in->truncated ? "; " : "");
	fputc('\n', f);
}

void an_stats_print_header(FILE *f, const struct an_stats *s, const struct an_trace_label *t)
{
	char wall[32], guest[32];
	fprintf(f, "trace: %s  backend: %s  vCPUs: %u\n", t->path, t->backend, s->vcpus);
	fprintf(f, "wall time: %s", an_fmt_span(wall, sizeof(wall), s->wall_ns));
	if (s->window_from_ns > s->info.first_time_ns || s->window_to_ns < s->info.last_time_ns)
		fprintf(f, " (window %.6f s .. %.6f s)", (double)s->window_from_ns / 1e9,
			(double)s->window_to_ns / 1e9);
	if (s->guest_known && s->window_from_ns > s->info.first_time_ns)
		fprintf(f, "  guest time since trace start: %s (%.2f%% of wall since start per vCPU)",
			an_fmt_span(guest, sizeof(guest), s->guest_ns), s->guest_pct);
	else if (s->guest_known)
		fprintf(f, "  guest time: %s (%.2f%% of wall per vCPU)",
			an_fmt_span(guest, sizeof(guest), s->guest_ns), s->guest_pct);
	else
		fputs("  guest time: not recorded", f);
	fprintf(f, "\nexits: %" PRIu64 "  (%.0f exits/s)", s->total.samples, s->total.rate_per_s);
	if (s->total.unfinished)
		fprintf(f, "  of which %" PRIu64 " unfinished (the VMM never re-entered: counted, "
			   "left out of the time columns)", s->total.unfinished);
	fputc('\n', f);
	print_losses(f, &s->info);
}

/* "( +-  12.34% )", or n/a when the spread overflowed. */
static const char *fmt_stddev(char *buf, size_t len, double pct)
{
	if (isfinite(pct))
		snprintf(buf, len, "( +-%7.2f%% )", pct);
	else
		snprintf(buf, len, "( +-     n/a )");
	return buf;
}

static void print_row(FILE *f, int key_width, const struct an_stats_row *r)
{
	char mn[24], mx[24], avg[24], p50[24], p99[24], sd[32];
	fprintf(f, "%*s %10" PRIu64 " %8.2f%% %8.2f%% %11s %11s %11s %14s %11s %11s %11.1f\n",
		key_width, r->label, r->samples, r->samples_pct, r->time_pct, fmt_us(mn, 24, (double)r->min_ns),
		fmt_us(mx, 24, (double)r->max_ns), fmt_us(avg, 24, r->avg_ns),
		fmt_stddev(sd, sizeof(sd), r->stddev_pct), fmt_us(p50, 24, (double)r->p50_ns),
		fmt_us(p99, 24, (double)r->p99_ns), r->rate_per_s);
}

/* The key column: 18 wide as perf kvm stat's, wider for long labels
 * (arm64 system registers, hypercalls with their PSCI names). */
static int key_width(const struct an_stats *s)
{
	size_t w = 18;
	for (uint32_t i = 0; i < s->nrows; i++)
		if (strlen(s->rows[i].label) > w)
			w = strlen(s->rows[i].label);
	return (int)w;
}

void an_stats_print_table(FILE *f, const struct an_stats *s)
{
	static const char *const heads[] = {"VM-EXIT", "PORT", "MMIO", "VCPU", "SYSREG",
					    "HYPERCALL"};
	int w = key_width(s);
	fprintf(f, "\n%*s %10s %9s %9s %11s %11s %11s %14s %11s %11s %11s\n", w,
		(unsigned)s->by < sizeof(heads) / sizeof(heads[0]) ? heads[s->by] : "KEY",
		"Samples", "Samples%", "Time%", "Min Time", "Max Time", "Avg time", "(+- stddev)",
		"p50", "p99", "Rate/s");
	for (uint32_t i = 0; i < s->nrows; i++)
		print_row(f, w, &s->rows[i]);
	print_row(f, w, &s->total);
}

static void log2_label(char *buf, size_t len, unsigned b)
{
	static const char *const units[] = {"", "K", "M", "G", "T", "P", "E"};
	if (b == 0) {
		snprintf(buf, len, "[0]");
		return;
	}
	uint64_t lo = 1ull << (b - 1);
	unsigned lu = 0, hu = 0;
	uint64_t l = lo, h = b < 64 ? 1ull << b : 0;
	while (l >= 1024 && l % 1024 == 0) l /= 1024, lu++;
	while (h >= 1024 && h % 1024 == 0) h /= 1024, hu++;
	if (b < 64)
		snprintf(buf, len, "[%" PRIu64 "%s, %" PRIu64 "%s)", l, units[lu], h, units[hu]);
	else
		snprintf(buf, len, "[%" PRIu64 "%s, ...)", l, units[lu]);
}

static void print_one_hist(FILE *f, const struct an_stats_row *r)
{
	const uint64_t *c = r->lat->log2_count;
	unsigned lo = AN_LOG2_BUCKETS, hi = 0;
	uint64_t peak = 0;
	for (unsigned b = 0; b < AN_LOG2_BUCKETS; b++) {
		if (!c[b])
			continue;
		lo = b < lo ? b : lo;
		hi = b;
		peak = c[b] > peak ? c[b] : peak;
	}
	fprintf(f, "\n@%s (handling time, ns; %" PRIu64 " exits):\n", r->label, r->samples);
	for (unsigned b = lo; b <= hi && peak; b++) {
		char label[48];
		unsigned bar = (unsigned)(c[b] * 52 / peak);
		log2_label(label, sizeof(label), b);
		fprintf(f, "%-18s %10" PRIu64 " |", label, c[b]);
		for (unsigned i = 0; i < 52; i++)
			fputc(i < bar ? '@' : ' ', f);
		fputs("|\n", f);
	}
}

void an_stats_print_hist(FILE *f, const struct an_stats *s)
{
	for (uint32_t i = 0; i < s->nrows; i++)
		print_one_hist(f, &s->rows[i]);
}

void an_stats_print_json_row(FILE *f, const struct an_stats *s, const struct an_stats_row *r,
			     int total)
{
	fputs("{\"key\": ", f);
	an_json_str(f, r->label);
	if (s->by == AN_BY_KIND && !total) {
		fputs(", \"kind\": ", f);
		an_json_str(f, r->label);
	}
	fprintf(f, ", \"samples\": %" PRIu64 ", \"samples_pct\": ", r->samples);
	an_json_num(f, r->samples_pct);
	fputs(", \"time_pct\": ", f);
	an_json_num(f, r->time_pct);
	fprintf(f, ", \"time_ns\": %" PRIu64 ", \"min_ns\": %" PRIu64 ", \"max_ns\": %" PRIu64
		   ", \"avg_ns\": ", r->time_ns, r->min_ns, r->max_ns);
	an_json_num(f, r->avg_ns);
	fputs(", \"stddev_pct\": ", f);
	an_json_num(f, r->stddev_pct);
	fprintf(f, ", \"p50_ns\": %" PRIu64 ", \"p99_ns\": %" PRIu64 ", \"exact_percentiles\": %s, "
		   "\"rate_per_s\": ", r->p50_ns, r->p99_ns, an_latency_is_exact(r->lat) ? "true" : "false");
	an_json_num(f, r->rate_per_s);
	fputc('}', f);
}

void an_stats_print_json_totals(FILE *f, const struct an_stats *s)
{
	const struct hvt_trace_info *in = &s->info;

	if (s->guest_known) {
		fprintf(f, "\"guest_ns\": %" PRIu64 ", \"guest_pct\": ", s->guest_ns);
		an_json_num(f, s->guest_pct);
	} else {
		fputs("\"guest_ns\": null, \"guest_pct\": null", f);
	}
	fprintf(f, ", \"exits\": %" PRIu64 ", \"exits_per_s\": ", s->total.samples);
	an_json_num(f, s->total.rate_per_s);
	fprintf(f, ", \"truncated\": %s, \"lost_bytes\": %" PRIu64 ", \"lost_events\": ",
		in->truncated ? "true" : "false", in->lost_bytes);
	if (in->lost_events_known)
		fprintf(f, "%" PRIu64, in->lost_events);
	else
		fputs(in->truncated ? "null" : "0", f);
	fprintf(f, ", \"footer_missing\": %s", in->has_footer ? "false" : "true");
}

static void json_header(FILE *f, const struct an_stats *s, const struct an_trace_label *t)
{
	fputs("{\"trace\": ", f);
	an_json_str(f, t->path);
	fputs(", \"backend\": ", f);
	an_json_str(f, t->backend);
	fprintf(f, ", \"by\": \"%s\", \"vcpus\": %u, \"window_from_ns\": %" PRIu64
		   ", \"window_to_ns\": %" PRIu64 ", \"wall_ns\": %" PRIu64 ", ", an_by_name(s->by),
		s->vcpus, s->window_from_ns, s->window_to_ns, s->wall_ns);
	an_stats_print_json_totals(f, s);
}

void an_stats_print_json(FILE *f, const struct an_stats *s, const struct an_trace_label *t)
{
	json_header(f, s, t);
	fputs(",\n \"rows\": [", f);
	an_stats_print_json_rows(f, s, s->nrows);
	fputs("}\n", f);
}

void an_stats_print_json_rows(FILE *f, const struct an_stats *s, uint32_t n)
{
	for (uint32_t i = 0; i < n && i < s->nrows; i++) {
		fputs(i ? ",\n  " : "\n  ", f);
		an_stats_print_json_row(f, s, &s->rows[i], 0);
	}
	fputs("],\n \"total\": ", f);
	an_stats_print_json_row(f, s, &s->total, 1);
}

static void csv_row(FILE *f, const struct an_stats_row *r)
{
	char sd[32] = "";
	if (isfinite(r->stddev_pct))
		snprintf(sd, sizeof(sd), "%.4f", r->stddev_pct);
	an_csv_str(f, r->label);
	fprintf(f, ",%" PRIu64 ",%.4f,%.4f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.3f,%s,%" PRIu64
		   ",%" PRIu64 ",%.3f\n", r->samples, r->samples_pct, r->time_pct, r->time_ns,
		r->min_ns, r->max_ns, r->avg_ns, sd, r->p50_ns, r->p99_ns, r->rate_per_s);
}

void an_stats_print_csv(FILE *f, const struct an_stats *s)
{
	fputs("key,samples,samples_pct,time_pct,time_ns,min_ns,max_ns,avg_ns,stddev_pct,p50_ns,"
	      "p99_ns,rate_per_s\n", f);
	for (uint32_t i = 0; i < s->nrows; i++)
		csv_row(f, &s->rows[i]);
	csv_row(f, &s->total);
}
