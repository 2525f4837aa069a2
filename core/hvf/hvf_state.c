/* The whole state of an HVF vCPU as one opaque blob (checkpoints of the gdb
 * stub, replay/gdb/), and the arm64 system registers debuggers show; with
 * Apple's API only (hv_vcpu_get/set_reg, _simd_fp_reg, _sys_reg, the vtimer
 * mask and offset).
 *
 * What a blob holds: x0-x30, PC, CPSR, FPCR, FPSR, Q0-Q31, the EL1/EL0
 * system registers a guest of docs/guest-abi.md sets or the hardware sets
 * for it (translation, vectors, exception syndrome, thread ids, the virtual
 * timer's CNTV_CTL/CNTV_CVAL), the vtimer offset and mask, and this
 * backend's own part of the vCPU: the IRQ line (a level the VMM holds) and
 * the vtimer protocol's mask. Not the debug registers: the caller sets its
 * debug state after a load. A completion still owed to the guest (hvf_pending)
 * is saved too, though callers settle it first (a kicked run applies it). */
#include "hvf_internal.h"

#include <string.h>
#include "errmsg.h"
#include "hvtrace/error.h"

#define STATE_MAGIC 0x31465648u /* "HVF1" */

/* CPSR first on load: writing it banks SP_EL0/SP_EL1, which come after. */
static const hv_sys_reg_t saved_sys[] = {
	HV_SYS_REG_SP_EL0, HV_SYS_REG_SP_EL1, HV_SYS_REG_ELR_EL1, HV_SYS_REG_SPSR_EL1,
	HV_SYS_REG_SCTLR_EL1, HV_SYS_REG_CPACR_EL1, HV_SYS_REG_TTBR0_EL1, HV_SYS_REG_TTBR1_EL1,
	HV_SYS_REG_TCR_EL1, HV_SYS_REG_MAIR_EL1, HV_SYS_REG_AMAIR_EL1, HV_SYS_REG_VBAR_EL1,
	HV_SYS_REG_CONTEXTIDR_EL1, HV_SYS_REG_TPIDR_EL1, HV_SYS_REG_TPIDR_EL0,
	HV_SYS_REG_TPIDRRO_EL0, HV_SYS_REG_CNTKCTL_EL1, HV_SYS_REG_CSSELR_EL1,
	HV_SYS_REG_ESR_EL1, HV_SYS_REG_FAR_EL1, HV_SYS_REG_PAR_EL1, HV_SYS_REG_AFSR0_EL1,
	HV_SYS_REG_AFSR1_EL1, HV_SYS_REG_MDSCR_EL1, HV_SYS_REG_CNTV_CVAL_EL0,
	HV_SYS_REG_CNTV_CTL_EL0,
};
#define N_SAVED_SYS (sizeof(saved_sys) / sizeof(saved_sys[0]))

struct hvf_state_blob {
	uint32_t magic;
	uint32_t size_bytes;         /* sizeof(struct hvf_state_blob) */
	uint64_t x[31], pc, cpsr, fpcr, fpsr;
	uint8_t q[32][16];
	uint64_t sys[N_SAVED_SYS];   /* in saved_sys order */
	uint64_t vtimer_offset;      /* mach ticks */
	uint8_t irq_line;            /* the IRQ level offered before every run */
	uint8_t vtimer_masked;       /* masked by a VTIMER_ACTIVATED exit, not yet unmasked */
	hvf_pending pend;
};

static int save_regs(hv_vcpu_t id, struct hvf_state_blob *b)
{
	for (unsigned i = 0; i <= 30; i++)
		HVF_TRY(hv_vcpu_get_reg(id, (hv_reg_t)(HV_REG_X0 + i), &b->x[i]));
	HVF_TRY(hv_vcpu_get_reg(id, HV_REG_PC, &b->pc));
	HVF_TRY(hv_vcpu_get_reg(id, HV_REG_CPSR, &b->cpsr));
	HVF_TRY(hv_vcpu_get_reg(id, HV_REG_FPCR, &b->fpcr));
	HVF_TRY(hv_vcpu_get_reg(id, HV_REG_FPSR, &b->fpsr));
	for (unsigned i = 0; i < 32; i++) {
		hv_simd_fp_uchar16_t q;
		HVF_TRY(hv_vcpu_get_simd_fp_reg(id, (hv_simd_fp_reg_t)(HV_SIMD_FP_REG_Q0 + i), &q));
		memcpy(b->q[i], &q, 16);
	}
	for (unsigned i = 0; i < N_SAVED_SYS; i++)
		HVF_TRY(hv_vcpu_get_sys_reg(id, saved_sys[i], &b->sys[i]));
	HVF_TRY(hv_vcpu_get_vtimer_offset(id, &b->vtimer_offset));
	return 0;
}

int hvt_hvf_vcpu_state_save(hvt_backend_vcpu *vcpu, void *buf, size_t cap, size_t *len)
{
	struct hvf_state_blob b;

	if (cap < sizeof(b))
		return HVT_E_INVAL;
	memset(&b, 0, sizeof(b));
	HVT_FORWARD(hvt_hvf_ensure_created(vcpu));
	b.magic = STATE_MAGIC;
	b.size_bytes = (uint32_t)sizeof(b);
	HVT_FORWARD(save_regs(vcpu->id, &b));
	b.irq_line = (uint8_t)(vcpu->irq_line != 0);
	b.vtimer_masked = (uint8_t)(vcpu->vtimer_masked != 0);
	b.pend = vcpu->pend;
	memcpy(buf, &b, sizeof(b));
	*len = sizeof(b);
	return 0;
}

static int load_regs(hv_vcpu_t id, const struct hvf_state_blob *b)
{
	HVF_TRY(hv_vcpu_set_reg(id, HV_REG_CPSR, b->cpsr));
	for (unsigned i = 0; i < N_SAVED_SYS; i++)
		HVF_TRY(hv_vcpu_set_sys_reg(id, saved_sys[i], b->sys[i]));
	for (unsigned i = 0; i <= 30; i++)
		HVF_TRY(hv_vcpu_set_reg(id, (hv_reg_t)(HV_REG_X0 + i), b->x[i]));
	HVF_TRY(hv_vcpu_set_reg(id, HV_REG_PC, b->pc));
	HVF_TRY(hv_vcpu_set_reg(id, HV_REG_FPCR, b->fpcr));
	HVF_TRY(hv_vcpu_set_reg(id, HV_REG_FPSR, b->fpsr));
	for (unsigned i = 0; i < 32; i++) {
		hv_simd_fp_uchar16_t q;
		memcpy(&q, b->q[i], 16);
		HVF_TRY(hv_vcpu_set_simd_fp_reg(id, (hv_simd_fp_reg_t)(HV_SIMD_FP_REG_Q0 + i), q));
	}
	HVF_TRY(hv_vcpu_set_vtimer_offset(id, b->vtimer_offset));
	return 0;
}

int hvt_hvf_vcpu_state_load(hvt_backend_vcpu *vcpu, const void *buf, size_t len)
{
	struct hvf_state_blob b;

	if (len != sizeof(b))
		return HVT_E_INVAL;
	memcpy(&b, buf, sizeof(b));
	if (b.magic != STATE_MAGIC || b.size_bytes != sizeof(b))
		return HVT_E_INVAL;
	HVT_FORWARD(hvt_hvf_ensure_created(vcpu));
	HVT_FORWARD(load_regs(vcpu->id, &b));
	vcpu->irq_line = b.irq_line;
	vcpu->vtimer_masked = b.vtimer_masked;
	vcpu->pend = b.pend;
	/* A held vtimer (replay) stays held whatever the blob's time said. */
	HVF_TRY(hv_vcpu_set_vtimer_mask(vcpu->id, vcpu->vtimer_held || vcpu->vtimer_masked));
	return 0;
}

int hvt_hvf_vcpu_get_arm64_sysregs(hvt_backend_vcpu *vcpu, hvt_arm64_sysregs *out)
{
	const struct { hv_sys_reg_t reg; uint64_t *dst; } map[] = {
		{ HV_SYS_REG_SCTLR_EL1, &out->sctlr_el1 }, { HV_SYS_REG_TCR_EL1, &out->tcr_el1 },
		{ HV_SYS_REG_TTBR0_EL1, &out->ttbr0_el1 }, { HV_SYS_REG_TTBR1_EL1, &out->ttbr1_el1 },
		{ HV_SYS_REG_VBAR_EL1, &out->vbar_el1 }, { HV_SYS_REG_ELR_EL1, &out->elr_el1 },
		{ HV_SYS_REG_SPSR_EL1, &out->spsr_el1 }, { HV_SYS_REG_ESR_EL1, &out->esr_el1 },
		{ HV_SYS_REG_FAR_EL1, &out->far_el1 }, { HV_SYS_REG_SP_EL0, &out->sp_el0 },
		{ HV_SYS_REG_SP_EL1, &out->sp_el1 },
	};
	uint64_t v;

	memset(out, 0, sizeof(*out));
	HVT_FORWARD(hvt_hvf_ensure_created(vcpu));
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		HVF_TRY(hv_vcpu_get_sys_reg(vcpu->id, map[i].reg, map[i].dst));
	HVF_TRY(hv_vcpu_get_reg(vcpu->id, HV_REG_FPSR, &v));
	out->fpsr = (uint32_t)v;
	HVF_TRY(hv_vcpu_get_reg(vcpu->id, HV_REG_FPCR, &v));
	out->fpcr = (uint32_t)v;
	for (unsigned i = 0; i < 32; i++) {
		hv_simd_fp_uchar16_t q;
		HVF_TRY(hv_vcpu_get_simd_fp_reg(vcpu->id, (hv_simd_fp_reg_t)(HV_SIMD_FP_REG_Q0 + i), &q));
		memcpy(out->q[i], &q, 16);
	}
	return 0;
}
