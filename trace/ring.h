/* A single-producer single-consumer byte ring carrying raw events from a
 * vCPU thread to the writer's background thread. The producer copies the
 * event struct and its payload and publishes with one release store; no
 * lock, no syscall on the hot path. Records are 8-byte aligned and never
 * wrap: a pad record fills the end of the buffer when one would. */
#ifndef HVT_TRACE_RING_H
#define HVT_TRACE_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hvtrace/event.h"

struct hvt_ring_rec {
	uint32_t len_bytes; /* whole record, header included, multiple of 8 */
	uint32_t is_pad;    /* 1: filler up to the end of the buffer */
	hvt_event ev;       /* ev.data is meaningless here: the payload follows */
};

struct hvt_ring {
	uint8_t *buf;
	uint64_t cap_bytes;                 /* power of two */
	_Alignas(64) _Atomic uint64_t head; /* producer's write position (bytes, ever growing) */
	uint64_t tail_cached;               /* producer's last look at tail */
	_Alignas(64) _Atomic uint64_t tail; /* consumer's read position */
	_Atomic int producer_waiting;       /* producer blocked for space */
};

int hvt_ring_init(struct hvt_ring *r, uint64_t cap_bytes);
void hvt_ring_destroy(struct hvt_ring *r);

static inline uint32_t hvt_ring_rec_bytes(uint32_t data_len)
{
	return (uint32_t)((sizeof(struct hvt_ring_rec) + data_len + 7) & ~(size_t)7);
}

/* Bytes the producer needs free to place a record of rec_bytes at head:
 * the record plus the pad that skips the end of the buffer when it would
 * not fit there. */
static inline uint64_t hvt_ring_need(const struct hvt_ring *r, uint64_t head, uint32_t rec_bytes)
{
	uint64_t to_end = r->cap_bytes - (head & (r->cap_bytes - 1));
	return rec_bytes <= to_end ? rec_bytes : to_end + rec_bytes;
}

/* Producer: true when the record fits now (refreshing the cached tail). */
static inline int hvt_ring_has_room(struct hvt_ring *r, uint64_t head, uint64_t need)
{
	if (r->cap_bytes - (head - r->tail_cached) >= need)
		return 1;
	r->tail_cached = atomic_load_explicit(&r->tail, memory_order_acquire);
	return r->cap_bytes - (head - r->tail_cached) >= need;
}

/* Producer: writes ev at head (room already checked) and publishes it.
 * Returns the bytes now in use. */
static inline uint64_t hvt_ring_put(struct hvt_ring *r, uint64_t head, const hvt_event *ev,
				    uint32_t rec_bytes)
{
	uint64_t mask = r->cap_bytes - 1;
	uint64_t to_end = r->cap_bytes - (head & mask);
	if (rec_bytes > to_end) {
		struct hvt_ring_rec *pad = (struct hvt_ring_rec *)(r->buf + (head & mask));
		pad->len_bytes = (uint32_t)to_end;
		pad->is_pad = 1;
		head += to_end;
	}
	struct hvt_ring_rec *rec = (struct hvt_ring_rec *)(r->buf + (head & mask));
	rec->len_bytes = rec_bytes;
	rec->is_pad = 0;
	rec->ev = *ev;
	if (ev->data_len)
		memcpy(rec + 1, ev->data, ev->data_len);
	head += rec_bytes;
	atomic_store_explicit(&r->head, head, memory_order_release);
	return head - r->tail_cached;
}

#endif
