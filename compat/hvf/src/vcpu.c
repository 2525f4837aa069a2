/*
 * vCPU lifetime, ownership, general and SIMD registers, interrupts, traps,
 * timer mask/offset and exec time. Every call except hv_vcpus_exit belongs
 * to the thread that created the vCPU (Apple: "The owning thread must call
 * this function"); another thread gets HV_DENIED, an unknown handle
 * HV_BAD_ARGUMENT.
 */
#include "standin.h"

#include <stdlib.h>
#include <string.h>

/* Guarded by vm->lock. */
static struct sb_vcpu *lookup(struct sb_vm *vm, hv_vcpu_t id)
{
    if (id >= SB_MAX_VCPUS)
        return NULL;
    pthread_mutex_lock(&vm->lock);
    struct sb_vcpu *v = vm->vcpus[id];
    pthread_mutex_unlock(&vm->lock);
    return v;
}

hv_return_t sb_vcpu_owned(hv_vcpu_t id, struct sb_vcpu **out)
{
    struct sb_vm *vm = sb_vm_get();
    struct sb_vcpu *v = vm ? lookup(vm, id) : NULL;
    if (!v)
        return HV_BAD_ARGUMENT;
    if (!pthread_equal(v->owner, pthread_self()))
        return HV_DENIED;
    *out = v;
    return HV_SUCCESS;
}

hv_vcpu_config_t hv_vcpu_config_create(void)
{
    return NULL; /* no vCPU options in the stand-in: NULL means defaults */
}

hv_return_t hv_vcpu_config_get_feature_reg(hv_vcpu_config_t config,
                                           hv_feature_reg_t feature_reg, uint64_t *value)
{
    (void)config;
    (void)feature_reg;
    (void)value;
    return HV_UNSUPPORTED;
}

static hv_return_t install(struct sb_vm *vm, struct sb_vcpu *v)
{
    hv_return_t ret = HV_NO_RESOURCES;
    pthread_mutex_lock(&vm->lock);
    for (unsigned i = 0; i < SB_MAX_VCPUS; i++) {
        if (!vm->vcpus[i]) {
            vm->vcpus[i] = v;
            v->id = i;
            v->mpidr = (1ull << 31) | i; /* RES1 bit 31, Aff0 = index */
            ret = HV_SUCCESS;
            break;
        }
    }
    pthread_mutex_unlock(&vm->lock);
    return ret;
}

hv_return_t hv_vcpu_create(hv_vcpu_t *vcpu, hv_vcpu_exit_t **exit, hv_vcpu_config_t config)
{
    (void)config;
    struct sb_vm *vm = sb_vm_get();
    if (!vm)
        return HV_BAD_ARGUMENT;
    if (!vcpu || !exit)
        return HV_BAD_ARGUMENT;
    struct sb_vcpu *v = calloc(1, sizeof *v);
    if (!v)
        return HV_NO_RESOURCES;
    v->vm = vm;
    v->owner = pthread_self();
    if (!sb_engine_open(v)) {
        free(v);
        return HV_NO_RESOURCES;
    }
    sb_sysreg_install_hooks(v);
    sb_run_install_hooks(v);
    hv_return_t ret = install(vm, v);
    if (ret != HV_SUCCESS) {
        uc_close(v->uc);
        free(v);
        return ret;
    }
    *vcpu = v->id;
    *exit = &v->exit;
    return HV_SUCCESS;
}

hv_return_t hv_vcpu_destroy(hv_vcpu_t vcpu)
{
    struct sb_vcpu *v;
    hv_return_t ret = sb_vcpu_owned(vcpu, &v);
    if (ret != HV_SUCCESS)
        return ret;
    pthread_mutex_lock(&v->vm->lock);
    v->vm->vcpus[v->id] = NULL;
    pthread_mutex_unlock(&v->vm->lock);
    uc_close(v->uc);
    free(v);
    return HV_SUCCESS;
}

/* ---- general registers ---- */

/* PSTATE.SP selects which stack pointer is "SP": EL0 or SPSel=0 uses SP_EL0. */
static unsigned sp_bank(uint64_t pstate)
{
    return ((pstate >> 2) & 3) != 0 && (pstate & 1) ? 1 : 0;
}

static int bank_reg(unsigned bank)
{
    return bank ? UC_ARM64_REG_SP_EL1 : UC_ARM64_REG_SP_EL0;
}

uint64_t sb_sp_get(struct sb_vcpu *v, unsigned bank)
{
    bool live = sp_bank(sb_pstate(v->uc)) == bank;
    return sb_reg_read(v->uc, live ? UC_ARM64_REG_SP : bank_reg(bank));
}

void sb_sp_set(struct sb_vcpu *v, unsigned bank, uint64_t value)
{
    bool live = sp_bank(sb_pstate(v->uc)) == bank;
    sb_reg_write(v->uc, live ? UC_ARM64_REG_SP : bank_reg(bank), value);
}

/* Writing CPSR may switch the selected stack pointer: bank the old one. */
static void set_cpsr(struct sb_vcpu *v, uint64_t value)
{
    unsigned old_bank = sp_bank(sb_pstate(v->uc)), new_bank = sp_bank(value);
    if (old_bank != new_bank) {
        uint64_t sp_old = sb_reg_read(v->uc, UC_ARM64_REG_SP);
        uint64_t sp_new = sb_reg_read(v->uc, bank_reg(new_bank));
        sb_reg_write(v->uc, bank_reg(old_bank), sp_old);
        sb_reg_write(v->uc, UC_ARM64_REG_SP, sp_new);
    }
    sb_reg_write(v->uc, UC_ARM64_REG_PSTATE, value & 0xffffffffull);
}

static int uc_gpr(hv_reg_t reg)
{
    if (reg <= HV_REG_X28)
        return UC_ARM64_REG_X0 + (int)reg;
    switch (reg) {
    case HV_REG_X29: return UC_ARM64_REG_X29;
    case HV_REG_X30: return UC_ARM64_REG_X30;
    case HV_REG_PC: return UC_ARM64_REG_PC;
    case HV_REG_FPCR: return UC_ARM64_REG_FPCR;
    case HV_REG_FPSR: return UC_ARM64_REG_FPSR;
    default: return -1;
    }
}

hv_return_t hv_vcpu_get_reg(hv_vcpu_t vcpu, hv_reg_t reg, uint64_t *value)
{
    struct sb_vcpu *v;
    hv_return_t ret = sb_vcpu_owned(vcpu, &v);
    if (ret != HV_SUCCESS)
        return ret;
    if (!value)
        return HV_BAD_ARGUMENT;
    if (reg == HV_REG_CPSR) {
        *value = sb_pstate(v->uc);
        return HV_SUCCESS;
    }
    int r = uc_gpr(reg);
    if (r < 0)
        return HV_BAD_ARGUMENT;
    *value = sb_reg_read(v->uc, r);
    return HV_SUCCESS;
}

hv_return_t hv_vcpu_set_reg(hv_vcpu_t vcpu, hv_reg_t reg, uint64_t value)
{
    struct sb_vcpu *v;
    hv_return_t ret = sb_vcpu_owned(vcpu, &v);
    if (ret != HV_SUCCESS)
        return ret;
    if (reg == HV_REG_CPSR) {
        set_cpsr(v, value);
        return HV_SUCCESS;
    }
    int r = uc_gpr(reg);
    if (r < 0)
        return HV_BAD_ARGUMENT;
    sb_reg_write(v->uc, r, value);
    return HV_SUCCESS;
}

hv_return_t hv_vcpu_get_simd_fp_reg(hv_vcpu_t vcpu, hv_simd_fp_reg_t reg,
                                    hv_simd_fp_uchar16_t *value)
{
    struct sb_vcpu *v;
    hv_return_t ret = sb_vcpu_owned(vcpu, &v);
    if (ret != HV_SUCCESS)
        return ret;
    if (!value || reg > HV_SIMD_FP_REG_Q31)
        return HV_BAD_ARGUMENT;
    uint8_t buf[16];
    uc_reg_read(v->uc, UC_ARM64_REG_Q0 + (int)reg, buf);
    memcpy(value, buf, sizeof buf);
    return HV_SUCCESS;
}

hv_return_t hv_vcpu_set_simd_fp_reg(hv_vcpu_t vcpu, hv_simd_fp_reg_t reg,
                                    hv_simd_fp_uchar16_t value)
{
    struct sb_vcpu *v;
    hv_return_t ret = sb_vcpu_owned(vcpu, &v);
    if (ret != HV_SUCCESS)
        return ret;
    if (reg > HV_SIMD_FP_REG_Q31)
        return HV_BAD_ARGUMENT;
    uint8_t buf[16];
    memcpy(buf, &value, sizeof buf);
    uc_reg_write(v->uc, UC_ARM64_REG_Q0 + (int)reg, buf);
    return HV_SUCCESS;
}

hv_return_t hv_vcpu_get_sys_reg(hv_vcpu_t vcpu, hv_sys_reg_t reg, uint64_t *value)
{
    struct sb_vcpu *v;
    hv_return_t ret = sb_vcpu_owned(vcpu, &v);
    if (ret != HV_SUCCESS)
        return ret;
    return value ? sb_sysreg_get(v, reg, value) : HV_BAD_ARGUMENT;
}

hv_return_t hv_vcpu_set_sys_reg(hv_vcpu_t vcpu, hv_sys_reg_t reg, uint64_t value)
{
    struct sb_vcpu *v;
    hv_return_t ret = sb_vcpu_owned(vcpu, &v);
    return ret != HV_SUCCESS ? ret : sb_sysreg_set(v, reg, value);
}

/* ---- interrupts, traps, timer, exec time ---- */

hv_return_t hv_vcpu_get_pending_interrupt(hv_vcpu_t vcpu, hv_interrupt_type_t type,
                                          bool *pending)
{
    struct sb_vcpu *v;
    hv_return_t ret = sb_vcpu_owned(vcpu, &v);
    if (ret != HV_SUCCESS)
        return ret;
    if (!pending || type > HV_INTERRUPT_TYPE_FIQ)
        return HV_BAD_ARGUMENT;
    *pending = type == HV_INTERRUPT_TYPE_IRQ ? v->pending_irq : v->pending_fiq;
    return HV_SUCCESS;
}

hv_return_t hv_vcpu_set_pending_interrupt(hv_vcpu_t vcpu, hv_interrupt_type_t type,
                                          bool pending)
{
    struct sb_vcpu *v;
    hv_return_t ret = sb_vcpu_owned(vcpu, &v);
    if (ret != HV_SUCCESS)
        return ret;
    if (type > HV_INTERRUPT_TYPE_FIQ)
        return HV_BAD_ARGUMENT;
    if (type == HV_INTERRUPT_TYPE_IRQ)
        v->pending_irq = pending;
    else
        v->pending_fiq = pending;
    return HV_SUCCESS;
}

#define SB_BOOL_ACCESSORS(field)                                                       \
    hv_return_t hv_vcpu_get_##field(hv_vcpu_t vcpu, bool *value)                       \
    {                                                                                  \
        struct sb_vcpu *v;                                                             \
        hv_return_t ret = sb_vcpu_owned(vcpu, &v);                                     \
        if (ret == HV_SUCCESS && !value)                                               \
            ret = HV_BAD_ARGUMENT;                                                     \
        if (ret == HV_SUCCESS)                                                         \
            *value = v->field;                                                         \
        return ret;                                                                    \
    }                                                                                  \
    hv_return_t hv_vcpu_set_##field(hv_vcpu_t vcpu, bool value)                        \
    {                                                                                  \
        struct sb_vcpu *v;                                                             \
        hv_return_t ret = sb_vcpu_owned(vcpu, &v);                                     \
        if (ret == HV_SUCCESS) {                                                       \
            v->field = value;                                                          \
            v->bp_dirty = true;                                                        \
        }                                                                              \
        return ret;                                                                    \
    }

SB_BOOL_ACCESSORS(trap_debug_exceptions)
SB_BOOL_ACCESSORS(trap_debug_reg_accesses)

hv_return_t hv_vcpu_get_vtimer_mask(hv_vcpu_t vcpu, bool *vtimer_is_masked)
{
    struct sb_vcpu *v;
    hv_return_t ret = sb_vcpu_owned(vcpu, &v);
    if (ret == HV_SUCCESS && !vtimer_is_masked)
        ret = HV_BAD_ARGUMENT;
    if (ret == HV_SUCCESS)
        *vtimer_is_masked = v->vtimer.masked;
    return ret;
}

hv_return_t hv_vcpu_set_vtimer_mask(hv_vcpu_t vcpu, bool vtimer_is_masked)
{
    struct sb_vcpu *v;
    hv_return_t ret = sb_vcpu_owned(vcpu, &v);
    if (ret == HV_SUCCESS)
        v->vtimer.masked = vtimer_is_masked;
    return ret;
}

hv_return_t hv_vcpu_get_vtimer_offset(hv_vcpu_t vcpu, uint64_t *vtimer_offset)
{
    struct sb_vcpu *v;
    hv_return_t ret = sb_vcpu_owned(vcpu, &v);
    if (ret == HV_SUCCESS && !vtimer_offset)
        ret = HV_BAD_ARGUMENT;
    if (ret == HV_SUCCESS)
        *vtimer_offset = v->vtimer.offset_ticks;
    return ret;
}

hv_return_t hv_vcpu_set_vtimer_offset(hv_vcpu_t vcpu, uint64_t vtimer_offset)
{
    struct sb_vcpu *v;
    hv_return_t ret = sb_vcpu_owned(vcpu, &v);
    if (ret == HV_SUCCESS)
        v->vtimer.offset_ticks = vtimer_offset;
    return ret;
}

hv_return_t hv_vcpu_get_exec_time(hv_vcpu_t vcpu, uint64_t *time)
{
    struct sb_vcpu *v;
    hv_return_t ret = sb_vcpu_owned(vcpu, &v);
    if (ret == HV_SUCCESS && !time)
        ret = HV_BAD_ARGUMENT;
    if (ret == HV_SUCCESS)
        *time = v->exec_ns;
    return ret;
}
