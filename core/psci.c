/* Hypercalls on arm64: HVC #0 with an SMCCC function id in X0, of which the
 * VMM implements PSCI's SYSTEM_OFF, SYSTEM_RESET and VERSION
 * (docs/guest-abi.md, "Hypercalls"). Every other call returns
 * NOT_SUPPORTED in X0 and is flagged unhandled. The value returned in X0 is
 * the EXIT event's value, so replay can hand the same back. The PC is not
 * moved: the HVC exception already returns past the instruction. */
#include "hvt_guest_abi.h"
#include "hvtrace/error.h"
#include "vm_internal.h"

#define PSCI_VERSION_1_0 0x00010000u

static int hand_back(hvt_vcpu_ctx *vc, uint64_t x0)
{
	uint8_t buf[8];

	for (unsigned b = 0; b < 8; b++)
		buf[b] = (uint8_t)(x0 >> (8 * b));
	vc->cur.value = x0;
	vc->cur.size = 8;
	return vc->vm->ops->vcpu_complete_read(vc->bv, buf, sizeof(buf));
}

int hvt_handle_hypercall(hvt_vcpu_ctx *vc, const hvt_exit *ex)
{
	if (vc->vm->m->arch->id != HVT_ARCH_ARM64) {
		hvt_end_with(vc, HVT_END_ERROR, "unexpected hypercall exit", ex);
		return 0;
	}
	switch (ex->addr) {
	case HVT_PSCI_SYSTEM_OFF:
		hvt_vm_stop(vc->vm, HVT_END_POWEROFF, 0);
		return 0;
	case HVT_PSCI_SYSTEM_RESET:
		hvt_vm_stop(vc->vm, HVT_END_SHUTDOWN, 0);
		return 0;
	case HVT_PSCI_VERSION:
		return hand_back(vc, PSCI_VERSION_1_0);
	default:
		vc->cur.flags |= HVT_EVF_EXIT_UNHANDLED;
		return hand_back(vc, HVT_PSCI_NOT_SUPPORTED);
	}
}
