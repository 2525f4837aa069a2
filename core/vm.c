/* hvt_vm: creation (RAM, image, backend VM, vCPUs), teardown, getters. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "errmsg.h"
#include "hvt_guest_abi.h"
#include "hvtrace/error.h"
#include "loader.h"
#include "vm_internal.h"

static int check_config(const hvt_vm_config *cfg, uint64_t mem, unsigned n,
			char *msg, size_t msg_len)
{
	HVT_FAIL_IF(mem < HVT_GUEST_MEM_MIN || mem > HVT_GUEST_MEM_MAX ||
		    mem % HVT_GUEST_MEM_ALIGN != 0, msg, msg_len, HVT_E_INVAL,
		    "memory size %llu bytes must be a multiple of 2 MiB in [4 MiB, 3 GiB]",
		    (unsigned long long)mem);
	HVT_FAIL_IF(n == 0 || n > HVT_VM_MAX_VCPUS, msg, msg_len, HVT_E_INVAL,
		    "vCPU count %u is not in 1..%u", n, HVT_VM_MAX_VCPUS);
	HVT_FAIL_IF((uint64_t)n * HVT_GUEST_STACK_BYTES + HVT_GUEST_LOAD_PA >= mem, msg,
		    msg_len, HVT_E_INVAL, "%u vCPU stacks leave no room for an image", n);
	HVT_FAIL_IF(cfg->image && cfg->image_len_bytes == 0, msg, msg_len, HVT_E_BAD_IMAGE,
		    "the guest image is empty");
	return 0;
}

static int load(hvt_vm *vm, char *msg, size_t msg_len)
{
	hvt_guest_ram ram = {
		.host = vm->ram,
		.len_bytes = vm->mem_bytes,
		.usable_end_pa = vm->mem_bytes - (uint64_t)vm->n_vcpus * HVT_GUEST_STACK_BYTES,
	};

	vm->image = vm->cfg.image ? vm->cfg.image : hvt_demo_guest;
	vm->image_len_bytes = vm->cfg.image ? vm->cfg.image_len_bytes : hvt_demo_guest_len;
	return hvt_load_image(vm->image, vm->image_len_bytes, vm->cfg.image_format, &ram,
			      &vm->load, msg, msg_len);
}

static int make_pipe(hvt_vcpu_ctx *vc)
{
	int fds[2];

	if (pipe(fds) < 0)
		return HVT_E_IO;
	for (int i = 0; i < 2; i++) {
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	}
	vc->wake_rd = fds[0];
	vc->wake_wr = fds[1];
	return 0;
}

static int create_vcpu(hvt_vm *vm, unsigned i, char *msg, size_t msg_len)
{
	hvt_vcpu_ctx *vc = &vm->vcpus[i];

	vc->vm = vm;
	vc->index = i;
	vc->pending_vector = -1;
	atomic_init(&vc->in_run, 0);
	atomic_init(&vc->done, 0);
	HVT_FORWARD(vm->ops->vcpu_create(vm->bvm, i, &vc->bv, msg, msg_len));
	HVT_FAIL_IF(make_pipe(vc) < 0, msg, msg_len, HVT_E_IO, "pipe() failed");
	HVT_FAIL_IF(hvt_timer_init(&vc->timer, hvt_vcpu_wake, vc) < 0, msg, msg_len,
		    HVT_E_NOMEM, "cannot start the timer thread of vCPU %u", i);
	return 0;
}

static int create_machine(hvt_vm *vm, char *msg, size_t msg_len)
{
	hvt_mem_region region = { .guest_pa = 0, .len_bytes = vm->mem_bytes, .host = vm->ram };

	HVT_FORWARD(vm->ops->vm_create(&region, 1, &vm->bvm, msg, msg_len));
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
	vm->cfg = *cfg;
	vm->mem_bytes = cfg->mem_bytes ? cfg->mem_bytes : HVT_GUEST_MEM_DEFAULT;
	vm->n_vcpus = cfg->vcpus ? cfg->vcpus : 1;
	vm->ops = hvt_backend_kvm();
	atomic_init(&vm->stop_reason, HVT_NO_STOP);
	atomic_init(&vm->exit_code, -1);
	atomic_init(&vm->run_err, 0);
	pthread_mutex_init(&vm->done_mu, NULL);
	HVT_FAIL_IF(!vm->ops, msg, msg_len, HVT_E_NO_HYPERVISOR,
		    "no hypervisor backend on this platform");
	hvt_record_inputs_init(&vm->own_inputs, cfg->console_in_fd);
	vm->in = cfg->inputs ? cfg->inputs : &vm->own_inputs.ops;
	HVT_FORWARD(check_config(cfg, vm->mem_bytes, vm->n_vcpus, msg, msg_len));
	/* Anonymous mmap: zero-filled, page aligned, and untouched pages cost nothing. */
	vm->ram = mmap(NULL, vm->mem_bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	HVT_FAIL_IF(vm->ram == MAP_FAILED, msg, msg_len, HVT_E_NOMEM,
		    "cannot map %llu bytes of guest RAM", (unsigned long long)vm->mem_bytes);
	HVT_FORWARD(load(vm, msg, msg_len));
	return create_machine(vm, msg, msg_len);
}

int hvt_vm_create(const hvt_vm_config *cfg, hvt_vm **out, char *msg, size_t msg_len)
{
	hvt_vm *vm;
	int rc;

	HVT_FAIL_IF(!cfg || !out, msg, msg_len, HVT_E_INVAL, "no config or output given");
	vm = calloc(1, sizeof(*vm));
	HVT_FAIL_IF(!vm, msg, msg_len, HVT_E_NOMEM, "out of memory");
	vm->ram = MAP_FAILED;
	rc = init_vm(vm, cfg, msg, msg_len);
	if (rc < 0) {
		hvt_vm_free(vm);
		return rc;
	}
	*out = vm;
	return 0;
}

static void free_vcpu(hvt_vm *vm, hvt_vcpu_ctx *vc)
{
	if (vc->timer.wake)
		hvt_timer_destroy(&vc->timer);
	if (vc->wake_rd >= 0)
		close(vc->wake_rd);
	if (vc->wake_wr >= 0)
		close(vc->wake_wr);
	vm->ops->vcpu_free(vc->bv);
}

void hvt_vm_free(hvt_vm *vm)
{
	if (!vm)
		return;
	for (unsigned i = 0; vm->vcpus && i < vm->n_vcpus; i++)
		free_vcpu(vm, &vm->vcpus[i]);
	free(vm->vcpus);
	if (vm->serial_ready)
		hvt_serial_destroy(&vm->serial);
	if (vm->ops)
		vm->ops->vm_free(vm->bvm);
	if (vm->ram != MAP_FAILED)
		munmap(vm->ram, vm->mem_bytes);
	pthread_mutex_destroy(&vm->done_mu);
	free(vm);
}

const char *hvt_vm_error(const hvt_vm *vm) { return vm->err_msg; }
const char *hvt_vm_backend_name(const hvt_vm *vm) { return vm->ops->name; }
uint64_t hvt_vm_mem_bytes(const hvt_vm *vm) { return vm->mem_bytes; }
unsigned hvt_vm_vcpu_count(const hvt_vm *vm) { return vm->n_vcpus; }
const hvt_load_info *hvt_vm_load_info(const hvt_vm *vm) { return &vm->load; }

int hvt_vm_cpuid(const hvt_vm *vm, const uint8_t **bytes, size_t *len_bytes)
{
	return vm->ops->vm_cpuid(vm->bvm, bytes, len_bytes);
}

void hvt_vm_image(const hvt_vm *vm, const uint8_t **bytes, size_t *len_bytes)
{
	*bytes = vm->image;
	*len_bytes = vm->image_len_bytes;
}
