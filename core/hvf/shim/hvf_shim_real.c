/* The framework's own functions. On Linux (LD_PRELOAD over the stand-in)
 * they are the next definitions after ours: dlsym(RTLD_NEXT), resolved at
 * load and again at a hook while missing (a VMM that dlopens the framework).
 * On macOS dyld's __interpose table redirects every image's calls but ours,
 * so the plain names are the framework's functions. */
#ifndef __APPLE__
#define _GNU_SOURCE /* RTLD_NEXT */
#endif
#include "hvf_shim.h"

#ifdef __APPLE__

struct hvf_real hvf_real = {
	.vm_create = hv_vm_create,
	.vm_map = hv_vm_map,
	.vcpu_create = hv_vcpu_create,
	.vcpu_destroy = hv_vcpu_destroy,
	.vcpu_run = hv_vcpu_run,
	.vcpus_exit = hv_vcpus_exit,
	.set_pending_interrupt = hv_vcpu_set_pending_interrupt,
	.set_vtimer_mask = hv_vcpu_set_vtimer_mask,
	.get_reg = hv_vcpu_get_reg,
	.get_sys_reg = hv_vcpu_get_sys_reg,
	.get_exec_time = hv_vcpu_get_exec_time,
};

int hvf_shim_resolve(void)
{
	return 0;
}

#else
#include <dlfcn.h>

struct hvf_real hvf_real;

#define NEXT(field, name) \
	(*(void **)&hvf_real.field = dlsym(RTLD_NEXT, name)) != NULL

int hvf_shim_resolve(void)
{
	if (__atomic_load_n(&hvf_real.vcpu_run, __ATOMIC_ACQUIRE))
		return 0;
	/* Racing threads store the same values; vcpu_run last, as the flag. */
	int ok = NEXT(vm_create, "hv_vm_create") && NEXT(vm_map, "hv_vm_map") &&
		 NEXT(vcpu_create, "hv_vcpu_create") && NEXT(vcpu_destroy, "hv_vcpu_destroy") &&
		 NEXT(vcpus_exit, "hv_vcpus_exit") &&
		 NEXT(set_pending_interrupt, "hv_vcpu_set_pending_interrupt") &&
		 NEXT(set_vtimer_mask, "hv_vcpu_set_vtimer_mask") &&
		 NEXT(get_reg, "hv_vcpu_get_reg") && NEXT(get_sys_reg, "hv_vcpu_get_sys_reg") &&
		 NEXT(get_exec_time, "hv_vcpu_get_exec_time");
	if (!ok)
		return -1; /* no framework in this process (yet): the hooks say unsupported */
	void *run = dlsym(RTLD_NEXT, "hv_vcpu_run");
	if (!run)
		return -1;
	__atomic_store_n((void **)&hvf_real.vcpu_run, run, __ATOMIC_RELEASE);
	return 0;
}
#endif
