/* Following a serialized recording's schedule (core/vcpu_sched.c): a vCPU
 * runs guest code only between its TIMER ARM n (slice n is its turn: wait
 * until slice n - 1 has been given back) and the TIMER FIRE or CANCEL that
 * ends the slice. A FIRE with data was a preemption wherever the guest was:
 * landed like an asynchronous interrupt (PC, registers, memory fingerprint),
 * then the slice is given back. So the vCPUs touch shared memory in the
 * recorded order. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "hvtrace/error.h"
#include "replay_internal.h"

#define SCHED_WAIT_NS 10000000ull /* a waiter looks for a stop this often */

/* Every other vCPU has finished: no one will give the slice back (a trace
 * cut before it). `done` only: a thread not yet started is not finished (a
 * vCPU without events is marked done before any thread starts), and a
 * finished one gave its slice back before it said so. */
static int others_done(const struct hvt_rvcpu *v)
{
	for (unsigned i = 0; i < v->rp->n_vcpus; i++)
		if (i != v->index && !atomic_load(&v->rp->vcpus[i].done))
			return 0;
	return 1;
}

static int take(struct hvt_rvcpu *v, const hvt_event *ev)
{
	struct hvt_replay *rp = v->rp;
	struct timespec ts;
	int cut = 0;

	pthread_mutex_lock(&rp->sched_mu);
	while (rp->sched_slice < ev->value && !hvt_rp_stopping(rp) && !(cut = others_done(v))) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)SCHED_WAIT_NS;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&rp->sched_cv, &rp->sched_mu, &ts);
	}
	pthread_mutex_unlock(&rp->sched_mu);
	if (hvt_rp_stopping(rp))
		return HVT_RP_DONE;
	if (rp->sched_slice != ev->value && cut) {
		v->cut = 1; /* the slice before this one is not in the trace */
		return HVT_RP_DONE;
	}
	if (rp->sched_slice != ev->value)
		return hvt_diverge(v, ev, "the trace gives this vCPU a time slice that already "
				   "ran (the schedule is inconsistent)", NULL, NULL);
	v->has_slice = 1;
	v->slices++;
	return HVT_RP_CONTINUE;
}

static void give_back(struct hvt_rvcpu *v)
{
	struct hvt_replay *rp = v->rp;

	pthread_mutex_lock(&rp->sched_mu);
	rp->sched_slice++;
	v->has_slice = 0;
	pthread_cond_broadcast(&rp->sched_cv);
	pthread_mutex_unlock(&rp->sched_mu);
}

static int yield(struct hvt_rvcpu *v, const hvt_event *ev)
{
	int rc;

	if (!v->has_slice)
		return hvt_diverge(v, ev, "the trace ends a time slice this vCPU does not hold "
				   "(the schedule is inconsistent)", NULL, NULL);
	if (ev->kind == HVT_TIMER_FIRE && ev->data_len &&
	    (rc = hvt_land_at(v, ev)) != HVT_RP_CONTINUE)
		return rc;
	give_back(v);
	return HVT_RP_CONTINUE;
}

int hvt_rp_sched_event(struct hvt_rvcpu *v, const hvt_event *ev)
{
	if (ev->kind == HVT_TIMER_ARM)
		return take(v, ev);
	return yield(v, ev);
}

void hvt_rp_sched_end(struct hvt_rvcpu *v)
{
	if (v->has_slice)
		give_back(v);
}
