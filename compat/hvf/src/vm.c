/*
 * The VM: Apple allows one per process, so the stand-in keeps it in one
 * process-wide pointer (the framework's own state is process-global too).
 * Guest memory regions, the fair run lock, and the engines' view of memory.
 */
#include "standin.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Guarded by g_vm_lock: creation and destruction only. */
static pthread_mutex_t g_vm_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sb_vm *g_vm;

struct sb_vm *sb_vm_get(void)
{
    pthread_mutex_lock(&g_vm_lock);
    struct sb_vm *vm = g_vm;
    pthread_mutex_unlock(&g_vm_lock);
    return vm;
}

hv_vm_config_t hv_vm_config_create(void)
{
    return NULL; /* no VM options exist in the stand-in: NULL means defaults */
}

hv_return_t hv_vm_get_max_vcpu_count(uint32_t *max_vcpu_count)
{
    if (!max_vcpu_count)
        return HV_BAD_ARGUMENT;
    *max_vcpu_count = SB_MAX_VCPUS;
    return HV_SUCCESS;
}

static struct sb_vm *vm_alloc(void)
{
    struct sb_vm *vm = calloc(1, sizeof *vm);
    if (!vm)
        return NULL;
    pthread_mutex_init(&vm->lock, NULL);
    pthread_cond_init(&vm->run_cv, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&vm->ticker_cv, &ca);
    pthread_condattr_destroy(&ca);
    vm->map_gen = 1;
    return vm;
}

static void vm_free(struct sb_vm *vm)
{
    pthread_cond_destroy(&vm->ticker_cv);
    pthread_cond_destroy(&vm->run_cv);
    pthread_mutex_destroy(&vm->lock);
    free(vm);
}

hv_return_t hv_vm_create(hv_vm_config_t config)
{
    (void)config;
    pthread_mutex_lock(&g_vm_lock);
    hv_return_t ret = HV_BUSY;
    if (!g_vm) {
        struct sb_vm *vm = vm_alloc();
        ret = HV_NO_RESOURCES;
        if (vm && pthread_create(&vm->ticker, NULL, sb_ticker_main, vm) == 0) {
            g_vm = vm;
            ret = HV_SUCCESS;
        } else if (vm) {
            vm_free(vm);
        }
    }
    pthread_mutex_unlock(&g_vm_lock);
    return ret;
}

/* Apple: destroying the VM with vCPUs alive is refused (HV_BUSY). */
hv_return_t hv_vm_destroy(void)
{
    pthread_mutex_lock(&g_vm_lock);
    struct sb_vm *vm = g_vm;
    hv_return_t ret = vm ? HV_SUCCESS : HV_BAD_ARGUMENT;
    for (unsigned i = 0; vm && i < SB_MAX_VCPUS; i++)
        if (vm->vcpus[i])
            ret = HV_BUSY;
    if (ret == HV_SUCCESS) {
        pthread_mutex_lock(&vm->lock);
        vm->ticker_quit = true;
        pthread_cond_signal(&vm->ticker_cv);
        pthread_mutex_unlock(&vm->lock);
        pthread_join(vm->ticker, NULL);
        vm_free(vm);
        g_vm = NULL;
    }
    pthread_mutex_unlock(&g_vm_lock);
    return ret;
}

/* ---- memory ---- */

static bool page_aligned(uint64_t v)
{
    return (v & ((uint64_t)sysconf(_SC_PAGESIZE) - 1)) == 0;
}

static bool range_ok(hv_ipa_t ipa, size_t size)
{
    return size && page_aligned(ipa) && page_aligned(size) && ipa + size > ipa;
}

static bool overlaps(const struct sb_region *r, hv_ipa_t ipa, uint64_t size)
{
    return ipa < r->ipa + r->size_bytes && r->ipa < ipa + size;
}

hv_return_t hv_vm_map(void *addr, hv_ipa_t ipa, size_t size, hv_memory_flags_t flags)
{
    struct sb_vm *vm = sb_vm_get();
    if (!vm)
        return HV_BAD_ARGUMENT;
    if (!addr || !range_ok(ipa, size) || !page_aligned((uintptr_t)addr) ||
        (flags & ~(uint64_t)(HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC)))
        return HV_BAD_ARGUMENT;
    hv_return_t ret = HV_SUCCESS;
    pthread_mutex_lock(&vm->lock);
    for (unsigned i = 0; i < vm->n_regions && ret == HV_SUCCESS; i++)
        if (overlaps(&vm->regions[i], ipa, size))
            ret = HV_BAD_ARGUMENT;
    if (ret == HV_SUCCESS && vm->n_regions == SB_MAX_REGIONS)
        ret = HV_NO_RESOURCES;
    if (ret == HV_SUCCESS) {
        vm->regions[vm->n_regions++] = (struct sb_region){ ipa, size, addr, flags };
        vm->map_gen++;
    }
    pthread_mutex_unlock(&vm->lock);
    return ret;
}

/* Cut [ipa, ipa+size) out of every region, keeping the parts outside it;
 * when set_flags, the parts inside are kept with new_flags instead. */
static hv_return_t carve(struct sb_vm *vm, hv_ipa_t ipa, uint64_t size, bool set_flags,
                         hv_memory_flags_t new_flags)
{
    struct sb_region out[SB_MAX_REGIONS];
    unsigned n = 0;
    uint64_t end = ipa + size;
    for (unsigned i = 0; i < vm->n_regions; i++) {
        struct sb_region r = vm->regions[i];
        uint64_t r_end = r.ipa + r.size_bytes;
        struct sb_region parts[3];
        unsigned np = 0;
        if (!overlaps(&r, ipa, size)) {
            parts[np++] = r;
        } else {
            uint64_t lo = r.ipa > ipa ? r.ipa : ipa, hi = r_end < end ? r_end : end;
            if (r.ipa < lo)
                parts[np++] = (struct sb_region){ r.ipa, lo - r.ipa, r.host, r.flags };
            if (set_flags)
                parts[np++] = (struct sb_region){ lo, hi - lo, r.host + (lo - r.ipa), new_flags };
            if (hi < r_end)
                parts[np++] = (struct sb_region){ hi, r_end - hi, r.host + (hi - r.ipa), r.flags };
        }
        if (n + np > SB_MAX_REGIONS)
            return HV_NO_RESOURCES;
        memcpy(&out[n], parts, np * sizeof parts[0]);
        n += np;
    }
    memcpy(vm->regions, out, n * sizeof out[0]);
    vm->n_regions = n;
    vm->map_gen++;
    return HV_SUCCESS;
}

static hv_return_t vm_carve(hv_ipa_t ipa, size_t size, bool set_flags, hv_memory_flags_t flags)
{
    struct sb_vm *vm = sb_vm_get();
    if (!vm)
        return HV_BAD_ARGUMENT;
    if (!range_ok(ipa, size) ||
        (flags & ~(uint64_t)(HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC)))
        return HV_BAD_ARGUMENT;
    pthread_mutex_lock(&vm->lock);
    hv_return_t ret = carve(vm, ipa, size, set_flags, flags);
    pthread_mutex_unlock(&vm->lock);
    return ret;
}

hv_return_t hv_vm_unmap(hv_ipa_t ipa, size_t size)
{
    return vm_carve(ipa, size, false, 0);
}

hv_return_t hv_vm_protect(hv_ipa_t ipa, size_t size, hv_memory_flags_t flags)
{
    return vm_carve(ipa, size, true, flags);
}

static uint32_t to_uc_prot(hv_memory_flags_t flags)
{
    return ((flags & HV_MEMORY_READ) ? UC_PROT_READ : 0) |
           ((flags & HV_MEMORY_WRITE) ? UC_PROT_WRITE : 0) |
           ((flags & HV_MEMORY_EXEC) ? UC_PROT_EXEC : 0);
}

/* Bring this engine's mappings in line with the VM's. Called by the owning
 * thread before it runs, so no engine is touched by another thread; a
 * change of memory also drops every translated block (the host may have
 * rewritten code behind the mapping). */
int sb_engine_sync_maps(struct sb_vcpu *vcpu)
{
    struct sb_vm *vm = vcpu->vm;
    pthread_mutex_lock(&vm->lock);
    int err = 0;
    if (vcpu->map_gen != vm->map_gen) {
        for (unsigned i = 0; i < vcpu->n_mapped; i++)
            uc_mem_unmap(vcpu->uc, vcpu->mapped[i].ipa, vcpu->mapped[i].size_bytes);
        vcpu->n_mapped = 0;
        for (unsigned i = 0; i < vm->n_regions && !err; i++) {
            const struct sb_region *r = &vm->regions[i];
            if (uc_mem_map_ptr(vcpu->uc, r->ipa, r->size_bytes, to_uc_prot(r->flags), r->host))
                err = -1;
            else
                vcpu->mapped[vcpu->n_mapped++] = *r;
        }
        /* UC_CTL_TB_FLUSH: every translated block. Not before the first run:
         * nothing is translated yet, and Unicorn 2.0.1's flush clears its whole
         * 1 GiB code buffer (measured: ~1 s of page zeroing per engine). */
        if (vcpu->translated)
            uc_ctl_flush_tlb(vcpu->uc);
        vcpu->map_gen = vm->map_gen;
    }
    pthread_mutex_unlock(&vm->lock);
    return err;
}

/* ---- the fair run lock ---- */

void sb_run_lock(struct sb_vm *vm)
{
    pthread_mutex_lock(&vm->lock);
    uint64_t ticket = vm->next_ticket++;
    while (ticket != vm->now_serving)
        pthread_cond_wait(&vm->run_cv, &vm->lock);
    pthread_mutex_unlock(&vm->lock);
}

void sb_run_unlock(struct sb_vm *vm)
{
    pthread_mutex_lock(&vm->lock);
    vm->now_serving++;
    if (vm->next_ticket != vm->now_serving)
        pthread_cond_broadcast(&vm->run_cv);
    pthread_mutex_unlock(&vm->lock);
}

/* Caller holds the run lock (not vm->lock). */
bool sb_run_others_waiting(struct sb_vm *vm)
{
    pthread_mutex_lock(&vm->lock);
    bool waiting = vm->next_ticket - vm->now_serving > 1;
    pthread_mutex_unlock(&vm->lock);
    return waiting;
}
