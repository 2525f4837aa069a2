/* hvtrace core: the built-in VMM: devices, run loop and one thread per vCPU,
 * as used by the recorder (tools/record_session.c). Replay does not run it:
 * it rebuilds the same bare machine (machine.h) and drives the vCPUs itself.
 * No OS or backend headers here.
 *
 * Life cycle: fill an hvt_vm_config, hvt_vm_create() (loads the image, creates
 * the VM and its vCPUs), hvt_vm_run() (one thread per vCPU until every vCPU
 * has ended), hvt_vm_free(). Every event goes through config.sink on the
 * emitting vCPU's thread, in causal order per stream (docs/guest-abi.md,
 * "Events").
 */
#ifndef HVT_CORE_VMM_H
#define HVT_CORE_VMM_H

#include <stddef.h>
#include <stdint.h>
#include "hvtrace/event.h"
#include "host_inputs.h"

typedef struct hvt_vm hvt_vm;

/* Called on the vCPU's own thread with ev->stream = vCPU index. ev and its
 * data are borrowed for the duration of the call. A negative return stops
 * the whole VM (hvt_vm_run returns that value). */
typedef int (*hvt_event_sink_fn)(void *ctx, const hvt_event *ev);

enum hvt_image_format {
	HVT_IMAGE_AUTO = 0, /* ELF if it starts with \x7fELF, else flat */
	HVT_IMAGE_ELF = 1,
	HVT_IMAGE_FLAT = 2
};

/* Guest architectures (stored as text in the trace: hvt_arch_name). */
enum hvt_arch_id {
	HVT_ARCH_UNKNOWN = 0, /* a flat image says nothing */
	HVT_ARCH_X86_64 = 1,
	HVT_ARCH_ARM64 = 2
};

/* Which backend runs the guest. AUTO follows the image (an EM_AARCH64 ELF
 * runs on HVF, an EM_X86_64 one on KVM; a flat image or the demo on the
 * platform's own: KVM where it exists, else HVF). */
enum hvt_backend_choice {
	HVT_BACKEND_AUTO = 0,
	HVT_BACKEND_USE_KVM = 1,
	HVT_BACKEND_USE_HVF = 2
};

typedef struct hvt_vm_config {
	const uint8_t *image;       /* guest image; NULL = the embedded demo guest */
	size_t image_len_bytes;
	int image_format;           /* enum hvt_image_format */
	uint64_t mem_bytes;         /* guest RAM; 0 = HVT_GUEST_MEM_DEFAULT */
	unsigned vcpus;             /* 0 = 1; at most HVT_VM_MAX_VCPUS */
	int backend;                /* enum hvt_backend_choice; 0 = AUTO */
	uint64_t timeout_ns;        /* wall-clock limit of hvt_vm_run; 0 = none */
	uint64_t exec_sample_ns;    /* EXEC_TIME sample period; 0 = 10 ms */
	hvt_event_sink_fn sink;     /* may be NULL (events dropped) */
	void *sink_ctx;
	const hvt_host_inputs *inputs; /* NULL = record-mode inputs (host clock,
	                             * getrandom, console_in_fd) */
	int console_in_fd;          /* with inputs == NULL: console input; 0 (the
	                             * zero default) = stdin, -1 = none */
	int console_out_fd;         /* guest serial output; -1 = discard; 0 (the zero
	                             * default; stdin is never an output) = stdout */
	uint64_t time_origin_ns;    /* host CLOCK_MONOTONIC ns of event time 0; 0 = when
	                             * hvt_vm_run starts. The recorder passes its
	                             * writer's origin so the trace header's is exact. */
	int parallel;               /* several vCPUs run at once (no schedule recorded;
	                             * shared-memory guests may not replay); 0 = one at
	                             * a time, the schedule in the trace (issue 13) */
	uint64_t slice_ns;          /* serialized: a vCPU's time slice; 0 = default */
} hvt_vm_config;

/* TIMER event id of the serializing scheduler's slices (core/vcpu_sched.c);
 * 0 is the timer device, 1 the arm64 vtimer. */
#define HVT_SCHED_TIMER_ID HVT_TIMER_ID_SCHEDULE
#define HVT_SCHED_SLICE_DEFAULT_NS 1000000ull

#define HVT_VM_MAX_VCPUS 64u

/* Where the image went: stored as metadata by the recorder. */
typedef struct hvt_load_info {
	int format;                 /* HVT_IMAGE_ELF or HVT_IMAGE_FLAT */
	uint64_t entry_pa;          /* first instruction of every vCPU */
	uint64_t lowest_pa;         /* lowest byte loaded */
	uint64_t highest_pa;        /* one past the highest byte loaded (incl. bss) */
	int arch;                   /* enum hvt_arch_id of an ELF's e_machine; UNKNOWN if flat */
} hvt_load_info;

typedef struct hvt_vm_result {
	int end_reason;             /* enum hvt_end_reason of the VM as a whole */
	int exit_code;              /* guest exit code (POWEROFF), else -1 */
	uint64_t exits;             /* total exits over all vCPUs */
	uint64_t fp_taken;          /* memory fingerprints of landings and preemptions */
	uint64_t fp_ns;             /* host ns spent on them (hash and dirty log) */
	uint64_t slices;            /* serialized: time slices handed out */
} hvt_vm_result;

/* Create the VM; on failure returns a negative HVT_E_* and a one-line reason
 * in msg (HVT_E_NO_HYPERVISOR, HVT_E_BAD_IMAGE, HVT_E_INVAL, ...). */
int hvt_vm_create(const hvt_vm_config *cfg, hvt_vm **out, char *msg, size_t msg_len);

/* Run every vCPU to its END event. Returns 0 with *res filled, or a negative
 * HVT_E_* if the VMM itself failed (a sink error, a thread that could not
 * start); hvt_vm_error() then says why. Call once per VM. */
int hvt_vm_run(hvt_vm *vm, hvt_vm_result *res);

/* Ask every vCPU to stop (END HVT_END_INTERRUPTED). Thread-safe and
 * async-signal-safe (atomic stores, write(2) and, on KVM, tgkill(2) only; on
 * HVF a pipe to a kicker thread calls hv_vcpus_exit), so
 * a SIGINT handler may call it, before, during or after hvt_vm_run (the VM
 * must not have been freed). */
void hvt_vm_request_stop(hvt_vm *vm);

void hvt_vm_free(hvt_vm *vm); /* accepts NULL */

/* Metadata getters; pointers are borrowed from vm. */
const char *hvt_vm_error(const hvt_vm *vm);        /* last run error, "" if none */
const char *hvt_vm_backend_name(const hvt_vm *vm); /* HVT_BACKEND_KVM or _HVF */
const char *hvt_vm_arch_name(const hvt_vm *vm);    /* "x86_64" or "arm64" */
int hvt_vm_cpuid(const hvt_vm *vm, const uint8_t **bytes, size_t *len_bytes);
uint64_t hvt_vm_mem_bytes(const hvt_vm *vm);
unsigned hvt_vm_vcpu_count(const hvt_vm *vm);
/* Serialized vCPUs (one at a time): the slice; 0 when they run in parallel
 * or there is one. */
uint64_t hvt_vm_slice_ns(const hvt_vm *vm);
/* arm64: the guest counter's frequency in Hz; 0 on x86-64. */
uint64_t hvt_vm_counter_hz(const hvt_vm *vm);
const hvt_load_info *hvt_vm_load_info(const hvt_vm *vm);
/* The image actually loaded (the demo guest when cfg.image was NULL). */
void hvt_vm_image(const hvt_vm *vm, const uint8_t **bytes, size_t *len_bytes);

/* The embedded default guests (guests/demo.c, guests/arm64/demo), generated
 * at build time; a length of 0 when that guest could not be built here. */
extern const unsigned char hvt_demo_guest[];
extern const size_t hvt_demo_guest_len;
extern const unsigned char hvt_demo_guest_arm64[];
extern const size_t hvt_demo_guest_arm64_len;

#endif
