/* The KVM exit mapping, shared by our backend (kvm_vcpu.c) and the LD_PRELOAD
 * shim (shim/): struct kvm_run after KVM_RUN -> portable hvt_exit. */
#ifndef HVT_CORE_KVM_EXIT_H
#define HVT_CORE_KVM_EXIT_H

#include <linux/kvm.h>
#include <stddef.h>
#include "backend.h"

/* Fills kind, raw_reason, addr/size/count, value (writes), data (borrowed from
 * run: for a read it points where the VMM will put the result) and details.
 * run_bytes bounds the io data_offset. Leaves ex->regs alone: the caller
 * decides whether sync regs are valid. run_rc/run_errno: KVM_RUN's result. */
void hvt_kvm_exit_from_run(const struct kvm_run *run, size_t run_bytes, int run_rc,
			   int run_errno, hvt_exit *ex);

#endif
