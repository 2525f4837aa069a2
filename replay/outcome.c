/* How the replay as a whole is going: the first failure sets the outcome
 * and stops every vCPU. A base file: replay.c, the vCPU threads, landing,
 * the watchdog and the report all call it, and it calls none of them. */
#include <stdarg.h>
#include <stdio.h>

#include "replay_internal.h"

int hvt_rp_stopping(const struct hvt_replay *rp)
{
	return atomic_load(&rp->stop) || atomic_load(&rp->unwind);
}

static void stop_all(struct hvt_replay *rp)
{
	atomic_store(&rp->stop, 1);
	for (unsigned i = 0; rp->vcpus && i < rp->n_vcpus; i++) {
		struct hvt_rvcpu *v = &rp->vcpus[i];
		if (v->started && !atomic_load(&v->done))
			rp->m->ops->vcpu_kick(v->bv);
	}
}

void hvt_rp_fail(struct hvt_replay *rp, int outcome, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&rp->mu);
	if (rp->outcome == HVT_REPLAY_OK) {
		rp->outcome = outcome;
		va_start(ap, fmt);
		vsnprintf(rp->msg, sizeof(rp->msg), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&rp->mu);
	stop_all(rp);
}
