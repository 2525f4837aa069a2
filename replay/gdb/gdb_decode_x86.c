/* Capstone's x86-64 decoder: the memory operands of one instruction, their
 * guest-virtual addresses from the vCPU's registers, and the stack slots
 * that push/pop/call/ret touch implicitly (Capstone does not list those).
 *
 * Capstone 4.0's per-operand access flags are taken as given except where
 * they were checked wrong: its SSE/AVX moves mark the stored-to operand as
 * read, so for every "mov" form (two operands, Intel order) the first is
 * written and the second read; address-only forms (lea, nop, prefetch,
 * clflush, invlpg) access nothing; fxsave/xsave areas span 512 bytes
 * (+ the 64-byte xsave header) where Capstone says 8. */
#include <string.h>

#include "gdb_decode_cs.h"

struct reg_map {
	unsigned cs, hvt, bytes;
};

static const struct reg_map REGS[] = {
	{ X86_REG_RAX, HVT_X86_RAX, 8 }, { X86_REG_RBX, HVT_X86_RBX, 8 },
	{ X86_REG_RCX, HVT_X86_RCX, 8 }, { X86_REG_RDX, HVT_X86_RDX, 8 },
	{ X86_REG_RSI, HVT_X86_RSI, 8 }, { X86_REG_RDI, HVT_X86_RDI, 8 },
	{ X86_REG_RSP, HVT_X86_RSP, 8 }, { X86_REG_RBP, HVT_X86_RBP, 8 },
	{ X86_REG_R8, HVT_X86_R8, 8 },   { X86_REG_R9, HVT_X86_R9, 8 },
	{ X86_REG_R10, HVT_X86_R10, 8 }, { X86_REG_R11, HVT_X86_R11, 8 },
	{ X86_REG_R12, HVT_X86_R12, 8 }, { X86_REG_R13, HVT_X86_R13, 8 },
	{ X86_REG_R14, HVT_X86_R14, 8 }, { X86_REG_R15, HVT_X86_R15, 8 },
	{ X86_REG_EAX, HVT_X86_RAX, 4 }, { X86_REG_EBX, HVT_X86_RBX, 4 },
	{ X86_REG_ECX, HVT_X86_RCX, 4 }, { X86_REG_EDX, HVT_X86_RDX, 4 },
	{ X86_REG_ESI, HVT_X86_RSI, 4 }, { X86_REG_EDI, HVT_X86_RDI, 4 },
	{ X86_REG_ESP, HVT_X86_RSP, 4 }, { X86_REG_EBP, HVT_X86_RBP, 4 },
	{ X86_REG_R8D, HVT_X86_R8, 4 },  { X86_REG_R9D, HVT_X86_R9, 4 },
	{ X86_REG_R10D, HVT_X86_R10, 4 }, { X86_REG_R11D, HVT_X86_R11, 4 },
	{ X86_REG_R12D, HVT_X86_R12, 4 }, { X86_REG_R13D, HVT_X86_R13, 4 },
	{ X86_REG_R14D, HVT_X86_R14, 4 }, { X86_REG_R15D, HVT_X86_R15, 4 },
};

/* The value of an address register; *bytes its width (4: the address
 * wraps at 32 bits). -1 for a register an address cannot hold here. */
static int reg_value(unsigned reg, const hvt_regs *r, uint64_t next_rip, uint64_t *v,
		     unsigned *bytes)
{
	if (reg == X86_REG_RIP || reg == X86_REG_EIP) {
		*bytes = reg == X86_REG_RIP ? 8 : 4;
		*v = next_rip;
		return 0;
	}
	for (size_t i = 0; i < sizeof(REGS) / sizeof(REGS[0]); i++)
		if (REGS[i].cs == reg) {
			*bytes = REGS[i].bytes;
			*v = r->r[REGS[i].hvt];
			return 0;
		}
	return -1;
}

static int effective_address(const cs_x86_op *op, const hvt_regs *r, const hvt_x86_sysregs *sys,
			     uint64_t next_rip, uint64_t *va)
{
	uint64_t ea = (uint64_t)op->mem.disp, v;
	unsigned bytes, width = 8;

	if (op->mem.base != X86_REG_INVALID) {
		if (reg_value(op->mem.base, r, next_rip, &v, &bytes) < 0)
			return -1;
		ea += v, width = bytes;
	}
	if (op->mem.index != X86_REG_INVALID) {
		if (reg_value(op->mem.index, r, next_rip, &v, &bytes) < 0)
			return -1;
		ea += v * (uint64_t)op->mem.scale, width = bytes;
	}
	if (width == 4)
		ea &= 0xffffffffull;
	/* In 64-bit mode only FS and GS have a base. */
	if (op->mem.segment == X86_REG_FS)
		ea += sys->fs_base;
	else if (op->mem.segment == X86_REG_GS)
		ea += sys->gs_base;
	*va = ea;
	return 0;
}

static int address_only(unsigned id)
{
	switch (id) {
	case X86_INS_LEA: case X86_INS_NOP: case X86_INS_PREFETCH: case X86_INS_PREFETCHNTA:
	case X86_INS_PREFETCHT0: case X86_INS_PREFETCHT1: case X86_INS_PREFETCHT2:
	case X86_INS_PREFETCHW: case X86_INS_CLFLUSH: case X86_INS_CLFLUSHOPT:
	case X86_INS_INVLPG: case X86_INS_INVLPGA:
		return 1;
	default:
		return 0;
	}
}

static uint32_t area_bytes(unsigned id, uint32_t size)
{
	switch (id) {
	case X86_INS_FXSAVE: case X86_INS_FXSAVE64: case X86_INS_FXRSTOR:
	case X86_INS_FXRSTOR64:
		return 512;
	case X86_INS_XSAVE: case X86_INS_XSAVE64: case X86_INS_XRSTOR:
	case X86_INS_XRSTOR64: case X86_INS_XSAVEOPT: case X86_INS_XSAVEOPT64:
	case X86_INS_XSAVEC: case X86_INS_XSAVEC64: case X86_INS_XSAVES:
	case X86_INS_XSAVES64: case X86_INS_XRSTORS: case X86_INS_XRSTORS64:
		return 576;
	default:
		return size;
	}
}

/* The stack slots used without an operand naming them. */
static void implicit_stack(unsigned id, const hvt_regs *r, struct gdb_insn *out)
{
	uint64_t rsp = r->r[HVT_X86_RSP];

	switch (id) {
	case X86_INS_PUSH: case X86_INS_PUSHFQ: case X86_INS_CALL:
		gdb_insn_add(out, rsp - 8, 8, 0, 1);
		break;
	case X86_INS_POP: case X86_INS_POPFQ: case X86_INS_RET:
		gdb_insn_add(out, rsp, 8, 1, 0);
		break;
	case X86_INS_LEAVE:
		gdb_insn_add(out, r->r[HVT_X86_RBP], 8, 1, 0);
		break;
	case X86_INS_IRETQ:
		gdb_insn_add(out, rsp, 40, 1, 0);
		break;
	default:
		break;
	}
}

static int is_mov(const cs_insn *i)
{
	const char *m = i->mnemonic;

	if (m[0] == 'v')
		m++;
	return strncmp(m, "mov", 3) == 0 && i->detail->x86.op_count == 2;
}

static void explicit_operands(const cs_insn *i, const hvt_regs *r, const hvt_x86_sysregs *sys,
			      uint64_t next_rip, struct gdb_insn *out)
{
	const cs_x86 *x = &i->detail->x86;
	uint64_t va;

	if (address_only(i->id))
		return;
	for (unsigned k = 0; k < x->op_count; k++) {
		const cs_x86_op *op = &x->operands[k];
		int rd = (op->access & CS_AC_READ) != 0, wr = (op->access & CS_AC_WRITE) != 0;
		if (op->type != X86_OP_MEM || effective_address(op, r, sys, next_rip, &va) < 0)
			continue;
		if (is_mov(i))
			rd = k == 1, wr = k == 0;
		if (!rd && !wr)
			rd = 1; /* an operand with no flags still touches memory */
		gdb_insn_add(out, va, area_bytes(i->id, op->size), rd, wr);
	}
}

static int is_string(unsigned id)
{
	switch (id) {
	case X86_INS_MOVSB: case X86_INS_MOVSW: case X86_INS_MOVSD: case X86_INS_MOVSQ:
	case X86_INS_STOSB: case X86_INS_STOSW: case X86_INS_STOSD: case X86_INS_STOSQ:
	case X86_INS_LODSB: case X86_INS_LODSW: case X86_INS_LODSD: case X86_INS_LODSQ:
	case X86_INS_CMPSB: case X86_INS_CMPSW: case X86_INS_CMPSD: case X86_INS_CMPSQ:
	case X86_INS_SCASB: case X86_INS_SCASW: case X86_INS_SCASD: case X86_INS_SCASQ:
	case X86_INS_INSB: case X86_INS_INSW: case X86_INS_INSD:
	case X86_INS_OUTSB: case X86_INS_OUTSW: case X86_INS_OUTSD:
		return 1;
	default:
		return 0;
	}
}

int gdb_decode_x86(csh h, const uint8_t *code, size_t n, const hvt_regs *r,
		   const struct gdb_sys *sys, struct gdb_insn *out)
{
	uint64_t rip = r->r[HVT_X86_RIP];
	cs_insn *i = NULL;

	if (cs_disasm(h, code, n, rip, 1, &i) != 1)
		return -1;
	out->len = i->size;
	out->rep = (i->detail->x86.prefix[0] == X86_PREFIX_REP ||
		    i->detail->x86.prefix[0] == X86_PREFIX_REPNE) && is_string(i->id);
	out->branch = cs_insn_group(h, i, CS_GRP_JUMP) || cs_insn_group(h, i, CS_GRP_CALL) ||
		      cs_insn_group(h, i, CS_GRP_RET) || cs_insn_group(h, i, CS_GRP_IRET) ||
		      cs_insn_group(h, i, CS_GRP_INT);
	/* A rep string instruction with RCX = 0 does nothing. */
	if (!out->rep || r->r[HVT_X86_RCX] != 0) {
		explicit_operands(i, r, &sys->x86, rip + i->size, out);
		implicit_stack(i->id, r, out);
	}
	cs_free(i, 1);
	return 0;
}
