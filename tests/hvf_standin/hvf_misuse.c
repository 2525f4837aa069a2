/*
 * Apple's rules for misuse: one VM per process (HV_BUSY), the vCPU's calls
 * belong to its owning thread (HV_DENIED elsewhere, except hv_vcpus_exit),
 * unknown handles and malformed ranges are HV_BAD_ARGUMENT, a VM with
 * vCPUs cannot be destroyed; partial unmap leaves the rest mapped.
 */
#include "hvf_tsupport.h"

#include <pthread.h>

struct other_args {
    hv_vcpu_t vcpu;
    hv_return_t run, get_reg, set_sys, kick;
};

static void *other_thread(void *p)
{
    struct other_args *a = p;
    uint64_t v;
    a->run = hv_vcpu_run(a->vcpu);
    a->get_reg = hv_vcpu_get_reg(a->vcpu, HV_REG_X0, &v);
    a->set_sys = hv_vcpu_set_sys_reg(a->vcpu, HV_SYS_REG_VBAR_EL1, 0);
    a->kick = hv_vcpus_exit(&a->vcpu, 1);
    return NULL;
}

static void check_ownership(struct tvm *t)
{
    struct other_args a = { .vcpu = t->vcpu };
    pthread_t th;
    CHECK(pthread_create(&th, NULL, other_thread, &a) == 0);
    pthread_join(th, NULL);
    CHECK_EQ(a.run, HV_DENIED);
    CHECK_EQ(a.get_reg, HV_DENIED);
    CHECK_EQ(a.set_sys, HV_DENIED);
    CHECK_EQ(a.kick, HV_SUCCESS);
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_CANCELED); /* that kick */
    printf("owning thread only: ok\n");
}

static void check_arguments(struct tvm *t)
{
    uint64_t v;
    hv_vcpu_t bogus = 999;
    CHECK_EQ(hv_vm_create(NULL), HV_BUSY);
    CHECK_EQ(hv_vcpu_get_reg(bogus, HV_REG_X0, &v), HV_BAD_ARGUMENT);
    CHECK_EQ(hv_vcpus_exit(&bogus, 1), HV_BAD_ARGUMENT);
    CHECK_EQ(hv_vcpu_get_reg(t->vcpu, (hv_reg_t)1000, &v), HV_BAD_ARGUMENT);
    CHECK_EQ(hv_vcpu_get_sys_reg(t->vcpu, (hv_sys_reg_t)0xc001, &v), HV_BAD_ARGUMENT);
    CHECK_EQ(hv_vm_map(t->ram + 1, 0x800000, 0x1000, HV_MEMORY_READ), HV_BAD_ARGUMENT);
    CHECK_EQ(hv_vm_map(t->ram, 0x800001, 0x1000, HV_MEMORY_READ), HV_BAD_ARGUMENT);
    CHECK_EQ(hv_vm_map(t->ram, 0x800000, 0, HV_MEMORY_READ), HV_BAD_ARGUMENT);
    CHECK_EQ(hv_vm_map(t->ram, 0x1000, 0x1000, HV_MEMORY_READ), HV_BAD_ARGUMENT); /* overlap */
    CHECK_EQ(hv_vm_destroy(), HV_BUSY);                                             /* vCPU alive */
    uint32_t max = 0;
    CHECK_HV(hv_vm_get_max_vcpu_count(&max));
    CHECK(max >= 2);
    printf("bad arguments refused: ok\n");
}

/* Unmapping one page in the middle of RAM: accesses there exit, the rest
 * of RAM stays mapped. */
static void check_partial_unmap(struct tvm *t)
{
    const uint64_t hole = 0x300000;
    CHECK_HV(hv_vm_unmap(hole, 0x1000));
    uint32_t code[12];
    size_t n = a64_mov64(code, 1, hole + 0x1000);
    code[n++] = 0xf9400022u;          /* ldr x2, [x1]: mapped, no exit */
    code[n++] = 0xf85f8023u;          /* ldur x3, [x1, #-8]: in the hole */
    code[n++] = a64_hvc(3);
    uint64_t at = tvm_code_slot();
    tvm_put(t, at, code, n);
    tvm_set_pc(t->vcpu, at);
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_EXCEPTION);
    CHECK_EQ(tvm_ec(t->exit), 0x24);
    CHECK_EQ(t->exit->exception.physical_address, hole + 0x1000 - 8);
    CHECK_EQ(tvm_reg(t->vcpu, HV_REG_PC), at + 20);
    CHECK_HV(hv_vm_map(t->ram + hole, hole, 0x1000, HV_MEMORY_READ | HV_MEMORY_WRITE));
    CHECK_EQ(tvm_run(t->vcpu, t->exit), HV_EXIT_REASON_EXCEPTION); /* now mapped */
    CHECK_EQ(tvm_ec(t->exit), 0x16);
    printf("partial unmap and remap: ok\n");
}

int main(void)
{
    struct tvm t;
    tvm_setup(&t);
    check_ownership(&t);
    check_arguments(&t);
    check_partial_unmap(&t);
    CHECK_HV(hv_vcpu_destroy(t.vcpu));
    CHECK_HV(hv_vm_destroy());
    CHECK_HV(hv_vm_create(NULL));                       /* one at a time, again */
    CHECK_HV(hv_vm_destroy());
    printf("PASS\n");
    return 0;
}
