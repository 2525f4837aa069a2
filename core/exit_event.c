/* Exit and register-file encoding shared by recording and replay. */
#include "exit_event.h"

#include <string.h>
#include <xxhash.h>

/* Runs at every exit (for the register checksum): on a little-endian host
 * the layout is already the on-disk one, so one memcpy. */
void hvt_regs_le(const uint64_t regs[HVT_X86_NREGS], uint8_t out[HVT_X86_NREGS * 8])
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(out, regs, HVT_X86_NREGS * 8);
#else
	for (unsigned r = 0; r < HVT_X86_NREGS; r++)
		for (unsigned b = 0; b < 8; b++)
			out[8 * r + b] = (uint8_t)(regs[r] >> (8 * b));
#endif
}

uint32_t hvt_regs_hash(const uint64_t regs[HVT_X86_NREGS])
{
	uint8_t le[HVT_X86_NREGS * 8];

	hvt_regs_le(regs, le);
	return (uint32_t)XXH3_64bits(le, sizeof(le));
}

void hvt_exit_describe(const hvt_exit *ex, hvt_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = HVT_EV_EXIT;
	ev->kind = ex->kind;
	ev->run_ns = ex->run_ns;
	ev->addr = ex->addr;
	ev->size = ex->size;
	ev->count = ex->count;
	ev->raw_reason = ex->raw_reason;
	ev->value = ex->value;
	if (ex->err) {
		ev->flags |= HVT_EVF_EXIT_ERRNO;
		ev->value = (uint64_t)ex->err;
	}
	if (ex->regs_valid) {
		ev->pc = ex->regs[HVT_X86_RIP];
		ev->regs_hash = hvt_regs_hash(ex->regs);
	} else {
		ev->flags |= HVT_EVF_EXIT_NO_REGS;
	}
}
