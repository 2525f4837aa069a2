/* arm64 memory parts of the stub: the EL1&0 stage-1 translation walk of
 * the guest's own tables, and where an IRQ enters the guest.
 *
 * The walk follows the architecture (ARM DDI 0487, D8): SCTLR_EL1.M = 0
 * means VA = PA; else bit 55 of the VA picks TTBR0_EL1 or TTBR1_EL1, whose
 * region is 2^(64 - TnSZ) bytes (the bits above must all equal bit 55),
 * EPDn disables it; the granule (TG0/TG1: 4, 16 or 64 KiB) sets the stride
 * and the level the walk starts at; a block descriptor ends it early (4 KiB:
 * 1 GiB at level 1, 2 MiB at level 2). Top-byte-ignore, 52-bit addresses
 * and the hierarchical permission bits are not looked at: the debugger
 * sees what the tables map, not what the guest may do there. */
#include "gdb_arch.h"

#define SCTLR_M 1ull
#define TCR_EPD0 (1ull << 7)
#define TCR_EPD1 (1ull << 23)
#define DESC_VALID 1ull
#define DESC_TABLE 2ull             /* at level < 3: table (else block); level 3: page */
#define OA_MASK 0x0000fffffffff000ull /* output address bits 47:12 */
#define CPSR_I (1ull << 7)
#define CPSR_SPSEL 1ull

struct regime {
	uint64_t table;      /* base of the first table (PA) */
	unsigned va_bits;    /* 64 - TnSZ */
	unsigned gran_bits;  /* 12, 14, 16 */
};

/* TG0 and TG1 encode the same granules differently. */
static unsigned granule_bits(uint64_t tcr, int upper)
{
	unsigned tg = upper ? (unsigned)(tcr >> 30) & 3 : (unsigned)(tcr >> 14) & 3;

	if (upper)
		return tg == 1 ? 14 : tg == 3 ? 16 : 12;
	return tg == 2 ? 14 : tg == 1 ? 16 : 12;
}

static int pick_regime(const hvt_arm64_sysregs *s, uint64_t va, struct regime *rg)
{
	int upper = (va >> 55) & 1;
	unsigned tsz = upper ? (unsigned)(s->tcr_el1 >> 16) & 63 : (unsigned)s->tcr_el1 & 63;

	if (s->tcr_el1 & (upper ? TCR_EPD1 : TCR_EPD0))
		return -1;
	if (tsz < 16)
		tsz = 16; /* 48-bit VAs at most here */
	rg->va_bits = 64 - tsz;
	/* The bits above the region all equal bit 55. */
	uint64_t top = va >> rg->va_bits, want = upper ? (~0ull >> rg->va_bits) : 0;
	if (top != want)
		return -1;
	rg->gran_bits = granule_bits(s->tcr_el1, upper);
	rg->table = (upper ? s->ttbr1_el1 : s->ttbr0_el1) & 0x0000fffffffffffeull;
	return 0;
}

int gdb_arm64_translate(const struct gdb_mem *m, uint64_t va, uint64_t *pa, uint64_t *room)
{
	const hvt_arm64_sysregs *s = &m->sys.a64;
	struct regime rg;
	uint64_t desc = 0;

	if (!(s->sctlr_el1 & SCTLR_M)) {
		*pa = va;
		*room = 4096 - (va & 4095);
		return 0;
	}
	if (pick_regime(s, va, &rg) < 0)
		return -1;
	unsigned stride = rg.gran_bits - 3;
	/* Levels resolve stride bits each above the page offset. */
	int level = 4 - (int)((rg.va_bits - rg.gran_bits + stride - 1) / stride);
	uint64_t table = rg.table & ~((1ull << 3) - 1);
	for (;; level++) {
		unsigned shift = rg.gran_bits + (unsigned)(3 - level) * stride;
		unsigned bits = shift + stride > rg.va_bits ? rg.va_bits - shift : stride;
		uint64_t idx = (va >> shift) & ((1ull << bits) - 1);
		if (level < 0 || level > 3 || gdb_mem_read_pa_u64(m, table + idx * 8, &desc) < 0 ||
		    !(desc & DESC_VALID))
			return -1;
		if (level == 3 && !(desc & DESC_TABLE))
			return -1; /* reserved encoding at level 3 */
		if (level == 3 || !(desc & DESC_TABLE)) {
			uint64_t page = 1ull << shift;
			*pa = (desc & OA_MASK & ~(page - 1)) | (va & (page - 1));
			*room = page - (va & (page - 1));
			return 0;
		}
		table = desc & OA_MASK & ~((1ull << rg.gran_bits) - 1);
	}
}

/* An IRQ is taken at the next run only when PSTATE.I is clear; it enters
 * through VBAR_EL1 at the offset for where the guest runs: current EL with
 * SP_EL0 +0x080, with SP_ELx +0x280, from EL0 (AArch64) +0x480. */
int gdb_arm64_irq_entry(const struct gdb_mem *m, const hvt_regs *r, int vec, uint64_t *addr)
{
	uint64_t cpsr = r->r[HVT_ARM64_CPSR];
	unsigned el = (unsigned)(cpsr >> 2) & 3;

	(void)vec;
	if (cpsr & CPSR_I || el > 1)
		return -1;
	*addr = m->sys.a64.vbar_el1 + (el == 0 ? 0x480 : (cpsr & CPSR_SPSEL) ? 0x280 : 0x080);
	return 0;
}
