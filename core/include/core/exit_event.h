/* hvtrace core: how a backend exit and a register file become event fields.
 * Shared by the recorder (vcpu_events.c) and replay, so that a live exit in
 * replay is described exactly as the recorded one was. */
#ifndef HVT_CORE_EXIT_EVENT_H
#define HVT_CORE_EXIT_EVENT_H

#include <stdint.h>
#include "backend.h"
#include "hvtrace/event.h"

/* The 18 registers as u64 little-endian (event.h order): the INTERRUPT
 * ASYNC payload. */
void hvt_regs_le(const uint64_t regs[HVT_X86_NREGS], uint8_t out[HVT_X86_NREGS * 8]);
/* Low 32 bits of XXH3-64 of hvt_regs_le (event.regs_hash). */
uint32_t hvt_regs_hash(const uint64_t regs[HVT_X86_NREGS]);

/* Fill the exit-derived fields of an EXIT event: type, kind, addr, size,
 * count, raw_reason, run_ns, value (errno on a failed run), pc, regs_hash
 * and the matching flags. Zeroes everything else (time, handling time,
 * data: the caller's). */
void hvt_exit_describe(const hvt_exit *ex, hvt_event *ev);

#endif
