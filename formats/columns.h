/* The v2 events payload: columnar (formats/FORMAT.md, "Events chunk payload,
 * v2", is the byte-level specification and says why, by measurement).
 *
 * An event is a shape (the fields that repeat at one site: type, kind,
 * flags, pc, addr, size, count, raw_reason, syndrome, fault_va), stored once
 * in a per-chunk dictionary, plus six per-event fields, each its own column:
 * time delta, duration, run residual, value delta (from the last value of
 * the same shape), register checksum, data length; then the data bytes.
 * A column is stored as byte planes: every event's lowest byte, then every
 * event's next byte, up to the column's width (the fewest bytes that hold
 * its largest value; 0 when all are zero). zstd's Huffman stage sees each
 * plane as one homogeneous distribution, and the decoder's inner loops are
 * plain byte gathers the compiler vectorizes.
 *
 * The builder (writer side) and the column reader (reader side) share
 * nothing but this header; both reset at every chunk. */
#ifndef HVT_FORMATS_COLUMNS_H
#define HVT_FORMATS_COLUMNS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hvtrace/event.h"

/* Per-event columns, in payload order after the shape id column. */
enum hvt_col {
	HVT_COL_TIME,     /* time - previous event's time (the first: 0) */
	HVT_COL_DURATION, /* duration_ns */
	HVT_COL_RUN,      /* zigzag(run_ns - predicted), predicted as in v1 */
	HVT_COL_VALUE,    /* zigzag(value - the shape's previous value) */
	HVT_COL_REGS,     /* regs_hash */
	HVT_COL_DATA_LEN, /* data_len */
	HVT_COL_COUNT
};

/* Format limits (a reader refuses more). */
#define HVT_COL_MAX_SHAPES 65536u  /* shape ids are 1 or 2 bytes */
#define HVT_COL_MIN_SHAPE_BYTES 9u /* tag + 8 one-byte varints */
/* The writer's own caps per chunk: they bound its memory (not the format's). */
#define HVT_COL_WRITER_MAX_EVENTS 65536u
#define HVT_COL_WRITER_MAX_SHAPES 4096u
/* Events decoded at once into the reader's batch. */
#define HVT_COL_BATCH 256u

/* The fields of an event that its shape carries. */
struct hvt_shape {
	uint64_t pc;
	uint64_t addr;
	uint64_t syndrome;
	uint64_t fault_va;
	uint32_t size;
	uint32_t count;
	uint32_t raw_reason;
	uint16_t flags;
	uint8_t tag;          /* type | kind << 4 */
	uint8_t pad;          /* 0: the struct is compared bytewise */
};

/* Writer side: one chunk being built, column by column. */
struct hvt_col_builder {
	uint32_t events;
	uint32_t max_events;
	uint16_t *shape_id;                 /* per event */
	uint64_t *col[HVT_COL_COUNT];       /* per event, as stored (deltas, zigzags) */
	uint64_t col_or[HVT_COL_COUNT];     /* OR of every value: gives the width */
	uint8_t *data;                      /* data bytes of every event, in order */
	size_t data_len;
	size_t data_cap;
	struct hvt_shape *shapes;           /* the dictionary, in first-use order */
	uint64_t *last_value;               /* per shape */
	uint32_t nshapes;
	size_t shape_bytes;                 /* encoded size of the dictionary */
	uint16_t *hash;                     /* shape index + 1; 0 = empty */
	uint64_t time_ns;                   /* previous event's time */
	uint64_t entry_ns;                  /* previous exit's time + duration */
	int have_entry;
};

#define HVT_COL_FULL 1 /* hvt_col_add: emit the chunk, then add again */

/* Allocates (and touches) room for a full chunk; data_cap_bytes is the data
 * a chunk may hold before it is full. 0 or HVT_E_NOMEM. */
int hvt_col_builder_init(struct hvt_col_builder *b, size_t data_cap_bytes);
void hvt_col_builder_free(struct hvt_col_builder *b);
void hvt_col_builder_reset(struct hvt_col_builder *b, uint64_t first_time_ns);
/* Adds ev (time not below the previous event's). 0, HVT_COL_FULL when the
 * chunk has no room for it (nothing changed), or HVT_E_NOMEM. */
int hvt_col_add(struct hvt_col_builder *b, const hvt_event *ev);
/* Exact size of the payload hvt_col_finish would write now. */
size_t hvt_col_raw_bytes(const struct hvt_col_builder *b);
/* Writes the payload (hvt_col_raw_bytes of room) and returns its size. */
size_t hvt_col_finish(const struct hvt_col_builder *b, uint8_t *out);

/* Reader side: one chunk's columns, decoded in batches. */
struct hvt_col_plane {
	const uint8_t *p;   /* plane 0 of the column; plane k at p + k * events */
	uint8_t width;      /* bytes per value: 0..8 */
};

struct hvt_col_reader {
	uint32_t events;
	uint32_t next;                      /* first event of the next batch */
	uint64_t last_time_ns;              /* the chunk header's */
	unsigned fields;                    /* HVT_FIELD_* asked for */
	uint32_t nshapes;
	hvt_event *tmpl;                    /* per shape: the event with its shape's fields */
	uint64_t *last_value;               /* per shape */
	uint32_t shapes_cap;
	struct hvt_col_plane sid;           /* shape ids */
	struct hvt_col_plane col[HVT_COL_COUNT];
	const uint8_t *data;                /* the data bytes */
	uint64_t data_bytes;
	uint64_t data_used;
	uint64_t time_ns;
	uint64_t entry_ns;
	int have_entry;
	/* The shapes again as one array per field, for decoding straight into
	 * the caller's arrays (columns_soa.c builds them on first use). */
	struct {
		uint64_t *pc, *addr, *syndrome, *fault_va;
		uint32_t *size, *count, *raw_reason;
		uint16_t *flags;
		uint8_t *type, *kind;
	} sc;
	void *sc_mem;
	uint32_t sc_cap;                    /* shapes sc_mem has room for */
	int sc_ready;                       /* sc holds this chunk's shapes */
};

/* Parses the dictionary and locates every column of a payload of raw_bytes
 * holding events events. 0, HVT_E_BAD_EVENT / HVT_E_BAD_LENGTH with *why
 * set, or HVT_E_NOMEM. fields: HVT_FIELD_* (hvtrace/reader.h). */
int hvt_col_open(struct hvt_col_reader *r, const uint8_t *raw, size_t raw_bytes, uint32_t events,
		 uint64_t first_time_ns, uint64_t last_time_ns, unsigned fields, const char **why);
/* Decodes the next min(max, left) events into out (data borrowed from the
 * payload; stream and seq are the caller's). Returns the count (0 at the
 * end) or a negative error with *why; *bad_index gets the failing event. */
int hvt_col_next_batch(struct hvt_col_reader *r, hvt_event *out, uint32_t max, uint32_t *bad_index,
		       const char **why);
/* After the last batch: every data byte was used (when data was decoded). */
const char *hvt_col_end_problem(const struct hvt_col_reader *r);
void hvt_col_reader_free(struct hvt_col_reader *r);

/* Decodes the next min(max, left) events into the arrays of o that are set,
 * at entries at..at+count (columns_soa.c: the columnar read of reader.h;
 * stream and seq are the caller's). Returns the count or a negative error
 * with *why, *bad_index the failing event counted from the first decoded. */
struct hvt_columns;
int hvt_col_next_columns(struct hvt_col_reader *r, const struct hvt_columns *o, uint32_t at,
			 uint32_t max, uint32_t *bad_index, const char **why);

/* Shared by both decoders. The first event of a batch (sid: shape ids, dt:
 * time deltas) that breaks a check, for the message: the slow path. */
int hvt_col_batch_problem(const struct hvt_col_reader *r, uint32_t n, const uint64_t *sid,
			  const uint64_t *dt, uint32_t *bad_index, const char **why);

/* Values k..k+n of a column into out: plane by plane, so each inner loop is
 * a byte gather the compiler vectorizes. */
static inline void hvt_col_gather(const struct hvt_col_plane *c, uint32_t events, uint32_t k,
				  uint32_t n, uint64_t *out)
{
	const uint8_t *pl = c->p + k;
	if (!c->width) {
		memset(out, 0, n * sizeof(*out));
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		out[i] = pl[i];
	for (uint8_t b = 1; b < c->width; b++) {
		pl += events;
		for (uint32_t i = 0; i < n; i++)
			out[i] |= (uint64_t)pl[i] << (8 * b);
	}
}

/* The same into 32-bit values (shape ids, register checksums: width <= 4). */
static inline void hvt_col_gather32(const struct hvt_col_plane *c, uint32_t events, uint32_t k,
				    uint32_t n, uint32_t *out)
{
	const uint8_t *pl = c->p + k;
	if (!c->width) {
		memset(out, 0, n * sizeof(*out));
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		out[i] = pl[i];
	for (uint8_t b = 1; b < c->width && b < 4; b++) {
		pl += events;
		for (uint32_t i = 0; i < n; i++)
			out[i] |= (uint32_t)pl[i] << (8 * b);
	}
}

#endif
