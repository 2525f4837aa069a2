/* Test harness: run a guest on real KVM with an in-memory event sink and the
 * console captured in a temporary file. */
#ifndef HVT_TESTS_KVM_HARNESS_H
#define HVT_TESTS_KVM_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include "core/vmm.h"

typedef struct run_opts {
	unsigned vcpus;         /* 0 = 1 */
	uint64_t mem_bytes;     /* 0 = default */
	uint64_t timeout_ns;    /* 0 = none */
	int image_format;       /* enum hvt_image_format */
	int stop_after_events;  /* > 0: request_stop from the sink at that many events */
	const hvt_host_inputs *inputs; /* NULL = record mode, no console input */
	int fail_after_events;  /* > 0: the sink fails (-1) from that event on */
} run_opts;

typedef struct guest_run {
	int create_rc;          /* hvt_vm_create result */
	int run_rc;             /* hvt_vm_run result */
	char msg[256];          /* create error message */
	hvt_vm_result res;
	hvt_event *ev;          /* all events, in arrival order; data owned */
	size_t n_ev, cap_ev;
	char out[16384];        /* console output, NUL-terminated */
	size_t out_len;
	hvt_vm *vm;             /* valid inside the sink only */
	int stop_after;
	int fail_after;
} guest_run;

/* 1 if /dev/kvm can be opened read-write, else 0 with the reason in why. */
int kvm_available(char *why, size_t why_len);
uint8_t *load_file(const char *path, size_t *len_bytes);
/* Run `image` (NULL = embedded demo). Returns create_rc (0 = it ran). */
int run_image(const uint8_t *image, size_t len_bytes, const run_opts *opts, guest_run *gr);
/* Run guest `name` from HVT_GUEST_DIR. */
int run_guest(const char *name, const run_opts *opts, guest_run *gr);
void guest_run_free(guest_run *gr);

size_t count_events(const guest_run *gr, int type, int kind, int stream);
/* EXIT events of `kind` at `addr` (UINT64_MAX = any address). */
size_t count_exits(const guest_run *gr, int kind, uint64_t addr);
const hvt_event *find_event(const guest_run *gr, int type, int stream);
void print_exit_histogram(const guest_run *gr, const char *label);

/* cmocka: print why and skip when there is no usable /dev/kvm. */
#define SKIP_WITHOUT_KVM() \
	do { \
		char why_[160]; \
		if (!kvm_available(why_, sizeof(why_))) { \
			print_message("SKIPPED (no KVM): %s\n", why_); \
			skip(); \
		} \
	} while (0)

#endif
