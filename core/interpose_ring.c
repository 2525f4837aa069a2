/* The interposer's shared rings: single producer (a vCPU's thread in the
 * VMM), single consumer (the launcher), fixed 64-byte records.
 *
 * Publication: the producer writes records past head, then stores head with
 * release; the consumer loads head with acquire, copies, then stores tail
 * with release. A full producer sleeps on tail_futex (a shared futex: the
 * two sides are different processes), in slices, and gives up once the
 * consumer's heartbeat is older than HVT_IRING_CONSUMER_DEAD_NS: a VMM must
 * never hang because its recorder died. */
#define _GNU_SOURCE
#include "interpose_ring.h"

#include <string.h>
#include <time.h>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#define RING_MASK (HVT_IRING_RECORDS - 1u)
#define WAIT_SLICE_NS 10000000L /* a full producer re-checks the consumer every 10 ms */

_Static_assert(sizeof(struct hvt_iring_rec) == 64, "records are one cache line");
_Static_assert((HVT_IRING_RECORDS & RING_MASK) == 0, "ring size is a power of two");

/* CLOCK_MONOTONIC through the vDSO: no syscall on the hot path. */
static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void hvt_iring_region_init(struct hvt_iring_region *r)
{
	r->magic = HVT_IRING_MAGIC;
	r->version = HVT_IRING_VERSION;
	r->rec_bytes = sizeof(struct hvt_iring_rec);
	r->region_bytes = sizeof(*r);
	atomic_store(&r->consumer_beat_ns, now_ns());
}

int hvt_iring_region_check(const struct hvt_iring_region *r, size_t mapped_bytes)
{
	if (mapped_bytes < sizeof(*r) || r->magic != HVT_IRING_MAGIC ||
	    r->version != HVT_IRING_VERSION || r->rec_bytes != sizeof(struct hvt_iring_rec) ||
	    r->region_bytes != sizeof(*r))
		return -1;
	return 0;
}

static void futex_wait(_Atomic uint32_t *word, uint32_t seen)
{
#ifdef __linux__
	struct timespec slice = {0, WAIT_SLICE_NS};
	syscall(SYS_futex, word, FUTEX_WAIT, seen, &slice, NULL, 0);
#else
	(void)word;
	(void)seen;
	struct timespec slice = {0, WAIT_SLICE_NS / 10};
	nanosleep(&slice, NULL);
#endif
}

static void futex_wake(_Atomic uint32_t *word)
{
#ifdef __linux__
	syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
#else
	(void)word;
#endif
}

static int consumer_alive(const struct hvt_iring_region *region)
{
	uint64_t beat = atomic_load_explicit(&region->consumer_beat_ns, memory_order_relaxed);
	uint64_t now = now_ns();
	return now < beat || now - beat < HVT_IRING_CONSUMER_DEAD_NS;
}

/* Waits until n slots are free. 0, or -1 when the consumer is gone. */
static int wait_for_room(struct hvt_iring_region *region, struct hvt_iring *ring, uint64_t head,
			 unsigned n)
{
	for (;;) {
		uint64_t tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
		if (head - tail + n <= HVT_IRING_RECORDS)
			return 0;
		if (!consumer_alive(region))
			return -1;
		uint32_t seen = (uint32_t)tail;
		atomic_store(&ring->producer_waiting, 1);
		/* Re-check after announcing: the consumer may have moved meanwhile. */
		if (atomic_load(&ring->tail_futex) == seen)
			futex_wait(&ring->tail_futex, seen);
		atomic_store(&ring->producer_waiting, 0);
	}
}

int hvt_iring_push(struct hvt_iring_region *region, struct hvt_iring *ring,
		   const struct hvt_iring_rec *recs, unsigned n)
{
	uint64_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
	if (n > HVT_IRING_RECORDS || wait_for_room(region, ring, head, n) != 0) {
		atomic_fetch_add_explicit(&ring->lost, n, memory_order_relaxed);
		return -1;
	}
	for (unsigned i = 0; i < n; i++)
		ring->recs[(head + i) & RING_MASK] = recs[i];
	atomic_store_explicit(&ring->head, head + n, memory_order_release);
	return 0;
}

int hvt_iring_push_with_data(struct hvt_iring_region *region, struct hvt_iring *ring,
			     const struct hvt_iring_rec *first, const uint8_t *data, uint32_t len)
{
	struct hvt_iring_rec recs[1 + (HVT_IRING_MAX_DATA + HVT_IRING_DATA_BYTES - 1) /
				    HVT_IRING_DATA_BYTES];
	unsigned n = 1;
	if (len > HVT_IRING_MAX_DATA)
		len = 0;
	recs[0] = *first;
	recs[0].u.ev.data_len = len;
	for (uint32_t off = 0; off < len; off += HVT_IRING_DATA_BYTES, n++) {
		uint32_t part = len - off < HVT_IRING_DATA_BYTES ? len - off : HVT_IRING_DATA_BYTES;
		memset(&recs[n], 0, sizeof(recs[n]));
		recs[n].type = HVT_IREC_DATA;
		recs[n].kind = (uint8_t)part;
		memcpy(recs[n].u.bytes, data + off, part);
	}
	return hvt_iring_push(region, ring, recs, n);
}

uint64_t hvt_iring_pending(const struct hvt_iring *ring)
{
	return atomic_load_explicit(&ring->head, memory_order_acquire) -
	       atomic_load_explicit(&ring->tail, memory_order_relaxed);
}

unsigned hvt_iring_pop(struct hvt_iring *ring, struct hvt_iring_rec *out, unsigned max)
{
	uint64_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&ring->head, memory_order_acquire);
	/* A corrupted head (the VMM scribbled over our region) must not make us
	 * read more than one ring's worth. */
	uint64_t avail = head - tail > HVT_IRING_RECORDS ? HVT_IRING_RECORDS : head - tail;
	unsigned n = avail < max ? (unsigned)avail : max;
	for (unsigned i = 0; i < n; i++)
		out[i] = ring->recs[(tail + i) & RING_MASK];
	atomic_store_explicit(&ring->tail, tail + n, memory_order_release);
	/* seq_cst store then load, against the producer's store of
	 * producer_waiting then load of tail_futex: one of us sees the other. */
	atomic_store(&ring->tail_futex, (uint32_t)(tail + n));
	if (n && atomic_load(&ring->producer_waiting))
		futex_wake(&ring->tail_futex);
	return n;
}
