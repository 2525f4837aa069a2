/* Printing a stats table: for people (table, histograms) and for programs
 * (JSON, CSV). Field meanings are documented in docs/analysis.md. */
#ifndef HVT_ANALYSIS_STATS_RENDER_H
#define HVT_ANALYSIS_STATS_RENDER_H

#include <stdio.h>

#include "stats.h"

struct an_trace_label {
	const char *path;    /* as given on the command line */
	const char *backend; /* metadata "backend", or "unknown" */
};

/* A wall-clock span as the header of stats shows it ("1.234 s", "12.300 ms",
 * "5.000 us"); `info`, `record` and `replay` print spans the same way. */
const char *an_fmt_span(char *buf, size_t len, uint64_t ns);
void an_stats_print_header(FILE *f, const struct an_stats *s, const struct an_trace_label *t);
void an_stats_print_table(FILE *f, const struct an_stats *s);
/* One log2 histogram of handling time per row, as terminal bars. */
void an_stats_print_hist(FILE *f, const struct an_stats *s);
/* One JSON document: header fields, "rows": [...], "total": {...}. */
void an_stats_print_json(FILE *f, const struct an_stats *s, const struct an_trace_label *t);
/* The header fields both documents share, after the window fields: guest
 * time, exits and their rate, truncation and losses, footer_missing. */
void an_stats_print_json_totals(FILE *f, const struct an_stats *s);
/* One row object of that document (total: the "total" row, no "kind"). */
void an_stats_print_json_row(FILE *f, const struct an_stats *s, const struct an_stats_row *r,
			     int total);
/* The first n rows (all when n >= nrows), then the total: `\n  {row},\n  {row}],\n "total": {row}`,
 * what follows a `"rows": [` in stats --json and in the report's data. */
void an_stats_print_json_rows(FILE *f, const struct an_stats *s, uint32_t n);
/* Header row, one row per key, then a row keyed "total". */
void an_stats_print_csv(FILE *f, const struct an_stats *s);

#endif
