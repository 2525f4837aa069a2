/* The event codec shared by the writer and the reader.
 *
 * An event is a tag byte (type | kind << 4), a varint mask of the fields
 * present, then those fields. Most fields are predicted from the previous
 * event of the same tag in the chunk (its "slot"), and are present only when
 * they differ from the prediction: a run of identical exits costs two bytes
 * each. Time is a delta from the previous event; an exit's run time is
 * predicted as the time since the previous exit's re-entry (exit time plus
 * handling time), which is exact for a run loop that reads one clock at
 * entry and at exit. All bases reset at every chunk, so chunks decode alone.
 * formats/FORMAT.md is the byte-level specification. */
#ifndef HVT_FORMATS_CODEC_H
#define HVT_FORMATS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "hvtrace/event.h"

#define HVT_CODEC_SLOTS 144 /* 9 types x 16 kinds */

/* The fields of an event that are predicted from its slot. */
struct hvt_slot {
	uint64_t pc;
	uint64_t addr;
	uint64_t value;
	uint64_t syndrome;
	uint64_t fault_va;
	uint32_t size;
	uint32_t count;
	uint32_t raw_reason;
	uint16_t flags;
};

/* Prediction state; reset with hvt_codec_reset at the start of every chunk. */
struct hvt_codec_state {
	uint64_t time_ns;     /* previous event's time (the chunk's first time at reset) */
	uint64_t entry_ns;    /* previous exit's time + handling time: when the vCPU re-entered */
	int have_entry;       /* an exit has been coded in this chunk */
	struct hvt_slot slot[HVT_CODEC_SLOTS];
};

/* Field mask bits, in encoding order; the usual ones fit the first byte. */
enum {
	HVT_F_TIME = 1u << 0,       /* varint delta from the previous event's time */
	HVT_F_DURATION = 1u << 1,   /* varint, present when nonzero */
	HVT_F_REGS_HASH = 1u << 2,  /* 4 bytes LE, present when nonzero */
	HVT_F_PC = 1u << 3,         /* zigzag delta from the slot */
	HVT_F_VALUE = 1u << 4,      /* zigzag delta from the slot */
	HVT_F_RUN = 1u << 5,        /* zigzag difference from the predicted run time */
	HVT_F_ADDR = 1u << 6,       /* zigzag delta from the slot */
	HVT_F_SIZE = 1u << 7,       /* varint, present when it differs from the slot */
	HVT_F_COUNT = 1u << 8,      /* likewise */
	HVT_F_RAW_REASON = 1u << 9, /* likewise */
	HVT_F_FLAGS = 1u << 10,     /* likewise */
	HVT_F_SYNDROME = 1u << 11,  /* likewise */
	HVT_F_FAULT_VA = 1u << 12,  /* likewise */
	HVT_F_DATA = 1u << 13,      /* varint length (> 0) then the bytes */
	HVT_F_ALL = (1u << 14) - 1
};

void hvt_codec_reset(struct hvt_codec_state *s, uint64_t first_time_ns);

/* Bytes hvt_event_encode may write for ev, at most. */
static inline size_t hvt_event_encoded_max(const hvt_event *ev)
{
	return 1 + 3 + 13 * 10 + (size_t)ev->data_len;
}

/* 1 when type is an hvt_event_type and kind is within its range. */
int hvt_event_kind_valid(unsigned type, unsigned kind);

/* Encodes ev at out (room: hvt_event_encoded_max). ev->time_ns must not be
 * below s->time_ns. Returns the bytes written. */
size_t hvt_event_encode(struct hvt_codec_state *s, const hvt_event *ev, uint8_t *out);

/* Decodes one event from [*pp, end) into ev (data borrowed from the input),
 * checking every field's bounds and that the encoding is the canonical one.
 * 0 and *pp advanced, or HVT_E_BAD_EVENT with *why set to a constant
 * explanation. stream and seq are the caller's. */
int hvt_event_decode(struct hvt_codec_state *s, const uint8_t **pp, const uint8_t *end,
		     hvt_event *ev, const char **why);

#endif
