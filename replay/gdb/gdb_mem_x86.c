/* x86-64 memory parts of the stub: the 4-level long-mode page walk (1 GiB
 * and 2 MiB pages included, identity without paging), where an interrupt
 * enters (the guest's IDT), and HLT, which KVM completes without halting
 * when it is single-stepped. */
#include "gdb_arch.h"

#define PTE_P 0x1ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull
#define CR0_PG 0x80000000ull
#define CR4_LA57 0x1000ull
#define EFER_LMA 0x400ull

int gdb_x86_translate(const struct gdb_mem *m, uint64_t va, uint64_t *pa, uint64_t *room)
{
	const hvt_x86_sysregs *sys = &m->sys.x86;
	uint64_t table = sys->cr3 & PTE_ADDR, pte = 0;
	unsigned shift = 39;

	if (!(sys->cr0 & CR0_PG)) {
		*pa = va;
		*room = 4096 - (va & 4095);
		return 0;
	}
	/* 32-bit paging and 5-level paging are not walked (x86-64 guests of
	 * docs/guest-abi.md run in 4-level long mode). */
	if (!(sys->efer & EFER_LMA) || (sys->cr4 & CR4_LA57))
		return -1;
	for (int level = 4; level >= 1; level--, shift -= 9) {
		if (gdb_mem_read_pa_u64(m, table + ((va >> shift) & 511) * 8, &pte) < 0 ||
		    !(pte & PTE_P))
			return -1;
		if (level == 1 || ((level == 2 || level == 3) && (pte & PTE_PS)))
			break;
		table = pte & PTE_ADDR;
	}
	uint64_t page = 1ull << shift;
	*pa = (pte & PTE_ADDR & ~(page - 1)) | (va & (page - 1));
	*room = page - (va & (page - 1));
	return 0;
}

/* The handler of vector vec, from the guest's IDT (a 64-bit gate). */
int gdb_x86_irq_entry(const struct gdb_mem *m, const hvt_regs *r, int vec, uint64_t *addr)
{
	uint8_t gate[16];

	(void)r;
	if (vec < 0 || (uint64_t)vec * 16 + 15 > m->sys.x86.idt_limit ||
	    gdb_mem_read(m, m->sys.x86.idt_base + (uint64_t)vec * 16, gate, 16) != 16)
		return -1;
	*addr = (uint64_t)gate[0] | (uint64_t)gate[1] << 8 | (uint64_t)gate[6] << 16 |
		(uint64_t)gate[7] << 24 | (uint64_t)gate[8] << 32 | (uint64_t)gate[9] << 40 |
		(uint64_t)gate[10] << 48 | (uint64_t)gate[11] << 56;
	return 0;
}

/* KVM completes a single-stepped HLT without halting (no HLT exit, so no
 * recorded wake-up): run it with a breakpoint after it instead. */
int gdb_x86_halt_bp(const struct gdb_mem *m, uint64_t pc, uint64_t *bp)
{
	uint8_t op;

	if (gdb_mem_read(m, pc, &op, 1) != 1 || op != 0xf4)
		return 0;
	*bp = pc + 1;
	return 1;
}
