/* Read and access watchpoints (rwatch, awatch). Neither reads nor data
 * breakpoints exit on this KVM (nor on the HVF stand-in), so with such a
 * watchpoint set every run is a single step (as for write watchpoints)
 * and, before each step, the instruction at the PC is decoded
 * (gdb_decode.h): if one of its memory accesses overlaps a watched range
 * (compared by guest-physical address, through the stepping vCPU's page
 * tables), the instruction is a hit. x86-64 reports the state after the
 * step, if the step executed the instruction: the next PC is the one
 * after it, a branch's target, or (rep string) the same. arm64 (the
 * arch's watch_before_write) reports the state before it going forward
 * (gdb_exec.c) and the state after it in reverse, as for writes. */
#include <string.h>

#include "gdb_internal.h"

int gdb_access_wanted(const struct hvt_gdb *s)
{
	for (unsigned i = 0; i < s->n_wp; i++)
		if (s->wp[i].type != WP_WRITE)
			return 1;
	return 0;
}

static int wants(const struct gdb_wp *w, const struct gdb_access *a)
{
	return (w->type == WP_READ && a->read) || (w->type == WP_ACCESS && (a->read || a->write));
}

/* The watchpoint one access overlaps, page by page, else -1. */
static int overlapping(const struct hvt_gdb *s, const struct gdb_mem *m,
		       const struct gdb_access *a)
{
	uint64_t va = a->va, left = a->len, pa, room;

	while (left) {
		if (gdb_mem_translate(m, va, &pa, &room) != 0)
			return -1; /* the step faults: nothing is accessed */
		uint64_t n = room < left ? room : left;
		for (unsigned i = 0; i < s->n_wp; i++) {
			const struct gdb_wp *w = &s->wp[i];
			if (wants(w, a) && pa < w->addr + w->len && w->addr < pa + n)
				return (int)i;
		}
		va += n, left -= n;
	}
	return -1;
}

void gdb_access_before_step(struct hvt_gdb *s, unsigned v, const hvt_regs *r)
{
	struct gdb_access_pending *p = &s->acc[v];
	struct gdb_mem m;
	uint8_t code[GDB_INSN_MAX_BYTES];
	struct gdb_insn insn;
	size_t n;

	p->wi = -1;
	if (!gdb_access_wanted(s) || gdb_mem_view(s, v, &m) < 0)
		return;
	m.physical = 0; /* the instruction's addresses are virtual, whatever the client uses */
	n = gdb_mem_read(&m, gdb_pc(s, r), code, sizeof(code));
	if (gdb_decode(s->dec, code, n, r, &m.sys, &insn) != 0)
		return;
	for (unsigned k = 0; k < insn.n_access && p->wi < 0; k++)
		p->wi = overlapping(s, &m, &insn.access[k]);
	p->rip = gdb_pc(s, r);
	p->next_rip = p->rip + insn.len;
	p->branch = insn.branch;
	p->rep = insn.rep;
}

int gdb_access_before(struct hvt_gdb *s, unsigned v, const hvt_regs *r)
{
	struct gdb_access_pending *p = &s->acc[v];
	int wi;

	gdb_access_before_step(s, v, r);
	wi = p->wi;
	p->wi = -1; /* reported here, never again after the step */
	if (wi < 0 || p->reported)
		return -1;
	p->reported = 1;
	return wi;
}

int gdb_access_after_step(struct hvt_gdb *s, unsigned v, uint64_t rip_now)
{
	struct gdb_access_pending *p = &s->acc[v];
	int wi = p->wi;

	p->wi = -1;
	if (wi < 0 || (unsigned)wi >= s->n_wp)
		return -1;
	if (rip_now == p->next_rip || p->branch || (p->rep && rip_now == p->rip))
		return wi;
	return -1; /* it faulted: the handler ran instead (the fault is retried) */
}
