/* hvtrace core: the host inputs interface.
 *
 * Everything nondeterministic the guest can observe through the built-in
 * devices comes through here: the clock device, the entropy device and
 * console input. Record mode reads the host (host_inputs_record.c), and every
 * value the guest reads is recorded with its exit. Replay does not use this
 * interface: it runs no devices and hands the guest the recorded read values
 * at each exit (replay/vcpu_replay.c). A caller of hvt_vm_create may still
 * pass its own provider (hvt_vm_config.inputs), e.g. a test's fixed clock.
 *
 * Callbacks may be called concurrently from several vCPU threads.
 */
#ifndef HVT_CORE_HOST_INPUTS_H
#define HVT_CORE_HOST_INPUTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct hvt_host_inputs {
	void *ctx;
	/* Guest clock: ns since the VM started. */
	uint64_t (*clock_ns)(void *ctx);
	/* Fill buf with len_bytes random bytes; 0 or a negative HVT_E_*. */
	int (*entropy)(void *ctx, void *buf, size_t len_bytes);
	/* Console input, never blocking: bytes copied into buf (0 = none). */
	size_t (*console_read)(void *ctx, uint8_t *buf, size_t max_bytes);
} hvt_host_inputs;

/* Record mode: CLOCK_MONOTONIC, getrandom(2), and console input polled from a
 * file descriptor (-1 = no console input). */
typedef struct hvt_record_inputs {
	hvt_host_inputs ops;   /* ops.ctx points back to this struct */
	uint64_t origin_ns;    /* host monotonic ns at init: guest clock zero */
	int console_in_fd;     /* polled, never set non-blocking (it may be a shared tty) */
} hvt_record_inputs;

void hvt_record_inputs_init(hvt_record_inputs *ri, int console_in_fd);

#endif
