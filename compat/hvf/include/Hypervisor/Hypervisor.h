/*
 * <Hypervisor/Hypervisor.h>: Apple's Hypervisor.framework C API for Apple
 * silicon (arm64), declared from Apple's documentation so that code written
 * against the framework (core/hvf/) compiles unchanged where the framework is
 * absent. On macOS the real framework header is used instead of this one.
 *
 * Only what Apple documents is declared here: types, constants (with the
 * values the framework uses) and prototypes. Nothing in this header is
 * specific to any implementation of the API. Each block names the page of
 * https://developer.apple.com/documentation/hypervisor it follows.
 *
 * Layout notes: Apple declares its enumerations with OS_ENUM, i.e. a fixed
 * underlying integer type; in C that is a typedef of that integer plus an
 * anonymous enum of constants, which is what this header does, so sizes and
 * struct layouts match the framework's.
 */
#ifndef HYPERVISOR_HYPERVISOR_H
#define HYPERVISOR_HYPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- hv_return_t, Hypervisor Errors ("hv_return_t", "Hypervisor Errors") ----
 * hv_return_t is a mach_error_t; the errors are err_common_hypervisor(n),
 * i.e. 0xfae94000 | n. */
typedef int hv_return_t;
enum {
    HV_SUCCESS = 0,
    HV_ERROR = (int)0xfae94001,
    HV_BUSY = (int)0xfae94002,
    HV_BAD_ARGUMENT = (int)0xfae94003,
    HV_ILLEGAL_GUEST_STATE = (int)0xfae94004,
    HV_NO_RESOURCES = (int)0xfae94005,
    HV_NO_DEVICE = (int)0xfae94006,
    HV_DENIED = (int)0xfae94007,
    HV_FAULT = (int)0xfae94008,
    HV_UNSUPPORTED = (int)0xfae9400f,
};

/* ---- Configuration objects ("hv_vm_config_t", "hv_vcpu_config_t") ----
 * Opaque objects (OS objects on macOS). Pass NULL for the defaults. */
typedef struct hv_vm_config_s *hv_vm_config_t;
typedef struct hv_vcpu_config_s *hv_vcpu_config_t;

/* ---- Virtual machine ("hv_vm_create(_:)", "hv_vm_destroy()",
 *      "hv_vm_get_max_vcpu_count(_:)") ----
 * One VM per process. hv_vm_create returns HV_BUSY if one exists. */
hv_vm_config_t hv_vm_config_create(void);
hv_return_t hv_vm_create(hv_vm_config_t config);
hv_return_t hv_vm_destroy(void);
hv_return_t hv_vm_get_max_vcpu_count(uint32_t *max_vcpu_count);

/* ---- Memory ("hv_ipa_t", "hv_memory_flags_t", "hv_vm_map(_:_:_:_:)",
 *      "hv_vm_unmap(_:_:)", "hv_vm_protect(_:_:_:)") ----
 * addr, ipa and size must be multiples of the host page size. */
typedef uint64_t hv_ipa_t;
typedef uint64_t hv_memory_flags_t;
enum {
    HV_MEMORY_READ = 1ull << 0,
    HV_MEMORY_WRITE = 1ull << 1,
    HV_MEMORY_EXEC = 1ull << 2,
};
hv_return_t hv_vm_map(void *addr, hv_ipa_t ipa, size_t size, hv_memory_flags_t flags);
hv_return_t hv_vm_unmap(hv_ipa_t ipa, size_t size);
hv_return_t hv_vm_protect(hv_ipa_t ipa, size_t size, hv_memory_flags_t flags);

/* ---- vCPU configuration ("hv_vcpu_config_create()",
 *      "hv_feature_reg_t", "hv_vcpu_config_get_feature_reg(_:_:_:)") ---- */
typedef uint32_t hv_feature_reg_t;
enum {
    HV_FEATURE_REG_ID_AA64DFR0_EL1,
    HV_FEATURE_REG_ID_AA64DFR1_EL1,
    HV_FEATURE_REG_ID_AA64ISAR0_EL1,
    HV_FEATURE_REG_ID_AA64ISAR1_EL1,
    HV_FEATURE_REG_ID_AA64MMFR0_EL1,
    HV_FEATURE_REG_ID_AA64MMFR1_EL1,
    HV_FEATURE_REG_ID_AA64MMFR2_EL1,
    HV_FEATURE_REG_ID_AA64PFR0_EL1,
    HV_FEATURE_REG_ID_AA64PFR1_EL1,
    HV_FEATURE_REG_CTR_EL0,
    HV_FEATURE_REG_CLIDR_EL1,
    HV_FEATURE_REG_DCZID_EL0,
};
hv_vcpu_config_t hv_vcpu_config_create(void);
hv_return_t hv_vcpu_config_get_feature_reg(hv_vcpu_config_t config,
                                           hv_feature_reg_t feature_reg, uint64_t *value);

/* ---- vCPU and exits ("hv_vcpu_t", "hv_exit_reason_t",
 *      "hv_exception_syndrome_t", "hv_exception_address_t",
 *      "hv_vcpu_exit_exception_t", "hv_vcpu_exit_t", "Exits") ----
 * syndrome is ESR_EL2 as the hypervisor saw it; virtual_address is FAR_EL2;
 * physical_address is the faulting IPA (HPFAR_EL2-derived) for aborts. */
typedef uint64_t hv_vcpu_t;
typedef uint32_t hv_exit_reason_t;
enum {
    HV_EXIT_REASON_CANCELED,         /* hv_vcpus_exit() asked for it */
    HV_EXIT_REASON_EXCEPTION,        /* a guest trap; see exception */
    HV_EXIT_REASON_VTIMER_ACTIVATED, /* the vtimer fired and is now masked */
    HV_EXIT_REASON_UNKNOWN,
};
typedef uint64_t hv_exception_syndrome_t;
typedef uint64_t hv_exception_address_t;
typedef struct {
    hv_exception_syndrome_t syndrome;
    hv_exception_address_t virtual_address;
    hv_ipa_t physical_address;
} hv_vcpu_exit_exception_t;
typedef struct {
    hv_exit_reason_t reason;
    hv_vcpu_exit_exception_t exception;
} hv_vcpu_exit_t;

/* ---- vCPU lifetime ("hv_vcpu_create(_:_:_:)", "hv_vcpu_destroy(_:)") ----
 * The calling thread owns the vCPU; *exit points to exit information that
 * hv_vcpu_run updates. */
hv_return_t hv_vcpu_create(hv_vcpu_t *vcpu, hv_vcpu_exit_t **exit, hv_vcpu_config_t config);
hv_return_t hv_vcpu_destroy(hv_vcpu_t vcpu);

/* ---- Running ("hv_vcpu_run(_:)", "hv_vcpus_exit(_:_:)",
 *      "hv_interrupt_type_t", "hv_vcpu_get_pending_interrupt(_:_:_:)",
 *      "hv_vcpu_set_pending_interrupt(_:_:_:)", "hv_vcpu_get_exec_time(_:_:)") ----
 * hv_vcpus_exit is the one call allowed from any thread. Pending interrupts
 * are set before hv_vcpu_run. Exec time is cumulative, in nanoseconds. */
typedef uint32_t hv_interrupt_type_t;
enum {
    HV_INTERRUPT_TYPE_IRQ,
    HV_INTERRUPT_TYPE_FIQ,
};
hv_return_t hv_vcpu_run(hv_vcpu_t vcpu);
hv_return_t hv_vcpus_exit(hv_vcpu_t *vcpus, uint32_t vcpu_count);
hv_return_t hv_vcpu_get_pending_interrupt(hv_vcpu_t vcpu, hv_interrupt_type_t type,
                                          bool *pending);
hv_return_t hv_vcpu_set_pending_interrupt(hv_vcpu_t vcpu, hv_interrupt_type_t type,
                                          bool pending);
hv_return_t hv_vcpu_get_exec_time(hv_vcpu_t vcpu, uint64_t *time);

/* ---- General registers ("hv_reg_t", "hv_vcpu_get_reg(_:_:_:)",
 *      "hv_vcpu_set_reg(_:_:_:)") ---- */
typedef uint32_t hv_reg_t;
enum {
    HV_REG_X0, HV_REG_X1, HV_REG_X2, HV_REG_X3, HV_REG_X4, HV_REG_X5, HV_REG_X6,
    HV_REG_X7, HV_REG_X8, HV_REG_X9, HV_REG_X10, HV_REG_X11, HV_REG_X12, HV_REG_X13,
    HV_REG_X14, HV_REG_X15, HV_REG_X16, HV_REG_X17, HV_REG_X18, HV_REG_X19, HV_REG_X20,
    HV_REG_X21, HV_REG_X22, HV_REG_X23, HV_REG_X24, HV_REG_X25, HV_REG_X26, HV_REG_X27,
    HV_REG_X28, HV_REG_X29, HV_REG_FP = HV_REG_X29, HV_REG_X30, HV_REG_LR = HV_REG_X30,
    HV_REG_PC, HV_REG_FPCR, HV_REG_FPSR, HV_REG_CPSR,
};
hv_return_t hv_vcpu_get_reg(hv_vcpu_t vcpu, hv_reg_t reg, uint64_t *value);
hv_return_t hv_vcpu_set_reg(hv_vcpu_t vcpu, hv_reg_t reg, uint64_t value);

/* ---- SIMD and floating-point registers ("hv_simd_fp_reg_t",
 *      "hv_simd_fp_uchar16_t", "hv_vcpu_get_simd_fp_reg(_:_:_:)",
 *      "hv_vcpu_set_simd_fp_reg(_:_:_:)") ----
 * A 16-byte vector passed by value (clang's ext_vector_type in Apple's SDK;
 * the same 16-byte vector for other compilers). */
#if defined(__clang__)
typedef unsigned char hv_simd_fp_uchar16_t __attribute__((ext_vector_type(16)));
#else
typedef unsigned char hv_simd_fp_uchar16_t __attribute__((vector_size(16)));
#endif
typedef uint32_t hv_simd_fp_reg_t;
enum {
    HV_SIMD_FP_REG_Q0, HV_SIMD_FP_REG_Q1, HV_SIMD_FP_REG_Q2, HV_SIMD_FP_REG_Q3,
    HV_SIMD_FP_REG_Q4, HV_SIMD_FP_REG_Q5, HV_SIMD_FP_REG_Q6, HV_SIMD_FP_REG_Q7,
    HV_SIMD_FP_REG_Q8, HV_SIMD_FP_REG_Q9, HV_SIMD_FP_REG_Q10, HV_SIMD_FP_REG_Q11,
    HV_SIMD_FP_REG_Q12, HV_SIMD_FP_REG_Q13, HV_SIMD_FP_REG_Q14, HV_SIMD_FP_REG_Q15,
    HV_SIMD_FP_REG_Q16, HV_SIMD_FP_REG_Q17, HV_SIMD_FP_REG_Q18, HV_SIMD_FP_REG_Q19,
    HV_SIMD_FP_REG_Q20, HV_SIMD_FP_REG_Q21, HV_SIMD_FP_REG_Q22, HV_SIMD_FP_REG_Q23,
    HV_SIMD_FP_REG_Q24, HV_SIMD_FP_REG_Q25, HV_SIMD_FP_REG_Q26, HV_SIMD_FP_REG_Q27,
    HV_SIMD_FP_REG_Q28, HV_SIMD_FP_REG_Q29, HV_SIMD_FP_REG_Q30, HV_SIMD_FP_REG_Q31,
};
hv_return_t hv_vcpu_get_simd_fp_reg(hv_vcpu_t vcpu, hv_simd_fp_reg_t reg,
                                    hv_simd_fp_uchar16_t *value);
hv_return_t hv_vcpu_set_simd_fp_reg(hv_vcpu_t vcpu, hv_simd_fp_reg_t reg,
                                    hv_simd_fp_uchar16_t value);

/* ---- System registers ("hv_sys_reg_t", "hv_vcpu_get_sys_reg(_:_:_:)",
 *      "hv_vcpu_set_sys_reg(_:_:_:)") ----
 * Each value is the register's MRS/MSR encoding:
 * op0 << 14 | op1 << 11 | CRn << 7 | CRm << 3 | op2. */
typedef uint16_t hv_sys_reg_t;
enum {
    HV_SYS_REG_DBGBVR0_EL1 = 0x8004,
    HV_SYS_REG_DBGBCR0_EL1 = 0x8005,
    HV_SYS_REG_DBGWVR0_EL1 = 0x8006,
    HV_SYS_REG_DBGWCR0_EL1 = 0x8007,
    HV_SYS_REG_DBGBVR1_EL1 = 0x800c,
    HV_SYS_REG_DBGBCR1_EL1 = 0x800d,
    HV_SYS_REG_DBGWVR1_EL1 = 0x800e,
    HV_SYS_REG_DBGWCR1_EL1 = 0x800f,
    HV_SYS_REG_MDCCINT_EL1 = 0x8010,
    HV_SYS_REG_MDSCR_EL1 = 0x8012,
    HV_SYS_REG_DBGBVR2_EL1 = 0x8014,
    HV_SYS_REG_DBGBCR2_EL1 = 0x8015,
    HV_SYS_REG_DBGWVR2_EL1 = 0x8016,
    HV_SYS_REG_DBGWCR2_EL1 = 0x8017,
    HV_SYS_REG_DBGBVR3_EL1 = 0x801c,
    HV_SYS_REG_DBGBCR3_EL1 = 0x801d,
    HV_SYS_REG_DBGWVR3_EL1 = 0x801e,
    HV_SYS_REG_DBGWCR3_EL1 = 0x801f,
    HV_SYS_REG_DBGBVR4_EL1 = 0x8024,
    HV_SYS_REG_DBGBCR4_EL1 = 0x8025,
    HV_SYS_REG_DBGWVR4_EL1 = 0x8026,
    HV_SYS_REG_DBGWCR4_EL1 = 0x8027,
    HV_SYS_REG_DBGBVR5_EL1 = 0x802c,
    HV_SYS_REG_DBGBCR5_EL1 = 0x802d,
    HV_SYS_REG_DBGWVR5_EL1 = 0x802e,
    HV_SYS_REG_DBGWCR5_EL1 = 0x802f,
    HV_SYS_REG_DBGBVR6_EL1 = 0x8034,
    HV_SYS_REG_DBGBCR6_EL1 = 0x8035,
    HV_SYS_REG_DBGWVR6_EL1 = 0x8036,
    HV_SYS_REG_DBGWCR6_EL1 = 0x8037,
    HV_SYS_REG_DBGBVR7_EL1 = 0x803c,
    HV_SYS_REG_DBGBCR7_EL1 = 0x803d,
    HV_SYS_REG_DBGWVR7_EL1 = 0x803e,
    HV_SYS_REG_DBGWCR7_EL1 = 0x803f,
    HV_SYS_REG_DBGBVR8_EL1 = 0x8044,
    HV_SYS_REG_DBGBCR8_EL1 = 0x8045,
    HV_SYS_REG_DBGWVR8_EL1 = 0x8046,
    HV_SYS_REG_DBGWCR8_EL1 = 0x8047,
    HV_SYS_REG_DBGBVR9_EL1 = 0x804c,
    HV_SYS_REG_DBGBCR9_EL1 = 0x804d,
    HV_SYS_REG_DBGWVR9_EL1 = 0x804e,
    HV_SYS_REG_DBGWCR9_EL1 = 0x804f,
    HV_SYS_REG_DBGBVR10_EL1 = 0x8054,
    HV_SYS_REG_DBGBCR10_EL1 = 0x8055,
    HV_SYS_REG_DBGWVR10_EL1 = 0x8056,
    HV_SYS_REG_DBGWCR10_EL1 = 0x8057,
    HV_SYS_REG_DBGBVR11_EL1 = 0x805c,
    HV_SYS_REG_DBGBCR11_EL1 = 0x805d,
    HV_SYS_REG_DBGWVR11_EL1 = 0x805e,
    HV_SYS_REG_DBGWCR11_EL1 = 0x805f,
    HV_SYS_REG_DBGBVR12_EL1 = 0x8064,
    HV_SYS_REG_DBGBCR12_EL1 = 0x8065,
    HV_SYS_REG_DBGWVR12_EL1 = 0x8066,
    HV_SYS_REG_DBGWCR12_EL1 = 0x8067,
    HV_SYS_REG_DBGBVR13_EL1 = 0x806c,
    HV_SYS_REG_DBGBCR13_EL1 = 0x806d,
    HV_SYS_REG_DBGWVR13_EL1 = 0x806e,
    HV_SYS_REG_DBGWCR13_EL1 = 0x806f,
    HV_SYS_REG_DBGBVR14_EL1 = 0x8074,
    HV_SYS_REG_DBGBCR14_EL1 = 0x8075,
    HV_SYS_REG_DBGWVR14_EL1 = 0x8076,
    HV_SYS_REG_DBGWCR14_EL1 = 0x8077,
    HV_SYS_REG_DBGBVR15_EL1 = 0x807c,
    HV_SYS_REG_DBGBCR15_EL1 = 0x807d,
    HV_SYS_REG_DBGWVR15_EL1 = 0x807e,
    HV_SYS_REG_DBGWCR15_EL1 = 0x807f,
    HV_SYS_REG_MIDR_EL1 = 0xc000,
    HV_SYS_REG_MPIDR_EL1 = 0xc005,
    HV_SYS_REG_ID_AA64PFR0_EL1 = 0xc020,
    HV_SYS_REG_ID_AA64PFR1_EL1 = 0xc021,
    HV_SYS_REG_ID_AA64DFR0_EL1 = 0xc028,
    HV_SYS_REG_ID_AA64DFR1_EL1 = 0xc029,
    HV_SYS_REG_ID_AA64ISAR0_EL1 = 0xc030,
    HV_SYS_REG_ID_AA64ISAR1_EL1 = 0xc031,
    HV_SYS_REG_ID_AA64MMFR0_EL1 = 0xc038,
    HV_SYS_REG_ID_AA64MMFR1_EL1 = 0xc039,
    HV_SYS_REG_ID_AA64MMFR2_EL1 = 0xc03a,
    HV_SYS_REG_SCTLR_EL1 = 0xc080,
    HV_SYS_REG_CPACR_EL1 = 0xc082,
    HV_SYS_REG_TTBR0_EL1 = 0xc100,
    HV_SYS_REG_TTBR1_EL1 = 0xc101,
    HV_SYS_REG_TCR_EL1 = 0xc102,
    HV_SYS_REG_APIAKEYLO_EL1 = 0xc108,
    HV_SYS_REG_APIAKEYHI_EL1 = 0xc109,
    HV_SYS_REG_APIBKEYLO_EL1 = 0xc10a,
    HV_SYS_REG_APIBKEYHI_EL1 = 0xc10b,
    HV_SYS_REG_APDAKEYLO_EL1 = 0xc110,
    HV_SYS_REG_APDAKEYHI_EL1 = 0xc111,
    HV_SYS_REG_APDBKEYLO_EL1 = 0xc112,
    HV_SYS_REG_APDBKEYHI_EL1 = 0xc113,
    HV_SYS_REG_APGAKEYLO_EL1 = 0xc118,
    HV_SYS_REG_APGAKEYHI_EL1 = 0xc119,
    HV_SYS_REG_SPSR_EL1 = 0xc200,
    HV_SYS_REG_ELR_EL1 = 0xc201,
    HV_SYS_REG_SP_EL0 = 0xc208,
    HV_SYS_REG_AFSR0_EL1 = 0xc288,
    HV_SYS_REG_AFSR1_EL1 = 0xc289,
    HV_SYS_REG_ESR_EL1 = 0xc290,
    HV_SYS_REG_FAR_EL1 = 0xc300,
    HV_SYS_REG_PAR_EL1 = 0xc3a0,
    HV_SYS_REG_MAIR_EL1 = 0xc510,
    HV_SYS_REG_AMAIR_EL1 = 0xc518,
    HV_SYS_REG_VBAR_EL1 = 0xc600,
    HV_SYS_REG_CONTEXTIDR_EL1 = 0xc681,
    HV_SYS_REG_TPIDR_EL1 = 0xc684,
    HV_SYS_REG_CNTKCTL_EL1 = 0xc708,
    HV_SYS_REG_CSSELR_EL1 = 0xd000,
    HV_SYS_REG_TPIDR_EL0 = 0xde82,
    HV_SYS_REG_TPIDRRO_EL0 = 0xde83,
    HV_SYS_REG_CNTV_CTL_EL0 = 0xdf19,
    HV_SYS_REG_CNTV_CVAL_EL0 = 0xdf1a,
    HV_SYS_REG_SP_EL1 = 0xe208,
};
hv_return_t hv_vcpu_get_sys_reg(hv_vcpu_t vcpu, hv_sys_reg_t reg, uint64_t *value);
hv_return_t hv_vcpu_set_sys_reg(hv_vcpu_t vcpu, hv_sys_reg_t reg, uint64_t value);

/* ---- Trap configuration ("hv_vcpu_get_trap_debug_exceptions(_:_:)",
 *      "hv_vcpu_set_trap_debug_exceptions(_:_:)",
 *      "hv_vcpu_get_trap_debug_reg_accesses(_:_:)",
 *      "hv_vcpu_set_trap_debug_reg_accesses(_:_:)") ----
 * With debug exceptions trapped, breakpoint (EC 0x30), software step (0x32),
 * watchpoint (0x34) and BRK (0x3c) exceptions exit to the host. */
hv_return_t hv_vcpu_get_trap_debug_exceptions(hv_vcpu_t vcpu, bool *value);
hv_return_t hv_vcpu_set_trap_debug_exceptions(hv_vcpu_t vcpu, bool value);
hv_return_t hv_vcpu_get_trap_debug_reg_accesses(hv_vcpu_t vcpu, bool *value);
hv_return_t hv_vcpu_set_trap_debug_reg_accesses(hv_vcpu_t vcpu, bool value);

/* ---- Virtual timer ("hv_vcpu_get_vtimer_mask(_:_:)",
 *      "hv_vcpu_set_vtimer_mask(_:_:)", "hv_vcpu_get_vtimer_offset(_:_:)",
 *      "hv_vcpu_set_vtimer_offset(_:_:)") ----
 * A VTIMER_ACTIVATED exit masks the vtimer until the host unmasks it. The
 * guest's CNTVCT_EL0 = mach_absolute_time() - vtimer offset. */
hv_return_t hv_vcpu_get_vtimer_mask(hv_vcpu_t vcpu, bool *vtimer_is_masked);
hv_return_t hv_vcpu_set_vtimer_mask(hv_vcpu_t vcpu, bool vtimer_is_masked);
hv_return_t hv_vcpu_get_vtimer_offset(hv_vcpu_t vcpu, uint64_t *vtimer_offset);
hv_return_t hv_vcpu_set_vtimer_offset(hv_vcpu_t vcpu, uint64_t vtimer_offset);

#ifdef __cplusplus
}
#endif

#endif /* HYPERVISOR_HYPERVISOR_H */
