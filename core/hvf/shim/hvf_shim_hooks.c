/* The Hypervisor.framework calls the interposer wraps. Each calls the
 * framework and, only when it succeeded and this process records, updates
 * the books or publishes. The VMM gets exactly what the framework returned.
 *
 * Linux (LD_PRELOAD over the stand-in): the hooks carry the API's own names
 * and are the only symbols exported (hvf_shim.map).
 * macOS (DYLD_INSERT_LIBRARIES): the hooks are hvt_hook_* and dyld's
 * __interpose section maps each framework function to its hook for every
 * other image. That path is compiled only on Apple and has never run
 * (docs/macos.md). */
#include <pthread.h>
#include <stdlib.h>

#include "hvf_shim.h"

#ifdef __APPLE__
#define HOOK(name) static hvt_hook_##name
/* dyld's interpose tuple: {replacement, replacee}, in __DATA,__interpose. */
#define INTERPOSE(name) \
	__attribute__((used, section("__DATA,__interpose"))) static const struct { \
		const void *replacement; const void *replacee; \
	} hvt_interpose_##name = {(const void *)&hvt_hook_##name, (const void *)&name}
#else
#define HOOK(name) __attribute__((visibility("default"))) name
#define INTERPOSE(name) _Static_assert(1, "LD_PRELOAD needs no table")
#endif

/* No framework in this process: as if the API were missing. */
#define NEED_REAL() \
	do { \
		if (hvf_shim_resolve() != 0) \
			return HV_UNSUPPORTED; \
	} while (0)

hv_return_t HOOK(hv_vm_create)(hv_vm_config_t config)
{
	NEED_REAL();
	hv_return_t r = hvf_real.vm_create(config);
	if (r == HV_SUCCESS)
		hvf_shim_claim(); /* set-up time: the process becomes the recorder */
	return r;
}
INTERPOSE(hv_vm_create);

hv_return_t HOOK(hv_vm_map)(void *addr, hv_ipa_t ipa, size_t size, hv_memory_flags_t flags)
{
	NEED_REAL();
	hv_return_t r = hvf_real.vm_map(addr, ipa, size, flags);
	if (r == HV_SUCCESS)
		hvf_shim_note_map(ipa, size, flags);
	return r;
}
INTERPOSE(hv_vm_map);

hv_return_t HOOK(hv_vcpu_create)(hv_vcpu_t *vcpu, hv_vcpu_exit_t **exit, hv_vcpu_config_t config)
{
	NEED_REAL();
	hv_return_t r = hvf_real.vcpu_create(vcpu, exit, config);
	if (r != HV_SUCCESS || !vcpu || !exit || !*exit)
		return r;
	struct hvf_shim_vcpu *v = hvf_shim_slot_make(*vcpu);
	if (v) {
		v->exit = *exit;
		atomic_store_explicit(&v->state, HVF_SHIM_IDLE, memory_order_release);
	}
	return r;
}
INTERPOSE(hv_vcpu_create);

hv_return_t HOOK(hv_vcpu_destroy)(hv_vcpu_t vcpu)
{
	NEED_REAL();
	struct hvf_shim_vcpu *v = hvf_shim_slot(vcpu);
	if (v)
		hvf_shim_destroyed(v); /* before: exec time needs the live vCPU */
	return hvf_real.vcpu_destroy(vcpu);
}
INTERPOSE(hv_vcpu_destroy);

hv_return_t HOOK(hv_vcpu_run)(hv_vcpu_t vcpu)
{
	NEED_REAL();
	struct hvf_shim_vcpu *v = hvf_shim_slot(vcpu);
	return v ? hvf_shim_run(v) : hvf_real.vcpu_run(vcpu);
}
INTERPOSE(hv_vcpu_run);

/* Any thread: only an atomic count per vCPU, read by its next kick exit. */
hv_return_t HOOK(hv_vcpus_exit)(hv_vcpu_t *vcpus, uint32_t vcpu_count)
{
	NEED_REAL();
	for (uint32_t i = 0; vcpus && i < vcpu_count; i++) {
		struct hvf_shim_vcpu *v = hvf_shim_slot(vcpus[i]);
		if (v)
			atomic_fetch_add(&v->kicks, 1);
	}
	return hvf_real.vcpus_exit(vcpus, vcpu_count);
}
INTERPOSE(hv_vcpus_exit);

hv_return_t HOOK(hv_vcpu_set_pending_interrupt)(hv_vcpu_t vcpu, hv_interrupt_type_t type,
						bool pending)
{
	NEED_REAL();
	hv_return_t r = hvf_real.set_pending_interrupt(vcpu, type, pending);
	struct hvf_shim_vcpu *v = r == HV_SUCCESS ? hvf_shim_slot(vcpu) : NULL;
	if (v)
		hvf_shim_irq_set(v, type, pending);
	return r;
}
INTERPOSE(hv_vcpu_set_pending_interrupt);

hv_return_t HOOK(hv_vcpu_set_vtimer_mask)(hv_vcpu_t vcpu, bool vtimer_is_masked)
{
	NEED_REAL();
	hv_return_t r = hvf_real.set_vtimer_mask(vcpu, vtimer_is_masked);
	struct hvf_shim_vcpu *v = r == HV_SUCCESS ? hvf_shim_slot(vcpu) : NULL;
	if (v)
		hvf_shim_vtimer_set(v, vtimer_is_masked);
	return r;
}
INTERPOSE(hv_vcpu_set_vtimer_mask);

static void at_exit(void)
{
	hvf_shim_finish();
}

/* At load, before the VMM's main(): everything that may allocate or open. */
__attribute__((constructor)) static void hvf_shim_load(void)
{
	hvf_shim_resolve(); /* fails quietly in a process without the framework */
	pthread_atfork(NULL, NULL, hvf_shim_drop_in_child);
	hvf_shim_attach();
	atexit(at_exit);
}

__attribute__((destructor)) static void hvf_shim_unload(void)
{
	hvf_shim_finish(); /* a no-op when at_exit already ran */
}
