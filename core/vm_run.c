/* hvt_vm_run: one thread per vCPU, a wall-clock timeout, and stopping. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "errmsg.h"
#include "hvtrace/error.h"
#include "vm_internal.h"

void hvt_vm_request_stop(hvt_vm *vm)
{
	if (vm)
		hvt_vm_stop(vm, HVT_END_INTERRUPTED, 0);
}

/* vCPU threads take only the kick signal: SIGINT and friends stay with the
 * caller's threads (the CLI's handler calls hvt_vm_request_stop). */
static int start_vcpus(hvt_vm *vm)
{
	sigset_t all, old;
	int rc = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < vm->n_vcpus && rc == 0; i++) {
		hvt_vcpu_ctx *vc = &vm->vcpus[i];
		if (pthread_create(&vc->thread, NULL, hvt_vcpu_thread, vc) == 0)
			vc->thread_started = 1;
		else
			rc = HVT_E_NOMEM;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

static void wait_done(hvt_vm *vm)
{
	uint64_t deadline = vm->cfg.timeout_ns ? hvt_monotonic_ns() + vm->cfg.timeout_ns : 0;
	struct timespec ts = { .tv_sec = (time_t)(deadline / 1000000000ull),
			       .tv_nsec = (long)(deadline % 1000000000ull) };
	int timed_out = 0;

	pthread_mutex_lock(&vm->done_mu);
	while (vm->n_done < vm->n_vcpus) {
		if (!deadline || timed_out) {
			pthread_cond_wait(&vm->done_cv, &vm->done_mu);
		} else if (pthread_cond_timedwait(&vm->done_cv, &vm->done_mu, &ts) == ETIMEDOUT) {
			timed_out = 1;
			pthread_mutex_unlock(&vm->done_mu);
			hvt_vm_stop(vm, HVT_END_TIMEOUT, 0);
			pthread_mutex_lock(&vm->done_mu);
		}
	}
	pthread_mutex_unlock(&vm->done_mu);
}

static int init_done_cv(hvt_vm *vm)
{
	pthread_condattr_t ca;
	int rc;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&vm->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	return rc == 0 ? 0 : HVT_E_NOMEM;
}

int hvt_vm_run(hvt_vm *vm, hvt_vm_result *res)
{
	int rc;

	if (!vm || !res)
		return HVT_E_INVAL;
	memset(res, 0, sizeof(*res));
	HVT_FORWARD(init_done_cv(vm));
	vm->origin_ns = vm->cfg.time_origin_ns ? vm->cfg.time_origin_ns : hvt_monotonic_ns();
	rc = start_vcpus(vm);
	if (rc == 0 && (rc = hvt_sched_start(vm)) < 0)
		hvt_vm_fail(vm, rc, "cannot start the vCPU scheduler thread");
	else if (rc < 0) {
		hvt_vm_fail(vm, rc, "cannot start a vCPU thread");
		/* Threads that did start end on the stop; count the others done. */
		pthread_mutex_lock(&vm->done_mu);
		for (unsigned i = 0; i < vm->n_vcpus; i++)
			vm->n_done += !vm->vcpus[i].thread_started;
		pthread_mutex_unlock(&vm->done_mu);
	}
	wait_done(vm);
	hvt_sched_stop(vm);
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		if (vm->vcpus[i].thread_started)
			pthread_join(vm->vcpus[i].thread, NULL);
		res->exits += vm->vcpus[i].exits;
	}
	pthread_cond_destroy(&vm->done_cv);
	hvt_serial_flush(&vm->serial);
	res->fp_taken = vm->fp.takes;
	res->fp_ns = vm->fp.take_ns;
	res->slices = vm->sched.next_slice;
	res->end_reason = atomic_load(&vm->stop_reason);
	res->exit_code = res->end_reason == HVT_END_POWEROFF ? atomic_load(&vm->exit_code) : -1;
	return atomic_load(&vm->run_err);
}
