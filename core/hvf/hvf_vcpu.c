/* vCPUs: lazy creation on the owning thread, hv_vcpu_run, completion of
 * reads, the IRQ line, exec time, destruction on the owning thread. */
#include "hvf_internal.h"

#include <stdlib.h>
#include <string.h>
#include "errmsg.h"
#include "hvtrace/writer.h"
#include "hvtrace/error.h"

int hvt_hvf_vcpu_create(hvt_backend_vm *vm, unsigned index, hvt_backend_vcpu **out,
			char *msg, size_t msg_len)
{
	hvt_backend_vcpu *vcpu;

	HVT_FAIL_IF(index >= HVF_MAX_VCPUS || vm->vcpus[index], msg, msg_len, HVT_E_INVAL,
		    "vCPU index %u is taken or not below %u", index, HVF_MAX_VCPUS);
	vcpu = calloc(1, sizeof(*vcpu));
	HVT_FAIL_IF(!vcpu, msg, msg_len, HVT_E_NOMEM, "out of memory");
	vcpu->vm = vm;
	vcpu->index = index;
	atomic_init(&vcpu->created, 0);
	atomic_init(&vcpu->detached, 0);
	atomic_init(&vcpu->kick_pending, 0);
	atomic_init(&vcpu->in_run, 0);
	vcpu->pend.reg = 31;
	vm->vcpus[index] = vcpu; /* before any thread runs: the kicker reads it */
	if (index >= vm->n_vcpus)
		vm->n_vcpus = index + 1;
	*out = vcpu;
	return 0;
}

void hvt_hvf_vcpu_free(hvt_backend_vcpu *vcpu)
{
	if (!vcpu)
		return;
	/* Normally detached by its thread; a vCPU that never ran is destroyed
	 * here, best effort (the framework refuses a foreign thread). */
	hvt_hvf_vcpu_detach(vcpu);
	if (vcpu->vm->vcpus[vcpu->index] == vcpu)
		vcpu->vm->vcpus[vcpu->index] = NULL;
	free(vcpu);
}

/* Before an entry: finish the last exit's instruction, offer the IRQ line.
 * Single step is armed only once the run really enters (hvt_hvf_vcpu_run):
 * a run that a kick ends first must leave no CPSR.SS behind. */
static int prepare_run(hvt_backend_vcpu *vcpu)
{
	HVT_FORWARD(hvt_hvf_apply_pending(vcpu));
	HVF_TRY(hv_vcpu_set_pending_interrupt(vcpu->id, HV_INTERRUPT_TYPE_IRQ,
					      vcpu->irq_line != 0));
	return 0;
}

/* A kick that came between runs: exit as CANCELED without entering. */
static void kicked_before_run(hvt_backend_vcpu *vcpu, hvt_exit *ex)
{
	ex->kind = HVT_EXIT_KICK;
	ex->raw_reason = HV_EXIT_REASON_CANCELED;
	if (hvt_hvf_read_regs(vcpu, ex->regs) == 0) {
		ex->nregs = HVT_ARM64_NREGS;
		ex->regs_valid = 1;
	}
}

int hvt_hvf_vcpu_run(hvt_backend_vcpu *vcpu, hvt_exit *ex)
{
	uint64_t t0;
	hv_return_t r;

	memset(ex, 0, sizeof(*ex));
	ex->count = 1;
	HVT_FORWARD(hvt_hvf_ensure_created(vcpu));
	HVT_FORWARD(prepare_run(vcpu));
	if (atomic_exchange(&vcpu->kick_pending, 0)) {
		kicked_before_run(vcpu, ex);
		return 0;
	}
	if (vcpu->single_step)
		HVT_FORWARD(hvt_hvf_prepare_step(vcpu));
	atomic_store(&vcpu->in_run, 1);
	t0 = hvt_monotonic_ns();
	r = hv_vcpu_run(vcpu->id);
	ex->run_ns = hvt_monotonic_ns() - t0;
	atomic_store(&vcpu->in_run, 0);
	if (r != HV_SUCCESS) {
		ex->kind = HVT_EXIT_INTERNAL_ERROR;
		ex->raw_reason = HV_EXIT_REASON_UNKNOWN;
		ex->detail[0] = (uint32_t)r;
		return 0;
	}
	if (vcpu->single_step && hvt_hvf_finish_step(vcpu) < 0)
		return HVT_E_BACKEND;
	hvt_hvf_decode_exit(vcpu, ex);
	if (ex->kind == HVT_EXIT_KICK)
		atomic_store(&vcpu->kick_pending, 0); /* this exit is the kick */
	return 0;
}

static uint64_t extend_result(const hvf_pending *p, uint64_t v)
{
	unsigned bits = 8u * p->size;

	if (bits < 64) {
		v &= (1ull << bits) - 1;
		if (p->sign_extend && (v >> (bits - 1)) & 1)
			v |= ~0ull << bits;
	}
	return p->sixty_four ? v : (v & 0xffffffffull); /* a W destination zeroes the top */
}

/* The value of an MMIO read, MRS or hypercall: written to its register at
 * the next run, sign- or zero-extended as the data abort's ISS says. */
int hvt_hvf_vcpu_complete_read(hvt_backend_vcpu *vcpu, const void *data, size_t len_bytes)
{
	const uint8_t *b = data;
	uint64_t v = 0;

	if (!vcpu->pend.wants_result || len_bytes == 0 || len_bytes > 8)
		return HVT_E_INVAL;
	for (size_t i = 0; i < len_bytes; i++)
		v |= (uint64_t)b[i] << (8 * i);
	vcpu->pend.result = extend_result(&vcpu->pend, v);
	vcpu->pend.has_result = 1;
	return 0;
}

/* arm64 interrupts are a level, not a vector: offering one raises the line
 * until set_irq_line(0) lowers it. */
int hvt_hvf_vcpu_offer_irq(hvt_backend_vcpu *vcpu, uint8_t vector)
{
	(void)vector;
	vcpu->irq_line = 1;
	return HVT_IRQ_INJECTED;
}

int hvt_hvf_vcpu_set_irq_line(hvt_backend_vcpu *vcpu, int high)
{
	vcpu->irq_line = high != 0;
	return 0;
}

int hvt_hvf_vcpu_exec_time(hvt_backend_vcpu *vcpu, uint64_t *ns)
{
	HVT_FORWARD(hvt_hvf_ensure_created(vcpu));
	HVF_TRY(hv_vcpu_get_exec_time(vcpu->id, ns));
	return 0;
}
