/* Load and unload: resolve libc, register the fork handler, map the
 * launcher's shared region; at exit, end every vCPU's stream. Everything
 * that may allocate or open happens here, at load, before the VMM's main(). */
#include <pthread.h>
#include <stdlib.h>

#include "shim.h"

static void at_exit(void)
{
	shim_finish();
}

__attribute__((constructor)) static void shim_load(void)
{
	shim_resolve();
	pthread_atfork(NULL, NULL, shim_drop_in_child);
	shim_attach_region();
	/* atexit handlers run before library destructors; QEMU's own atexit
	 * handlers (registered later) run before ours, so its last exits land. */
	atexit(at_exit);
}

__attribute__((destructor)) static void shim_unload(void)
{
	shim_finish(); /* a no-op when at_exit already ran */
}
