/* The watchdog. A guest that left the recorded path can spin forever
 * without an exit, and a run call would never return. The recording bounds
 * how long the guest may run before its next event: each run gets
 * 2 s + 10 x the recorded time from the last point where live and recorded
 * guest were in step (a synchronous exit or an interrupt) to this event; every exit
 * (breakpoint hits and single steps included) starts a new budget. When
 * one expires, the main thread kicks the vCPU and it reports a divergence.
 *
 * The budget is guest running time, measured in CPU time of the thread in
 * the run call (KVM and the stand-in both count guest execution there): a
 * loaded host stretches wall time, not CPU time, and must not make a guest
 * on the recorded path look lost. The checker samples that clock when it
 * first sees a run (up to one period late: the run is given that much
 * extra) and, past the wall-clock deadline, fires once the CPU time is
 * spent too. A run that gets no CPU at all still ends at 10 x its budget
 * in wall time; where threads have no CPU clock (macOS), wall time alone. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "replay_internal.h"

#define WATCHDOG_BASE_NS 2000000000ull   /* host noise: scheduling, page faults */
#define WATCHDOG_GAP_FACTOR 10u
#define WATCHDOG_MAX_GAP_NS 3600000000000ull /* bounds a hostile gap: 1 hour */
#define WATCHDOG_PERIOD_NS 50000000L     /* 50 ms */
#define WATCHDOG_WALL_FACTOR 10u         /* a run starved of CPU: wall-clock limit */

void hvt_watchdog_arm(struct hvt_rvcpu *v)
{
	v->run_clock_ok = hvt_thread_cpu_clock(&v->run_clock) == 0;
	atomic_store(&v->run_budget_ns, v->budget_ns);
	atomic_fetch_add(&v->run_gen, 1);
	atomic_store(&v->deadline_ns, hvt_monotonic_ns() + v->budget_ns);
}

void hvt_watchdog_disarm(struct hvt_rvcpu *v)
{
	atomic_store(&v->deadline_ns, 0);
}

/* The run's thread's CPU time now; 0 when it has no readable clock. */
static int run_cpu_ns(const struct hvt_rvcpu *v, uint64_t *ns)
{
	return v->run_clock_ok && hvt_cpu_clock_ns(v->run_clock, ns) == 0;
}

int hvt_watchdog_expired(struct hvt_rvcpu *v, uint64_t now_ns)
{
	uint64_t deadline = atomic_load(&v->deadline_ns), gen = atomic_load(&v->run_gen);
	uint64_t budget = atomic_load(&v->run_budget_ns), cpu_ns = 0;

	if (!deadline)
		return 0;
	if (gen != v->wd_gen) { /* a new run: its starting point */
		v->wd_gen = gen;
		v->wd_cpu0_ns = run_cpu_ns(v, &cpu_ns) ? cpu_ns : 0;
		v->wd_wall0_ns = now_ns;
	}
	if (now_ns < deadline)
		return 0;
	if (!run_cpu_ns(v, &cpu_ns) || now_ns - v->wd_wall0_ns >= WATCHDOG_WALL_FACTOR * budget)
		return 1;
	return cpu_ns - v->wd_cpu0_ns >= budget;
}

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
		if (!v->started || atomic_load(&v->done) || !hvt_watchdog_expired(v, now_ns))
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
