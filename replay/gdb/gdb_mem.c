/* Guest memory for the debugger's accesses, in pieces that do not cross a
 * page: each piece translated by the architecture's walk (gdb_arch.h), or
 * taken as physical. Every table entry is read from guest RAM with its
 * bounds checked: the guest's page tables are as untrusted as the client's
 * addresses. */
#include "gdb_mem.h"

#include <string.h>

#include "gdb_arch.h"

int gdb_mem_read_pa_u64(const struct gdb_mem *m, uint64_t pa, uint64_t *v)
{
	uint64_t x = 0;

	if (pa > m->mem_bytes || m->mem_bytes - pa < 8)
		return -1;
	for (unsigned b = 0; b < 8; b++)
		x |= (uint64_t)m->ram[pa + b] << (8 * b);
	*v = x;
	return 0;
}

int gdb_mem_translate(const struct gdb_mem *m, uint64_t va, uint64_t *pa, uint64_t *room)
{
	if (m->physical || !m->arch) {
		*pa = va;
		*room = 4096 - (va & 4095);
		return 0;
	}
	return m->arch->translate(m, va, pa, room);
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
