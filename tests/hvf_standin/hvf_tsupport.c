#include "hvf_tsupport.h"

#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

uint64_t tvm_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void tvm_create_vm(struct tvm *t)
{
    hv_return_t ret = hv_vm_create(NULL);
    if (ret == HV_UNSUPPORTED || ret == HV_DENIED || ret == HV_NO_DEVICE) {
        printf("SKIP: hv_vm_create refused (%#x): no hypervisor available\n", (unsigned)ret);
        exit(77);
    }
    CHECK_HV(ret);
    t->ram = mmap(NULL, TVM_RAM_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(t->ram != MAP_FAILED);
    CHECK_HV(hv_vm_map(t->ram, 0, TVM_RAM_BYTES, HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC));
}

void tvm_create_vcpu(struct tvm *t, hv_vcpu_t *vcpu, hv_vcpu_exit_t **vexit)
{
    (void)t;
    CHECK_HV(hv_vcpu_create(vcpu, vexit, NULL));
    CHECK_HV(hv_vcpu_set_reg(*vcpu, HV_REG_CPSR, 0x3c5));
    CHECK_HV(hv_vcpu_set_sys_reg(*vcpu, HV_SYS_REG_SP_EL1, TVM_RAM_BYTES - 0x100 * (*vcpu + 1)));
    CHECK_HV(hv_vcpu_set_sys_reg(*vcpu, HV_SYS_REG_CPACR_EL1, 3u << 20));
}

void tvm_setup(struct tvm *t)
{
    tvm_create_vm(t);
    tvm_create_vcpu(t, &t->vcpu, &t->exit);
}

void tvm_put(struct tvm *t, uint64_t ipa, const uint32_t *insns, size_t n)
{
    CHECK(ipa + n * 4 <= TVM_RAM_BYTES);
    memcpy(t->ram + ipa, insns, n * 4);
}

uint64_t tvm_code_slot(void)
{
    static uint64_t next = TVM_CODE;
    uint64_t slot = next;
    next += 0x100;
    CHECK(next < 0x100000);
    return slot;
}

void tvm_set_pc(hv_vcpu_t vcpu, uint64_t pc)
{
    CHECK_HV(hv_vcpu_set_reg(vcpu, HV_REG_PC, pc));
}

uint64_t tvm_reg(hv_vcpu_t vcpu, hv_reg_t reg)
{
    uint64_t v = 0;
    CHECK_HV(hv_vcpu_get_reg(vcpu, reg, &v));
    return v;
}

uint64_t tvm_sys(hv_vcpu_t vcpu, hv_sys_reg_t reg)
{
    uint64_t v = 0;
    CHECK_HV(hv_vcpu_get_sys_reg(vcpu, reg, &v));
    return v;
}

hv_exit_reason_t tvm_run(hv_vcpu_t vcpu, const hv_vcpu_exit_t *vexit)
{
    /* A hang detector, not a speed test: generous for a loaded machine
     * (a run that exits at once took > 10 s there under ASan, once). */
    tvm_watchdog_arm(60, "hv_vcpu_run");
    CHECK_HV(hv_vcpu_run(vcpu));
    tvm_watchdog_disarm();
    return vexit->reason;
}

unsigned tvm_ec(const hv_vcpu_exit_t *vexit)
{
    return (unsigned)(vexit->exception.syndrome >> 26) & 0x3f;
}

uint32_t tvm_iss(const hv_vcpu_exit_t *vexit)
{
    return (uint32_t)vexit->exception.syndrome & 0x1ffffff;
}

/* ---- watchdog: a blocked hv_vcpu_run must fail the test, not hang it ---- */

static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wd_cv = PTHREAD_COND_INITIALIZER;
static uint64_t wd_deadline_ns;
static const char *wd_what;
static bool wd_started;

static void *watchdog_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&wd_lock);
    for (;;) {
        if (wd_deadline_ns && tvm_now_ns() > wd_deadline_ns) {
            fprintf(stderr, "watchdog: %s did not finish in time\n", wd_what);
            _exit(1);
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&wd_cv, &wd_lock, &ts);
    }
    return NULL;
}

void tvm_watchdog_arm(unsigned seconds, const char *what)
{
    pthread_mutex_lock(&wd_lock);
    if (!wd_started) {
        pthread_t th;
        CHECK(pthread_create(&th, NULL, watchdog_main, NULL) == 0);
        pthread_detach(th);
        wd_started = true;
    }
    wd_deadline_ns = tvm_now_ns() + seconds * 1000000000ull;
    wd_what = what;
    pthread_mutex_unlock(&wd_lock);
}

void tvm_watchdog_disarm(void)
{
    pthread_mutex_lock(&wd_lock);
    wd_deadline_ns = 0;
    pthread_mutex_unlock(&wd_lock);
}

struct kick_arg {
    hv_vcpu_t vcpu;
    unsigned delay_us;
};

static void *kick_main(void *p)
{
    struct kick_arg a = *(struct kick_arg *)p;
    free(p);
    if (a.delay_us)
        usleep(a.delay_us);
    CHECK_HV(hv_vcpus_exit(&a.vcpu, 1));
    return NULL;
}

void tvm_kick_after(hv_vcpu_t vcpu, unsigned delay_us)
{
    struct kick_arg *a = malloc(sizeof *a);
    CHECK(a != NULL);
    a->vcpu = vcpu;
    a->delay_us = delay_us;
    pthread_t th;
    CHECK(pthread_create(&th, NULL, kick_main, a) == 0);
    pthread_detach(th);
}

/* ---- encoders (A64 base instructions) ---- */

uint32_t a64_movz(unsigned rd, uint16_t imm, unsigned shift)
{
    return 0xd2800000u | ((shift / 16) << 21) | ((uint32_t)imm << 5) | rd;
}

uint32_t a64_movk(unsigned rd, uint16_t imm, unsigned shift)
{
    return 0xf2800000u | ((shift / 16) << 21) | ((uint32_t)imm << 5) | rd;
}

size_t a64_mov64(uint32_t *out, unsigned rd, uint64_t value)
{
    out[0] = a64_movz(rd, (uint16_t)value, 0);
    for (unsigned i = 1; i < 4; i++)
        out[i] = a64_movk(rd, (uint16_t)(value >> (16 * i)), 16 * i);
    return 4;
}

uint32_t a64_hvc(uint16_t imm) { return 0xd4000002u | ((uint32_t)imm << 5); }
uint32_t a64_smc(uint16_t imm) { return 0xd4000003u | ((uint32_t)imm << 5); }
uint32_t a64_brk(uint16_t imm) { return 0xd4200000u | ((uint32_t)imm << 5); }

uint32_t a64_b(int64_t offset_bytes)
{
    return 0x14000000u | ((uint32_t)(offset_bytes / 4) & 0x3ffffffu);
}

uint32_t a64_add_imm(unsigned rd, unsigned rn, unsigned imm12)
{
    return 0x91000000u | (imm12 << 10) | (rn << 5) | rd;
}

/* hv_sys_reg_t is the op0:op1:CRn:CRm:op2 field of MSR/MRS (bits 20:5). */
uint32_t a64_msr(hv_sys_reg_t reg, unsigned rt) { return 0xd5000000u | ((uint32_t)reg << 5) | rt; }
uint32_t a64_mrs(unsigned rt, hv_sys_reg_t reg) { return 0xd5200000u | ((uint32_t)reg << 5) | rt; }
uint32_t a64_daifclr(unsigned imm4) { return 0xd50340ffu | (imm4 << 8); }
uint32_t a64_daifset(unsigned imm4) { return 0xd50340dfu | (imm4 << 8); }
