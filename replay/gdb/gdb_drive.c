/* The forward driver: vCPUs replayed one event at a time, always the
 * event with the earliest recorded time next (ties: lower vCPU), so that a
 * position is one number of events plus a point in one vCPU's gap, and
 * re-execution from a checkpoint repeats the same order. Stops at
 * boundaries (the start, a target event, the end, a divergence) happen
 * here; stops inside gaps happen in the hook (gdb_exec.c). */
#include <string.h>

#include "gdb_internal.h"
#include "hvtrace/error.h"

/* The vCPU whose next event comes first, or -1 when every stream is done. */
static int pick(const struct hvt_gdb *s)
{
	int best = -1;

	for (unsigned i = 0; i < s->rp.n_vcpus; i++) {
		if (s->finished[i] || !s->next_ev[i])
			continue;
		if (best < 0 || s->next_ev[i]->time_ns < s->next_ev[best]->time_ns)
			best = (int)i;
	}
	return best;
}

/* Goals that end at a boundary: 1 when this boundary ends the goal
 * (a stop happened or a request is pending). */
static int boundary_goal(struct hvt_gdb *s, int at_end)
{
	struct gdb_goal *g = &s->goal;

	if ((g->kind == GOAL_TO_POS || g->kind == GOAL_SCAN) && !g->target.mid &&
	    (g->target.g == s->g || (at_end && g->target.g > s->g))) {
		if (g->kind == GOAL_SCAN) {
			g->reached = 1;
			s->request = REQ_SCAN_DONE;
			atomic_store(&s->rp.unwind, 1);
			return 1;
		}
		(void)gdb_stop_boundary(s, g->report, s->cur);
		return 1;
	}
	if (at_end && g->kind == GOAL_SCAN) { /* a mid target past the end: done */
		g->reached = 1;
		s->request = REQ_SCAN_DONE;
		atomic_store(&s->rp.unwind, 1);
		return 1;
	}
	return 0;
}

static int apply_next(struct hvt_gdb *s, unsigned v)
{
	struct hvt_rvcpu *rv = &s->rp.vcpus[v];
	int rc;

	gdb_ckpt_maybe(s);
	/* Output is the recording's, once: muted while re-executing. */
	s->rp.console.fd = s->g < s->g_max ? -1 : s->console_fd;
	s->cur = v;
	rc = hvt_rvcpu_apply(rv, s->next_ev[v]);
	if (atomic_load(&s->rp.unwind) || s->rp.outcome != HVT_REPLAY_OK)
		return 0; /* the event did not complete: a restore follows */
	if (s->next_ev[v]->type == HVT_EV_INTERRUPT && s->next_ev[v]->kind != HVT_IRQ_CLEARED)
		s->pending_vec[v] = (int)(s->next_ev[v]->addr & 0xff);
	s->g++;
	if (s->g > s->g_max)
		s->g_max = s->g;
	if (rc == HVT_RP_DONE) {
		s->finished[v] = 1;
		s->next_ev[v] = NULL;
	} else {
		gdb_lookahead(s, v);
	}
	return 0;
}

int gdb_drive(struct hvt_gdb *s)
{
	for (;;) {
		if (atomic_load(&s->quit))
			return 0;
		if (atomic_exchange(&s->rp.unwind, 0)) {
			if (gdb_request_run(s) < 0)
				return HVT_E_BACKEND;
			continue;
		}
		if (s->rp.outcome != HVT_REPLAY_OK) {
			hvt_console_out_flush(&s->rp.console);
			(void)gdb_stop_boundary(s, STOP_DIVERGED, s->cur);
			continue;
		}
		int v = pick(s);
		if (boundary_goal(s, v < 0))
			continue;
		if (v < 0) {
			hvt_console_out_flush(&s->rp.console);
			(void)gdb_stop_boundary(s, STOP_END, s->cur);
			continue;
		}
		apply_next(s, (unsigned)v);
	}
}
