/*
 * Debug exceptions trapped to the host: a hardware breakpoint from
 * DBGBVR0/DBGBCR0 stops before the instruction (EC 0x30, PC on it, not
 * executed); software step (MDSCR_EL1.SS + CPSR.SS) runs exactly one
 * instruction (EC 0x32); neither happens when debug exceptions are not
 * trapped.
 */
#include "hvf_tsupport.h"

#define MDSCR_SS 1u
#define MDSCR_MDE (1u << 15)
#define BCR_ENABLE_ANY_EL (1u | (3u << 1) | (0xfu << 5)) /* E, PMC=11, BAS=1111 */
#define CPSR_SS (1u << 21)

/* x2 = 0, five increments, HVC #5; returns the slot. */
static uint64_t load_counter_guest(struct tvm *t)
{
    uint32_t code[7] = { a64_movz(2, 0, 0) };
    for (unsigned i = 1; i <= 5; i++)
        code[i] = a64_add_imm(2, 2, 1);
    code[6] = a64_hvc(5);
    uint64_t at = tvm_code_slot();
    tvm_put(t, at, code, 7);
    tvm_set_pc(t->vcpu, at);
    return at;
}

static void expect_debug_exit(struct tvm *t, unsigned ec, uint64_t pc, uint64_t x2)
{
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_EXCEPTION);
    CHECK_EQ(tvm_ec(t->exit), ec);
    CHECK_EQ(tvm_reg(t->vcpu, HV_REG_PC), pc);
    CHECK_EQ(tvm_reg(t->vcpu, HV_REG_X2), x2);
}

static void check_breakpoint(struct tvm *t)
{
    uint64_t at = load_counter_guest(t);
    CHECK_HV(hv_vcpu_set_trap_debug_exceptions(t->vcpu, true));
    CHECK_HV(hv_vcpu_set_sys_reg(t->vcpu, HV_SYS_REG_MDSCR_EL1, MDSCR_MDE));
    CHECK_HV(hv_vcpu_set_sys_reg(t->vcpu, HV_SYS_REG_DBGBVR0_EL1, at + 12));
    CHECK_HV(hv_vcpu_set_sys_reg(t->vcpu, HV_SYS_REG_DBGBCR0_EL1, BCR_ENABLE_ANY_EL));
    expect_debug_exit(t, 0x30, at + 12, 2);            /* third add not executed */
    expect_debug_exit(t, 0x30, at + 12, 2);            /* resuming there hits again */
    printf("hardware breakpoint: ok\n");
}

static void check_single_step(struct tvm *t, uint64_t at)
{
    CHECK_HV(hv_vcpu_set_sys_reg(t->vcpu, HV_SYS_REG_DBGBCR0_EL1, 0));
    CHECK_HV(hv_vcpu_set_sys_reg(t->vcpu, HV_SYS_REG_MDSCR_EL1, MDSCR_MDE | MDSCR_SS));
    for (unsigned i = 0; i < 2; i++) {
        uint64_t cpsr = tvm_reg(t->vcpu, HV_REG_CPSR);
        CHECK_HV(hv_vcpu_set_reg(t->vcpu, HV_REG_CPSR, cpsr | CPSR_SS));
        expect_debug_exit(t, 0x32, at + 16 + 4 * i, 3 + i);
        CHECK_EQ((t->exit->exception.syndrome >> 24) & 1, 1);   /* ISV */
        CHECK_EQ(t->exit->exception.syndrome & 0x3f, 0x22);     /* debug exception */
        CHECK_EQ(tvm_reg(t->vcpu, HV_REG_CPSR) & CPSR_SS, 0);   /* step done */
    }
    CHECK_HV(hv_vcpu_set_sys_reg(t->vcpu, HV_SYS_REG_MDSCR_EL1, MDSCR_MDE));
    expect_debug_exit(t, 0x16, at + 28, 5);            /* runs on to the HVC */
    printf("single step: ok\n");
}

static void check_not_trapped(struct tvm *t)
{
    uint64_t at = load_counter_guest(t);
    CHECK_HV(hv_vcpu_set_trap_debug_exceptions(t->vcpu, false));
    CHECK_HV(hv_vcpu_set_sys_reg(t->vcpu, HV_SYS_REG_DBGBVR0_EL1, at + 8));
    CHECK_HV(hv_vcpu_set_sys_reg(t->vcpu, HV_SYS_REG_DBGBCR0_EL1, BCR_ENABLE_ANY_EL));
    expect_debug_exit(t, 0x16, at + 28, 5);
    printf("not trapped: no debug exit: ok\n");
}

int main(void)
{
    struct tvm t;
    tvm_setup(&t);
    check_breakpoint(&t);
    uint64_t bp_at = tvm_reg(t.vcpu, HV_REG_PC) - 12;
    check_single_step(&t, bp_at);
    check_not_trapped(&t);
    printf("PASS\n");
    return 0;
}
