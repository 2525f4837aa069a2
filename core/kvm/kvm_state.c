/* The whole state of a KVM vCPU as one opaque blob (checkpoints of the gdb
 * stub, replay/gdb/), and the x86 system registers debuggers show.
 *
 * What a blob holds: general registers, segments and control registers,
 * x87/SSE, pending events (an injected interrupt, the interrupt shadow),
 * guest debug registers, XCR0 and the MSRs a small guest may set. Not the
 * TSC: replay never lets the guest observe it. A pending read completion
 * lives in the kernel, out of reach: callers settle it first (a run with
 * immediate_exit set completes it without running guest code). */
#include "kvm_internal.h"

#include <string.h>
#include <sys/ioctl.h>
#include "hvtrace/error.h"

#define STATE_MAGIC 0x53544b56u /* "VKTS" */

/* MSRs written by ordinary 64-bit code; KVM_GET_MSRS stops at the first
 * one it does not know, and `n_msrs` keeps how many were read. */
static const uint32_t saved_msrs[] = {
	0xc0000081, /* STAR */
	0xc0000082, /* LSTAR */
	0xc0000083, /* CSTAR */
	0xc0000084, /* SFMASK */
	0xc0000102, /* KERNEL_GS_BASE */
	0x00000174, /* SYSENTER_CS */
	0x00000175, /* SYSENTER_ESP */
	0x00000176, /* SYSENTER_EIP */
	0x00000277, /* PAT */
};
#define N_SAVED_MSRS (sizeof(saved_msrs) / sizeof(saved_msrs[0]))

struct state_blob {
	uint32_t magic;
	uint32_t has_xcrs;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_vcpu_events events;
	struct kvm_debugregs debugregs;
	struct kvm_xcrs xcrs;
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[N_SAVED_MSRS];
	} msrs;
};

_Static_assert(sizeof(struct state_blob) <= HVT_VCPU_STATE_MAX_BYTES, "state blob too large");

static int get_msrs(hvt_backend_vcpu *vcpu, struct state_blob *b)
{
	int n;

	memset(&b->msrs, 0, sizeof(b->msrs));
	for (unsigned i = 0; i < N_SAVED_MSRS; i++)
		b->msrs.e[i].index = saved_msrs[i];
	b->msrs.hdr.nmsrs = N_SAVED_MSRS;
	n = ioctl(vcpu->fd, KVM_GET_MSRS, &b->msrs);
	if (n < 0)
		return HVT_E_BACKEND;
	b->msrs.hdr.nmsrs = (uint32_t)n; /* those before the first unknown one */
	return 0;
}

int hvt_kvm_vcpu_state_save(hvt_backend_vcpu *vcpu, void *buf, size_t cap, size_t *len)
{
	struct state_blob b;

	if (cap < sizeof(b))
		return HVT_E_INVAL;
	memset(&b, 0, sizeof(b));
	b.magic = STATE_MAGIC;
	if (ioctl(vcpu->fd, KVM_GET_REGS, &b.regs) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &b.sregs) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_FPU, &b.fpu) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &b.events) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &b.debugregs) < 0 || get_msrs(vcpu, &b) < 0)
		return HVT_E_BACKEND;
	b.has_xcrs = ioctl(vcpu->fd, KVM_GET_XCRS, &b.xcrs) == 0;
	memcpy(buf, &b, sizeof(b));
	*len = sizeof(b);
	return 0;
}

int hvt_kvm_vcpu_state_load(hvt_backend_vcpu *vcpu, const void *buf, size_t len)
{
	struct state_blob b;

	if (len != sizeof(b))
		return HVT_E_INVAL;
	memcpy(&b, buf, sizeof(b));
	if (b.magic != STATE_MAGIC || b.msrs.hdr.nmsrs > N_SAVED_MSRS)
		return HVT_E_INVAL;
	/* sregs before regs: setting CR0/EFER may recompute the mode. Events
	 * last: they name the interrupt pending for the next entry. */
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &b.sregs) < 0 ||
	    ioctl(vcpu->fd, KVM_SET_REGS, &b.regs) < 0 ||
	    ioctl(vcpu->fd, KVM_SET_FPU, &b.fpu) < 0 ||
	    (b.has_xcrs && ioctl(vcpu->fd, KVM_SET_XCRS, &b.xcrs) < 0) ||
	    ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &b.debugregs) < 0 ||
	    ioctl(vcpu->fd, KVM_SET_MSRS, &b.msrs) < 0)
		return HVT_E_BACKEND;
	b.events.flags = KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_NMI_PENDING;
	if (ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &b.events) < 0)
		return HVT_E_BACKEND;
	vcpu->regs_synced = 0;  /* run->s.regs is stale until the next exit */
	vcpu->last_reason = 0;  /* no read is pending after a load */
	vcpu->run->request_interrupt_window = 0;
	return 0;
}

/* Full tag word from FXSAVE's abridged one: per physical register, 3 when
 * empty, else 0 valid, 1 zero, 2 special (NaN, infinity, denormal). */
static uint16_t full_tag(const struct kvm_fpu *f)
{
	unsigned top = (f->fsw >> 11) & 7;
	uint16_t tag = 0;

	for (unsigned phys = 0; phys < 8; phys++) {
		const uint8_t *r = f->fpr[(phys - top) & 7];
		uint16_t exp = (uint16_t)((r[9] & 0x7f) << 8 | r[8]);
		uint64_t mant;
		unsigned t;
		memcpy(&mant, r, 8);
		if (!(f->ftwx & (1u << phys)))
			t = 3;
		else if (exp == 0 && mant == 0)
			t = 1;
		else if (exp == 0x7fff || exp == 0 || !(mant >> 63))
			t = 2;
		else
			t = 0;
		tag |= (uint16_t)(t << (2 * phys));
	}
	return tag;
}

int hvt_kvm_vcpu_get_x86_sysregs(hvt_backend_vcpu *vcpu, hvt_x86_sysregs *out)
{
	struct kvm_sregs s;
	struct kvm_fpu f;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0 || ioctl(vcpu->fd, KVM_GET_FPU, &f) < 0)
		return HVT_E_BACKEND;
	memset(out, 0, sizeof(*out));
	out->sel[0] = s.cs.selector, out->sel[1] = s.ss.selector, out->sel[2] = s.ds.selector;
	out->sel[3] = s.es.selector, out->sel[4] = s.fs.selector, out->sel[5] = s.gs.selector;
	out->fs_base = s.fs.base, out->gs_base = s.gs.base;
	out->cr0 = s.cr0, out->cr2 = s.cr2, out->cr3 = s.cr3, out->cr4 = s.cr4;
	out->cr8 = s.cr8, out->efer = s.efer;
	out->idt_base = s.idt.base, out->idt_limit = s.idt.limit;
	for (unsigned i = 0; i < 8; i++)
		memcpy(out->st[i], f.fpr[i], 10);
	out->fcw = f.fcw, out->fsw = f.fsw, out->ftw = full_tag(&f), out->fop = f.last_opcode;
	out->fip = f.last_ip, out->fdp = f.last_dp;
	memcpy(out->xmm, f.xmm, sizeof(out->xmm));
	out->mxcsr = f.mxcsr;
	return 0;
}
