/*
 * hv_vcpu_run and hv_vcpus_exit. A run takes the VM's fair run lock,
 * asserts the pending interrupt lines, and drives the engine until
 * something the host must see happens: a trap, the vtimer firing, a kick.
 * The run lock is released at every exit and at least every SB_SLICE_NS
 * of guest execution when another vCPU waits.
 */
#include "standin.h"
#include "syndrome.h"

#define UNTIL_NEVER 1ull /* an odd address: the PC never equals it */
#define PSTATE_SS (1ull << 21)
#define MDCR_TDA (1ull << 9)
#define MDCR_FIXED ((1ull << 5) | (1ull << 6) | (1ull << 10)) /* engine.c */
#define ISS_SS_ISV (1u << 24)

static bool on_mem_invalid(uc_engine *uc, uc_mem_type type, uint64_t address, int size,
                           int64_t value, void *user)
{
    (void)uc;
    (void)value;
    struct sb_vcpu *v = user;
    if (v->stop.kind != SB_STOP_NONE)
        return false;
    bool fetch = type == UC_MEM_FETCH_UNMAPPED || type == UC_MEM_FETCH_PROT;
    v->stop.kind = fetch ? SB_STOP_INSN_ABORT : SB_STOP_DATA_ABORT;
    v->stop.va = address;
    v->stop.size_bytes = (uint32_t)size;
    v->stop.is_write = type == UC_MEM_WRITE_UNMAPPED || type == UC_MEM_WRITE_PROT;
    v->stop.permission = type == UC_MEM_READ_PROT || type == UC_MEM_WRITE_PROT ||
                         type == UC_MEM_FETCH_PROT;
    return false; /* stop here: the access does not happen */
}

/* Deliberately empty: a memory hook whose range covers the code makes the
 * engine keep the PC exact at every load and store, so that a data abort
 * reports the faulting instruction rather than the start of its block. */
static void on_mem_access(uc_engine *uc, uc_mem_type type, uint64_t address, int size,
                          int64_t value, void *user)
{
    (void)uc, (void)type, (void)address, (void)size, (void)value, (void)user;
}

/* Asynchronous stops (kick, vtimer deadline, end of slice) are requests
 * that this hook honours at the start of a translated block. Calling
 * uc_emu_stop from another thread instead would let the engine leave a
 * block in the middle, after a load or store, with the PC reset to the
 * block's start: the block's first instructions would run twice
 * (measured: duplicated atomic adds). A request set before uc_emu_start
 * is not cleared by it either, so a kick is never lost. */
#define BLOCKS_PER_CLOCK_READ 256u /* ~1-3 us of guest code between clock reads */

static void on_block(uc_engine *uc, uint64_t address, uint32_t size, void *user)
{
    (void)address, (void)size;
    struct sb_vcpu *v = user;
    /* The vCPU thread watches its own vtimer deadline: waking the ticker
     * thread takes milliseconds on a loaded host (measured: up to 24 ms). */
    if (++v->blocks_unchecked >= BLOCKS_PER_CLOCK_READ) {
        v->blocks_unchecked = 0;
        if (sb_mono_ns() >= v->deadline_ns)
            atomic_store_explicit(&v->timer_poke, true, memory_order_relaxed);
    }
    if (atomic_load_explicit(&v->kick, memory_order_relaxed) ||
        atomic_load_explicit(&v->timer_poke, memory_order_relaxed) ||
        atomic_load_explicit(&v->yield_poke, memory_order_relaxed))
        uc_emu_stop(uc);
}

static void on_intr(uc_engine *uc, uint32_t intno, void *user)
{
    struct sb_vcpu *v = user;
    if (v->stop.kind == SB_STOP_NONE) {
        v->stop.kind = SB_STOP_EXCEPTION;
        v->stop.intno = intno;
    }
    uc_emu_stop(uc);
}

void sb_run_install_hooks(struct sb_vcpu *v)
{
    uc_hook h;
    uc_hook_add(v->uc, &h, UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT, (void *)on_mem_invalid, v,
                1, 0);
    uc_hook_add(v->uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, (void *)on_mem_access, v, 1, 0);
    uc_hook_add(v->uc, &h, UC_HOOK_INTR, (void *)on_intr, v, 1, 0);
    uc_hook_add(v->uc, &h, UC_HOOK_BLOCK, (void *)on_block, v, 1, 0);
}

static void set_simple_exit(struct sb_vcpu *v, hv_exit_reason_t reason, uint64_t esr)
{
    v->exit.reason = reason;
    v->exit.exception.syndrome = esr;
    v->exit.exception.virtual_address = 0;
    v->exit.exception.physical_address = 0;
}

/* The vtimer fires at an instruction boundary and masks itself. */
static bool vtimer_exit(struct sb_vcpu *v)
{
    if (v->vtimer.masked || !sb_vtimer_firing(&v->vtimer))
        return false;
    v->vtimer.masked = true;
    set_simple_exit(v, HV_EXIT_REASON_VTIMER_ACTIVATED, 0);
    return true;
}

/* Give waiting vCPUs their turn when the ticker says the slice is over. */
static void maybe_yield(struct sb_vcpu *v)
{
    if (!atomic_exchange(&v->yield_poke, false) || !sb_run_others_waiting(v->vm))
        return;
    sb_run_unlock(v->vm);
    sb_run_lock(v->vm);
    v->slice_start_ns = sb_mono_ns();
}

static uc_err emulate(struct sb_vcpu *v, bool step)
{
    struct sb_vm *vm = v->vm;
    uint64_t pc = sb_reg_read(v->uc, UC_ARM64_REG_PC);
    v->stop = (struct sb_stop){ .kind = SB_STOP_NONE };
    pthread_mutex_lock(&vm->lock);
    vm->running = v;
    v->deadline_ns = sb_vtimer_deadline_ns(&v->vtimer);
    sb_ticker_notify(vm, v->deadline_ns);
    pthread_mutex_unlock(&vm->lock);
    size_t count = sb_debug_run_count(v, step);
    uint64_t t0 = sb_mono_ns();
    v->translated = true;
    uc_err err = uc_emu_start(v->uc, pc, UNTIL_NEVER, 0, count);
    v->exec_ns += sb_mono_ns() - t0;
    pthread_mutex_lock(&vm->lock);
    vm->running = NULL;
    pthread_mutex_unlock(&vm->lock);
    return err;
}

/* Software step completed (EC 0x32, ISV=1, EX=0): PSTATE.SS is now 0, as
 * in the SPSR the hardware saves for the step exception. */
static void step_exit(struct sb_vcpu *v)
{
    sb_reg_write(v->uc, UC_ARM64_REG_PSTATE, sb_pstate(v->uc) & ~PSTATE_SS);
    set_simple_exit(v, HV_EXIT_REASON_EXCEPTION,
                    sb_esr(SB_EC_SOFTSTP_LOWER, ISS_SS_ISV | SB_FSC_DEBUG));
}

/* One pass of the run loop: true when v->exit holds an exit for the host. */
static bool run_once(struct sb_vcpu *v)
{
    atomic_store(&v->timer_poke, false); /* re-raised by the ticker if still due */
    if (atomic_exchange(&v->kick, false)) {
        set_simple_exit(v, HV_EXIT_REASON_CANCELED, 0);
        return true;
    }
    if (vtimer_exit(v))
        return true;
    maybe_yield(v);
    bool step = sb_debug_stepping(v);
    uc_err err = emulate(v, step);
    if (sb_exit_from_stop(v))
        return true;
    if (v->stop.kind != SB_STOP_NONE)
        return false;                 /* handled inside the guest: go on */
    if (err != UC_ERR_OK) {
        set_simple_exit(v, HV_EXIT_REASON_UNKNOWN, 0);
        return true;
    }
    if (step) {
        step_exit(v);
        return true;
    }
    return false;                     /* a stop from the ticker or a kick */
}

static void prepare_engine(struct sb_vcpu *v)
{
    sb_debug_rebuild(v);
    sb_cp_write(v->uc, 3, 4, 1, 1, 1, MDCR_FIXED | (v->trap_debug_reg_accesses ? MDCR_TDA : 0));
    sb_set_hcr_lines(v, v->pending_irq, v->pending_fiq);
}

hv_return_t hv_vcpu_run(hv_vcpu_t vcpu)
{
    struct sb_vcpu *v;
    hv_return_t ret = sb_vcpu_owned(vcpu, &v);
    if (ret != HV_SUCCESS)
        return ret;
    if (sb_engine_sync_maps(v) != 0)
        return HV_ERROR;
    prepare_engine(v);
    sb_run_lock(v->vm);
    v->slice_start_ns = sb_mono_ns();
    while (!run_once(v))
        ;
    sb_run_unlock(v->vm);
    /* The pending lines last for one run (QEMU re-asserts them every time). */
    v->pending_irq = v->pending_fiq = false;
    sb_set_hcr_lines(v, false, false);
    return HV_SUCCESS;
}

/* The one call allowed from any thread. A kick that finds the vCPU outside
 * hv_vcpu_run stays pending and ends its next run at once; a running
 * engine sees it at its next block (on_block). */
hv_return_t hv_vcpus_exit(hv_vcpu_t *vcpus, uint32_t vcpu_count)
{
    struct sb_vm *vm = sb_vm_get();
    if (!vm || !vcpus)
        return HV_BAD_ARGUMENT;
    hv_return_t ret = HV_SUCCESS;
    pthread_mutex_lock(&vm->lock);
    for (uint32_t i = 0; i < vcpu_count; i++) {
        struct sb_vcpu *v = vcpus[i] < SB_MAX_VCPUS ? vm->vcpus[vcpus[i]] : NULL;
        if (!v) {
            ret = HV_BAD_ARGUMENT;
            continue;
        }
        atomic_store(&v->kick, true); /* on_block stops the engine */
    }
    pthread_mutex_unlock(&vm->lock);
    return ret;
}
