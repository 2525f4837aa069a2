/*
 * From what stopped the engine to Apple's hv_vcpu_exit_t: the syndrome,
 * addresses and PC exactly as HVF reports them, or, for exceptions the
 * framework does not exit for (SVC, undefined instructions, BRK when debug
 * exceptions are not trapped), delivery to the guest's own EL1 vectors.
 */
#include "standin.h"
#include "syndrome.h"

/* QEMU exception numbers as Unicorn's UC_HOOK_INTR reports them. */
#define EXCP_UDEF 1u
#define EXCP_SWI 2u
#define EXCP_BKPT 7u
#define EXCP_HVC 11u
#define EXCP_SMC 13u

#define PSTATE_EL1H_MASKED 0x3c5ull
#define PSTATE_SS (1ull << 21)

static void set_exit(struct sb_vcpu *v, hv_exit_reason_t reason, uint64_t esr,
                     uint64_t va, uint64_t pa)
{
    v->exit.reason = reason;
    v->exit.exception.syndrome = esr;
    v->exit.exception.virtual_address = va;
    v->exit.exception.physical_address = pa;
}

/* Take a synchronous exception at EL1 as the hardware would: vector offset
 * 0x200 from EL1 with SP_EL1, 0x000 from EL1 with SP_EL0, 0x400 from EL0. */
void sb_deliver_sync_to_el1(struct sb_vcpu *v, uint64_t esr, uint64_t elr)
{
    uint64_t spsr = sb_pstate(v->uc);
    unsigned el = (spsr >> 2) & 3;
    uint64_t offset = el == 0 ? 0x400 : ((spsr & 1) ? 0x200 : 0x000);
    uint64_t vbar = sb_cp_read(v->uc, 3, 0, 12, 0, 0);
    uint64_t sp_el1 = sb_sp_get(v, 1);
    if (!(el != 0 && (spsr & 1)))                       /* leaving SP_EL0 */
        sb_sp_set(v, 0, sb_reg_read(v->uc, UC_ARM64_REG_SP));
    sb_cp_write(v->uc, 3, 0, 4, 0, 1, elr);             /* ELR_EL1 */
    sb_cp_write(v->uc, 3, 0, 4, 0, 0, spsr);            /* SPSR_EL1 */
    sb_cp_write(v->uc, 3, 0, 5, 2, 0, esr);             /* ESR_EL1 */
    sb_reg_write(v->uc, UC_ARM64_REG_PSTATE, PSTATE_EL1H_MASKED);
    sb_reg_write(v->uc, UC_ARM64_REG_SP, sp_el1);
    sb_reg_write(v->uc, UC_ARM64_REG_PC, vbar + offset);
}

static uint32_t insn_at(struct sb_vcpu *v, uint64_t pc)
{
    uint32_t insn = 0;
    sb_fetch_insn(v, pc, &insn);
    return insn;
}

/* EXCP_UDEF covers three things here, told apart by the instruction:
 * a trapped WFI/WFE (HCR_EL2.TWI/TWE), a system register access the
 * framework does not virtualize, and a genuinely undefined instruction. */
static bool exit_from_udef(struct sb_vcpu *v, uint64_t pc)
{
    uint32_t insn = insn_at(v, pc);
    bool is_wfe;
    if (sb_insn_is_wfx(insn, &is_wfe)) {
        set_exit(v, HV_EXIT_REASON_EXCEPTION, sb_esr(SB_EC_WFX, is_wfe ? 1 : 0), 0, 0);
        return true;
    }
    if (sb_insn_is_sysreg(insn)) {
        set_exit(v, HV_EXIT_REASON_EXCEPTION, sb_esr_sysreg(insn), 0, 0);
        return true;
    }
    sb_deliver_sync_to_el1(v, sb_esr(SB_EC_UNKNOWN, 0), pc);
    return false;
}

/* HVC: PC is already past it (ELR_EL2 of an HVC is the next instruction).
 * SMC: trapped with PC on it (HCR_EL2.TSC), so step back. */
static bool exit_from_exception(struct sb_vcpu *v)
{
    uint64_t pc = sb_reg_read(v->uc, UC_ARM64_REG_PC);
    switch (v->stop.intno) {
    case EXCP_UDEF:
        return exit_from_udef(v, pc);
    case EXCP_HVC:
        set_exit(v, HV_EXIT_REASON_EXCEPTION,
                 sb_esr(SB_EC_HVC64, sb_insn_imm16(insn_at(v, pc - 4))), 0, 0);
        return true;
    case EXCP_SMC:
        sb_reg_write(v->uc, UC_ARM64_REG_PC, pc - 4);
        set_exit(v, HV_EXIT_REASON_EXCEPTION,
                 sb_esr(SB_EC_SMC64, sb_insn_imm16(insn_at(v, pc - 4))), 0, 0);
        return true;
    case EXCP_SWI:
        sb_deliver_sync_to_el1(v, sb_esr(SB_EC_SVC64, sb_insn_imm16(insn_at(v, pc - 4))), pc);
        return false;
    case EXCP_BKPT: {
        uint64_t esr = sb_esr(SB_EC_BRK64, sb_insn_imm16(insn_at(v, pc)));
        if (!v->trap_debug_exceptions) {
            sb_deliver_sync_to_el1(v, esr, pc);
            return false;
        }
        set_exit(v, HV_EXIT_REASON_EXCEPTION, esr, 0, 0);
        return true;
    }
    default:
        /* Guest stage-1 faults and the like: the stand-in cannot reproduce
         * the syndrome the guest would see. */
        set_exit(v, HV_EXIT_REASON_UNKNOWN, 0, 0, 0);
        return true;
    }
}

static void exit_from_data_abort(struct sb_vcpu *v)
{
    uint64_t pc = sb_reg_read(v->uc, UC_ARM64_REG_PC);
    uint64_t esr = sb_esr_data_abort(insn_at(v, pc), v->stop.is_write, v->stop.permission);
    /* Identity-mapped guests: the IPA is the virtual address. */
    set_exit(v, HV_EXIT_REASON_EXCEPTION, esr, v->stop.va, v->stop.va);
}

static void exit_from_insn_abort(struct sb_vcpu *v)
{
    uint32_t ifsc = v->stop.permission ? SB_FSC_PERMISSION_L3 : SB_FSC_TRANSLATION_L3;
    sb_reg_write(v->uc, UC_ARM64_REG_PC, v->stop.va);
    set_exit(v, HV_EXIT_REASON_EXCEPTION, sb_esr(SB_EC_IABT_LOWER, ifsc), v->stop.va,
             v->stop.va);
}

/* A hardware breakpoint (EC 0x30): PC on the instruction, not executed. */
static void exit_from_breakpoint(struct sb_vcpu *v)
{
    sb_reg_write(v->uc, UC_ARM64_REG_PC, v->stop.va);
    set_exit(v, HV_EXIT_REASON_EXCEPTION, sb_esr(SB_EC_BREAKPT_LOWER, SB_FSC_DEBUG),
             v->stop.va, 0);
}

/* Returns true if the stop is an exit for the host, false if the guest
 * handled it itself and should simply continue. */
bool sb_exit_from_stop(struct sb_vcpu *v)
{
    switch (v->stop.kind) {
    case SB_STOP_DATA_ABORT:
        exit_from_data_abort(v);
        return true;
    case SB_STOP_INSN_ABORT:
        exit_from_insn_abort(v);
        return true;
    case SB_STOP_BREAKPOINT:
        exit_from_breakpoint(v);
        return true;
    case SB_STOP_EXCEPTION:
        return exit_from_exception(v);
    default:
        return false;
    }
}
