/* The framework vCPU's life on its owning thread: Apple requires
 * hv_vcpu_create, every register access and hv_vcpu_destroy on the thread
 * that runs the vCPU, while hvtrace's machine creates its vCPUs on the main
 * thread. So the framework's vCPU is created lazily by the first op on the
 * owning thread, in the boot state of docs/guest-abi.md. A base file: it
 * calls only Apple's API, never the files that call it. */
#include "hvf_internal.h"

#include "hvt_guest_abi.h"
#include "errmsg.h"
#include "hvtrace/error.h"

#define CPACR_FPEN_NO_TRAP (3ull << 20)
#define MPIDR_RES1 (1ull << 31)

/* System registers of the entry state; the general ones come from set_regs. */
int hvt_hvf_boot_state(hvt_backend_vcpu *vcpu)
{
	hv_vcpu_t id = vcpu->id;

	HVF_TRY(hv_vcpu_set_sys_reg(id, HV_SYS_REG_SCTLR_EL1, HVT_ARM64_ENTRY_SCTLR));
	HVF_TRY(hv_vcpu_set_sys_reg(id, HV_SYS_REG_CPACR_EL1, CPACR_FPEN_NO_TRAP));
	HVF_TRY(hv_vcpu_set_sys_reg(id, HV_SYS_REG_MPIDR_EL1, MPIDR_RES1 | vcpu->index));
	HVF_TRY(hv_vcpu_set_sys_reg(id, HV_SYS_REG_VBAR_EL1, 0));
	HVF_TRY(hv_vcpu_set_reg(id, HV_REG_CPSR, HVT_ARM64_ENTRY_CPSR));
	HVF_TRY(hv_vcpu_get_vtimer_offset(id, &vcpu->vtimer_offset));
	return 0;
}

/* The first op on the owning thread creates the framework's vCPU there. */
int hvt_hvf_ensure_created(hvt_backend_vcpu *vcpu)
{
	if (atomic_load(&vcpu->created))
		return 0;
	if (atomic_load(&vcpu->detached))
		return HVT_E_INVAL; /* destroyed: only free may follow */
	HVF_TRY(hv_vcpu_create(&vcpu->id, &vcpu->exit, NULL));
	atomic_store(&vcpu->created, 1);
	return hvt_hvf_boot_state(vcpu);
}

/* Owning thread only (Apple's rule for hv_vcpu_destroy). */
void hvt_hvf_vcpu_detach(hvt_backend_vcpu *vcpu)
{
	if (!vcpu || atomic_exchange(&vcpu->detached, 1))
		return;
	if (atomic_exchange(&vcpu->created, 0))
		(void)hv_vcpu_destroy(vcpu->id);
}
