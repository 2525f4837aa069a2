/* What the Capstone decoders of one instruction set share (private to
 * gdb_decode_capstone.c, gdb_decode_x86.c, gdb_decode_arm64.c): the
 * handle, and the way an access is added to the result. */
#ifndef HVT_GDB_DECODE_CS_H
#define HVT_GDB_DECODE_CS_H

#include <capstone/capstone.h>

#include "gdb_decode.h"

struct gdb_decoder {
	csh h;
	int isa;              /* enum gdb_isa */
};

int gdb_decode_x86(csh h, const uint8_t *code, size_t n, const hvt_regs *r,
		   const struct gdb_sys *sys, struct gdb_insn *out);
int gdb_decode_arm64(csh h, const uint8_t *code, size_t n, const hvt_regs *r,
		     struct gdb_insn *out);

/* One access of len bytes at va; silently capped at GDB_MAX_ACCESS. */
static inline void gdb_insn_add(struct gdb_insn *out, uint64_t va, uint32_t len, int read,
				int write)
{
	if (out->n_access < GDB_MAX_ACCESS && len)
		out->access[out->n_access++] =
			(struct gdb_access){ va, len, (uint8_t)read, (uint8_t)write };
}

#endif
