/* The x86-64 register table behind target.xml, the 'g' packet and 'p'/'P',
 * and the architecture's table (gdb_arch.h). gdb validates the org.gnu.gdb.i386.core feature by register names (all
 * of them, x87 included), so the order below is gdb's amd64 order; lldb
 * reads the "generic" and "dwarf_regnum" attributes gdb ignores. */
#include "gdb_arch.h"

#include <stdio.h>
#include <string.h>

#define GDB_NREGS 65u
#define N_GPR 18u /* rax..r15, rip, eflags: the writable file */

enum reg_src { SRC_GPR, SRC_SEL, SRC_ST, SRC_FPU, SRC_XMM, SRC_MXCSR, SRC_SYS };
enum { FEAT_CORE, FEAT_SSE, FEAT_SEG, FEAT_CTRL, N_FEAT };

struct reg_desc {
	const char *name;
	uint8_t bytes;
	uint8_t src;           /* enum reg_src */
	uint8_t idx;           /* index within the source */
	uint8_t feature;
	const char *type;
	const char *generic;   /* lldb: pc, sp, fp, flags */
	int dwarf;             /* -1: none */
};

static const struct reg_desc regs[GDB_NREGS] = {
	{"rax", 8, SRC_GPR, HVT_X86_RAX, FEAT_CORE, "int64", NULL, 0},
	{"rbx", 8, SRC_GPR, HVT_X86_RBX, FEAT_CORE, "int64", NULL, 3},
	{"rcx", 8, SRC_GPR, HVT_X86_RCX, FEAT_CORE, "int64", NULL, 2},
	{"rdx", 8, SRC_GPR, HVT_X86_RDX, FEAT_CORE, "int64", NULL, 1},
	{"rsi", 8, SRC_GPR, HVT_X86_RSI, FEAT_CORE, "int64", NULL, 4},
	{"rdi", 8, SRC_GPR, HVT_X86_RDI, FEAT_CORE, "int64", NULL, 5},
	{"rbp", 8, SRC_GPR, HVT_X86_RBP, FEAT_CORE, "data_ptr", "fp", 6},
	{"rsp", 8, SRC_GPR, HVT_X86_RSP, FEAT_CORE, "data_ptr", "sp", 7},
	{"r8", 8, SRC_GPR, HVT_X86_R8, FEAT_CORE, "int64", NULL, 8},
	{"r9", 8, SRC_GPR, HVT_X86_R9, FEAT_CORE, "int64", NULL, 9},
	{"r10", 8, SRC_GPR, HVT_X86_R10, FEAT_CORE, "int64", NULL, 10},
	{"r11", 8, SRC_GPR, HVT_X86_R11, FEAT_CORE, "int64", NULL, 11},
	{"r12", 8, SRC_GPR, HVT_X86_R12, FEAT_CORE, "int64", NULL, 12},
	{"r13", 8, SRC_GPR, HVT_X86_R13, FEAT_CORE, "int64", NULL, 13},
	{"r14", 8, SRC_GPR, HVT_X86_R14, FEAT_CORE, "int64", NULL, 14},
	{"r15", 8, SRC_GPR, HVT_X86_R15, FEAT_CORE, "int64", NULL, 15},
	{"rip", 8, SRC_GPR, HVT_X86_RIP, FEAT_CORE, "code_ptr", "pc", 16},
	{"eflags", 4, SRC_GPR, HVT_X86_RFLAGS, FEAT_CORE, "i386_eflags", "flags", 49},
	{"cs", 4, SRC_SEL, 0, FEAT_CORE, "int32", NULL, 51},
	{"ss", 4, SRC_SEL, 1, FEAT_CORE, "int32", NULL, 52},
	{"ds", 4, SRC_SEL, 2, FEAT_CORE, "int32", NULL, 53},
	{"es", 4, SRC_SEL, 3, FEAT_CORE, "int32", NULL, 50},
	{"fs", 4, SRC_SEL, 4, FEAT_CORE, "int32", NULL, 54},
	{"gs", 4, SRC_SEL, 5, FEAT_CORE, "int32", NULL, 55},
	{"st0", 10, SRC_ST, 0, FEAT_CORE, "i387_ext", NULL, 33},
	{"st1", 10, SRC_ST, 1, FEAT_CORE, "i387_ext", NULL, 34},
	{"st2", 10, SRC_ST, 2, FEAT_CORE, "i387_ext", NULL, 35},
	{"st3", 10, SRC_ST, 3, FEAT_CORE, "i387_ext", NULL, 36},
	{"st4", 10, SRC_ST, 4, FEAT_CORE, "i387_ext", NULL, 37},
	{"st5", 10, SRC_ST, 5, FEAT_CORE, "i387_ext", NULL, 38},
	{"st6", 10, SRC_ST, 6, FEAT_CORE, "i387_ext", NULL, 39},
	{"st7", 10, SRC_ST, 7, FEAT_CORE, "i387_ext", NULL, 40},
	{"fctrl", 4, SRC_FPU, 0, FEAT_CORE, "int", NULL, -1},
	{"fstat", 4, SRC_FPU, 1, FEAT_CORE, "int", NULL, -1},
	{"ftag", 4, SRC_FPU, 2, FEAT_CORE, "int", NULL, -1},
	{"fiseg", 4, SRC_FPU, 3, FEAT_CORE, "int", NULL, -1},
	{"fioff", 4, SRC_FPU, 4, FEAT_CORE, "int", NULL, -1},
	{"foseg", 4, SRC_FPU, 5, FEAT_CORE, "int", NULL, -1},
	{"fooff", 4, SRC_FPU, 6, FEAT_CORE, "int", NULL, -1},
	{"fop", 4, SRC_FPU, 7, FEAT_CORE, "int", NULL, -1},
#define XMM(i) {"xmm" #i, 16, SRC_XMM, i, FEAT_SSE, "vec128", NULL, 17 + i}
	XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
	XMM(8), XMM(9), XMM(10), XMM(11), XMM(12), XMM(13), XMM(14), XMM(15),
#undef XMM
	{"mxcsr", 4, SRC_MXCSR, 0, FEAT_SSE, "int", NULL, 64},
	{"fs_base", 8, SRC_SYS, 0, FEAT_SEG, "int64", NULL, 58},
	{"gs_base", 8, SRC_SYS, 1, FEAT_SEG, "int64", NULL, 59},
	{"cr0", 8, SRC_SYS, 2, FEAT_CTRL, "int64", NULL, -1},
	{"cr2", 8, SRC_SYS, 3, FEAT_CTRL, "int64", NULL, -1},
	{"cr3", 8, SRC_SYS, 4, FEAT_CTRL, "int64", NULL, -1},
	{"cr4", 8, SRC_SYS, 5, FEAT_CTRL, "int64", NULL, -1},
	{"cr8", 8, SRC_SYS, 6, FEAT_CTRL, "int64", NULL, -1},
	{"efer", 8, SRC_SYS, 7, FEAT_CTRL, "int64", NULL, -1},
};

static const char *const feature_names[N_FEAT] = {
	"org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse", "org.gnu.gdb.i386.segments",
	"org.hvtrace.x86.control",
};

/* Types gdb's own amd64 descriptions define: eflags bits, the vec128 union. */
static const char types_core[] =
	"<flags id=\"i386_eflags\" size=\"4\"><field name=\"CF\" start=\"0\" end=\"0\"/>"
	"<field name=\"\" start=\"1\" end=\"1\"/><field name=\"PF\" start=\"2\" end=\"2\"/>"
	"<field name=\"AF\" start=\"4\" end=\"4\"/><field name=\"ZF\" start=\"6\" end=\"6\"/>"
	"<field name=\"SF\" start=\"7\" end=\"7\"/><field name=\"TF\" start=\"8\" end=\"8\"/>"
	"<field name=\"IF\" start=\"9\" end=\"9\"/><field name=\"DF\" start=\"10\" end=\"10\"/>"
	"<field name=\"OF\" start=\"11\" end=\"11\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
	"</flags>";
static const char types_sse[] =
	"<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
	"<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
	"<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
	"<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
	"<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
	"<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
	"<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
	"<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
	"<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
	"<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/>"
	"</union>";

static char xml[12288];

static size_t put_reg(char *p, size_t cap, unsigned n)
{
	const struct reg_desc *d = &regs[n];
	char extra[96] = "";
	int k = 0;

	if (d->generic)
		k = snprintf(extra, sizeof(extra), " generic=\"%s\"", d->generic);
	if (d->dwarf >= 0 && k >= 0)
		snprintf(extra + k, sizeof(extra) - (size_t)k, " dwarf_regnum=\"%d\"", d->dwarf);
	int w = snprintf(p, cap, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"%s/>",
			 d->name, 8u * d->bytes, d->type, n, extra);
	return w < 0 ? 0 : (size_t)w;
}

static void build_xml(void)
{
	size_t n = 0;

	n += (size_t)snprintf(xml, sizeof(xml), "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM "
			      "\"gdb-target.dtd\"><target version=\"1.0\">"
			      "<architecture>i386:x86-64</architecture>");
	for (unsigned f = 0; f < N_FEAT && n < sizeof(xml); f++) {
		n += (size_t)snprintf(xml + n, sizeof(xml) - n, "<feature name=\"%s\">%s",
				      feature_names[f], f == FEAT_CORE ? types_core :
				      f == FEAT_SSE ? types_sse : "");
		for (unsigned r = 0; r < GDB_NREGS && n < sizeof(xml); r++)
			if (regs[r].feature == f)
				n += put_reg(xml + n, sizeof(xml) - n, r);
		if (n < sizeof(xml))
			n += (size_t)snprintf(xml + n, sizeof(xml) - n, "</feature>");
	}
	if (n < sizeof(xml))
		snprintf(xml + n, sizeof(xml) - n, "</target>");
}

static const char *target_xml(void)
{
	if (!xml[0])
		build_xml(); /* one thread (the stub's) ever calls this */
	return xml;
}

static unsigned reg_bytes(unsigned n)
{
	return n < GDB_NREGS ? regs[n].bytes : 0;
}

static uint64_t fpu_word(const hvt_x86_sysregs *s, unsigned i)
{
	const uint64_t v[8] = { s->fcw, s->fsw, s->ftw, 0, s->fip & 0xffffffffu, 0,
				s->fdp & 0xffffffffu, s->fop };
	return v[i & 7];
}

static uint64_t sys_word(const hvt_x86_sysregs *s, unsigned i)
{
	const uint64_t v[8] = { s->fs_base, s->gs_base, s->cr0, s->cr2, s->cr3, s->cr4,
				s->cr8, s->efer };
	return v[i & 7];
}

static void reg_read(unsigned n, const hvt_regs *r, const struct gdb_sys *gs, uint8_t *out)
{
	const struct reg_desc *d = &regs[n];
	const hvt_x86_sysregs *s = &gs->x86;
	uint64_t v = 0;

	memset(out, 0, d->bytes);
	switch (d->src) {
	case SRC_GPR: v = r->r[d->idx]; break;
	case SRC_SEL: v = s->sel[d->idx]; break;
	case SRC_ST: memcpy(out, s->st[d->idx], 10); return;
	case SRC_FPU: v = fpu_word(s, d->idx); break;
	case SRC_XMM: memcpy(out, s->xmm[d->idx], 16); return;
	case SRC_MXCSR: v = s->mxcsr; break;
	default: v = sys_word(s, d->idx); break;
	}
	for (unsigned b = 0; b < d->bytes && b < 8; b++)
		out[b] = (uint8_t)(v >> (8 * b));
}

static int reg_write(unsigned n, hvt_regs *r, const uint8_t *in, size_t len)
{
	uint64_t v = 0;

	if (n >= GDB_NREGS || regs[n].src != SRC_GPR || len != regs[n].bytes)
		return -1;
	for (size_t b = 0; b < len; b++)
		v |= (uint64_t)in[b] << (8 * b);
	if (regs[n].idx == HVT_X86_RFLAGS) /* 32 bits on the wire: keep the upper half (zero) */
		v |= r->r[HVT_X86_RFLAGS] & ~0xffffffffull;
	r->r[regs[n].idx] = v;
	return 0;
}

static int sys_read(const hvt_backend_ops *ops, hvt_backend_vcpu *bv, struct gdb_sys *out)
{
	if (!ops->vcpu_get_x86_sysregs)
		return -1;
	return ops->vcpu_get_x86_sysregs(bv, &out->x86) < 0 ? -1 : 0;
}

const struct gdb_arch gdb_arch_x86_64 = {
	.name = "x86-64",
	.gdb_client = "gdb",
	.triple = "x86_64-unknown-none",
	.nregs = GDB_NREGS,
	.n_gpr = N_GPR,
	.pc = HVT_X86_RIP,
	.gdb_pc = 16,
	.gdb_sp = 7,
	.isa = GDB_ISA_X86_64,
	.target_xml = target_xml,
	.reg_bytes = reg_bytes,
	.reg_read = reg_read,
	.reg_write = reg_write,
	.sys_read = sys_read,
	.translate = gdb_x86_translate,
	.irq_entry = gdb_x86_irq_entry,
	.halt_bp = gdb_x86_halt_bp,
};
