/*
 * hv_vcpus_exit from another thread: a running vCPU returns CANCELED; a
 * kick that arrives while the vCPU is outside hv_vcpu_run makes the next
 * run return CANCELED at once; kicks at every moment are never lost (the
 * watchdog fails the test if a run does not come back).
 */
#include "hvf_tsupport.h"

#include <string.h>
#include <unistd.h>

static void check_kick_before_run(struct tvm *t)
{
    uint32_t code[1] = { a64_hvc(1) };
    uint64_t at = tvm_code_slot();
    tvm_put(t, at, code, 1);
    tvm_set_pc(t->vcpu, at);
    tvm_kick_after(t->vcpu, 0);
    usleep(50000);                                     /* the kick lands first */
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_CANCELED);
    CHECK_EQ(tvm_reg(t->vcpu, HV_REG_PC), at);         /* nothing ran */
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_EXCEPTION); /* consumed */
    CHECK_EQ(tvm_ec(t->exit), 0x16);
    printf("kick before run: ok\n");
}

static void check_kick_during_run(struct tvm *t)
{
    uint32_t code[2] = { a64_add_imm(3, 3, 1), a64_b(-4) };
    uint64_t at = tvm_code_slot();
    tvm_put(t, at, code, 2);
    tvm_set_pc(t->vcpu, at);
    for (unsigned i = 0; i < 40; i++) {
        tvm_kick_after(t->vcpu, (i % 8) * 700);        /* before, at and during */
        CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_CANCELED);
        uint64_t pc = tvm_reg(t->vcpu, HV_REG_PC);
        CHECK(pc == at || pc == at + 4);
        usleep(2000);                                  /* let each kick thread end */
    }
    CHECK(tvm_reg(t->vcpu, HV_REG_X3) > 0);            /* the guest did run */
    printf("40 kicks during runs: ok (x3 = %llu)\n",
           (unsigned long long)tvm_reg(t->vcpu, HV_REG_X3));
}

/* Kicks land between instructions, never inside one: a guest counting in
 * memory with plain load/add/store, kicked hundreds of times, ends with
 * the exact count (a stop that re-ran part of a block would add extra). */
static void check_kicks_exact(struct tvm *t)
{
    const uint64_t counter = 0x90000, n_adds = 200000;
    uint32_t code[16];
    size_t n = a64_mov64(code, 1, counter);
    n += a64_mov64(code + n, 4, n_adds);
    code[n++] = 0xf9400023u;          /* loop: ldr x3, [x1] */
    code[n++] = a64_add_imm(3, 3, 1);
    code[n++] = 0xf9000023u;          /* str x3, [x1] */
    code[n++] = 0xf1000484u;          /* subs x4, x4, #1 */
    code[n++] = 0x54ffff81u;          /* b.ne loop */
    code[n++] = a64_hvc(4);
    uint64_t at = tvm_code_slot();
    tvm_put(t, at, code, n);
    tvm_set_pc(t->vcpu, at);
    unsigned kicks = 0;
    for (;;) {
        tvm_kick_after(t->vcpu, 200);
        if (tvm_run(t->vcpu, t->exit) != HV_EXIT_REASON_CANCELED)
            break;
        kicks++;
    }
    usleep(5000);                                      /* the last kick thread */
    CHECK_EQ(tvm_ec(t->exit), 0x16);
    uint64_t total;
    memcpy(&total, t->ram + counter, sizeof total);
    CHECK_EQ(total, n_adds);
    CHECK(kicks > 0);
    printf("%u kicks inside a counting loop, count exact: ok\n", kicks);
}

int main(void)
{
    struct tvm t;
    tvm_setup(&t);
    check_kick_before_run(&t);
    check_kick_during_run(&t);
    check_kicks_exact(&t);
    printf("PASS\n");
    return 0;
}
