/*
 * hvf-bench: speed of the Hypervisor.framework stand-in (bench/RESULTS.md,
 * section "HVF stand-in"). Uses only Apple's API, so the same program
 * measures a Mac. Usage: hvf-bench [scale], scale 1 by default.
 */
#include "hvf_tsupport.h"

#include <mach/mach_time.h>

static double seconds_since(uint64_t t0)
{
    return (double)(tvm_now_ns() - t0) / 1e9;
}

static void bench_register_loop(struct tvm *t, uint64_t iterations)
{
    uint32_t code[8];
    size_t n = a64_mov64(code, 4, iterations);
    code[n++] = a64_add_imm(5, 5, 1);   /* loop: add x5, x5, #1 */
    code[n++] = 0xf1000484u;            /* subs x4, x4, #1 */
    code[n++] = 0x54ffffc1u;            /* b.ne loop */
    code[n++] = a64_hvc(1);
    uint64_t at = tvm_code_slot();
    tvm_put(t, at, code, n);
    tvm_set_pc(t->vcpu, at);
    uint64_t t0 = tvm_now_ns();
    CHECK_HV(hv_vcpu_run(t->vcpu));
    double s = seconds_since(t0);
    CHECK_EQ(tvm_ec(t->exit), 0x16);
    printf("register loop: %.0f M guest instructions/s (%llu in %.3f s)\n",
           3.0 * (double)iterations / s / 1e6, (unsigned long long)(3 * iterations), s);
}

static void bench_exits(struct tvm *t, const char *what, uint32_t insn, unsigned ec,
                        uint64_t rounds)
{
    uint32_t code[8];
    size_t n = a64_mov64(code, 1, TVM_MMIO);
    code[n++] = insn;                   /* loop: the exiting instruction */
    code[n++] = a64_b(-4);
    uint64_t at = tvm_code_slot(), loop = at + 16;
    tvm_put(t, at, code, n);
    tvm_set_pc(t->vcpu, at);
    uint64_t t0 = tvm_now_ns();
    for (uint64_t i = 0; i < rounds; i++) {
        CHECK_HV(hv_vcpu_run(t->vcpu));
        if (ec == 0x24) {               /* the VMM completes the load */
            CHECK_HV(hv_vcpu_set_reg(t->vcpu, HV_REG_X2, i));
            CHECK_HV(hv_vcpu_set_reg(t->vcpu, HV_REG_PC, loop + 4));
        }
    }
    double s = seconds_since(t0);
    CHECK_EQ(tvm_ec(t->exit), ec);
    printf("%s exit round trip: %.3f us (%.0f exits/s, %llu rounds)\n", what,
           s * 1e6 / (double)rounds, (double)rounds / s, (unsigned long long)rounds);
}

static void bench_single_step(struct tvm *t, uint64_t steps)
{
    uint32_t code[2] = { a64_add_imm(5, 5, 1), a64_b(-4) };
    uint64_t at = tvm_code_slot();
    tvm_put(t, at, code, 2);
    tvm_set_pc(t->vcpu, at);
    CHECK_HV(hv_vcpu_set_trap_debug_exceptions(t->vcpu, true));
    CHECK_HV(hv_vcpu_set_sys_reg(t->vcpu, HV_SYS_REG_MDSCR_EL1, (1u << 15) | 1u));
    uint64_t t0 = tvm_now_ns();
    for (uint64_t i = 0; i < steps; i++) {
        CHECK_HV(hv_vcpu_set_reg(t->vcpu, HV_REG_CPSR, 0x3c5 | (1u << 21)));
        CHECK_HV(hv_vcpu_run(t->vcpu));
    }
    double s = seconds_since(t0);
    CHECK_EQ(tvm_ec(t->exit), 0x32);
    printf("single step: %.2f M steps/s (%.3f us per step)\n", (double)steps / s / 1e6,
           s * 1e6 / (double)steps);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* How late VTIMER_ACTIVATED comes for a guest spinning when its deadline
 * passes: counter at the exit minus CVAL, in us (24 ticks per us). */
static void bench_vtimer_latency(struct tvm *t, unsigned rounds)
{
    uint32_t code[1] = { a64_b(0) };
    uint64_t at = tvm_code_slot(), offset, late_ticks[256];
    CHECK(rounds <= 256);
    tvm_put(t, at, code, 1);
    CHECK_HV(hv_vcpu_get_vtimer_offset(t->vcpu, &offset));
    CHECK_HV(hv_vcpu_set_sys_reg(t->vcpu, HV_SYS_REG_CNTV_CTL_EL0, 1));
    for (unsigned i = 0; i < rounds; i++) {
        tvm_set_pc(t->vcpu, at);
        uint64_t cval = mach_absolute_time() - offset + 24000;   /* 1 ms ahead */
        CHECK_HV(hv_vcpu_set_sys_reg(t->vcpu, HV_SYS_REG_CNTV_CVAL_EL0, cval));
        CHECK_HV(hv_vcpu_set_vtimer_mask(t->vcpu, false));
        CHECK_HV(hv_vcpu_run(t->vcpu));
        CHECK_EQ(t->exit->reason, HV_EXIT_REASON_VTIMER_ACTIVATED);
        late_ticks[i] = mach_absolute_time() - offset - cval;
    }
    qsort(late_ticks, rounds, sizeof late_ticks[0], cmp_u64);
    printf("vtimer exit lateness: median %.1f us, p90 %.1f us, max %.1f us (%u rounds)\n",
           (double)late_ticks[rounds / 2] / 24.0, (double)late_ticks[rounds * 9 / 10] / 24.0,
           (double)late_ticks[rounds - 1] / 24.0, rounds);
}

int main(int argc, char **argv)
{
    uint64_t scale = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
    struct tvm t;
    tvm_setup(&t);
    bench_register_loop(&t, 100000000ull * scale);
    bench_exits(&t, "HVC", a64_hvc(0), 0x16, 200000 * scale);
    bench_exits(&t, "MMIO (ldr)", 0xf9400022u /* ldr x2, [x1] */, 0x24, 200000 * scale);
    bench_single_step(&t, 200000 * scale);
    bench_vtimer_latency(&t, 200);
    return 0;
}
