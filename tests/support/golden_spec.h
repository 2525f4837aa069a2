/* What tests/golden/v1-basic.hvt holds, regenerated from a fixed seed.
 *
 * FROZEN: make_golden wrote the committed file from this code once, and
 * test_golden compares the file against it. Changing anything here (or in
 * prng.h) breaks the golden test; that is the point. To pin a new format
 * version, add a new spec and a new golden file; never rewrite this one. */
#ifndef HVT_TEST_GOLDEN_SPEC_H
#define HVT_TEST_GOLDEN_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "tsupport.h"

#define GOLDEN_SEED 0x601de4a11ull
#define GOLDEN_STREAMS 3u
#define GOLDEN_EVENTS 240u        /* per stream */
#define GOLDEN_BATCH 40u          /* events per stream between flushes */
#define GOLDEN_CHUNK_RAW 1024u    /* writer chunk_raw_bytes */
#define GOLDEN_TIME_ORIGIN 1700000000000000000ull
#define GOLDEN_CREATED 1764000000000000000ull /* patched into the file header */
#define GOLDEN_BLOB_NAME "guest.img"
#define GOLDEN_BLOB_BYTES 3000u

struct golden_meta {
	const char *key;
	const uint8_t *value;
	size_t len;
};

/* The events of stream s (0..GOLDEN_STREAMS-1), seq 0..GOLDEN_EVENTS-1. */
void golden_events(uint32_t s, struct tev_list *out);
/* Metadata in the order it is written (one key twice: the last wins). */
size_t golden_meta_written(const struct golden_meta **out);
/* The values a reader must return: each key once, with its last value. */
size_t golden_meta_expected(const struct golden_meta **out);
/* The blob's bytes (GOLDEN_BLOB_BYTES). */
void golden_blob(uint8_t *out);

#endif
