/* hvtrace: the trace writer.
 *
 * A writer owns one trace file and one background thread. Each vCPU thread
 * appends to its own stream (single producer); the append copies the event
 * into a per-stream ring and returns. Encoding, checksums, compression and
 * file writes happen on the background thread, which also flushes whatever
 * is buffered every flush interval, so a crash loses at most about one
 * interval of events. Memory is bounded: one ring per stream plus one chunk
 * being built per stream. When a ring is full the appending thread waits
 * (back-pressure): events are never dropped.
 */
#ifndef HVTRACE_WRITER_H
#define HVTRACE_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include "hvtrace/api.h"
#include "hvtrace/event.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hvt_writer hvt_writer;
typedef struct hvt_stream hvt_stream;

/* Options: HVT_OPTS(hvt_writer_opts, .field = value, ...) or
 * HVT_WRITER_OPTS_INIT; zero fields take defaults. The leading sz lets the
 * struct grow (api.h: unknown fields of a newer caller must be zero). */
struct hvt_writer_opts {
	size_t sz;                   /* sizeof(struct hvt_writer_opts) */
	int zstd_level;              /* compression level; default 1; -1 stores raw */
	uint32_t chunk_raw_bytes;    /* target raw payload per chunk; default 1 MiB */
	uint32_t flush_interval_ms;  /* background flush period; default 50 ms */
	uint64_t stream_buffer_bytes;/* ring per stream: the bound on events in flight;
	                              * default 4 MiB (64 MiB for 16 vCPUs), a power of
	                              * two >= 64 KiB; an event's data may use a quarter */
	int fsync;                   /* nonzero: fsync after every flush */
	uint64_t time_origin_ns;     /* CLOCK_MONOTONIC ns that event times count from; 0 = now */
	uint32_t format_version;     /* major version to write: 1 (rows) or 2 (columns);
	                              * 0 = the default, 2 (formats/FORMAT.md) */
};
#define HVT_WRITER_OPTS_INIT { .sz = sizeof(struct hvt_writer_opts) }

/* Counters, readable at any time (approximate while streams append). */
struct hvt_writer_stats {
	uint64_t events;          /* events appended */
	uint64_t chunks;          /* chunks written (all types) */
	uint64_t raw_bytes;       /* encoded payload bytes before compression */
	uint64_t file_bytes;      /* bytes written to the file */
	uint64_t stalls;          /* times an appending thread waited for ring space */
	uint64_t background_cpu_ns; /* CPU time the background thread has used */
};

/* Creates (truncates) path and writes the file header. */
HVT_API int hvt_writer_create(hvt_writer **out, const char *path,
			      const struct hvt_writer_opts *opts);

/* Metadata and blobs are written at once, in order, on the calling thread.
 * Keys are short ASCII names (<= 255 bytes); a key set twice keeps the last
 * value. Metadata over 16 MiB in all (replaced values included) is refused
 * with HVT_E_INVAL, since readers would refuse the trace. Blobs (the guest
 * image) may be large and are split into chunks; a blob name may be used
 * once (HVT_E_INVAL otherwise). */
HVT_API int hvt_writer_set_meta(hvt_writer *w, const char *key, const void *value,
				size_t value_len);
HVT_API int hvt_writer_set_meta_str(hvt_writer *w, const char *key, const char *value);
HVT_API int hvt_writer_put_blob(hvt_writer *w, const char *name, const void *data,
				size_t len);

/* Opens stream stream_id (< HVT_MAX_STREAMS) for one producer thread. The
 * stream is owned by the writer and valid until hvt_writer_close. */
HVT_API int hvt_writer_open_stream(hvt_writer *w, uint32_t stream_id, hvt_stream **out);

/* Copies ev (and ev->data) into the stream and assigns its sequence number
 * (ev->seq and ev->stream are ignored). Times within a stream must not go
 * backwards: an earlier time is raised to the previous one. Only the
 * stream's owning thread may call this. Blocks while the ring is full. */
HVT_API int hvt_stream_append(hvt_stream *s, const hvt_event *ev);
/* The sequence number the next append will get. */
HVT_API uint64_t hvt_stream_next_seq(const hvt_stream *s);

/* Makes everything appended so far durable in the file (written, and
 * fsync'd when opts.fsync). Safe from any thread. */
HVT_API int hvt_writer_flush(hvt_writer *w);

/* Flushes, writes the footer index, closes and frees. Returns the first
 * error the writer met (appends after an error return HVT_E_CLOSED). NULL is
 * accepted. */
HVT_API int hvt_writer_close(hvt_writer *w);

HVT_API void hvt_writer_get_stats(const hvt_writer *w, struct hvt_writer_stats *out);
/* The message of the first failure ("writing chunk at offset 4096: No space
 * left on device"), or "" when none. */
HVT_API const char *hvt_writer_error(const hvt_writer *w);

/* The message of the last hvt_writer_create or hvt_writer_close that failed
 * on this thread (the writer is gone by then), or "". */
HVT_API const char *hvt_writer_last_error(void);

/* Host CLOCK_MONOTONIC in ns: the clock event times are measured with. */
HVT_API uint64_t hvt_monotonic_ns(void);

#ifdef __cplusplus
}
#endif
#endif
