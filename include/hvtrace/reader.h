/* hvtrace: the trace reader.
 *
 * The file is untrusted: every length is bounded before use, decompression is
 * capped by the declared raw size, and every failure is an error code plus a
 * message naming the file offset (hvt_reader_error). A file cut anywhere
 * opens and reads up to its last complete chunk; hvt_reader_info says how
 * much was lost. Events come back merged across streams in time order (ties:
 * lower stream first, then sequence).
 */
#ifndef HVTRACE_READER_H
#define HVTRACE_READER_H

#include <stddef.h>
#include <stdint.h>
#include "hvtrace/api.h"
#include "hvtrace/event.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hvt_reader hvt_reader;
typedef struct hvt_chunk_cursor hvt_chunk_cursor;

/* Options: HVT_OPTS(hvt_reader_opts, ...) or HVT_READER_OPTS_INIT; NULL =
 * defaults. A newer caller's unknown fields must be zero (api.h). */
struct hvt_reader_opts {
	size_t sz;               /* sizeof(struct hvt_reader_opts) */
	size_t read_block_bytes; /* largest single read from the file; 0 = unlimited */
};
#define HVT_READER_OPTS_INIT { .sz = sizeof(struct hvt_reader_opts) }

/* Chunk types, stored on disk. */
enum hvt_chunk_type {
	HVT_CHUNK_EVENTS = 1,
	HVT_CHUNK_META = 2,
	HVT_CHUNK_BLOB = 3,
	HVT_CHUNK_INDEX = 4
};

struct hvt_trace_info {
	uint16_t version_major;
	uint16_t version_minor;
	uint32_t flags;             /* file header flags */
	uint64_t created_unix_ns;   /* wall-clock creation time */
	uint32_t clock_id;          /* 1 = CLOCK_MONOTONIC */
	uint64_t time_origin_ns;    /* host clock value that event time 0 stands for */
	uint64_t file_bytes;        /* size of the file */
	uint64_t chunks;            /* complete chunks, all types, index excluded */
	uint64_t events;            /* events in complete chunks */
	uint64_t raw_bytes;         /* event payload bytes before compression */
	uint64_t stored_bytes;      /* event payload bytes as stored */
	uint32_t streams;           /* event streams present */
	int has_footer;             /* 1: index read from the footer; 0: rebuilt by scanning */
	int truncated;              /* 1: the file ends inside a chunk */
	uint64_t valid_bytes;       /* end of the last complete chunk (or the index) */
	uint64_t lost_bytes;        /* file_bytes - valid_bytes when truncated */
	int lost_events_known;      /* 1 when the cut chunk's header was intact */
	uint64_t lost_events;       /* events in the cut chunk, when known */
	uint64_t first_time_ns;     /* earliest event time */
	uint64_t last_time_ns;      /* latest event time */
};

struct hvt_stream_info {
	uint32_t stream;
	uint64_t events;
	uint64_t chunks;
	uint64_t first_seq;
	uint64_t last_seq;
	uint64_t first_time_ns;
	uint64_t last_time_ns;
};

struct hvt_chunk_info {
	uint64_t offset;         /* file offset of the chunk header */
	uint8_t type;            /* enum hvt_chunk_type */
	uint8_t codec;           /* 0 raw, 1 zstd */
	uint32_t stream;
	uint32_t stored_bytes;   /* payload bytes on disk */
	uint32_t raw_bytes;      /* payload bytes decompressed */
	uint32_t events;
	uint64_t first_seq;
	uint64_t last_seq;
	uint64_t first_time_ns;
	uint64_t last_time_ns;
};

HVT_API int hvt_reader_open(hvt_reader **out, const char *path,
			    const struct hvt_reader_opts *opts);
/* Reads a trace held in memory; buf is borrowed and must outlive the reader. */
HVT_API int hvt_reader_open_memory(hvt_reader **out, const void *buf, size_t len,
				   const struct hvt_reader_opts *opts);
/* NULL is accepted. */
HVT_API void hvt_reader_close(hvt_reader *r);

/* The last failure: "chunk at offset 8192: payload checksum mismatch". When
 * hvt_reader_open fails, *out is NULL and the message is in
 * hvt_reader_open_error (hvt_reader_error(NULL) gives the same). */
HVT_API const char *hvt_reader_error(const hvt_reader *r);
HVT_API uint64_t hvt_reader_error_offset(const hvt_reader *r);
/* Opening failed: the message is kept here, per thread, until the next open. */
HVT_API const char *hvt_reader_open_error(void);

HVT_API void hvt_reader_get_info(const hvt_reader *r, struct hvt_trace_info *out);
HVT_API uint32_t hvt_reader_stream_count(const hvt_reader *r);
HVT_API int hvt_reader_stream_info(const hvt_reader *r, uint32_t i, struct hvt_stream_info *out);
HVT_API uint64_t hvt_reader_chunk_count(const hvt_reader *r);
HVT_API int hvt_reader_chunk_info(const hvt_reader *r, uint64_t i, struct hvt_chunk_info *out);
/* Reads chunk i, checks its header and payload checksums, decompresses and
 * decodes every event. 0 if intact. */
HVT_API int hvt_reader_verify_chunk(hvt_reader *r, uint64_t i);

/* Metadata: key/value pairs in file order, a later key overriding. Values
 * are NUL-terminated for convenience (len excludes the NUL). */
HVT_API size_t hvt_reader_meta_count(const hvt_reader *r);
HVT_API int hvt_reader_meta_at(const hvt_reader *r, size_t i, const char **key,
			       const char **value, size_t *len);
HVT_API int hvt_reader_meta_get(const hvt_reader *r, const char *key,
				const char **value, size_t *len);
/* A blob, read and checked on first use; owned by the reader. */
HVT_API int hvt_reader_blob(hvt_reader *r, const char *name, const uint8_t **data,
			    size_t *len);
/* The name of the i-th blob in file order (by its first part) into buf
 * (room: 256 bytes holds any name). 0, HVT_E_NOT_FOUND past the last, or the
 * error of reading a blob chunk. */
HVT_API int hvt_reader_blob_name(hvt_reader *r, size_t i, char *buf, size_t len);

/* Merged iteration. Returns 1 and sets *ev (valid until the next call), 0 at
 * the end, or a negative error; after an error every call returns it again
 * until hvt_reader_rewind or a seek. */
HVT_API int hvt_reader_next(hvt_reader *r, const hvt_event **ev);
HVT_API int hvt_reader_rewind(hvt_reader *r);
/* Position so that the next event is the first with time >= time_ns. */
HVT_API int hvt_reader_seek_time(hvt_reader *r, uint64_t time_ns);
/* Position so that the next event returned is (stream, seq); events of other
 * streams resume at the first with a time >= that event's time. */
HVT_API int hvt_reader_seek_seq(hvt_reader *r, uint32_t stream, uint64_t seq);

/* Stream cursors walk one stream (one vCPU) in sequence order across its
 * chunks, independently of the merged iteration: replay gives each vCPU
 * thread its own. The reader must outlive them; each is single-threaded. */
typedef struct hvt_stream_cursor hvt_stream_cursor;
HVT_API int hvt_stream_cursor_create(hvt_reader *r, uint32_t stream, hvt_stream_cursor **out);
/* 1 and *ev (valid until the next call), 0 at the stream's end, or an error
 * (message in hvt_stream_cursor_error). */
HVT_API int hvt_stream_cursor_next(hvt_stream_cursor *c, const hvt_event **ev);
HVT_API const char *hvt_stream_cursor_error(const hvt_stream_cursor *c);
HVT_API void hvt_stream_cursor_free(hvt_stream_cursor *c);

/* Chunk cursors decode one events chunk at a time; give each thread its own
 * to decode chunks in parallel (the reader's file access is thread-safe). */
HVT_API int hvt_chunk_cursor_create(hvt_reader *r, hvt_chunk_cursor **out);
HVT_API int hvt_chunk_cursor_load(hvt_chunk_cursor *c, uint64_t chunk_index);
HVT_API int hvt_chunk_cursor_next(hvt_chunk_cursor *c, const hvt_event **ev);
HVT_API const char *hvt_chunk_cursor_error(const hvt_chunk_cursor *c);
HVT_API void hvt_chunk_cursor_free(hvt_chunk_cursor *c);

/* Fields a chunk cursor decodes. A v2 trace stores each of these as its own
 * column, and a cursor decodes only the columns asked for: stats by kind
 * asks for HVT_FIELD_DURATION | HVT_FIELD_VALUE and skips the rest. Always
 * decoded: type, kind, flags, stream, seq, time_ns, pc, addr, size, count,
 * raw_reason, syndrome, fault_va. A field not asked for reads as 0 (v1
 * traces decode every field anyway). Columns not decoded are not checked
 * beyond their bounds; `hvtrace check` decodes them all. */
#define HVT_FIELD_DURATION 0x01u  /* duration_ns */
#define HVT_FIELD_RUN 0x02u       /* run_ns (decodes duration too: it predicts run) */
#define HVT_FIELD_VALUE 0x04u     /* value */
#define HVT_FIELD_REGS_HASH 0x08u /* regs_hash */
#define HVT_FIELD_DATA 0x10u      /* data_len and data */
#define HVT_FIELDS_ALL 0x1fu
/* Takes effect at the next hvt_chunk_cursor_load. 0 or HVT_E_INVAL (an
 * unknown bit). The default is HVT_FIELDS_ALL. */
HVT_API int hvt_chunk_cursor_set_fields(hvt_chunk_cursor *c, unsigned fields);

/* Columnar reading: events handed out as arrays, one per field (a struct of
 * arrays), so a consumer that wants a few fields of many events pays for
 * those fields only, and a v2 trace's columns decode straight into the
 * caller's arrays in tight loops instead of into one hvt_event each.
 *
 * struct hvt_columns names the caller's arrays, each `capacity` entries
 * long; NULL = that field is not wanted (and, on v2, its column is not
 * decoded when nothing else needs it). Same field meanings as hvt_event;
 * data[i] points at data_len[i] bytes borrowed from the reader (valid until
 * the next call on the same object). Start with HVT_COLUMNS_INIT or
 * HVT_OPTS(hvt_columns, ...): sz follows the options rule of api.h. */
struct hvt_columns {
	size_t sz;               /* sizeof(struct hvt_columns) */
	uint32_t capacity;       /* entries in each array below (> 0) */
	uint64_t *time_ns;
	uint32_t *stream;
	uint64_t *seq;
	uint8_t *type;
	uint8_t *kind;
	uint16_t *flags;
	uint64_t *pc;
	uint64_t *addr;
	uint64_t *value;
	uint64_t *duration_ns;
	uint64_t *run_ns;
	uint32_t *size;
	uint32_t *count;
	uint32_t *raw_reason;
	uint32_t *regs_hash;
	uint64_t *syndrome;
	uint64_t *fault_va;
	uint32_t *data_len;      /* set with data, or alone */
	const uint8_t **data;
};
#define HVT_COLUMNS_INIT { .sz = sizeof(struct hvt_columns) }

/* Chunk cursor, columnar: the next min(capacity, left) events of the loaded
 * chunk into the arrays of cols that are set. Returns the count, 0 at the
 * chunk's end (after the same end checks as hvt_chunk_cursor_next), or a
 * negative error (message in hvt_chunk_cursor_error). A field outside the
 * cursor's hvt_chunk_cursor_set_fields reads as 0. May be mixed with
 * hvt_chunk_cursor_next on one chunk; the order is the chunk's. */
HVT_API int hvt_chunk_cursor_next_columns(hvt_chunk_cursor *c, const struct hvt_columns *cols);

/* Merged columnar reading: the events of hvt_reader_next, in the same order
 * (time; ties: lower stream, then sequence), in batches of arrays. A batch
 * reader has its own position (it does not move hvt_reader_next's) and its
 * own chunk cursors; the reader must outlive it; it is single-threaded.
 * `columns` (HVT_COLUMN_* bits below) fixes the fields for its life: each
 * hvt_batch_reader_next must set exactly those arrays (others must be NULL).
 * Works on v1 traces too (decoded event by event, then spread). */
typedef struct hvt_batch_reader hvt_batch_reader;
#define HVT_COLUMN_TIME_NS (1u << 0)
#define HVT_COLUMN_STREAM (1u << 1)
#define HVT_COLUMN_SEQ (1u << 2)
#define HVT_COLUMN_TYPE (1u << 3)
#define HVT_COLUMN_KIND (1u << 4)
#define HVT_COLUMN_FLAGS (1u << 5)
#define HVT_COLUMN_PC (1u << 6)
#define HVT_COLUMN_ADDR (1u << 7)
#define HVT_COLUMN_VALUE (1u << 8)
#define HVT_COLUMN_DURATION_NS (1u << 9)
#define HVT_COLUMN_RUN_NS (1u << 10)
#define HVT_COLUMN_SIZE (1u << 11)
#define HVT_COLUMN_COUNT (1u << 12)
#define HVT_COLUMN_RAW_REASON (1u << 13)
#define HVT_COLUMN_REGS_HASH (1u << 14)
#define HVT_COLUMN_SYNDROME (1u << 15)
#define HVT_COLUMN_FAULT_VA (1u << 16)
#define HVT_COLUMN_DATA (1u << 17) /* data_len and data */
#define HVT_COLUMNS_ALL ((1u << 18) - 1)
/* The bits of the arrays cols sets (for hvt_batch_reader_create). */
HVT_API unsigned hvt_columns_mask(const struct hvt_columns *cols);
HVT_API int hvt_batch_reader_create(hvt_reader *r, unsigned columns, hvt_batch_reader **out);
/* NULL is accepted. */
HVT_API void hvt_batch_reader_free(hvt_batch_reader *b);
/* Fills up to cols->capacity events. Returns the count, 0 at the end, or a
 * negative error (hvt_batch_reader_error names the offset); after an error
 * every call returns it again until a rewind or a seek. A batch may stop
 * short of capacity where a stream moves to its next chunk (so data stays
 * valid until the next call): only 0 means the end. */
HVT_API int hvt_batch_reader_next(hvt_batch_reader *b, const struct hvt_columns *cols);
HVT_API int hvt_batch_reader_rewind(hvt_batch_reader *b);
/* As hvt_reader_seek_time and hvt_reader_seek_seq. */
HVT_API int hvt_batch_reader_seek_time(hvt_batch_reader *b, uint64_t time_ns);
HVT_API int hvt_batch_reader_seek_seq(hvt_batch_reader *b, uint32_t stream, uint64_t seq);
HVT_API const char *hvt_batch_reader_error(const hvt_batch_reader *b);
HVT_API uint64_t hvt_batch_reader_error_offset(const hvt_batch_reader *b);

#ifdef __cplusplus
}
#endif
#endif
