/* Landing recorded interrupts.
 *
 * AT_EXIT: the recording injected it right before the entry after a
 * synchronous exit (HLT wake-up, or a timer that fired while an exit was
 * handled): offer it at the same point; it must be taken at once.
 *
 * ASYNC: the recording kicked a running vCPU (or took a late window exit,
 * or, on arm64, a VTIMER_ACTIVATED exit) and injected wherever the guest
 * was; the trace keeps the PC and the whole register file (x86-64: 18,
 * arm64: 34, the trace's architecture says which). Replay runs to the first
 * point where they all match: a hardware breakpoint at the PC (DR0 on KVM,
 * DBGBVR0/DBGBCR0 on HVF), a register comparison on each hit, and a step
 * over hits that do not match (breakpoint off, one single step, breakpoint
 * on: RFLAGS.RF is not honoured on this KVM, and an arm64 breakpoint hits
 * again on resume). The single-step method compares after every
 * instruction: slow, but needs no breakpoint.
 *
 * Since issue 13 an ASYNC interrupt may also carry a memory fingerprint
 * (core/mem_fingerprint.h): a stop counts only when the registers match
 * and so does the fingerprint, taken only then (it costs far more than a
 * register comparison). Iterations of a loop that changes only memory no
 * longer look alike. A v1 event (registers only) lands as before.
 *
 * CLEARED (arm64): the guest acknowledged a level-triggered interrupt; the
 * line goes low at the same point of the stream as it did when recording.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/exit_event.h"
#include "hvtrace/error.h"
#include "replay_internal.h"

static const hvt_backend_ops *ops_of(const struct hvt_rvcpu *v)
{
	return v->rp->m->ops;
}

int hvt_inject_now(struct hvt_rvcpu *v, const hvt_event *rec)
{
	char why[128];
	int rc;

	if (rec->addr > 255)
		return hvt_diverge(v, rec, "the recorded interrupt vector is not 0..255", NULL, NULL);
	if (rec->kind == HVT_IRQ_AT_EXIT && v->have_live && v->live.regs_valid && rec->regs_hash &&
	    rec->regs_hash != hvt_exit_regs_hash(&v->live))
		return hvt_diverge(v, rec, "the registers at the exit before this interrupt differ "
				   "from the recorded ones", NULL, NULL);
	rc = ops_of(v)->vcpu_offer_irq(v->bv, (uint8_t)rec->addr);
	if (rc < 0) {
		hvt_rp_fail(v->rp, HVT_REPLAY_FAILED, "vCPU %u: injecting an interrupt failed", v->index);
		return rc;
	}
	if (rc != HVT_IRQ_INJECTED) {
		/* x86 only: an arm64 line is raised whatever PSTATE.I says. */
		snprintf(why, sizeof(why), "the guest cannot take interrupt %" PRIu64
			 " here (interrupts off or shadowed); the recording injected it", rec->addr);
		return hvt_diverge(v, rec, why, NULL, NULL);
	}
	v->irq_undelivered = 1; /* until the next run */
	if (rec->kind == HVT_IRQ_AT_EXIT)
		v->irqs_at_exit++;
	else
		v->irqs_landed++;
	return HVT_RP_CONTINUE;
}

int hvt_lower_line(struct hvt_rvcpu *v, const hvt_event *rec)
{
	if (!ops_of(v)->vcpu_set_irq_line)
		return hvt_diverge(v, rec, "the trace lowers an interrupt line, which the "
				   "replaying backend does not have", NULL, NULL);
	if (ops_of(v)->vcpu_set_irq_line(v->bv, 0) < 0) {
		hvt_rp_fail(v->rp, HVT_REPLAY_FAILED, "vCPU %u: lowering the IRQ line failed",
			    v->index);
		return HVT_E_BACKEND;
	}
	return HVT_RP_CONTINUE;
}

/* The architecture's whole register file, PC included. */
static int regs_equal(const struct hvt_rvcpu *v, const uint64_t *live, const uint64_t *want)
{
	return memcmp(live, want, v->rp->m->arch->nregs * sizeof(uint64_t)) == 0;
}

/* The landing point: registers, then (if recorded) memory. A fingerprint
 * that cannot be taken is a failure, not a mismatch (negative). */
static int at_landing(struct hvt_rvcpu *v, const uint64_t *live, const uint64_t *want)
{
	uint64_t now, t0;
	int rc;

	if (!regs_equal(v, live, want))
		return 0;
	if (v->fp_method == HVT_FP_NONE)
		return 1;
	t0 = hvt_monotonic_ns();
	if ((rc = hvt_mem_fp_take(&v->rp->fp, v->fp_method, &now)) < 0)
		return rc;
	/* The budget bounds the guest's running, not our hashing (all of RAM
	 * on HVF: about 1 ms per stop at 16 MiB). */
	v->landing_deadline_ns += hvt_monotonic_ns() - t0;
	if (now == v->fp_want)
		return 1;
	v->fp_mismatches++;
	v->fp_mismatched++;
	v->fp_last_live = now;
	return 0;
}


static int set_debug(struct hvt_rvcpu *v, int bp, uint64_t pc, int step)
{
	hvt_debug dbg;

	memset(&dbg, 0, sizeof(dbg));
	dbg.bp_gva[0] = pc;
	dbg.bp_enabled_mask = bp ? 1u : 0u;
	dbg.single_step = (uint8_t)step;
	return hvt_rvcpu_set_debug(v, &dbg);
}

/* Every stop is an exit, which restarts the watchdog's budget: a guest that
 * passes the PC forever without matching (memory that differs) would never
 * be caught. The whole landing gets one budget. */
static int landing_overdue(struct hvt_rvcpu *v, const hvt_event *rec)
{
	char note[320], why[480];

	if (hvt_monotonic_ns() < v->landing_deadline_ns)
		return HVT_RP_CONTINUE;
	(void)set_debug(v, 0, 0, 0);
	hvt_landing_note(v, note, sizeof(note));
	snprintf(why, sizeof(why), "the guest ran %.1f s without reaching the landing point of "
		 "this asynchronous interrupt%s", (double)v->budget_ns / 1e9,
		 note[0] ? note : " (no stop matched the recorded PC and registers)");
	return hvt_diverge(v, rec, why, NULL, NULL);
}

/* Run to the next DEBUG exit. Anything else means the guest is not on the
 * recorded path: the recording saw no exit before the landing point. */
static int run_to_debug(struct hvt_rvcpu *v, const hvt_event *rec)
{
	char note[320], why[480];
	hvt_event live;
	int rc = hvt_rvcpu_run(v);

	if (rc != HVT_RP_CONTINUE)
		return rc;
	if (v->live.kind == HVT_EXIT_DEBUG && v->live.regs_valid)
		return landing_overdue(v, rec);
	(void)set_debug(v, 0, 0, 0);
	hvt_exit_describe(&v->live, &live);
	live.stream = v->index;
	live.seq = rec->seq;
	hvt_landing_note(v, note, sizeof(note));
	snprintf(why, sizeof(why), "the guest exited while running to the landing point of "
		 "this asynchronous interrupt (the recording saw no exit there)%s", note);
	return hvt_diverge(v, rec, why, NULL, &live);
}

/* Breakpoint method. Returns 1 once at the landing point. */
static int land_bp(struct hvt_rvcpu *v, const hvt_event *rec, const uint64_t want[])
{
	int rc;

	for (;;) {
		if (set_debug(v, 1, rec->pc, 0) < 0)
			return HVT_E_UNSUPPORTED;
		if ((rc = run_to_debug(v, rec)) != HVT_RP_CONTINUE)
			return rc;
		if ((rc = at_landing(v, v->live.regs, want)) != 0)
			return rc;
		/* Not this visit: step over the breakpoint and re-arm it. */
		v->bp_hits_stepped++;
		if (set_debug(v, 0, 0, 1) < 0)
			return HVT_E_BACKEND;
		if ((rc = run_to_debug(v, rec)) != HVT_RP_CONTINUE)
			return rc;
		v->steps++;
		if ((rc = at_landing(v, v->live.regs, want)) != 0)
			return rc;
	}
}

/* x86: an interrupt delivered while single-stepping pushes RFLAGS with TF set
 * onto the guest stack, where the recording had it clear: the memory differs
 * from then on. After an injection, the step method therefore runs to the
 * first visit of the PC with a breakpoint (no instruction before it can be
 * the landing point) and steps from there. Without breakpoints it steps
 * from the start, and a memory fingerprint may then never match. */
static int step_past_delivery(struct hvt_rvcpu *v, const hvt_event *rec, const uint64_t want[])
{
	int rc;

	if (!v->irq_undelivered || set_debug(v, 1, rec->pc, 0) < 0)
		return 0;
	if ((rc = run_to_debug(v, rec)) != HVT_RP_CONTINUE)
		return rc;
	return at_landing(v, v->live.regs, want);
}

static int land_step(struct hvt_rvcpu *v, const hvt_event *rec, const uint64_t want[])
{
	int rc;

	if ((rc = step_past_delivery(v, rec, want)) != 0)
		return rc;
	if (set_debug(v, 0, 0, 1) < 0)
		return HVT_E_BACKEND;
	for (;;) {
		if ((rc = run_to_debug(v, rec)) != HVT_RP_CONTINUE)
			return rc;
		v->steps++;
		if ((rc = at_landing(v, v->live.regs, want)) != 0)
			return rc;
	}
}

static void decode_regs(const hvt_event *rec, unsigned nregs, uint64_t want[HVT_MAX_NREGS])
{
	for (unsigned r = 0; r < nregs; r++) {
		want[r] = 0;
		for (unsigned b = 0; b < 8; b++)
			want[r] |= (uint64_t)rec->data[8 * r + b] << (8 * b);
	}
}

/* The data: the register file (v1), or the register file and the landing
 * extension (method, fingerprint: FORMAT.md). */
static int decode_fingerprint(struct hvt_rvcpu *v, const hvt_event *rec)
{
	uint32_t regs_bytes = v->rp->m->arch->nregs * 8;

	v->fp_method = HVT_FP_NONE;
	v->fp_mismatches = 0;
	if (!rec->data || (rec->data_len != regs_bytes &&
			   rec->data_len != regs_bytes + HVT_FP_EXT_BYTES))
		return hvt_diverge(v, rec, "the asynchronous interrupt carries no register file "
				   "of this architecture", NULL, NULL);
	if (rec->data_len == regs_bytes)
		return HVT_RP_CONTINUE;
	if (hvt_mem_fp_get(rec->data + regs_bytes, &v->fp_method, &v->fp_want) < 0)
		return hvt_diverge(v, rec, "the asynchronous interrupt's memory fingerprint has an "
				   "unknown method or non-zero reserved bytes", NULL, NULL);
	if (v->fp_method == HVT_FP_DIRTY && !ops_of(v)->vm_dirty_log)
		return hvt_diverge(v, rec, "the memory fingerprint covers the pages written since "
				   "the previous landing; this backend keeps no dirty-page log", NULL, NULL);
	return HVT_RP_CONTINUE;
}

/* Run to the landing point by the chosen method; 1 when there. */
static int run_to_landing(struct hvt_rvcpu *v, const hvt_event *rec, const uint64_t want[])
{
	hvt_regs now;
	int rc;

	v->landing_deadline_ns = hvt_monotonic_ns() + v->budget_ns;
	/* Already there: the kick came before the guest ran an instruction. */
	if (ops_of(v)->vcpu_get_regs(v->bv, &now) == 0 && (rc = at_landing(v, now.r, want)) != 0)
		return rc;
	if (v->landing == HVT_LANDING_BP) {
		rc = land_bp(v, rec, want);
		if (rc != HVT_E_UNSUPPORTED)
			return rc;
		v->landing = HVT_LANDING_STEP; /* no hardware breakpoints: fall back */
		v->fell_back_to_step = 1;
	}
	return land_step(v, rec, want);
}

int hvt_land_at(struct hvt_rvcpu *v, const hvt_event *rec)
{
	const hvt_arch *arch = v->rp->m->arch;
	uint64_t want[HVT_MAX_NREGS];
	uint64_t t0 = hvt_monotonic_ns();
	int rc;

	if ((rc = decode_fingerprint(v, rec)) != HVT_RP_CONTINUE)
		return rc;
	decode_regs(rec, arch->nregs, want);
	if (want[arch->pc_reg] != rec->pc)
		return hvt_diverge(v, rec, "the interrupt's PC and its register file disagree",
				   NULL, NULL);
	rc = run_to_landing(v, rec, want);
	v->landing_ns += hvt_monotonic_ns() - t0;
	if (rc < 0) /* a divergence or a failure already set the outcome; else: */
		hvt_rp_fail(v->rp, HVT_REPLAY_FAILED, "vCPU %u: the debug state cannot be set (%d)",
			    v->index, rc);
	if (rc != 1)
		return rc < 0 ? rc : HVT_RP_DONE;
	/* A run that returned because replay is stopping also says 1: inject
	 * nothing then (the driver may be unwinding to a checkpoint). */
	if (hvt_rp_stopping(v->rp))
		return HVT_RP_DONE;
	if (set_debug(v, 0, 0, 0) < 0) {
		hvt_rp_fail(v->rp, HVT_REPLAY_FAILED, "vCPU %u: cannot clear the debug state",
			    v->index);
		return HVT_E_BACKEND;
	}
	/* The recorder restarted its window of written pages here too. */
	if (v->fp_method != HVT_FP_NONE && hvt_mem_fp_restart(&v->rp->fp) < 0) {
		hvt_rp_fail(v->rp, HVT_REPLAY_FAILED, "vCPU %u: the dirty-page log failed",
			    v->index);
		return HVT_E_BACKEND;
	}
	v->fp_method = HVT_FP_NONE; /* the landing is over: no note for later reports */
	v->fp_mismatches = 0;
	return HVT_RP_CONTINUE;
}

int hvt_land_async(struct hvt_rvcpu *v, const hvt_event *rec)
{
	int rc = hvt_land_at(v, rec);

	return rc != HVT_RP_CONTINUE ? rc : hvt_inject_now(v, rec);
}
