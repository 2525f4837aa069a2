/* hvtrace arm64 guest exception vectors (VBAR_EL1, set by crt0.S).
 *
 * Guests run at EL1 on SP_EL1, so the only entry in normal use is IRQ from
 * the current EL with SP_ELx (VBAR + 0x280): it saves every register a C
 * function may clobber, calls hvt_irq_dispatch (irq.c), restores and ERETs.
 * Every other entry means the guest is broken (an undefined instruction, a
 * translation fault, an SError...): it prints one line on the console with
 * the vector offset, ESR_EL1, ELR_EL1 and FAR_EL1, then asks PSCI for
 * SYSTEM_RESET, which ends the run with END SHUTDOWN, as a triple fault does
 * on x86. That path uses no stack and no memory but the console register, so
 * it works even when SP is what went wrong. */

#define HVT_MMIO_CONSOLE_DATA 0xd0000200
#define HVT_PSCI_SYSTEM_RESET 0x84000009

/* struct hvt_irq_frame (hvt_guest.h): x0-x18, x30, ELR_EL1, SPSR_EL1. */
#define FRAME_BYTES 176
#define FRAME_ELR   160

	.macro	fatal_entry offset
	.balign	0x80
	mov	x19, #\offset
	b	hvt_fatal
	.endm

	.section .text.hvt_vectors, "ax"
	.balign	2048
	.globl	hvt_vectors
hvt_vectors:
	/* Current EL with SP_EL0: never used (we run on SP_EL1). */
	fatal_entry 0x000
	fatal_entry 0x080
	fatal_entry 0x100
	fatal_entry 0x180
	/* Current EL with SP_ELx. */
	fatal_entry 0x200		/* synchronous */
	.balign	0x80			/* 0x280: IRQ */
	sub	sp, sp, #FRAME_BYTES
	stp	x0, x1, [sp, #0]
	b	hvt_irq_entry
	fatal_entry 0x300		/* FIQ */
	fatal_entry 0x380		/* SError */
	/* Lower EL, AArch64 and AArch32: there is no lower EL in a guest. */
	fatal_entry 0x400
	fatal_entry 0x480
	fatal_entry 0x500
	fatal_entry 0x580
	fatal_entry 0x600
	fatal_entry 0x680
	fatal_entry 0x700
	fatal_entry 0x780

/* Call frame information (in .debug_frame: a guest built with -g carries it,
 * nothing is loaded) so gdb and lldb unwind from a handler into the code the
 * interrupt landed in (bt, finish, thread step-out): the caller's SP is this
 * frame's top, its PC the saved ELR (DWARF register 32), its x30 the saved
 * one. Not marked a signal frame: lldb 14 ignores such an FDE in .debug_frame;
 * so a debugger looks the interrupted PC up as a return address (PC - 1),
 * which names the previous function when the interrupt landed on a
 * function's first instruction. Before ELR is saved and after the frame is
 * popped the PC is only in ELR_EL1: undefined there. */
#define DWARF_PC 32
	.cfi_sections .debug_frame

	.text
hvt_irq_entry:
	.cfi_startproc
	.cfi_return_column DWARF_PC
	.cfi_def_cfa sp, FRAME_BYTES
	.cfi_undefined DWARF_PC
	.cfi_same_value x29
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x30, [sp, #144]
	.cfi_offset x30, 152 - FRAME_BYTES
	/* ELR and SPSR too, so a handler that unmasks IRQs may be interrupted. */
	mrs	x0, elr_el1
	mrs	x1, spsr_el1
	stp	x0, x1, [sp, #FRAME_ELR]
	.cfi_offset DWARF_PC, FRAME_ELR - FRAME_BYTES
	mov	x0, sp
	bl	hvt_irq_dispatch
	ldp	x0, x1, [sp, #FRAME_ELR]
	msr	elr_el1, x0
	msr	spsr_el1, x1
	ldp	x18, x30, [sp, #144]
	ldp	x16, x17, [sp, #128]
	ldp	x14, x15, [sp, #112]
	ldp	x12, x13, [sp, #96]
	ldp	x10, x11, [sp, #80]
	ldp	x8, x9, [sp, #64]
	ldp	x6, x7, [sp, #48]
	ldp	x4, x5, [sp, #32]
	ldp	x2, x3, [sp, #16]
	ldp	x0, x1, [sp, #0]
	add	sp, sp, #FRAME_BYTES
	.cfi_def_cfa sp, 0
	.cfi_undefined DWARF_PC
	.cfi_undefined x30
	eret
	.cfi_endproc

/* x19 = vector offset. Prints
 *   "\nhvt: unexpected exception, vector 0x... esr 0x... elr 0x... far 0x...\n"
 * then PSCI SYSTEM_RESET. Registers only: x20-x22 hold the syndrome, x23 the
 * console address; the two leaf helpers below use x1-x4 and x30. */
hvt_fatal:
	msr	daifset, #0xf
	mrs	x20, esr_el1
	mrs	x21, elr_el1
	mrs	x22, far_el1
	ldr	x23, =HVT_MMIO_CONSOLE_DATA
	adr	x1, msg_vector
	bl	fatal_puts
	mov	x1, x19
	bl	fatal_hex
	adr	x1, msg_esr
	bl	fatal_puts
	mov	x1, x20
	bl	fatal_hex
	adr	x1, msg_elr
	bl	fatal_puts
	mov	x1, x21
	bl	fatal_hex
	adr	x1, msg_far
	bl	fatal_puts
	mov	x1, x22
	bl	fatal_hex
	mov	x2, #'\n'
	str	x2, [x23]
	ldr	x0, =HVT_PSCI_SYSTEM_RESET
	hvc	#0
1:	wfi				/* the VMM has stopped us; never reached */
	b	1b

/* Print the NUL-terminated string at x1. */
fatal_puts:
	ldrb	w2, [x1], #1
	cbz	w2, 2f
	str	x2, [x23]
	b	fatal_puts
2:	ret

/* Print x1 as 0x followed by 16 hex digits. */
fatal_hex:
	mov	x2, #'0'
	str	x2, [x23]
	mov	x2, #'x'
	str	x2, [x23]
	mov	x3, #60
3:	lsr	x2, x1, x3
	and	x2, x2, #0xf
	cmp	x2, #10
	add	x4, x2, #'0'
	add	x2, x2, #('a' - 10)
	csel	x2, x4, x2, lo
	str	x2, [x23]
	subs	x3, x3, #4
	b.ge	3b
	ret
	.ltorg

	.section .rodata.hvt_fatal, "a"
msg_vector:	.asciz	"\nhvt: unexpected exception, vector "
msg_esr:	.asciz	" esr "
msg_elr:	.asciz	" elr "
msg_far:	.asciz	" far "

	.section .note.GNU-stack, "", @progbits
