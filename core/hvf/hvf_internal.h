/* Hypervisor.framework backend internals: the only header of core/ that
 * includes Apple's API, and only the files in core/hvf/ include it.
 *
 * Written against Apple's documentation of the arm64 API and nothing else:
 * on macOS it builds against the framework, on Linux against the declarations
 * in compat/hvf/include/ (whatever implements them there is no concern of
 * this code).
 *
 * Threading, as Apple requires: a vCPU belongs to the thread that called
 * hv_vcpu_create, and every hv_vcpu_* call on it must come from that thread.
 * hvt_machine creates vCPUs on its caller's thread, so this backend creates
 * the framework's vCPU lazily, at the first op on the owning thread (set_regs
 * of the entry state), and destroys it in vcpu_detach on the same thread.
 * hv_vcpus_exit is the one call allowed from any thread; it is not
 * documented async-signal-safe, so kicks go through a pipe to a kicker
 * thread (hvf_kick.c).
 */
#ifndef HVT_CORE_HVF_INTERNAL_H
#define HVT_CORE_HVF_INTERNAL_H

#include <Hypervisor/Hypervisor.h>
#include <mach/mach_time.h>
#include <pthread.h>
#include <stdatomic.h>
#include "backend.h"
#include "hvf_exit.h"

#define HVF_MAX_VCPUS 64u

struct hvt_backend_vm {
	hvt_mem_region regions[4];   /* mapped with hv_vm_map */
	unsigned n_regions;
	int vm_created;              /* hv_vm_create succeeded: destroy on free */
	hvt_backend_vcpu *vcpus[HVF_MAX_VCPUS]; /* registered by vcpu_create */
	unsigned n_vcpus;
	mach_timebase_info_data_t timebase; /* mach ticks -> ns */
	int kick_rd, kick_wr;        /* self-pipe: kick() -> kicker thread */
	pthread_t kicker;
	int kicker_started;
	atomic_int kicker_quit;
};

struct hvt_backend_vcpu {
	hvt_backend_vm *vm;
	unsigned index;
	hv_vcpu_t id;                /* valid once created */
	hv_vcpu_exit_t *exit;        /* the framework's exit record for id */
	atomic_int created;          /* hv_vcpu_create done on the owning thread */
	atomic_int detached;         /* hv_vcpu_destroy done (or never to be done) */
	atomic_int kick_pending;     /* a kick not yet seen by vcpu_run */
	atomic_int in_run;           /* inside hv_vcpu_run */
	int irq_line;                /* IRQ offered before every run while set */
	int vtimer_masked;           /* masked by a VTIMER_ACTIVATED exit */
	int vtimer_held;             /* replay: masked until released (vcpu_vtimer_hold) */
	int single_step;             /* set CPSR.SS before every run */
	uint64_t step_spsr;          /* SPSR_EL1 before a stepped run (hvt_hvf_finish_step) */
	uint64_t vtimer_offset;      /* mach ticks: CNTVCT = mach time - offset */
	hvf_pending pend;
};

/* An hv_return_t that is not HV_SUCCESS becomes HVT_E_BACKEND. */
#define HVF_TRY(call) \
	do { \
		if ((call) != HV_SUCCESS) \
			return HVT_E_BACKEND; \
	} while (0)

/* hvf_vm.c */
int hvt_hvf_vm_create(const hvt_mem_region *regions, unsigned n, hvt_backend_vm **out,
		      char *msg, size_t msg_len);
void hvt_hvf_vm_free(hvt_backend_vm *vm);
int hvt_hvf_vm_cpuid(hvt_backend_vm *vm, const uint8_t **bytes, size_t *len_bytes);
int hvt_hvf_vm_counter_hz(hvt_backend_vm *vm, uint64_t *hz);

/* hvf_vcpu.c */
int hvt_hvf_vcpu_create(hvt_backend_vm *vm, unsigned index, hvt_backend_vcpu **out,
			char *msg, size_t msg_len);
void hvt_hvf_vcpu_free(hvt_backend_vcpu *vcpu);
void hvt_hvf_vcpu_detach(hvt_backend_vcpu *vcpu);
int hvt_hvf_ensure_created(hvt_backend_vcpu *vcpu);
int hvt_hvf_vcpu_run(hvt_backend_vcpu *vcpu, hvt_exit *ex);
int hvt_hvf_vcpu_complete_read(hvt_backend_vcpu *vcpu, const void *data, size_t len_bytes);
int hvt_hvf_vcpu_offer_irq(hvt_backend_vcpu *vcpu, uint8_t vector);
int hvt_hvf_vcpu_set_irq_line(hvt_backend_vcpu *vcpu, int high);
int hvt_hvf_vcpu_exec_time(hvt_backend_vcpu *vcpu, uint64_t *ns);

/* hvf_exit.c: hv_vcpu_exit_t (+ registers) -> hvt_exit and the pending
 * completion (hvt_hvf_exit_classify, hvf_exit.h, plus the registers). */
void hvt_hvf_decode_exit(hvt_backend_vcpu *vcpu, hvt_exit *ex);

/* hvf_regs.c */
int hvt_hvf_boot_state(hvt_backend_vcpu *vcpu);
int hvt_hvf_read_regs(hvt_backend_vcpu *vcpu, uint64_t regs[HVT_ARM64_NREGS]);
int hvt_hvf_vcpu_get_regs(hvt_backend_vcpu *vcpu, hvt_regs *regs);
int hvt_hvf_vcpu_set_regs(hvt_backend_vcpu *vcpu, const hvt_regs *regs);
int hvt_hvf_apply_pending(hvt_backend_vcpu *vcpu);

/* hvf_debug.c */
int hvt_hvf_vcpu_set_debug(hvt_backend_vcpu *vcpu, const hvt_debug *dbg);
int hvt_hvf_prepare_step(hvt_backend_vcpu *vcpu);
int hvt_hvf_finish_step(hvt_backend_vcpu *vcpu);

/* hvf_state.c: checkpoints and the debugger's system registers */
int hvt_hvf_vcpu_state_save(hvt_backend_vcpu *vcpu, void *buf, size_t cap, size_t *len);
int hvt_hvf_vcpu_state_load(hvt_backend_vcpu *vcpu, const void *buf, size_t len);
int hvt_hvf_vcpu_get_arm64_sysregs(hvt_backend_vcpu *vcpu, hvt_arm64_sysregs *out);

/* hvf_timer.c */
int hvt_hvf_vcpu_timer_sync(hvt_backend_vcpu *vcpu, hvt_vtimer_state *st);
int hvt_hvf_vcpu_vtimer_hold(hvt_backend_vcpu *vcpu, int hold);
uint64_t hvt_hvf_ticks_to_ns(const hvt_backend_vm *vm, uint64_t ticks);

/* hvf_kick.c */
int hvt_hvf_kicker_start(hvt_backend_vm *vm);
void hvt_hvf_kicker_stop(hvt_backend_vm *vm);
void hvt_hvf_kick(hvt_backend_vcpu *vcpu);

#endif
