/* The process-wide recorder: the shared region the launcher created, which
 * process records (the claim), the per-vCPU slots, and the end of recording
 * (exit or fork). Everything here that runs after start-up is plain memory
 * work on the region: no allocation, no file, no thread. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

static struct {
	atomic_int recording;                /* this process claimed the region */
	atomic_int never;                    /* another process records, or a fork child */
	atomic_int closing;                  /* the exit path ran */
	pid_t pid;                           /* the recording process */
	struct hvt_iring_region *region;     /* mapped at load; NULL without the launcher */
	struct shim_vcpu slots[HVT_MAX_STREAMS];
} g;

int shim_recording(void)
{
	return atomic_load_explicit(&g.recording, memory_order_acquire);
}

pid_t shim_recorder_pid(void)
{
	return g.pid;
}

struct hvt_iring_region *shim_region(void)
{
	return g.region;
}

struct shim_vcpu *shim_vcpu_slot(unsigned id)
{
	if (id >= HVT_MAX_STREAMS || !shim_recording())
		return NULL;
	struct shim_vcpu *v = &g.slots[id];
	return atomic_load_explicit(&v->state, memory_order_acquire) == SHIM_VCPU_UNUSED ? NULL : v;
}

struct shim_vcpu *shim_vcpu_slot_make(unsigned id)
{
	if (id >= HVT_MAX_STREAMS || !shim_recording() || atomic_load(&g.closing))
		return NULL;
	atomic_fetch_or(&g.region->used[id / 64], 1ull << (id % 64));
	g.slots[id].ring = &g.region->rings[id];
	g.slots[id].id = id;
	return &g.slots[id];
}

/* The region's fd as passed down; if the VMM (or a wrapper script) closed
 * it before exec'ing into us, the launcher's own fd through /proc. */
static int open_region_fd(long fd, long pid, int *opened)
{
	char path[64];
	struct stat st;
	*opened = 0;
	if (fstat((int)fd, &st) == 0)
		return (int)fd;
	snprintf(path, sizeof(path), "/proc/%ld/fd/%ld", pid, fd);
	int own = shim_real.open(path, O_RDWR | O_CLOEXEC);
	*opened = own >= 0;
	return own;
}

/* "FD:INODE:PID" from the launcher. The inode check matters: the number may
 * have been closed and reused for another file on the way. */
static int region_fd(int *opened)
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
	int rfd = open_region_fd(fd, pid, opened);
	if (rfd >= 0 && fstat(rfd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_ino == ino && (size_t)st.st_size >= sizeof(*g.region))
		return rfd;
	if (*opened)
		shim_real.close(rfd);
	*opened = 0;
	return -1;
}

/* At load, before the VMM's main() and so before any sandbox: map the
 * region and say hello (the launcher counts the processes we entered). */
void shim_attach_region(void)
{
	int opened, fd = region_fd(&opened);
	if (fd < 0)
		return;
	void *p = mmap(NULL, sizeof(*g.region), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (opened)
		shim_real.close(fd);
	if (p == MAP_FAILED)
		return;
	if (hvt_iring_region_check(p, sizeof(*g.region)) != 0) {
		munmap(p, sizeof(*g.region));
		return;
	}
	g.region = p;
	atomic_fetch_add(&g.region->loaded, 1);
}

/* The first process of the recorded tree to create a VM records; every
 * other passes through. A second VM in the recording process joins. */
int shim_claim(void)
{
	if (atomic_load(&g.never) || !g.region)
		return -1;
	if (shim_recording())
		return 0;
	int32_t none = 0, me = (int32_t)getpid(); /* at set-up time: KVM_CREATE_VM */
	if (!atomic_compare_exchange_strong(&g.region->recorder_pid, &none, me)) {
		atomic_store(&g.never, 1);
		return -1;
	}
	g.pid = me;
	atomic_store_explicit(&g.recording, 1, memory_order_release);
	return 0;
}

/* At exit: every vCPU's pending exit is left for the launcher to mark
 * unfinished, and its stream ends. vCPU threads still running pass through
 * from here on. A fork child of the recorder has recording == 0 here. */
void shim_finish(void)
{
	int already = 0;
	if (!shim_recording() || !atomic_compare_exchange_strong(&g.closing, &already, 1))
		return;
	for (unsigned id = 0; id < HVT_MAX_STREAMS; id++)
		if (atomic_load(&g.slots[id].state) != SHIM_VCPU_UNUSED)
			shim_vcpu_detach(&g.slots[id], HVT_IREC_END);
	atomic_store(&g.region->finished, 1);
}

/* pthread_atfork child handler: the child is a copy that shares the region
 * (MAP_SHARED) but must never write to the recorder's rings. A child of a
 * process that does not record may still become the recorder (a wrapper
 * that forks the VMM). No syscall: the VMM may fork after its sandbox is up. */
void shim_drop_in_child(void)
{
	if (!shim_recording())
		return;
	atomic_store(&g.never, 1);
	atomic_store(&g.recording, 0); /* slots and fds are now ignored */
}
