/* `hvtrace report`: everything one HTML page shows about a trace, gathered
 * in one parallel scan (report_scan.c), then written as a self-contained
 * page (report_html.c) whose script draws it (report/report.js).
 *
 * Memory is bounded whatever the trace length: the stats tables (bounded
 * per key), a fixed number of timeline bins per vCPU, the first
 * AN_REPORT_MARKERS markers. The page is as small: it holds only these. */
#ifndef HVT_ANALYSIS_REPORT_H
#define HVT_ANALYSIS_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "stats.h"

#define AN_REPORT_BINS 200u      /* timeline bins over the trace's span */
#define AN_REPORT_MARKERS 64u    /* markers drawn on the timeline, earliest first */
#define AN_REPORT_TOP 10u        /* rows of the top ports, addresses, classes */
#define AN_REPORT_KINDS (HVT_EXIT_KIND_MAX + 1u)

/* The sections keyed like `stats --by`: kind, port, address, vcpu. */
enum an_report_table { AN_RT_KIND, AN_RT_PORT, AN_RT_ADDRESS, AN_RT_VCPU, AN_RT_COUNT };

struct an_report_marker {
	uint64_t time_ns;
	uint32_t vcpu;
	uint64_t id;        /* marker id (event addr) */
	char label[48];     /* its data when short printable text, else "" */
};

/* One vCPU's timeline: exits per bin and kind, interrupts per bin. */
struct an_report_lane {
	uint64_t exits[AN_REPORT_BINS][AN_REPORT_KINDS];
	uint64_t irqs[AN_REPORT_BINS];
};

/* arm64 detail: a row per exception class or trapped system register. */
struct an_report_keyed {
	struct an_keytab rows;   /* key: EC (syndrome bits 31:26), or sysreg encoding */
};

struct an_report {
	const char *path;                       /* borrowed: as given */
	char backend[16];                       /* metadata backend, or "unknown" */
	struct an_stats tables[AN_RT_COUNT];    /* the same tables `stats --by X` prints */
	uint64_t t0_ns, bin_ns;                 /* bin i covers [t0 + i*bin, t0 + (i+1)*bin) */
	struct an_report_lane *lanes[HVT_MAX_STREAMS]; /* NULL for vCPUs without events */
	struct an_report_keyed ec, sysreg;
	struct an_report_marker markers[AN_REPORT_MARKERS];
	uint32_t nmarkers;
	uint64_t markers_total;                 /* markers in the trace (drawn or not) */
	uint64_t irqs_total;
	uint64_t timer_fires, timer_arms, timer_cancels; /* schedule slices excluded */
	uint64_t slices;             /* serialized recording: time slices taken */
	uint64_t events;                        /* events decoded */
};

/* Scans r (from the start, every vCPU) into *out. 0, or an error with a
 * message in errbuf (a corrupt chunk names its offset); *out is then freed.
 * threads: 0 = one per CPU. */
int an_report_compute(hvt_reader *r, const char *path, unsigned threads, struct an_report *out,
		      char *errbuf, size_t errlen);
void an_report_free(struct an_report *rep);

/* The page's data as one JSON document (report_json.c); docs/analysis.md
 * lists its fields. */
void an_report_print_json(FILE *f, const struct an_report *rep);
/* The whole page: one report, or two side by side (n = 2, A then B). */
int an_report_write_html(FILE *f, const struct an_report *const *reps, unsigned n);

/* Exception class of an arm64 exit's syndrome (system register names:
 * arm64_names.h). */
unsigned an_arm64_ec(uint64_t syndrome);

#endif
