/* Which file descriptors are /dev/kvm, VM or vCPU fds. One byte-pair per fd,
 * atomics so vCPU threads read while another thread opens or closes; fds at
 * or above SHIM_MAX_FD are not tracked (their ioctls pass through). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

static _Atomic uint16_t fd_kind[SHIM_MAX_FD]; /* enum shim_fd_kind, or SHIM_FD_VCPU0 + id */

unsigned shim_fd_get(int fd)
{
	if (fd < 0 || fd >= SHIM_MAX_FD)
		return SHIM_FD_NONE;
	return atomic_load_explicit(&fd_kind[fd], memory_order_acquire);
}

void shim_fd_set(int fd, unsigned kind)
{
	if (fd >= 0 && fd < SHIM_MAX_FD)
		atomic_store_explicit(&fd_kind[fd], (uint16_t)kind, memory_order_release);
}

void shim_fd_copy(int from, int to)
{
	shim_fd_set(to, shim_fd_get(from));
}

void shim_fd_clear_range(unsigned first, unsigned last)
{
	for (unsigned fd = first; fd <= last && fd < SHIM_MAX_FD; fd++)
		if (atomic_load_explicit(&fd_kind[fd], memory_order_relaxed) != SHIM_FD_NONE)
			shim_fd_set((int)fd, SHIM_FD_NONE);
}

int shim_fd_any_in_range(unsigned first, unsigned last)
{
	for (unsigned fd = first; fd <= last && fd < SHIM_MAX_FD; fd++)
		if (atomic_load_explicit(&fd_kind[fd], memory_order_relaxed) != SHIM_FD_NONE)
			return 1;
	return 0;
}

int shim_is_kvm_path(const char *path)
{
	return path && strcmp(path, "/dev/kvm") == 0;
}

/* For fds opened behind our back (a raw syscall, a path like /dev/./kvm):
 * ask the kernel what the fd is. Called only on KVM_CREATE_VM, not hot. */
int shim_fd_is_dev_kvm(int fd)
{
	char link[64], target[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	return strcmp(target, "/dev/kvm") == 0;
}
