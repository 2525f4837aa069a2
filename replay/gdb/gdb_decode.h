/* The memory accesses of one instruction (x86-64 or arm64), for read and
 * access watchpoints: reads never exit on this KVM (not even from a
 * read-only memory slot) and its debug registers' data breakpoints never
 * fire, and the HVF stand-in has no data watchpoints either, so the stub
 * single-steps and decodes each instruction before it runs.
 *
 * Decoding is by Capstone when the build found it (libcapstone-dev);
 * otherwise gdb_decoder_open fails and read/access watchpoints are refused.
 * What counts as an access is listed in docs/debugging.md. */
#ifndef HVT_GDB_DECODE_H
#define HVT_GDB_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"
#include "gdb_mem.h"

#define GDB_INSN_MAX_BYTES 15u /* x86-64; arm64 instructions are 4 */
#define GDB_MAX_ACCESS 4u

struct gdb_access {
	uint64_t va;          /* guest-virtual address of the first byte */
	uint32_t len;         /* bytes */
	uint8_t read, write;
};

struct gdb_insn {
	uint32_t len;         /* instruction bytes */
	int branch;           /* may transfer control (jmp, call, ret, int, iret...) */
	int rep;              /* rep-prefixed: each step is one iteration */
	unsigned n_access;
	struct gdb_access access[GDB_MAX_ACCESS];
};

typedef struct gdb_decoder gdb_decoder;

/* The instruction sets a decoder knows (gdb_arch.h's isa). */
enum gdb_isa { GDB_ISA_X86_64, GDB_ISA_ARM64 };

/* A decoder for isa; NULL when no decoder was built in (or out of memory). */
gdb_decoder *gdb_decoder_open(int isa);
void gdb_decoder_close(gdb_decoder *d); /* accepts NULL */
/* Decodes the instruction in code[0..n) at the PC of r (x86: 64-bit mode)
 * with the vCPU's registers r and system registers sys (x86: the FS/GS
 * bases). 0, or -1 if the bytes are not an instruction the decoder knows. */
int gdb_decode(gdb_decoder *d, const uint8_t *code, size_t n, const hvt_regs *r,
	       const struct gdb_sys *sys, struct gdb_insn *out);

#endif
