/* A latency accumulator: exact count/min/max/sum/sum of squares, exact
 * percentiles while it holds <= AN_EXACT_SAMPLES samples, and a bounded
 * log-linear histogram beyond that. Memory is bounded per accumulator
 * (at most ~32 KiB), so stats memory grows with distinct keys, never with
 * the trace. Accumulators merge, so each thread keeps its own. */
#ifndef HVT_ANALYSIS_LATENCY_H
#define HVT_ANALYSIS_LATENCY_H

#include <stdint.h>

/* Up to this many samples per key are kept and sorted: percentiles exact. */
#define AN_EXACT_SAMPLES 4096u
/* Log-linear buckets: values < 128 exact, then 64 sub-buckets per power of
 * two. A bucket's midpoint is within 1/128 (< 0.8%) of any value in it. */
#define AN_HIST_BUCKETS (128u + 57u * 64u)
/* Log2 buckets for --hist: bucket i holds values in [2^(i-1), 2^i). */
#define AN_LOG2_BUCKETS 65u

struct an_latency {
	uint64_t count;        /* samples */
	uint64_t min_ns;
	uint64_t max_ns;
	unsigned __int128 sum_ns;    /* exact: cannot overflow for < 2^64 samples */
	unsigned __int128 sumsq_ns2; /* exact sum of squares, ns^2, unless ... */
	int sumsq_overflow;          /* ... it passed 2^128 (handling times of years) */
	uint64_t *samples_ns;  /* while count <= AN_EXACT_SAMPLES; NULL after */
	uint32_t samples_cap;
	int sorted;            /* samples_ns is sorted */
	uint64_t *hist;        /* AN_HIST_BUCKETS counts; NULL until needed */
	uint64_t log2_count[AN_LOG2_BUCKETS];
};

void an_latency_init(struct an_latency *l);
void an_latency_free(struct an_latency *l);
/* 0, or HVT_E_NOMEM. */
int an_latency_add(struct an_latency *l, uint64_t ns);
/* Adds src into dst (src unchanged). 0 or HVT_E_NOMEM. */
int an_latency_merge(struct an_latency *dst, const struct an_latency *src);
/* Nearest-rank percentile (pct in 0..100]: the smallest sample with at
 * least pct% of samples <= it. Exact in the exact regime; otherwise the
 * bucket's midpoint, clamped to [min, max]. 0 when empty. Sorts samples. */
uint64_t an_latency_percentile(struct an_latency *l, double pct);
double an_latency_avg_ns(const struct an_latency *l);
/* sum_ns clamped to 64 bits. */
uint64_t an_latency_sum_u64(const struct an_latency *l);
/* Population standard deviation, ns; NAN when the sum of squares
 * overflowed (only for absurd handling times, e.g. a corrupt-but-valid
 * trace). Exact arithmetic while count * max < 2^64, long double beyond. */
double an_latency_stddev_ns(const struct an_latency *l);
/* Log2 bucket of a value (0 for 0). */
unsigned an_log2_bucket(uint64_t ns);
/* True while percentiles are exact. */
int an_latency_is_exact(const struct an_latency *l);

#endif
