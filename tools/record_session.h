/* One recording: the built-in VMM's events into a trace file. */
#ifndef HVT_TOOLS_RECORD_SESSION_H
#define HVT_TOOLS_RECORD_SESSION_H

#include <stddef.h>
#include <stdint.h>

struct record_opts {
	const char *out_path;
	const char *shown_path;     /* the name messages give the trace (NULL: out_path) */
	const char *image_path;     /* NULL: the embedded demo guest */
	const uint8_t *image;       /* loaded image bytes (NULL for the demo) */
	size_t image_len_bytes;
	int image_format;           /* 0 auto, 1 ELF, 2 flat (enum hvt_image_format) */
	int backend;                /* enum hvt_backend_choice: 0 auto, 1 kvm, 2 hvf */
	unsigned vcpus;
	int parallel;               /* --parallel: vCPUs at once, no schedule */
	uint64_t slice_ns;          /* --slice; 0 = the core's default */
	uint64_t mem_bytes;
	uint64_t timeout_ns;
	int zstd_level;
	const char *command_line;   /* stored as metadata */
	int quiet;                  /* no summary line */
};

struct record_result {
	int status;                 /* the exit status hvtrace should return */
	int end_reason;             /* enum hvt_end_reason, -1 when the VM never ran */
	int exit_code;              /* guest's, -1 unless it powered off */
	uint64_t events;
	uint64_t exits;
	int stop_signalled;         /* SIGINT/SIGTERM came during the session */
};

/* "auto", "kvm", "hvf" -> enum hvt_backend_choice; -1 for anything else. */
int record_backend_choice(const char *name);

/* Records once. Prints its own errors and summary to stderr. */
void record_session_run(const struct record_opts *o, struct record_result *res);

#endif
