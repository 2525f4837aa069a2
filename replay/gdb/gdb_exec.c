/* The engine hooks: every run the replay engine asks for goes through
 * hook_run, which runs the vCPU by single steps or with hardware
 * breakpoints as the current goal needs, checks each new state once (the
 * "loop top"), stops for the client there, and hands the engine exactly
 * the exits it asked for (guest exits, its landing breakpoint, its steps).
 *
 * One check per state: `handled` is set when a state has been checked and
 * cleared only when the vCPU executed something (a step, a breakpoint, a
 * guest exit; never a kick). A state that is checked and sits on an armed
 * address is left by one single step with no breakpoint armed, since
 * RFLAGS.RF is not honoured on this KVM. Arrivals at an address are then
 * counted identically whichever other breakpoints are armed. */
#include <inttypes.h>
#include <string.h>

#include "gdb_internal.h"
#include "hvtrace/error.h"

#define MAX_WANT (GDB_MAX_BP + 4u)

struct want {
	uint64_t addr[MAX_WANT];
	unsigned n;
};

static const hvt_backend_ops *ops(const struct hvt_gdb *s)
{
	return s->rp.m->ops;
}

static int uses_user_bps(const struct hvt_gdb *s)
{
	return s->goal.kind == GOAL_CONT ||
	       (s->goal.kind == GOAL_SCAN && s->goal.scan_for == SCAN_BREAKS);
}

static int target_in_gap(const struct hvt_gdb *s, unsigned v)
{
	const struct gdb_pos *t = &s->goal.target;

	return (s->goal.kind == GOAL_TO_POS || s->goal.kind == GOAL_SCAN) && t->mid &&
	       t->vcpu == v && t->g == s->g;
}

static void want_add(struct want *w, uint64_t a)
{
	for (unsigned i = 0; i < w->n; i++)
		if (w->addr[i] == a)
			return;
	if (w->n < MAX_WANT)
		w->addr[w->n++] = a;
}

static void collect(const struct hvt_gdb *s, unsigned v, struct want *w)
{
	const hvt_debug *e = &s->eng_dbg[v];

	w->n = 0;
	if (e->bp_enabled_mask & 1)
		want_add(w, e->bp_gva[0]);
	if (uses_user_bps(s))
		for (unsigned i = 0; i < s->n_bp; i++)
			want_add(w, s->bp[i].addr);
	if (target_in_gap(s, v))
		want_add(w, gdb_pc(s, &s->goal.target.regs));
	if (s->goal.kind == GOAL_TO_ARRIVAL && s->goal.g == s->g)
		want_add(w, s->goal.pc);
}

static int in_want(const struct want *w, uint64_t a)
{
	for (unsigned i = 0; i < w->n; i++)
		if (w->addr[i] == a)
			return 1;
	return 0;
}

static int user_bp_index(const struct hvt_gdb *s, uint64_t a)
{
	for (unsigned i = 0; i < s->n_bp; i++)
		if (s->bp[i].addr == a)
			return (int)i;
	return -1;
}

/* wi: the watchpoint of a STOP_WATCH hit, else -1. */
static void scan_hit(struct hvt_gdb *s, int kind, uint64_t pc, uint64_t n, uint64_t steps,
		     int wi)
{
	struct gdb_goal *g = &s->goal;

	g->prev = g->last;
	g->last = (struct gdb_hit){ .valid = 1, .g = s->g, .pc = pc, .n = n, .steps = steps,
				    .kind = kind };
	if (wi >= 0)
		g->last.watch_addr = s->wp[wi].va, g->last.wtype = s->wp[wi].type;
}

/* The watchpoint the state v just reached triggers, else -1: a watched
 * value changed (write and access watchpoints), or v's last step read or
 * wrote watched bytes (read and access watchpoints). Both are evaluated:
 * each keeps its own record current. */
static int watch_hit(struct hvt_gdb *s, unsigned v, uint64_t rip)
{
	int wi = gdb_watch_changed(s), ai = gdb_access_after_step(s, v, rip);

	return wi >= 0 ? wi : ai;
}

/* The scan reached its limit: back to the driver, which restarts. */
static int scan_done(struct hvt_gdb *s)
{
	s->goal.reached = 1;
	s->request = REQ_SCAN_DONE;
	atomic_store(&s->rp.unwind, 1);
	return 1;
}

static uint64_t count_arrival(struct hvt_gdb *s, int bi)
{
	if (s->goal.cnt_g != s->g) { /* counters are per gap */
		memset(s->goal.bp_count, 0, sizeof(s->goal.bp_count));
		s->goal.cnt_g = s->g;
	}
	return ++s->goal.bp_count[bi];
}

/* Scan checks of one state; 1 when the scan is over. */
static int check_scan(struct hvt_gdb *s, unsigned v, const hvt_regs *r, uint64_t prev_top)
{
	struct gdb_goal *g = &s->goal;
	uint64_t rip = gdb_pc(s, r);
	int wi, bi;

	/* A write that led here happened before here, even when here is the
	 * limit; an arrival here is not before the limit. */
	if (g->scan_for == SCAN_BREAKS && s->n_wp && (wi = watch_hit(s, v, rip)) >= 0)
		scan_hit(s, STOP_WATCH, rip, 0, s->arch->watch_before_write ? g->step_count : prev_top,
			 wi);
	if (target_in_gap(s, v) && rip == gdb_pc(s, &g->target.regs) &&
	    gdb_pos_matches(s, &g->target, v, r))
		return scan_done(s);
	if (g->scan_for == SCAN_STEPS_OF_VCPU) {
		if (v == g->vcpu)
			scan_hit(s, STOP_STEP, rip, 0, g->step_count, -1);
		return 0;
	}
	if ((bi = user_bp_index(s, rip)) >= 0)
		scan_hit(s, STOP_BP, rip, count_arrival(s, bi), g->step_count, -1);
	return 0;
}

static int stop_kind_for_bp(const struct hvt_gdb *s, uint64_t rip)
{
	int bi = user_bp_index(s, rip);

	return bi >= 0 ? STOP_BP : STOP_STEP;
}

/* The goal's own stop (a reverse move's re-execution arriving). */
static int goal_stop(struct hvt_gdb *s, unsigned v)
{
	s->stop_wtype = s->goal.report_wtype;
	return gdb_stop(s, s->goal.report, v, s->goal.report_addr);
}

/* Forward checks of one state: a stop for the client, or nothing. */
static int check_forward(struct hvt_gdb *s, unsigned v, const hvt_regs *r)
{
	struct gdb_goal *g = &s->goal;
	uint64_t rip = gdb_pc(s, r);
	int wi;

	switch (g->kind) {
	case GOAL_CONT:
		if (s->n_wp && (wi = watch_hit(s, v, rip)) >= 0) {
			s->stop_wtype = s->wp[wi].type;
			return s->arch->watch_before_write ? gdb_watch_back(s, v, s->wp[wi].va) :
			       gdb_stop(s, STOP_WATCH, v, s->wp[wi].va);
		}
		if (user_bp_index(s, rip) >= 0)
			return gdb_stop(s, STOP_BP, v, rip);
		return 0;
	case GOAL_STEP:
		return v == g->vcpu && g->arrivals ? gdb_stop(s, STOP_STEP, v, 0) : 0;
	case GOAL_TO_POS:
		if (target_in_gap(s, v) && rip == gdb_pc(s, &g->target.regs) &&
		    gdb_pos_matches(s, &g->target, v, r))
			return goal_stop(s, v);
		return 0;
	case GOAL_TO_ARRIVAL:
		if (g->g == s->g && rip == g->pc && ++g->arrivals == g->n) {
			if (g->report == STOP_BP)
				g->report = stop_kind_for_bp(s, rip);
			return goal_stop(s, v);
		}
		return 0;
	case GOAL_TO_STEPS:
		return g->step_count == g->steps ? goal_stop(s, v) : 0;
	default:
		return 0;
	}
}

/* The checks of a new state of v (the loop top). 1: unwind. */
static int check_state(struct hvt_gdb *s, unsigned v, int *to_engine)
{
	const hvt_debug *e = &s->eng_dbg[v];
	uint64_t prev_top = s->last_top[v];
	hvt_regs r;

	if (gdb_regs_of(s, v, &r) < 0)
		return 0;
	if (s->goal.step_all || s->goal.kind == GOAL_TO_STEPS) {
		s->goal.step_count++; /* states are numbered in step mode */
		s->last_top[v] = s->goal.step_count;
	}
	*to_engine = (e->bp_enabled_mask & 1) && e->bp_gva[0] == gdb_pc(s, &r);
	if (s->goal.kind == GOAL_SCAN)
		return check_scan(s, v, &r, prev_top);
	return check_forward(s, v, &r);
}

static int set_dbg(struct hvt_gdb *s, unsigned v, const struct want *w, int step)
{
	hvt_debug d;

	memset(&d, 0, sizeof(d));
	d.single_step = (uint8_t)step;
	for (unsigned i = 0; !step && i < w->n && i < HVT_MAX_HW_BREAKPOINTS; i++) {
		d.bp_gva[i] = w->addr[i];
		d.bp_enabled_mask |= (uint8_t)(1u << i);
	}
	return ops(s)->vcpu_set_debug(s->rp.vcpus[v].bv, &d);
}

static int must_step(const struct hvt_gdb *s, unsigned v, const struct want *w, uint64_t rip)
{
	return s->eng_dbg[v].single_step || s->goal.step_all ||
	       (s->goal.kind == GOAL_STEP && s->goal.vcpu == v) ||
	       s->goal.kind == GOAL_TO_STEPS || w->n > HVT_MAX_HW_BREAKPOINTS ||
	       in_want(w, rip);
}

/* A guest-virtual view of v's memory whatever `monitor phys` says. */
static int guest_view(struct hvt_gdb *s, unsigned v, struct gdb_mem *m)
{
	int rc = gdb_mem_view(s, v, m);

	m->physical = 0;
	return rc;
}

/* 1 and *bp when a step at pc would not halt as recorded (gdb_arch.h). */
static int at_halt(struct hvt_gdb *s, unsigned v, uint64_t pc, uint64_t *bp)
{
	struct gdb_mem m;

	return guest_view(s, v, &m) == 0 && s->arch->halt_bp(&m, pc, bp) == 1;
}

/* One backend run with the watchdog armed. */
static int run_once(struct hvt_gdb *s, struct hvt_rvcpu *v, hvt_exit *ex)
{
	int rc;

	atomic_store(&s->run_vcpu, v->index);
	hvt_watchdog_arm(v);
	rc = ops(s)->vcpu_run(v->bv, ex);
	hvt_watchdog_disarm(v);
	s->ck.exec_ns_since += ex->run_ns;
	return rc;
}

static void debug_exit_now(struct hvt_gdb *s, unsigned v, hvt_exit *ex)
{
	hvt_regs r;

	memset(ex, 0, sizeof(*ex));
	ex->kind = HVT_EXIT_DEBUG;
	if (gdb_regs_of(s, v, &r) == 0) {
		memcpy(ex->regs, r.r, sizeof(ex->regs));
		ex->nregs = r.nregs;
		ex->regs_valid = 1;
	}
}

/* After a run: 1 = hand ex to the engine, 0 = loop on. */
static int after_run(struct hvt_gdb *s, unsigned v, const hvt_exit *ex, int stepped_run,
		     int *eng_stepped)
{
	if (ex->kind == HVT_EXIT_KICK && !ex->err)
		return atomic_load(&s->rp.vcpus[v].timed_out) ? 1 : 0; /* ours: loop on */
	s->handled[v] = 0;
	if (ex->kind != HVT_EXIT_DEBUG) {
		if (ex->kind == HVT_EXIT_HALT && s->goal.kind == GOAL_STEP && s->goal.vcpu == v)
			s->goal.arrivals = 1; /* the HLT was the step */
		return 1; /* the guest's own exit */
	}
	if (stepped_run) {
		*eng_stepped = 1;
		if (s->goal.kind == GOAL_STEP && s->goal.vcpu == v)
			s->goal.arrivals = 1;
	}
	return 0;
}

/* Where the injected interrupt vec enters the guest (x86: its IDT gate;
 * arm64: VBAR_EL1's IRQ entry, when PSTATE.I lets it in now). */
static int handler_of(struct hvt_gdb *s, unsigned v, int vec, uint64_t *addr)
{
	struct gdb_mem m;
	hvt_regs r;

	if (guest_view(s, v, &m) < 0 || gdb_regs_of(s, v, &r) < 0)
		return -1;
	return s->arch->irq_entry(&m, &r, vec, addr);
}

/* An injected interrupt is delivered at the next entry. Never by a single
 * step: KVM steps by setting TF, the delivery pushes it into the frame and
 * clears it, and the whole handler would run as one "step". Instead one run
 * with a breakpoint at the handler: it stops on the handler's first
 * instruction, a state like any other. */
static int deliver(struct hvt_gdb *s, struct hvt_rvcpu *rv, hvt_exit *ex, int *done)
{
	unsigned v = rv->index;
	struct want w = { .n = 1 };
	int vec = s->pending_vec[v];

	*done = 0;
	s->pending_vec[v] = -1;
	if (handler_of(s, v, vec, &w.addr[0]) < 0)
		return 0; /* no readable gate: the guest takes the fault as recorded */
	if (set_dbg(s, v, &w, 0) < 0 || run_once(s, rv, ex) < 0)
		return HVT_E_BACKEND;
	if (ex->kind == HVT_EXIT_KICK && !ex->err && !atomic_load(&rv->timed_out)) {
		s->pending_vec[v] = vec; /* not entered yet: try again */
		return 0;
	}
	s->handled[v] = 0;
	*done = ex->kind != HVT_EXIT_DEBUG; /* a guest exit first: the engine's */
	return 0;
}

/* Before single-stepping v with user watchpoints in play: a read or
 * access watchpoint its instruction touches. x86 (and arm64 scans) note it
 * for the state after the step (watch_hit); arm64 going forward stops
 * here, before the instruction, as its clients expect (gdb_arch.h).
 * 0 step on, 1 unwind, 2 stopped and resumed (decide the run again). */
static int access_check(struct hvt_gdb *s, unsigned v, const hvt_regs *r)
{
	int wi;

	if (!s->arch->watch_before_write || s->goal.kind != GOAL_CONT) {
		gdb_access_before_step(s, v, r);
		return 0;
	}
	if ((wi = gdb_access_before(s, v, r)) < 0)
		return 0;
	s->stop_wtype = s->wp[wi].type;
	return gdb_stop(s, STOP_WATCH, v, s->wp[wi].va) ? 1 : 2;
}

static int hook_run(void *ctx, struct hvt_rvcpu *rv, hvt_exit *ex)
{
	struct hvt_gdb *s = ctx;
	unsigned v = rv->index;
	int eng_step = s->eng_dbg[v].single_step, eng_stepped = 0, to_engine = 0;
	struct want w;
	hvt_regs r;

	for (;;) {
		if (atomic_load(&s->quit) || atomic_load(&s->rp.unwind))
			return 1;
		if (atomic_exchange(&s->interrupt, 0) && gdb_stop(s, STOP_INT, v, 0))
			return 1;
		if (!s->handled[v]) {
			s->handled[v] = 1;
			s->acc[v].reported = 0;
			if (check_state(s, v, &to_engine))
				return 1;
			if (to_engine || (eng_step && eng_stepped)) {
				debug_exit_now(s, v, ex);
				return 0;
			}
		}
		if (s->pending_vec[v] >= 0) {
			int done, rc = deliver(s, rv, ex, &done);
			if (rc < 0 || done)
				return rc;
			continue;
		}
		if (gdb_regs_of(s, v, &r) < 0)
			return HVT_E_BACKEND;
		collect(s, v, &w);
		int step = must_step(s, v, &w, gdb_pc(s, &r));
		uint64_t after;
		if (step && at_halt(s, v, gdb_pc(s, &r), &after)) {
			/* KVM completes a single-stepped HLT without halting (no HLT
			 * exit, so no recorded wake-up): run it with a breakpoint
			 * after it instead; the HLT exit is the guest's, as recorded. */
			w.n = 1, w.addr[0] = after, step = 0;
		}
		if (step && uses_user_bps(s)) {
			int rc = access_check(s, v, &r);
			if (rc == 1)
				return 1;
			if (rc == 2)
				continue; /* the client resumed: its goal decides the run */
		} else {
			s->acc[v].wi = -1;
		}
		if (set_dbg(s, v, &w, step) < 0 || run_once(s, rv, ex) < 0)
			return HVT_E_BACKEND;
		if (after_run(s, v, ex, step, &eng_stepped))
			return 0;
	}
}

static int hook_set_debug(void *ctx, struct hvt_rvcpu *v, const hvt_debug *dbg)
{
	struct hvt_gdb *s = ctx;

	s->eng_dbg[v->index] = *dbg;
	return 0;
}

const struct hvt_rp_hooks gdb_hooks = { .run = hook_run, .set_debug = hook_set_debug };

static int stop_at(struct hvt_gdb *s, int kind, unsigned vcpu, uint64_t addr, int mid)
{
	int rc;

	atomic_store(&s->running, 0);
	gdb_settle_all(s);
	s->cur = vcpu;
	s->sel_g = s->sel_c = vcpu;
	s->stop_kind = kind;
	s->stop_addr = addr;
	if (mid)
		gdb_pos_here_mid(s, vcpu, &s->here);
	else
		gdb_pos_boundary(s, &s->here);
	gdb_format_stop(s);
	rc = gdb_serve(s);
	if (rc == 0) {
		atomic_store(&s->interrupt, 0);
		atomic_store(&s->running, 1);
	} else {
		atomic_store(&s->rp.unwind, 1);
	}
	return rc;
}

int gdb_stop(struct hvt_gdb *s, int kind, unsigned vcpu, uint64_t addr)
{
	return stop_at(s, kind, vcpu, addr, 1);
}

int gdb_stop_boundary(struct hvt_gdb *s, int kind, unsigned vcpu)
{
	return stop_at(s, kind, vcpu, 0, 0);
}
