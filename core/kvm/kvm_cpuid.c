/* The fixed CPUID table.
 *
 * Start from KVM_GET_SUPPORTED_CPUID and keep only a few leaves, with
 * features a guest could use to read host state or that need devices we do
 * not emulate masked off. The result is what every vCPU sees and what the
 * recorder stores (portable layout: {function, index, eax, ebx, ecx, edx}
 * as u32 LE), so replay can refuse a host that cannot offer the same.
 * Per vCPU, leaf 1 EBX[31:24] (initial APIC id) is set to the vCPU index;
 * the stored table has 0 there.
 */
#include "kvm_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "../errmsg.h"
#include "bytes.h"
#include "hvtrace/error.h"

#define SUPPORTED_MAX 256u
#define LEAF1_ECX_MASK_OFF ((1u << 3) /* MONITOR */ | (1u << 5) /* VMX */ | \
	(1u << 21) /* x2APIC: no APIC here */ | (1u << 24) /* TSC deadline */ | \
	(1u << 27) /* OSXSAVE mirrors CR4 */ | (1u << 30) /* RDRAND: use the entropy device */)
#define LEAF1_ECX_HYPERVISOR (1u << 31)
#define LEAF1_EDX_APIC (1u << 9) /* no local APIC: no in-kernel irqchip */
#define LEAF7_EBX_RDSEED (1u << 18)

static int keep_leaf(const struct kvm_cpuid_entry2 *e)
{
	switch (e->function) {
	case 0: case 1: case 0x80000000: case 0x80000001: case 0x80000008:
		return 1;
	case 7:
		return e->index == 0;
	default:
		return 0;
	}
}

static void filter_leaf(struct kvm_cpuid_entry2 *e)
{
	if (e->function == 0 && e->eax > 7)
		e->eax = 7;
	if (e->function == 0x80000000 && e->eax > 0x80000008)
		e->eax = 0x80000008;
	if (e->function == 1) {
		e->ecx = (e->ecx & ~LEAF1_ECX_MASK_OFF) | LEAF1_ECX_HYPERVISOR;
		e->ebx &= 0x0000ffffu; /* APIC id and logical count set per vCPU */
		e->edx &= ~LEAF1_EDX_APIC;
	}
	if (e->function == 7) {
		e->eax = 0; /* only subleaf 0 is in the table */
		e->ebx &= ~LEAF7_EBX_RDSEED;
	}
}

static int build_portable(hvt_backend_vm *vm)
{
	uint32_t n = vm->cpuid->nent;

	vm->cpuid_portable = calloc(n ? n : 1, 24);
	if (!vm->cpuid_portable)
		return HVT_E_NOMEM;
	for (uint32_t i = 0; i < n; i++) {
		const struct kvm_cpuid_entry2 *e = &vm->cpuid->entries[i];
		uint8_t *p = vm->cpuid_portable + 24 * i;
		hvt_put_le32(p, e->function);
		hvt_put_le32(p + 4, e->index);
		hvt_put_le32(p + 8, e->eax);
		hvt_put_le32(p + 12, e->ebx);
		hvt_put_le32(p + 16, e->ecx);
		hvt_put_le32(p + 20, e->edx);
	}
	vm->cpuid_portable_bytes = (size_t)n * 24;
	return 0;
}

int hvt_kvm_cpuid_build(hvt_backend_vm *vm, char *msg, size_t msg_len)
{
	size_t bytes = sizeof(struct kvm_cpuid2) + SUPPORTED_MAX * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *all = calloc(1, bytes);
	uint32_t kept = 0;

	if (!all)
		return HVT_E_NOMEM;
	all->nent = SUPPORTED_MAX;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, all) < 0) {
		int e = errno;
		free(all);
		return hvt_errf(msg, msg_len, HVT_E_BACKEND,
				"KVM_GET_SUPPORTED_CPUID failed: %s", strerror(e));
	}
	for (uint32_t i = 0; i < all->nent && kept < KVM_MAX_CPUID_ENTRIES; i++) {
		if (!keep_leaf(&all->entries[i]))
			continue;
		all->entries[kept] = all->entries[i];
		filter_leaf(&all->entries[kept]);
		kept++;
	}
	all->nent = kept;
	vm->cpuid = all;
	return build_portable(vm);
}

int hvt_kvm_cpuid_set(hvt_backend_vcpu *vcpu, char *msg, size_t msg_len)
{
	const struct kvm_cpuid2 *base = vcpu->vm->cpuid;
	size_t bytes = sizeof(*base) + base->nent * sizeof(base->entries[0]);
	struct kvm_cpuid2 *mine = malloc(bytes);
	int rc = 0;

	if (!mine)
		return HVT_E_NOMEM;
	memcpy(mine, base, bytes);
	for (uint32_t i = 0; i < mine->nent; i++)
		if (mine->entries[i].function == 1)
			mine->entries[i].ebx |= (uint32_t)vcpu->index << 24;
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, mine) < 0)
		rc = hvt_errf(msg, msg_len, HVT_E_BACKEND, "KVM_SET_CPUID2 failed: %s",
			      strerror(errno));
	free(mine);
	return rc;
}
