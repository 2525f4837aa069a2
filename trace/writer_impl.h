/* Writer internals shared by the files of trace/ that implement it. */
#ifndef HVT_TRACE_WRITER_IMPL_H
#define HVT_TRACE_WRITER_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <zstd.h>

#include "codec.h"
#include "columns.h"
#include "hvtrace/hvtrace.h"
#include "layout.h"
#include "ring.h"

/* Compression scratch: one per thread that writes chunks. */
struct hvt_scratch {
	ZSTD_CCtx *cctx;
	uint8_t *buf;       /* compressed payload */
	size_t cap_bytes;
};

/* The chunk a stream is building on the background thread. */
struct hvt_chunk_builder {
	int columnar;            /* v2: events go to col, the payload is built at emit */
	uint8_t *raw;            /* encoded events (v1), the finished payload (v2) */
	size_t raw_len;
	size_t raw_cap;
	uint32_t events;
	uint64_t first_seq;
	uint64_t first_time_ns;
	uint64_t last_time_ns;
	uint64_t next_seq;       /* seq of the next event taken from the ring */
	struct hvt_codec_state codec;  /* v1 */
	struct hvt_col_builder col;    /* v2 */
};

struct hvt_stream {
	struct hvt_writer *w;
	uint32_t id;
	struct hvt_ring ring;
	/* Producer side: touched only by the owning vCPU thread. */
	uint64_t head;           /* local copy of ring.head */
	uint64_t next_seq;
	uint64_t last_time_ns;
	uint32_t max_data_bytes; /* a quarter of the ring */
	/* Consumer side: touched only by the background thread. */
	struct hvt_chunk_builder chunk;
};

struct hvt_writer {
	struct hvt_writer_opts opts;
	int fd;

	/* The file end and index, shared by the API thread (meta, blobs) and
	 * the background thread (events). */
	pthread_mutex_t file_mu;
	uint64_t file_offset;
	uint8_t *index;          /* HVT_INDEX_ENTRY_BYTES per chunk written */
	size_t index_len;        /* bytes */
	size_t index_cap;
	struct hvt_scratch api_scratch;
	char **blob_names;       /* blobs put so far: a name may be used once */
	size_t nblob_names;
	uint64_t meta_bytes;     /* keys + values of every metadata entry written */

	/* Background thread and its wake-ups. */
	pthread_t thread;
	int thread_started;
	pthread_mutex_t mu;
	pthread_cond_t work_cond;   /* wakes the background thread */
	pthread_cond_t space_cond;  /* wakes producers waiting for ring space */
	pthread_cond_t flush_cond;  /* wakes hvt_writer_flush callers */
	int stop;
	uint64_t flush_requested;
	uint64_t flush_done;
	_Atomic int kicked;
	struct hvt_stream *streams[HVT_MAX_STREAMS];
	_Atomic uint32_t stream_slots; /* highest opened id + 1 */
	struct hvt_scratch bg_scratch;

	/* First failure; once set, appends fail and the footer is not written. */
	_Atomic int fail_claimed; /* the first failure is being recorded */
	_Atomic int failed;       /* set once first_err and errmsg are written */
	int first_err;
	char errmsg[256];

	_Atomic uint64_t stat_events;
	_Atomic uint64_t stat_chunks;
	_Atomic uint64_t stat_raw_bytes;
	_Atomic uint64_t stat_stalls;
	_Atomic uint64_t stat_bg_cpu_ns;
};

int hvt_scratch_init(struct hvt_scratch *s);
void hvt_scratch_free(struct hvt_scratch *s);

/* Compresses (level < 0: stores) raw into a chunk with header h (sizes and
 * hash filled in here), appends it to the file and the index. Takes file_mu. */
int hvt_writer_emit_chunk(struct hvt_writer *w, struct hvt_scratch *s, struct hvt_chunk_header *h,
			  const uint8_t *raw, size_t raw_len);

/* Records the first failure (later ones are ignored) and returns err. */
int hvt_writer_fail(struct hvt_writer *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* *ts = now (CLOCK_REALTIME) + wait_ns, for pthread_cond_timedwait. */
void hvt_deadline_after(uint64_t wait_ns, struct timespec *ts);
void *hvt_writer_thread_main(void *arg);
void hvt_writer_wake(struct hvt_writer *w);
/* Room for a chunk plus the stream's largest event, touched at once. */
int hvt_chunk_builder_prepare(struct hvt_chunk_builder *c, uint32_t chunk_raw_bytes,
			      uint32_t max_data_bytes, uint32_t format_version);
void hvt_chunk_builder_free(struct hvt_chunk_builder *c);
/* Sizes s for chunks of chunk_raw_bytes and warms zstd's workspace. */
int hvt_scratch_prepare(struct hvt_scratch *s, uint32_t chunk_raw_bytes, int level);

#endif
