/* Recording around ioctl(vcpu_fd, KVM_RUN).
 *
 * When KVM_RUN returns, the exit is published at once as an EXIT record
 * (with its data, for writes): a VMM killed right after loses nothing. Two
 * of its fields are known only at the vCPU's next KVM_RUN: the data the VMM
 * hands back for a read (it writes it into kvm_run first) and the handling
 * time. The ENTRY record published then carries both. An EXIT without an
 * ENTRY becomes an HVT_EVF_EXIT_UNFINISHED event in the launcher.
 *
 * Only memory work and the clock (vDSO) happen here: no allocation, no
 * file, no thread, nothing a VMM's seccomp allowlist could refuse.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#include "shim.h"
#include "exit_event.h"
#include "kvm/kvm_exit.h"
#include "interpose_attach.h"

#define DETACH_SPINS 20000000u /* bounded wait for a vCPU thread to leave its critical section */

static size_t run_mmap_bytes; /* KVM_GET_VCPU_MMAP_SIZE, learned at KVM_CREATE_VM */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: no syscall */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The owning thread holds BUSY while it touches the slot; the exit path
 * turns IDLE into DETACHED, after which the owner passes through. */
static int acquire(struct shim_vcpu *v)
{
	int idle = SHIM_VCPU_IDLE;
	return atomic_compare_exchange_strong_explicit(&v->state, &idle, SHIM_VCPU_BUSY,
						       memory_order_acquire, memory_order_relaxed);
}

static void release(struct shim_vcpu *v)
{
	atomic_store_explicit(&v->state, SHIM_VCPU_IDLE, memory_order_release);
}

static int is_read(unsigned kind)
{
	return kind == HVT_EXIT_PIO_IN || kind == HVT_EXIT_MMIO_READ;
}

static void push(struct shim_vcpu *v, const struct hvt_iring_rec *rec, const uint8_t *data,
		 size_t len_bytes)
{
	/* Up to 8 bytes travel in value; more (string I/O) as DATA records. */
	uint32_t len = len_bytes > 8 && len_bytes <= HVT_IRING_MAX_DATA ? (uint32_t)len_bytes : 0;
	hvt_iring_push_with_data(shim_region(), v->ring, rec, data, len);
}

/* What the VMM returned for a read sits in kvm_run now, where the same
 * mapping as at the exit points (io data_offset or mmio.data). */
static void publish_entry(struct shim_vcpu *v, uint64_t enter_ns)
{
	struct hvt_iring_rec rec = {.type = HVT_IREC_ENTRY};
	hvt_exit now;
	size_t len = 0;

	rec.u.ev.time_ns = enter_ns;
	memset(&now, 0, sizeof(now));
	if (is_read(v->pending_kind)) {
		hvt_kvm_exit_from_run((const struct kvm_run *)v->run, v->run_bytes, 0, 0, &now);
		/* The VMM rewrote kvm_run (another kind): the value stays unknown. */
		if (now.kind == v->pending_kind && now.data) {
			memcpy(&rec.u.ev.value, now.data, now.size < 8 ? now.size : 8);
			rec.flags = HVT_IREC_HAS_VALUE;
			len = (size_t)now.size * now.count;
		}
	}
	push(v, &rec, now.data, len);
	v->has_pending = 0;
}

static void publish_exit(struct shim_vcpu *v, int rc, int err, uint64_t t0, uint64_t t1)
{
	struct hvt_iring_rec rec = {.type = HVT_IREC_EXIT};
	hvt_exit ex;
	hvt_event ev;

	memset(&ex, 0, sizeof(ex));
	hvt_kvm_exit_from_run((const struct kvm_run *)v->run, v->run_bytes, rc, err, &ex);
	ex.run_ns = t1 - t0;
	hvt_exit_describe(&ex, &ev); /* no sync regs here: flags NO_REGS */
	if (rc < 0) {
		/* Every failed KVM_RUN, -EINTR kicks included, carries its errno. */
		ev.flags |= HVT_EVF_EXIT_ERRNO;
		ev.value = (uint64_t)err;
	}
	rec.kind = ev.kind;
	rec.flags = ev.flags;
	rec.raw_reason = ev.raw_reason;
	rec.u.ev = (__typeof__(rec.u.ev)){.time_ns = t1, .run_ns = ev.run_ns, .addr = ev.addr,
					  .value = ev.value, .size = ev.size, .count = ev.count};
	push(v, &rec, ex.data, ex.is_write && ex.data ? (size_t)ex.size * ex.count : 0);
	v->pending_kind = ev.kind;
	v->has_pending = 1;
}

int shim_kvm_run(int fd, struct shim_vcpu *v, void *arg)
{
	uint64_t enter_ns = now_ns();
	int own = acquire(v);

	if (own) {
		if (v->has_pending)
			publish_entry(v, enter_ns);
		release(v);
	}
	uint64_t t0 = now_ns();
	int rc = shim_real.ioctl(fd, KVM_RUN, arg);
	int err = errno;
	uint64_t t1 = now_ns();
	if (own && acquire(v)) {
		publish_exit(v, rc, err, t0, t1);
		release(v);
	}
	errno = err;
	return rc;
}

/* Ends the vCPU's stream (END at exit; ABANDON when its id is created
 * again). Spins, bounded and without a syscall, for the owner to leave its
 * short critical section; a vCPU blocked in the kernel holds nothing. */
void shim_vcpu_detach(struct shim_vcpu *v, int type)
{
	for (unsigned spins = 0; !acquire(v); spins++) {
		if (atomic_load(&v->state) != SHIM_VCPU_BUSY || spins > DETACH_SPINS)
			return;
		hvt_cpu_relax();
	}
	struct hvt_iring_rec rec = {.type = (uint8_t)type};
	rec.u.ev.time_ns = now_ns();
	hvt_iring_push(shim_region(), v->ring, &rec, 1);
	v->has_pending = 0;
	atomic_store(&v->state, type == HVT_IREC_END ? SHIM_VCPU_DETACHED : SHIM_VCPU_IDLE);
}

/* At KVM_CREATE_VM, on the VMM's own /dev/kvm fd: set-up time, so the
 * shim never opens /dev/kvm itself. */
void shim_vm_created(int sys_fd)
{
	if (!run_mmap_bytes) {
		int n = shim_real.ioctl(sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
		run_mmap_bytes = n > 0 ? (size_t)n : 0;
	}
}

/* Rather than interposing on mmap (malloc and the loader call it before any
 * constructor runs), the shim maps its own read-only view of the vCPU's
 * kvm_run: the same shared pages the VMM and the kernel use. This runs at
 * KVM_CREATE_VCPU, which VMMs do before they sandbox themselves. */
void shim_vcpu_created(int vm_fd, int vcpu_fd, unsigned long id)
{
	(void)vm_fd;
	if (!shim_recording() || id >= HVT_MAX_STREAMS || !run_mmap_bytes)
		return; /* ids >= 256 have no stream: passed through (docs/interpose.md) */
	void *run = mmap(NULL, run_mmap_bytes, PROT_READ, MAP_SHARED, vcpu_fd, 0);
	if (run == MAP_FAILED)
		return;
	struct shim_vcpu *v = shim_vcpu_slot_make((unsigned)id);
	if (!v) {
		munmap(run, run_mmap_bytes);
		return;
	}
	if (v->run) { /* the id was created again (a second VM): end the old one */
		shim_vcpu_detach(v, HVT_IREC_ABANDON);
		munmap((void *)v->run, v->run_bytes);
	}
	v->run = run;
	v->run_bytes = run_mmap_bytes;
	atomic_store(&v->state, SHIM_VCPU_IDLE);
	shim_fd_set(vcpu_fd, SHIM_FD_VCPU0 + (unsigned)id);
}
