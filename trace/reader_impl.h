/* Reader internals shared by the files of trace/ that implement it. */
#ifndef HVT_TRACE_READER_IMPL_H
#define HVT_TRACE_READER_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <zstd.h>

#include "codec.h"
#include "columns.h"
#include "hvtrace/hvtrace.h"
#include "layout.h"
#include "source.h"

#define HVT_MSG_BYTES 320

/* A chunk as the index knows it. */
struct hvt_chunk_rec {
	uint64_t offset;
	struct hvt_chunk_header h;
};

/* Buffers to read one chunk's payload into; one per thread. */
struct hvt_payload_buf {
	ZSTD_DCtx *dctx;
	uint8_t *stored;
	size_t stored_cap;
	uint8_t *raw;
	size_t raw_cap;
};

struct hvt_chunk_cursor {
	hvt_reader *r;
	struct hvt_payload_buf pb;
	const struct hvt_chunk_rec *chunk; /* NULL until loaded */
	const uint8_t *p;                  /* next event */
	const uint8_t *end;
	uint32_t decoded;                  /* events returned from this chunk */
	unsigned fields;                   /* HVT_FIELD_* to decode (v2) */
	int columnar;                      /* the chunk is v2: read from batch */
	struct hvt_codec_state codec;      /* v1 */
	hvt_event ev;                      /* v1: the event last decoded */
	struct hvt_col_reader col;         /* v2 */
	uint32_t batch_n;                  /* v2: events in batch */
	uint32_t batch_i;                  /* v2: next one to hand out */
	hvt_event batch[HVT_COL_BATCH];
	char msg[HVT_MSG_BYTES];
	uint64_t err_offset;
};

struct hvt_stream_state {
	uint32_t id;
	uint64_t *chunk_ids;  /* indexes into reader->chunks, in sequence order */
	size_t nchunks;
	size_t cap;
	uint64_t events;
	hvt_chunk_cursor *cur;
	size_t next_chunk;    /* position in chunk_ids of the next chunk to load */
	int has_head;         /* head is this stream's next event */
	const hvt_event *head; /* owned by cur */
};

struct hvt_meta_kv {
	char *key;
	char *value;          /* NUL-terminated copy */
	size_t len;
};

struct hvt_blob {
	char *name;
	uint8_t *data;
	size_t len;
};

struct hvt_reader {
	struct hvt_source src;
	struct hvt_file_header fh;
	struct hvt_chunk_rec *chunks; /* all chunks but the index, in file order */
	size_t nchunks;
	size_t chunks_cap;
	struct hvt_stream_state *streams; /* sorted by id */
	uint32_t nstreams;
	struct hvt_meta_kv *meta;
	size_t nmeta;
	struct hvt_blob *blobs;       /* loaded on first request */
	size_t nblobs;
	struct hvt_trace_info info;
	struct hvt_payload_buf pb;    /* for metadata and blobs */
	int started;                  /* merged iteration has begun */
	struct hvt_stream_state *pending; /* stream whose head was returned last */
	uint64_t fast_limit;          /* pending's next event may be returned without a
	                               * merge while its time is below this (UINT64_MAX
	                               * with one stream), see merge.c */
	int iter_err;                 /* merged iteration failed: returned until rewind/seek */
	char msg[HVT_MSG_BYTES];
	uint64_t err_offset;
};

/* reader_error.c: records a failure for hvt_reader_error and returns err. */
int hvt_reader_fail(hvt_reader *r, int err, uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Builds r->chunks and the truncation facts: from the footer when it is
 * there and sound, otherwise by walking the chunk headers. */
int hvt_reader_build_index(hvt_reader *r);
int hvt_reader_add_chunk(hvt_reader *r, uint64_t offset, const struct hvt_chunk_header *h);

/* Reads the chunk at rec, checks header (against rec) and payload checksum,
 * decompresses; *raw points into pb. Errors name the offset in msg. */
int hvt_payload_load(const struct hvt_source *src, struct hvt_payload_buf *pb,
		     const struct hvt_chunk_rec *rec, const uint8_t **raw, char *msg, size_t msg_len);
void hvt_payload_free(struct hvt_payload_buf *pb);

int hvt_reader_load_meta(hvt_reader *r);
/* A blob chunk's own framing (name, total, offset, part size) is sound. */
int hvt_reader_check_blob_part(hvt_reader *r, const struct hvt_chunk_rec *c, const uint8_t *raw);
int hvt_reader_group_streams(hvt_reader *r);

/* cursor.c: a chunk's contents break a check (the rest of it is not
 * trusted); the chunk's end (every byte used, the last time the header's). */
int hvt_cursor_fail(hvt_chunk_cursor *c, int err, const char *why);
int hvt_cursor_end(hvt_chunk_cursor *c);
/* cursor_columns.c: the next min(max, left) events of the loaded chunk into
 * o's arrays at entries at.., as hvt_chunk_cursor_next_columns. */
int hvt_cursor_fill(hvt_chunk_cursor *c, const struct hvt_columns *o, uint32_t at, uint32_t max);
/* Time of the event decoded last from the loaded chunk (its first time
 * before any): a lower bound of the next one's. */
uint64_t hvt_cursor_last_time(const hvt_chunk_cursor *c);
/* merge.c: first chunk of s whose last time (by_seq: last sequence number)
 * is >= key. */
size_t hvt_stream_first_chunk_reaching(const hvt_reader *r, const struct hvt_stream_state *s,
				       uint64_t key, int by_seq);

/* columns.c: struct hvt_columns by its table. take: the options rule of
 * api.h (NULL is HVT_E_INVAL); entry_bytes: one entry of every array of
 * mask; carve: arrays of mask, entries long, out of mem (entry_bytes *
 * entries); put: one event at entry at; plan: the arrays of mask but stream
 * and seq (which a copy generates); copy: n entries of the planned arrays,
 * which both dst and src set. */
struct hvt_columns_plan {
	uint8_t n;
	uint16_t off[24];  /* offsetof the array pointer in struct hvt_columns */
	uint8_t size[24];  /* its entry size */
};
int hvt_columns_take(struct hvt_columns *dst, const struct hvt_columns *user);
size_t hvt_columns_entry_bytes(unsigned mask);
void hvt_columns_carve(struct hvt_columns *c, unsigned mask, uint32_t entries, void *mem);
void hvt_columns_put(const struct hvt_columns *c, uint32_t at, const hvt_event *ev);
void hvt_columns_plan(struct hvt_columns_plan *p, unsigned mask);
void hvt_columns_copy(const struct hvt_columns_plan *p, const struct hvt_columns *dst,
		      uint32_t dst_at, const struct hvt_columns *src, uint32_t src_at, uint32_t n);

#endif
