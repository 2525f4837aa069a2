/* Comparing what the guest did at an exit with what the trace recorded. */
#ifndef HVT_REPLAY_COMPARE_H
#define HVT_REPLAY_COMPARE_H

#include <stdint.h>

#include "hvtrace/event.h"

#define HVT_MAX_FIELD_DIFFS 8

struct hvt_field_diff {
	const char *field;   /* "kind", "port", "value", "syndrome", "pc", "regs", ...; for "data"
	                      * (string-I/O bytes written) expected/actual are lengths */
	uint64_t expected;
	uint64_t actual;
};

struct hvt_divergence {
	unsigned n;                                   /* differing fields */
	struct hvt_field_diff diff[HVT_MAX_FIELD_DIFFS];
};

/* Compares the live exit `actual` with the recorded exit `expected`: kind,
 * port, address, hypercall function or system register, size, count, the
 * value and data written (reads, MRS and hypercalls have no value of their
 * own: replay supplies the recorded one), the arm64 syndrome, pc and the
 * register checksum. Returns the number of differing fields (0: they match). */
unsigned hvt_compare_exit(const hvt_event *expected, const hvt_event *actual,
			  struct hvt_divergence *out);

/* True for exit kinds where the guest reads (the VMM supplies the value). */
int hvt_exit_is_read(unsigned kind);
/* True when the exit's recorded value came from the VMM: port and MMIO
 * reads, MRS (sysreg read: ESR ISS bit 0), hypercalls (X0 handed back). */
int hvt_exit_value_from_vmm(const hvt_event *ev);

#endif
