/* hvtrace diff A B: where two recordings of a guest part ways, then how
 * their exits compare (analysis/diff.c and analysis/stats.c). */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/diff.h"
#include "analysis/losses.h"
#include "analysis/stats.h"
#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: hvtrace diff [--threads N] A B\n\n"
	      "Walks both traces in merged time order and reports the first event where\n"
	      "they differ in type, kind, vcpu (stream), addr, value, size, count, pc,\n"
	      "regs_hash or data. Times and durations are not compared: they change from\n"
	      "run to run. The report shows the 5 events before it in each trace, the two\n"
	      "differing events field by field (differing fields marked '*'), or which\n"
	      "trace ends first; then, per exit kind, the count and average handling time\n"
	      "in A and in B with the change in percent.\n\n"
	      "Exit status: 0 when the event sequences are identical, 1 when they differ,\n"
	      "2 when a trace is corrupt (the message names it and the offset), 64 bad\n"
	      "command line, 66 a file cannot be read. Truncated traces are compared up to\n"
	      "their last complete chunk, with a note on stderr.\n", f);
}

struct field_row {
	const char *name;
	uint32_t bit;
};

static const struct field_row fields[] = {
	{"type", AN_DF_TYPE},   {"kind", AN_DF_KIND},   {"vcpu", AN_DF_STREAM},
	{"addr", AN_DF_ADDR},   {"value", AN_DF_VALUE}, {"size", AN_DF_SIZE},
	{"count", AN_DF_COUNT}, {"pc", AN_DF_PC},       {"regs_hash", AN_DF_REGS},
	{"data", AN_DF_DATA}};

static void field_text(const struct an_kept_event *k, uint32_t bit, char *buf, size_t len)
{
	const hvt_event *e = &k->ev;
	size_t n = 0;
	switch (bit) {
	case AN_DF_TYPE: snprintf(buf, len, "%s", hvt_event_type_name(e->type)); return;
	case AN_DF_KIND: snprintf(buf, len, "%u%s%s", e->kind, e->type == HVT_EV_EXIT ? " " : "",
				  e->type == HVT_EV_EXIT ? hvt_exit_kind_name(e->kind) : ""); return;
	case AN_DF_STREAM: snprintf(buf, len, "%u", e->stream); return;
	case AN_DF_ADDR: snprintf(buf, len, "0x%" PRIx64, e->addr); return;
	case AN_DF_VALUE: snprintf(buf, len, "0x%" PRIx64, e->value); return;
	case AN_DF_SIZE: snprintf(buf, len, "%u", e->size); return;
	case AN_DF_COUNT: snprintf(buf, len, "%u", e->count); return;
	case AN_DF_PC: snprintf(buf, len, "0x%" PRIx64, e->pc); return;
	case AN_DF_REGS: snprintf(buf, len, "%08x", e->regs_hash); return;
	}
	n = (size_t)snprintf(buf, len, "[%u]", e->data_len);
	for (uint32_t i = 0; i < e->data_len && i < 12 && n + 3 < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%02x", e->data[i]);
	if (e->data_len > 12 && n + 4 < len)
		snprintf(buf + n, len - n, "...");
}

static void print_side_by_side(const struct an_diff_result *d)
{
	printf("\n  %-11s %-30s %-30s\n", "field", "A", "B");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char a[64], b[64];
		field_text(&d->a, fields[i].bit, a, sizeof(a));
		field_text(&d->b, fields[i].bit, b, sizeof(b));
		printf("%c %-11s %-30s %-30s\n", d->fields & fields[i].bit ? '*' : ' ', fields[i].name, a,
		       b);
	}
}

static void print_event_line(const char *who, uint64_t index, const struct an_kept_event *k)
{
	printf("  %s #%-8" PRIu64 " ", who, index);
	cli_print_event(stdout, &k->ev);
	putchar('\n');
}

static void print_difference(const struct an_diff_result *d)
{
	if (!d->differ) {
		printf("identical: %" PRIu64 " events, same sequence in A and B\n", d->events);
		return;
	}
	printf("traces differ at event #%" PRIu64 " (merged order, counted from 0)\n", d->index);
	if (d->ncontext)
		printf("\nthe %u events before it (equal in A and B):\n", d->ncontext);
	for (uint32_t i = 0; i < d->ncontext; i++) {
		uint64_t idx = d->index - d->ncontext + i;
		print_event_line("A", idx, &d->ctx_a[i]);
		print_event_line("B", idx, &d->ctx_b[i]);
	}
	printf("\nevent #%" PRIu64 ":\n", d->index);
	if (d->a_ended || d->b_ended) {
		printf("  %s ends first, after %" PRIu64 " events; %s continues with:\n",
		       d->a_ended ? "A" : "B", d->index, d->a_ended ? "B" : "A");
		print_event_line(d->a_ended ? "B" : "A", d->index, d->a_ended ? &d->b : &d->a);
		return;
	}
	print_event_line("A", d->index, &d->a);
	print_event_line("B", d->index, &d->b);
	print_side_by_side(d);
}

static uint64_t kind_count(const struct an_stats *s, const char *kind, double *avg_ns)
{
	const struct an_stats_row *r = an_stats_find(s, kind);
	*avg_ns = r ? r->avg_ns : 0;
	return r ? r->samples : 0;
}

static void print_change(double a, double b)
{
	if (a == 0)
		printf(" %9s", b == 0 ? "0.0%" : "new");
	else
		printf(" %+8.1f%%", (b - a) / a * 100.0);
}

static void print_kind_table(const struct an_stats *sa, const struct an_stats *sb)
{
	printf("\n%-16s %10s %10s %9s %12s %12s %9s\n", "VM-EXIT", "A count", "B count", "change",
	       "A avg", "B avg", "change");
	for (unsigned k = 0; k <= HVT_EXIT_KIND_MAX + 1; k++) {
		const char *name = k > HVT_EXIT_KIND_MAX ? "total" : hvt_exit_kind_name(k);
		double avg_a, avg_b;
		uint64_t ca = kind_count(sa, name, &avg_a), cb = kind_count(sb, name, &avg_b);
		if (!ca && !cb && k <= HVT_EXIT_KIND_MAX)
			continue;
		printf("%-16s %10" PRIu64 " %10" PRIu64, name, ca, cb);
		print_change((double)ca, (double)cb);
		printf(" %10.2fus %10.2fus", avg_a / 1e3, avg_b / 1e3);
		print_change(avg_a, avg_b);
		putchar('\n');
	}
}

struct diff_cli {
	unsigned threads;
	const char *path[2];
};

static int parse(int argc, char **argv, struct diff_cli *o)
{
	static const struct option longopts[] = {{"threads", required_argument, NULL, 'T'},
						  {"help", no_argument, NULL, 'h'}, {0}};
	uint64_t v;
	int c, rc;
	*o = (struct diff_cli){0};
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if ((rc = cli_help_or_bad_option(c, usage)) >= 0)
			return rc;
		if (cli_parse_u64(optarg, &v) != 0 || v < 1 || v > 64) {
			usage(stderr);
			return HVT_EXIT_USAGE;
		}
		o->threads = (unsigned)v;
	}
	if (optind != argc - 2) {
		usage(stderr);
		return HVT_EXIT_USAGE;
	}
	o->path[0] = argv[optind];
	o->path[1] = argv[optind + 1];
	return -1;
}

/* The per-kind table needs both traces whole: one parallel scan each. */
static int kind_tables(const struct diff_cli *o, hvt_reader **r)
{
	struct an_scan_opts so = {.by = AN_BY_KIND, .filter = AN_FILTER_ALL, .threads = o->threads};
	struct an_stats s[2];
	char msg[320];
	for (int i = 0; i < 2; i++) {
		if (an_stats_compute(r[i], &so, AN_SORT_SAMPLES, &s[i], msg, sizeof(msg)) != 0) {
			cli_err("%s: %s", o->path[i], msg);
			if (i)
				an_stats_free(&s[0]);
			return 2;
		}
	}
	print_kind_table(&s[0], &s[1]);
	an_stats_free(&s[0]);
	an_stats_free(&s[1]);
	return 0;
}

static int compare(const struct diff_cli *o, hvt_reader **r)
{
	struct an_diff_result *d = malloc(sizeof(*d));
	char msg[320];
	int failed = 0, rc;
	if (!d)
		return HVT_EXIT_SOFTWARE;
	printf("A: %s\nB: %s\n", o->path[0], o->path[1]);
	if (an_diff(r[0], r[1], d, &failed, msg, sizeof(msg)) != 0) {
		cli_err("%s: %s", o->path[failed == 'B'], msg);
		free(d);
		return 2;
	}
	print_difference(d);
	rc = kind_tables(o, r);
	rc = rc ? rc : d->differ;
	free(d);
	return rc;
}

int hvt_cmd_diff(int argc, char **argv)
{
	struct diff_cli o;
	hvt_reader *r[2] = {NULL, NULL};
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	for (int i = 0; i < 2 && rc < 0; i++)
		if ((rc = cli_open_trace(o.path[i], &r[i])) == 0)
			rc = -1;
	if (rc < 0) {
		an_note_losses(stderr, r[0], o.path[0]);
		an_note_losses(stderr, r[1], o.path[1]);
		rc = compare(&o, r);
	}
	hvt_reader_close(r[0]);
	hvt_reader_close(r[1]);
	return rc;
}
