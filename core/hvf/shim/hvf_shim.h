/* hvtrace's Hypervisor.framework interposer: internal interface between its
 * files (docs/interpose.md, docs/macos.md).
 *
 * Loaded into an unmodified HVF VMM by `hvtrace record -- COMMAND`
 * (LD_PRELOAD over the Linux stand-in, DYLD_INSERT_LIBRARIES on macOS), it
 * wraps the framework's vCPU calls and appends each exit, the values the VMM
 * hands back, interrupt and vtimer-mask changes and exec-time samples to
 * that vCPU's ring in the launcher's shared region
 * (core/include/core/interpose_ring.h), as the KVM shim does. After start-up
 * it allocates nothing, opens nothing and starts no thread. Like the KVM
 * shim it keeps its state in file-scope globals: one recorder per process.
 *
 * Every hv_vcpu_* call but hv_vcpus_exit comes from the vCPU's owning thread
 * (Apple's rule), so a vCPU's ring has one producer: its owner. The exit
 * path (atexit, any thread) is serialised against it by the slot's state.
 */
#ifndef HVT_HVF_SHIM_H
#define HVT_HVF_SHIM_H

#include <Hypervisor/Hypervisor.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "hvtrace/event.h"
#include "interpose_ring.h"

enum hvf_shim_state { HVF_SHIM_UNUSED = 0, HVF_SHIM_IDLE = 1, HVF_SHIM_BUSY = 2,
		      HVF_SHIM_DETACHED = 3 };

/* One per hv_vcpu_t below HVT_MAX_STREAMS, statically allocated. */
struct hvf_shim_vcpu {
	atomic_int state;              /* enum hvf_shim_state */
	hv_vcpu_t id;                  /* the framework's handle = stream id = ring index */
	const hv_vcpu_exit_t *exit;    /* the framework's exit record for id */
	struct hvt_iring *ring;        /* this vCPU's ring in the shared region */
	atomic_uint kicks;             /* hv_vcpus_exit calls naming it since its last kick exit */
	int has_pending;               /* an EXIT was published; its ENTRY is due */
	uint8_t pending_kind;          /* that exit's hvt_exit_kind */
	uint8_t result_reg;            /* X register the VMM's answer goes to; 31: none */
	uint8_t result_bytes;          /* bytes of that answer the guest sees (1..8) */
	uint8_t irq_level[2];          /* IRQ, FIQ as last recorded (the VMM's request) */
	uint8_t vtimer_masked;         /* the vtimer mask as last seen */
	uint64_t last_sample_ns;       /* monotonic ns of the last exec-time sample */
	uint64_t last_exec_ns;         /* its value */
};

/* hvf_shim_real.c: the framework's own functions. */
struct hvf_real {
	hv_return_t (*vm_create)(hv_vm_config_t);
	hv_return_t (*vm_map)(void *, hv_ipa_t, size_t, hv_memory_flags_t);
	hv_return_t (*vcpu_create)(hv_vcpu_t *, hv_vcpu_exit_t **, hv_vcpu_config_t);
	hv_return_t (*vcpu_destroy)(hv_vcpu_t);
	hv_return_t (*vcpu_run)(hv_vcpu_t);
	hv_return_t (*vcpus_exit)(hv_vcpu_t *, uint32_t);
	hv_return_t (*set_pending_interrupt)(hv_vcpu_t, hv_interrupt_type_t, bool);
	hv_return_t (*set_vtimer_mask)(hv_vcpu_t, bool);
	hv_return_t (*get_reg)(hv_vcpu_t, hv_reg_t, uint64_t *);
	hv_return_t (*get_sys_reg)(hv_vcpu_t, hv_sys_reg_t, uint64_t *);
	hv_return_t (*get_exec_time)(hv_vcpu_t, uint64_t *);
};
extern struct hvf_real hvf_real;
/* 0 once every function is known (the framework is in the process). */
int hvf_shim_resolve(void);

/* hvf_shim_recorder.c: the process-wide recorder. */
void hvf_shim_attach(void);                   /* at load: map the launcher's region */
int hvf_shim_claim(void);                     /* at the VM's creation: become the recorder */
int hvf_shim_recording(void);
struct hvt_iring_region *hvf_shim_region(void);
struct hvf_shim_vcpu *hvf_shim_slot(hv_vcpu_t id);      /* NULL unless created and recording */
struct hvf_shim_vcpu *hvf_shim_slot_make(hv_vcpu_t id); /* at hv_vcpu_create */
void hvf_shim_note_map(hv_ipa_t ipa, size_t bytes, hv_memory_flags_t flags);
void hvf_shim_finish(void);                   /* exit: end every vCPU's stream */
void hvf_shim_drop_in_child(void);            /* after fork: the child never records */

/* hvf_shim_vcpu.c: around the vCPU calls, on the owning thread. */
uint64_t hvf_shim_now_ns(void);
hv_return_t hvf_shim_run(struct hvf_shim_vcpu *v);
void hvf_shim_irq_set(struct hvf_shim_vcpu *v, hv_interrupt_type_t type, int level);
void hvf_shim_vtimer_set(struct hvf_shim_vcpu *v, int masked);
void hvf_shim_destroyed(struct hvf_shim_vcpu *v);    /* before the real destroy */
void hvf_shim_detach(struct hvf_shim_vcpu *v);       /* END, from any thread */

#endif
