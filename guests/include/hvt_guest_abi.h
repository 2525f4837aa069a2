/* hvtrace guest ABI: addresses, ports and register layouts shared by the VMM
 * (core/) and guests (hvt_guest.h). Plain #defines only, so both a hosted C
 * file and a freestanding guest can include it. docs/guest-abi.md explains
 * every value; these numbers are an ABI: never change them, only add. */
#ifndef HVT_GUEST_ABI_H
#define HVT_GUEST_ABI_H

/* Memory map (guest physical = guest virtual: identity mapped). */
#define HVT_GUEST_GDT_PA      0x1000ull   /* GDT: null, code64 (0x08), data (0x10) */
#define HVT_GUEST_PML4_PA     0x2000ull   /* page tables, 2 MiB pages, first 4 GiB */
#define HVT_GUEST_PDPT_PA     0x3000ull
#define HVT_GUEST_PD_PA       0x4000ull   /* four page directories, 0x4000-0x7fff */
#define HVT_GUEST_BOOT_END_PA 0x8000ull   /* end of the VMM-owned boot area */
#define HVT_GUEST_LOAD_PA     0x100000ull /* flat images load here; ELF segments start at or above */
#define HVT_GUEST_STACK_BYTES 0x10000ull  /* per vCPU, at the top of RAM */
#define HVT_GUEST_MEM_MIN     0x400000ull       /* 4 MiB */
#define HVT_GUEST_MEM_MAX     0xc0000000ull     /* 3 GiB: RAM never reaches the MMIO window */
#define HVT_GUEST_MEM_DEFAULT 0x1000000ull      /* 16 MiB */
#define HVT_GUEST_MEM_ALIGN   0x200000ull       /* RAM size is a multiple of 2 MiB */

/* Port I/O devices. */
#define HVT_PORT_SERIAL_DATA  0x3f8 /* out: byte to the console; in: next input byte (0 if none) */
#define HVT_PORT_SERIAL_LSR   0x3fd /* in: line status */
#define HVT_SERIAL_LSR_DR     0x01  /* an input byte is ready */
#define HVT_SERIAL_LSR_THRE   0x20  /* transmitter ready (always set) */
#define HVT_SERIAL_LSR_TEMT   0x40  /* transmitter empty (always set) */
#define HVT_PORT_POWEROFF     0x600 /* out (any size): power off, data = exit code */
#define HVT_PORT_MARKER       0x610 /* outl: marker id = data, marker value = RSI */

/* MMIO devices: one 4 KiB window, 8-byte registers. */
#define HVT_MMIO_BASE             0xd0000000ull
#define HVT_MMIO_SIZE             0x1000ull
#define HVT_MMIO_CLOCK_NS         (HVT_MMIO_BASE + 0x000) /* r: host monotonic ns since VM start */
#define HVT_MMIO_ENTROPY          (HVT_MMIO_BASE + 0x008) /* r: fresh random bytes (1/2/4/8) */
#define HVT_MMIO_TIMER_INTERVAL   (HVT_MMIO_BASE + 0x100) /* rw: interval in ns */
#define HVT_MMIO_TIMER_VECTOR     (HVT_MMIO_BASE + 0x108) /* rw: interrupt vector 32..255 */
#define HVT_MMIO_TIMER_CTRL       (HVT_MMIO_BASE + 0x110) /* rw: HVT_TIMER_MODE_*; a write (re)arms */
#define HVT_TIMER_MODE_OFF        0
#define HVT_TIMER_MODE_ONESHOT    1
#define HVT_TIMER_MODE_PERIODIC   2
#define HVT_TIMER_MIN_INTERVAL_NS 100000ull /* shorter intervals are raised to 100 us */

/* Entry state: every vCPU starts at the entry point in 64-bit mode with
 * RDI = vCPU index, RSI = vCPU count, RDX = RAM size in bytes,
 * RSP = RAM size - index * HVT_GUEST_STACK_BYTES, RFLAGS = 0x2 (IF clear). */

/* arm64 (Hypervisor.framework backend): the same RAM layout and MMIO window;
 * the console, power-off, marker and interrupt acknowledge are MMIO registers
 * there, power-off is also PSCI over HVC, and the timer is the architectural
 * virtual timer (docs/guest-abi.md, "arm64"). */
#define HVT_MMIO_CONSOLE_DATA     (HVT_MMIO_BASE + 0x200) /* w: byte out; r: next input byte (0 if none) */
#define HVT_MMIO_CONSOLE_STATUS   (HVT_MMIO_BASE + 0x208) /* r: HVT_SERIAL_LSR_* bits */
#define HVT_MMIO_POWEROFF         (HVT_MMIO_BASE + 0x300) /* w: power off, exit code = value */
#define HVT_MMIO_MARKER           (HVT_MMIO_BASE + 0x310) /* w: marker id = value, marker value = X1 */
#define HVT_MMIO_IRQ_ACK          (HVT_MMIO_BASE + 0x400) /* r: pending interrupt id, lowers the line */
#define HVT_IRQ_ID_VTIMER         27u   /* the EL1 virtual timer (its GIC PPI number) */
#define HVT_IRQ_ID_NONE           1023u /* no interrupt pending (the GIC's spurious id) */
#define HVT_PSCI_VERSION          0x84000000u /* HVC #0, X0: returns 0x00010000 (PSCI 1.0) */
#define HVT_PSCI_SYSTEM_OFF       0x84000008u /* HVC #0, X0: power off, exit code 0 */
#define HVT_PSCI_SYSTEM_RESET     0x84000009u /* HVC #0, X0: END SHUTDOWN */
#define HVT_PSCI_NOT_SUPPORTED    0xffffffffu /* X0 after any other HVC */
#define HVT_ARM64_ENTRY_CPSR      0x3c5u      /* EL1h, D A I F masked */
#define HVT_ARM64_ENTRY_SCTLR     0x30d00800u /* MMU and caches off: RES1 bits only */

/* The VMM stops a guest after this many unmapped accesses in a row. */
#define HVT_BAD_ACCESS_LIMIT 10000u

#endif
