/* The HVF backend through its ops table (core/backend.h), on whatever
 * implements Apple's API here (the stand-in on Linux): exit decoding per
 * exception class, completion of reads (sign/zero extension per the data
 * abort's SSE/SF, results of MRS and HVC, PC moved past the instruction at
 * the next run), WFI, hardware breakpoint, single step and a kick from
 * another thread. One hand-encoded program, run step by step. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <cmocka.h>

#include "core/backend.h"
#include "hvt_guest_abi.h"

#define RAM_BYTES (4u << 20)
#define CODE_PA 0x100000u

/* Encoded with aarch64-linux-gnu-as; the offsets are used below. */
static const uint32_t program[] = {
	0x39c00001, /* 0x00 ldrsb w1, [x0]        (x0 = the MMIO window) */
	0x79800002, /* 0x04 ldrsh x2, [x0] */
	0xb9400003, /* 0x08 ldr   w3, [x0] */
	0xf900001f, /* 0x0c str   xzr, [x0] */
	0xd4024682, /* 0x10 hvc   #0x1234 */
	0xd538f005, /* 0x14 mrs   x5, s3_0_c15_c0_0 (implementation defined: traps) */
	0xd503207f, /* 0x18 wfi */
	0x910004c6, /* 0x1c add   x6, x6, #1 */
	0x910004c6, /* 0x20 add   x6, x6, #1 */
	0x910004c6, /* 0x24 add   x6, x6, #1 */
	0x14000000, /* 0x28 b     . */
};

struct fixture {
	const hvt_backend_ops *ops;
	uint8_t *ram;
	hvt_backend_vm *vm;
	hvt_backend_vcpu *vcpu;
	hvt_exit ex;
};

static int setup(void **state)
{
	static struct fixture f;
	hvt_mem_region region;
	hvt_regs r;
	char msg[256] = "";

	memset(&f, 0, sizeof(f));
	f.ops = hvt_backend_hvf();
	if (!f.ops) {
		fprintf(stderr, "SKIP: the HVF backend is not in this build\n");
		exit(77);
	}
	f.ram = mmap(NULL, RAM_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(f.ram != MAP_FAILED);
	memcpy(f.ram + CODE_PA, program, sizeof(program));
	region = (hvt_mem_region){ .guest_pa = 0, .len_bytes = RAM_BYTES, .host = f.ram };
	if (f.ops->vm_create(&region, 1, &f.vm, msg, sizeof(msg)) != 0)
		fail_msg("vm_create: %s", msg);
	assert_int_equal(f.ops->vcpu_create(f.vm, 0, &f.vcpu, msg, sizeof(msg)), 0);
	memset(&r, 0, sizeof(r));
	r.nregs = HVT_ARM64_NREGS;
	r.r[HVT_ARM64_PC] = CODE_PA;
	r.r[HVT_ARM64_SP] = RAM_BYTES;
	r.r[HVT_ARM64_CPSR] = HVT_ARM64_ENTRY_CPSR;
	r.r[0] = HVT_MMIO_BASE;
	assert_int_equal(f.ops->vcpu_set_regs(f.vcpu, &r), 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	f->ops->vcpu_detach(f->vcpu);
	f->ops->vcpu_free(f->vcpu);
	f->ops->vm_free(f->vm);
	munmap(f->ram, RAM_BYTES);
	return 0;
}

static const hvt_exit *run(struct fixture *f, uint8_t kind)
{
	assert_int_equal(f->ops->vcpu_run(f->vcpu, &f->ex), 0);
	if (f->ex.kind != kind)
		fail_msg("exit kind %u, want %u (raw %u, esr 0x%llx, pc 0x%llx)", f->ex.kind, kind,
			 f->ex.raw_reason, (unsigned long long)f->ex.syndrome,
			 (unsigned long long)f->ex.regs[HVT_ARM64_PC]);
	assert_true(f->ex.regs_valid);
	assert_int_equal(f->ex.nregs, HVT_ARM64_NREGS);
	return &f->ex;
}

static void complete(struct fixture *f, const void *bytes, size_t n)
{
	assert_int_equal(f->ops->vcpu_complete_read(f->vcpu, bytes, n), 0);
}

static void set_debug(struct fixture *f, uint64_t bp, int step)
{
	hvt_debug d = { .bp_gva = { bp }, .bp_enabled_mask = bp ? 1 : 0, .single_step = (uint8_t)step };

	assert_int_equal(f->ops->vcpu_set_debug(f->vcpu, &d), 0);
}

static void *kick_later(void *arg)
{
	struct fixture *f = arg;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	f->ops->vcpu_kick(f->vcpu);
	return NULL;
}

/* Loads: the value lands in Rt with the extension the syndrome asks for. */
static void test_loads(struct fixture *f)
{
	const hvt_exit *ex = run(f, HVT_EXIT_MMIO_READ);

	assert_int_equal(ex->addr, HVT_MMIO_BASE);
	assert_int_equal(ex->size, 1);
	assert_int_equal(ex->syndrome >> 26, 0x24);
	assert_int_equal(ex->regs[HVT_ARM64_PC], CODE_PA);
	complete(f, (uint8_t[]){ 0x80 }, 1);
	ex = run(f, HVT_EXIT_MMIO_READ); /* ldrsb w1: sign-extended to 32 bits only */
	assert_int_equal(ex->regs[HVT_ARM64_PC], CODE_PA + 4);
	assert_int_equal(ex->regs[1], 0xffffff80u);
	assert_int_equal(ex->size, 2);
	complete(f, (uint8_t[]){ 0x00, 0x80 }, 2);
	ex = run(f, HVT_EXIT_MMIO_READ); /* ldrsh x2: to 64 */
	assert_int_equal(ex->regs[2], 0xffffffffffff8000ull);
	assert_int_equal(ex->size, 4);
	complete(f, (uint8_t[]){ 0x80, 0, 0, 0x80 }, 4);
	ex = run(f, HVT_EXIT_MMIO_WRITE); /* ldr w3: zero-extended; str xzr */
	assert_int_equal(ex->regs[3], 0x80000080u);
	assert_int_equal(ex->size, 8);
	assert_int_equal(ex->value, 0);
	assert_int_equal(ex->fault_va, HVT_MMIO_BASE);
}

/* HVC: immediate in the syndrome, PC already past it, result into X0. */
static void test_hvc_and_mrs(struct fixture *f)
{
	const hvt_exit *ex = run(f, HVT_EXIT_HYPERCALL);

	assert_int_equal(ex->syndrome >> 26, 0x16);
	assert_int_equal(ex->syndrome & 0xffff, 0x1234);
	assert_int_equal(ex->addr, HVT_MMIO_BASE); /* X0 at the call */
	assert_int_equal(ex->regs[HVT_ARM64_PC], CODE_PA + 0x14);
	complete(f, (uint8_t[]){ 0x55, 0, 0, 0, 0, 0, 0, 0 }, 8);
	ex = run(f, HVT_EXIT_SYSREG);
	assert_int_equal(ex->regs[0], 0x55);
	assert_int_equal(ex->regs[HVT_ARM64_PC], CODE_PA + 0x14);
	assert_int_equal(ex->addr, (3u << 14) | (15u << 7)); /* S3_0_C15_C0_0 */
	assert_int_equal(ex->is_write, 0);
	assert_int_equal(ex->detail[0], 5);
	complete(f, (uint8_t[]){ 42, 0, 0, 0, 0, 0, 0, 0 }, 8);
	ex = run(f, HVT_EXIT_HALT); /* wfi, with x5 = 42 and PC moved past the MRS */
	assert_int_equal(ex->regs[5], 42);
	assert_int_equal(ex->regs[HVT_ARM64_PC], CODE_PA + 0x18);
}

/* A breakpoint on the third add, then two single steps, then a kick. */
static void test_debug_and_kick(struct fixture *f)
{
	const hvt_exit *ex;
	pthread_t t;

	set_debug(f, CODE_PA + 0x24, 0);
	ex = run(f, HVT_EXIT_DEBUG); /* the PC moved past the WFI first */
	assert_int_equal(ex->regs[HVT_ARM64_PC], CODE_PA + 0x24);
	assert_int_equal(ex->regs[6], 2);
	assert_int_equal(ex->detail[0], 0x30);
	set_debug(f, 0, 1);
	ex = run(f, HVT_EXIT_DEBUG);
	assert_int_equal(ex->detail[0], 0x32);
	assert_int_equal(ex->regs[HVT_ARM64_PC], CODE_PA + 0x28);
	assert_int_equal(ex->regs[6], 3);
	ex = run(f, HVT_EXIT_DEBUG); /* b . steps onto itself */
	assert_int_equal(ex->regs[HVT_ARM64_PC], CODE_PA + 0x28);
	set_debug(f, 0, 0);
	assert_int_equal(pthread_create(&t, NULL, kick_later, f), 0);
	ex = run(f, HVT_EXIT_KICK);
	assert_int_equal(ex->regs[HVT_ARM64_PC], CODE_PA + 0x28);
	pthread_join(t, NULL);
}

static void test_program(void **state)
{
	struct fixture *f = *state;

	test_loads(f);
	test_hvc_and_mrs(f);
	test_debug_and_kick(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_program, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
