/* The Hypervisor.framework backend's ops table. */
#include "hvf_internal.h"

static const hvt_backend_ops hvf_ops = {
	.name = HVT_BACKEND_HVF,
	.vm_create = hvt_hvf_vm_create,
	.vm_free = hvt_hvf_vm_free,
	.vm_cpuid = hvt_hvf_vm_cpuid,
	.vm_counter_hz = hvt_hvf_vm_counter_hz,
	.vcpu_create = hvt_hvf_vcpu_create,
	.vcpu_free = hvt_hvf_vcpu_free,
	.vcpu_run = hvt_hvf_vcpu_run,
	.vcpu_complete_read = hvt_hvf_vcpu_complete_read,
	.vcpu_kick = hvt_hvf_kick,
	.vcpu_offer_irq = hvt_hvf_vcpu_offer_irq,
	.vcpu_exec_time = hvt_hvf_vcpu_exec_time,
	.vcpu_get_regs = hvt_hvf_vcpu_get_regs,
	.vcpu_set_regs = hvt_hvf_vcpu_set_regs,
	.vcpu_set_debug = hvt_hvf_vcpu_set_debug,
	.vcpu_set_irq_line = hvt_hvf_vcpu_set_irq_line,
	.vcpu_timer_sync = hvt_hvf_vcpu_timer_sync,
	.vcpu_vtimer_hold = hvt_hvf_vcpu_vtimer_hold,
	.vcpu_detach = hvt_hvf_vcpu_detach,
	.vcpu_state_save = hvt_hvf_vcpu_state_save,
	.vcpu_state_load = hvt_hvf_vcpu_state_load,
	.vcpu_get_arm64_sysregs = hvt_hvf_vcpu_get_arm64_sysregs,
};

const hvt_backend_ops *hvt_backend_hvf(void)
{
	return &hvf_ops;
}
