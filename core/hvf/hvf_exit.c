/* Exit decoding for our own backend: the classification (hvf_exit_classify.c)
 * plus the register file at the exit, which gives the value written, HVC's
 * X0..X3 and the PC and checksum of the EXIT event. */
#include "hvf_internal.h"

#include <string.h>

static uint64_t xreg(const hvt_exit *ex, unsigned rt)
{
	return rt == 31 ? 0 : ex->regs[rt]; /* register 31 is XZR here */
}

void hvt_hvf_decode_exit(hvt_backend_vcpu *vcpu, hvt_exit *ex)
{
	hvt_hvf_exit_classify(vcpu->exit, ex, &vcpu->pend);
	if (hvt_hvf_read_regs(vcpu, ex->regs) == 0) {
		ex->nregs = HVT_ARM64_NREGS;
		ex->regs_valid = 1;
	}
	if (ex->kind == HVT_EXIT_MMIO_WRITE)
		ex->value = hvt_hvf_access_bits(xreg(ex, vcpu->pend.reg), ex->size);
	else if (ex->kind == HVT_EXIT_SYSREG && ex->is_write)
		ex->value = xreg(ex, vcpu->pend.reg);
	else if (ex->kind == HVT_EXIT_HYPERCALL) {
		ex->addr = ex->regs[0];
		memcpy(ex->detail, ex->regs, 4 * sizeof(uint64_t));
	} else if (ex->kind == HVT_EXIT_TIMER)
		vcpu->vtimer_masked = 1;
}
