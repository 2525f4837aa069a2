/* Registers and hardware debug (breakpoints DR0-DR3, single step). */
#include "kvm_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include "hvtrace/error.h"

static void to_portable(const struct kvm_regs *r, hvt_regs *out)
{
	const uint64_t v[HVT_X86_NREGS] = {
		r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rsp, r->rbp,
		r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
		r->rip, r->rflags,
	};

	memset(out, 0, sizeof(*out));
	out->nregs = HVT_X86_NREGS;
	memcpy(out->r, v, sizeof(v));
}

int hvt_kvm_vcpu_get_regs(hvt_backend_vcpu *vcpu, hvt_regs *regs)
{
	struct kvm_regs r;

	if (vcpu->regs_synced) {
		to_portable(&vcpu->run->s.regs.regs, regs);
		return 0;
	}
	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0)
		return HVT_E_BACKEND;
	to_portable(&r, regs);
	return 0;
}

int hvt_kvm_vcpu_set_regs(hvt_backend_vcpu *vcpu, const hvt_regs *regs)
{
	const uint64_t *v = regs->r;
	struct kvm_regs r = {
		.rax = v[0], .rbx = v[1], .rcx = v[2], .rdx = v[3], .rsi = v[4],
		.rdi = v[5], .rsp = v[6], .rbp = v[7], .r8 = v[8], .r9 = v[9],
		.r10 = v[10], .r11 = v[11], .r12 = v[12], .r13 = v[13], .r14 = v[14],
		.r15 = v[15], .rip = v[16], .rflags = v[17],
	};

	if (regs->nregs != HVT_X86_NREGS)
		return HVT_E_INVAL;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &r) < 0)
		return HVT_E_BACKEND;
	vcpu->regs_synced = 0; /* run->s.regs is stale until the next exit */
	return 0;
}

/* DR7: L<i> and G<i> enable bits; RW/LEN stay 00 (execute, 1 byte). */
int hvt_kvm_vcpu_set_debug(hvt_backend_vcpu *vcpu, const hvt_debug *dbg)
{
	struct kvm_guest_debug gd;

	memset(&gd, 0, sizeof(gd));
	if (dbg->bp_enabled_mask || dbg->single_step)
		gd.control = KVM_GUESTDBG_ENABLE;
	if (dbg->single_step)
		gd.control |= KVM_GUESTDBG_SINGLESTEP;
	if (dbg->bp_enabled_mask)
		gd.control |= KVM_GUESTDBG_USE_HW_BP;
	for (unsigned i = 0; i < HVT_MAX_HW_BREAKPOINTS; i++) {
		if (!(dbg->bp_enabled_mask & (1u << i)))
			continue;
		gd.arch.debugreg[i] = dbg->bp_gva[i];
		gd.arch.debugreg[7] |= 3ull << (2 * i);
	}
	if (ioctl(vcpu->fd, KVM_SET_GUEST_DEBUG, &gd) < 0)
		return HVT_E_BACKEND;
	return 0;
}
