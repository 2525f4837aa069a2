/* Stopping and waking: how any part of the VMM (run loop, devices, the
 * recorder's sink, the timeout) ends the run or wakes a vCPU. A base file:
 * it calls only the backend's kick, never the files that call it. */
#include <stdio.h>
#include <unistd.h>
#include "vm_internal.h"

/* Wake a vCPU: the pipe ends a HLT wait; the kick ends a run (only when in
 * one, so a halted vCPU does not take a spurious exit). Async-signal-safe. */
void hvt_vcpu_wake(void *arg)
{
	hvt_vcpu_ctx *vc = arg;
	uint8_t b = 1;
	ssize_t w = write(vc->wake_wr, &b, 1); /* full pipe: a wake is pending anyway */

	(void)w;
	if (atomic_load(&vc->in_run) && !atomic_load(&vc->done))
		vc->vm->ops->vcpu_kick(vc->bv);
}

void hvt_vm_stop(hvt_vm *vm, int reason, int exit_code)
{
	int none = HVT_NO_STOP;

	if (atomic_compare_exchange_strong(&vm->stop_reason, &none, reason))
		atomic_store(&vm->exit_code, exit_code);
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		hvt_vcpu_ctx *vc = &vm->vcpus[i];
		uint8_t b = 1;
		ssize_t w = write(vc->wake_wr, &b, 1);
		(void)w;
		/* Kick even when not in_run: a lost stop is worse than one
		 * spurious exit. A finished thread is left alone. */
		if (!atomic_load(&vc->done))
			vm->ops->vcpu_kick(vc->bv);
	}
}

/* Record the first VMM failure and stop every vCPU with END_ERROR. */
void hvt_vm_fail(hvt_vm *vm, int err, const char *what)
{
	int none = 0;

	if (atomic_compare_exchange_strong(&vm->run_err, &none, err))
		snprintf(vm->err_msg, sizeof(vm->err_msg), "%s (error %d)", what, err);
	hvt_vm_stop(vm, HVT_END_ERROR, 0);
}

/* End the run because of an exit the VMM cannot continue from; the END
 * event's message keeps the raw detail. */
void hvt_end_with(hvt_vcpu_ctx *vc, int reason, const char *what, const hvt_exit *ex)
{
	if (ex->syndrome)
		snprintf(vc->end_msg, sizeof(vc->end_msg), "%s (raw reason %u, syndrome 0x%llx, "
			 "class 0x%02x, address 0x%llx)", what, ex->raw_reason,
			 (unsigned long long)ex->syndrome, (unsigned)(ex->syndrome >> 26) & 0x3f,
			 (unsigned long long)ex->fault_va);
	else
		snprintf(vc->end_msg, sizeof(vc->end_msg), "%s (raw reason %u, errno %d, "
			 "detail 0x%llx 0x%llx)", what, ex->raw_reason, ex->err,
			 (unsigned long long)ex->detail[0], (unsigned long long)ex->detail[1]);
	hvt_vm_stop(vc->vm, reason, 0);
}
