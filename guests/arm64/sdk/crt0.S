/* hvtrace arm64 guest start-up. Entry state (docs/guest-abi.md, "arm64"):
 * EL1h with D A I F masked, MMU and caches off, X0 = vCPU index, X1 = vCPU
 * count, X2 = RAM bytes, SP_EL1 = top of this vCPU's stack. Every vCPU runs
 * this at the same time, so nothing here writes shared memory: the page table
 * is built by the linker (read-only data), each vCPU only sets its own
 * system registers.
 *
 * Why the MMU at all: with it off every data access is Device memory, where
 * exclusives and atomics are not guaranteed to work on real hardware and
 * unaligned accesses fault. The identity map keeps guest virtual = guest
 * physical, which the VMM (and the Unicorn stand-in) rely on. */

#define HVT_MMIO_POWEROFF 0xd0000300

/* MAIR_EL1: attr0 = Normal, inner and outer write-back non-transient
 * read/write-allocate (0xff); attr1 = Device-nGnRnE (0x00). */
#define MAIR_VALUE 0xff

/* TCR_EL1: T0SZ = 25 (39-bit VA, the walk starts at level 1), IRGN0 = ORGN0 =
 * write-back write-allocate, SH0 = inner shareable, TG0 = 4 KiB; EPD1 = 1
 * (no TTBR1 walks; T1SZ and TG1 = 4 KiB only to keep the fields valid);
 * IPS = 0 (32-bit physical addresses: all of ours are below 4 GiB). */
#define TCR_T0SZ   25
#define TCR_IRGN0  (1 << 8)
#define TCR_ORGN0  (1 << 10)
#define TCR_SH0    (3 << 12)
#define TCR_T1SZ   (25 << 16)
#define TCR_EPD1   (1 << 23)
#define TCR_TG1_4K (2 << 30)
#define TCR_VALUE  (TCR_T0SZ | TCR_IRGN0 | TCR_ORGN0 | TCR_SH0 | TCR_T1SZ | TCR_EPD1 | TCR_TG1_4K)

/* SCTLR_EL1 bits turned on: M (MMU), C (data cache), I (instruction cache). */
#define SCTLR_M (1 << 0)
#define SCTLR_C (1 << 2)
#define SCTLR_I (1 << 12)

/* L1 block descriptors (1 GiB each): valid block (0b01), AttrIndx, AF,
 * SH = inner shareable for Normal memory; Device blocks are never
 * executable (PXN, UXN) so the core cannot fetch from device registers. */
#define BLOCK_NORMAL (0x1 | (0 << 2) | (3 << 8) | (1 << 10))
#define BLOCK_DEVICE (0x1 | (1 << 2) | (1 << 10) | (1 << 53) | (1 << 54))

	/* The outermost frame for debuggers (.debug_frame, with -g): no caller. */
	.cfi_sections .debug_frame
	.section .text.entry, "ax"
	.globl _start
_start:
	.cfi_startproc
	.cfi_undefined x30
	mov	x19, x0			/* vCPU index, kept for hvt_main */
	mov	x20, x1			/* vCPU count */
	msr	tpidr_el1, x0		/* hvt_vcpu_index() */

	ldr	x3, =MAIR_VALUE
	msr	mair_el1, x3
	ldr	x3, =TCR_VALUE
	msr	tcr_el1, x3
	adrp	x3, hvt_l1_table
	msr	ttbr0_el1, x3		/* ASID 0 */
	isb				/* the writes above before the TLB maintenance */
	tlbi	vmalle1			/* no stale translations from before us */
	ic	iallu			/* nor stale instructions */
	dsb	nsh
	isb
	mrs	x3, sctlr_el1
	mov	x4, #(SCTLR_M | SCTLR_C)
	orr	x4, x4, #SCTLR_I
	orr	x3, x3, x4
	msr	sctlr_el1, x3
	isb				/* fetch the next instruction through the MMU */

	adrp	x3, hvt_vectors
	add	x3, x3, :lo12:hvt_vectors
	msr	vbar_el1, x3
	isb

	mov	x3, sp
	and	x3, x3, #~15
	mov	sp, x3
	mov	x29, #0			/* end of the frame-pointer chain */
	mov	x30, #0
	mov	x0, x19
	mov	x1, x20
	bl	hvt_main
	/* Power off with hvt_main's int, zero-extended, as the exit code. */
	mov	w0, w0
	ldr	x1, =HVT_MMIO_POWEROFF
	str	x0, [x1]
1:	msr	daifset, #0xf
	wfi
	b	1b
	.cfi_endproc
	.ltorg

/* The identity map: one L1 table (512 entries for a 39-bit VA, 4 KiB,
 * aligned to its size). 0x0-0xbfffffff is RAM (at most 3 GiB: Normal);
 * 0xc0000000-0xffffffff holds the MMIO window (Device-nGnRnE); everything
 * above 4 GiB faults. */
	.section .rodata.hvt_l1_table, "a"
	.balign 4096
	.globl hvt_l1_table
hvt_l1_table:
	.quad	(0 << 30) | BLOCK_NORMAL
	.quad	(1 << 30) | BLOCK_NORMAL
	.quad	(2 << 30) | BLOCK_NORMAL
	.quad	(3 << 30) | BLOCK_DEVICE
	.fill	508, 8, 0

	.section .note.GNU-stack, "", @progbits
