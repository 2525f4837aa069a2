/*
 * System registers. The guest's MRS/MSR go through a Unicorn instruction
 * hook: the virtual timer, MPIDR_EL1 and the debug registers are emulated
 * here (the framework keeps them per vCPU without exits); every other
 * register is left to the emulated CPU, whose EL2 trap controls (engine.c)
 * turn the registers HVF does not virtualize into EC 0x18 traps.
 * The host's hv_vcpu_get/set_sys_reg see the same state.
 */
#include "standin.h"

#define ENC(op0, op1, crn, crm, op2) \
    ((uint16_t)(((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2)))
#define ENC_CNTFRQ ENC(3, 3, 14, 0, 0)
#define ENC_CNTVCT ENC(3, 3, 14, 0, 2)
#define ENC_CNTV_TVAL ENC(3, 3, 14, 3, 0)
#define CNT_HZ 24000000u
#define CTL_ENABLE 1u
#define CTL_IMASK 2u
#define CTL_ISTATUS 4u

static unsigned enc_op0(hv_sys_reg_t r) { return r >> 14; }
static unsigned enc_op1(hv_sys_reg_t r) { return (r >> 11) & 7; }
static unsigned enc_crn(hv_sys_reg_t r) { return (r >> 7) & 15; }
static unsigned enc_crm(hv_sys_reg_t r) { return (r >> 3) & 15; }
static unsigned enc_op2(hv_sys_reg_t r) { return r & 7; }

static uint64_t ctl_read(const struct sb_vtimer *t)
{
    bool met = (t->ctl & CTL_ENABLE) && sb_vtimer_counter(t) >= t->cval_ticks;
    return (t->ctl & (CTL_ENABLE | CTL_IMASK)) | (met ? CTL_ISTATUS : 0);
}

/* Timer writes change the deadline the ticker watches: under vm->lock. */
static void timer_write(struct sb_vcpu *v, hv_sys_reg_t reg, uint64_t value)
{
    struct sb_vm *vm = v->vm;
    pthread_mutex_lock(&vm->lock);
    struct sb_vtimer *t = &v->vtimer;
    if (reg == HV_SYS_REG_CNTV_CTL_EL0)
        t->ctl = value & (CTL_ENABLE | CTL_IMASK);
    else if (reg == HV_SYS_REG_CNTV_CVAL_EL0)
        t->cval_ticks = value;
    else /* TVAL: a signed 32-bit distance from now */
        t->cval_ticks = sb_vtimer_counter(t) + (uint64_t)(int64_t)(int32_t)value;
    if (vm->running == v) {
        v->deadline_ns = sb_vtimer_deadline_ns(t);
        sb_ticker_notify(vm, v->deadline_ns);
    }
    pthread_mutex_unlock(&vm->lock);
}

/* Debug registers: DBG{B,W}{V,C}R<n>_EL1 are op0=2, op1=0, CRn=0, CRm=n,
 * op2=4..7; MDCCINT (CRm 2, op2 0) and MDSCR (CRm 2, op2 2). */
static uint64_t *debug_slot(struct sb_vcpu *v, hv_sys_reg_t reg)
{
    if (enc_op0(reg) != 2 || enc_op1(reg) != 0 || enc_crn(reg) != 0)
        return NULL;
    unsigned n = enc_crm(reg), op2 = enc_op2(reg);
    switch (op2) {
    case 4: return &v->dbgbvr[n];
    case 5: return &v->dbgbcr[n];
    case 6: return &v->dbgwvr[n];
    case 7: return &v->dbgwcr[n];
    default: break;
    }
    if (reg == HV_SYS_REG_MDSCR_EL1)
        return &v->mdscr;
    if (reg == HV_SYS_REG_MDCCINT_EL1)
        return &v->mdccint;
    return NULL;
}

/* Registers the stand-in keeps itself; false: the engine has it. */
static bool emulated_read(struct sb_vcpu *v, hv_sys_reg_t reg, uint64_t *value)
{
    uint64_t *slot = debug_slot(v, reg);
    if (slot) {
        *value = *slot;
        return true;
    }
    switch (reg) {
    case HV_SYS_REG_CNTV_CTL_EL0: *value = ctl_read(&v->vtimer); return true;
    case HV_SYS_REG_CNTV_CVAL_EL0: *value = v->vtimer.cval_ticks; return true;
    case ENC_CNTV_TVAL:
        *value = (uint64_t)(int64_t)(int32_t)(v->vtimer.cval_ticks - sb_vtimer_counter(&v->vtimer));
        return true;
    case ENC_CNTVCT: *value = sb_vtimer_counter(&v->vtimer); return true;
    case ENC_CNTFRQ: *value = CNT_HZ; return true;
    case HV_SYS_REG_MPIDR_EL1: *value = v->mpidr; return true;
    default: return false;
    }
}

static bool emulated_write(struct sb_vcpu *v, hv_sys_reg_t reg, uint64_t value)
{
    uint64_t *slot = debug_slot(v, reg);
    if (slot) {
        *slot = value;
        v->bp_dirty = true;
        return true;
    }
    switch (reg) {
    case HV_SYS_REG_CNTV_CTL_EL0:
    case HV_SYS_REG_CNTV_CVAL_EL0:
    case ENC_CNTV_TVAL:
        timer_write(v, reg, value);
        return true;
    default:
        return false;
    }
}

/* MRS/MSR hook; returning 1 skips the engine's own access. */
static uint32_t on_sysreg(uc_engine *uc, uc_arm64_reg rt, const uc_arm64_cp_reg *cp,
                          void *user, bool is_read)
{
    struct sb_vcpu *v = user;
    hv_sys_reg_t reg = ENC(cp->op0, cp->op1, cp->crn, cp->crm, cp->op2);
    if (debug_slot(v, reg) && v->trap_debug_reg_accesses)
        return 0; /* MDCR_EL2.TDA is set: the engine raises the EC 0x18 trap */
    if (is_read) {
        uint64_t value;
        if (!emulated_read(v, reg, &value))
            return 0;
        if (sb_gpr_from_uc(rt) != 31)
            uc_reg_write(uc, rt, &value);
        return 1;
    }
    if (reg == ENC_CNTVCT || reg == ENC_CNTFRQ || reg == HV_SYS_REG_MPIDR_EL1)
        return 0; /* read-only at EL1: the engine makes it UNDEFINED */
    return emulated_write(v, reg, cp->val) ? 1 : 0;
}

static uint32_t on_mrs(uc_engine *uc, uc_arm64_reg rt, const uc_arm64_cp_reg *cp, void *user)
{
    return on_sysreg(uc, rt, cp, user, true);
}

static uint32_t on_msr(uc_engine *uc, uc_arm64_reg rt, const uc_arm64_cp_reg *cp, void *user)
{
    return on_sysreg(uc, rt, cp, user, false);
}

void sb_sysreg_install_hooks(struct sb_vcpu *vcpu)
{
    uc_hook h;
    uc_hook_add(vcpu->uc, &h, UC_HOOK_INSN, (void *)on_mrs, vcpu, 1, 0, UC_ARM64_INS_MRS);
    uc_hook_add(vcpu->uc, &h, UC_HOOK_INSN, (void *)on_msr, vcpu, 1, 0, UC_ARM64_INS_MSR);
}

/* ---- host access ---- */

/* Apple's hv_sys_reg_t values other than the debug registers. */
static const hv_sys_reg_t k_engine_regs[] = {
    HV_SYS_REG_MIDR_EL1, HV_SYS_REG_ID_AA64PFR0_EL1, HV_SYS_REG_ID_AA64PFR1_EL1,
    HV_SYS_REG_ID_AA64DFR0_EL1, HV_SYS_REG_ID_AA64DFR1_EL1, HV_SYS_REG_ID_AA64ISAR0_EL1,
    HV_SYS_REG_ID_AA64ISAR1_EL1, HV_SYS_REG_ID_AA64MMFR0_EL1, HV_SYS_REG_ID_AA64MMFR1_EL1,
    HV_SYS_REG_ID_AA64MMFR2_EL1, HV_SYS_REG_SCTLR_EL1, HV_SYS_REG_CPACR_EL1,
    HV_SYS_REG_TTBR0_EL1, HV_SYS_REG_TTBR1_EL1, HV_SYS_REG_TCR_EL1,
    HV_SYS_REG_APIAKEYLO_EL1, HV_SYS_REG_APIAKEYHI_EL1, HV_SYS_REG_APIBKEYLO_EL1,
    HV_SYS_REG_APIBKEYHI_EL1, HV_SYS_REG_APDAKEYLO_EL1, HV_SYS_REG_APDAKEYHI_EL1,
    HV_SYS_REG_APDBKEYLO_EL1, HV_SYS_REG_APDBKEYHI_EL1, HV_SYS_REG_APGAKEYLO_EL1,
    HV_SYS_REG_APGAKEYHI_EL1, HV_SYS_REG_SPSR_EL1, HV_SYS_REG_ELR_EL1,
    HV_SYS_REG_AFSR0_EL1, HV_SYS_REG_AFSR1_EL1, HV_SYS_REG_ESR_EL1, HV_SYS_REG_FAR_EL1,
    HV_SYS_REG_PAR_EL1, HV_SYS_REG_MAIR_EL1, HV_SYS_REG_AMAIR_EL1, HV_SYS_REG_VBAR_EL1,
    HV_SYS_REG_CONTEXTIDR_EL1, HV_SYS_REG_TPIDR_EL1, HV_SYS_REG_CNTKCTL_EL1,
    HV_SYS_REG_CSSELR_EL1, HV_SYS_REG_TPIDR_EL0, HV_SYS_REG_TPIDRRO_EL0,
};

static bool engine_reg(hv_sys_reg_t reg)
{
    for (size_t i = 0; i < sizeof k_engine_regs / sizeof k_engine_regs[0]; i++)
        if (k_engine_regs[i] == reg)
            return true;
    return false;
}

hv_return_t sb_sysreg_get(struct sb_vcpu *v, hv_sys_reg_t reg, uint64_t *value)
{
    if (reg == HV_SYS_REG_SP_EL0 || reg == HV_SYS_REG_SP_EL1) {
        *value = sb_sp_get(v, reg == HV_SYS_REG_SP_EL1);
        return HV_SUCCESS;
    }
    if (reg != ENC_CNTV_TVAL && reg != ENC_CNTVCT && reg != ENC_CNTFRQ &&
        emulated_read(v, reg, value))
        return HV_SUCCESS;
    if (!engine_reg(reg))
        return HV_BAD_ARGUMENT;
    *value = sb_cp_read(v->uc, enc_op0(reg), enc_op1(reg), enc_crn(reg), enc_crm(reg),
                        enc_op2(reg));
    return HV_SUCCESS;
}

static bool affects_translation(hv_sys_reg_t reg)
{
    return reg == HV_SYS_REG_SCTLR_EL1 || reg == HV_SYS_REG_TTBR0_EL1 ||
           reg == HV_SYS_REG_TTBR1_EL1 || reg == HV_SYS_REG_TCR_EL1 ||
           reg == HV_SYS_REG_MAIR_EL1;
}

hv_return_t sb_sysreg_set(struct sb_vcpu *v, hv_sys_reg_t reg, uint64_t value)
{
    if (reg == HV_SYS_REG_SP_EL0 || reg == HV_SYS_REG_SP_EL1) {
        sb_sp_set(v, reg == HV_SYS_REG_SP_EL1, value);
        return HV_SUCCESS;
    }
    if (reg == HV_SYS_REG_MPIDR_EL1) {
        v->mpidr = value;
        return HV_SUCCESS;
    }
    if (reg != ENC_CNTV_TVAL && emulated_write(v, reg, value))
        return HV_SUCCESS;
    if (!engine_reg(reg))
        return HV_BAD_ARGUMENT;
    if (sb_cp_write(v->uc, enc_op0(reg), enc_op1(reg), enc_crn(reg), enc_crm(reg),
                    enc_op2(reg), value) != 0)
        return HV_ERROR;
    if (affects_translation(reg))
        sb_flush_tlb(v->uc);
    return HV_SUCCESS;
}
