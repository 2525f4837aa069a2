/*
 * Two vCPU threads share guest RAM and add to one counter with LDADD
 * (an LSE atomic): the total must be exact. The stand-in runs a VM's vCPUs
 * one at a time and hands over at least every millisecond, so both make
 * progress; two engines truly in parallel would lose updates.
 */
#include "hvf_tsupport.h"

#include <pthread.h>
#include <string.h>

#define COUNTER_IPA 0x80000u
#define N_ADDS 400000u

static struct tvm g_vm;

struct vcpu_result {
    uint64_t iterations_left;   /* x4 at the HVC */
    uint64_t exec_ns;
    unsigned ec;
    uint64_t first_exit_ns, done_ns;
};

static uint64_t load_adder(void)
{
    uint32_t code[16];
    size_t n = a64_mov64(code, 1, COUNTER_IPA);
    n += a64_mov64(code + n, 4, N_ADDS);
    code[n++] = a64_movz(2, 1, 0);
    code[n++] = 0xf8220023u;          /* loop: ldadd x2, x3, [x1] */
    code[n++] = 0xf1000484u;          /* subs x4, x4, #1 */
    code[n++] = 0x54ffffc1u;          /* b.ne loop */
    code[n++] = a64_hvc(9);
    uint64_t at = tvm_code_slot();
    tvm_put(&g_vm, at, code, n);
    return at;
}

static void *vcpu_main(void *arg)
{
    struct vcpu_result *r = arg;
    hv_vcpu_t vcpu;
    hv_vcpu_exit_t *ex;
    tvm_create_vcpu(&g_vm, &vcpu, &ex);
    tvm_set_pc(vcpu, load_adder());
    CHECK_HV(hv_vcpu_run(vcpu));
    r->done_ns = tvm_now_ns();
    r->ec = ex->reason == HV_EXIT_REASON_EXCEPTION ? tvm_ec(ex) : 0xff;
    r->iterations_left = tvm_reg(vcpu, HV_REG_X4);
    CHECK_HV(hv_vcpu_get_exec_time(vcpu, &r->exec_ns));
    CHECK_HV(hv_vcpu_destroy(vcpu));
    return NULL;
}

int main(void)
{
    tvm_create_vm(&g_vm);
    struct vcpu_result res[2] = { { 0 } };
    pthread_t th[2];
    tvm_watchdog_arm(60, "two vCPUs adding");
    for (unsigned i = 0; i < 2; i++)
        CHECK(pthread_create(&th[i], NULL, vcpu_main, &res[i]) == 0);
    for (unsigned i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    tvm_watchdog_disarm();
    uint64_t total;
    memcpy(&total, g_vm.ram + COUNTER_IPA, sizeof total);
    for (unsigned i = 0; i < 2; i++) {
        CHECK_EQ(res[i].ec, 0x16);
        CHECK_EQ(res[i].iterations_left, 0);
        CHECK(res[i].exec_ns > 0);
    }
    CHECK_EQ(total, 2ull * N_ADDS);
    printf("counter = %llu (2 x %u), exec %llu + %llu ns\nPASS\n", (unsigned long long)total,
           N_ADDS, (unsigned long long)res[0].exec_ns, (unsigned long long)res[1].exec_ns);
    return 0;
}
