/* Guest memory as the debugger sees it: virtual addresses translated
 * through the guest's own page tables (x86-64: CR3; arm64: TTBR0/TTBR1),
 * or physical ones. The walk itself is the architecture's (gdb_arch.h). */
#ifndef HVT_GDB_MEM_H
#define HVT_GDB_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"

struct gdb_arch;

/* The system registers of the vCPU whose view is used; each architecture
 * fills its own member. */
struct gdb_sys {
	hvt_x86_sysregs x86;   /* CR0/CR3/CR4/EFER, IDTR... */
	hvt_arm64_sysregs a64; /* SCTLR/TCR/TTBRn, VBAR... */
};

struct gdb_mem {
	uint8_t *ram;          /* host mapping of guest PA 0 */
	uint64_t mem_bytes;
	int physical;          /* 1: addresses are guest-physical */
	const struct gdb_arch *arch;
	struct gdb_sys sys;
};

/* The guest PA of va, or -1 when it is not mapped (or its tables lie
 * outside RAM). *room = bytes to the end of that page. */
int gdb_mem_translate(const struct gdb_mem *m, uint64_t va, uint64_t *pa, uint64_t *room);
/* Bytes copied (may be fewer than n at the first unmapped byte). */
size_t gdb_mem_read(const struct gdb_mem *m, uint64_t addr, uint8_t *out, size_t n);
size_t gdb_mem_write(struct gdb_mem *m, uint64_t addr, const uint8_t *in, size_t n);
/* A little-endian u64 of guest-physical memory, bounds checked (a table
 * entry: the guest's tables are as untrusted as the client's addresses). */
int gdb_mem_read_pa_u64(const struct gdb_mem *m, uint64_t pa, uint64_t *v);

#endif
