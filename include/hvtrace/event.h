/* hvtrace: the event model shared by every backend, the writer and the reader.
 *
 * One flat struct describes every event; which fields mean what depends on
 * `type` (table below and formats/FORMAT.md). A flat struct keeps the codec
 * one loop over a presence mask, and lets one event type grow a field without
 * a new layout. Fields a type does not use are zero.
 */
#ifndef HVTRACE_EVENT_H
#define HVTRACE_EVENT_H

#include <stdint.h>
#include "hvtrace/api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Stream ids: vCPU index 0..HVT_MAX_STREAMS-1. Chunks that are not events
 * (metadata, blobs, the index) carry HVT_STREAM_META. */
#define HVT_MAX_STREAMS 256u
#define HVT_STREAM_META 0xffffffffu

/* Event types. Values are stored on disk: never renumber. */
enum hvt_event_type {
	HVT_EV_EXIT = 1,       /* a vCPU exit, committed when the VMM re-enters */
	HVT_EV_INTERRUPT = 2,  /* an interrupt injected into the guest */
	HVT_EV_TIMER = 3,      /* a device timer armed, fired or cancelled */
	HVT_EV_MEM_WRITE = 4,  /* a device wrote guest memory (DMA) */
	HVT_EV_CONSOLE_IN = 5, /* bytes the console received from the host */
	HVT_EV_EXEC_TIME = 6,  /* cumulative guest execution time sample */
	HVT_EV_MARKER = 7,     /* an annotation from the guest or the VMM */
	HVT_EV_END = 8,        /* end of the run on this vCPU */
	HVT_EV_TYPE_MAX = 8
};

/* Portable exit kinds (event.kind for HVT_EV_EXIT). Stored on disk. */
enum hvt_exit_kind {
	HVT_EXIT_UNKNOWN = 0,
	HVT_EXIT_PIO_IN = 1,     /* port read; value = data returned to the guest */
	HVT_EXIT_PIO_OUT = 2,    /* port write; value = data written */
	HVT_EXIT_MMIO_READ = 3,  /* MMIO read; value = data returned to the guest */
	HVT_EXIT_MMIO_WRITE = 4, /* MMIO write; value = data written */
	HVT_EXIT_HALT = 5,       /* x86 HLT, arm64 WFI/WFE */
	HVT_EXIT_HYPERCALL = 6,  /* VMCALL/VMMCALL, HVC */
	HVT_EXIT_TIMER = 7,      /* HVF VTIMER_ACTIVATED */
	HVT_EXIT_KICK = 8,       /* forced exit: KVM INTR/-EINTR, HVF CANCELED */
	HVT_EXIT_DEBUG = 9,      /* breakpoint or single step */
	HVT_EXIT_SHUTDOWN = 10,  /* triple fault, system event */
	HVT_EXIT_INTERNAL_ERROR = 11, /* the hypervisor could not run the guest */
	HVT_EXIT_IRQ_WINDOW = 12,     /* the guest can take an interrupt now */
	HVT_EXIT_SYSREG = 13,         /* arm64 system register access */
	HVT_EXIT_KIND_MAX = 13
};

/* How an interrupt landed (event.kind for HVT_EV_INTERRUPT). */
enum hvt_irq_landing {
	HVT_IRQ_AT_EXIT = 0,  /* injected at a synchronous exit (HLT, window) */
	HVT_IRQ_ASYNC = 1,    /* delivered by kicking a running vCPU, or raised at an
	                       * exit that came wherever the guest was (arm64 vtimer):
	                       * data holds the registers */
	HVT_IRQ_CLEARED = 2,  /* a level-triggered line went low (arm64: the guest
	                       * read IRQ_ACK); pc = the acknowledging access */
	HVT_IRQ_KIND_MAX = 2
};

/* Timer ids (event.addr for HVT_EV_TIMER) with a fixed meaning: the arm64
 * virtual timer, and the schedule of a serialized multi-vCPU recording (arm =
 * the vCPU takes slice `value`, fire = preempted, cancel = gave it up at a
 * halt; FORMAT.md). */
#define HVT_TIMER_ID_VTIMER 1u
#define HVT_TIMER_ID_SCHEDULE 2u

/* Timer event kinds (event.kind for HVT_EV_TIMER). */
enum hvt_timer_op {
	HVT_TIMER_ARM = 0,
	HVT_TIMER_FIRE = 1,
	HVT_TIMER_CANCEL = 2
};

/* Why a vCPU's run ended (event.kind for HVT_EV_END). */
enum hvt_end_reason {
	HVT_END_POWEROFF = 0,   /* the guest powered off; value = its exit code */
	HVT_END_SHUTDOWN = 1,   /* triple fault or reset */
	HVT_END_ERROR = 2,      /* the backend failed; data = message */
	HVT_END_TIMEOUT = 3,    /* --timeout expired */
	HVT_END_INTERRUPTED = 4,/* SIGINT/SIGTERM */
	HVT_END_BAD_ACCESS = 5, /* unmapped MMIO/port policy stopped the guest */
	HVT_END_DETACHED = 6,   /* interposed VMM exited or closed the vCPU */
	HVT_END_REASON_MAX = 6
};

/* Backend ids (raw_reason's namespace), stored in metadata key "backend". */
#define HVT_BACKEND_KVM "kvm"
#define HVT_BACKEND_HVF "hvf"

/* x86-64 register file order used for landing points and regs_hash:
 * rax rbx rcx rdx rsi rdi rsp rbp r8..r15 rip rflags (18 x u64, LE). */
#define HVT_X86_NREGS 18u
/* arm64: x0..x30 sp pc cpsr (34 x u64, LE). */
#define HVT_ARM64_NREGS 34u

/* Largest variable payload one event may carry. */
#define HVT_MAX_EVENT_DATA (1u << 20)

/* One event. Field meanings by type:
 *
 * type        kind            pc        addr            value              duration_ns  run_ns  size count raw_reason regs_hash data
 * EXIT        hvt_exit_kind   guest PC  port / guest PA data (<= 8 bytes)  handling     in-guest bytes reps backend    yes       string-I/O or >8-byte data
 * INTERRUPT   hvt_irq_landing landing PC vector/irq id  -                  -            -       -    -     -          yes       registers if ASYNC
 * TIMER       hvt_timer_op    -         timer id        deadline/period ns -            -       -    -     -          -         -
 * MEM_WRITE   -               -         guest PA        -                  -            -       -    -     -          -         bytes written
 * CONSOLE_IN  -               -         -               -                  -            -       -    -     -          -         bytes received
 * EXEC_TIME   -               -         -               cumulative guest ns -           -       -    -     -          -         -
 * MARKER      -               guest PC  marker id       marker value       -            -       -    -     -          -         optional label
 * END         hvt_end_reason  guest PC  -               exit code          -            -       -    -     -          -         optional message
 *
 * syndrome and fault_va are HVF's ESR and faulting VA for EXIT events.
 */
typedef struct hvt_event {
	uint8_t type;          /* enum hvt_event_type */
	uint8_t kind;          /* type-specific kind, see table */
	uint16_t flags;        /* type-specific HVT_EVF_* bits */
	uint32_t stream;       /* vCPU index */
	uint64_t seq;          /* index of the event in its stream, from 0 */
	uint64_t time_ns;      /* host monotonic ns since the trace's time origin */
	uint64_t pc;           /* guest program counter */
	uint64_t addr;         /* port, guest physical address, vector, id */
	uint64_t value;        /* data value, exit code, ns value */
	uint64_t duration_ns;  /* EXIT: exit to next entry (VMM handling time) */
	uint64_t run_ns;       /* EXIT: entry to exit (time inside the run call) */
	uint32_t size;         /* EXIT: access size in bytes */
	uint32_t count;        /* EXIT: repeat count of string I/O (1 otherwise) */
	uint32_t raw_reason;   /* EXIT: the backend's own exit reason */
	uint32_t regs_hash;    /* low 32 bits of XXH3-64 of the register file */
	uint64_t syndrome;     /* EXIT on HVF: exception syndrome */
	uint64_t fault_va;     /* EXIT on HVF: faulting virtual address */
	uint32_t data_len;     /* bytes at data */
	const uint8_t *data;   /* variable payload; borrowed, see owner's rules */
} hvt_event;

/* Flags (event.flags). */
#define HVT_EVF_EXIT_ERRNO 0x0001u   /* EXIT: the run call failed; value = errno */
#define HVT_EVF_EXIT_NO_REGS 0x0002u /* EXIT: regs_hash not available */
#define HVT_EVF_EXIT_UNHANDLED 0x0004u /* EXIT: no device claimed the access */
#define HVT_EVF_EXIT_UNFINISHED 0x0008u /* EXIT: the VMM never re-entered (it exited
                                         * first): no handling time, read data unknown */

HVT_API const char *hvt_event_type_name(unsigned type);
HVT_API const char *hvt_exit_kind_name(unsigned kind);
HVT_API const char *hvt_end_reason_name(unsigned reason);
/* "at-exit", "async", "cleared" (event.kind of an INTERRUPT). */
HVT_API const char *hvt_irq_kind_name(unsigned kind);
/* Name of an arm64 exception class (syndrome >> 26 & 0x3f), e.g. "hvc",
 * "data-abort-lower", "sysreg"; "other" for classes HVF does not report. */
HVT_API const char *hvt_arm64_ec_name(unsigned ec);
/* Parse a kind name as printed by hvt_exit_kind_name; -1 if unknown. */
HVT_API int hvt_exit_kind_from_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif
