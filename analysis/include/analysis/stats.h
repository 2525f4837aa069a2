/* `stats` results: the table perf kvm stat users expect (samples, %,
 * time %, min/max/avg ± relative stddev) plus p50/p99 and rates, built
 * from a scan, with the header facts (wall and guest time, losses). */
#ifndef HVT_ANALYSIS_STATS_H
#define HVT_ANALYSIS_STATS_H

#include <stdint.h>

#include "scan.h"

enum an_sort { AN_SORT_SAMPLES, AN_SORT_TIME, AN_SORT_AVG, AN_SORT_MAX, AN_SORT_P99 };
/* "samples", "time", "avg", "max", "p99"; -1 if unknown. */
int an_sort_from_name(const char *name);

struct an_stats_row {
	char label[48];          /* "pio-out", "0x3f8:out", "vcpu0" */
	uint64_t key;
	struct an_latency *lat;  /* borrowed from the aggregate */
	uint64_t samples;        /* exits in the row, unfinished ones included */
	uint64_t unfinished;     /* of which never re-entered: not in the time columns */
	double samples_pct;      /* of all exits in the table */
	double time_pct;         /* share of the table's total handling time */
	uint64_t time_ns;        /* total handling time (clamped to 2^64-1) */
	double time_sum_ns;      /* the same, unclamped, for shares and sorting */
	uint64_t min_ns, max_ns;
	double avg_ns;
	double stddev_pct;       /* population stddev / avg * 100; NAN if unknown */
	uint64_t p50_ns, p99_ns;
	double rate_per_s;       /* samples / wall time of the window */
};

struct an_stats {
	enum an_by by;
	struct an_agg agg;
	struct an_stats_row *rows;   /* sorted */
	uint32_t nrows;
	struct an_latency total_lat; /* every row merged */
	struct an_stats_row total;
	struct hvt_trace_info info;
	uint32_t vcpus;              /* event streams */
	uint64_t window_from_ns;     /* the window the table covers */
	uint64_t window_to_ns;
	uint64_t wall_ns;            /* window_to_ns - window_from_ns */
	int guest_known;             /* 1: the trace has EXEC_TIME samples */
	uint64_t guest_ns;           /* sum over vCPUs of the last sample */
	double guest_pct;            /* guest_ns / (wall_ns * vCPUs sampled) * 100 */
};

/* Scans r and builds the table. 0, or an error with a message in errbuf. */
int an_stats_compute(hvt_reader *r, const struct an_scan_opts *o, enum an_sort sort,
		     struct an_stats *out, char *errbuf, size_t errlen);
/* Builds the table from an aggregate already scanned with o (moved into
 * out; *agg is left empty). 0, or HVT_E_NOMEM with out freed. */
int an_stats_from_agg(hvt_reader *r, const struct an_scan_opts *o, enum an_sort sort,
		      struct an_agg *agg, struct an_stats *out, char *errbuf, size_t errlen);
void an_stats_free(struct an_stats *s);
/* The row labelled label, or NULL. */
const struct an_stats_row *an_stats_find(const struct an_stats *s, const char *label);

#endif
