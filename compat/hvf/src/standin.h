/*
 * Internal state of the Hypervisor.framework stand-in (compat/hvf): one VM
 * per process, as Apple's; one Unicorn arm64 engine per vCPU, all engines
 * mapping the same host memory; a fair VM-wide run lock so that exactly one
 * engine executes guest code at a time (two engines running in parallel on
 * shared RAM lose atomic updates, see README.md).
 *
 * Nothing here is visible outside libHypervisor.so (version script).
 */
#ifndef HVF_STANDIN_H
#define HVF_STANDIN_H

#include <Hypervisor/Hypervisor.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

#define SB_MAX_VCPUS 64u
#define SB_MAX_REGIONS 64u
#define SB_N_BREAKPOINTS 16u
#define SB_SLICE_NS 1000000ull /* longest uninterrupted stretch while others wait */

/* What stopped the engine, recorded by a hook (or the run loop) and turned
 * into an hv_vcpu_exit_t after uc_emu_start returns. */
enum sb_stop_kind {
    SB_STOP_NONE = 0,
    SB_STOP_DATA_ABORT,   /* access outside mapped memory or against its flags */
    SB_STOP_INSN_ABORT,   /* instruction fetch outside mapped memory */
    SB_STOP_EXCEPTION,    /* a CPU exception: intno below */
    SB_STOP_BREAKPOINT,   /* hardware breakpoint (code hook) at pc */
};

struct sb_stop {
    enum sb_stop_kind kind;
    uint32_t intno;        /* SB_STOP_EXCEPTION: Unicorn/QEMU exception number */
    uint64_t va;           /* aborts: faulting virtual address */
    uint32_t size_bytes;   /* data aborts: access size */
    bool is_write;         /* data aborts: store */
    bool permission;       /* aborts: permission (true) or translation fault */
};

struct sb_region {
    hv_ipa_t ipa;
    uint64_t size_bytes;
    uint8_t *host;
    hv_memory_flags_t flags;
};

/* The guest's EL1 virtual timer, emulated without exits. */
struct sb_vtimer {
    uint64_t ctl;          /* CNTV_CTL_EL0: bit0 ENABLE, bit1 IMASK (ISTATUS computed) */
    uint64_t cval_ticks;   /* CNTV_CVAL_EL0, in virtual-counter ticks (24 MHz) */
    uint64_t offset_ticks; /* CNTVCT = mach_absolute_time() - offset */
    bool masked;           /* set by a VTIMER_ACTIVATED exit, cleared by the VMM */
};

struct sb_vm;
struct sb_vcpu;

/* What a breakpoint hook's callback needs: its vCPU and slot. */
struct sb_bp_slot {
    struct sb_vcpu *vcpu;
    unsigned n;
};

struct sb_vcpu {
    struct sb_vm *vm;
    hv_vcpu_t id;
    pthread_t owner;                 /* the creating thread; only it may use the vCPU */
    uc_engine *uc;
    hv_vcpu_exit_t exit;             /* what hv_vcpu_create handed out */
    uint64_t map_gen;                /* vm->map_gen this engine's mappings reflect */
    struct sb_region mapped[SB_MAX_REGIONS];
    unsigned n_mapped;
    uc_hook bp_hooks[SB_N_BREAKPOINTS];  /* kept while disarmed: debug.c */
    struct sb_bp_slot bp_slots[SB_N_BREAKPOINTS];
    bool bp_dirty;                   /* debug registers changed since hooks were built */
    bool translated;                 /* the engine has run: it may hold translated blocks */
    bool counting;                   /* Unicorn's instruction counter is installed for good
                                      * (the first single step did it: debug.c) */
    uint64_t bp_addr[SB_N_BREAKPOINTS]; /* address of each hook in bp_hooks */

    struct sb_stop stop;             /* filled by hooks during one uc_emu_start */
    _Atomic bool kick;               /* hv_vcpus_exit pending (never lost) */
    /* timer_poke, yield_poke and kick are honoured by the block hook (run.c). */
    _Atomic bool timer_poke;         /* the ticker saw the deadline pass */
    _Atomic bool yield_poke;         /* the ticker wants the slice to end */

    bool pending_irq, pending_fiq;   /* asserted for the next hv_vcpu_run only */
    bool trap_debug_exceptions;
    bool trap_debug_reg_accesses;
    struct sb_vtimer vtimer;
    uint64_t mpidr;
    uint64_t dbgbvr[SB_N_BREAKPOINTS], dbgbcr[SB_N_BREAKPOINTS];
    uint64_t dbgwvr[SB_N_BREAKPOINTS], dbgwcr[SB_N_BREAKPOINTS];
    uint64_t mdscr, mdccint;
    uint64_t exec_ns;                /* cumulative time inside uc_emu_start */
    uint64_t slice_start_ns;         /* when this vCPU last took the run lock */
    uint64_t deadline_ns;            /* vtimer deadline while running (vCPU thread) */
    unsigned blocks_unchecked;       /* blocks run since the block hook read the clock */
};

struct sb_vm {
    pthread_mutex_t lock;            /* guards everything below */
    struct sb_region regions[SB_MAX_REGIONS];
    unsigned n_regions;
    uint64_t map_gen;                /* bumped at every map/unmap/protect */
    struct sb_vcpu *vcpus[SB_MAX_VCPUS];

    /* Fair run lock: a ticket queue. */
    pthread_cond_t run_cv;
    uint64_t next_ticket, now_serving;

    /* Which engine executes guest code right now (NULL: none). */
    struct sb_vcpu *running;

    /* The ticker thread ends slices and fires vtimer deadlines. */
    pthread_t ticker;
    pthread_cond_t ticker_cv;
    bool ticker_idle, ticker_quit;
    uint64_t ticker_wake_ns;         /* when the ticker will look next */
};

/* The one VM of this process (Apple: one VM per process). */
struct sb_vm *sb_vm_get(void);

/* vm.c: run lock and engine mapping. */
void sb_run_lock(struct sb_vm *vm);
void sb_run_unlock(struct sb_vm *vm);
bool sb_run_others_waiting(struct sb_vm *vm);
int sb_engine_sync_maps(struct sb_vcpu *vcpu);
void sb_ticker_notify(struct sb_vm *vm, uint64_t deadline_ns);

/* vcpu.c: lookup with Apple's misuse rules; SP_EL0/SP_EL1 (bank 0/1) as the
 * host sees them, i.e. the live SP when PSTATE selects that bank. */
hv_return_t sb_vcpu_owned(hv_vcpu_t id, struct sb_vcpu **out);
uint64_t sb_sp_get(struct sb_vcpu *v, unsigned bank);
void sb_sp_set(struct sb_vcpu *v, unsigned bank, uint64_t value);

/* engine.c: Unicorn engine setup and register plumbing. */
uc_engine *sb_engine_open(struct sb_vcpu *vcpu);
uint64_t sb_cp_read(uc_engine *uc, unsigned op0, unsigned op1, unsigned crn,
                    unsigned crm, unsigned op2);
int sb_cp_write(uc_engine *uc, unsigned op0, unsigned op1, unsigned crn,
                unsigned crm, unsigned op2, uint64_t value);
uint64_t sb_reg_read(uc_engine *uc, int uc_reg);
void sb_reg_write(uc_engine *uc, int uc_reg, uint64_t value);
uint64_t sb_pstate(uc_engine *uc);
void sb_set_hcr_lines(struct sb_vcpu *vcpu, bool irq, bool fiq);
void sb_flush_tlb(uc_engine *uc);
int sb_gpr_from_uc(int uc_reg);
bool sb_fetch_insn(struct sb_vcpu *vcpu, uint64_t va, uint32_t *insn);

/* sysreg.c: guest MRS/MSR emulation and host get/set_sys_reg. */
void sb_sysreg_install_hooks(struct sb_vcpu *vcpu);
hv_return_t sb_sysreg_get(struct sb_vcpu *vcpu, hv_sys_reg_t reg, uint64_t *value);
hv_return_t sb_sysreg_set(struct sb_vcpu *vcpu, hv_sys_reg_t reg, uint64_t value);

/* vtimer.c */
uint64_t sb_mono_ns(void);
uint64_t sb_vtimer_counter(const struct sb_vtimer *t);
bool sb_vtimer_firing(const struct sb_vtimer *t);
uint64_t sb_vtimer_deadline_ns(const struct sb_vtimer *t);
uint64_t sb_ticks_to_ns(uint64_t ticks);

/* debug.c: hardware breakpoints and single step. */
void sb_debug_rebuild(struct sb_vcpu *vcpu);
bool sb_debug_stepping(struct sb_vcpu *vcpu);
/* The count argument of uc_emu_start for this run (1 when stepping). */
size_t sb_debug_run_count(struct sb_vcpu *vcpu, bool step);

/* run.c: the engine hooks that record stops. */
void sb_run_install_hooks(struct sb_vcpu *vcpu);

/* ticker.c */
void *sb_ticker_main(void *arg);

/* exits.c: turn a stop into Apple's exit information; deliver guest
 * exceptions the framework would not exit for. */
bool sb_exit_from_stop(struct sb_vcpu *vcpu);
void sb_deliver_sync_to_el1(struct sb_vcpu *vcpu, uint64_t esr, uint64_t elr);

#endif /* HVF_STANDIN_H */
