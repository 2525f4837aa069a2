/* hvtrace LD_PRELOAD shim: internal interface between its files.
 *
 * The shim is loaded into an unmodified KVM VMM (QEMU, ...) by `hvtrace
 * record -- COMMAND`. It follows the process's /dev/kvm, VM and vCPU file
 * descriptors, and around every ioctl(vcpu_fd, KVM_RUN) it records the exit
 * into a v1 trace, one stream per vCPU id. A preload library has no object
 * to hang state on, so unlike the rest of hvtrace it keeps its state in
 * file-scope globals (one recorder per process, by construction).
 */
#ifndef HVT_SHIM_H
#define HVT_SHIM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hvtrace/writer.h"
#include "backend.h"

/* Environment set by the launcher (tools/record_command.c). */
#define HVT_SHIM_ENV_OUT "HVTRACE_SHIM_OUT" /* absolute trace path */
#define HVT_SHIM_ENV_DIR "HVTRACE_SHIM_DIR" /* private dir: handshake + claim files */
#define HVT_SHIM_LOADED_FILE "loaded"       /* touched by every process the shim enters */
#define HVT_SHIM_CLAIM_FILE "claim"         /* created O_EXCL by the one recording process */

/* What a tracked file descriptor is. */
enum shim_fd_kind { SHIM_FD_NONE = 0, SHIM_FD_SYSTEM = 1, SHIM_FD_VM = 2, SHIM_FD_VCPU0 = 3 };

/* Per-vCPU recording state. state serialises the owning vCPU thread against
 * the exit path (which commits pending exits from another thread). */
enum shim_vcpu_state { SHIM_VCPU_IDLE = 0, SHIM_VCPU_BUSY = 1, SHIM_VCPU_DETACHED = 2 };

struct shim_vcpu {
	atomic_int state;          /* enum shim_vcpu_state */
	unsigned id;               /* KVM vCPU id = stream id */
	const uint8_t *run;        /* our own read-only mapping of this vCPU's kvm_run */
	size_t run_bytes;          /* KVM_GET_VCPU_MMAP_SIZE */
	hvt_stream *stream;        /* opened at the first KVM_RUN, under the global mutex */
	int has_pending;           /* pending holds an exit waiting for the next entry */
	uint64_t exit_ns;          /* monotonic ns when pending's KVM_RUN returned */
	hvt_event pending;         /* the last exit, committed at the next KVM_RUN */
	uint8_t data[HVT_EXIT_MAX_DATA]; /* pending's string-I/O bytes */
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
int shim_is_kvm_path(const char *path);
int shim_fd_is_dev_kvm(int fd);

/* shim_recorder.c: the process-wide recorder. */
int shim_recording(void);            /* this process records */
pid_t shim_recorder_pid(void);
int shim_claim(void);                /* at KVM_CREATE_VM: try to become the recorder */
int shim_open_stream(struct shim_vcpu *v);
uint64_t shim_time_ns(uint64_t mono_ns);
void shim_touch_loaded(void);
void shim_finish(void);              /* exit: commit pending, close the writer */
void shim_drop_in_child(void);       /* after fork: forget the parent's writer */
struct shim_vcpu *shim_vcpu_slot(unsigned id);      /* NULL unless recording and created */
struct shim_vcpu *shim_vcpu_slot_make(unsigned id); /* allocates; not on the hot path */

/* shim_vcpu.c: KVM_CREATE_VCPU and KVM_RUN. */
void shim_vcpu_created(int vm_fd, int vcpu_fd, unsigned long id);
int shim_kvm_run(int fd, struct shim_vcpu *v, void *arg);
void shim_vcpu_detach(struct shim_vcpu *v); /* from any thread, at exit */

#endif
