/* The guest architectures: register file shape and entry registers. The
 * rest of an architecture's difference lives in its backend (boot state,
 * exit decoding) and in the arm64 devices (dev_arm64.c, psci.c). */
#include <string.h>
#include "hvt_guest_abi.h"
#include "hvtrace/meta.h"
#include "machine.h"

static const hvt_arch arch_x86_64 = {
	.id = HVT_ARCH_X86_64, .name = HVT_META_ARCH_X86_64, .nregs = HVT_X86_NREGS,
	.pc_reg = HVT_X86_RIP, .marker_reg = HVT_X86_RSI,
};

static const hvt_arch arch_arm64 = {
	.id = HVT_ARCH_ARM64, .name = HVT_META_ARCH_ARM64, .nregs = HVT_ARM64_NREGS,
	.pc_reg = HVT_ARM64_PC, .marker_reg = HVT_ARM64_X1,
};

const hvt_arch *hvt_arch_get(int id)
{
	return id == HVT_ARCH_X86_64 ? &arch_x86_64 : id == HVT_ARCH_ARM64 ? &arch_arm64 : NULL;
}

/* A backend runs one architecture: KVM here is x86-64 only, HVF arm64 only. */
const hvt_arch *hvt_arch_of_backend(const hvt_backend_ops *ops)
{
	return strcmp(ops->name, HVT_BACKEND_HVF) == 0 ? &arch_arm64 : &arch_x86_64;
}

static void entry_x86_64(const hvt_machine *m, unsigned index, hvt_regs *r)
{
	r->r[HVT_X86_RIP] = m->load.entry_pa;
	r->r[HVT_X86_RSP] = m->mem_bytes - (uint64_t)index * HVT_GUEST_STACK_BYTES;
	r->r[HVT_X86_RDI] = index;
	r->r[HVT_X86_RSI] = m->n_vcpus;
	r->r[HVT_X86_RDX] = m->mem_bytes;
	r->r[HVT_X86_RFLAGS] = 0x2;
}

/* The arm64 ABI's entry state; the system registers (SCTLR, CPACR, MPIDR,
 * VBAR) are the backend's boot state. */
static void entry_arm64(const hvt_machine *m, unsigned index, hvt_regs *r)
{
	r->r[HVT_ARM64_PC] = m->load.entry_pa;
	r->r[HVT_ARM64_SP] = m->mem_bytes - (uint64_t)index * HVT_GUEST_STACK_BYTES;
	r->r[HVT_ARM64_X0] = index;
	r->r[HVT_ARM64_X1] = m->n_vcpus;
	r->r[HVT_ARM64_X2] = m->mem_bytes;
	r->r[HVT_ARM64_CPSR] = HVT_ARM64_ENTRY_CPSR;
}

void hvt_arch_entry_regs(const hvt_arch *arch, const hvt_machine *m, unsigned index,
			 hvt_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->nregs = arch->nregs;
	if (arch->id == HVT_ARCH_ARM64)
		entry_arm64(m, index, r);
	else
		entry_x86_64(m, index, r);
}
