/* Requests that move the replay somewhere other than forward: reverse
 * continue, reverse step, goto an event, restart. All work the same way
 * (rr's): restore a checkpoint, re-execute forward deterministically.
 *
 * Reverse continue / step scan forward from the newest checkpoint before
 * the current position P up to P, remembering the last point that would
 * have stopped a forward run (a breakpoint arrival, a watched value
 * changing, a state of the stepped vCPU). If there is one, a second run
 * from the same checkpoint goes to exactly that point; if not, the scan
 * moves one checkpoint further back, with the old start as its limit.
 * Watchpoints and reverse steps need every instruction: they scan in
 * single-step mode; breakpoints alone scan with hardware breakpoints. */
#include <string.h>

#include "gdb_internal.h"
#include "hvtrace/error.h"

static int restore(struct hvt_gdb *s, size_t k)
{
	int rc = gdb_ckpt_restore(s, k);

	if (rc < 0)
		fprintf(s->log, "hvtrace: cannot restore checkpoint %zu (%d)\n", k, rc);
	return rc;
}

/* The newest checkpoint strictly before position p, or -1. */
static long ckpt_before(const struct hvt_gdb *s, const struct gdb_pos *p)
{
	long best = -1;

	for (size_t i = 0; i < s->ck.n; i++)
		if (s->ck.c[i].g < p->g || (p->mid && s->ck.c[i].g == p->g))
			best = (long)i;
	return best;
}

static int start_scan(struct hvt_gdb *s, size_t k, const struct gdb_pos *limit, int scan_for,
		      unsigned vcpu)
{
	int rc = restore(s, k);

	if (rc < 0)
		return rc;
	gdb_goal_start(s, GOAL_SCAN);
	s->goal.target = *limit;
	s->goal.scan_for = scan_for;
	s->goal.vcpu = vcpu;
	if (scan_for == SCAN_STEPS_OF_VCPU)
		s->goal.step_all = 1;
	s->req_ckpt = k;
	return 0;
}

/* Go to boundary g and stop there with `report`. */
static int go_boundary(struct hvt_gdb *s, uint64_t g, int report)
{
	int rc = restore(s, gdb_ckpt_at_or_before(s, g));

	if (rc < 0)
		return rc;
	gdb_goal_start(s, GOAL_TO_POS);
	s->goal.target.g = g;
	s->goal.report = report;
	return 0;
}

static int begin_reverse(struct hvt_gdb *s, int scan_for)
{
	long k;

	gdb_pos_hash(s, &s->here); /* still standing there: the state is intact */
	k = ckpt_before(s, &s->here);
	s->req_from = s->here;
	s->reverse_t0_ns = hvt_monotonic_ns();
	if (k < 0)
		return go_boundary(s, 0, STOP_BEGIN);
	return start_scan(s, (size_t)k, &s->here, scan_for, s->sel_c);
}

/* The scan found its last hit: re-execute from the same checkpoint to it. */
static int go_hit(struct hvt_gdb *s, const struct gdb_hit *h, int step_mode)
{
	size_t k = s->req_ckpt;
	int rc = restore(s, k);

	if (rc < 0)
		return rc;
	int kind = s->req_report ? s->req_report : h->kind;
	uint64_t addr = s->req_report ? s->req_report_addr : h->watch_addr;

	if (step_mode && h->steps == 0) /* the state before the first one: the start */
		return go_boundary(s, s->ck.c[k].g, kind);
	gdb_goal_start(s, step_mode ? GOAL_TO_STEPS : GOAL_TO_ARRIVAL);
	s->goal.step_all = step_mode;
	s->goal.steps = h->steps;
	s->goal.g = h->g, s->goal.pc = h->pc, s->goal.n = h->n;
	s->goal.report = kind;
	s->goal.report_addr = addr;
	s->goal.report_wtype = s->req_report ? s->req_report_wtype : h->wtype;
	return 0;
}

static int scan_done(struct hvt_gdb *s)
{
	struct gdb_goal done = s->goal;
	struct gdb_pos limit;

	if (done.last.valid)
		return go_hit(s, &done.last, done.step_all);
	if (s->req_ckpt == 0)
		return go_boundary(s, 0, STOP_BEGIN);
	memset(&limit, 0, sizeof(limit));
	limit.g = s->ck.c[s->req_ckpt].g; /* the previous scan's start */
	return start_scan(s, s->req_ckpt - 1, &limit, done.scan_for, done.vcpu);
}

static int restart(struct hvt_gdb *s)
{
	unsigned k = (unsigned)s->req_event;

	if (k >= s->n_user_ckpt)
		return go_boundary(s, 0, STOP_SILENT);
	const struct gdb_pos *p = &s->user_ckpt[k];
	if (!p->mid)
		return go_boundary(s, p->g, STOP_SILENT);
	int rc = restore(s, gdb_ckpt_at_or_before(s, p->g));
	if (rc < 0)
		return rc;
	gdb_goal_start(s, GOAL_TO_POS);
	s->goal.target = *p;
	s->goal.report = STOP_SILENT;
	return 0;
}

/* One step back is a reverse step of v from here (a re-execution from the
 * checkpoint before), whose stop is reported as the watchpoint's. */
int gdb_watch_back(struct hvt_gdb *s, unsigned v, uint64_t addr)
{
	gdb_settle_all(s);
	s->cur = s->sel_g = s->sel_c = v;
	gdb_pos_here_mid(s, v, &s->here);
	gdb_pos_hash(s, &s->here);
	s->req_report_addr = addr;
	s->req_report_wtype = s->stop_wtype; /* set by the caller */
	s->request = REQ_WATCH_BACK;
	atomic_store(&s->rp.unwind, 1);
	return 1;
}

int gdb_request_run(struct hvt_gdb *s)
{
	int req = s->request;


	s->request = REQ_NONE;
	switch (req) {
	case REQ_QUIT:
		atomic_store(&s->quit, 1);
		return 0;
	case REQ_RCONT:
		s->req_report = 0;
		return begin_reverse(s, SCAN_BREAKS);
	case REQ_RSTEP:
		s->req_report = 0;
		return begin_reverse(s, SCAN_STEPS_OF_VCPU);
	case REQ_WATCH_BACK:
		s->req_report = STOP_WATCH;
		return begin_reverse(s, SCAN_STEPS_OF_VCPU);
	case REQ_SCAN_DONE:
		return scan_done(s);
	case REQ_GOTO_EVENT:
		return go_boundary(s, s->req_event, STOP_SILENT);
	case REQ_RESTART:
		return restart(s);
	default:
		return 0; /* an unwind without a request: a resume after a client stop */
	}
}
