/* The stats scan: every events chunk decoded once, in parallel (one chunk
 * cursor per thread, a shared atomic chunk counter), each thread folding
 * exits into its own aggregate; the aggregates merge at the end. Chunks a
 * time or vCPU filter excludes are skipped by their header alone. */
#ifndef HVT_ANALYSIS_SCAN_H
#define HVT_ANALYSIS_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "hvtrace/hvtrace.h"
#include "keys.h"
#include "keytab.h"

struct an_filter {
	int64_t vcpu;        /* -1: every vCPU */
	int kind;            /* -1: every exit kind */
	uint64_t from_ns;    /* exits with time_ns >= from_ns ... */
	uint64_t to_ns;      /* ... and time_ns < to_ns (UINT64_MAX: no bound) */
	int exclude_halt;    /* 1: drop HLT/WFI exits (idle time, not VMM work) */
};
#define AN_FILTER_ALL ((struct an_filter){-1, -1, 0, UINT64_MAX, 0})

/* Called now and then from one worker with chunks done so far. */
typedef void (*an_progress_fn)(void *ctx, uint64_t chunks_done, uint64_t chunks_total);

/* Extra work riding on the scan (the report's timeline, its other keys):
 * each worker gets its own part, fed every event it decodes; the parts are
 * merged in worker order at the end. Every event reaches exactly one part,
 * but in chunk order, not time order. */
struct an_scan_hook {
	void *ctx;
	void *(*part_new)(void *ctx);                   /* NULL: out of memory */
	int (*take)(void *part, const hvt_event *ev);   /* 0 or HVT_E_NOMEM */
	int (*merge)(void *ctx, const void *part);      /* 0 or HVT_E_NOMEM */
	void (*part_free)(void *part);                  /* accepts NULL */
};

struct an_scan_opts {
	enum an_by by;
	struct an_filter filter;
	unsigned threads;       /* 0: one per online CPU */
	an_progress_fn progress; /* NULL: none */
	void *progress_ctx;
	const struct an_scan_hook *hook; /* NULL: none */
};

struct an_agg {
	struct an_keytab rows;           /* one row per key */
	uint64_t guest_ns[HVT_MAX_STREAMS]; /* last EXEC_TIME value per vCPU (cumulative) */
	uint8_t has_guest[HVT_MAX_STREAMS]; /* 1: guest_ns[i] was sampled */
	uint64_t events;                 /* events decoded */
	uint64_t chunks_skipped;         /* chunks the filter excluded unread */
};

void an_agg_init(struct an_agg *a);
void an_agg_free(struct an_agg *a);
/* Folds ev into a. Exposed so a merged-order walk can reuse it. 0 or
 * HVT_E_NOMEM. */
int an_agg_take(struct an_agg *a, const struct an_scan_opts *o, const hvt_event *ev);
/* The columns (HVT_COLUMN_*) an aggregate by `by` reads, and the columnar
 * twin of an_agg_take: n events of c, which sets at least those columns.
 * Same result as an_agg_take on each event. */
unsigned an_agg_columns(enum an_by by);
int an_agg_take_columns(struct an_agg *a, const struct an_scan_opts *o,
			const struct hvt_columns *c, uint32_t n);
int an_agg_merge(struct an_agg *dst, const struct an_agg *src);

/* Scans r into *out (initialised here). On failure returns the error and
 * writes a message naming the file offset into errbuf; *out is freed. */
int an_scan(hvt_reader *r, const struct an_scan_opts *o, struct an_agg *out, char *errbuf,
	    size_t errlen);

#endif
