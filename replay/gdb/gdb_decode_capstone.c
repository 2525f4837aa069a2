/* The Capstone decoder behind gdb_decode.h: one handle per instruction
 * set, each set's rules in its own file (gdb_decode_x86.c,
 * gdb_decode_arm64.c). */
#include <stdlib.h>
#include <string.h>

#include "gdb_decode_cs.h"

gdb_decoder *gdb_decoder_open(int isa)
{
	gdb_decoder *d = calloc(1, sizeof(*d));
	cs_err e;

	if (!d)
		return NULL;
	d->isa = isa;
	if (isa == GDB_ISA_X86_64)
		e = cs_open(CS_ARCH_X86, CS_MODE_64, &d->h);
	else if (isa == GDB_ISA_ARM64)
		e = cs_open(CS_ARCH_ARM64, CS_MODE_LITTLE_ENDIAN, &d->h);
	else
		e = CS_ERR_ARCH;
	if (e != CS_ERR_OK) {
		free(d);
		return NULL;
	}
	(void)cs_option(d->h, CS_OPT_DETAIL, CS_OPT_ON);
	return d;
}

void gdb_decoder_close(gdb_decoder *d)
{
	if (!d)
		return;
	(void)cs_close(&d->h);
	free(d);
}

int gdb_decode(gdb_decoder *d, const uint8_t *code, size_t n, const hvt_regs *r,
	       const struct gdb_sys *sys, struct gdb_insn *out)
{
	memset(out, 0, sizeof(*out));
	if (!d)
		return -1;
	if (d->isa == GDB_ISA_ARM64)
		return gdb_decode_arm64(d->h, code, n, r, out);
	return gdb_decode_x86(d->h, code, n, r, sys, out);
}
