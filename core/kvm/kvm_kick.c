/* Kicking a vCPU out of KVM_RUN from any thread.
 *
 * Protocol (race-free without any thread-local state):
 *  - the kicker first publishes its reason (an atomic flag the run loop
 *    checks after every exit), then sets run->immediate_exit = 1, then sends
 *    HVT_KVM_KICK_SIGNAL to the owning thread;
 *  - a vCPU inside KVM_RUN is forced out by the signal (-EINTR); the signal
 *    goes by tgkill() to the owner's thread id, so a kick that races with the
 *    owner's exit is harmless (ESRCH), which pthread_kill() on a joined
 *    thread would not be;
 *  - a vCPU about to enter sees immediate_exit and returns -EINTR at once;
 *  - after every exit the run loop clears immediate_exit *before* reading
 *    the flags, so a kick is either seen now or causes one more exit.
 *
 * Global state: the process-wide signal disposition for
 * HVT_KVM_KICK_SIGNAL, installed once (its handler does nothing: the signal
 * exists only to interrupt KVM_RUN). That is all signal-based kicking needs.
 */
#include "kvm_internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "hvtrace/error.h"

#define HVT_KVM_KICK_SIGNAL SIGUSR1

static pthread_once_t kick_once = PTHREAD_ONCE_INIT;
static int kick_init_rc;

static void kick_handler(int sig)
{
	(void)sig;
}

static void kick_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: KVM_RUN must return -EINTR */
	kick_init_rc = sigaction(HVT_KVM_KICK_SIGNAL, &sa, NULL) == 0 ? 0 : HVT_E_BACKEND;
}

int hvt_kvm_kick_init(void)
{
	pthread_once(&kick_once, kick_install);
	return kick_init_rc;
}

void hvt_kvm_bind_owner(hvt_backend_vcpu *vcpu)
{
	sigset_t set;

	if (atomic_load(&vcpu->owner_known))
		return;
	/* The owning thread must be able to receive the kick. */
	sigemptyset(&set);
	sigaddset(&set, HVT_KVM_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	vcpu->owner_tid = (pid_t)syscall(SYS_gettid);
	atomic_store(&vcpu->owner_known, 1);
}

void hvt_kvm_kick(hvt_backend_vcpu *vcpu)
{
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (atomic_load(&vcpu->owner_known))
		syscall(SYS_tgkill, getpid(), vcpu->owner_tid, HVT_KVM_KICK_SIGNAL);
}
