/* Recording around ioctl(vcpu_fd, KVM_RUN).
 *
 * An exit is known when KVM_RUN returns, but two of its fields are not: the
 * data the VMM hands back for a read (it writes it into kvm_run before the
 * next KVM_RUN) and the handling time (exit to next entry). So each exit
 * waits in its vCPU's `pending` slot and is committed at that vCPU's next
 * KVM_RUN, or, with HVT_EVF_EXIT_UNFINISHED, when the process exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#include "shim.h"
#include "exit_event.h"
#include "kvm/kvm_exit.h"

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

/* Attach count * size bytes (string I/O, or > 8 bytes) as the event's data. */
static void attach_data(struct shim_vcpu *v, const uint8_t *src, size_t len_bytes)
{
	if (len_bytes <= 8 || len_bytes > sizeof(v->data))
		return;
	memcpy(v->data, src, len_bytes);
	v->pending.data = v->data;
	v->pending.data_len = (uint32_t)len_bytes;
}

/* What the VMM returned for a read sits in kvm_run now, where the same
 * mapping as at the exit points (io data_offset or mmio.data). */
static void fill_read_result(struct shim_vcpu *v)
{
	hvt_exit now;
	hvt_event *ev = &v->pending;

	memset(&now, 0, sizeof(now));
	hvt_kvm_exit_from_run((const struct kvm_run *)v->run, v->run_bytes, 0, 0, &now);
	if (now.kind != ev->kind || !now.data)
		return; /* the VMM rewrote kvm_run: leave the value 0 */
	size_t elem = now.size < 8 ? now.size : 8;
	memcpy(&ev->value, now.data, elem);
	attach_data(v, now.data, (size_t)now.size * now.count);
}

static void commit(struct shim_vcpu *v, uint64_t enter_ns, int entered)
{
	hvt_event *ev = &v->pending;

	if (entered) {
		ev->duration_ns = enter_ns - v->exit_ns;
		if (is_read(ev->kind))
			fill_read_result(v);
	} else {
		ev->flags |= HVT_EVF_EXIT_UNFINISHED;
	}
	hvt_stream_append(v->stream, ev); /* an error sticks in the writer */
	v->has_pending = 0;
}

static void capture(struct shim_vcpu *v, int rc, int err, uint64_t t0, uint64_t t1)
{
	hvt_exit ex;
	hvt_event *ev = &v->pending;

	memset(&ex, 0, sizeof(ex));
	hvt_kvm_exit_from_run((const struct kvm_run *)v->run, v->run_bytes, rc, err, &ex);
	ex.run_ns = t1 - t0;
	hvt_exit_describe(&ex, ev); /* no sync regs here: flags NO_REGS */
	if (rc < 0) {
		/* Every failed KVM_RUN, -EINTR kicks included, carries its errno. */
		ev->flags |= HVT_EVF_EXIT_ERRNO;
		ev->value = (uint64_t)err;
	}
	ev->time_ns = shim_time_ns(t1);
	if (ex.is_write && ex.data)
		attach_data(v, ex.data, (size_t)ex.size * ex.count);
	v->exit_ns = t1;
	v->has_pending = 1;
}

int shim_kvm_run(int fd, struct shim_vcpu *v, void *arg)
{
	uint64_t enter_ns = hvt_monotonic_ns();
	int own = acquire(v);

	if (own) {
		if (!v->stream)
			shim_open_stream(v);
		if (v->has_pending && v->stream)
			commit(v, enter_ns, 1);
		release(v);
	}
	uint64_t t0 = hvt_monotonic_ns();
	int rc = shim_real.ioctl(fd, KVM_RUN, arg);
	int err = errno;
	uint64_t t1 = hvt_monotonic_ns();
	if (own && v->stream && acquire(v)) {
		capture(v, rc, err, t0, t1);
		release(v);
	}
	errno = err;
	return rc;
}

/* Commits what is pending and ends the stream. Waits (bounded) for the
 * owner to leave its short critical section; a vCPU blocked in the kernel
 * holds nothing. */
void shim_vcpu_detach(struct shim_vcpu *v)
{
	for (int tries = 0; !acquire(v); tries++) {
		if (atomic_load(&v->state) == SHIM_VCPU_DETACHED || tries > 100000)
			return;
		sched_yield();
	}
	if (v->stream) {
		if (v->has_pending)
			commit(v, 0, 0);
		hvt_event end;
		memset(&end, 0, sizeof(end));
		end.type = HVT_EV_END;
		end.kind = HVT_END_DETACHED;
		end.time_ns = shim_time_ns(hvt_monotonic_ns());
		hvt_stream_append(v->stream, &end);
	}
	atomic_store(&v->state, SHIM_VCPU_DETACHED);
}

static size_t vcpu_mmap_bytes(void)
{
	static size_t cached;
	if (cached)
		return cached;
	int fd = shim_real.open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int n = shim_real.ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	shim_real.close(fd);
	cached = n > 0 ? (size_t)n : 0;
	return cached;
}

/* Rather than interposing on mmap (malloc and the loader call it before any
 * constructor runs), the shim maps its own read-only view of the vCPU's
 * kvm_run: the same shared pages the VMM and the kernel use. */
void shim_vcpu_created(int vm_fd, int vcpu_fd, unsigned long id)
{
	(void)vm_fd;
	if (!shim_recording() || id >= HVT_MAX_STREAMS)
		return; /* ids >= 256 have no stream: passed through (docs/interpose.md) */
	size_t bytes = vcpu_mmap_bytes();
	if (!bytes)
		return;
	void *run = mmap(NULL, bytes, PROT_READ, MAP_SHARED, vcpu_fd, 0);
	if (run == MAP_FAILED)
		return;
	struct shim_vcpu *v = shim_vcpu_slot_make((unsigned)id);
	if (!v) {
		munmap(run, bytes);
		return;
	}
	if (v->run) { /* the id was created again (a second VM): end the old one */
		shim_vcpu_detach(v);
		munmap((void *)v->run, v->run_bytes);
	}
	v->run = run;
	v->run_bytes = bytes;
	v->id = (unsigned)id;
	atomic_store(&v->state, SHIM_VCPU_IDLE);
	shim_fd_set(vcpu_fd, SHIM_FD_VCPU0 + (unsigned)id);
}
