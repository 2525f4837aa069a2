/* Latency accumulator: see latency.h for the error bound and the regimes. */
#include "latency.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hvtrace/error.h"

void an_latency_init(struct an_latency *l)
{
	memset(l, 0, sizeof(*l));
	l->min_ns = UINT64_MAX;
}

void an_latency_free(struct an_latency *l)
{
	if (!l)
		return;
	free(l->samples_ns);
	free(l->hist);
	l->samples_ns = NULL;
	l->hist = NULL;
}

unsigned an_log2_bucket(uint64_t ns)
{
	return ns ? 64u - (unsigned)__builtin_clzll(ns) : 0u;
}

static unsigned hist_index(uint64_t ns)
{
	if (ns < 128)
		return (unsigned)ns;
	unsigned e = 63u - (unsigned)__builtin_clzll(ns); /* 7..63 */
	unsigned sub = (unsigned)(ns >> (e - 6u));        /* 64..127 */
	return 128u + (e - 7u) * 64u + (sub - 64u);
}

/* The midpoint of bucket i: the value reported for a percentile in it. */
static uint64_t hist_mid(unsigned i)
{
	if (i < 128)
		return i;
	unsigned e = 7u + (i - 128u) / 64u, sub = 64u + (i - 128u) % 64u;
	uint64_t lo = (uint64_t)sub << (e - 6u), width = 1ull << (e - 6u);
	return lo + (width - 1) / 2;
}

/* Leaves the exact regime: every kept sample goes into the histogram. */
static int spill(struct an_latency *l)
{
	if (!l->hist) {
		l->hist = calloc(AN_HIST_BUCKETS, sizeof(uint64_t));
		if (!l->hist)
			return HVT_E_NOMEM;
	}
	for (uint64_t i = 0; l->samples_ns && i < l->count; i++)
		l->hist[hist_index(l->samples_ns[i])]++;
	free(l->samples_ns);
	l->samples_ns = NULL;
	l->samples_cap = 0;
	return 0;
}

static int keep_sample(struct an_latency *l, uint64_t ns)
{
	if (l->count == l->samples_cap) {
		uint32_t cap = l->samples_cap ? l->samples_cap * 2 : 16;
		uint64_t *p = realloc(l->samples_ns, cap * sizeof(uint64_t));
		if (!p)
			return HVT_E_NOMEM;
		l->samples_ns = p;
		l->samples_cap = cap;
	}
	l->samples_ns[l->count] = ns;
	l->sorted = 0;
	return 0;
}

static void add_moments(struct an_latency *l, uint64_t ns)
{
	l->min_ns = ns < l->min_ns ? ns : l->min_ns;
	l->max_ns = ns > l->max_ns ? ns : l->max_ns;
	unsigned __int128 sq = (unsigned __int128)ns * ns;
	l->sum_ns += ns;
	l->sumsq_ns2 += sq;
	l->sumsq_overflow |= l->sumsq_ns2 < sq;
	l->log2_count[an_log2_bucket(ns)]++;
}

int an_latency_add(struct an_latency *l, uint64_t ns)
{
	if (l->hist) {
		l->hist[hist_index(ns)]++;
	} else if (l->count < AN_EXACT_SAMPLES) {
		int err = keep_sample(l, ns);
		if (err)
			return err;
	} else {
		int err = spill(l);
		if (err)
			return err;
		l->hist[hist_index(ns)]++;
	}
	add_moments(l, ns);
	l->count++;
	return 0;
}

static void merge_moments(struct an_latency *dst, const struct an_latency *src)
{
	dst->min_ns = src->min_ns < dst->min_ns ? src->min_ns : dst->min_ns;
	dst->max_ns = src->max_ns > dst->max_ns ? src->max_ns : dst->max_ns;
	dst->sum_ns += src->sum_ns;
	dst->sumsq_ns2 += src->sumsq_ns2;
	dst->sumsq_overflow |= src->sumsq_overflow || dst->sumsq_ns2 < src->sumsq_ns2;
	for (unsigned i = 0; i < AN_LOG2_BUCKETS; i++)
		dst->log2_count[i] += src->log2_count[i];
}

/* Both in the exact regime and small enough together: keep them exact. */
static int merge_exact(struct an_latency *dst, const struct an_latency *src)
{
	uint64_t dst_count = dst->count;
	for (uint64_t i = 0; i < src->count; i++) {
		int err = keep_sample(dst, src->samples_ns[i]);
		if (err)
			return err;
		dst->count++;
	}
	dst->count = dst_count; /* the caller adds src->count once */
	return 0;
}

static int merge_hist(struct an_latency *dst, const struct an_latency *src)
{
	int err = spill(dst);
	if (err)
		return err;
	if (src->hist) {
		for (unsigned i = 0; i < AN_HIST_BUCKETS; i++)
			dst->hist[i] += src->hist[i];
	} else {
		for (uint64_t i = 0; i < src->count; i++)
			dst->hist[hist_index(src->samples_ns[i])]++;
	}
	return 0;
}

int an_latency_merge(struct an_latency *dst, const struct an_latency *src)
{
	if (!src->count)
		return 0;
	int exact = !dst->hist && !src->hist &&
		    dst->count + src->count <= AN_EXACT_SAMPLES;
	int err = exact ? merge_exact(dst, src) : merge_hist(dst, src);
	if (err)
		return err;
	merge_moments(dst, src);
	dst->count += src->count;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* 1-based nearest rank of pct among count samples. */
static uint64_t rank_of(uint64_t count, double pct)
{
	double r = ceil(pct / 100.0 * (double)count);
	uint64_t rank = r < 1 ? 1 : (uint64_t)r;
	return rank > count ? count : rank;
}

uint64_t an_latency_percentile(struct an_latency *l, double pct)
{
	if (!l->count)
		return 0;
	uint64_t rank = rank_of(l->count, pct);
	if (!l->hist) {
		if (!l->sorted)
			qsort(l->samples_ns, l->count, sizeof(uint64_t), cmp_u64);
		l->sorted = 1;
		return l->samples_ns[rank - 1];
	}
	uint64_t seen = 0;
	for (unsigned i = 0; i < AN_HIST_BUCKETS; i++) {
		seen += l->hist[i];
		if (seen >= rank) {
			uint64_t v = hist_mid(i);
			return v < l->min_ns ? l->min_ns : v > l->max_ns ? l->max_ns : v;
		}
	}
	return l->max_ns;
}

double an_latency_avg_ns(const struct an_latency *l)
{
	return l->count ? (double)l->sum_ns / (double)l->count : 0.0;
}

double an_latency_stddev_ns(const struct an_latency *l)
{
	if (l->count < 2)
		return 0.0;
	if (l->sumsq_overflow)
		return NAN;
	unsigned __int128 n = l->count, s = l->sum_ns;
	if (n * l->max_ns >> 64 == 0) {
		/* n^2 * variance = n * sumsq - sum^2, exact in 128 bits here. */
		unsigned __int128 v = n * l->sumsq_ns2 - s * s;
		return sqrt((double)v / ((double)l->count * (double)l->count));
	}
	long double mean = (long double)s / (long double)n;
	long double var = (long double)l->sumsq_ns2 / (long double)n - mean * mean;
	return var > 0 ? (double)sqrtl(var) : 0.0;
}

uint64_t an_latency_sum_u64(const struct an_latency *l)
{
	return l->sum_ns >> 64 ? UINT64_MAX : (uint64_t)l->sum_ns;
}

int an_latency_is_exact(const struct an_latency *l)
{
	return l->hist == NULL;
}
