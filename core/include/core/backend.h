/* hvtrace core: the vCPU backend interface.
 *
 * Shaped on Hypervisor.framework's hv_vcpu_run(): a vCPU runs on its owning
 * thread until the next exit, which comes back as a portable description;
 * any thread may force an exit (kick); a pending interrupt is offered before
 * a run; cumulative guest execution time, registers, hardware breakpoints and
 * single step are available for replay.
 *
 * This header must stay free of <linux/kvm.h> and of any OS header beyond the
 * C library: an HVF backend (core/hvf/) implements the same table and the run
 * loop (core/vcpu_loop.c) does not change. Only core/kvm/ includes KVM's ABI.
 *
 * Threading: every hvt_vcpu_* op except kick must be called by the thread that
 * runs the vCPU. kick may be called from any thread and from a signal handler.
 */
#ifndef HVT_CORE_BACKEND_H
#define HVT_CORE_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "hvtrace/event.h"

typedef struct hvt_backend_vm hvt_backend_vm; /* one VM: memory and CPUID */
typedef struct hvt_backend_vcpu hvt_backend_vcpu;

/* One guest-physical RAM region backed by host memory the caller owns. */
typedef struct hvt_mem_region {
	uint64_t guest_pa;  /* first guest physical address, page aligned */
	uint64_t len_bytes; /* length, page multiple */
	void *host;         /* host mapping of the region, len_bytes long */
} hvt_mem_region;

/* Largest data one exit carries inline: string I/O moves count * size bytes
 * through the backend's buffer (KVM: one page). */
#define HVT_EXIT_MAX_DATA 4096u

/* The page size of vm_dirty_log's bitmap. */
#define HVT_DIRTY_PAGE_BYTES 4096u

/* The largest register file of any architecture (arm64's 34). */
#define HVT_MAX_NREGS HVT_ARM64_NREGS

/* A portable description of one exit, filled by run().
 *
 * Per kind, beyond the obvious: MMIO on arm64 also sets fault_va and syndrome
 * (the data abort's ESR); HYPERCALL: addr = X0 at the call (the SMCCC
 * function id), detail[0..3] = X0..X3, syndrome = ESR (imm16 in its low
 * bits); SYSREG: addr = the MSR/MRS encoding (op0 << 14 | op1 << 11 |
 * CRn << 7 | CRm << 3 | op2), is_write = MSR, value = the data written,
 * detail[0] = Rt; UNKNOWN on arm64: syndrome = the raw ESR. A read (MMIO,
 * MRS) or a hypercall gets its result through complete_read. */
typedef struct hvt_exit {
	uint8_t kind;         /* enum hvt_exit_kind */
	uint8_t is_write;     /* PIO/MMIO/SYSREG: 1 = guest wrote, 0 = guest reads */
	uint8_t regs_valid;   /* regs holds the register file at the exit */
	uint8_t irq_ready;    /* the guest can take an interrupt right now */
	uint32_t raw_reason;  /* backend's own exit code (KVM_EXIT_*, hv_exit_reason_t) */
	uint64_t addr;        /* port number, guest physical address, sysreg, function id */
	uint32_t size;        /* access size in bytes (1, 2, 4, 8) */
	uint32_t count;       /* string I/O repetitions, 1 otherwise */
	uint64_t value;       /* write: first element's data, zero-extended */
	const uint8_t *data;  /* write: count * size bytes; borrowed until next run */
	uint64_t run_ns;      /* host time spent inside the run call */
	int err;              /* errno when the run call itself failed, else 0 */
	uint64_t detail[4];   /* raw words: KVM INTERNAL_ERROR/FAIL_ENTRY/SYSTEM_EVENT,
	                       * HVF hypercall X0..X3 or sysreg Rt */
	uint64_t syndrome;    /* arm64: ESR of an EXCEPTION exit, else 0 */
	uint64_t fault_va;    /* arm64 data abort: faulting virtual address (FAR) */
	uint32_t nregs;       /* entries of regs in use: HVT_X86_NREGS or HVT_ARM64_NREGS
	                       * (0 from an older filler means HVT_X86_NREGS) */
	uint64_t regs[HVT_MAX_NREGS]; /* register file in event.h order when regs_valid;
	                       * the tail past nregs is zero */
} hvt_exit;

/* Portable register file: x86-64 uses the first HVT_X86_NREGS entries in the
 * event.h order, arm64 the first HVT_ARM64_NREGS. */
typedef struct hvt_regs {
	uint32_t nregs;                /* HVT_X86_NREGS or HVT_ARM64_NREGS */
	uint64_t r[HVT_ARM64_NREGS];   /* values; unused tail is zero */
} hvt_regs;

enum hvt_x86_reg {
	HVT_X86_RAX, HVT_X86_RBX, HVT_X86_RCX, HVT_X86_RDX, HVT_X86_RSI,
	HVT_X86_RDI, HVT_X86_RSP, HVT_X86_RBP, HVT_X86_R8, HVT_X86_R9,
	HVT_X86_R10, HVT_X86_R11, HVT_X86_R12, HVT_X86_R13, HVT_X86_R14,
	HVT_X86_R15, HVT_X86_RIP, HVT_X86_RFLAGS
};

/* arm64: x0..x30, then the current SP (SP_EL1 in EL1h), PC and CPSR. */
enum hvt_arm64_reg {
	HVT_ARM64_X0 = 0, HVT_ARM64_X1 = 1, HVT_ARM64_X2 = 2, HVT_ARM64_X30 = 30,
	HVT_ARM64_SP = 31, HVT_ARM64_PC = 32, HVT_ARM64_CPSR = 33
};

/* Hardware debug state: up to four execution breakpoints plus single step. */
#define HVT_MAX_HW_BREAKPOINTS 4u
typedef struct hvt_debug {
	uint64_t bp_gva[HVT_MAX_HW_BREAKPOINTS]; /* guest virtual address (DR0-DR3) */
	uint8_t bp_enabled_mask;                 /* bit i enables bp_gva[i] */
	uint8_t single_step;                     /* 1 = trap after each instruction */
} hvt_debug;

/* The arm64 virtual timer as the VMM sees it after an exit (vcpu_timer_sync). */
typedef struct hvt_vtimer_state {
	uint8_t unmasked;     /* this call unmasked it: the guest dealt with the last firing */
	uint8_t masked;       /* still masked after a VTIMER_ACTIVATED exit */
	uint8_t armed;        /* CNTV_CTL: ENABLE set, IMASK clear: it will fire */
	uint8_t firing;       /* armed and ISTATUS set: its deadline has passed */
	uint64_t ctl;         /* CNTV_CTL_EL0 */
	uint64_t cval;        /* CNTV_CVAL_EL0, in virtual counter ticks */
	uint64_t wait_ns;     /* armed: host ns until it fires (0 = due now) */
} hvt_vtimer_state;

/* x86-64 state beyond the 18-register file, for debuggers (replay/gdb/):
 * segment selectors, fs/gs base, control registers, EFER, x87 and SSE. */
typedef struct hvt_x86_sysregs {
	uint16_t sel[6];             /* selectors: cs ss ds es fs gs */
	uint64_t fs_base, gs_base;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer;
	uint64_t idt_base;           /* IDTR: where interrupt handlers are found */
	uint16_t idt_limit;
	uint8_t st[8][10];           /* x87 ST(0)..ST(7), 80-bit little-endian */
	uint16_t fcw, fsw, ftw;      /* control, status, full 16-bit tag word */
	uint16_t fop;
	uint64_t fip, fdp;           /* last instruction and data pointers */
	uint8_t xmm[16][16];
	uint32_t mxcsr;
} hvt_x86_sysregs;

/* arm64 state beyond the 34-register file, for debuggers (replay/gdb/):
 * what a stage-1 walk needs, where exceptions go, FP/SIMD. */
typedef struct hvt_arm64_sysregs {
	uint64_t sctlr_el1, tcr_el1, ttbr0_el1, ttbr1_el1; /* translation regime */
	uint64_t vbar_el1;           /* exception vectors */
	uint64_t elr_el1, spsr_el1, esr_el1, far_el1;
	uint64_t sp_el0, sp_el1;
	uint32_t fpsr, fpcr;
	uint8_t q[32][16];           /* V0..V31, little-endian */
} hvt_arm64_sysregs;

/* Largest opaque vCPU state a backend saves (vcpu_state_save). */
#define HVT_VCPU_STATE_MAX_BYTES 16384u

/* Result of offering an interrupt: injected at the next entry, or the guest
 * cannot take it now and the backend asked for an IRQ_WINDOW exit. */
enum hvt_irq_offer { HVT_IRQ_DEFERRED = 0, HVT_IRQ_INJECTED = 1 };

/* The ops table. Every int-returning op returns 0 (or a documented positive
 * value) or a negative HVT_E_*; msg/msg_len, where present, receive a one-line
 * explanation. */
typedef struct hvt_backend_ops {
	const char *name; /* HVT_BACKEND_KVM, HVT_BACKEND_HVF */

	/* Create a VM over the given RAM regions (the first must start at 0).
	 * For the hvtrace boot state of docs/guest-abi.md an x86 backend writes
	 * its GDT and page tables into RAM at [HVT_GUEST_GDT_PA,
	 * HVT_GUEST_BOOT_END_PA). */
	int (*vm_create)(const hvt_mem_region *regions, unsigned n_regions,
			 hvt_backend_vm **out, char *msg, size_t msg_len);
	void (*vm_free)(hvt_backend_vm *vm); /* accepts NULL */
	/* The fixed CPUID table (x86) in the portable layout: entries of six
	 * u32 LE {function, index, eax, ebx, ecx, edx}. Borrowed from vm. */
	int (*vm_cpuid)(hvt_backend_vm *vm, const uint8_t **bytes, size_t *len_bytes);

	/* Create vCPU `index` in the boot state; entry registers are set by
	 * the caller with set_regs. */
	int (*vcpu_create)(hvt_backend_vm *vm, unsigned index,
			   hvt_backend_vcpu **out, char *msg, size_t msg_len);
	void (*vcpu_free)(hvt_backend_vcpu *vcpu); /* accepts NULL */

	/* Run until the next exit (owning thread only). Returns 0 with *ex
	 * filled, also for a failed run call (ex->err set, kind KICK if it was
	 * interrupted); a negative HVT_E_* only for misuse. */
	int (*vcpu_run)(hvt_backend_vcpu *vcpu, hvt_exit *ex);
	/* Hand the data of the last read exit to the guest (count * size
	 * bytes); takes effect at the next run. On arm64 also the result of an
	 * MRS (8 bytes, into Rt) and of a hypercall (8 bytes, into X0); the
	 * instruction that exited completes at the next run (the PC moves past
	 * a data abort, MRS/MSR or WFI then, never past HVC: it already is). */
	int (*vcpu_complete_read)(hvt_backend_vcpu *vcpu, const void *data, size_t len_bytes);
	/* Force an exit, or make the next run return at once. Any thread;
	 * async-signal-safe. */
	void (*vcpu_kick)(hvt_backend_vcpu *vcpu);
	/* Offer interrupt `vector` before the next run: returns HVT_IRQ_INJECTED
	 * if it will be delivered at the next entry, HVT_IRQ_DEFERRED if the
	 * guest is not interruptible (retry after the IRQ_WINDOW exit). */
	int (*vcpu_offer_irq)(hvt_backend_vcpu *vcpu, uint8_t vector);
	/* Cumulative guest execution time in ns. */
	int (*vcpu_exec_time)(hvt_backend_vcpu *vcpu, uint64_t *ns);
	/* The registers the guest resumes with at the next run: on arm64 a
	 * completion still pending (PC past the trapped instruction, a read
	 * value in Rt) is included, as KVM reports RIP past a HLT. */
	int (*vcpu_get_regs)(hvt_backend_vcpu *vcpu, hvt_regs *regs);
	int (*vcpu_set_regs)(hvt_backend_vcpu *vcpu, const hvt_regs *regs);
	int (*vcpu_set_debug)(hvt_backend_vcpu *vcpu, const hvt_debug *dbg);

	/* Optional ops (NULL when the architecture has no such thing). */

	/* Level-triggered interrupt line (arm64: the IRQ input, offered with
	 * hv_vcpu_set_pending_interrupt before every run while high). Owning
	 * thread. NULL on x86, which injects vectors with offer_irq. */
	int (*vcpu_set_irq_line)(hvt_backend_vcpu *vcpu, int high);
	/* The arm64 vtimer protocol, at every exit (owning thread): if the timer
	 * is masked after a VTIMER_ACTIVATED exit and no longer firing (CNTV_CTL
	 * ENABLE clear, IMASK set or ISTATUS clear), unmask it; report the state
	 * and, when armed, the host ns until it fires. */
	int (*vcpu_timer_sync)(hvt_backend_vcpu *vcpu, hvt_vtimer_state *st);
	/* Replay: hold (1) keeps the vtimer masked until released (0), whatever
	 * the guest writes to CNTV_CTL_EL0, so it never fires by itself (no
	 * VTIMER_ACTIVATED exit); timer_sync does not unmask a held timer. The
	 * recorded timer interrupts are landed instead. Owning thread. */
	int (*vcpu_vtimer_hold)(hvt_backend_vcpu *vcpu, int hold);
	/* The owning thread is done with the vCPU (HVF: a vCPU is destroyed by
	 * the thread that created it). Only free may follow. */
	void (*vcpu_detach)(hvt_backend_vcpu *vcpu);
	/* The whole architectural state of a vCPU (registers, system and FPU
	 * registers, pending events, debug registers, the MSRs a guest may set)
	 * as an opaque blob of at most HVT_VCPU_STATE_MAX_BYTES, and back; for
	 * checkpoints (replay/gdb/). Owning thread, between runs; save completes
	 * nothing: the caller first settles a pending read with a kicked run.
	 * load may only be given a blob save produced for this backend. */
	int (*vcpu_state_save)(hvt_backend_vcpu *vcpu, void *buf, size_t cap, size_t *len);
	int (*vcpu_state_load)(hvt_backend_vcpu *vcpu, const void *buf, size_t len);
	/* x86-64 only: segment, control, x87 and SSE registers (read-only). */
	int (*vcpu_get_x86_sysregs)(hvt_backend_vcpu *vcpu, hvt_x86_sysregs *out);
	/* arm64 only: translation, exception and FP/SIMD registers (read-only).
	 * Owning thread, between runs. */
	int (*vcpu_get_arm64_sysregs)(hvt_backend_vcpu *vcpu, hvt_arm64_sysregs *out);
	/* Dirty-page log (issue 13's memory fingerprint): OR into `bitmap` (bit
	 * n = guest page n of HVT_DIRTY_PAGE_BYTES, n_pages bits) every page the
	 * guest wrote since the previous call or since vm_create, and restart
	 * the log. Writes by the VMM itself are not logged. Any thread while no
	 * vCPU runs. NULL when the backend keeps no log (HVF). */
	int (*vm_dirty_log)(hvt_backend_vm *vm, uint64_t *bitmap, uint64_t n_pages);
	/* arm64: the frequency of the counter the guest reads (CNTVCT_EL0, as
	 * CNTFRQ_EL0 tells it), in Hz: recorded, so a replay on a host whose
	 * counter runs at another rate can say why it diverges. NULL on x86. */
	int (*vm_counter_hz)(hvt_backend_vm *vm, uint64_t *hz);
} hvt_backend_ops;

/* The KVM backend (Linux x86-64 only; NULL elsewhere). */
const hvt_backend_ops *hvt_backend_kvm(void);
/* The Hypervisor.framework backend (macOS arm64, or Linux with the stand-in
 * of compat/hvf/; NULL in builds without it). */
const hvt_backend_ops *hvt_backend_hvf(void);

#endif
