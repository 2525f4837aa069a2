/* Capstone's arm64 decoder: the memory access of one A64 instruction and
 * its guest-virtual address from the vCPU's registers.
 *
 * Measured on Capstone 4.0.2 (tests/gdb/test_gdb_decode.c pins each case):
 * its arm64 memory operands carry no size; its access flags are wrong for
 * several forms (STXR/STLXR/STXP/STLR mark memory read, LD1 read+write,
 * ST1..ST4 and LD2..LD4 nothing, a post-indexed LDP read+write, PRFM
 * read+write); and it rejects the ARMv8.1 atomics (CAS, CASP, SWP,
 * LDADD/LDCLR/LDEOR/LDSET/LD[SU]MAX/LD[SU]MIN and their ST aliases) and the
 * later LDAPR (8.3), LDAPUR/STLUR (8.4). So the size and the direction come
 * from the encoding classes of the A64 "Loads and Stores" group (Arm ARM
 * C4.1), Capstone gives the address where it knows the instruction (base,
 * scaled displacement, pre-index; a post-indexed form addresses the base
 * itself; an index register with its extend and shift; a literal's
 * absolute address), and the forms it rejects, all [Xn|SP] or
 * [Xn|SP, #simm9], are addressed from their bits. */
#include <string.h>

#include "gdb_decode_cs.h"

/* DC ZVA zeroes one block of DCZID_EL0.BS words; the backend does not
 * report DCZID_EL0. 64 bytes (BS = 4) on Apple's cores and on the
 * stand-in's Cortex-A72. */
#define DC_ZVA_BYTES 64u

struct form {
	uint32_t bytes;      /* 0: no memory access */
	uint8_t read, write;
	int by_bits;         /* the address is Xn|SP + imm (Capstone 4 lacks the form) */
	int64_t imm;
};

static uint32_t field(uint32_t w, unsigned lo, unsigned bits)
{
	return (w >> lo) & ((1u << bits) - 1u);
}

static int64_t sext(uint32_t v, unsigned bits)
{
	return (int64_t)((uint64_t)v << (64 - bits)) >> (64 - bits);
}

static void set(struct form *f, uint32_t bytes, int read, int write)
{
	f->bytes = bytes, f->read = (uint8_t)read, f->write = (uint8_t)write;
}

/* LDXR/STXR, LDAXR/STLXR, LDXP/STXP, LDAXP/STLXP, LDAR/STLR, LDLAR/STLLR
 * (all sizes), CAS and CASP: always [Xn|SP], no offset. */
static void exclusive(uint32_t w, struct form *f)
{
	unsigned size = field(w, 30, 2), o2 = field(w, 23, 1), load = field(w, 22, 1);
	unsigned o1 = field(w, 21, 1);

	f->by_bits = 1;
	if (o1 && field(w, 10, 5) != 31 && (o2 || size < 2))
		return; /* CAS and CASP have Rt2 = 11111 */
	if (o1 && o2) /* CAS: compare, then maybe write; both count */
		set(f, 1u << size, 1, 1);
	else if (o1 && size < 2) /* CASP: a pair of W or X */
		set(f, 2u * (4u << size), 1, 1);
	else if (o1) /* the exclusive pairs */
		set(f, 2u * (4u << (size & 1u)), load, !load);
	else
		set(f, 1u << size, load, !load);
}

/* LDR (literal): W, X, LDRSW, S, D, Q; PRFM (literal) accesses nothing. */
static void literal(uint32_t w, struct form *f)
{
	unsigned opc = field(w, 30, 2), simd = field(w, 26, 1);

	if (simd)
		set(f, 4u << opc, 1, 0);
	else if (opc != 3)
		set(f, opc == 1 ? 8u : 4u, 1, 0);
}

/* LDP/STP/LDNP/STNP/LDPSW: two registers of W, X, S, D or Q. */
static void pair(uint32_t w, struct form *f)
{
	unsigned opc = field(w, 30, 2), simd = field(w, 26, 1), load = field(w, 22, 1);
	uint32_t each = simd ? 4u << opc : (opc & 2u) ? 8u : 4u;

	set(f, 2u * each, load, !load);
}

/* The ARMv8.1 atomics (read and write) and LDAPR (a read): [Xn|SP]. */
static void atomic(uint32_t w, struct form *f)
{
	unsigned size = field(w, 30, 2), o3 = field(w, 15, 1), opc = field(w, 12, 3);

	f->by_bits = 1;
	if (o3 && opc == 4)
		set(f, 1u << size, 1, 0); /* LDAPR */
	else if (!o3 || opc == 0)
		set(f, 1u << size, 1, 1); /* LD<op>, ST<op>, SWP */
}

/* One register: LDR/STR (unsigned offset, pre/post-index, register offset),
 * LDUR/STUR, LDTR/STTR, all widths, signed loads, B/H/S/D/Q; PRFM and
 * PRFUM access nothing; the atomics share the encoding space. */
static void single(uint32_t w, struct form *f)
{
	unsigned size = field(w, 30, 2), simd = field(w, 26, 1), opc = field(w, 22, 2);

	if (!field(w, 24, 1) && field(w, 21, 1) && field(w, 10, 2) == 0) {
		if (!simd)
			atomic(w, f);
		return;
	}
	if (!field(w, 24, 1) && field(w, 21, 1) && field(w, 10, 1))
		return; /* LDRAA/LDRAB (pointer authentication): not decoded */
	if (simd)
		set(f, (opc & 2u) ? 16u : 1u << size, opc & 1u, !(opc & 1u));
	else if (!(size == 3 && opc == 2))
		set(f, 1u << size, opc != 0, opc == 0);
}

/* LD1..LD4, ST1..ST4 (multiple structures: whole registers of 8 or 16
 * bytes), their single-lane forms and LD1R..LD4R (one element per
 * register): [Xn|SP], a post-index moves the base only afterwards. */
static void structure(uint32_t w, struct form *f, unsigned nregs)
{
	unsigned load = field(w, 22, 1), q = field(w, 30, 1), esize;

	f->by_bits = 1;
	if (!field(w, 24, 1)) {
		set(f, nregs * (q ? 16u : 8u), load, !load);
		return;
	}
	switch (field(w, 14, 2)) { /* opcode<2:1> */
	case 0: esize = 1; break;
	case 1: esize = 2; break;
	case 2: esize = field(w, 10, 1) ? 8u : 4u; break;
	default: esize = 1u << field(w, 10, 2); break; /* LDnR */
	}
	set(f, nregs * esize, load, !load);
}

/* The registers a structure instruction transfers: bits of the encoding
 * (multiple: opcode; single: opcode<0>:R). */
static unsigned structure_regs(uint32_t w)
{
	static const unsigned multi[16] = { 4, 0, 4, 0, 3, 0, 3, 1, 2, 0, 2 };

	if (!field(w, 24, 1))
		return multi[field(w, 12, 4)];
	return ((field(w, 13, 1) << 1) | field(w, 21, 1)) + 1u;
}

/* The size and direction of w's access (f->bytes 0: none). */
static void classify(uint32_t w, struct form *f)
{
	memset(f, 0, sizeof(*f));
	if ((w & 0x3f000000u) == 0x08000000u)
		exclusive(w, f);
	else if ((w & 0x3b000000u) == 0x18000000u)
		literal(w, f);
	else if ((w & 0x3a000000u) == 0x28000000u)
		pair(w, f);
	else if ((w & 0x3a000000u) == 0x38000000u)
		single(w, f);
	else if ((w & 0xbe000000u) == 0x0c000000u)
		structure(w, f, structure_regs(w));
	else if ((w & 0x3f200c00u) == 0x19000000u) { /* LDAPUR/STLUR and signed forms */
		unsigned opc = field(w, 22, 2);
		set(f, 1u << field(w, 30, 2), opc != 0, opc == 0);
		f->by_bits = 1, f->imm = sext(field(w, 12, 9), 9);
	} else if ((w & 0xffffffe0u) == 0xd50b7420u) { /* DC ZVA, Xt */
		set(f, DC_ZVA_BYTES, 0, 1);
	}
}

/* A Capstone register's value: X0-X30, SP (the current one), W views, the
 * zero registers. -1 for a register an address cannot use. */
static int reg_value(unsigned reg, const hvt_regs *r, uint64_t *v)
{
	if (reg >= ARM64_REG_X0 && reg <= ARM64_REG_X28)
		*v = r->r[reg - ARM64_REG_X0];
	else if (reg == ARM64_REG_X29 || reg == ARM64_REG_X30)
		*v = r->r[reg == ARM64_REG_X29 ? 29 : 30];
	else if (reg == ARM64_REG_SP || reg == ARM64_REG_WSP)
		*v = r->r[HVT_ARM64_SP];
	else if (reg >= ARM64_REG_W0 && reg <= ARM64_REG_W30)
		*v = r->r[reg - ARM64_REG_W0];
	else if (reg == ARM64_REG_XZR || reg == ARM64_REG_WZR)
		*v = 0;
	else
		return -1;
	if (reg == ARM64_REG_WSP || (reg >= ARM64_REG_W0 && reg <= ARM64_REG_W30))
		*v &= 0xffffffffu;
	return 0;
}

/* An index register's contribution: extended (UXTW, SXTW; LSL, UXTX and
 * SXTX keep 64 bits), then shifted. */
static int index_value(const cs_arm64_op *op, const hvt_regs *r, uint64_t *v)
{
	if (reg_value(op->mem.index, r, v) < 0)
		return -1;
	if (op->ext == ARM64_EXT_SXTW)
		*v = (uint64_t)(int64_t)(int32_t)(uint32_t)*v;
	else if (op->ext == ARM64_EXT_UXTW)
		*v &= 0xffffffffu;
	if (op->shift.type == ARM64_SFT_LSL && op->shift.value < 64)
		*v <<= op->shift.value;
	return 0;
}

/* The address Capstone's operands give: the memory operand, else (a
 * literal load) the immediate Capstone computed from the PC. */
static int cs_address(const cs_insn *i, const hvt_regs *r, uint64_t *va)
{
	const cs_arm64 *a = &i->detail->arm64;
	uint64_t base, idx = 0;

	for (unsigned k = 0; k < a->op_count; k++) {
		const cs_arm64_op *op = &a->operands[k];
		if (op->type != ARM64_OP_MEM)
			continue;
		if (reg_value(op->mem.base, r, &base) < 0 ||
		    (op->mem.index != ARM64_REG_INVALID && index_value(op, r, &idx) < 0))
			return -1;
		*va = base + idx + (uint64_t)(int64_t)op->mem.disp;
		return 0;
	}
	for (unsigned k = 0; k < a->op_count; k++)
		if (a->operands[k].type == ARM64_OP_IMM) {
			*va = (uint64_t)a->operands[k].imm;
			return 0;
		}
	return -1;
}

int gdb_decode_arm64(csh h, const uint8_t *code, size_t n, const hvt_regs *r,
		     struct gdb_insn *out)
{
	uint64_t va = 0;
	cs_insn *i = NULL;
	struct form f;
	uint32_t w;
	int known, rc = 0;

	if (n < 4)
		return -1;
	w = (uint32_t)code[0] | (uint32_t)code[1] << 8 | (uint32_t)code[2] << 16 |
	    (uint32_t)code[3] << 24;
	known = cs_disasm(h, code, 4, r->r[HVT_ARM64_PC], 1, &i) == 1;
	classify(w, &f);
	out->len = 4;
	if (!known && !(f.by_bits && f.bytes))
		rc = -1; /* neither Capstone nor the v8.1+ forms know it */
	else if ((w & 0xffffffe0u) == 0xd50b7420u) /* DC ZVA: Xt's block */
		va = (field(w, 0, 5) == 31 ? 0 : r->r[field(w, 0, 5)]) & ~(uint64_t)(DC_ZVA_BYTES - 1);
	else if (f.bytes && f.by_bits)
		va = r->r[field(w, 5, 5)] + (uint64_t)f.imm; /* Rn 31 is SP: r->r[31] */
	else if (f.bytes && cs_address(i, r, &va) < 0)
		rc = -1;
	if (rc == 0)
		gdb_insn_add(out, va, f.bytes, f.read, f.write);
	if (known)
		cs_free(i, 1);
	return rc;
}
