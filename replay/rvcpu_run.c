/* Running one vCPU to its next guest-caused exit, with the watchdog's
 * deadline armed. A base file below vcpu_replay.c (the event walk) and
 * landing.c (interrupt landing), which both run the vCPU through it. */
#include <stdatomic.h>

#include "hvtrace/error.h"
#include "replay_internal.h"

int hvt_rvcpu_set_debug(struct hvt_rvcpu *v, const hvt_debug *dbg)
{
	if (v->rp->hooks)
		return v->rp->hooks->set_debug(v->rp->hook_ctx, v, dbg);
	return v->rp->m->ops->vcpu_set_debug(v->bv, dbg);
}

int hvt_rvcpu_run(struct hvt_rvcpu *v)
{
	for (;;) {
		if (hvt_rp_stopping(v->rp))
			return HVT_RP_DONE;
		int rc;
		if (v->rp->hooks) { /* the driver arms the watchdog around its runs */
			rc = v->rp->hooks->run(v->rp->hook_ctx, v, &v->live);
			if (rc == 1)
				return HVT_RP_DONE;
		} else {
			hvt_watchdog_arm(v);
			rc = v->rp->m->ops->vcpu_run(v->bv, &v->live);
			hvt_watchdog_disarm(v);
		}
		if (atomic_exchange(&v->timed_out, 0))
			return hvt_watchdog_diverge(v);
		if (rc < 0) {
			hvt_rp_fail(v->rp, HVT_REPLAY_FAILED, "vCPU %u: the backend run failed (%d)",
				    v->index, rc);
			return rc;
		}
		v->have_live = 1;
		v->irq_undelivered = 0;
		/* A kick is ours (stop) or a stray signal; a window exit is never
		 * requested in replay. Neither is the guest's doing. */
		if ((v->live.kind == HVT_EXIT_KICK && !v->live.err) ||
		    v->live.kind == HVT_EXIT_IRQ_WINDOW)
			continue;
		return HVT_RP_CONTINUE;
	}
}
