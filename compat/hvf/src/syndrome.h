/*
 * Exception syndromes (ESR_EL2 layout) as Apple silicon reports them to
 * Hypervisor.framework, computed from the faulting instruction word the way
 * the hardware does. Pure functions: no engine, no state.
 */
#ifndef HVF_SYNDROME_H
#define HVF_SYNDROME_H

#include <stdbool.h>
#include <stdint.h>

/* Exception classes (ESR_ELx.EC) the stand-in produces. */
#define SB_EC_UNKNOWN 0x00u
#define SB_EC_WFX 0x01u
#define SB_EC_SVC64 0x15u
#define SB_EC_HVC64 0x16u
#define SB_EC_SMC64 0x17u
#define SB_EC_SYSREG 0x18u
#define SB_EC_IABT_LOWER 0x20u
#define SB_EC_DABT_LOWER 0x24u
#define SB_EC_BREAKPT_LOWER 0x30u
#define SB_EC_SOFTSTP_LOWER 0x32u
#define SB_EC_BRK64 0x3cu

#define SB_ESR_IL (1ull << 25) /* 32-bit instruction */

/* Fault status codes. Real HVF reports the level at which its stage-2 walk
 * stopped; the stand-in has no stage-2 tables and always says level 3. */
#define SB_FSC_TRANSLATION_L3 0x07u
#define SB_FSC_PERMISSION_L3 0x0fu
#define SB_FSC_DEBUG 0x22u

uint64_t sb_esr(unsigned ec, uint32_t iss);

/* Data abort (EC 0x24) for a load/store instruction insn that faulted; the
 * ISS carries ISV/SAS/SSE/SRT/SF/AR only for single-register, non-writeback,
 * non-SIMD forms, as the architecture specifies. */
uint64_t sb_esr_data_abort(uint32_t insn, bool is_write, bool permission);

/* Trapped MSR/MRS/SYS (EC 0x18) from the instruction word. */
uint64_t sb_esr_sysreg(uint32_t insn);
bool sb_insn_is_sysreg(uint32_t insn);   /* MRS, MSR (register), SYS, SYSL */
bool sb_insn_is_wfx(uint32_t insn, bool *is_wfe);
uint32_t sb_insn_imm16(uint32_t insn);   /* HVC/SMC/SVC/BRK immediate */

#endif /* HVF_SYNDROME_H */
