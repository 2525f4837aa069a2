/* Resolve the functions the shim wraps with dlsym(RTLD_NEXT): libc's own
 * (or the next preloaded library's). Resolved once, eagerly from the
 * constructor and lazily from any hook that runs before it (other libraries'
 * constructors may open files before ours runs). */
#include <dlfcn.h>

#include "shim.h"

struct shim_real shim_real;

static void *next(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

void shim_resolve(void)
{
	/* Racing threads store the same values: harmless. */
	shim_real.open = (int (*)(const char *, int, ...))next("open");
	shim_real.openat = (int (*)(int, const char *, int, ...))next("openat");
	shim_real.close = (int (*)(int))next("close");
	shim_real.dup = (int (*)(int))next("dup");
	shim_real.dup2 = (int (*)(int, int))next("dup2");
	shim_real.dup3 = (int (*)(int, int, int))next("dup3");
	shim_real.fcntl = (int (*)(int, int, ...))next("fcntl");
	shim_real.close_range = (int (*)(unsigned, unsigned, int))next("close_range");
	__atomic_store_n(&shim_real.ioctl, (int (*)(int, unsigned long, ...))next("ioctl"),
			 __ATOMIC_RELEASE);
}
