/* Hardware debug for replay: execution breakpoints in DBGBVR<n>/DBGBCR<n>
 * (n < 4) and single step through MDSCR_EL1.SS plus CPSR.SS, with debug
 * exceptions trapped to the host (hv_vcpu_set_trap_debug_exceptions), where
 * they come back as DEBUG exits (EC 0x30 breakpoint, 0x32 software step). */
#include "hvf_internal.h"

#include "errmsg.h"
#include "hvtrace/error.h"

#define MDSCR_SS (1ull << 0)   /* software step enable */
#define MDSCR_MDE (1ull << 15) /* monitor debug events: breakpoints enabled */
#define CPSR_SS (1ull << 21)   /* step this instruction, then trap */
/* DBGBCR: E (enable), PMC = 0b11 (EL1 and EL0), BAS = 0b1111 (A64). */
#define DBGBCR_EXEC_ANY_EL1 ((1ull << 0) | (3ull << 1) | (0xfull << 5))

static const hv_sys_reg_t bvr[HVT_MAX_HW_BREAKPOINTS] = {
	HV_SYS_REG_DBGBVR0_EL1, HV_SYS_REG_DBGBVR1_EL1, HV_SYS_REG_DBGBVR2_EL1,
	HV_SYS_REG_DBGBVR3_EL1,
};
static const hv_sys_reg_t bcr[HVT_MAX_HW_BREAKPOINTS] = {
	HV_SYS_REG_DBGBCR0_EL1, HV_SYS_REG_DBGBCR1_EL1, HV_SYS_REG_DBGBCR2_EL1,
	HV_SYS_REG_DBGBCR3_EL1,
};

static int set_breakpoints(hv_vcpu_t id, const hvt_debug *dbg)
{
	for (unsigned i = 0; i < HVT_MAX_HW_BREAKPOINTS; i++) {
		int on = (dbg->bp_enabled_mask >> i) & 1;
		/* DBGBVR holds a word-aligned VA. */
		HVF_TRY(hv_vcpu_set_sys_reg(id, bvr[i], on ? dbg->bp_gva[i] & ~3ull : 0));
		HVF_TRY(hv_vcpu_set_sys_reg(id, bcr[i], on ? DBGBCR_EXEC_ANY_EL1 : 0));
	}
	return 0;
}

int hvt_hvf_vcpu_set_debug(hvt_backend_vcpu *vcpu, const hvt_debug *dbg)
{
	uint64_t mdscr, cpsr;
	hv_vcpu_t id;

	HVT_FORWARD(hvt_hvf_ensure_created(vcpu));
	id = vcpu->id;
	HVF_TRY(hv_vcpu_set_trap_debug_exceptions(id, dbg->bp_enabled_mask || dbg->single_step));
	HVT_FORWARD(set_breakpoints(id, dbg));
	HVF_TRY(hv_vcpu_get_sys_reg(id, HV_SYS_REG_MDSCR_EL1, &mdscr));
	mdscr &= ~(MDSCR_SS | MDSCR_MDE);
	mdscr |= (dbg->bp_enabled_mask ? MDSCR_MDE : 0) | (dbg->single_step ? MDSCR_SS : 0);
	HVF_TRY(hv_vcpu_set_sys_reg(id, HV_SYS_REG_MDSCR_EL1, mdscr));
	vcpu->single_step = dbg->single_step != 0;
	if (!vcpu->single_step) {
		HVF_TRY(hv_vcpu_get_reg(id, HV_REG_CPSR, &cpsr));
		HVF_TRY(hv_vcpu_set_reg(id, HV_REG_CPSR, cpsr & ~CPSR_SS));
	}
	return 0;
}

/* PSTATE.SS is consumed by each step: set it again before every run. */
int hvt_hvf_prepare_step(hvt_backend_vcpu *vcpu)
{
	uint64_t cpsr;

	HVF_TRY(hv_vcpu_get_sys_reg(vcpu->id, HV_SYS_REG_SPSR_EL1, &vcpu->step_spsr));
	HVF_TRY(hv_vcpu_get_reg(vcpu->id, HV_REG_CPSR, &cpsr));
	HVF_TRY(hv_vcpu_set_reg(vcpu->id, HV_REG_CPSR, cpsr | CPSR_SS));
	return 0;
}

/* After a stepped run, whatever ended it: the SS bit that prepare_step set
 * is ours, not the guest's. A run that ended in another exit (the stepped
 * instruction's own data abort, HVC, WFI) leaves it in CPSR, where the
 * registers at that exit would differ from a run without stepping; an
 * exception the guest took during the step (an IRQ) saved it in SPSR_EL1,
 * and the guest's ERET would bring it back. Both are removed, so that a
 * stepped run and a run to a breakpoint leave the same state. */
int hvt_hvf_finish_step(hvt_backend_vcpu *vcpu)
{
	uint64_t cpsr, spsr;

	HVF_TRY(hv_vcpu_get_reg(vcpu->id, HV_REG_CPSR, &cpsr));
	if (cpsr & CPSR_SS)
		HVF_TRY(hv_vcpu_set_reg(vcpu->id, HV_REG_CPSR, cpsr & ~CPSR_SS));
	HVF_TRY(hv_vcpu_get_sys_reg(vcpu->id, HV_SYS_REG_SPSR_EL1, &spsr));
	if ((spsr & CPSR_SS) && !(vcpu->step_spsr & CPSR_SS))
		HVF_TRY(hv_vcpu_set_sys_reg(vcpu->id, HV_SYS_REG_SPSR_EL1, spsr & ~CPSR_SS));
	return 0;
}
