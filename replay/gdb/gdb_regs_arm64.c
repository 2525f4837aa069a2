/* The arm64 register set served to gdb and lldb, and the architecture's
 * table (gdb_arch.h). gdb validates org.gnu.gdb.aarch64.core by register
 * names (x0-x30, sp, pc, cpsr) and numbers them in that order, then
 * org.gnu.gdb.aarch64.fpu (v0-v31, fpsr, fpcr); lldb reads the "generic"
 * and "dwarf_regnum" attributes gdb ignores. Numbers 0..33 are exactly the
 * backend's register file (core/backend.h: x0..x30, sp, pc, cpsr), which
 * is what the client may write. */
#include <stdio.h>
#include <string.h>

#include "gdb_arch.h"

#define N_CORE 34u              /* x0-x30, sp, pc, cpsr */
#define NREGS (N_CORE + 32u + 2u) /* + v0-v31, fpsr, fpcr */
#define REG_V0 N_CORE
#define REG_FPSR (N_CORE + 32u)
#define REG_FPCR (N_CORE + 33u)

static const char types_core[] =
	"<flags id=\"cpsr_flags\" size=\"4\"><field name=\"SP\" start=\"0\" end=\"0\"/>"
	"<field name=\"EL\" start=\"2\" end=\"3\"/><field name=\"nRW\" start=\"4\" end=\"4\"/>"
	"<field name=\"F\" start=\"6\" end=\"6\"/><field name=\"I\" start=\"7\" end=\"7\"/>"
	"<field name=\"A\" start=\"8\" end=\"8\"/><field name=\"D\" start=\"9\" end=\"9\"/>"
	"<field name=\"IL\" start=\"20\" end=\"20\"/><field name=\"SS\" start=\"21\" end=\"21\"/>"
	"<field name=\"V\" start=\"28\" end=\"28\"/><field name=\"C\" start=\"29\" end=\"29\"/>"
	"<field name=\"Z\" start=\"30\" end=\"30\"/><field name=\"N\" start=\"31\" end=\"31\"/>"
	"</flags>";
static const char types_fpu[] =
	"<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
	"<vector id=\"v2u\" type=\"uint64\" count=\"2\"/>"
	"<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
	"<vector id=\"v4u\" type=\"uint32\" count=\"4\"/>"
	"<vector id=\"v16u\" type=\"uint8\" count=\"16\"/>"
	"<union id=\"aarch64v\"><field name=\"d\" type=\"v2d\"/><field name=\"ud\" type=\"v2u\"/>"
	"<field name=\"s\" type=\"v4f\"/><field name=\"us\" type=\"v4u\"/>"
	"<field name=\"b\" type=\"v16u\"/><field name=\"q\" type=\"uint128\"/></union>";

static char xml[12288];

/* lldb: the calling convention's roles. */
static const char *generic_of(unsigned n)
{
	static const char *const args[8] = { "arg1", "arg2", "arg3", "arg4",
					     "arg5", "arg6", "arg7", "arg8" };
	switch (n) {
	case 29: return "fp";
	case 30: return "ra";
	case 31: return "sp";
	case 32: return "pc";
	case 33: return "flags";
	default: return n < 8 ? args[n] : NULL;
	}
}

static size_t put_core_reg(char *p, size_t cap, unsigned n)
{
	char name[8], extra[64] = "";
	const char *type = n == 31 ? "data_ptr" : n == 32 ? "code_ptr" : n == 33 ? "cpsr_flags" :
			   "int";
	const char *gen = generic_of(n);
	int k = 0;

	if (n <= 30)
		snprintf(name, sizeof(name), "x%u", n);
	else
		snprintf(name, sizeof(name), "%s", n == 31 ? "sp" : n == 32 ? "pc" : "cpsr");
	if (gen)
		k = snprintf(extra, sizeof(extra), " generic=\"%s\"", gen);
	if (n <= 32 && k >= 0) /* DWARF: x0-x30 0-30, sp 31, lldb's pc 32 */
		snprintf(extra + k, sizeof(extra) - (size_t)k, " dwarf_regnum=\"%u\"", n);
	int w = snprintf(p, cap, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"%s/>",
			 name, n == 33 ? 32u : 64u, type, n, extra);
	return w < 0 ? 0 : (size_t)w;
}

static size_t put_fpu_reg(char *p, size_t cap, unsigned n)
{
	int w;

	if (n < REG_FPSR)
		w = snprintf(p, cap, "<reg name=\"v%u\" bitsize=\"128\" type=\"aarch64v\" "
			     "regnum=\"%u\" dwarf_regnum=\"%u\"/>", n - REG_V0, n, 64 + n - REG_V0);
	else
		w = snprintf(p, cap, "<reg name=\"%s\" bitsize=\"32\" type=\"int\" regnum=\"%u\"/>",
			     n == REG_FPSR ? "fpsr" : "fpcr", n);
	return w < 0 ? 0 : (size_t)w;
}

static void build_xml(void)
{
	size_t n = (size_t)snprintf(xml, sizeof(xml), "<?xml version=\"1.0\"?><!DOCTYPE target "
				    "SYSTEM \"gdb-target.dtd\"><target version=\"1.0\">"
				    "<architecture>aarch64</architecture>"
				    "<feature name=\"org.gnu.gdb.aarch64.core\">%s", types_core);

	for (unsigned r = 0; r < N_CORE && n < sizeof(xml); r++)
		n += put_core_reg(xml + n, sizeof(xml) - n, r);
	if (n < sizeof(xml))
		n += (size_t)snprintf(xml + n, sizeof(xml) - n, "</feature><feature name=\""
				      "org.gnu.gdb.aarch64.fpu\">%s", types_fpu);
	for (unsigned r = N_CORE; r < NREGS && n < sizeof(xml); r++)
		n += put_fpu_reg(xml + n, sizeof(xml) - n, r);
	if (n < sizeof(xml))
		snprintf(xml + n, sizeof(xml) - n, "</feature></target>");
}

static const char *target_xml(void)
{
	if (!xml[0])
		build_xml(); /* one thread (the stub's) ever calls this */
	return xml;
}

static unsigned reg_bytes(unsigned n)
{
	if (n >= NREGS)
		return 0;
	return n == HVT_ARM64_CPSR || n >= REG_FPSR ? 4 : n >= REG_V0 ? 16 : 8;
}

static void reg_read(unsigned n, const hvt_regs *r, const struct gdb_sys *s, uint8_t *out)
{
	uint64_t v;

	memset(out, 0, reg_bytes(n));
	if (n >= REG_V0 && n < REG_FPSR) {
		memcpy(out, s->a64.q[n - REG_V0], 16);
		return;
	}
	v = n < N_CORE ? r->r[n] : n == REG_FPSR ? s->a64.fpsr : s->a64.fpcr;
	for (unsigned b = 0; b < reg_bytes(n); b++)
		out[b] = (uint8_t)(v >> (8 * b));
}

static int reg_write(unsigned n, hvt_regs *r, const uint8_t *in, size_t len)
{
	uint64_t v = 0;

	if (n >= N_CORE || len != reg_bytes(n))
		return -1;
	for (size_t b = 0; b < len; b++)
		v |= (uint64_t)in[b] << (8 * b);
	if (n == HVT_ARM64_CPSR) /* 32 bits on the wire: keep the upper half (zero) */
		v |= r->r[n] & ~0xffffffffull;
	r->r[n] = v;
	return 0;
}

static int sys_read(const hvt_backend_ops *ops, hvt_backend_vcpu *bv, struct gdb_sys *out)
{
	if (!ops->vcpu_get_arm64_sysregs)
		return -1;
	return ops->vcpu_get_arm64_sysregs(bv, &out->a64) < 0 ? -1 : 0;
}

/* WFI single-stepped exits as a halt on HVF (the stepped instruction's own
 * exit is reported instead of the step): nothing to avoid. */
static int halt_bp(const struct gdb_mem *m, uint64_t pc, uint64_t *bp)
{
	(void)m, (void)pc, (void)bp;
	return 0;
}

const struct gdb_arch gdb_arch_arm64 = {
	.name = "arm64",
	.gdb_client = "gdb-multiarch",
	.triple = "aarch64-unknown-none",
	.nregs = NREGS,
	.n_gpr = N_CORE,
	.pc = HVT_ARM64_PC,
	.gdb_pc = HVT_ARM64_PC,
	.gdb_sp = HVT_ARM64_SP,
	.watch_before_write = 1,
	.isa = GDB_ISA_ARM64,
	.target_xml = target_xml,
	.reg_bytes = reg_bytes,
	.reg_read = reg_read,
	.reg_write = reg_write,
	.sys_read = sys_read,
	.translate = gdb_arm64_translate,
	.irq_entry = gdb_arm64_irq_entry,
	.halt_bp = halt_bp,
};
