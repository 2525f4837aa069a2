/* hvtrace core: the record/replay contract. What a trace says about the VM
 * that recorded it: the recorder writes it here (before the first event, and
 * how the run ended after the last), and replay reads it back here, from
 * metadata and the embedded image alone. The keys are those of
 * hvtrace/meta.h; formats/FORMAT.md lists them. */
#ifndef HVT_CORE_TRACE_CONFIG_H
#define HVT_CORE_TRACE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "hvtrace/meta.h"
#include "hvtrace/reader.h"
#include "hvtrace/writer.h"
#include "vmm.h"

struct hvt_trace_config {
	int backend;                  /* enum hvt_backend_choice the trace replays on (vmm.h):
	                               * USE_KVM for an x86-64 trace, USE_HVF for an arm64 one */
	int arch;                     /* enum hvt_arch_id of the recorded guest */
	unsigned vcpus;
	uint64_t mem_bytes;
	int image_format;             /* HVT_IMAGE_ELF or HVT_IMAGE_FLAT (vmm.h) */
	uint64_t entry_pa;            /* where recording entered the image */
	const uint8_t *image;         /* borrowed from the reader */
	size_t image_len_bytes;
	const uint8_t *cpuid;         /* recorded CPUID table (portable layout), borrowed;
	                               * NULL on arm64, which has none */
	size_t cpuid_len_bytes;
	uint64_t counter_hz;          /* arm64: the recording's CNTFRQ_EL0; 0 = not recorded */
	int recorded_end_reason;      /* enum hvt_end_reason, -1 when the trace does not say */
	int64_t recorded_exit_code;
};

/* Writes everything replay needs to rebuild vm: the keys above, the CPUID
 * table and the guest image blob. image_name and command_line are stored for
 * people (info). 0 or the writer's negative HVT_E_*. */
int hvt_trace_config_write(hvt_writer *w, const hvt_vm *vm, const char *image_name,
			   const char *command_line);
/* After the run: how it ended (res->end_reason, res->exit_code). */
int hvt_trace_config_write_end(hvt_writer *w, const hvt_vm_result *res);

/* Reads and checks the configuration; on failure a one-line reason in msg
 * (a trace of an interposed VMM, of an unknown backend or architecture, of a
 * backend that cannot run its architecture, or missing a key is refused).
 * Whether this build has the backend is not checked here: building the
 * machine says so (HVT_E_NO_HYPERVISOR). */
int hvt_trace_config_read(hvt_reader *r, struct hvt_trace_config *cfg, char *msg, size_t msg_len);

#endif
