/*
 * One Unicorn arm64 engine per vCPU: the CPU model, the EL3/EL2 controls
 * that make it behave like an EL1 guest under a hypervisor, and register
 * plumbing shared by the other files.
 */
#include "standin.h"

#include <string.h>

/* SCR_EL3: NS, HCE (HVC enabled), RW (EL2 is AArch64). Without these the
 * MMU walks AArch32-format tables and HVC is undefined. */
#define SCR_NS (1ull << 0)
#define SCR_HCE (1ull << 8)
#define SCR_RW (1ull << 10)
/* HCR_EL2: RW (EL1 AArch64), TWI/TWE (WFI/WFE trap, as HVF sets them),
 * IMO/FMO route physical interrupts to EL2 and make VI/VF the virtual lines. */
#define HCR_FMO (1ull << 3)
#define HCR_IMO (1ull << 4)
#define HCR_VF (1ull << 6)
#define HCR_VI (1ull << 7)
#define HCR_TWI (1ull << 13)
#define HCR_TWE (1ull << 14)
#define HCR_RW (1ull << 31)
#define HCR_BASE (HCR_RW | HCR_TWI | HCR_TWE | HCR_IMO | HCR_FMO)
/* MDCR_EL2: trap PMU (TPM, TPMCR) and OS lock/double lock (TDOSA) accesses:
 * the framework does not virtualize them, so they exit as EC 0x18. */
#define MDCR_TPMCR (1ull << 5)
#define MDCR_TPM (1ull << 6)
#define MDCR_TDOSA (1ull << 10)

uint64_t sb_cp_read(uc_engine *uc, unsigned op0, unsigned op1, unsigned crn,
                    unsigned crm, unsigned op2)
{
    uc_arm64_cp_reg r = { .crn = crn, .crm = crm, .op0 = op0, .op1 = op1, .op2 = op2 };
    if (uc_reg_read(uc, UC_ARM64_REG_CP_REG, &r) != UC_ERR_OK)
        return 0;
    return r.val;
}

int sb_cp_write(uc_engine *uc, unsigned op0, unsigned op1, unsigned crn,
                unsigned crm, unsigned op2, uint64_t value)
{
    uc_arm64_cp_reg r = { .crn = crn, .crm = crm, .op0 = op0, .op1 = op1, .op2 = op2,
                          .val = value };
    return uc_reg_write(uc, UC_ARM64_REG_CP_REG, &r) == UC_ERR_OK ? 0 : -1;
}

uint64_t sb_reg_read(uc_engine *uc, int uc_reg)
{
    uint64_t v = 0;
    uc_reg_read(uc, uc_reg, &v);
    return v;
}

void sb_reg_write(uc_engine *uc, int uc_reg, uint64_t value)
{
    uc_reg_write(uc, uc_reg, &value);
}

/* PSTATE as SPSR would hold it (Unicorn returns stray high bits). */
uint64_t sb_pstate(uc_engine *uc)
{
    return sb_reg_read(uc, UC_ARM64_REG_PSTATE) & 0xffffffffull;
}

/* The virtual IRQ/FIQ lines are HCR_EL2.VI/VF: the emulated CPU then takes
 * the interrupt at EL1 through VBAR_EL1 as soon as PSTATE.I/F allow. */
void sb_set_hcr_lines(struct sb_vcpu *vcpu, bool irq, bool fiq)
{
    uint64_t hcr = HCR_BASE | (irq ? HCR_VI : 0) | (fiq ? HCR_VF : 0);
    sb_cp_write(vcpu->uc, 3, 4, 1, 1, 0, hcr);
}

/* TLBI VMALLE1 through the system-register interface: host writes to
 * SCTLR/TTBR/TCR/MAIR otherwise leave stale translations in the engine. */
void sb_flush_tlb(uc_engine *uc)
{
    sb_cp_write(uc, 1, 0, 8, 7, 0, 0);
}

/* Rt index of a Unicorn register id as the MRS/MSR hook reports it. */
int sb_gpr_from_uc(int uc_reg)
{
    if (uc_reg >= UC_ARM64_REG_X0 && uc_reg <= UC_ARM64_REG_X28)
        return uc_reg - UC_ARM64_REG_X0;
    if (uc_reg >= UC_ARM64_REG_W0 && uc_reg <= UC_ARM64_REG_W30)
        return uc_reg - UC_ARM64_REG_W0;
    if (uc_reg == UC_ARM64_REG_X29)
        return 29;
    if (uc_reg == UC_ARM64_REG_X30)
        return 30;
    return 31; /* XZR / WZR */
}

/* Read a 32-bit instruction at guest address va (identity-mapped guests:
 * va is the IPA). */
bool sb_fetch_insn(struct sb_vcpu *vcpu, uint64_t va, uint32_t *insn)
{
    return uc_mem_read(vcpu->uc, va, insn, sizeof *insn) == UC_ERR_OK;
}

static void set_el3_el2_controls(uc_engine *uc)
{
    sb_cp_write(uc, 3, 6, 1, 1, 0, SCR_NS | SCR_HCE | SCR_RW);
    sb_cp_write(uc, 3, 4, 1, 1, 0, HCR_BASE);
    sb_cp_write(uc, 3, 4, 1, 1, 1, MDCR_TPM | MDCR_TPMCR | MDCR_TDOSA);
    /* CNTHCTL_EL2 = 0: EL1 physical counter and timer accesses trap (EC 0x18),
     * as under HVF, where the guest has only the virtual timer. */
    sb_cp_write(uc, 3, 4, 14, 1, 0, 0);
}

/* Architectural reset state of an HVF vCPU: EL1h with DAIF masked. */
static void set_reset_state(uc_engine *uc)
{
    sb_reg_write(uc, UC_ARM64_REG_PSTATE, 0x3c5);
    sb_cp_write(uc, 3, 0, 1, 0, 0, 0x30d00800ull);   /* SCTLR_EL1 RES1 bits, MMU off */
}

uc_engine *sb_engine_open(struct sb_vcpu *vcpu)
{
    uc_engine *uc = NULL;
    if (uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc) != UC_ERR_OK)
        return NULL;
    /* MAX: the A53/A57/A72 models lack LSE atomics (LDADD, CAS). */
    if (uc_ctl_set_cpu_model(uc, UC_CPU_ARM64_MAX) != UC_ERR_OK) {
        uc_close(uc);
        return NULL;
    }
    set_el3_el2_controls(uc);
    set_reset_state(uc);
    vcpu->uc = uc;
    return uc;
}
