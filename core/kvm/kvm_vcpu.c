/* KVM vCPUs: creation in the boot state, KVM_RUN, read completion, interrupt
 * injection without an in-kernel irqchip, exec time. */
#include "kvm_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../errmsg.h"
#include "hvtrace/error.h"
#include "hvtrace/writer.h"

void hvt_kvm_vcpu_free(hvt_backend_vcpu *vcpu)
{
	if (!vcpu)
		return;
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_mmap_bytes);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	free(vcpu);
}

static int map_run(hvt_backend_vcpu *vcpu, char *msg, size_t msg_len)
{
	void *p = mmap(NULL, vcpu->run_mmap_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vcpu->fd, 0);

	HVT_FAIL_IF(p == MAP_FAILED, msg, msg_len, HVT_E_BACKEND,
		    "mmap of the vCPU run area failed: %s", strerror(errno));
	vcpu->run = p;
	/* Registers come back in the run area at every exit: no GET_REGS. */
	vcpu->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	return 0;
}

int hvt_kvm_vcpu_create(hvt_backend_vm *vm, unsigned index, hvt_backend_vcpu **out,
			char *msg, size_t msg_len)
{
	hvt_backend_vcpu *vcpu = calloc(1, sizeof(*vcpu));
	int rc;

	if (!vcpu)
		return HVT_E_NOMEM;
	vcpu->vm = vm;
	vcpu->index = index;
	vcpu->run_mmap_bytes = vm->run_mmap_bytes;
	atomic_init(&vcpu->owner_known, 0);
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (vcpu->fd < 0) {
		rc = hvt_errf(msg, msg_len, HVT_E_BACKEND, "KVM_CREATE_VCPU %u failed: %s",
			      index, strerror(errno));
		goto err_out;
	}
	if ((rc = map_run(vcpu, msg, msg_len)) < 0 ||
	    (rc = hvt_kvm_cpuid_set(vcpu, msg, msg_len)) < 0 ||
	    (rc = hvt_kvm_boot_sregs(vcpu, msg, msg_len)) < 0)
		goto err_out;
	*out = vcpu;
	return 0;
err_out:
	hvt_kvm_vcpu_free(vcpu);
	return rc;
}

int hvt_kvm_vcpu_run(hvt_backend_vcpu *vcpu, hvt_exit *ex)
{
	uint64_t t0, t1;
	int rc, err;

	hvt_kvm_bind_owner(vcpu);
	t0 = hvt_monotonic_ns();
	rc = ioctl(vcpu->fd, KVM_RUN, 0);
	err = rc < 0 ? errno : 0;
	t1 = hvt_monotonic_ns();
	/* Cleared before the caller looks at its kick flags (kvm_kick.c). */
	__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
	vcpu->exec_ns += t1 - t0;
	memset(ex, 0, sizeof(*ex));
	ex->run_ns = t1 - t0;
	hvt_kvm_translate_exit(vcpu, rc, err, ex);
	vcpu->regs_synced = ex->regs_valid;
	vcpu->last_reason = vcpu->run->exit_reason;
	return 0;
}

int hvt_kvm_vcpu_complete_read(hvt_backend_vcpu *vcpu, const void *data, size_t len_bytes)
{
	struct kvm_run *run = vcpu->run;

	if (vcpu->last_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_IN) {
		size_t cap = (size_t)run->io.size * run->io.count;
		if (len_bytes > cap || run->io.data_offset + cap > vcpu->run_mmap_bytes)
			return HVT_E_INVAL;
		memcpy((uint8_t *)run + run->io.data_offset, data, len_bytes);
		return 0;
	}
	if (vcpu->last_reason == KVM_EXIT_MMIO && !run->mmio.is_write) {
		if (len_bytes > sizeof(run->mmio.data))
			return HVT_E_INVAL;
		memcpy(run->mmio.data, data, len_bytes);
		return 0;
	}
	return HVT_E_INVAL;
}

/* No in-kernel irqchip: inject only when KVM says the guest is ready (IF set,
 * no interrupt shadow), otherwise ask for an IRQ_WINDOW_OPEN exit. */
int hvt_kvm_vcpu_offer_irq(hvt_backend_vcpu *vcpu, uint8_t vector)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_interrupt irq = { .irq = vector };

	if (!run->ready_for_interrupt_injection) {
		run->request_interrupt_window = 1;
		return HVT_IRQ_DEFERRED;
	}
	if (ioctl(vcpu->fd, KVM_INTERRUPT, &irq) < 0)
		return HVT_E_BACKEND;
	run->request_interrupt_window = 0;
	return HVT_IRQ_INJECTED;
}

/* KVM has no guest exec-time counter: this is the sum of the time spent
 * inside KVM_RUN, which also counts in-kernel exit handling. */
int hvt_kvm_vcpu_exec_time(hvt_backend_vcpu *vcpu, uint64_t *ns)
{
	*ns = vcpu->exec_ns;
	return 0;
}
