/* What the stub needs to know about one guest architecture, behind one
 * small table: the registers served to the client (target.xml, the 'g',
 * 'p', 'P', 'G' bytes), the system registers a memory view needs, the
 * guest's own address translation, where an interrupt enters the guest, and
 * where a single step would not behave like the recorded run. x86-64
 * (gdb_regs_x86.c, gdb_mem_x86.c) and arm64 (gdb_regs_arm64.c,
 * gdb_mem_arm64.c) fill it; the rest of replay/gdb/ only calls through it. */
#ifndef HVT_GDB_ARCH_H
#define HVT_GDB_ARCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"
#include "gdb_decode.h"
#include "gdb_mem.h"

#define GDB_REG_MAX_BYTES 16u

struct gdb_arch {
	const char *name;            /* "x86-64", "arm64": messages */
	const char *gdb_client;      /* the gdb that knows it: "gdb", "gdb-multiarch" */
	const char *triple;          /* lldb's qHostInfo/qProcessInfo triple */
	unsigned nregs;              /* gdb register numbers 0..nregs-1 */
	unsigned n_gpr;              /* numbers 0..n_gpr-1 are the writable register file */
	unsigned pc;                 /* the PC's index in hvt_regs.r */
	unsigned gdb_pc, gdb_sp;     /* their gdb numbers (expedited in stop replies) */
	/* 1: the client takes a watchpoint stop as "before the access" and
	 * steps over the instruction itself (gdb's aarch64 watchpoints are
	 * non-steppable, as the hardware's are; lldb is told so in qHostInfo),
	 * so a forward stop is reported before the accessing instruction and a
	 * reverse one after it, for every kind of watchpoint; 0 (x86): after
	 * it going forward, before it in reverse. */
	int watch_before_write;
	int isa;                     /* the decoder's instruction set (gdb_decode.h) */
	const char *(*target_xml)(void);
	unsigned (*reg_bytes)(unsigned n);   /* 0 for an unknown n */
	/* Register n's bytes (little-endian) from the file and the sysregs. */
	void (*reg_read)(unsigned n, const hvt_regs *r, const struct gdb_sys *s, uint8_t *out);
	/* Write register n into r; -1 when it is not a writable one. */
	int (*reg_write)(unsigned n, hvt_regs *r, const uint8_t *in, size_t len);
	/* The system registers of one vCPU (owning thread, between runs). */
	int (*sys_read)(const hvt_backend_ops *ops, hvt_backend_vcpu *bv, struct gdb_sys *out);
	/* The guest's own translation (gdb_mem.h's contract). */
	int (*translate)(const struct gdb_mem *m, uint64_t va, uint64_t *pa, uint64_t *room);
	/* Where the interrupt `vec`, offered now, enters the guest at the next
	 * run: 0 and *addr, or -1 (not known, or not taken at once). */
	int (*irq_entry)(const struct gdb_mem *m, const hvt_regs *r, int vec, uint64_t *addr);
	/* A single step at pc would not stop where the recorded run halted
	 * (KVM completes a stepped HLT): 1 and the address to run to instead. */
	int (*halt_bp)(const struct gdb_mem *m, uint64_t pc, uint64_t *bp);
};

extern const struct gdb_arch gdb_arch_x86_64;
extern const struct gdb_arch gdb_arch_arm64;

/* gdb_mem_x86.c, gdb_mem_arm64.c: each architecture's memory parts. */
int gdb_x86_translate(const struct gdb_mem *m, uint64_t va, uint64_t *pa, uint64_t *room);
int gdb_x86_irq_entry(const struct gdb_mem *m, const hvt_regs *r, int vec, uint64_t *addr);
int gdb_x86_halt_bp(const struct gdb_mem *m, uint64_t pc, uint64_t *bp);
int gdb_arm64_translate(const struct gdb_mem *m, uint64_t va, uint64_t *pa, uint64_t *room);
int gdb_arm64_irq_entry(const struct gdb_mem *m, const hvt_regs *r, int vec, uint64_t *addr);

#endif
