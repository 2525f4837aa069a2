/* Kicks: forcing a running vCPU out of hv_vcpu_run from any thread, and
 * from a signal handler (hvt_vm_request_stop's contract).
 *
 * hv_vcpus_exit is the framework's one cross-thread call, but Apple does not
 * document it as async-signal-safe, so kick() does only what is: an atomic
 * store (kick_pending) and a write(2) to a pipe. A kicker thread per VM reads
 * the pipe and calls hv_vcpus_exit for every vCPU with a kick pending that is
 * inside hv_vcpu_run. vcpu_run clears kick_pending when it returns without
 * entering (kick before the run) or with a CANCELED exit, so a kick is never
 * lost: if hv_vcpus_exit comes just before the vCPU enters, the kicker,
 * seeing the kick still pending, tries again 1 ms later.
 */
#include "hvf_internal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include "errmsg.h"
#include "wake_pipe.h"
#include "hvtrace/error.h"

#define KICK_RETRY_MS 1

/* Exit every vCPU with a pending kick that is running; 1 if any kick is
 * still pending afterwards (then check again soon). */
static int kick_pending_vcpus(hvt_backend_vm *vm)
{
	int again = 0;

	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		hvt_backend_vcpu *v = vm->vcpus[i];
		if (!v || !atomic_load(&v->kick_pending) || atomic_load(&v->detached))
			continue;
		again = 1;
		if (atomic_load(&v->in_run) && atomic_load(&v->created)) {
			hv_vcpu_t id = v->id;
			(void)hv_vcpus_exit(&id, 1);
		}
	}
	return again;
}

static void *kicker_thread(void *arg)
{
	hvt_backend_vm *vm = arg;
	struct pollfd pfd = { .fd = vm->kick_rd, .events = POLLIN };
	uint8_t drain[64];
	int again = 0;

	while (!atomic_load(&vm->kicker_quit)) {
		if (poll(&pfd, 1, again ? KICK_RETRY_MS : -1) < 0 && errno != EINTR)
			break;
		while (read(vm->kick_rd, drain, sizeof(drain)) > 0)
			;
		if (atomic_load(&vm->kicker_quit))
			break;
		again = kick_pending_vcpus(vm);
	}
	return NULL;
}

/* The thread takes no signals: SIGINT belongs to the caller's threads. */
int hvt_hvf_kicker_start(hvt_backend_vm *vm)
{
	sigset_t all, old;
	int rc;

	HVT_FORWARD(hvt_wake_pipe(&vm->kick_rd, &vm->kick_wr));
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&vm->kicker, NULL, kicker_thread, vm);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return HVT_E_NOMEM;
	vm->kicker_started = 1;
	return 0;
}

void hvt_hvf_kicker_stop(hvt_backend_vm *vm)
{
	uint8_t b = 1;

	if (vm->kicker_started) {
		atomic_store(&vm->kicker_quit, 1);
		if (write(vm->kick_wr, &b, 1) < 0) {
			/* a full pipe already wakes the thread */
		}
		pthread_join(vm->kicker, NULL);
		vm->kicker_started = 0;
	}
	if (vm->kick_rd >= 0)
		close(vm->kick_rd);
	if (vm->kick_wr >= 0)
		close(vm->kick_wr);
	vm->kick_rd = vm->kick_wr = -1;
}

/* Any thread, async-signal-safe: an atomic store and a write(2). */
void hvt_hvf_kick(hvt_backend_vcpu *vcpu)
{
	uint8_t b = 1;
	ssize_t w;

	atomic_store(&vcpu->kick_pending, 1);
	w = write(vcpu->vm->kick_wr, &b, 1); /* full pipe: a wake is pending anyway */
	(void)w;
}
