/* The watchdog. A guest that left the recorded path can spin forever
 * without an exit, and a run call would never return. The recording bounds
 * how long the guest may run before its next event: each run gets
 * 2 s + 10 x the recorded time from the last point where live and recorded
 * guest were in step (a synchronous exit or an interrupt) to this event; every exit
 * (breakpoint hits and single steps included) starts a new budget. When
 * one expires, the main thread kicks the vCPU and it reports a divergence. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "replay_internal.h"

#define WATCHDOG_BASE_NS 2000000000ull   /* host noise: scheduling, page faults */
#define WATCHDOG_GAP_FACTOR 10u
#define WATCHDOG_MAX_GAP_NS 3600000000000ull /* bounds a hostile gap: 1 hour */
#define WATCHDOG_PERIOD_NS 50000000L     /* 50 ms */

void hvt_watchdog_budget(struct hvt_rvcpu *v, const hvt_event *rec)
{
	uint64_t gap = rec->time_ns > v->prev_time_ns ? rec->time_ns - v->prev_time_ns : 0;

	if (gap > WATCHDOG_MAX_GAP_NS)
		gap = WATCHDOG_MAX_GAP_NS;
	v->budget_ns = WATCHDOG_BASE_NS + WATCHDOG_GAP_FACTOR * gap;
}

int hvt_watchdog_diverge(struct hvt_rvcpu *v)
{
	char why[560], note[320];
	uint64_t gap = v->cur_rec->time_ns > v->prev_time_ns ?
		       v->cur_rec->time_ns - v->prev_time_ns : 0;

	hvt_landing_note(v, note, sizeof(note));
	snprintf(why, sizeof(why), "the guest ran %.1f s without an exit; the recording reached "
		 "this event %.3f ms after the last point replay had reached: the guest is not "
		 "on the recorded path%s",
		 (double)v->budget_ns / 1e9, (double)gap / 1e6, note);
	return hvt_diverge(v, v->cur_rec, why, NULL, NULL);
}

static int all_done(const struct hvt_replay *rp)
{
	for (unsigned i = 0; i < rp->n_vcpus; i++)
		if (rp->vcpus[i].started && !atomic_load(&rp->vcpus[i].done))
			return 0;
	return 1;
}

static void check(struct hvt_replay *rp, uint64_t now_ns)
{
	for (unsigned i = 0; i < rp->n_vcpus; i++) {
		struct hvt_rvcpu *v = &rp->vcpus[i];
		uint64_t deadline = atomic_load(&v->deadline_ns);
		if (!v->started || atomic_load(&v->done) || !deadline || now_ns < deadline)
			continue;
		/* Flag first: the vCPU reads it after its run returns. */
		atomic_store(&v->timed_out, 1);
		rp->m->ops->vcpu_kick(v->bv);
	}
}

void hvt_watchdog_run(struct hvt_replay *rp)
{
	struct timespec period = { 0, WATCHDOG_PERIOD_NS };

	while (!all_done(rp)) {
		nanosleep(&period, NULL);
		check(rp, hvt_monotonic_ns());
	}
}
