/* The programmable timer: one per vCPU, one-shot or periodic, in ns, raising
 * a guest-chosen vector on its own vCPU.
 *
 * A helper thread sleeps until the deadline, then marks the timer due and
 * wakes the vCPU (pipe for a halted vCPU, kick for a running one). The vCPU
 * thread takes the expiry before its next entry (hvt_timer_take), so the
 * interrupt lands at an exit: at the HLT exit if the guest was halted, at the
 * kick exit (asynchronously, wherever the guest was) if it was running.
 * A periodic timer re-arms when taken (the next period starts then); expiries
 * the vCPU missed coalesce into one interrupt, like lost APIC timer ticks.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include "hvt_guest_abi.h"
#include "hvtrace/error.h"
#include "vm_internal.h"

static void *timer_thread(void *arg)
{
	hvt_timer *t = arg;
	struct timespec ts;

	pthread_mutex_lock(&t->mu);
	while (!t->quit) {
		if (t->deadline_ns == 0) {
			pthread_cond_wait(&t->cv, &t->mu);
			continue;
		}
		if (hvt_monotonic_ns() < t->deadline_ns) {
			ts.tv_sec = (time_t)(t->deadline_ns / 1000000000ull);
			ts.tv_nsec = (long)(t->deadline_ns % 1000000000ull);
			pthread_cond_timedwait(&t->cv, &t->mu, &ts);
			continue; /* re-check: quit, re-armed or expired */
		}
		t->deadline_ns = 0;
		atomic_store(&t->due, 1);
		pthread_mutex_unlock(&t->mu);
		t->wake(t->wake_ctx);
		pthread_mutex_lock(&t->mu);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* The helper takes no signals: SIGINT belongs to the caller's threads. */
static int start_thread(hvt_timer *t)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&t->thread, NULL, timer_thread, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return HVT_E_NOMEM;
	t->thread_started = 1;
	return 0;
}

int hvt_timer_init(hvt_timer *t, void (*wake)(void *), void *wake_ctx)
{
	pthread_condattr_t ca;

	memset(t, 0, sizeof(*t));
	t->wake = wake;
	t->wake_ctx = wake_ctx;
	t->vector = 32;
	t->interval_ns = 1000000; /* 1 ms until the guest sets one */
	atomic_init(&t->due, 0);
	if (pthread_mutex_init(&t->mu, NULL) != 0)
		return HVT_E_NOMEM;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&t->cv, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		return HVT_E_NOMEM;
	}
	pthread_condattr_destroy(&ca);
	return start_thread(t);
}

void hvt_timer_destroy(hvt_timer *t)
{
	if (t->thread_started) {
		pthread_mutex_lock(&t->mu);
		t->quit = 1;
		pthread_cond_signal(&t->cv);
		pthread_mutex_unlock(&t->mu);
		pthread_join(t->thread, NULL);
		t->thread_started = 0;
	}
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
}

int hvt_timer_is_due(hvt_timer *t)
{
	return atomic_load(&t->due);
}

int hvt_timer_take(hvt_timer *t, uint8_t *vector)
{
	uint64_t now;

	if (!atomic_load(&t->due))
		return 0;
	pthread_mutex_lock(&t->mu);
	atomic_store(&t->due, 0);
	*vector = t->vector;
	if (t->mode == HVT_TIMER_MODE_PERIODIC) {
		now = hvt_monotonic_ns();
		t->deadline_ns = now + t->interval_ns;
		pthread_cond_signal(&t->cv);
	} else {
		t->mode = HVT_TIMER_MODE_OFF;
	}
	pthread_mutex_unlock(&t->mu);
	return 1;
}

/* A CTRL write (re)arms or cancels, and is recorded as a TIMER event. */
static void timer_ctrl(hvt_vcpu_ctx *vc, hvt_timer *t, uint64_t mode)
{
	hvt_event *ev;
	int arm = mode == HVT_TIMER_MODE_ONESHOT || mode == HVT_TIMER_MODE_PERIODIC;

	t->mode = arm ? (int)mode : HVT_TIMER_MODE_OFF;
	t->deadline_ns = arm ? hvt_monotonic_ns() + t->interval_ns : 0;
	atomic_store(&t->due, 0);
	pthread_cond_signal(&t->cv);
	ev = hvt_aux_push_dev(vc, HVT_EV_TIMER, arm ? HVT_TIMER_ARM : HVT_TIMER_CANCEL);
	if (ev)
		ev->value = t->interval_ns;
}

int hvt_timer_access(hvt_vcpu_ctx *vc, hvt_io *io)
{
	hvt_timer *t = &vc->timer;
	uint64_t off = io->addr;

	pthread_mutex_lock(&t->mu);
	if (!io->is_write) {
		io->value = off == HVT_MMIO_TIMER_INTERVAL ? t->interval_ns :
			    off == HVT_MMIO_TIMER_VECTOR ? t->vector :
			    off == HVT_MMIO_TIMER_CTRL ? (uint64_t)t->mode : 0;
	} else if (off == HVT_MMIO_TIMER_INTERVAL) {
		t->interval_ns = io->value < HVT_TIMER_MIN_INTERVAL_NS ?
				 HVT_TIMER_MIN_INTERVAL_NS : io->value;
	} else if (off == HVT_MMIO_TIMER_VECTOR) {
		if (io->value >= 32 && io->value <= 255)
			t->vector = (uint8_t)io->value; /* 0-31 are exceptions: ignored */
	} else if (off == HVT_MMIO_TIMER_CTRL) {
		timer_ctrl(vc, t, io->value);
	}
	pthread_mutex_unlock(&t->mu);
	return off == HVT_MMIO_TIMER_INTERVAL || off == HVT_MMIO_TIMER_VECTOR ||
	       off == HVT_MMIO_TIMER_CTRL ? HVT_DEV_HANDLED : HVT_DEV_UNMAPPED;
}
