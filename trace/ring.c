#include "ring.h"

#include <stdlib.h>

#include "hvtrace/error.h"

int hvt_ring_init(struct hvt_ring *r, uint64_t cap_bytes)
{
	memset(r, 0, sizeof(*r));
	if (cap_bytes < 4096 || (cap_bytes & (cap_bytes - 1)))
		return HVT_E_INVAL;
	/* 64-byte alignment keeps records off the head/tail cache lines' neighbours. */
	r->buf = aligned_alloc(64, cap_bytes);
	if (!r->buf)
		return HVT_E_NOMEM;
	/* Touch every page now: first-touch faults cost microseconds under
	 * nested virtualization and would otherwise land on the vCPU thread. */
	memset(r->buf, 0, cap_bytes);
	r->cap_bytes = cap_bytes;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	atomic_init(&r->producer_waiting, 0);
	return 0;
}

void hvt_ring_destroy(struct hvt_ring *r)
{
	free(r->buf);
	r->buf = NULL;
}
