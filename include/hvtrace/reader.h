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

#ifdef __cplusplus
}
#endif
#endif
