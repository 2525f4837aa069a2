/* Exit and register-file encoding shared by recording and replay. */
#include "exit_event.h"

#include <string.h>
#include <xxhash.h>

/* Runs at every exit (for the register checksum): on a little-endian host
 * the layout is already the on-disk one, so one memcpy. */
void hvt_regs_le(const uint64_t *regs, unsigned nregs, uint8_t *out)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(out, regs, (size_t)nregs * 8);
#else
	for (unsigned r = 0; r < nregs; r++)
		for (unsigned b = 0; b < 8; b++)
			out[8 * r + b] = (uint8_t)(regs[r] >> (8 * b));
#endif
}

uint32_t hvt_regs_hash(const uint64_t *regs, unsigned nregs)
{
	uint8_t le[HVT_MAX_NREGS * 8];

	if (nregs > HVT_MAX_NREGS)
		nregs = HVT_MAX_NREGS;
	hvt_regs_le(regs, nregs, le);
	return (uint32_t)XXH3_64bits(le, (size_t)nregs * 8);
}

unsigned hvt_exit_nregs(const hvt_exit *ex)
{
	if (ex->nregs == 0 || ex->nregs > HVT_MAX_NREGS)
		return HVT_X86_NREGS;
	return ex->nregs;
}

uint64_t hvt_exit_pc(const hvt_exit *ex)
{
	return ex->regs[hvt_exit_nregs(ex) == HVT_ARM64_NREGS ? HVT_ARM64_PC : HVT_X86_RIP];
}

uint32_t hvt_exit_regs_hash(const hvt_exit *ex)
{
	return hvt_regs_hash(ex->regs, hvt_exit_nregs(ex));
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
	ev->syndrome = ex->syndrome;
	ev->fault_va = ex->fault_va;
	if (ex->err) {
		ev->flags |= HVT_EVF_EXIT_ERRNO;
		ev->value = (uint64_t)ex->err;
	}
	if (ex->regs_valid) {
		ev->pc = hvt_exit_pc(ex);
		ev->regs_hash = hvt_exit_regs_hash(ex);
	} else {
		ev->flags |= HVT_EVF_EXIT_NO_REGS;
	}
}
