/* hvtrace guest SDK for arm64 (Hypervisor.framework backend): everything a
 * freestanding AArch64 guest needs to talk to the hvtrace VMM. The helper
 * names are those of the x86-64 SDK (guests/include/hvt_guest.h) where the
 * idea carries over. Build with Debian's cross gcc (docs/guest-abi.md, "arm64"):
 *
 *   aarch64-linux-gnu-gcc -ffreestanding -nostdlib -static -fno-pic -no-pie \
 *       -mgeneral-regs-only -mstrict-align -march=armv8-a+lse \
 *       -mno-outline-atomics -O2 -I guests/arm64/include \
 *       -T guests/arm64/sdk/guest.ld guests/arm64/sdk/crt0.S \
 *       guests/arm64/sdk/vectors.S guests/arm64/sdk/irq.c \
 *       guests/arm64/sdk/libc.c my.c -o my
 *
 * crt0.S turns the MMU and caches on (identity map), installs the vector
 * table and calls `int hvt_main(unsigned vcpu, unsigned n_vcpus)` on every
 * vCPU with IRQs masked; returning powers the machine off with the returned
 * value as exit code.
 *
 * Never read CNTVCT_EL0 (or branch on CNTV_CTL_EL0.ISTATUS): like RDTSC on
 * x86 it reads host state without an exit, so a trace cannot capture it and
 * replay diverges. Use hvt_clock_ns().
 */
#ifndef HVT_GUEST_H
#define HVT_GUEST_H

#include <stdint.h>
#include "../../include/hvt_guest_abi.h"

#define HVT_ARM64_MAX_VCPUS 64u /* the VMM's limit (HVT_VM_MAX_VCPUS) */

int hvt_main(unsigned vcpu, unsigned n_vcpus);

/* ---- MMIO: one exit per access; explicit single LDR/STR so the data abort
 * carries a valid syndrome (ISV=1: no pair, no writeback forms) ---- */
static inline uint64_t hvt_mmio_read64(uint64_t pa)
{
	uint64_t v;

	__asm__ volatile("ldr %x0, [%1]" : "=r"(v) : "r"(pa) : "memory");
	return v;
}

static inline void hvt_mmio_write64(uint64_t pa, uint64_t v)
{
	__asm__ volatile("str %x0, [%1]" : : "r"(v), "r"(pa) : "memory");
}

/* ---- console: one MMIO write exit per byte ---- */
static inline void hvt_putc(char c)
{
	hvt_mmio_write64(HVT_MMIO_CONSOLE_DATA, (uint8_t)c);
}

#include "../../include/hvt_guest_print.h"

/* -1 if no input byte is waiting, else the byte (two reads, two exits). */
static inline int hvt_getc_nonblock(void)
{
	if (!(hvt_mmio_read64(HVT_MMIO_CONSOLE_STATUS) & HVT_SERIAL_LSR_DR))
		return -1;
	return (int)(hvt_mmio_read64(HVT_MMIO_CONSOLE_DATA) & 0xff);
}

/* ---- this vCPU ---- */
/* crt0.S stores the vCPU index (X0 at entry) in TPIDR_EL1; reading it never
 * exits (MPIDR_EL1.Aff0 holds the same number). */
static inline unsigned hvt_vcpu_index(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, tpidr_el1" : "=r"(v));
	return (unsigned)v;
}

/* ---- PSCI over HVC #0 (SMCCC: X0 = function id, result in X0) ---- */
static inline uint64_t hvt_hvc0(uint64_t function_id)
{
	register uint64_t x0 __asm__("x0") = function_id;

	__asm__ volatile("hvc #0"
			 : "+r"(x0)
			 :
			 : "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10",
			   "x11", "x12", "x13", "x14", "x15", "x16", "x17", "memory");
	return x0;
}

/* PSCI 1.0 answers 0x00010000. */
static inline uint32_t hvt_psci_version(void)
{
	return (uint32_t)hvt_hvc0(HVT_PSCI_VERSION);
}

static inline __attribute__((noreturn)) void hvt_halt_forever(void)
{
	for (;;)
		__asm__ volatile("msr daifset, #0xf\n\twfi" ::: "memory");
}

/* END POWEROFF with exit code 0. */
static inline __attribute__((noreturn)) void hvt_psci_system_off(void)
{
	hvt_hvc0(HVT_PSCI_SYSTEM_OFF);
	hvt_halt_forever();
}

/* END SHUTDOWN (the twin of an x86 triple fault). */
static inline __attribute__((noreturn)) void hvt_psci_system_reset(void)
{
	hvt_hvc0(HVT_PSCI_SYSTEM_RESET);
	hvt_halt_forever();
}

/* ---- power, markers, clock, entropy ---- */
/* END POWEROFF with any exit code (PSCI SYSTEM_OFF can only say 0). */
static inline __attribute__((noreturn)) void hvt_poweroff(uint32_t exit_code)
{
	hvt_mmio_write64(HVT_MMIO_POWEROFF, exit_code);
	hvt_halt_forever();
}

/* Annotate the trace: a MARKER event with this id and value. The VMM takes
 * the value from X1 at the store, so both registers are pinned. */
static inline void hvt_marker(uint32_t id, uint64_t value)
{
	register uint64_t x0 __asm__("x0") = id;
	register uint64_t x1 __asm__("x1") = value;
	register uint64_t x2 __asm__("x2") = HVT_MMIO_MARKER;

	__asm__ volatile("str x0, [x2]" : : "r"(x0), "r"(x1), "r"(x2) : "memory");
}

static inline uint64_t hvt_clock_ns(void)
{
	return hvt_mmio_read64(HVT_MMIO_CLOCK_NS);
}

static inline uint64_t hvt_random64(void)
{
	return hvt_mmio_read64(HVT_MMIO_ENTROPY);
}

/* ---- interrupts ---- */
/* What the SDK's IRQ entry saved (the interrupted code's caller-saved
 * registers, its PC and PSTATE); a handler may read or change it. */
struct hvt_irq_frame {
	uint64_t x[19]; /* x0-x18 */
	uint64_t lr;    /* x30 */
	uint64_t elr;   /* ELR_EL1: where the interrupt landed */
	uint64_t spsr;  /* SPSR_EL1: PSTATE there */
};

/* Called by the SDK for each acknowledged interrupt, with IRQs masked, after
 * the SDK has re-armed or stopped the timer and read HVT_MMIO_IRQ_ACK. */
typedef void (*hvt_irq_handler_fn)(unsigned irq_id, struct hvt_irq_frame *frame);

/* One handler for every vCPU (use hvt_vcpu_index() inside); NULL: interrupts
 * are acknowledged and otherwise ignored (a timer then only ends a WFI). */
void hvt_set_irq_handler(hvt_irq_handler_fn handler);

/* Read HVT_MMIO_IRQ_ACK: lowers the IRQ line; HVT_IRQ_ID_VTIMER, or
 * HVT_IRQ_ID_NONE if nothing was pending. The SDK's IRQ entry does this. */
static inline unsigned hvt_irq_ack(void)
{
	return (unsigned)hvt_mmio_read64(HVT_MMIO_IRQ_ACK);
}

/* PSTATE.I. The ISB makes an IRQ pending at hvt_irq_enable() land there. */
static inline void hvt_irq_enable(void)
{
	__asm__ volatile("msr daifclr, #2\n\tisb" ::: "memory");
}

static inline void hvt_irq_disable(void)
{
	__asm__ volatile("msr daifset, #2" ::: "memory");
}

/* Sleep until an interrupt is pending, take it, and return with IRQs
 * masked. Call it with IRQs masked: WFI wakes on a pending IRQ even then,
 * so an interrupt that arrives between the caller's check and the WFI is
 * not lost (the arm64 form of x86's `sti; hlt`). Typical use:
 *     hvt_irq_disable(); while (!done) hvt_wait_irq();
 * WFI is a halt exit; the VMM sleeps until this vCPU's timer is due. */
static inline void hvt_wait_irq(void)
{
	__asm__ volatile("wfi\n\tmsr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
}

/* ---- the timer: this vCPU's EL1 virtual timer (CNTV_*) ---- */
/* Arm this vCPU's timer to fire interval_ns from now (raised to at least
 * HVT_TIMER_MIN_INTERVAL_NS, at most 2^31-1 counter ticks); periodic != 0:
 * the SDK's IRQ entry re-arms it, interval_ns after each interrupt is taken.
 * Programs CNTV_TVAL_EL0 from CNTFRQ_EL0 and sets CNTV_CTL_EL0 = ENABLE
 * (no exit); never reads CNTVCT_EL0. */
void hvt_timer_start(uint64_t interval_ns, int periodic);

/* Disable this vCPU's timer (CNTV_CTL_EL0 = 0), then read HVT_MMIO_IRQ_ACK
 * once, so an expiry that was raised but not taken is dropped (one exit). */
void hvt_timer_stop(void);

#endif
