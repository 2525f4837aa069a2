/* Guest memory as the debugger sees it: virtual addresses translated
 * through the guest's own page tables (CR3), or physical ones. */
#ifndef HVT_GDB_MEM_H
#define HVT_GDB_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"

struct gdb_mem {
	uint8_t *ram;          /* host mapping of guest PA 0 */
	uint64_t mem_bytes;
	int physical;          /* 1: addresses are guest-physical */
	hvt_x86_sysregs sys;   /* CR0/CR3/CR4/EFER of the vCPU whose view is used */
};

/* The guest PA of va, or -1 when it is not mapped (or its tables lie
 * outside RAM). *room = bytes to the end of that page. */
int gdb_mem_translate(const struct gdb_mem *m, uint64_t va, uint64_t *pa, uint64_t *room);
/* Bytes copied (may be fewer than n at the first unmapped byte). */
size_t gdb_mem_read(const struct gdb_mem *m, uint64_t addr, uint8_t *out, size_t n);
size_t gdb_mem_write(struct gdb_mem *m, uint64_t addr, const uint8_t *in, size_t n);

#endif
