/* hvtrace core: how a backend exit and a register file become event fields.
 * Shared by the recorder (vcpu_events.c) and replay, so that a live exit in
 * replay is described exactly as the recorded one was. */
#ifndef HVT_CORE_EXIT_EVENT_H
#define HVT_CORE_EXIT_EVENT_H

#include <stdint.h>
#include "backend.h"
#include "hvtrace/event.h"

/* The nregs registers as u64 little-endian (event.h order): the INTERRUPT
 * ASYNC payload. out holds nregs * 8 bytes; nregs <= HVT_MAX_NREGS. */
void hvt_regs_le(const uint64_t *regs, unsigned nregs, uint8_t *out);
/* Low 32 bits of XXH3-64 of hvt_regs_le (event.regs_hash). */
uint32_t hvt_regs_hash(const uint64_t *regs, unsigned nregs);

/* The register count of an exit's file (an unset 0 means x86-64's 18), its
 * program counter and its checksum. */
unsigned hvt_exit_nregs(const hvt_exit *ex);
uint64_t hvt_exit_pc(const hvt_exit *ex);
uint32_t hvt_exit_regs_hash(const hvt_exit *ex);

/* Fill the exit-derived fields of an EXIT event: type, kind, addr, size,
 * count, raw_reason, run_ns, value (errno on a failed run), pc, regs_hash,
 * syndrome, fault_va and the matching flags. Zeroes everything else (time,
 * handling time, data: the caller's). */
void hvt_exit_describe(const hvt_exit *ex, hvt_event *ev);

#endif
