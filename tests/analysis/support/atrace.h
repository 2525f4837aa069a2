/* Hand-built traces for the analysis tests: exits with chosen kinds,
 * ports and handling times, written with the public writer API. */
#ifndef HVT_TEST_ATRACE_H
#define HVT_TEST_ATRACE_H

#include <stddef.h>
#include <stdint.h>

#include "hvtrace/hvtrace.h"

struct atrace {
	hvt_writer *w;
	hvt_stream *s[4];
};

/* Creates path; chunk_raw_bytes 0 = the writer's default. Asserts. */
void atrace_open(struct atrace *t, const char *path, uint32_t chunk_raw_bytes);
/* An exit on vcpu at time_ns handled in handle_ns. */
void atrace_exit(struct atrace *t, uint32_t vcpu, unsigned kind, uint64_t addr, uint64_t time_ns,
		 uint64_t handle_ns);
/* Any event (stream taken from ev->stream). */
void atrace_event(struct atrace *t, const hvt_event *ev);
void atrace_close(struct atrace *t);

/* A scratch file path unique to this process. */
const char *atrace_tmp(char *buf, size_t len, const char *name);
/* Runs cmd and returns its stdout (malloc'd) and exit status. */
char *atrace_run(const char *cmd, int *status);

#endif
