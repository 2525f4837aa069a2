/* Built when libcapstone-dev was not found: no instruction decoder, so
 * read and access watchpoints are refused (the Z3/Z4 reply says why). */
#include "gdb_decode.h"

gdb_decoder *gdb_decoder_open(int isa)
{
	(void)isa;
	return NULL;
}

void gdb_decoder_close(gdb_decoder *d)
{
	(void)d;
}

int gdb_decode(gdb_decoder *d, const uint8_t *code, size_t n, const hvt_regs *r,
	       const struct gdb_sys *sys, struct gdb_insn *out)
{
	(void)d, (void)code, (void)n, (void)r, (void)sys, (void)out;
	return -1;
}
