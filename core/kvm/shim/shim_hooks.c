/* The libc functions the shim interposes on. Each one calls the real
 * function and, only for KVM-related fds, updates the shim's books; errno
 * is preserved so the VMM sees exactly what libc returned. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "shim.h"

#define HOOK __attribute__((visibility("default")))

static void ensure_resolved(void)
{
	if (!__atomic_load_n(&shim_real.ioctl, __ATOMIC_ACQUIRE))
		shim_resolve();
}

/* A vfork child shares our memory: it must not edit the recorder's fd books.
 * Asked only for fds we track, so an fd hook makes no syscall of its own
 * for the VMM's other files (getpid may be outside its allowlist). */
static int books_are_mine(void)
{
	return !shim_recording() || shim_recorder_pid() == getpid();
}

static int after_open(const char *path, int fd)
{
	if (fd >= 0 && shim_is_kvm_path(path))
		shim_fd_set(fd, SHIM_FD_SYSTEM);
	return fd;
}

static mode_t open_mode(int flags, va_list ap)
{
	/* open(2) reads a mode only when it may create a file. */
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		return (mode_t)va_arg(ap, int);
	return 0;
}

HOOK int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = open_mode(flags, ap);
	va_end(ap);
	ensure_resolved();
	return after_open(path, shim_real.open(path, flags, mode));
}

HOOK int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = open_mode(flags, ap);
	va_end(ap);
	ensure_resolved();
	return after_open(path, shim_real.open(path, flags, mode)); /* LP64: same call */
}

HOOK int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = open_mode(flags, ap);
	va_end(ap);
	ensure_resolved();
	return after_open(path, shim_real.openat(dirfd, path, flags, mode));
}

HOOK int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = open_mode(flags, ap);
	va_end(ap);
	ensure_resolved();
	return after_open(path, shim_real.openat(dirfd, path, flags, mode));
}

/* _FORTIFY_SOURCE builds call these when the flags need no mode. */
HOOK int __open_2(const char *path, int flags);
HOOK int __open_2(const char *path, int flags)
{
	ensure_resolved();
	return after_open(path, shim_real.open(path, flags));
}

HOOK int __open64_2(const char *path, int flags);
HOOK int __open64_2(const char *path, int flags)
{
	ensure_resolved();
	return after_open(path, shim_real.open(path, flags));
}

HOOK int __openat_2(int dirfd, const char *path, int flags);
HOOK int __openat_2(int dirfd, const char *path, int flags)
{
	ensure_resolved();
	return after_open(path, shim_real.openat(dirfd, path, flags));
}

HOOK int __openat64_2(int dirfd, const char *path, int flags);
HOOK int __openat64_2(int dirfd, const char *path, int flags)
{
	ensure_resolved();
	return after_open(path, shim_real.openat(dirfd, path, flags));
}

HOOK int close(int fd)
{
	ensure_resolved();
	if (shim_fd_get(fd) != SHIM_FD_NONE && books_are_mine())
		shim_fd_set(fd, SHIM_FD_NONE);
	return shim_real.close(fd);
}

HOOK int close_range(unsigned first, unsigned last, int flags)
{
	ensure_resolved();
	int rc = shim_real.close_range ? shim_real.close_range(first, last, flags)
				       : (errno = ENOSYS, -1);
	int saved = errno;
	/* CLOSE_RANGE_CLOEXEC only marks the fds: they stay open here. */
	if (rc == 0 && !(flags & CLOSE_RANGE_CLOEXEC) && shim_fd_any_in_range(first, last) &&
	    books_are_mine())
		shim_fd_clear_range(first, last);
	errno = saved;
	return rc;
}

static int after_dup(int from, int to)
{
	if (to >= 0 && (shim_fd_get(from) != SHIM_FD_NONE || shim_fd_get(to) != SHIM_FD_NONE) &&
	    books_are_mine())
		shim_fd_copy(from, to);
	return to;
}

HOOK int dup(int fd)
{
	ensure_resolved();
	return after_dup(fd, shim_real.dup(fd));
}

HOOK int dup2(int fd, int to)
{
	ensure_resolved();
	return after_dup(fd, shim_real.dup2(fd, to));
}

HOOK int dup3(int fd, int to, int flags)
{
	ensure_resolved();
	return after_dup(fd, shim_real.dup3(fd, to, flags));
}

static int fcntl_common(int fd, int cmd, void *arg)
{
	ensure_resolved();
	int rc = shim_real.fcntl(fd, cmd, arg);
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		after_dup(fd, rc);
	return rc;
}

HOOK int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *); /* as glibc does: int and pointer args fit */
	va_end(ap);
	return fcntl_common(fd, cmd, arg);
}

HOOK int fcntl64(int fd, int cmd, ...);
HOOK int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common(fd, cmd, arg);
}

/* A VM created on a /dev/kvm fd makes this process the recorder if no other
 * process in the recorded tree got there first. */
static void after_create_vm(int sys_fd, unsigned kind, int vm_fd)
{
	if (kind != SHIM_FD_SYSTEM && !shim_fd_is_dev_kvm(sys_fd))
		return;
	if (shim_claim() == 0) {
		shim_vm_created(sys_fd);
		shim_fd_set(vm_fd, SHIM_FD_VM);
	}
}

HOOK int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *); /* every KVM ioctl takes one word or none */
	va_end(ap);
	ensure_resolved();
	unsigned kind = shim_fd_get(fd);
	if (kind >= SHIM_FD_VCPU0 && req == KVM_RUN) {
		struct shim_vcpu *v = shim_vcpu_slot(kind - SHIM_FD_VCPU0);
		if (v)
			return shim_kvm_run(fd, v, arg);
	}
	int rc = shim_real.ioctl(fd, req, arg);
	if (rc < 0 || (req != KVM_CREATE_VM && req != KVM_CREATE_VCPU))
		return rc;
	int saved = errno;
	if (req == KVM_CREATE_VM)
		after_create_vm(fd, kind, rc);
	else if (kind == SHIM_FD_VM)
		shim_vcpu_created(fd, rc, (unsigned long)arg);
	errno = saved;
	return rc;
}
