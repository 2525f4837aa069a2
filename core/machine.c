/* hvt_machine: RAM, image, backend VM and vCPUs in the boot state. */
#include "machine.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "errmsg.h"
#include "hvt_guest_abi.h"
#include "hvtrace/error.h"
#include "loader.h"

static int check_config(const hvt_machine_config *cfg, uint64_t mem, unsigned n,
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

static int load(hvt_machine *m, const hvt_machine_config *cfg, char *msg, size_t msg_len)
{
	hvt_guest_ram ram = {
		.host = m->ram,
		.len_bytes = m->mem_bytes,
		.usable_end_pa = m->mem_bytes - (uint64_t)m->n_vcpus * HVT_GUEST_STACK_BYTES,
	};

	HVT_FORWARD(hvt_load_image(m->image, m->image_len_bytes, cfg->image_format, &ram,
				   &m->load, msg, msg_len));
	/* machine_select.c matched backend and ELF machine; this is the backstop. */
	HVT_FAIL_IF(m->load.arch != HVT_ARCH_UNKNOWN && m->load.arch != m->arch->id, msg,
		    msg_len, HVT_E_BAD_IMAGE, "the image's ELF machine does not match the "
		    "%s backend's %s", m->ops->name, m->arch->name);
	return 0;
}

static int create_backend(hvt_machine *m, char *msg, size_t msg_len)
{
	hvt_mem_region region = { .guest_pa = 0, .len_bytes = m->mem_bytes, .host = m->ram };

	HVT_FORWARD(m->ops->vm_create(&region, 1, &m->bvm, msg, msg_len));
	m->vcpus = calloc(m->n_vcpus, sizeof(*m->vcpus));
	HVT_FAIL_IF(!m->vcpus, msg, msg_len, HVT_E_NOMEM, "out of memory");
	for (unsigned i = 0; i < m->n_vcpus; i++)
		HVT_FORWARD(m->ops->vcpu_create(m->bvm, i, &m->vcpus[i], msg, msg_len));
	return 0;
}

static int init_machine(hvt_machine *m, const hvt_machine_config *cfg, char *msg,
			size_t msg_len)
{
	m->mem_bytes = cfg->mem_bytes ? cfg->mem_bytes : HVT_GUEST_MEM_DEFAULT;
	m->n_vcpus = cfg->vcpus ? cfg->vcpus : 1;
	HVT_FORWARD(hvt_machine_select(cfg, m, msg, msg_len));
	HVT_FORWARD(check_config(cfg, m->mem_bytes, m->n_vcpus, msg, msg_len));
	/* Anonymous mmap: zero-filled, page aligned, and untouched pages cost nothing. */
	m->ram = mmap(NULL, m->mem_bytes, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	HVT_FAIL_IF(m->ram == MAP_FAILED, msg, msg_len, HVT_E_NOMEM,
		    "cannot map %llu bytes of guest RAM", (unsigned long long)m->mem_bytes);
	HVT_FORWARD(load(m, cfg, msg, msg_len));
	return create_backend(m, msg, msg_len);
}

int hvt_machine_create(const hvt_machine_config *cfg, hvt_machine **out,
		       char *msg, size_t msg_len)
{
	hvt_machine *m;
	int rc;

	HVT_FAIL_IF(!cfg || !out, msg, msg_len, HVT_E_INVAL, "no config or output given");
	m = calloc(1, sizeof(*m));
	HVT_FAIL_IF(!m, msg, msg_len, HVT_E_NOMEM, "out of memory");
	m->ram = MAP_FAILED;
	rc = init_machine(m, cfg, msg, msg_len);
	if (rc < 0) {
		hvt_machine_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int hvt_machine_set_entry_regs(hvt_machine *m, unsigned index)
{
	hvt_regs r;

	if (index >= m->n_vcpus)
		return HVT_E_INVAL;
	hvt_arch_entry_regs(m->arch, m, index, &r);
	return m->ops->vcpu_set_regs(m->vcpus[index], &r);
}

void hvt_machine_free(hvt_machine *m)
{
	if (!m)
		return;
	for (unsigned i = 0; m->vcpus && i < m->n_vcpus; i++)
		m->ops->vcpu_free(m->vcpus[i]);
	free(m->vcpus);
	if (m->ops)
		m->ops->vm_free(m->bvm);
	if (m->ram != MAP_FAILED)
		munmap(m->ram, m->mem_bytes);
	free(m);
}

uint64_t hvt_machine_counter_hz(const hvt_machine *m)
{
	uint64_t hz = 0;

	if (!m->ops->vm_counter_hz || m->ops->vm_counter_hz(m->bvm, &hz) < 0)
		return 0;
	return hz;
}
