/* The gdb stub's instruction decoder (replay/gdb/gdb_decode.h): the memory
 * accesses rwatch/awatch see, per instruction form, including the cases
 * where Capstone's own access flags are wrong (SSE stores) or silent
 * (implicit stack slots). Skips (77) when built without Capstone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "gdb_decode.h"

static gdb_decoder *dec;
static hvt_regs regs;
static struct gdb_sys sys;

#define RIP 0x100000ull

static struct gdb_insn decode(const uint8_t *code, size_t n)
{
	struct gdb_insn in;

	regs.r[HVT_X86_RIP] = RIP;
	assert_int_equal(gdb_decode(dec, code, n, &regs, &sys, &in), 0);
	return in;
}

#define DECODE(...) decode((const uint8_t[]){ __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }))

static void one(const struct gdb_insn *in, unsigned i, uint64_t va, uint32_t len, int rd, int wr)
{
	assert_true(in->n_access > i);
	assert_int_equal(in->access[i].va, va);
	assert_int_equal(in->access[i].len, len);
	assert_int_equal(in->access[i].read, rd);
	assert_int_equal(in->access[i].write, wr);
}

static void test_rip_relative_load_and_store(void **st)
{
	(void)st;
	struct gdb_insn in = DECODE(0x48, 0x8b, 0x05, 0x10, 0, 0, 0); /* mov rax,[rip+16] */
	assert_int_equal(in.len, 7);
	assert_int_equal(in.n_access, 1);
	one(&in, 0, RIP + 7 + 16, 8, 1, 0);
	in = DECODE(0x89, 0x05, 0x10, 0, 0, 0); /* mov [rip+16],eax */
	one(&in, 0, RIP + 6 + 16, 4, 0, 1);
	in = DECODE(0x48, 0x01, 0x05, 0x10, 0, 0, 0); /* add [rip+16],rax */
	one(&in, 0, RIP + 7 + 16, 8, 1, 1);
	assert_false(in.branch);
}

static void test_sse_store_is_a_write(void **st)
{
	(void)st;
	regs.r[HVT_X86_RBX] = 0x2000;
	struct gdb_insn in = DECODE(0x0f, 0x11, 0x03); /* movups [rbx],xmm0 */
	assert_int_equal(in.n_access, 1);
	one(&in, 0, 0x2000, 16, 0, 1);
	in = DECODE(0x66, 0x0f, 0x6f, 0x03); /* movdqa xmm0,[rbx] */
	one(&in, 0, 0x2000, 16, 1, 0);
}

static void test_base_index_scale_and_segments(void **st)
{
	(void)st;
	regs.r[HVT_X86_RBX] = 0x1000, regs.r[HVT_X86_RCX] = 3;
	struct gdb_insn in = DECODE(0x8b, 0x44, 0x8b, 0x08); /* mov eax,[rbx+rcx*4+8] */
	one(&in, 0, 0x1000 + 12 + 8, 4, 1, 0);
	sys.x86.fs_base = 0x700000;
	in = DECODE(0x64, 0x48, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0); /* mov rax,fs:[0x10] */
	one(&in, 0, 0x700010, 8, 1, 0);
	regs.r[HVT_X86_RAX] = 0x1ffffffffull;
	in = DECODE(0x67, 0x8b, 0x00); /* mov eax,[eax]: a 32-bit address */
	one(&in, 0, 0xffffffffull, 4, 1, 0);
}

static void test_address_only_forms_access_nothing(void **st)
{
	(void)st;
	struct gdb_insn in = DECODE(0x48, 0x8d, 0x04, 0x8b); /* lea rax,[rbx+rcx*4] */
	assert_int_equal(in.n_access, 0);
	in = DECODE(0x0f, 0x1f, 0x40, 0x00); /* nop [rax] */
	assert_int_equal(in.n_access, 0);
	in = DECODE(0x0f, 0x18, 0x05, 0x10, 0, 0, 0); /* prefetchnta */
	assert_int_equal(in.n_access, 0);
}

static void test_implicit_stack(void **st)
{
	(void)st;
	regs.r[HVT_X86_RSP] = 0x8000, regs.r[HVT_X86_RBP] = 0x9000;
	struct gdb_insn in = DECODE(0x50); /* push rax */
	one(&in, 0, 0x7ff8, 8, 0, 1);
	in = DECODE(0x58); /* pop rax */
	one(&in, 0, 0x8000, 8, 1, 0);
	in = DECODE(0xe8, 0, 0, 0, 0); /* call */
	one(&in, 0, 0x7ff8, 8, 0, 1);
	assert_true(in.branch);
	in = DECODE(0xc3); /* ret */
	one(&in, 0, 0x8000, 8, 1, 0);
	assert_true(in.branch);
	in = DECODE(0xc9); /* leave */
	one(&in, 0, 0x9000, 8, 1, 0);
	in = DECODE(0xff, 0x35, 0x10, 0, 0, 0); /* push [rip+16]: a load and a stack store */
	assert_int_equal(in.n_access, 2);
	one(&in, 0, RIP + 6 + 16, 8, 1, 0);
	one(&in, 1, 0x7ff8, 8, 0, 1);
}

static void test_rep_string(void **st)
{
	(void)st;
	regs.r[HVT_X86_RSI] = 0x3000, regs.r[HVT_X86_RDI] = 0x4000, regs.r[HVT_X86_RCX] = 0;
	struct gdb_insn in = DECODE(0xf3, 0xa4); /* rep movsb */
	assert_true(in.rep);
	assert_int_equal(in.n_access, 0); /* RCX = 0: nothing moves */
	regs.r[HVT_X86_RCX] = 5;
	in = DECODE(0xf3, 0xa4);
	assert_int_equal(in.n_access, 2);
	one(&in, 0, 0x4000, 1, 0, 1);
	one(&in, 1, 0x3000, 1, 1, 0);
	in = DECODE(0xf3, 0x0f, 0x6f, 0x03); /* movdqu: f3 is not a rep here */
	assert_false(in.rep);
}

static void test_save_areas(void **st)
{
	(void)st;
	regs.r[HVT_X86_RBX] = 0x5000;
	struct gdb_insn in = DECODE(0x0f, 0xae, 0x03); /* fxsave [rbx] */
	one(&in, 0, 0x5000, 512, 0, 1);
}

static void test_garbage_is_refused(void **st)
{
	(void)st;
	struct gdb_insn in;
	const uint8_t bad[] = { 0x0f, 0xff }; /* ud0 without its ModRM: truncated */
	regs.r[HVT_X86_RIP] = RIP;
	assert_int_equal(gdb_decode(dec, bad, 1, &regs, &sys, &in), -1);
	assert_int_equal(gdb_decode(dec, bad, 0, &regs, &sys, &in), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rip_relative_load_and_store),
		cmocka_unit_test(test_sse_store_is_a_write),
		cmocka_unit_test(test_base_index_scale_and_segments),
		cmocka_unit_test(test_address_only_forms_access_nothing),
		cmocka_unit_test(test_implicit_stack),
		cmocka_unit_test(test_rep_string),
		cmocka_unit_test(test_save_areas),
		cmocka_unit_test(test_garbage_is_refused),
	};
	int rc;

	if (!(dec = gdb_decoder_open(GDB_ISA_X86_64))) {
		printf("SKIP: built without Capstone (libcapstone-dev): no decoder\n");
		return 77;
	}
	regs.nregs = HVT_X86_NREGS;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	gdb_decoder_close(dec);
	return rc;
}
