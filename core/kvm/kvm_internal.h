/* KVM backend internals, private to core/kvm/. Only files in core/kvm/
 * include <linux/kvm.h> (this header, kvm_exit.h and the preload shim in
 * core/kvm/shim/) or this header; the include folders keep it out of reach
 * of replay/ and tools/, and scripts/check_deps.sh (ctest "deps") fails on
 * any other includer. */
#ifndef HVT_CORE_KVM_INTERNAL_H
#define HVT_CORE_KVM_INTERNAL_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>
#include "backend.h"

#define KVM_MAX_CPUID_ENTRIES 64u

#define HVT_KVM_MAX_SLOTS 8u

struct hvt_backend_vm {
	int kvm_fd;                  /* /dev/kvm */
	int vm_fd;
	size_t run_mmap_bytes;       /* KVM_GET_VCPU_MMAP_SIZE */
	struct kvm_cpuid2 *cpuid;    /* the fixed table handed to every vCPU */
	uint8_t *cpuid_portable;     /* same table, portable LE layout */
	size_t cpuid_portable_bytes;
	/* The RAM slots, for the dirty log (slot i = regions[i]). */
	hvt_mem_region slots[HVT_KVM_MAX_SLOTS];
	unsigned n_slots;
	uint64_t *dirty_scratch;     /* one slot's KVM bitmap (kvm_dirty.c) */
	size_t dirty_scratch_words;
};

struct hvt_backend_vcpu {
	hvt_backend_vm *vm;
	int fd;
	unsigned index;
	struct kvm_run *run;         /* shared with the kernel (mmap) */
	size_t run_mmap_bytes;
	pid_t owner_tid;             /* thread id of the owner, valid once owner_known */
	atomic_int owner_known;      /* set by the first run, read by kick */
	int regs_synced;             /* run->s.regs is current (cleared by set_regs) */
	uint32_t last_reason;        /* KVM exit reason of the last run */
	uint64_t exec_ns;            /* sum of time inside KVM_RUN */
};

/* kvm_vm.c */
int hvt_kvm_vm_create(const hvt_mem_region *regions, unsigned n, hvt_backend_vm **out,
		      char *msg, size_t msg_len);
void hvt_kvm_vm_free(hvt_backend_vm *vm);
int hvt_kvm_vm_cpuid(hvt_backend_vm *vm, const uint8_t **bytes, size_t *len_bytes);
/* kvm_dirty.c: the vm_dirty_log op (KVM_GET_DIRTY_LOG of every slot). */
int hvt_kvm_vm_dirty_log(hvt_backend_vm *vm, uint64_t *bitmap, uint64_t n_pages);

/* kvm_vcpu.c */
int hvt_kvm_vcpu_create(hvt_backend_vm *vm, unsigned index, hvt_backend_vcpu **out,
			char *msg, size_t msg_len);
void hvt_kvm_vcpu_free(hvt_backend_vcpu *vcpu);
int hvt_kvm_vcpu_run(hvt_backend_vcpu *vcpu, hvt_exit *ex);
int hvt_kvm_vcpu_complete_read(hvt_backend_vcpu *vcpu, const void *data, size_t len_bytes);
int hvt_kvm_vcpu_offer_irq(hvt_backend_vcpu *vcpu, uint8_t vector);
int hvt_kvm_vcpu_exec_time(hvt_backend_vcpu *vcpu, uint64_t *ns);

/* kvm_regs.c */
int hvt_kvm_vcpu_get_regs(hvt_backend_vcpu *vcpu, hvt_regs *regs);
int hvt_kvm_vcpu_set_regs(hvt_backend_vcpu *vcpu, const hvt_regs *regs);
int hvt_kvm_vcpu_set_debug(hvt_backend_vcpu *vcpu, const hvt_debug *dbg);

/* kvm_state.c: the whole vCPU state as a blob; system registers */
int hvt_kvm_vcpu_state_save(hvt_backend_vcpu *vcpu, void *buf, size_t cap, size_t *len);
int hvt_kvm_vcpu_state_load(hvt_backend_vcpu *vcpu, const void *buf, size_t len);
int hvt_kvm_vcpu_get_x86_sysregs(hvt_backend_vcpu *vcpu, hvt_x86_sysregs *out);

/* kvm_cpuid.c */
int hvt_kvm_cpuid_build(hvt_backend_vm *vm, char *msg, size_t msg_len);
int hvt_kvm_cpuid_set(hvt_backend_vcpu *vcpu, char *msg, size_t msg_len);

/* kvm_boot.c: long-mode boot state */
int hvt_kvm_boot_tables(const hvt_mem_region *regions, unsigned n, char *msg, size_t msg_len);
int hvt_kvm_boot_sregs(hvt_backend_vcpu *vcpu, char *msg, size_t msg_len);

/* kvm_exit.c: translate kvm_run into a portable exit */
void hvt_kvm_translate_exit(hvt_backend_vcpu *vcpu, int run_rc, int run_errno, hvt_exit *ex);

/* kvm_kick.c */
int hvt_kvm_kick_init(void);
void hvt_kvm_kick(hvt_backend_vcpu *vcpu);
void hvt_kvm_bind_owner(hvt_backend_vcpu *vcpu);

#endif
