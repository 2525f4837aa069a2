/* hvtrace guest SDK: everything a freestanding x86-64 guest needs to talk to
 * the hvtrace VMM. Header-only; build with the host gcc (docs/guest-abi.md):
 *
 *   gcc -ffreestanding -nostdlib -static -fno-pic -no-pie -mno-red-zone \
 *       -mgeneral-regs-only -O2 -I guests/include \
 *       -T guests/sdk/guest.ld guests/sdk/crt0.S guests/sdk/libc.c my.c -o my.elf
 *
 * crt0.S calls `int hvt_main(unsigned vcpu, unsigned n_vcpus)` on every vCPU
 * with an IDT loaded (all gates absent); returning powers the machine off with
 * the returned value as exit code.
 */
#ifndef HVT_GUEST_H
#define HVT_GUEST_H

#include <stdint.h>
#include "hvt_guest_abi.h"

int hvt_main(unsigned vcpu, unsigned n_vcpus);

/* ---- port I/O and MMIO ---- */
static inline void hvt_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void hvt_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t hvt_inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t hvt_mmio_read64(uint64_t pa)
{
	return *(volatile uint64_t *)(uintptr_t)pa;
}

static inline void hvt_mmio_write64(uint64_t pa, uint64_t v)
{
	*(volatile uint64_t *)(uintptr_t)pa = v;
}

/* ---- console: one PIO exit per byte written ---- */
static inline void hvt_putc(char c)
{
	hvt_outb(HVT_PORT_SERIAL_DATA, (uint8_t)c);
}

#include "hvt_guest_print.h"

/* -1 if no input byte is waiting, else the byte. */
static inline int hvt_getc_nonblock(void)
{
	if (!(hvt_inb(HVT_PORT_SERIAL_LSR) & HVT_SERIAL_LSR_DR))
		return -1;
	return hvt_inb(HVT_PORT_SERIAL_DATA);
}

/* ---- power, markers, clock, entropy ---- */
static inline __attribute__((noreturn)) void hvt_poweroff(uint32_t exit_code)
{
	hvt_outl(HVT_PORT_POWEROFF, exit_code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Annotate the trace: a MARKER event with this id and value. */
static inline void hvt_marker(uint32_t id, uint64_t value)
{
	__asm__ volatile("outl %0, %1" : : "a"(id), "Nd"((uint16_t)HVT_PORT_MARKER), "S"(value));
}

static inline uint64_t hvt_clock_ns(void)
{
	return hvt_mmio_read64(HVT_MMIO_CLOCK_NS);
}

static inline uint64_t hvt_random64(void)
{
	return hvt_mmio_read64(HVT_MMIO_ENTROPY);
}

/* ---- interrupts and the timer ---- */
/* Handlers use gcc's interrupt attribute (needs -mgeneral-regs-only):
 *   __attribute__((interrupt)) static void tick(struct hvt_irq_frame *f) { ... } */
struct hvt_irq_frame {
	uint64_t rip, cs, rflags, rsp, ss;
};

extern uint8_t hvt_idt[256 * 16]; /* crt0.S: loaded with LIDT before hvt_main */

static inline void hvt_set_irq_handler(uint8_t vector, void (*handler)(struct hvt_irq_frame *))
{
	uint64_t a = (uint64_t)(uintptr_t)handler;
	uint8_t *g = &hvt_idt[16u * vector];
	uint64_t lo = (a & 0xffffull) | (0x08ull << 16) | (0x8eull << 40) |
		      ((a >> 16 & 0xffffull) << 48);   /* present, DPL 0, 64-bit interrupt gate */
	uint64_t hi = a >> 32;

	for (int i = 0; i < 8; i++) {
		g[i] = (uint8_t)(lo >> (8 * i));
		g[8 + i] = (uint8_t)(hi >> (8 * i));
	}
}

static inline void hvt_irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void hvt_irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
/* Wait for an interrupt: STI's one-instruction shadow covers HLT, so an
 * interrupt cannot slip in between and be missed. */
static inline void hvt_wait_irq(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

/* Arm this vCPU's timer: interval in ns, HVT_TIMER_MODE_ONESHOT/PERIODIC. */
static inline void hvt_timer_start(uint8_t vector, uint64_t interval_ns, int mode)
{
	hvt_mmio_write64(HVT_MMIO_TIMER_VECTOR, vector);
	hvt_mmio_write64(HVT_MMIO_TIMER_INTERVAL, interval_ns);
	hvt_mmio_write64(HVT_MMIO_TIMER_CTRL, (uint64_t)mode);
}

static inline void hvt_timer_stop(void)
{
	hvt_mmio_write64(HVT_MMIO_TIMER_CTRL, HVT_TIMER_MODE_OFF);
}

#endif
