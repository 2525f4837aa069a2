/* Test support: random events of every type, writing them to a trace, and
 * reading them back every way the reader offers (merged, chunk cursors,
 * from memory). Helpers assert with cmocka, so call them from tests. */
#ifndef HVT_TEST_SUPPORT_H
#define HVT_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "hvtrace/hvtrace.h"
#include "prng.h"

/* A growable list of events that owns their data (deep copies). */
struct tev_list {
	hvt_event *ev;
	size_t n;
	size_t cap;
};

void tev_list_push(struct tev_list *l, const hvt_event *ev); /* copies ev->data */
void tev_list_free(struct tev_list *l);

/* What the generator draws. */
struct tgen_opts {
	uint32_t max_data_bytes;  /* largest data payload; 0 = 4096 */
	uint32_t big_data_permil; /* chance (per 1000) of a payload above 64 bytes; 0 = 30 */
	uint64_t start_time_ns;   /* first event's time; 0 = random below 2^32 */
	uint64_t max_time_step;   /* steps uniform in [0, max]; 0 = mixed steps up to 2^40 */
};

/* n events for stream `stream`, seq 0..n-1, times non-decreasing (equal
 * times included) from a random start. Every event type appears when n >= 8.
 * Fields stay within the ranges of the table in hvtrace/event.h. */
void tgen_stream(struct tprng *p, const struct tgen_opts *o, uint32_t stream, size_t n,
		 struct tev_list *out);
/* One random event of the given type at time t (seq and stream left 0); data
 * is written into buf (room: max_data_bytes, at least 34*8). */
void tgen_event(struct tprng *p, const struct tgen_opts *o, uint8_t type, uint64_t t,
		hvt_event *ev, uint8_t *buf);

/* Field-by-field comparison, data bytes included. 0 when equal; else fills
 * why (which field) and returns 1. */
int tev_diff(const hvt_event *a, const hvt_event *b, char *why, size_t why_len);
/* cmocka assertion on tev_diff, naming the event. */
void tev_assert_eq(const hvt_event *want, const hvt_event *got, const char *what, size_t i);
void tev_list_assert_eq(const struct tev_list *want, const struct tev_list *got, const char *what);

/* Appends streams[0..nstreams) (each list's events carry their stream id)
 * to w, interleaving the streams at random (seeded); asserts success. */
void twrite_events(hvt_writer *w, const struct tev_list *streams, uint32_t nstreams,
		   uint64_t seed);
/* Creates path with opts, appends as above, closes; asserts success. */
void twrite_trace(const char *path, const struct hvt_writer_opts *opts,
		  const struct tev_list *streams, uint32_t nstreams, uint64_t seed);

/* Reading back. Each returns 0 or the first negative error, leaving in out
 * everything read before it. */
int tread_merged(hvt_reader *r, struct tev_list *out);
/* Every events chunk through one chunk cursor, in file order or in reverse
 * chunk order; events are appended chunk by chunk. */
int tread_chunks(hvt_reader *r, struct tev_list *out, int reverse);
/* hvt_reader_verify_chunk on every chunk: 0 or the first error. */
int tverify_all(hvt_reader *r);

/* Splits a merged list into per-stream lists (index = stream id < max). */
void tsplit_streams(const struct tev_list *merged, struct tev_list *per_stream, uint32_t max);
/* All events of lists[0..n) in (time, stream, seq) order: the one order the
 * merged reader must give. Shallow copies (data still owned by lists). */
hvt_event *tmerge_expected(const struct tev_list *lists, size_t n, size_t *total);
/* Asserts the merged order is sorted by (time, stream, seq). */
void tassert_merged_order(const struct tev_list *merged);

/* Whole file into memory (malloc'd); asserts success. */
uint8_t *tslurp(const char *path, size_t *len);
void tspew(const char *path, const void *buf, size_t len);

/* A per-process scratch directory, created on first use. */
const char *ttmp_path(char *buf, size_t len, const char *name);
void ttmp_cleanup(void);
/* A cmocka group teardown that only removes the temporary files. */
int ttmp_teardown(void **state);

/* The format version the trace tests write: $HVT_TEST_FORMAT_VERSION, else 2.
 * ctest runs each writer/reader test once per version (tests/CMakeLists.txt). */
uint32_t tformat_version(void);
/* Writer options with small chunks, an explicit time origin and the version
 * above. */
struct hvt_writer_opts topts(int zstd_level, uint32_t chunk_raw_bytes);

#endif
