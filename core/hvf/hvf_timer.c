/* The virtual timer protocol on the framework's side (Apple: a
 * VTIMER_ACTIVATED exit masks the vtimer until the VMM unmasks it; QEMU's
 * hvf_sync_vtimer unmasks once CNTV_CTL_EL0 no longer says "firing"), and
 * the time to its deadline for a WFI: the guest's virtual counter is
 * mach_absolute_time() - vtimer offset, in mach ticks. */
#include "hvf_internal.h"

#include "errmsg.h"
#include "hvtrace/error.h"

#define CNTV_CTL_ENABLE 1ull
#define CNTV_CTL_IMASK 2ull
#define CNTV_CTL_ISTATUS 4ull

/* ticks * numer / denom without overflowing for any tick count we meet. */
uint64_t hvt_hvf_ticks_to_ns(const hvt_backend_vm *vm, uint64_t ticks)
{
	uint64_t n = vm->timebase.numer, d = vm->timebase.denom;

	return ticks / d * n + ticks % d * n / d;
}

static int firing(uint64_t ctl)
{
	return (ctl & (CNTV_CTL_ENABLE | CNTV_CTL_IMASK | CNTV_CTL_ISTATUS)) ==
	       (CNTV_CTL_ENABLE | CNTV_CTL_ISTATUS);
}

static void deadline(const hvt_backend_vcpu *vcpu, hvt_vtimer_state *st)
{
	uint64_t now_ticks = mach_absolute_time() - vcpu->vtimer_offset;

	st->wait_ns = st->cval <= now_ticks ? 0 :
		      hvt_hvf_ticks_to_ns(vcpu->vm, st->cval - now_ticks);
}

int hvt_hvf_vcpu_timer_sync(hvt_backend_vcpu *vcpu, hvt_vtimer_state *st)
{
	hv_vcpu_t id;

	HVT_FORWARD(hvt_hvf_ensure_created(vcpu));
	id = vcpu->id;
	HVF_TRY(hv_vcpu_get_sys_reg(id, HV_SYS_REG_CNTV_CTL_EL0, &st->ctl));
	HVF_TRY(hv_vcpu_get_sys_reg(id, HV_SYS_REG_CNTV_CVAL_EL0, &st->cval));
	st->unmasked = 0;
	if (vcpu->vtimer_masked && !vcpu->vtimer_held && !firing(st->ctl)) {
		HVF_TRY(hv_vcpu_set_vtimer_mask(id, false));
		vcpu->vtimer_masked = 0;
		st->unmasked = 1;
	}
	st->masked = (uint8_t)(vcpu->vtimer_masked || vcpu->vtimer_held);
	st->armed = (st->ctl & (CNTV_CTL_ENABLE | CNTV_CTL_IMASK)) == CNTV_CTL_ENABLE;
	st->firing = (uint8_t)firing(st->ctl);
	st->wait_ns = 0;
	if (st->armed)
		deadline(vcpu, st);
	return 0;
}

/* The framework's mask is the one switch that keeps the vtimer from firing
 * without touching the guest's own CNTV_CTL_EL0: hold it on for replay;
 * released, the mask is what the protocol above says it should be. */
int hvt_hvf_vcpu_vtimer_hold(hvt_backend_vcpu *vcpu, int hold)
{
	HVT_FORWARD(hvt_hvf_ensure_created(vcpu));
	HVF_TRY(hv_vcpu_set_vtimer_mask(vcpu->id, hold || vcpu->vtimer_masked));
	vcpu->vtimer_held = hold != 0;
	return 0;
}
