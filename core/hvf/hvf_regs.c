/* Registers: the portable arm64 file (x0..x30, sp, pc, cpsr) and the
 * completion of the last exit. */
#include "hvf_internal.h"

#include <string.h>
#include "hvt_guest_abi.h"
#include "errmsg.h"
#include "hvtrace/error.h"

#define CPSR_SPSEL 1ull /* M[0]: 1 = SP_ELx (EL1h), 0 = SP_EL0 */

/* The SP the guest sees now: SP_EL1 in EL1h, SP_EL0 in EL1t or EL0. */
static hv_sys_reg_t current_sp(uint64_t cpsr)
{
	return (cpsr & CPSR_SPSEL) ? HV_SYS_REG_SP_EL1 : HV_SYS_REG_SP_EL0;
}

int hvt_hvf_read_regs(hvt_backend_vcpu *vcpu, uint64_t regs[HVT_ARM64_NREGS])
{
	hv_vcpu_t id = vcpu->id;

	for (unsigned i = 0; i <= 30; i++)
		HVF_TRY(hv_vcpu_get_reg(id, (hv_reg_t)(HV_REG_X0 + i), &regs[i]));
	HVF_TRY(hv_vcpu_get_reg(id, HV_REG_PC, &regs[HVT_ARM64_PC]));
	HVF_TRY(hv_vcpu_get_reg(id, HV_REG_CPSR, &regs[HVT_ARM64_CPSR]));
	HVF_TRY(hv_vcpu_get_sys_reg(id, current_sp(regs[HVT_ARM64_CPSR]), &regs[HVT_ARM64_SP]));
	return 0;
}

/* The registers the guest resumes with: a completion still pending from
 * the last exit (hvt_hvf_apply_pending) is shown done, as KVM shows RIP
 * past a HLT. Replay compares a landing point with them. */
int hvt_hvf_vcpu_get_regs(hvt_backend_vcpu *vcpu, hvt_regs *regs)
{
	const hvf_pending *p = &vcpu->pend;

	memset(regs, 0, sizeof(*regs));
	HVT_FORWARD(hvt_hvf_ensure_created(vcpu));
	HVT_FORWARD(hvt_hvf_read_regs(vcpu, regs->r));
	regs->nregs = HVT_ARM64_NREGS;
	if (p->has_result && p->reg != 31)
		regs->r[p->reg] = p->result;
	if (p->advance_pc)
		regs->r[HVT_ARM64_PC] += 4;
	return 0;
}

/* The caller defines the whole state: a pending completion is dropped. */
int hvt_hvf_vcpu_set_regs(hvt_backend_vcpu *vcpu, const hvt_regs *regs)
{
	const uint64_t *r = regs->r;
	hv_vcpu_t id;

	if (regs->nregs != HVT_ARM64_NREGS)
		return HVT_E_INVAL;
	HVT_FORWARD(hvt_hvf_ensure_created(vcpu));
	id = vcpu->id;
	memset(&vcpu->pend, 0, sizeof(vcpu->pend));
	vcpu->pend.reg = 31;
	HVF_TRY(hv_vcpu_set_reg(id, HV_REG_CPSR, r[HVT_ARM64_CPSR]));
	for (unsigned i = 0; i <= 30; i++)
		HVF_TRY(hv_vcpu_set_reg(id, (hv_reg_t)(HV_REG_X0 + i), r[i]));
	HVF_TRY(hv_vcpu_set_sys_reg(id, current_sp(r[HVT_ARM64_CPSR]), r[HVT_ARM64_SP]));
	HVF_TRY(hv_vcpu_set_reg(id, HV_REG_PC, r[HVT_ARM64_PC]));
	return 0;
}

/* Finish the instruction of the last exit: its result into Rt, then PC += 4
 * where a Mac VMM must move it (hvf_exit.c says which). */
int hvt_hvf_apply_pending(hvt_backend_vcpu *vcpu)
{
	hvf_pending p = vcpu->pend;
	uint64_t pc;

	memset(&vcpu->pend, 0, sizeof(vcpu->pend));
	vcpu->pend.reg = 31;
	if (p.has_result && p.reg != 31)
		HVF_TRY(hv_vcpu_set_reg(vcpu->id, (hv_reg_t)(HV_REG_X0 + p.reg), p.result));
	if (!p.advance_pc)
		return 0;
	HVF_TRY(hv_vcpu_get_reg(vcpu->id, HV_REG_PC, &pc));
	HVF_TRY(hv_vcpu_set_reg(vcpu->id, HV_REG_PC, pc + 4));
	return 0;
}
