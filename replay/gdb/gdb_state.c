/* The session's state below every other file of replay/gdb/: registers,
 * positions and their fingerprints, settling pending reads, the watched
 * bytes, the goal of a forward run. Calls nothing else of the stub. */
#include <string.h>
#include <xxhash.h>

#include "gdb_internal.h"

static const hvt_backend_ops *ops(const struct hvt_gdb *s)
{
	return s->rp.m->ops;
}

uint64_t gdb_ram_hash(const struct hvt_gdb *s)
{
	return XXH3_64bits(s->rp.m->ram, s->rp.m->mem_bytes);
}

int gdb_regs_of(struct hvt_gdb *s, unsigned vcpu, hvt_regs *r)
{
	return ops(s)->vcpu_get_regs(s->rp.vcpus[vcpu].bv, r);
}

int gdb_mem_view(struct hvt_gdb *s, unsigned vcpu, struct gdb_mem *m)
{
	memset(m, 0, sizeof(*m));
	m->ram = s->rp.m->ram;
	m->mem_bytes = s->rp.m->mem_bytes;
	m->physical = s->physical;
	m->arch = s->arch;
	return s->arch->sys_read(ops(s), s->rp.vcpus[vcpu].bv, &m->sys);
}

void gdb_pos_here_mid(struct hvt_gdb *s, unsigned vcpu, struct gdb_pos *p)
{
	memset(p, 0, sizeof(*p));
	p->g = s->g;
	p->mid = 1;
	p->vcpu = vcpu;
	(void)gdb_regs_of(s, vcpu, &p->regs);
	p->hashed = 0; /* hashed when a reverse move needs it: stops stay cheap */
}

void gdb_pos_hash(struct hvt_gdb *s, struct gdb_pos *p)
{
	if (p->mid && !p->hashed) {
		p->mem_hash = gdb_ram_hash(s);
		p->hashed = 1;
	}
}

void gdb_pos_boundary(struct hvt_gdb *s, struct gdb_pos *p)
{
	memset(p, 0, sizeof(*p));
	p->g = s->g;
	p->vcpu = s->cur;
}

int gdb_pos_matches(struct hvt_gdb *s, const struct gdb_pos *p, unsigned vcpu, const hvt_regs *r)
{
	if (!p->mid || p->vcpu != vcpu || p->g != s->g ||
	    memcmp(p->regs.r, r->r, sizeof(r->r)) != 0)
		return 0;
	return gdb_ram_hash(s) == p->mem_hash; /* only when all registers match */
}

/* A kicked run with immediate_exit: completes a pending read (KVM does so
 * before it looks at immediate_exit) and runs no guest code. */
void gdb_settle_all(struct hvt_gdb *s)
{
	hvt_exit ex;

	for (unsigned i = 0; i < s->rp.n_vcpus; i++) {
		hvt_backend_vcpu *bv = s->rp.vcpus[i].bv;
		ops(s)->vcpu_kick(bv);
		(void)ops(s)->vcpu_run(bv, &ex);
	}
}

void gdb_watch_snapshot(struct hvt_gdb *s)
{
	for (unsigned i = 0; i < s->n_wp; i++) {
		struct gdb_wp *w = &s->wp[i];
		w->old_valid = w->addr <= s->rp.m->mem_bytes &&
			       w->len <= s->rp.m->mem_bytes - w->addr;
		if (w->old_valid)
			memcpy(w->old, s->rp.m->ram + w->addr, w->len);
	}
}

int gdb_watch_changed(struct hvt_gdb *s)
{
	int first = -1;

	for (unsigned i = 0; i < s->n_wp; i++) {
		struct gdb_wp *w = &s->wp[i];
		if (w->type == WP_READ)
			continue; /* reads change nothing: gdb_access.c */
		if (!w->old_valid || memcmp(w->old, s->rp.m->ram + w->addr, w->len) == 0)
			continue;
		memcpy(w->old, s->rp.m->ram + w->addr, w->len);
		if (first < 0)
			first = (int)i;
	}
	return first;
}

void gdb_goal_start(struct hvt_gdb *s, int kind)
{
	memset(&s->goal, 0, sizeof(s->goal));
	s->goal.kind = kind;
	s->goal.cnt_g = UINT64_MAX;
	s->goal.step_all = s->n_wp > 0 && (kind == GOAL_CONT || kind == GOAL_SCAN);
	memset(s->last_top, 0, s->rp.n_vcpus * sizeof(*s->last_top));
	for (unsigned i = 0; i < s->rp.n_vcpus; i++)
		s->acc[i].wi = -1;
	gdb_watch_snapshot(s);
}
