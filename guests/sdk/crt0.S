/* hvtrace guest start-up. Entry state (docs/guest-abi.md): 64-bit mode,
 * identity-mapped, RDI = vCPU index, RSI = vCPU count, RDX = RAM bytes,
 * RSP = top of this vCPU's stack, interrupts off, no IDT. */
#define HVT_PORT_POWEROFF 0x600

	.section .text.entry, "ax"
	.globl _start
_start:
	lidt	hvt_idtr(%rip)
	xor	%ebp, %ebp
	and	$-16, %rsp
	/* hvt_main(vcpu = rdi, n_vcpus = rsi) */
	call	hvt_main
	mov	$HVT_PORT_POWEROFF, %dx
	out	%eax, %dx
1:	cli
	hlt
	jmp	1b

	.section .data
	.balign 16
hvt_idtr:
	.word	256 * 16 - 1
	.quad	hvt_idt

	.section .bss
	.balign 16
	.globl hvt_idt
hvt_idt:
	.skip	256 * 16

	.section .note.GNU-stack, "", @progbits
