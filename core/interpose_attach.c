/* Finding, mapping and claiming the launcher's region from inside the VMM.
 * Runs at load time (attach) and at the VMM's set-up (claim): the only
 * place the shims open or map anything. */
#define _GNU_SOURCE
#include "interpose_attach.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The region's fd as passed down; if the VMM (or a wrapper script) closed
 * it before exec'ing into us, the launcher's own fd through /proc (Linux). */
static int open_region_fd(long fd, long pid, hvt_open_fn open_fn, int *opened)
{
	char path[64];
	struct stat st;
	*opened = 0;
	if (fstat((int)fd, &st) == 0)
		return (int)fd;
	snprintf(path, sizeof(path), "/proc/%ld/fd/%ld", pid, fd);
	int own = open_fn(path, O_RDWR | O_CLOEXEC);
	*opened = own >= 0;
	return own;
}

/* "FD:INODE:PID" from the launcher. The inode check matters: the number may
 * have been closed and reused for another file on the way. */
static int region_fd(hvt_open_fn open_fn, hvt_close_fn close_fn, int *opened)
{
	const char *env = getenv(HVT_IRING_ENV);
	char *end;
	struct stat st;
	*opened = 0;
	if (!env)
		return -1;
	long fd = strtol(env, &end, 10);
	unsigned long long ino = *end == ':' ? strtoull(end + 1, &end, 10) : 0;
	long pid = *end == ':' ? strtol(end + 1, &end, 10) : 0;
	if (*end || fd < 0 || fd > 1 << 20 || pid <= 0)
		return -1;
	int rfd = open_region_fd(fd, pid, open_fn, opened);
	if (rfd >= 0 && fstat(rfd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_ino == ino &&
	    (size_t)st.st_size >= sizeof(struct hvt_iring_region))
		return rfd;
	if (*opened)
		close_fn(rfd);
	*opened = 0;
	return -1;
}

struct hvt_iring_region *hvt_iring_attach(hvt_open_fn open_fn, hvt_close_fn close_fn)
{
	size_t bytes = sizeof(struct hvt_iring_region);
	int opened, fd = region_fd(open_fn, close_fn, &opened);
	if (fd < 0)
		return NULL;
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (opened)
		close_fn(fd);
	if (p == MAP_FAILED)
		return NULL;
	if (hvt_iring_region_check(p, bytes) != 0) {
		munmap(p, bytes);
		return NULL;
	}
	struct hvt_iring_region *region = p;
	atomic_fetch_add(&region->loaded, 1);
	return region;
}

int hvt_iring_claim(struct hvt_iring_region *region, int32_t pid, enum hvt_iring_api api)
{
	int32_t none = 0;
	if (!region || !atomic_compare_exchange_strong(&region->recorder_pid, &none, pid))
		return -1;
	atomic_store(&region->recorder_api, (uint32_t)api);
	return 0;
}
