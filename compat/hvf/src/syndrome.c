/*
 * ESR computation from instruction words (see syndrome.h). The load/store
 * decode follows the A64 encoding tables ("Loads and Stores" group) and the
 * ISS encoding for an exception from a Data Abort in the Arm ARM (D17.2.40):
 * ISV is 1 only for single general-purpose register accesses without
 * writeback; pair, writeback, exclusive, atomic and SIMD&FP forms give ISV=0.
 */
#include "syndrome.h"

#define ISS_ISV (1u << 24)
#define ISS_SSE (1u << 21)
#define ISS_SF (1u << 15)
#define ISS_AR (1u << 14)
#define ISS_WNR (1u << 6)

uint64_t sb_esr(unsigned ec, uint32_t iss)
{
    return ((uint64_t)ec << 26) | SB_ESR_IL | (iss & 0x1ffffffu);
}

/* The fields ISV=1 reports for one general-purpose register access. */
struct ls_fields {
    bool valid;        /* ISV */
    unsigned sas;      /* log2 of the access size */
    bool sse, sf, ar;
};

/* LDR/STR (unsigned imm, unscaled, unprivileged, register offset) and
 * LDR (literal): size in bits 31:30, opc in 23:22. */
static struct ls_fields gpr_single(unsigned size, unsigned opc)
{
    struct ls_fields f = { .valid = true, .sas = size };
    if (opc <= 1) {                 /* STR / LDR, zero-extending */
        f.sf = size == 3;
    } else if (size == 3 || (size == 2 && opc == 3)) {
        f.valid = false;            /* PRFM or unallocated */
    } else {                        /* LDRS*: opc 2 -> Xt, opc 3 -> Wt */
        f.sse = true;
        f.sf = opc == 2;
    }
    return f;
}

static struct ls_fields decode_literal(uint32_t insn)
{
    unsigned opc = insn >> 30;
    struct ls_fields f = { .valid = opc != 3, .sas = opc == 1 ? 3 : 2 };
    f.sf = opc != 0;
    f.sse = opc == 2;               /* LDRSW (literal) */
    return f;
}

/* Load/store register (immediate/register) forms with V=0. */
static struct ls_fields decode_register_forms(uint32_t insn)
{
    struct ls_fields none = { .valid = false };
    unsigned size = insn >> 30, opc = (insn >> 22) & 3;
    if ((insn & 0x3b000000u) == 0x39000000u)        /* unsigned offset */
        return gpr_single(size, opc);
    if ((insn & 0x3b200000u) == 0x38000000u) {      /* imm9 forms */
        unsigned idx = (insn >> 10) & 3;            /* 1 post, 3 pre: writeback */
        return (idx == 0 || idx == 2) ? gpr_single(size, opc) : none;
    }
    if ((insn & 0x3b200c00u) == 0x38200800u)        /* register offset */
        return gpr_single(size, opc);
    return none;                                    /* atomics, PAC loads, ... */
}

/* Load-acquire/store-release (non-exclusive): ISV=1 with AR set. */
static struct ls_fields decode_ordered(uint32_t insn)
{
    struct ls_fields f = { .valid = false };
    bool o2 = (insn >> 23) & 1, o1 = (insn >> 21) & 1;
    if ((insn & 0x3f000000u) == 0x08000000u && o2 && !o1) {  /* LDAR/STLR/LDLAR/STLLR */
        f.valid = true;
        f.sas = insn >> 30;
        f.sf = f.sas == 3;
        f.ar = true;
    }
    return f;
}

static struct ls_fields decode_load_store(uint32_t insn)
{
    struct ls_fields none = { .valid = false };
    if (insn & (1u << 26))                       /* SIMD&FP register: ISV=0 */
        return none;
    if ((insn & 0x3b000000u) == 0x18000000u)
        return decode_literal(insn);
    if ((insn & 0x3a000000u) == 0x38000000u)
        return decode_register_forms(insn);
    return decode_ordered(insn);                 /* pairs, exclusives: ISV=0 */
}

uint64_t sb_esr_data_abort(uint32_t insn, bool is_write, bool permission)
{
    struct ls_fields f = decode_load_store(insn);
    uint32_t iss = permission ? SB_FSC_PERMISSION_L3 : SB_FSC_TRANSLATION_L3;
    if (is_write)
        iss |= ISS_WNR;
    if (f.valid) {
        iss |= ISS_ISV | (f.sas << 22) | ((insn & 31u) << 16);
        iss |= (f.sse ? ISS_SSE : 0) | (f.sf ? ISS_SF : 0) | (f.ar ? ISS_AR : 0);
    }
    return sb_esr(SB_EC_DABT_LOWER, iss);
}

bool sb_insn_is_sysreg(uint32_t insn)
{
    /* 1101 0101 00 L op0(2) op1 CRn CRm op2 Rt with op0 != 0 (op0 == 0 is
     * hints, barriers and MSR immediate, which never trap as EC 0x18). */
    return (insn & 0xffc00000u) == 0xd5000000u && ((insn >> 19) & 3) != 0;
}

uint64_t sb_esr_sysreg(uint32_t insn)
{
    uint32_t op0 = (insn >> 19) & 3, op1 = (insn >> 16) & 7, crn = (insn >> 12) & 15;
    uint32_t crm = (insn >> 8) & 15, op2 = (insn >> 5) & 7, rt = insn & 31;
    uint32_t is_read = (insn >> 21) & 1;
    uint32_t iss = (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) |
                   (crm << 1) | is_read;
    return sb_esr(SB_EC_SYSREG, iss);
}

bool sb_insn_is_wfx(uint32_t insn, bool *is_wfe)
{
    if (insn == 0xd503207fu || insn == 0xd503205fu) {  /* WFI, WFE */
        *is_wfe = insn == 0xd503205fu;
        return true;
    }
    return false;
}

uint32_t sb_insn_imm16(uint32_t insn)
{
    return (insn >> 5) & 0xffffu;
}
