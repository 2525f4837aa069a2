/*
 * hv_vcpu_set_pending_interrupt: the IRQ/FIQ is taken through VBAR_EL1
 * (+0x280 IRQ, +0x300 FIQ, current EL with SP_ELx) as soon as PSTATE.I/F
 * is clear, with ELR/SPSR as the hardware sets them; never while masked;
 * and the pending state lasts for one hv_vcpu_run.
 */
#include "hvf_tsupport.h"

#define VBAR 0x10000u

static void put_vectors(struct tvm *t)
{
    uint32_t sync = a64_hvc(0x20), irq = a64_hvc(0x28), fiq = a64_hvc(0x30);
    tvm_put(t, VBAR + 0x200, &sync, 1);
    tvm_put(t, VBAR + 0x280, &irq, 1);
    tvm_put(t, VBAR + 0x300, &fiq, 1);
    CHECK_HV(hv_vcpu_set_sys_reg(t->vcpu, HV_SYS_REG_VBAR_EL1, VBAR));
}

/* Three instructions in a fresh slot, CPSR as given; returns the slot. */
static uint64_t load3(struct tvm *t, uint32_t a, uint32_t b, uint32_t c, uint64_t cpsr)
{
    uint32_t code[3] = { a, b, c };
    uint64_t at = tvm_code_slot();
    tvm_put(t, at, code, 3);
    tvm_set_pc(t->vcpu, at);
    CHECK_HV(hv_vcpu_set_reg(t->vcpu, HV_REG_CPSR, cpsr));
    return at;
}

static void expect_hvc(struct tvm *t, uint32_t imm)
{
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_EXCEPTION);
    CHECK_EQ(tvm_ec(t->exit), 0x16);
    CHECK_EQ(tvm_iss(t->exit), imm);
}

static void check_masked(struct tvm *t)
{
    load3(t, A64_NOP, A64_NOP, a64_hvc(1), 0x3c5);
    CHECK_HV(hv_vcpu_set_pending_interrupt(t->vcpu, HV_INTERRUPT_TYPE_IRQ, true));
    bool pending = false;
    CHECK_HV(hv_vcpu_get_pending_interrupt(t->vcpu, HV_INTERRUPT_TYPE_IRQ, &pending));
    CHECK(pending);
    expect_hvc(t, 1);                                   /* I set: not taken */
    CHECK_HV(hv_vcpu_get_pending_interrupt(t->vcpu, HV_INTERRUPT_TYPE_IRQ, &pending));
    CHECK(!pending);                                    /* one run only */
    printf("masked IRQ not delivered: ok\n");
}

static void check_taken_on_unmask(struct tvm *t)
{
    uint64_t at = load3(t, a64_daifclr(2), A64_NOP, a64_hvc(2), 0x3c5);
    CHECK_HV(hv_vcpu_set_sys_reg(t->vcpu, HV_SYS_REG_ESR_EL1, 0x1234));
    CHECK_HV(hv_vcpu_set_pending_interrupt(t->vcpu, HV_INTERRUPT_TYPE_IRQ, true));
    expect_hvc(t, 0x28);                                /* the IRQ vector */
    CHECK_EQ(tvm_reg(t->vcpu, HV_REG_PC), VBAR + 0x284);
    CHECK_EQ(tvm_sys(t->vcpu, HV_SYS_REG_ELR_EL1), at + 4); /* after the unmask */
    CHECK_EQ(tvm_sys(t->vcpu, HV_SYS_REG_SPSR_EL1), 0x345); /* EL1h, I clear */
    CHECK_EQ(tvm_reg(t->vcpu, HV_REG_CPSR), 0x3c5);         /* DAIF masked */
    CHECK_EQ(tvm_sys(t->vcpu, HV_SYS_REG_ESR_EL1), 0x1234); /* IRQs leave ESR */
    /* Not re-asserted: the same code now runs through. */
    load3(t, a64_daifclr(2), A64_NOP, a64_hvc(3), 0x3c5);
    expect_hvc(t, 3);
    printf("IRQ through VBAR_EL1+0x280 once unmasked: ok\n");
}

static void check_fiq_and_immediate(struct tvm *t)
{
    uint64_t at = load3(t, a64_daifclr(1), A64_NOP, a64_hvc(4), 0x3c5);
    CHECK_HV(hv_vcpu_set_pending_interrupt(t->vcpu, HV_INTERRUPT_TYPE_FIQ, true));
    expect_hvc(t, 0x30);
    CHECK_EQ(tvm_sys(t->vcpu, HV_SYS_REG_ELR_EL1), at + 4);
    /* Already unmasked at entry: taken before the first instruction. */
    at = load3(t, A64_NOP, A64_NOP, a64_hvc(5), 0x345);
    CHECK_HV(hv_vcpu_set_pending_interrupt(t->vcpu, HV_INTERRUPT_TYPE_IRQ, true));
    expect_hvc(t, 0x28);
    CHECK_EQ(tvm_sys(t->vcpu, HV_SYS_REG_ELR_EL1), at);
    printf("FIQ via +0x300, IRQ at entry: ok\n");
}

int main(void)
{
    struct tvm t;
    tvm_setup(&t);
    put_vectors(&t);
    check_masked(&t);
    check_taken_on_unmask(&t);
    check_fiq_and_immediate(&t);
    printf("PASS\n");
    return 0;
}
