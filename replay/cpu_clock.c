/* The CPU time a thread has used, for the watchdog (watchdog.c): guest
 * execution inside a run call is counted there, host load is not. Linux
 * has a clock per thread that other threads can read; where there is none
 * (macOS lacks pthread_getcpuclockid) the watchdog uses wall time alone. */
#include <pthread.h>
#include <time.h>

#include "replay_internal.h"

int hvt_thread_cpu_clock(clockid_t *out)
{
#ifdef HVT_HAVE_PTHREAD_GETCPUCLOCKID
	return pthread_getcpuclockid(pthread_self(), out) == 0 ? 0 : -1;
#else
	(void)out;
	return -1;
#endif
}

int hvt_cpu_clock_ns(clockid_t c, uint64_t *ns)
{
	struct timespec ts;

	if (clock_gettime(c, &ts) != 0)
		return -1;
	*ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return 0;
}
