/* The KVM backend's ops table. */
#include "kvm_internal.h"

static const hvt_backend_ops kvm_ops = {
	.name = HVT_BACKEND_KVM,
	.vm_create = hvt_kvm_vm_create,
	.vm_free = hvt_kvm_vm_free,
	.vm_cpuid = hvt_kvm_vm_cpuid,
	.vm_dirty_log = hvt_kvm_vm_dirty_log,
	.vcpu_create = hvt_kvm_vcpu_create,
	.vcpu_free = hvt_kvm_vcpu_free,
	.vcpu_run = hvt_kvm_vcpu_run,
	.vcpu_complete_read = hvt_kvm_vcpu_complete_read,
	.vcpu_kick = hvt_kvm_kick,
	.vcpu_offer_irq = hvt_kvm_vcpu_offer_irq,
	.vcpu_exec_time = hvt_kvm_vcpu_exec_time,
	.vcpu_get_regs = hvt_kvm_vcpu_get_regs,
	.vcpu_set_regs = hvt_kvm_vcpu_set_regs,
	.vcpu_set_debug = hvt_kvm_vcpu_set_debug,
	.vcpu_state_save = hvt_kvm_vcpu_state_save,
	.vcpu_state_load = hvt_kvm_vcpu_state_load,
	.vcpu_get_x86_sysregs = hvt_kvm_vcpu_get_x86_sysregs,
};

const hvt_backend_ops *hvt_backend_kvm(void)
{
	return &kvm_ops;
}
