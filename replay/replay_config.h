/* What a trace says about the VM that recorded it: everything replay needs to
 * rebuild that VM, read from metadata and the embedded image alone. */
#ifndef HVT_REPLAY_CONFIG_H
#define HVT_REPLAY_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "hvtrace/reader.h"

struct hvt_replay_config {
	unsigned vcpus;
	uint64_t mem_bytes;
	int image_format;             /* 1 ELF, 2 flat (core/vmm.h) */
	uint64_t entry_pa;            /* where recording entered the image */
	const uint8_t *image;         /* borrowed from the reader */
	size_t image_len_bytes;
	const uint8_t *cpuid;         /* recorded CPUID table (portable layout), borrowed */
	size_t cpuid_len_bytes;
	int recorded_end_reason;      /* enum hvt_end_reason, -1 when the trace does not say */
	int64_t recorded_exit_code;
};

/* Reads and checks the configuration; on failure a one-line reason in msg. */
int hvt_replay_config_read(hvt_reader *r, struct hvt_replay_config *cfg, char *msg, size_t msg_len);

#endif
