/* The gdb stub's arm64 instruction decoder (replay/gdb/gdb_decode.h,
 * gdb_decode_arm64.c): address, size and direction of each A64 load/store
 * form rwatch/awatch see, one encoding per row (assembled with
 * aarch64-linux-gnu-as, disassembly beside it). Rows marked "cs wrong" are
 * where Capstone 4.0.2's own access flags say otherwise, "cs rejects" are
 * forms it does not decode at all. Skips (77) when built without Capstone. */
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

#define PC 0x40000ull
#define X1 0x10000ull
#define X2 0x3ull
#define X4 0x30000ull
#define SP 0x80000ull

enum { NONE = 0, R = 1, W = 2, RW = 3 };

struct row {
	uint32_t insn;
	const char *text;
	uint64_t va;
	uint32_t len;   /* 0: no access */
	int dir;        /* R, W, RW */
};

static void reset_regs(void)
{
	memset(&regs, 0, sizeof(regs));
	regs.nregs = HVT_ARM64_NREGS;
	regs.r[1] = X1, regs.r[2] = X2, regs.r[4] = X4, regs.r[29] = 0x7777;
	regs.r[HVT_ARM64_SP] = SP, regs.r[HVT_ARM64_PC] = PC;
}

static void check(const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct row *t = &rows[i];
		uint8_t code[4] = { (uint8_t)t->insn, (uint8_t)(t->insn >> 8),
				    (uint8_t)(t->insn >> 16), (uint8_t)(t->insn >> 24) };
		struct gdb_insn in;
		print_message("%08x %s\n", t->insn, t->text);
		assert_int_equal(gdb_decode(dec, code, sizeof(code), &regs, &sys, &in), 0);
		assert_int_equal(in.len, 4);
		assert_false(in.branch);
		if (!t->len) {
			assert_int_equal(in.n_access, 0);
			continue;
		}
		assert_int_equal(in.n_access, 1);
		assert_int_equal(in.access[0].va, t->va);
		assert_int_equal(in.access[0].len, t->len);
		assert_int_equal(in.access[0].read, (t->dir & R) != 0);
		assert_int_equal(in.access[0].write, (t->dir & W) != 0);
	}
}

#define CHECK(rows) check(rows, sizeof(rows) / sizeof(rows[0]))

static void test_single_register_widths(void **st)
{
	(void)st;
	static const struct row rows[] = {
		{ 0xf9400420, "ldr x0, [x1, #8]", X1 + 8, 8, R },
		{ 0x39400420, "ldrb w0, [x1, #1]", X1 + 1, 1, R },
		{ 0x39800420, "ldrsb x0, [x1, #1]", X1 + 1, 1, R },
		{ 0x79400420, "ldrh w0, [x1, #2]", X1 + 2, 2, R },
		{ 0x79c00420, "ldrsh w0, [x1, #2]", X1 + 2, 2, R },
		{ 0xb9800420, "ldrsw x0, [x1, #4]", X1 + 4, 4, R },
		{ 0x3d400420, "ldr b0, [x1, #1]", X1 + 1, 1, R },
		{ 0x7d400420, "ldr h0, [x1, #2]", X1 + 2, 2, R },
		{ 0xbd400420, "ldr s0, [x1, #4]", X1 + 4, 4, R },
		{ 0xfd400420, "ldr d0, [x1, #8]", X1 + 8, 8, R },
		{ 0x3dc00420, "ldr q0, [x1, #16]", X1 + 16, 16, R },
		{ 0xf97ffc20, "ldr x0, [x1, #0x7ff8]", X1 + 0x7ff8, 8, R },
		{ 0xf90007e0, "str x0, [sp, #8] (SP as base)", SP + 8, 8, W },
		{ 0x39000020, "strb w0, [x1]", X1, 1, W },
		{ 0xf85fd020, "ldur x0, [x1, #-3]", X1 - 3, 8, R },
		{ 0xf84ff020, "ldur x0, [x1, #255]", X1 + 255, 8, R },
		{ 0xb81fd020, "stur w0, [x1, #-3]", X1 - 3, 4, W },
		{ 0xf8408820, "ldtr x0, [x1, #8]", X1 + 8, 8, R },
		{ 0x38000820, "sttrb w0, [x1]", X1, 1, W },
	};
	reset_regs();
	CHECK(rows);
}

static void test_pre_and_post_index(void **st)
{
	(void)st;
	static const struct row rows[] = {
		{ 0xb8408c20, "ldr w0, [x1, #8]! (pre: base + 8)", X1 + 8, 4, R },
		{ 0xf8408420, "ldr x0, [x1], #8 (post: the base)", X1, 8, R },
		{ 0x3c9f0c20, "str q0, [x1, #-16]!", X1 - 16, 16, W },
		{ 0xfc1f8420, "str d0, [x1], #-8", X1, 8, W },
	};
	reset_regs();
	CHECK(rows);
}

static void test_pairs(void **st)
{
	(void)st;
	static const struct row rows[] = {
		{ 0xa94107e0, "ldp x0, x1, [sp, #16]", SP + 16, 16, R },
		{ 0xa9be7bfd, "stp x29, x30, [sp, #-32]!", SP - 32, 16, W },
		{ 0xa8c27bfd, "ldp x29, x30, [sp], #32 (cs wrong: rw)", SP, 16, R },
		{ 0x69400440, "ldpsw x0, x1, [x2]", X2, 8, R },
		{ 0xad410440, "ldp q0, q1, [x2, #32]", X2 + 32, 32, R },
		{ 0x2d000440, "stp s0, s1, [x2]", X2, 8, W },
		{ 0x29600440, "ldp w0, w1, [x2, #-256]", X2 - 256, 8, R },
		{ 0xa8400440, "ldnp x0, x1, [x2]", X2, 16, R },
	};
	reset_regs();
	CHECK(rows);
}

static void test_exclusive_and_ordered(void **st)
{
	(void)st;
	static const struct row rows[] = {
		{ 0xc85f7c20, "ldxr x0, [x1]", X1, 8, R },
		{ 0xc8027c20, "stxr w2, x0, [x1] (cs wrong: read)", X1, 8, W },
		{ 0x085ffc20, "ldaxrb w0, [x1]", X1, 1, R },
		{ 0x4802fc20, "stlxrh w2, w0, [x1] (cs wrong: read)", X1, 2, W },
		{ 0xc8dffc20, "ldar x0, [x1]", X1, 8, R },
		{ 0x889ffc20, "stlr w0, [x1] (cs wrong: read)", X1, 4, W },
		{ 0xc87f0440, "ldxp x0, x1, [x2]", X2, 16, R },
		{ 0xc8230440, "stxp w3, x0, x1, [x2] (cs wrong: read)", X2, 16, W },
		{ 0x887f8440, "ldaxp w0, w1, [x2]", X2, 8, R },
		{ 0x88238440, "stlxp w3, w0, w1, [x2]", X2, 8, W },
		{ 0xc8df7c20, "ldlar x0, [x1] (cs rejects)", X1, 8, R },
		{ 0x889f7c20, "stllr w0, [x1] (cs rejects)", X1, 4, W },
	};
	reset_regs();
	CHECK(rows);
}

static void test_register_offset(void **st)
{
	(void)st;
	static const struct row rows_a[] = {
		{ 0xf8626820, "ldr x0, [x1, x2]", X1 + X2, 8, R },
		{ 0xf8627820, "ldr x0, [x1, x2, lsl #3]", X1 + X2 * 8, 8, R },
		{ 0x78227820, "strh w0, [x1, x2, lsl #1]", X1 + X2 * 2, 2, W },
	};
	static const struct row rows_b[] = {
		/* x2 = 0x5_ffffffff: w2 = -1 signed, 0xffffffff unsigned */
		{ 0xb862d820, "ldr w0, [x1, w2, sxtw #2]", X1 - 4, 4, R },
		{ 0x38624820, "ldrb w0, [x1, w2, uxtw]", X1 + 0xffffffffull, 1, R },
	};
	reset_regs();
	CHECK(rows_a);
	regs.r[2] = 0x5ffffffffull;
	CHECK(rows_b);
}

static void test_literal(void **st)
{
	(void)st;
	static const struct row rows[] = {
		{ 0x58000280, "ldr x0, pc+0x50", PC + 0x50, 8, R },
		{ 0x18000260, "ldr w0, pc+0x4c", PC + 0x4c, 4, R },
		{ 0x98000240, "ldrsw x0, pc+0x48", PC + 0x48, 4, R },
		{ 0x9c000220, "ldr q0, pc+0x44", PC + 0x44, 16, R },
	};
	reset_regs();
	CHECK(rows);
}

static void test_simd_structures(void **st)
{
	(void)st;
	static const struct row rows[] = {
		{ 0x4c407020, "ld1 {v0.16b}, [x1] (cs wrong: rw)", X1, 16, R },
		{ 0x4cdfa020, "ld1 {v0.16b, v1.16b}, [x1], #32", X1, 32, R },
		{ 0x4c002c20, "st1 {v0.2d-v3.2d}, [x1] (cs wrong: none)", X1, 64, W },
		{ 0x0cc27020, "ld1 {v0.8b}, [x1], x2", X1, 8, R },
		{ 0x0d409020, "ld1 {v0.s}[1], [x1]", X1, 4, R },
		{ 0x4d40c820, "ld1r {v0.4s}, [x1]", X1, 4, R },
		{ 0x4c408820, "ld2 {v0.4s, v1.4s}, [x1] (cs wrong: none)", X1, 32, R },
		{ 0x0c000020, "st4 {v0.8b-v3.8b}, [x1]", X1, 32, W },
	};
	reset_regs();
	CHECK(rows);
}

static void test_atomics_capstone_rejects(void **st)
{
	(void)st;
	static const struct row rows[] = {
		{ 0xc8a07c41, "cas x0, x1, [x2]", X2, 8, RW },
		{ 0x88e0ffe1, "casal w0, w1, [sp]", SP, 4, RW },
		{ 0x08a07c41, "casb w0, w1, [x2]", X2, 1, RW },
		{ 0x48207c82, "casp x0, x1, x2, x3, [x4]", X4, 16, RW },
		{ 0xf8208041, "swp x0, x1, [x2]", X2, 8, RW },
		{ 0xb8e08041, "swpal w0, w1, [x2]", X2, 4, RW },
		{ 0xf8200041, "ldadd x0, x1, [x2]", X2, 8, RW },
		{ 0xb8e00041, "ldaddal w0, w1, [x2]", X2, 4, RW },
		{ 0xf820005f, "stadd x0, [x2]", X2, 8, RW },
		{ 0x38203041, "ldsetb w0, w1, [x2]", X2, 1, RW },
		{ 0xf8206041, "ldumax x0, x1, [x2]", X2, 8, RW },
		{ 0x38bfc020, "ldaprb w0, [x1]", X1, 1, R },
		{ 0xd95f8020, "ldapur x0, [x1, #-8]", X1 - 8, 8, R },
		{ 0x990043e0, "stlur w0, [sp, #4]", SP + 4, 4, W },
		{ 0x99801020, "ldapursw x0, [x1, #1]", X1 + 1, 4, R },
	};
	reset_regs();
	CHECK(rows);
}

static void test_no_access_and_dc_zva(void **st)
{
	(void)st;
	static const struct row rows[] = {
		{ 0x8b020020, "add x0, x1, x2", 0, 0, NONE },
		{ 0xd503201f, "nop", 0, 0, NONE },
		{ 0xf9800020, "prfm pldl1keep, [x1] (cs wrong: rw)", 0, 0, NONE },
		{ 0xd50b7e21, "dc civac, x1", 0, 0, NONE },
		{ 0xd50b7421, "dc zva, x1: its 64-byte block", X1 + 0x40, 64, W },
	};
	reset_regs();
	regs.r[1] = X1 + 0x67;
	CHECK(rows);
}

static void test_garbage_is_refused(void **st)
{
	(void)st;
	struct gdb_insn in;
	const uint8_t ldr[4] = { 0x20, 0x04, 0x40, 0xf9 }, bad[4] = { 0xff, 0xff, 0xff, 0xff };
	const uint8_t ldraa[4] = { 0x20, 0x14, 0x20, 0xf8 }; /* pointer authentication: not decoded */

	reset_regs();
	assert_int_equal(gdb_decode(dec, ldr, 3, &regs, &sys, &in), -1); /* truncated */
	assert_int_equal(gdb_decode(dec, bad, 4, &regs, &sys, &in), -1);
	assert_int_equal(gdb_decode(dec, ldraa, 4, &regs, &sys, &in), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_register_widths),
		cmocka_unit_test(test_pre_and_post_index),
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_exclusive_and_ordered),
		cmocka_unit_test(test_register_offset),
		cmocka_unit_test(test_literal),
		cmocka_unit_test(test_simd_structures),
		cmocka_unit_test(test_atomics_capstone_rejects),
		cmocka_unit_test(test_no_access_and_dc_zva),
		cmocka_unit_test(test_garbage_is_refused),
	};
	int rc;

	if (!(dec = gdb_decoder_open(GDB_ISA_ARM64))) {
		printf("SKIP: built without Capstone (libcapstone-dev): no decoder\n");
		return 77;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	gdb_decoder_close(dec);
	return rc;
}
