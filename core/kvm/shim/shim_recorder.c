/* The process-wide recorder: the shared region the launcher created, which
 * process records (the claim), the per-vCPU slots, and the end of recording
 * (exit or fork). Everything here that runs after start-up is plain memory
 * work on the region: no allocation, no file, no thread. */
#define _GNU_SOURCE
#include <unistd.h>

#include "shim.h"
#include "interpose_attach.h"

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

/* At load, before the VMM's main() and so before any sandbox: map the
 * region and say hello (the launcher counts the processes we entered). */
void shim_attach_region(void)
{
	g.region = hvt_iring_attach(shim_real.open, shim_real.close);
}

/* The first process of the recorded tree to create a VM records; every
 * other passes through. A second VM in the recording process joins. */
int shim_claim(void)
{
	if (atomic_load(&g.never) || !g.region)
		return -1;
	if (shim_recording())
		return 0;
	int32_t me = (int32_t)getpid(); /* at set-up time: KVM_CREATE_VM */
	if (hvt_iring_claim(g.region, me, HVT_IRING_API_KVM) != 0) {
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
