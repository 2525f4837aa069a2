/*
 * The vtimer protocol as Apple documents it: VTIMER_ACTIVATED when the
 * guest's EL1 virtual timer fires, the timer then masked (no second exit
 * while masked), firing again once the host unmasks it with a new CVAL;
 * IMASK honoured; CNTVCT = mach_absolute_time() - vtimer offset at 24 MHz.
 */
#include "hvf_tsupport.h"

#include <mach/mach_time.h>

#define CNTV_TVAL_EL0 ((hv_sys_reg_t)0xdf18) /* not in hv_sys_reg_t: guest only */
#define CNTVCT_EL0 ((hv_sys_reg_t)0xdf02)
#define CNTFRQ_EL0 ((hv_sys_reg_t)0xdf00)
#define TICKS_PER_MS 24000u

static uint64_t counter_now(hv_vcpu_t vcpu)
{
    uint64_t offset;
    CHECK_HV(hv_vcpu_get_vtimer_offset(vcpu, &offset));
    return mach_absolute_time() - offset;
}

static void check_counter(struct tvm *t)
{
    mach_timebase_info_data_t tb;
    CHECK_EQ(mach_timebase_info(&tb), 0);
    CHECK_EQ(tb.numer, 125);
    CHECK_EQ(tb.denom, 3);
    CHECK_HV(hv_vcpu_set_vtimer_offset(t->vcpu, mach_absolute_time() - 1000));
    uint32_t code[] = { a64_mrs(5, CNTVCT_EL0), a64_mrs(6, CNTFRQ_EL0), a64_hvc(7) };
    uint64_t at = tvm_code_slot();
    tvm_put(t, at, code, 3);
    tvm_set_pc(t->vcpu, at);
    uint64_t before = counter_now(t->vcpu);
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_EXCEPTION);
    uint64_t after = counter_now(t->vcpu);
    uint64_t guest = tvm_reg(t->vcpu, HV_REG_X5);
    CHECK(before >= 1000 && before <= guest && guest <= after);
    CHECK_EQ(tvm_reg(t->vcpu, HV_REG_X6), 24000000);
    printf("counter ok: %llu <= %llu <= %llu\n", (unsigned long long)before,
           (unsigned long long)guest, (unsigned long long)after);
}

/* Guest: TVAL = 1 ms, CTL = ENABLE, then spin. */
static uint64_t start_timer_guest(struct tvm *t)
{
    uint32_t code[12];
    size_t n = a64_mov64(code, 0, TICKS_PER_MS);
    code[n++] = a64_msr(CNTV_TVAL_EL0, 0);
    code[n++] = a64_movz(1, 1, 0);
    code[n++] = a64_msr(HV_SYS_REG_CNTV_CTL_EL0, 1);
    code[n++] = a64_b(0);
    uint64_t at = tvm_code_slot();
    tvm_put(t, at, code, n);
    tvm_set_pc(t->vcpu, at);
    return at + 4 * (n - 1);
}

static void check_fires_and_masks(struct tvm *t, uint64_t spin_pc)
{
    bool masked = true;
    CHECK_HV(hv_vcpu_get_vtimer_mask(t->vcpu, &masked));
    CHECK(!masked);
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_VTIMER_ACTIVATED);
    CHECK_HV(hv_vcpu_get_vtimer_mask(t->vcpu, &masked));
    CHECK(masked);
    CHECK_EQ(tvm_sys(t->vcpu, HV_SYS_REG_CNTV_CTL_EL0), 5); /* ISTATUS | ENABLE */
    CHECK(counter_now(t->vcpu) >= tvm_sys(t->vcpu, HV_SYS_REG_CNTV_CVAL_EL0));
    CHECK_EQ(tvm_reg(t->vcpu, HV_REG_PC), spin_pc);
    /* Still firing, but masked: only the kick ends the next run. */
    tvm_kick_after(t->vcpu, 100000);
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_CANCELED);
    printf("fires, then masked: ok\n");
}

static void check_unmask_new_cval(struct tvm *t)
{
    uint64_t cval = counter_now(t->vcpu) + 5 * TICKS_PER_MS;
    CHECK_HV(hv_vcpu_set_sys_reg(t->vcpu, HV_SYS_REG_CNTV_CVAL_EL0, cval));
    CHECK_HV(hv_vcpu_set_vtimer_mask(t->vcpu, false));
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_VTIMER_ACTIVATED);
    CHECK(counter_now(t->vcpu) >= cval);  /* not early */
    printf("unmask + new CVAL fires again: ok\n");
}

static void check_imask(struct tvm *t)
{
    CHECK_HV(hv_vcpu_set_sys_reg(t->vcpu, HV_SYS_REG_CNTV_CTL_EL0, 3)); /* ENABLE | IMASK */
    CHECK_HV(hv_vcpu_set_sys_reg(t->vcpu, HV_SYS_REG_CNTV_CVAL_EL0, 0));
    CHECK_HV(hv_vcpu_set_vtimer_mask(t->vcpu, false));
    tvm_kick_after(t->vcpu, 50000);
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_CANCELED);
    CHECK_EQ(tvm_sys(t->vcpu, HV_SYS_REG_CNTV_CTL_EL0), 7); /* condition met, output masked */
    printf("IMASK holds the timer: ok\n");
}

int main(void)
{
    struct tvm t;
    tvm_setup(&t);
    check_counter(&t);
    uint64_t spin_pc = start_timer_guest(&t);
    check_fires_and_masks(&t, spin_pc);
    check_unmask_new_cval(&t);
    check_imask(&t);
    printf("PASS\n");
    return 0;
}
