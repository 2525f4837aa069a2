/* KVM VM creation: /dev/kvm, capability checks, memory slots, CPUID. */
#include "kvm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "../errmsg.h"
#include "hvtrace/error.h"

#define KVM_TSS_PA 0xfffbd000ull /* three pages just below 4 GiB, never RAM here */

static int open_kvm(hvt_backend_vm *vm, char *msg, size_t msg_len)
{
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		int e = errno;
		return hvt_errf(msg, msg_len, (e == ENOENT || e == EACCES || e == EPERM ||
			e == ENODEV || e == ENXIO) ? HVT_E_NO_HYPERVISOR : HVT_E_IO,
			"cannot open /dev/kvm: %s%s", strerror(e), e == EACCES ?
			" (add yourself to the kvm group)" : "");
	}
	HVT_FAIL_IF(ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION, msg, msg_len,
		    HVT_E_NO_HYPERVISOR, "/dev/kvm speaks an unexpected API version");
	return 0;
}

static int check_caps(hvt_backend_vm *vm, char *msg, size_t msg_len)
{
	static const struct { int cap; const char *name; } need[] = {
		{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
		{ KVM_CAP_SYNC_REGS, "KVM_CAP_SYNC_REGS" },
		{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
		{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	};

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		HVT_FAIL_IF(ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, need[i].cap) <= 0, msg,
			    msg_len, HVT_E_NO_HYPERVISOR, "KVM lacks %s", need[i].name);
	return 0;
}

static int add_slots(hvt_backend_vm *vm, const hvt_mem_region *regions, unsigned n,
		     char *msg, size_t msg_len)
{
	HVT_FAIL_IF(n > HVT_KVM_MAX_SLOTS, msg, msg_len, HVT_E_INVAL,
		    "%u RAM regions, at most %u", n, HVT_KVM_MAX_SLOTS);
	for (unsigned i = 0; i < n; i++) {
		/* Dirty logging costs one write fault per page after each
		 * KVM_GET_DIRTY_LOG, which happens only at asynchronous landings
		 * (bench/RESULTS.md); it gives their memory fingerprint. */
		struct kvm_userspace_memory_region r = {
			.slot = i,
			.flags = KVM_MEM_LOG_DIRTY_PAGES,
			.guest_phys_addr = regions[i].guest_pa,
			.memory_size = regions[i].len_bytes,
			.userspace_addr = (uint64_t)(uintptr_t)regions[i].host,
		};
		HVT_FAIL_IF(ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0, msg, msg_len,
			    HVT_E_BACKEND, "KVM_SET_USER_MEMORY_REGION slot %u failed: %s", i,
			    strerror(errno));
		vm->slots[i] = regions[i];
		vm->n_slots = i + 1;
	}
	return 0;
}

static int create_vm(hvt_backend_vm *vm, char *msg, size_t msg_len)
{
	int bytes;

	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	HVT_FAIL_IF(vm->vm_fd < 0, msg, msg_len, HVT_E_BACKEND, "KVM_CREATE_VM failed: %s",
		    strerror(errno));
	/* Only needed by Intel CPUs without unrestricted guest; harmless elsewhere. */
	(void)ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_PA);
	bytes = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	HVT_FAIL_IF(bytes < (int)sizeof(struct kvm_run), msg, msg_len, HVT_E_BACKEND,
		    "KVM_GET_VCPU_MMAP_SIZE failed");
	vm->run_mmap_bytes = (size_t)bytes;
	return 0;
}

void hvt_kvm_vm_free(hvt_backend_vm *vm)
{
	if (!vm)
		return;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	free(vm->cpuid);
	free(vm->cpuid_portable);
	free(vm->dirty_scratch);
	free(vm);
}

int hvt_kvm_vm_create(const hvt_mem_region *regions, unsigned n, hvt_backend_vm **out,
			 char *msg, size_t msg_len)
{
	hvt_backend_vm *vm = calloc(1, sizeof(*vm));
	int rc;

	if (!vm)
		return HVT_E_NOMEM;
	vm->kvm_fd = vm->vm_fd = -1;
	if ((rc = open_kvm(vm, msg, msg_len)) < 0 || (rc = check_caps(vm, msg, msg_len)) < 0 ||
	    (rc = create_vm(vm, msg, msg_len)) < 0 ||
	    (rc = add_slots(vm, regions, n, msg, msg_len)) < 0 ||
	    (rc = hvt_kvm_boot_tables(regions, n, msg, msg_len)) < 0 ||
	    (rc = hvt_kvm_cpuid_build(vm, msg, msg_len)) < 0 ||
	    (rc = hvt_kvm_kick_init()) < 0)
		goto err_out;
	*out = vm;
	return 0;
err_out:
	hvt_kvm_vm_free(vm);
	return rc;
}

int hvt_kvm_vm_cpuid(hvt_backend_vm *vm, const uint8_t **bytes, size_t *len_bytes)
{
	*bytes = vm->cpuid_portable;
	*len_bytes = vm->cpuid_portable_bytes;
	return 0;
}
