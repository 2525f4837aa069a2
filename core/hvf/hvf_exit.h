/* Decoding an hv_vcpu_exit_t: shared by the HVF backend (hvf_vcpu.c) and the
 * HVF interposer (shim/), so that an unmodified VMM's exits are classified
 * exactly as our own VMM's are. Only core/hvf/ includes it. */
#ifndef HVT_CORE_HVF_EXIT_H
#define HVT_CORE_HVF_EXIT_H

#include <Hypervisor/Hypervisor.h>
#include <stdint.h>

#include "backend.h"

/* What the instruction that exited still needs, applied at the next run
 * (like KVM completing an MMIO read at the next KVM_RUN). */
typedef struct hvf_pending {
	uint8_t advance_pc;          /* PC += 4: data abort, MSR/MRS, WFI/WFE */
	uint8_t wants_result;        /* complete_read may deliver a value */
	uint8_t has_result;          /* complete_read delivered `result` */
	uint8_t reg;                 /* the data's X register: the value written, or
	                              * where a result goes (HVC: X0); 31 = XZR / none */
	uint8_t size;                /* data abort: access bytes (1, 2, 4, 8) */
	uint8_t sign_extend;         /* data abort: ISS.SSE */
	uint8_t sixty_four;          /* data abort: ISS.SF (X, not W, destination) */
	uint64_t result;             /* the value for reg */
} hvf_pending;

/* Everything an exit says without reading a register: kind, raw reason,
 * syndrome, IPA and VA, access size and direction, the sysreg encoding;
 * and what the VMM owes the guest (pend, reset first). The register-derived
 * fields (the value written, HVC's X0) are the caller's: pend->reg names
 * the register. */
void hvt_hvf_exit_classify(const hv_vcpu_exit_t *exit, hvt_exit *ex, hvf_pending *pend);

/* A register's value cut to an access of size bytes (1, 2, 4, 8). */
uint64_t hvt_hvf_access_bits(uint64_t value, unsigned size);

#endif
