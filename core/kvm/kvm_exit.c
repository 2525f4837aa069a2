/* Translate struct kvm_run after KVM_RUN into a portable hvt_exit: one table
 * from KVM exit reasons to hvt_exit_kind. Shared by our own backend and the
 * LD_PRELOAD shim (core/kvm/shim/), so both name exits the same way. */
#include "kvm_internal.h"
#include "kvm_exit.h"

#include <errno.h>
#include <string.h>

static void exit_io(const struct kvm_run *run, size_t run_bytes, hvt_exit *ex)
{
	size_t total = (size_t)run->io.size * run->io.count;

	ex->kind = run->io.direction == KVM_EXIT_IO_OUT ? HVT_EXIT_PIO_OUT : HVT_EXIT_PIO_IN;
	ex->is_write = run->io.direction == KVM_EXIT_IO_OUT;
	ex->addr = run->io.port;
	ex->size = run->io.size;
	ex->count = run->io.count;
	if (run->io.data_offset > run_bytes || total > run_bytes - run->io.data_offset ||
	    total > HVT_EXIT_MAX_DATA) {
		ex->kind = HVT_EXIT_INTERNAL_ERROR; /* the kernel never does this */
		return;
	}
	ex->data = (const uint8_t *)run + run->io.data_offset;
	if (ex->is_write)
		memcpy(&ex->value, ex->data, run->io.size <= 8 ? run->io.size : 8);
}

static void exit_mmio(const struct kvm_run *run, hvt_exit *ex)
{
	uint32_t len = run->mmio.len <= 8 ? run->mmio.len : 8;

	ex->kind = run->mmio.is_write ? HVT_EXIT_MMIO_WRITE : HVT_EXIT_MMIO_READ;
	ex->is_write = run->mmio.is_write;
	ex->addr = run->mmio.phys_addr;
	ex->size = len;
	ex->count = 1;
	ex->data = run->mmio.data;
	if (ex->is_write)
		memcpy(&ex->value, run->mmio.data, len);
}

static void exit_details(const struct kvm_run *run, hvt_exit *ex)
{
	switch (run->exit_reason) {
	case KVM_EXIT_INTERNAL_ERROR:
		ex->detail[0] = run->internal.suberror;
		ex->detail[1] = run->internal.ndata > 0 ? run->internal.data[0] : 0;
		break;
	case KVM_EXIT_FAIL_ENTRY:
		ex->detail[0] = run->fail_entry.hardware_entry_failure_reason;
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		ex->detail[0] = run->system_event.type;
		break;
	case KVM_EXIT_DEBUG:
		ex->detail[0] = run->debug.arch.exception;
		ex->detail[1] = run->debug.arch.pc;
		ex->detail[2] = run->debug.arch.dr6;
		break;
	default:
		break;
	}
}

static uint8_t kind_of(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_HLT: return HVT_EXIT_HALT;
	case KVM_EXIT_INTR: return HVT_EXIT_KICK;
	case KVM_EXIT_DEBUG: return HVT_EXIT_DEBUG;
	case KVM_EXIT_SHUTDOWN: return HVT_EXIT_SHUTDOWN;
	case KVM_EXIT_SYSTEM_EVENT: return HVT_EXIT_SHUTDOWN;
	case KVM_EXIT_INTERNAL_ERROR: return HVT_EXIT_INTERNAL_ERROR;
	case KVM_EXIT_FAIL_ENTRY: return HVT_EXIT_INTERNAL_ERROR;
	case KVM_EXIT_IRQ_WINDOW_OPEN: return HVT_EXIT_IRQ_WINDOW;
	case KVM_EXIT_HYPERCALL: return HVT_EXIT_HYPERCALL;
	default: return HVT_EXIT_UNKNOWN;
	}
}

static void copy_regs(const struct kvm_run *run, hvt_exit *ex)
{
	const struct kvm_regs *r = &run->s.regs.regs;
	const uint64_t v[HVT_X86_NREGS] = {
		r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rsp, r->rbp,
		r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
		r->rip, r->rflags,
	};

	memcpy(ex->regs, v, sizeof(v));
	ex->nregs = HVT_X86_NREGS;
	ex->regs_valid = 1;
}

void hvt_kvm_exit_from_run(const struct kvm_run *run, size_t run_bytes, int run_rc,
			   int run_errno, hvt_exit *ex)
{
	ex->count = 1;
	ex->irq_ready = run->ready_for_interrupt_injection;
	if (run_rc < 0) {
		/* -EINTR is a kick (signal or immediate_exit); anything else failed. */
		ex->raw_reason = KVM_EXIT_INTR;
		ex->kind = run_errno == EINTR || run_errno == EAGAIN ?
			   HVT_EXIT_KICK : HVT_EXIT_INTERNAL_ERROR;
		ex->err = run_errno == EINTR ? 0 : run_errno;
		return;
	}
	ex->raw_reason = run->exit_reason;
	if (run->exit_reason == KVM_EXIT_IO)
		exit_io(run, run_bytes, ex);
	else if (run->exit_reason == KVM_EXIT_MMIO)
		exit_mmio(run, ex);
	else
		ex->kind = kind_of(run->exit_reason);
	exit_details(run, ex);
}

void hvt_kvm_translate_exit(hvt_backend_vcpu *vcpu, int run_rc, int run_errno, hvt_exit *ex)
{
	hvt_kvm_exit_from_run(vcpu->run, vcpu->run_mmap_bytes, run_rc, run_errno, ex);
	copy_regs(vcpu->run, ex); /* KVM stores sync regs on the -EINTR path too */
}
