/*
 * Support for the stand-in's conformance tests: a one-vCPU machine with
 * RAM at IPA 0 built only from Apple's API, checks that name the line, and
 * encoders for the handful of arm64 instructions the tests hand-assemble.
 */
#ifndef HVF_TSUPPORT_H
#define HVF_TSUPPORT_H

#include <Hypervisor/Hypervisor.h>
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>

#define TVM_RAM_BYTES (4u << 20)
#define TVM_CODE 0x1000u   /* default code address */
#define TVM_MMIO 0xd0000000u

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

#define CHECK_EQ(a, b)                                                                     \
    do {                                                                                   \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);     \
        if (a_ != b_) {                                                                    \
            fprintf(stderr, "%s:%d: %s == %#llx, expected %s == %#llx\n", __FILE__,        \
                    __LINE__, #a, a_, #b, b_);                                             \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

#define CHECK_HV(call) CHECK_EQ((call), HV_SUCCESS)

struct tvm {
    uint8_t *ram;
    hv_vcpu_t vcpu;
    hv_vcpu_exit_t *exit;
};

/* Creates the VM (skips with 77 if the framework refuses: no entitlement,
 * no stand-in) and maps RAM read/write/exec at IPA 0. */
void tvm_create_vm(struct tvm *t);
/* Creates a vCPU on the calling thread in the hvtrace arm64 entry state. */
void tvm_create_vcpu(struct tvm *t, hv_vcpu_t *vcpu, hv_vcpu_exit_t **vexit);
void tvm_setup(struct tvm *t);              /* both of the above */
void tvm_put(struct tvm *t, uint64_t ipa, const uint32_t *insns, size_t n);
/* A fresh 256-byte code slot. Tests never rewrite code the guest has run:
 * the stand-in, like any JIT, keeps translations of code it has executed
 * (compat/hvf/README.md), while real HVF would see the new bytes. */
uint64_t tvm_code_slot(void);
void tvm_set_pc(hv_vcpu_t vcpu, uint64_t pc);
uint64_t tvm_reg(hv_vcpu_t vcpu, hv_reg_t reg);
uint64_t tvm_sys(hv_vcpu_t vcpu, hv_sys_reg_t reg);
/* Runs until an exit other than CANCELED-by-nobody; returns the reason. */
hv_exit_reason_t tvm_run(hv_vcpu_t vcpu, const hv_vcpu_exit_t *vexit);
unsigned tvm_ec(const hv_vcpu_exit_t *vexit);
uint32_t tvm_iss(const hv_vcpu_exit_t *vexit);
/* Fails the test if the current step does not finish within seconds. */
void tvm_watchdog_arm(unsigned seconds, const char *what);
void tvm_watchdog_disarm(void);
uint64_t tvm_now_ns(void);
/* hv_vcpus_exit(vcpu) from a new thread after delay_us (0: at once). */
void tvm_kick_after(hv_vcpu_t vcpu, unsigned delay_us);

/* ---- instruction encoders ---- */
#define A64_NOP 0xd503201fu
#define A64_WFI 0xd503207fu
#define A64_WFE 0xd503205fu
#define A64_ERET 0xd69f03e0u
uint32_t a64_movz(unsigned rd, uint16_t imm, unsigned shift);
uint32_t a64_movk(unsigned rd, uint16_t imm, unsigned shift);
size_t a64_mov64(uint32_t *out, unsigned rd, uint64_t value); /* 4 words */
uint32_t a64_hvc(uint16_t imm);
uint32_t a64_smc(uint16_t imm);
uint32_t a64_brk(uint16_t imm);
uint32_t a64_b(int64_t offset_bytes);
uint32_t a64_add_imm(unsigned rd, unsigned rn, unsigned imm12);
uint32_t a64_msr(hv_sys_reg_t reg, unsigned rt);
uint32_t a64_mrs(unsigned rt, hv_sys_reg_t reg);
uint32_t a64_daifclr(unsigned imm4);
uint32_t a64_daifset(unsigned imm4);

#endif /* HVF_TSUPPORT_H */
