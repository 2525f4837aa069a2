/* hvtrace core: a bare machine. Guest RAM, the loaded image, the backend VM
 * and its vCPUs in the boot state of docs/guest-abi.md, with nothing attached
 * (no devices, no run loop, no threads).
 *
 * The recording VMM (vm.c) and the replay engine (replay/) both build on it,
 * so a replayed guest boots exactly as the recorded one did: same RAM size,
 * same image placement, same CPUID table, same entry registers.
 */
#ifndef HVT_CORE_MACHINE_H
#define HVT_CORE_MACHINE_H

#include <stddef.h>
#include <stdint.h>
#include "backend.h"
#include "vmm.h"

typedef struct hvt_machine_config {
	const uint8_t *image;       /* guest image; NULL = the embedded demo guest */
	size_t image_len_bytes;
	int image_format;           /* enum hvt_image_format */
	uint64_t mem_bytes;         /* guest RAM; 0 = HVT_GUEST_MEM_DEFAULT */
	unsigned vcpus;             /* 0 = 1; at most HVT_VM_MAX_VCPUS */
	int backend;                /* enum hvt_backend_choice; 0 = AUTO */
} hvt_machine_config;

/* What differs between guest architectures at the machine level (arch.c). */
typedef struct hvt_arch {
	int id;                     /* enum hvt_arch_id */
	const char *name;           /* "x86_64", "arm64": metadata key "arch" */
	unsigned nregs;             /* register file: HVT_X86_NREGS, HVT_ARM64_NREGS */
	unsigned pc_reg;            /* index of the PC in it */
	unsigned marker_reg;        /* the marker's value register: RSI, X1 */
} hvt_arch;

typedef struct hvt_machine {
	const hvt_backend_ops *ops;
	const hvt_arch *arch;       /* the guest architecture the backend runs */
	hvt_backend_vm *bvm;
	uint8_t *ram;               /* host mapping of guest PA 0, mem_bytes long */
	uint64_t mem_bytes;
	unsigned n_vcpus;
	hvt_backend_vcpu **vcpus;   /* n_vcpus entries, in the boot state */
	hvt_load_info load;
	const uint8_t *image;       /* the image loaded (borrowed) */
	size_t image_len_bytes;
} hvt_machine;

/* Check the configuration, map RAM, load the image, create the backend VM
 * and every vCPU. A negative HVT_E_* and a one-line reason in msg on
 * failure (HVT_E_NO_HYPERVISOR, HVT_E_BAD_IMAGE, HVT_E_INVAL, ...). */
int hvt_machine_create(const hvt_machine_config *cfg, hvt_machine **out,
		       char *msg, size_t msg_len);

/* Set vCPU `index`'s entry registers (docs/guest-abi.md: x86-64 RIP =
 * entry, RSP = its stack top, RDI = index, RSI = vCPU count, RDX = RAM
 * size, RFLAGS = 0x2; arm64 PC, SP_EL1, X0-X2 alike, CPSR = 0x3c5). Call on
 * the thread that will run the vCPU. */
int hvt_machine_set_entry_regs(hvt_machine *m, unsigned index);

void hvt_machine_free(hvt_machine *m); /* accepts NULL */

/* arm64: the guest counter's frequency in Hz (backend vm_counter_hz); 0
 * when the backend has none (x86-64) or cannot tell. */
uint64_t hvt_machine_counter_hz(const hvt_machine *m);

/* arch.c: the table of an architecture (NULL for an unknown id), the
 * architecture a backend runs, and an image's (UNKNOWN if flat or not ELF;
 * HVT_E_BAD_IMAGE for an ELF of another machine). */
const hvt_arch *hvt_arch_get(int id);
const hvt_arch *hvt_arch_of_backend(const hvt_backend_ops *ops);
void hvt_arch_entry_regs(const hvt_arch *arch, const hvt_machine *m, unsigned index,
			 hvt_regs *r);

/* machine_select.c: pick the backend (cfg->backend, the image's machine,
 * the platform) and the image (cfg's or that architecture's demo guest). */
int hvt_machine_select(const hvt_machine_config *cfg, hvt_machine *m,
		       char *msg, size_t msg_len);

#endif
