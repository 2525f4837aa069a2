/* Bad inputs and misbehaving guests: malformed images, images that do not
 * fit, triple faults, unmapped-MMIO hammering, infinite loops, stop requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "hvt_guest_abi.h"
#include "hvtrace/error.h"
#include "kvm_harness.h"

static uint8_t *hello_elf(size_t *len)
{
	char path[512];
	uint8_t *im;

	snprintf(path, sizeof(path), "%s/hello", HVT_GUEST_DIR);
	im = load_file(path, len);
	assert_non_null(im);
	return im;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Expect hvt_vm_create to refuse with `err` and a message containing `what`. */
static void expect_refused(const uint8_t *im, size_t len, int fmt, uint64_t mem,
			   int err, const char *what)
{
	run_opts o = { .image_format = fmt, .mem_bytes = mem };
	guest_run gr;

	assert_int_equal(run_image(im, len, &o, &gr), err);
	fprintf(stderr, "  refused as expected: %s\n", gr.msg);
	assert_non_null(strstr(gr.msg, what));
	guest_run_free(&gr);
}

/* Each mutation of a good ELF breaks one field; the loader must name it.
 * Loading happens before the hypervisor is touched: no KVM needed. */
static void test_malformed_elf(void **state)
{
	size_t len;
	uint8_t *good = hello_elf(&len), *im = malloc(len);
	uint64_t phoff;

	(void)state;
	phoff = good[32] | (uint64_t)good[33] << 8;
	expect_refused(good, 40, HVT_IMAGE_ELF, 0, HVT_E_BAD_IMAGE, "truncated");
	memcpy(im, good, len); im[4] = 1;
	expect_refused(im, len, HVT_IMAGE_ELF, 0, HVT_E_BAD_IMAGE, "ELFCLASS64");
	memcpy(im, good, len); im[18] = 3;
	expect_refused(im, len, HVT_IMAGE_ELF, 0, HVT_E_BAD_IMAGE, "x86-64");
	memcpy(im, good, len); put64(im + 32, UINT64_MAX - 8);
	expect_refused(im, len, HVT_IMAGE_ELF, 0, HVT_E_BAD_IMAGE, "program header 0");
	memcpy(im, good, len); im[56] = 0; im[57] = 0;
	expect_refused(im, len, HVT_IMAGE_ELF, 0, HVT_E_BAD_IMAGE, "e_phnum");
	memcpy(im, good, len); put64(im + phoff + 8, len); /* p_offset at EOF */
	expect_refused(im, len, HVT_IMAGE_ELF, 0, HVT_E_BAD_IMAGE, "past the");
	memcpy(im, good, len); put64(im + phoff + 32, UINT64_MAX); /* p_filesz */
	expect_refused(im, len, HVT_IMAGE_ELF, 0, HVT_E_BAD_IMAGE, "p_filesz");
	memcpy(im, good, len); put64(im + phoff + 24, 0x1000); /* p_paddr in boot area */
	expect_refused(im, len, HVT_IMAGE_ELF, 0, HVT_E_BAD_IMAGE, "outside guest RAM");
	memcpy(im, good, len); put64(im + phoff + 24, UINT64_MAX - 0xff);
	expect_refused(im, len, HVT_IMAGE_ELF, 0, HVT_E_BAD_IMAGE, "outside guest RAM");
	memcpy(im, good, len); put64(im + 24, 0x5000000); /* e_entry */
	expect_refused(im, len, HVT_IMAGE_ELF, 0, HVT_E_BAD_IMAGE, "entry point");
	memcpy(im, good, len); im[0] = 0;
	expect_refused(im, len, HVT_IMAGE_ELF, 0, HVT_E_BAD_IMAGE, "magic");
	free(im);
	free(good);
}

static void test_image_too_large(void **state)
{
	size_t len = 5u << 20;
	uint8_t *big = calloc(1, len);
	size_t elf_len;
	uint8_t *elf = hello_elf(&elf_len);
	uint64_t phoff = elf[32] | (uint64_t)elf[33] << 8;

	(void)state;
	expect_refused(big, len, HVT_IMAGE_FLAT, 4u << 20, HVT_E_BAD_IMAGE, "does not fit");
	put64(elf + phoff + 40, 64u << 20); /* p_memsz: 64 MiB of bss */
	expect_refused(elf, elf_len, HVT_IMAGE_ELF, 0, HVT_E_BAD_IMAGE, "outside guest RAM");
	expect_refused(big, 0, HVT_IMAGE_FLAT, 0, HVT_E_BAD_IMAGE, "empty");
	expect_refused(big, 16, HVT_IMAGE_FLAT, 3u << 20, HVT_E_INVAL, "2 MiB");
	free(elf);
	free(big);
}

static void test_triple_fault(void **state)
{
	guest_run gr;

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_int_equal(run_guest("bad_triple", NULL, &gr), 0);
	assert_int_equal(gr.run_rc, 0);
	assert_int_equal(gr.res.end_reason, HVT_END_SHUTDOWN);
	assert_int_equal(gr.res.exit_code, -1);
	assert_string_equal(gr.out, "about to triple fault\n");
	assert_int_equal(count_exits(&gr, HVT_EXIT_SHUTDOWN, UINT64_MAX), 1);
	assert_int_equal(count_events(&gr, HVT_EV_END, HVT_END_SHUTDOWN, 0), 1);
	guest_run_free(&gr);
}

static void test_unmapped_hammer(void **state)
{
	guest_run gr;
	size_t flagged = 0;

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_int_equal(run_guest("bad_hammer", NULL, &gr), 0);
	assert_int_equal(gr.res.end_reason, HVT_END_BAD_ACCESS);
	assert_int_equal(count_exits(&gr, HVT_EXIT_MMIO_READ, 0xe0000000ull), HVT_BAD_ACCESS_LIMIT);
	for (size_t i = 0; i < gr.n_ev; i++)
		if (gr.ev[i].type == HVT_EV_EXIT) {
			assert_int_equal(gr.ev[i].value, UINT64_MAX); /* all-ones */
			flagged += (gr.ev[i].flags & HVT_EVF_EXIT_UNHANDLED) != 0;
		}
	assert_int_equal(flagged, HVT_BAD_ACCESS_LIMIT);
	assert_int_equal(count_events(&gr, HVT_EV_END, HVT_END_BAD_ACCESS, 0), 1);
	assert_non_null(find_event(&gr, HVT_EV_END, 0)->data);
	print_exit_histogram(&gr, "bad_hammer");
	guest_run_free(&gr);
}

static void test_spin_timeout(void **state)
{
	run_opts o = { .timeout_ns = 200000000ull };
	guest_run gr;

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_int_equal(run_guest("bad_spin", &o, &gr), 0);
	assert_int_equal(gr.run_rc, 0);
	assert_int_equal(gr.res.end_reason, HVT_END_TIMEOUT);
	assert_int_equal(count_events(&gr, HVT_EV_END, HVT_END_TIMEOUT, 0), 1);
	/* The only exits are the kick(s) that ended the run. */
	assert_true(count_exits(&gr, HVT_EXIT_KICK, UINT64_MAX) >= 1);
	assert_int_equal(count_events(&gr, HVT_EV_EXIT, -1, -1),
			 count_exits(&gr, HVT_EXIT_KICK, UINT64_MAX));
	guest_run_free(&gr);
}

static void test_request_stop(void **state)
{
	run_opts o = { .stop_after_events = 3, .vcpus = 2 };
	guest_run gr;

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_int_equal(run_guest("hello", &o, &gr), 0);
	assert_int_equal(gr.run_rc, 0);
	assert_int_equal(gr.res.end_reason, HVT_END_INTERRUPTED);
	assert_int_equal(count_events(&gr, HVT_EV_END, HVT_END_INTERRUPTED, 0), 1);
	assert_int_equal(count_events(&gr, HVT_EV_END, HVT_END_INTERRUPTED, 1), 1);
	assert_true(strlen(gr.out) < 10);
	guest_run_free(&gr);
}

/* A failing sink (say, a full disk under the recorder) stops the VM and
 * hvt_vm_run reports the sink's error. */
static void test_sink_failure(void **state)
{
	run_opts o = { .fail_after_events = 5 };
	guest_run gr;

	(void)state;
	SKIP_WITHOUT_KVM();
	assert_int_equal(run_guest("hello", &o, &gr), 0);
	assert_int_equal(gr.run_rc, -1);
	assert_int_equal(gr.res.end_reason, HVT_END_ERROR);
	assert_int_equal(gr.n_ev, 5);
	assert_true(strlen(gr.out) < 10);
	guest_run_free(&gr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_elf),
		cmocka_unit_test(test_image_too_large),
		cmocka_unit_test(test_triple_fault),
		cmocka_unit_test(test_unmapped_hammer),
		cmocka_unit_test(test_spin_timeout),
		cmocka_unit_test(test_request_stop),
		cmocka_unit_test(test_sink_failure),
	};
	char why[160];
	int failed;

	if (!kvm_available(why, sizeof(why)))
		fprintf(stderr, "test_kvm_bad: SKIPPING the KVM tests: %s\n", why);
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	return failed ? failed : (kvm_available(why, sizeof(why)) ? 0 : 77);
}
