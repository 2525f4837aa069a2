/*
 * Each EXCEPTION exit kind and every syndrome field the stand-in promises,
 * checked against the values the architecture (and so HVF) defines:
 * data aborts (ISV, SAS, SSE, SRT, SF, AR, WnR, VA, IPA, PC), HVC, SMC,
 * WFI, MSR/MRS traps, BRK, and exec time.
 */
#include "hvf_tsupport.h"

#include <string.h>


struct access_case {
    const char *name;
    uint32_t insn;       /* Rn = x1 = the MMIO address */
    bool is_write, isv;
    unsigned sas, srt;
    bool sse, sf, ar;
};

static const struct access_case k_cases[] = {
    { "strb w5", 0x39000025u, true, true, 0, 5, false, false, false },
    { "strh w6", 0x79000026u, true, true, 1, 6, false, false, false },
    { "str w7", 0xb9000027u, true, true, 2, 7, false, false, false },
    { "str x8", 0xf9000028u, true, true, 3, 8, false, true, false },
    { "str xzr", 0xf900003fu, true, true, 3, 31, false, true, false },
    { "ldrb w9", 0x39400029u, false, true, 0, 9, false, false, false },
    { "ldrh w10", 0x7940002au, false, true, 1, 10, false, false, false },
    { "ldr w11", 0xb940002bu, false, true, 2, 11, false, false, false },
    { "ldr x12", 0xf940002cu, false, true, 3, 12, false, true, false },
    { "ldrsb x13", 0x3980002du, false, true, 0, 13, true, true, false },
    { "ldrsh w14", 0x79c0002eu, false, true, 1, 14, true, false, false },
    { "ldrsw x15", 0xb980002fu, false, true, 2, 15, true, true, false },
    { "ldur x16, [x1, #-8]", 0xf85f8030u, false, true, 3, 16, false, true, false },
    { "ldar x17", 0xc8dffc31u, false, true, 3, 17, false, true, true },
    { "stlr w18", 0x889ffc32u, true, true, 2, 18, false, false, true },
    { "stp x2, x3 (pair)", 0xa9000c22u, true, false, 0, 0, false, false, false },
    { "str x4, [x1], #8 (writeback)", 0xf8008424u, true, false, 0, 0, false, false, false },
    { "ldr q0 (SIMD)", 0x3dc00020u, false, false, 0, 0, false, false, false },
};

static void check_access(struct tvm *t, const struct access_case *c, uint64_t mmio)
{
    uint32_t code[8];
    size_t n = a64_mov64(code, 1, mmio);
    code[n++] = c->insn;
    code[n++] = a64_hvc(0x77);
    uint64_t at = tvm_code_slot(), access_pc = at + 16; /* after the mov64 of x1 */
    tvm_put(t, at, code, n);
    tvm_set_pc(t->vcpu, at);
    printf("%-32s", c->name);
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_EXCEPTION);
    uint64_t esr = t->exit->exception.syndrome;
    uint64_t va = c->insn == 0xf85f8030u ? mmio - 8 : mmio;
    CHECK_EQ(tvm_ec(t->exit), 0x24);
    CHECK_EQ((esr >> 25) & 1, 1);                       /* IL: 32-bit instruction */
    CHECK_EQ((esr >> 24) & 1, c->isv);
    CHECK_EQ((esr >> 6) & 1, c->is_write);              /* WnR */
    CHECK_EQ(esr & 0x3f, 0x07);                         /* DFSC: translation fault */
    if (c->isv) {
        CHECK_EQ((esr >> 22) & 3, c->sas);
        CHECK_EQ((esr >> 21) & 1, c->sse);
        CHECK_EQ((esr >> 16) & 31, c->srt);
        CHECK_EQ((esr >> 15) & 1, c->sf);
        CHECK_EQ((esr >> 14) & 1, c->ar);
    } else {
        CHECK_EQ((esr >> 14) & 0x3ff, 0);               /* RES0 without ISV */
    }
    CHECK_EQ(t->exit->exception.virtual_address, va);
    CHECK_EQ(t->exit->exception.physical_address, va);
    CHECK_EQ(tvm_reg(t->vcpu, HV_REG_PC), access_pc);   /* on the access */
    tvm_set_pc(t->vcpu, access_pc + 4);                 /* the VMM completes it */
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_EXCEPTION);
    CHECK_EQ(tvm_ec(t->exit), 0x16);
    printf(" ok (esr %#llx)\n", (unsigned long long)esr);
}

static uint64_t g_at; /* where run_one put its instruction */

/* One instruction in a fresh slot, run, expect an EXCEPTION exit of class ec. */
static uint64_t run_one(struct tvm *t, uint32_t insn, unsigned ec)
{
    uint32_t code[2] = { insn, a64_hvc(0x99) };
    g_at = tvm_code_slot();
    tvm_put(t, g_at, code, 2);
    tvm_set_pc(t->vcpu, g_at);
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_EXCEPTION);
    CHECK_EQ(tvm_ec(t->exit), ec);
    CHECK_EQ((t->exit->exception.syndrome >> 25) & 1, 1);
    return t->exit->exception.syndrome;
}

static void check_hvc_smc_wfx(struct tvm *t)
{
    run_one(t, a64_hvc(0x1234), 0x16);
    CHECK_EQ(tvm_iss(t->exit), 0x1234);
    CHECK_EQ(tvm_reg(t->vcpu, HV_REG_PC), g_at + 4);     /* past the HVC */
    run_one(t, a64_smc(0x42), 0x17);
    CHECK_EQ(tvm_iss(t->exit), 0x42);
    CHECK_EQ(tvm_reg(t->vcpu, HV_REG_PC), g_at);         /* on the SMC */
    run_one(t, A64_WFI, 0x01);
    CHECK_EQ(tvm_iss(t->exit) & 1, 0);
    CHECK_EQ(tvm_reg(t->vcpu, HV_REG_PC), g_at);         /* on the WFI */
    /* WFE is not checked: the stand-in runs it as a hint (README.md). */
    printf("hvc/smc/wfi ok\n");
}

/* EC 0x18 ISS: Op0[21:20] Op2[19:17] Op1[16:14] CRn[13:10] Rt[9:5] CRm[4:1] dir[0]. */
static uint32_t sysreg_iss(unsigned op0, unsigned op1, unsigned crn, unsigned crm,
                           unsigned op2, unsigned rt, bool read)
{
    return (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) |
           (read ? 1u : 0u);
}

static void check_sysreg_traps(struct tvm *t)
{
    /* PMCR_EL0 (3,3,9,12,0): the framework has no PMU for the guest. */
    CHECK_HV(hv_vcpu_set_reg(t->vcpu, HV_REG_X3, 0x5a5a));
    run_one(t, 0xd53b9c03u /* mrs x3, pmcr_el0 */, 0x18);
    CHECK_EQ(tvm_iss(t->exit), sysreg_iss(3, 3, 9, 12, 0, 3, true));
    CHECK_EQ(tvm_reg(t->vcpu, HV_REG_PC), g_at);
    CHECK_EQ(tvm_reg(t->vcpu, HV_REG_X3), 0x5a5a);           /* not executed */
    /* CNTP_CTL_EL0 (3,3,14,2,1) write: only the virtual timer is the guest's. */
    run_one(t, 0xd51be227u /* msr cntp_ctl_el0, x7 */, 0x18);
    CHECK_EQ(tvm_iss(t->exit), sysreg_iss(3, 3, 14, 2, 1, 7, false));
    /* An implementation-defined register nobody emulates (3,0,15,0,0). */
    run_one(t, 0xd538f00au /* mrs x10, s3_0_c15_c0_0 */, 0x18);
    CHECK_EQ(tvm_iss(t->exit), sysreg_iss(3, 0, 15, 0, 0, 10, true));
    printf("msr/mrs traps ok\n");
}

static void check_brk(struct tvm *t)
{
    CHECK_HV(hv_vcpu_set_trap_debug_exceptions(t->vcpu, true));
    run_one(t, a64_brk(0xbeef), 0x3c);
    CHECK_EQ(tvm_iss(t->exit), 0xbeef);
    CHECK_EQ(tvm_reg(t->vcpu, HV_REG_PC), g_at);         /* on the BRK */
    CHECK_HV(hv_vcpu_set_trap_debug_exceptions(t->vcpu, false));
    printf("brk ok\n");
}

/* Guest loop of n iterations then HVC: exec time must grow with it. */
static void check_exec_time(struct tvm *t)
{
    uint32_t code[8];
    size_t n = a64_mov64(code, 2, 3000000);
    code[n++] = 0xf1000442u;          /* subs x2, x2, #1 */
    code[n++] = 0x54ffffe1u;          /* b.ne .-4 */
    code[n++] = a64_hvc(1);
    uint64_t at = tvm_code_slot();
    tvm_put(t, at, code, n);
    uint64_t before = 0, after = 0, later = 0;
    CHECK_HV(hv_vcpu_get_exec_time(t->vcpu, &before));
    tvm_set_pc(t->vcpu, at);
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_EXCEPTION);
    CHECK_HV(hv_vcpu_get_exec_time(t->vcpu, &after));
    CHECK(after > before);
    tvm_set_pc(t->vcpu, at);
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_EXCEPTION);
    CHECK_HV(hv_vcpu_get_exec_time(t->vcpu, &later));
    CHECK(later > after);
    printf("exec time ok: %llu -> %llu -> %llu ns\n", (unsigned long long)before,
           (unsigned long long)after, (unsigned long long)later);
}

/* A page made read-only with hv_vm_protect: a store is a permission fault. */
static void check_protect(struct tvm *t)
{
    const uint64_t page = 0x200000;
    CHECK_HV(hv_vm_protect(page, 0x1000, HV_MEMORY_READ));
    uint32_t code[8];
    size_t n = a64_mov64(code, 1, page + 0x10);
    code[n++] = 0xf9000022u;          /* str x2, [x1] */
    code[n++] = 0xf9400023u;          /* ldr x3, [x1] (allowed) */
    code[n++] = a64_hvc(2);
    uint64_t at = tvm_code_slot();
    tvm_put(t, at, code, n);
    tvm_set_pc(t->vcpu, at);
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_EXCEPTION);
    CHECK_EQ(tvm_ec(t->exit), 0x24);
    CHECK_EQ(t->exit->exception.syndrome & 0x3f, 0x0f);  /* permission fault */
    CHECK_EQ((t->exit->exception.syndrome >> 6) & 1, 1);
    CHECK_EQ(t->exit->exception.physical_address, page + 0x10);
    CHECK_EQ(tvm_reg(t->vcpu, HV_REG_PC), at + 16);
    tvm_set_pc(t->vcpu, at + 20);
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_EXCEPTION);
    CHECK_EQ(tvm_ec(t->exit), 0x16);
    CHECK_EQ(tvm_iss(t->exit), 2);
    CHECK_HV(hv_vm_protect(page, 0x1000, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC));
    printf("protect ok\n");
}

int main(void)
{
    struct tvm t;
    tvm_setup(&t);
    for (size_t i = 0; i < sizeof k_cases / sizeof k_cases[0]; i++)
        check_access(&t, &k_cases[i], TVM_MMIO + 0x100 + 8 * i);
    check_hvc_smc_wfx(&t);
    check_sysreg_traps(&t);
    check_brk(&t);
    check_protect(&t);
    check_exec_time(&t);
    printf("PASS\n");
    return 0;
}
