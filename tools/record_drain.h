/* record -- COMMAND, launcher side: turns the shim's raw records (shared
 * rings, core/include/core/interpose_ring.h) into trace events. */
#ifndef HVT_TOOLS_RECORD_DRAIN_H
#define HVT_TOOLS_RECORD_DRAIN_H

#include <stdint.h>

#include "hvtrace/hvtrace.h"
#include "core/interpose_ring.h"

struct drain_vcpu; /* one per vCPU id seen: its stream and the exit awaiting its entry */

struct record_drain {
	struct hvt_iring_region *region; /* borrowed: the launcher maps it */
	hvt_writer *w;                   /* borrowed */
	uint64_t origin_ns;              /* the writer's time origin (monotonic ns) */
	struct drain_vcpu *vcpus[HVT_IRING_RINGS];
	uint64_t exits;                  /* EXIT events written */
	uint64_t failed_runs;            /* of which KVM_RUN failed (-EINTR kicks ...) */
	uint64_t unfinished;             /* of which the VMM never re-entered */
	uint64_t events;                 /* all events written */
	unsigned streams;                /* vCPU streams opened */
	int err;                         /* first writer error (0: none) */
};

/* Reads every ring once; returns the records consumed, or a negative
 * HVT_E_* when the writer failed. */
int record_drain_poll(struct record_drain *d);
/* After the VMM is gone and the rings are empty: exits still waiting for
 * their next KVM_RUN are written flagged HVT_EVF_EXIT_UNFINISHED and every
 * stream without an END gets one (reason detached). Frees the state. */
int record_drain_finish(struct record_drain *d, uint64_t now_ns);
/* Records the shim had to drop (the launcher stopped draining). */
uint64_t record_drain_lost(const struct record_drain *d);

#endif
