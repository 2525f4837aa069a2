/* Serialized multi-vCPU recording (issue 13, rr's choice): exactly one vCPU
 * runs guest code at a time. It holds the baton from before its run call
 * until it yields: when it halts (HLT/WFI), when it ends, or when the
 * scheduler thread has kicked it because its time slice is over. Every
 * change is an event of the vCPU's own stream (timer id HVT_SCHED_TIMER_ID,
 * formats/FORMAT.md), so replay can follow the same schedule:
 *
 *   TIMER ARM    value = slice number n: the vCPU took the baton; slices are
 *                numbered 0, 1, 2, ... across the VM in the order taken;
 *   TIMER FIRE   the slice was over: it yields where the kick stopped it,
 *                data = the register file and memory fingerprint there (the
 *                landing extension), as an asynchronous interrupt has them;
 *                no data when it stopped at an exit of its own;
 *   TIMER CANCEL it yields at a halt.
 * An END yields too (no event of its own).
 *
 * With one vCPU running at a time, guest memory changes only through the
 * holder: the order of shared-memory accesses is the order of slices. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "errmsg.h"
#include "hvtrace/error.h"
#include "vm_internal.h"

#define SCHED_WAIT_NS 10000000ull /* a waiter looks for a stop this often */

static void abs_after(struct timespec *ts, uint64_t ns)
{
	uint64_t t = hvt_monotonic_ns() + ns;

	ts->tv_sec = (time_t)(t / 1000000000ull);
	ts->tv_nsec = (long)(t % 1000000000ull);
}

int hvt_sched_init(hvt_sched *s, int on, uint64_t slice_ns)
{
	pthread_condattr_t ca;
	int rc;

	memset(s, 0, sizeof(*s));
	s->on = on;
	s->owner = -1;
	s->last_owner = -1;
	s->slice_ns = slice_ns ? slice_ns : HVT_SCHED_SLICE_DEFAULT_NS;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	s->ready = rc == 0;
	return rc == 0 ? 0 : HVT_E_NOMEM;
}

void hvt_sched_destroy(hvt_sched *s)
{
	if (!s->ready)
		return;
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	s->ready = 0;
}

static int stopping(const hvt_vcpu_ctx *vc)
{
	return atomic_load(&vc->vm->stop_reason) != HVT_NO_STOP;
}

/* Take the baton (no-op when held or not serializing). A vCPU that just
 * yielded a slice lets a waiting one go first. Returns 1 if the VM stops. */
int hvt_sched_acquire(hvt_vcpu_ctx *vc)
{
	hvt_sched *s = &vc->vm->sched;
	struct timespec ts;
	hvt_event *ev;
	uint64_t slice;

	if (!s->on || vc->has_baton)
		return 0;
	pthread_mutex_lock(&s->mu);
	s->waiting++;
	while (!stopping(vc) && (s->owner != -1 ||
				 (s->last_owner == (int)vc->index && s->waiting > 1))) {
		abs_after(&ts, SCHED_WAIT_NS);
		(void)pthread_cond_timedwait(&s->cv, &s->mu, &ts);
	}
	s->waiting--;
	if (stopping(vc)) {
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		return 1;
	}
	s->owner = (int)vc->index;
	slice = s->next_slice++;
	s->owner_slice = slice;
	vc->preempt = 0;
	vc->has_baton = 1;
	pthread_mutex_unlock(&s->mu);
	if ((ev = hvt_aux_push(vc, HVT_EV_TIMER, HVT_TIMER_ARM))) {
		ev->addr = HVT_SCHED_TIMER_ID;
		ev->value = slice;
	}
	/* Now: the next EXIT must follow it on the stream. */
	return hvt_events_commit(vc, hvt_monotonic_ns()) < 0 ? 1 : 0;
}

/* Give the baton back (the caller has recorded why). */
static void release(hvt_vcpu_ctx *vc)
{
	hvt_sched *s = &vc->vm->sched;

	pthread_mutex_lock(&s->mu);
	s->owner = -1;
	s->last_owner = (int)vc->index;
	vc->has_baton = 0;
	vc->preempt = 0;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

int hvt_sched_yield_halt(hvt_vcpu_ctx *vc)
{
	hvt_event *ev;

	if (!vc->has_baton)
		return 0;
	if ((ev = hvt_aux_push(vc, HVT_EV_TIMER, HVT_TIMER_CANCEL)))
		ev->addr = HVT_SCHED_TIMER_ID;
	release(vc);
	return 0;
}

void hvt_sched_yield_end(hvt_vcpu_ctx *vc)
{
	if (vc->has_baton)
		release(vc);
}

/* Before an entry: the slice is over (the scheduler kicked us). At a kick
 * the preemption point is wherever the guest was: recorded with registers
 * and fingerprint, landed on replay like an asynchronous interrupt. */
int hvt_sched_maybe_preempt(hvt_vcpu_ctx *vc, const hvt_exit *last)
{
	hvt_sched *s = &vc->vm->sched;
	hvt_event *ev;
	int due;

	if (!vc->has_baton)
		return 0;
	pthread_mutex_lock(&s->mu);
	due = vc->preempt && s->waiting > 0;
	pthread_mutex_unlock(&s->mu);
	if (!due)
		return 0;
	if ((ev = hvt_aux_push(vc, HVT_EV_TIMER, HVT_TIMER_FIRE))) {
		ev->addr = HVT_SCHED_TIMER_ID;
		if (last && last->regs_valid && hvt_exit_is_async(last))
			hvt_landing_fill(vc, ev, last);
	}
	release(vc);
	return 0;
}

/* The scheduler thread: a holder still in the same slice after slice_ns
 * is kicked; it yields at its next entry. */
static void *sched_thread(void *arg)
{
	hvt_vm *vm = arg;
	hvt_sched *s = &vm->sched;
	struct timespec ts;
	uint64_t seen = UINT64_MAX;

	pthread_mutex_lock(&s->mu);
	while (!s->quit) {
		abs_after(&ts, s->slice_ns);
		if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) != ETIMEDOUT)
			continue;
		if (s->owner < 0 || s->owner_slice != seen) {
			seen = s->owner < 0 ? UINT64_MAX : s->owner_slice;
			continue;
		}
		vm->vcpus[s->owner].preempt = 1;
		if (s->waiting > 0)
			vm->ops->vcpu_kick(vm->vcpus[s->owner].bv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int hvt_sched_start(hvt_vm *vm)
{
	if (!vm->sched.on)
		return 0;
	if (pthread_create(&vm->sched.thread, NULL, sched_thread, vm) != 0)
		return HVT_E_NOMEM;
	vm->sched.thread_started = 1;
	return 0;
}

void hvt_sched_stop(hvt_vm *vm)
{
	hvt_sched *s = &vm->sched;

	if (!s->thread_started)
		return;
	pthread_mutex_lock(&s->mu);
	s->quit = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	s->thread_started = 0;
}
