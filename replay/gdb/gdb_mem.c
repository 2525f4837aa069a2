/* Page-table walk for the debugger's memory accesses: 4-level long-mode
 * paging (1 GiB and 2 MiB pages included), or identity without paging.
 * Every table entry is read from guest RAM with its bounds checked: the
 * guest's page tables are as untrusted as the client's addresses. */
#include "gdb_mem.h"

#include <string.h>

#define PTE_P 0x1ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull
#define CR0_PG 0x80000000ull
#define CR4_LA57 0x1000ull
#define EFER_LMA 0x400ull

static int read_pte(const struct gdb_mem *m, uint64_t pa, uint64_t *pte)
{
	if (pa > m->mem_bytes || m->mem_bytes - pa < 8)
		return -1;
	memcpy(pte, m->ram + pa, 8); /* x86 hosts only: little-endian */
	return 0;
}

int gdb_mem_translate(const struct gdb_mem *m, uint64_t va, uint64_t *pa, uint64_t *room)
{
	uint64_t table = m->sys.cr3 & PTE_ADDR, pte = 0;
	unsigned shift = 39;

	if (m->physical || !(m->sys.cr0 & CR0_PG)) {
		*pa = va;
		*room = 4096 - (va & 4095);
		return 0;
	}
	/* 32-bit paging and 5-level paging are not walked (x86-64 guests of
	 * docs/guest-abi.md run in 4-level long mode). */
	if (!(m->sys.efer & EFER_LMA) || (m->sys.cr4 & CR4_LA57))
		return -1;
	for (int level = 4; level >= 1; level--, shift -= 9) {
		if (read_pte(m, table + ((va >> shift) & 511) * 8, &pte) < 0 || !(pte & PTE_P))
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

/* One contiguous piece: its PA and length (<= n), or 0 if unmapped. */
static size_t piece(const struct gdb_mem *m, uint64_t addr, size_t n, uint64_t *pa)
{
	uint64_t room;

	if (gdb_mem_translate(m, addr, pa, &room) < 0 || *pa >= m->mem_bytes)
		return 0;
	if (room > m->mem_bytes - *pa)
		room = m->mem_bytes - *pa;
	return n < room ? n : (size_t)room;
}

size_t gdb_mem_read(const struct gdb_mem *m, uint64_t addr, uint8_t *out, size_t n)
{
	size_t done = 0;

	while (done < n) {
		uint64_t pa;
		size_t k = piece(m, addr + done, n - done, &pa);
		if (!k)
			break;
		memcpy(out + done, m->ram + pa, k);
		done += k;
	}
	return done;
}

size_t gdb_mem_write(struct gdb_mem *m, uint64_t addr, const uint8_t *in, size_t n)
{
	size_t done = 0;

	while (done < n) {
		uint64_t pa;
		size_t k = piece(m, addr + done, n - done, &pa);
		if (!k)
			break;
		memcpy(m->ram + pa, in + done, k);
		done += k;
	}
	return done;
}
