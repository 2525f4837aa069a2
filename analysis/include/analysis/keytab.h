/* A hash table from a 64-bit row key to its latency accumulator. Open
 * addressing, grows by doubling; rows stay in insertion order in a dense
 * array so merging and printing walk them without touching empty slots. */
#ifndef HVT_ANALYSIS_KEYTAB_H
#define HVT_ANALYSIS_KEYTAB_H

#include <stdint.h>

#include "latency.h"

/* Keys below this (exit kinds, vCPUs) index a direct table: no hashing on
 * the hot path of the default `--by kind`. */
#define AN_KEYTAB_SMALL 256u

struct an_row {
	uint64_t key;           /* see keys.h for the encoding */
	struct an_latency lat;  /* handling time of the row's exits */
	uint64_t unfinished;    /* exits never re-entered (HVT_EVF_EXIT_UNFINISHED): counted
	                         * in samples, kept out of lat (they have no handling time) */
};

struct an_keytab {
	struct an_row *rows;    /* dense, insertion order */
	uint32_t nrows;
	uint32_t rows_cap;
	uint32_t *slots;        /* row index + 1; 0 = empty */
	uint32_t nslots;        /* power of two */
	uint32_t last;          /* row index of the last lookup: runs of one key are common */
	uint32_t small[AN_KEYTAB_SMALL]; /* row index + 1 of keys < AN_KEYTAB_SMALL, 0 = none */
};

void an_keytab_init(struct an_keytab *t);
void an_keytab_free(struct an_keytab *t);
/* The row for key, created if absent; NULL on out of memory. */
struct an_row *an_keytab_get(struct an_keytab *t, uint64_t key);
/* an_keytab_get with the small-key case inlined into the caller. */
static inline struct an_row *an_keytab_at(struct an_keytab *t, uint64_t key)
{
	if (key < AN_KEYTAB_SMALL && t->small[key])
		return &t->rows[t->small[key] - 1];
	return an_keytab_get(t, key);
}
/* Merges every row of src into dst. 0 or HVT_E_NOMEM. */
int an_keytab_merge(struct an_keytab *dst, const struct an_keytab *src);

#endif
