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
} hvt_machine_config;

typedef struct hvt_machine {
	const hvt_backend_ops *ops;
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

/* Set vCPU `index`'s entry registers (RIP = entry, RSP = its stack top,
 * RDI = index, RSI = vCPU count, RDX = RAM size, RFLAGS = 0x2). Call on
 * the thread that will run the vCPU. */
int hvt_machine_set_entry_regs(hvt_machine *m, unsigned index);

void hvt_machine_free(hvt_machine *m); /* accepts NULL */

#endif
