/* The process-wide HVF recorder: the launcher's region, the claim, the
 * per-vCPU slots, guest memory mappings, and the end of recording (exit,
 * fork). After start-up: plain memory work on the region only. */
#include <fcntl.h>
#include <unistd.h>

#include "hvf_shim.h"
#include "interpose_attach.h"

static struct {
	atomic_int recording;                /* this process claimed the region */
	atomic_int never;                    /* another process records, or a fork child */
	atomic_int closing;                  /* the exit path ran */
	struct hvt_iring_region *region;     /* mapped at load; NULL without the launcher */
	struct hvf_shim_vcpu slots[HVT_MAX_STREAMS];
} g;

int hvf_shim_recording(void)
{
	return atomic_load_explicit(&g.recording, memory_order_acquire);
}

struct hvt_iring_region *hvf_shim_region(void)
{
	return g.region;
}

struct hvf_shim_vcpu *hvf_shim_slot(hv_vcpu_t id)
{
	if (id >= HVT_MAX_STREAMS || !hvf_shim_recording())
		return NULL;
	struct hvf_shim_vcpu *v = &g.slots[id];
	return atomic_load_explicit(&v->state, memory_order_acquire) == HVF_SHIM_UNUSED ? NULL : v;
}

/* At hv_vcpu_create, on the new vCPU's owning thread. ids >= 256 have no
 * stream and pass through (docs/interpose.md). */
struct hvf_shim_vcpu *hvf_shim_slot_make(hv_vcpu_t id)
{
	if (id >= HVT_MAX_STREAMS || hvf_shim_claim() != 0 || atomic_load(&g.closing))
		return NULL;
	struct hvf_shim_vcpu *v = &g.slots[id];
	atomic_fetch_or(&g.region->used[id / 64], 1ull << (id % 64));
	v->ring = &g.region->rings[id];
	v->id = id;
	v->has_pending = 0;
	v->irq_level[0] = v->irq_level[1] = 0;
	v->vtimer_masked = 0;
	v->last_sample_ns = hvf_shim_now_ns();
	v->last_exec_ns = 0;
	atomic_store(&v->kicks, 0);
	return v;
}

static int plain_open(const char *path, int flags, ...)
{
	return open(path, flags); /* O_RDWR only: no mode */
}

void hvf_shim_attach(void)
{
	g.region = hvt_iring_attach(plain_open, close);
}

/* The first process of the recorded tree to create a VM records; a KVM VM
 * claimed first by the other shim in this process wins as well. */
int hvf_shim_claim(void)
{
	if (hvf_shim_recording())
		return 0;
	if (atomic_load(&g.never) || !g.region)
		return -1;
	if (hvt_iring_claim(g.region, (int32_t)getpid(), HVT_IRING_API_HVF) != 0) {
		atomic_store(&g.never, 1);
		return -1;
	}
	atomic_store_explicit(&g.recording, 1, memory_order_release);
	return 0;
}

/* hv_vm_map: VM-wide, from any thread, so it goes to the region's table,
 * not to a vCPU's ring; the launcher writes it as metadata. */
void hvf_shim_note_map(hv_ipa_t ipa, size_t bytes, hv_memory_flags_t flags)
{
	if (!hvf_shim_recording())
		return;
	uint32_t n = atomic_fetch_add(&g.region->n_maps, 1);
	if (n >= HVT_IRING_MAPS)
		return; /* counted, not kept */
	struct hvt_iring_map *m = &g.region->maps[n];
	m->ipa = ipa;
	m->bytes = bytes;
	m->flags = (uint32_t)flags;
	m->time_ns = hvf_shim_now_ns();
	atomic_store_explicit(&m->ready, 1, memory_order_release);
}

void hvf_shim_finish(void)
{
	int already = 0;
	if (!hvf_shim_recording() || !atomic_compare_exchange_strong(&g.closing, &already, 1))
		return;
	for (unsigned id = 0; id < HVT_MAX_STREAMS; id++)
		if (atomic_load(&g.slots[id].state) != HVF_SHIM_UNUSED)
			hvf_shim_detach(&g.slots[id]);
	atomic_store(&g.region->finished, 1);
}

/* pthread_atfork child handler: no syscall, the VMM may be sandboxed. */
void hvf_shim_drop_in_child(void)
{
	if (!hvf_shim_recording())
		return;
	atomic_store(&g.never, 1);
	atomic_store(&g.recording, 0);
}
