/* hvtrace LD_PRELOAD shim: internal interface between its files.
 *
 * The shim is loaded into an unmodified KVM VMM (QEMU, ...) by `hvtrace
 * record -- COMMAND`. It follows the process's /dev/kvm, VM and vCPU file
 * descriptors, and around every ioctl(vcpu_fd, KVM_RUN) it appends the exit
 * to that vCPU's ring in memory shared with the launcher
 * (core/include/core/interpose_ring.h), which writes the trace. After start-up the shim
 * allocates nothing, opens nothing and starts no thread: VMMs that install a
 * seccomp allowlist before their run loop stay recordable. A preload library
 * has no object to hang state on, so unlike the rest of hvtrace it keeps its
 * state in file-scope globals (one recorder per process, by construction).
 */
#ifndef HVT_SHIM_H
#define HVT_SHIM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hvtrace/event.h"
#include "interpose_ring.h"

/* What a tracked file descriptor is. */
enum shim_fd_kind { SHIM_FD_NONE = 0, SHIM_FD_SYSTEM = 1, SHIM_FD_VM = 2, SHIM_FD_VCPU0 = 3 };

/* Per-vCPU recording state. state serialises the owning vCPU thread against
 * the exit path (which ends the vCPU's stream from another thread). */
enum shim_vcpu_state { SHIM_VCPU_UNUSED = 0, SHIM_VCPU_IDLE = 1, SHIM_VCPU_BUSY = 2,
		       SHIM_VCPU_DETACHED = 3 };

/* One per vCPU id, statically allocated: nothing is allocated after start-up. */
struct shim_vcpu {
	atomic_int state;          /* enum shim_vcpu_state */
	unsigned id;               /* KVM vCPU id = stream id = ring index */
	const uint8_t *run;        /* our own read-only mapping of this vCPU's kvm_run */
	size_t run_bytes;          /* KVM_GET_VCPU_MMAP_SIZE */
	struct hvt_iring *ring;    /* this vCPU's ring in the shared region */
	int has_pending;           /* an EXIT was published; its ENTRY is due */
	uint8_t pending_kind;      /* that exit's hvt_exit_kind */
};

/* shim_real.c: the next definition of each hooked function (libc's). */
struct shim_real {
	int (*open)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	int (*close)(int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*close_range)(unsigned, unsigned, int);
};
extern struct shim_real shim_real;
void shim_resolve(void);

/* shim_fds.c: fd -> what it is (tracked up to SHIM_MAX_FD). */
#define SHIM_MAX_FD 65536
unsigned shim_fd_get(int fd);
void shim_fd_set(int fd, unsigned kind);
void shim_fd_copy(int from, int to);
void shim_fd_clear_range(unsigned first, unsigned last);
int shim_fd_any_in_range(unsigned first, unsigned last);
int shim_is_kvm_path(const char *path);
int shim_fd_is_dev_kvm(int fd);

/* shim_recorder.c: the process-wide recorder. */
int shim_recording(void);            /* this process records */
pid_t shim_recorder_pid(void);
void shim_attach_region(void);       /* at load: map the launcher's region */
int shim_claim(void);                /* at KVM_CREATE_VM: try to become the recorder */
void shim_finish(void);              /* exit: end every vCPU's stream */
void shim_drop_in_child(void);       /* after fork: the child never records */
struct hvt_iring_region *shim_region(void);
struct shim_vcpu *shim_vcpu_slot(unsigned id);      /* NULL unless recording and created */
struct shim_vcpu *shim_vcpu_slot_make(unsigned id); /* at KVM_CREATE_VCPU */

/* shim_vcpu.c: KVM_CREATE_VCPU and KVM_RUN. */
void shim_vm_created(int sys_fd);    /* learns the kvm_run size from the VMM's /dev/kvm fd */
void shim_vcpu_created(int vm_fd, int vcpu_fd, unsigned long id);
int shim_kvm_run(int fd, struct shim_vcpu *v, void *arg);
void shim_vcpu_detach(struct shim_vcpu *v, int type); /* END or ABANDON, from any thread */

#endif
