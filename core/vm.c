/* hvt_vm: the recording VMM around a bare machine (machine.c): per-vCPU
 * wake pipes and timers, the console, teardown, getters. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "errmsg.h"
#include "wake_pipe.h"
#include "hvtrace/error.h"
#include "vm_internal.h"

static int create_vcpu(hvt_vm *vm, unsigned i, char *msg, size_t msg_len)
{
	hvt_vcpu_ctx *vc = &vm->vcpus[i];

	vc->vm = vm;
	vc->index = i;
	vc->pending_vector = -1;
	vc->bv = vm->m->vcpus[i];
	atomic_init(&vc->in_run, 0);
	atomic_init(&vc->done, 0);
	HVT_FAIL_IF(hvt_wake_pipe(&vc->wake_rd, &vc->wake_wr) < 0, msg, msg_len, HVT_E_IO, "pipe() failed");
	HVT_FAIL_IF(hvt_timer_init(&vc->timer, hvt_vcpu_wake, vc) < 0, msg, msg_len,
		    HVT_E_NOMEM, "cannot start the timer thread of vCPU %u", i);
	return 0;
}

static int create_devices(hvt_vm *vm, char *msg, size_t msg_len)
{
	vm->vcpus = calloc(vm->n_vcpus, sizeof(*vm->vcpus));
	HVT_FAIL_IF(!vm->vcpus, msg, msg_len, HVT_E_NOMEM, "out of memory");
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		vm->vcpus[i].wake_rd = vm->vcpus[i].wake_wr = -1; /* for hvt_vm_free */
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		HVT_FORWARD(create_vcpu(vm, i, msg, msg_len));
	HVT_FAIL_IF(hvt_serial_init(&vm->serial, vm->cfg.console_out_fd == 0 ? 1 :
				    vm->cfg.console_out_fd) < 0, msg, msg_len,
		    HVT_E_NOMEM, "cannot create the console");
	vm->serial_ready = 1;
	return 0;
}

static int init_vm(hvt_vm *vm, const hvt_vm_config *cfg, char *msg, size_t msg_len)
{
	hvt_machine_config mc = {
		.image = cfg->image, .image_len_bytes = cfg->image_len_bytes,
		.image_format = cfg->image_format, .mem_bytes = cfg->mem_bytes,
		.vcpus = cfg->vcpus, .backend = cfg->backend,
	};

	vm->cfg = *cfg;
	atomic_init(&vm->stop_reason, HVT_NO_STOP);
	atomic_init(&vm->exit_code, -1);
	atomic_init(&vm->run_err, 0);
	pthread_mutex_init(&vm->done_mu, NULL);
	hvt_record_inputs_init(&vm->own_inputs, cfg->console_in_fd);
	vm->in = cfg->inputs ? cfg->inputs : &vm->own_inputs.ops;
	HVT_FORWARD(hvt_machine_create(&mc, &vm->m, msg, msg_len));
	vm->ops = vm->m->ops;
	vm->n_vcpus = vm->m->n_vcpus;
	/* With vCPUs running in parallel, what the others wrote would make the
	 * fingerprint differ from run to run: none then (docs/replay.md). */
	HVT_FAIL_IF(hvt_mem_fp_init(&vm->fp, vm->m) < 0, msg, msg_len, HVT_E_NOMEM,
		    "out of memory");
	HVT_FAIL_IF(hvt_sched_init(&vm->sched, vm->n_vcpus > 1 && !cfg->parallel,
				   cfg->slice_ns) < 0, msg, msg_len, HVT_E_NOMEM, "out of memory");
	vm->fp_method = vm->n_vcpus == 1 || vm->sched.on ? hvt_mem_fp_best(vm->m) : HVT_FP_NONE;
	return create_devices(vm, msg, msg_len);
}

int hvt_vm_create(const hvt_vm_config *cfg, hvt_vm **out, char *msg, size_t msg_len)
{
	hvt_vm *vm;
	int rc;

	HVT_FAIL_IF(!cfg || !out, msg, msg_len, HVT_E_INVAL, "no config or output given");
	vm = calloc(1, sizeof(*vm));
	HVT_FAIL_IF(!vm, msg, msg_len, HVT_E_NOMEM, "out of memory");
	rc = init_vm(vm, cfg, msg, msg_len);
	if (rc < 0) {
		hvt_vm_free(vm);
		return rc;
	}
	*out = vm;
	return 0;
}

static void free_vcpu(hvt_vcpu_ctx *vc)
{
	if (vc->timer.wake)
		hvt_timer_destroy(&vc->timer);
	if (vc->wake_rd >= 0)
		close(vc->wake_rd);
	if (vc->wake_wr >= 0)
		close(vc->wake_wr);
}

void hvt_vm_free(hvt_vm *vm)
{
	if (!vm)
		return;
	/* Timer threads go first: they kick backend vCPUs, which the machine owns. */
	for (unsigned i = 0; vm->vcpus && i < vm->n_vcpus; i++)
		free_vcpu(&vm->vcpus[i]);
	free(vm->vcpus);
	if (vm->serial_ready)
		hvt_serial_destroy(&vm->serial);
	hvt_mem_fp_fini(&vm->fp);
	hvt_sched_destroy(&vm->sched);
	hvt_machine_free(vm->m);
	pthread_mutex_destroy(&vm->done_mu);
	free(vm);
}

const char *hvt_vm_error(const hvt_vm *vm) { return vm->err_msg; }
const char *hvt_vm_backend_name(const hvt_vm *vm) { return vm->ops->name; }
const char *hvt_vm_arch_name(const hvt_vm *vm) { return vm->m->arch->name; }
uint64_t hvt_vm_mem_bytes(const hvt_vm *vm) { return vm->m->mem_bytes; }
unsigned hvt_vm_vcpu_count(const hvt_vm *vm) { return vm->n_vcpus; }
uint64_t hvt_vm_slice_ns(const hvt_vm *vm) { return vm->sched.on ? vm->sched.slice_ns : 0; }
uint64_t hvt_vm_counter_hz(const hvt_vm *vm) { return hvt_machine_counter_hz(vm->m); }
const hvt_load_info *hvt_vm_load_info(const hvt_vm *vm) { return &vm->m->load; }

int hvt_vm_cpuid(const hvt_vm *vm, const uint8_t **bytes, size_t *len_bytes)
{
	return vm->ops->vm_cpuid(vm->m->bvm, bytes, len_bytes);
}

void hvt_vm_image(const hvt_vm *vm, const uint8_t **bytes, size_t *len_bytes)
{
	*bytes = vm->m->image;
	*len_bytes = vm->m->image_len_bytes;
}
