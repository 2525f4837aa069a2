/* The VM: hv_vm_create (one per process, as Apple allows), guest RAM mapped
 * with hv_vm_map, the kicker thread, the mach time base. */
#include "hvf_internal.h"

#include <stdlib.h>
#include "errmsg.h"
#include "hvtrace/error.h"

static const char *hv_error_name(hv_return_t r)
{
	switch (r) {
	case HV_BUSY: return "HV_BUSY: a VM already exists in this process";
	case HV_DENIED: return "HV_DENIED: the binary lacks the com.apple.security.hypervisor "
			       "entitlement";
	case HV_UNSUPPORTED: return "HV_UNSUPPORTED: no hardware virtualization here";
	case HV_NO_RESOURCES: return "HV_NO_RESOURCES";
	case HV_BAD_ARGUMENT: return "HV_BAD_ARGUMENT";
	default: return "HV_ERROR";
	}
}

static int map_regions(hvt_backend_vm *vm, const hvt_mem_region *regions, unsigned n,
		       char *msg, size_t msg_len)
{
	HVT_FAIL_IF(n == 0 || n > sizeof(vm->regions) / sizeof(vm->regions[0]), msg, msg_len,
		    HVT_E_INVAL, "%u RAM regions (1..4 supported)", n);
	for (unsigned i = 0; i < n; i++) {
		hv_return_t r = hv_vm_map(regions[i].host, regions[i].guest_pa,
					  (size_t)regions[i].len_bytes,
					  HV_MEMORY_READ | HV_MEMORY_WRITE | HV_MEMORY_EXEC);
		HVT_FAIL_IF(r != HV_SUCCESS, msg, msg_len, HVT_E_BACKEND,
			    "hv_vm_map of %llu bytes at guest PA 0x%llx failed: %s (0x%x)",
			    (unsigned long long)regions[i].len_bytes,
			    (unsigned long long)regions[i].guest_pa, hv_error_name(r), (unsigned)r);
		vm->regions[vm->n_regions++] = regions[i];
	}
	return 0;
}

static int create_vm(hvt_backend_vm *vm, char *msg, size_t msg_len)
{
	hv_return_t r = hv_vm_create(NULL);

	HVT_FAIL_IF(r != HV_SUCCESS, msg, msg_len,
		    r == HV_BUSY || r == HV_NO_RESOURCES ? HVT_E_BACKEND : HVT_E_NO_HYPERVISOR,
		    "hv_vm_create failed: %s (0x%x)", hv_error_name(r), (unsigned)r);
	vm->vm_created = 1;
	HVT_FAIL_IF(mach_timebase_info(&vm->timebase) != KERN_SUCCESS || vm->timebase.denom == 0,
		    msg, msg_len, HVT_E_BACKEND, "mach_timebase_info failed");
	return 0;
}

void hvt_hvf_vm_free(hvt_backend_vm *vm)
{
	if (!vm)
		return;
	hvt_hvf_kicker_stop(vm);
	for (unsigned i = 0; i < vm->n_regions; i++)
		(void)hv_vm_unmap(vm->regions[i].guest_pa, (size_t)vm->regions[i].len_bytes);
	if (vm->vm_created)
		(void)hv_vm_destroy();
	free(vm);
}

int hvt_hvf_vm_create(const hvt_mem_region *regions, unsigned n, hvt_backend_vm **out,
		      char *msg, size_t msg_len)
{
	hvt_backend_vm *vm = calloc(1, sizeof(*vm));
	int rc;

	if (!vm)
		return HVT_E_NOMEM;
	vm->kick_rd = vm->kick_wr = -1;
	atomic_init(&vm->kicker_quit, 0);
	if ((rc = create_vm(vm, msg, msg_len)) < 0 ||
	    (rc = map_regions(vm, regions, n, msg, msg_len)) < 0)
		goto err_out;
	if ((rc = hvt_hvf_kicker_start(vm)) < 0) {
		hvt_errf(msg, msg_len, rc, "cannot start the HVF kicker thread");
		goto err_out;
	}
	*out = vm;
	return 0;
err_out:
	hvt_hvf_vm_free(vm);
	return rc;
}

/* arm64 has no CPUID: the guest-visible identity registers are the
 * framework's (a trace records none today). */
/* The guest's counter is the host's mach_absolute_time() (minus the vCPU's
 * vtimer offset): its rate is the timebase's, 1e9 * denom / numer ticks per
 * second (24 MHz on Apple silicon: 125/3). */
int hvt_hvf_vm_counter_hz(hvt_backend_vm *vm, uint64_t *hz)
{
	if (vm->timebase.numer == 0)
		return HVT_E_BACKEND;
	*hz = 1000000000ull * vm->timebase.denom / vm->timebase.numer;
	return 0;
}

int hvt_hvf_vm_cpuid(hvt_backend_vm *vm, const uint8_t **bytes, size_t *len_bytes)
{
	(void)vm;
	*bytes = NULL;
	*len_bytes = 0;
	return HVT_E_UNSUPPORTED;
}
