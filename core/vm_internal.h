/* hvtrace core: VM and per-vCPU state shared by vm.c, vm_run.c,
 * vcpu_loop.c, vcpu_events.c and the devices. Not for tools/ or replay/. */
#ifndef HVT_CORE_VM_INTERNAL_H
#define HVT_CORE_VM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include "backend.h"
#include "devices.h"
#include "exit_event.h"
#include "host_inputs.h"
#include "machine.h"
#include "mem_fingerprint.h"
#include "vmm.h"
#include "hvtrace/writer.h" /* hvt_monotonic_ns: the one host clock */

/* Side events per exit. The run loop adds at most 4 itself (timer fire,
 * interrupt, vtimer unmask, exec-time sample); devices get the rest
 * (hvt_aux_push_dev). */
#define HVT_AUX_MAX 16u
#define HVT_AUX_LOOP_RESERVE 4u
/* a register file and its landing's memory fingerprint, or console input */
#define HVT_AUX_DATA_BYTES (HVT_MAX_NREGS * 8u + HVT_FP_EXT_BYTES)
#define HVT_NO_STOP (-1)

/* An event waiting for the EXIT it follows to be committed. */
typedef struct hvt_aux_event {
	hvt_event ev;
	uint8_t data[HVT_AUX_DATA_BYTES];
} hvt_aux_event;

/* The baton of serialized recording (vcpu_sched.c); guarded by mu. */
typedef struct hvt_sched {
	int on;                      /* one vCPU at a time */
	int ready;                   /* mu and cv initialised */
	pthread_mutex_t mu;
	pthread_cond_t cv;           /* CLOCK_MONOTONIC */
	int owner;                   /* vCPU holding the baton; -1 none */
	int last_owner;              /* the last to give it back */
	unsigned waiting;            /* vCPUs waiting for it */
	uint64_t next_slice;         /* number of the next slice handed out */
	uint64_t owner_slice;        /* the holder's slice */
	uint64_t slice_ns;
	pthread_t thread;            /* kicks a holder whose slice is over */
	int thread_started;
	int quit;
} hvt_sched;

struct hvt_vcpu_ctx {
	hvt_vm *vm;
	unsigned index;
	hvt_backend_vcpu *bv;
	pthread_t thread;
	int thread_started;
	int wake_rd, wake_wr;        /* self-pipe: wakes a halted vCPU */
	atomic_int in_run;           /* 1 around KVM_RUN: the timer must kick */
	atomic_int done;             /* the thread has emitted END: never kick it again */
	hvt_timer timer;
	uint64_t seq;                /* next event's seq */
	int pending_vector;          /* interrupt not yet injected; -1 = none */
	int irq_line;                /* arm64: the IRQ line is high (vtimer fired, not acked) */
	unsigned bad_streak;         /* unmapped accesses in a row */
	uint64_t last_sample_ns;     /* last EXEC_TIME sample, host ns */
	uint64_t last_sample_exec_ns;/* its value: cumulative guest ns */
	uint64_t n_samples;          /* EXEC_TIME events so far */
	uint64_t exits;
	hvt_event cur;               /* the EXIT being handled; committed at next entry */
	int cur_pending;
	uint64_t cur_exit_ns;        /* host ns of the current exit */
	uint8_t cur_data[HVT_EXIT_MAX_DATA]; /* string-I/O data for cur */
	uint64_t last_pc;
	hvt_aux_event aux[HVT_AUX_MAX];
	unsigned n_aux;
	char end_msg[160];
	int has_baton;               /* serialized: this vCPU may run (own thread only) */
	int preempt;                 /* its slice is over (sched.mu) */
};

struct hvt_vm {
	hvt_vm_config cfg;
	hvt_machine *m;              /* RAM, image, backend VM and vCPUs (owned) */
	const hvt_backend_ops *ops;  /* m->ops */
	hvt_record_inputs own_inputs; /* used when cfg.inputs is NULL */
	const hvt_host_inputs *in;
	hvt_serial serial;
	int serial_ready;
	hvt_vcpu_ctx *vcpus;
	unsigned n_vcpus;
	uint64_t origin_ns;          /* host ns of event time zero */
	atomic_int stop_reason;      /* enum hvt_end_reason, or HVT_NO_STOP */
	atomic_int exit_code;
	atomic_int run_err;          /* first VMM error (negative HVT_E_*) */
	pthread_mutex_t done_mu;
	pthread_cond_t done_cv;
	unsigned n_done;
	/* Memory fingerprints of ASYNC landings (one vCPU at a time only). */
	hvt_mem_fp fp;
	int fp_method;               /* enum hvt_fp_method; NONE with parallel vCPUs */
	hvt_sched sched;
	char err_msg[256];
};

/* vm_stop.c: first caller wins; wakes every vCPU. Async-signal-safe. */
void hvt_vm_stop(hvt_vm *vm, int reason, int exit_code);
void hvt_vcpu_wake(void *vcpu_ctx);
void hvt_vm_fail(hvt_vm *vm, int err, const char *what);

/* vcpu_loop.c */
void *hvt_vcpu_thread(void *vcpu_ctx);
void hvt_end_with(hvt_vcpu_ctx *vc, int reason, const char *what, const hvt_exit *ex);

/* vcpu_arm64.c: the arm64 exits and the vtimer protocol (docs/guest-abi.md). */
int hvt_handle_vtimer(hvt_vcpu_ctx *vc, const hvt_exit *ex);
int hvt_handle_sysreg(hvt_vcpu_ctx *vc, const hvt_exit *ex);
int hvt_handle_wfi(hvt_vcpu_ctx *vc, const hvt_exit *ex);
int hvt_vtimer_sync(hvt_vcpu_ctx *vc, const hvt_exit *last);
/* Lower the IRQ line (an IRQ_ACK read): 1 if it was high, recorded. */
int hvt_irq_ack(hvt_vcpu_ctx *vc, uint64_t pc);

/* psci.c: HVC #0 calls (PSCI over SMCCC). */
int hvt_handle_hypercall(hvt_vcpu_ctx *vc, const hvt_exit *ex);

/* vcpu_events.c */
hvt_event *hvt_aux_push(hvt_vcpu_ctx *vc, uint8_t type, uint8_t kind);
/* An INTERRUPT event's landing: pc and register checksum of the exit before
 * the entry that delivers it; if async, the kind and the whole register
 * file as data, followed by the memory fingerprint when the VM takes them
 * (ev must come from hvt_aux_push). */
void hvt_irq_event_fill(hvt_vcpu_ctx *vc, hvt_event *ev, const hvt_exit *last, int async);
/* A landing point: pc, register checksum, register file and fingerprint as
 * data (ev from hvt_aux_push). */
void hvt_landing_fill(hvt_vcpu_ctx *vc, hvt_event *ev, const hvt_exit *last);
/* An exit that came wherever the guest was (kick, late interrupt window),
 * not at an instruction of its own. */
int hvt_exit_is_async(const hvt_exit *ex);

/* vcpu_sched.c: serialized recording (one vCPU at a time). */
int hvt_sched_init(hvt_sched *s, int on, uint64_t slice_ns);
void hvt_sched_destroy(hvt_sched *s); /* accepts a zeroed one */
int hvt_sched_start(hvt_vm *vm);
void hvt_sched_stop(hvt_vm *vm);
/* Before a run: wait for the baton; 1 when the VM stops instead. */
int hvt_sched_acquire(hvt_vcpu_ctx *vc);
/* Before an entry: yield if the slice is over. */
int hvt_sched_maybe_preempt(hvt_vcpu_ctx *vc, const hvt_exit *last);
/* At a halt, and when the vCPU ends. */
int hvt_sched_yield_halt(hvt_vcpu_ctx *vc);
void hvt_sched_yield_end(hvt_vcpu_ctx *vc);
/* For devices: NULL when only the run loop's reserve is left. A string I/O
 * exit can touch a device many times; what a device cannot record it must
 * not do (the console takes no input then; a marker is dropped). */
hvt_event *hvt_aux_push_dev(hvt_vcpu_ctx *vc, uint8_t type, uint8_t kind);
int hvt_aux_dev_room(const hvt_vcpu_ctx *vc);
void hvt_exit_begin(hvt_vcpu_ctx *vc, const hvt_exit *ex, uint64_t exit_ns);
int hvt_events_commit(hvt_vcpu_ctx *vc, uint64_t entry_ns);
int hvt_emit_end(hvt_vcpu_ctx *vc, int reason, int exit_code);
void hvt_maybe_sample(hvt_vcpu_ctx *vc, uint64_t now_ns, int force);
uint64_t hvt_vm_time(const hvt_vm *vm, uint64_t host_ns);

#endif
