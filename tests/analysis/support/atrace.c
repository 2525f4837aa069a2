/* Hand-built traces: see atrace.h. */
#include "atrace.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

void atrace_open(struct atrace *t, const char *path, uint32_t chunk_raw_bytes)
{
	struct hvt_writer_opts o = HVT_WRITER_OPTS_INIT;
	o.chunk_raw_bytes = chunk_raw_bytes;
	memset(t, 0, sizeof(*t));
	assert_int_equal(hvt_writer_create(&t->w, path, &o), 0);
	assert_int_equal(hvt_writer_set_meta_str(t->w, "backend", "test"), 0);
	assert_int_equal(hvt_writer_set_meta_str(t->w, "image_name", "hand-built"), 0);
}

void atrace_event(struct atrace *t, const hvt_event *ev)
{
	assert_true(ev->stream < 4);
	if (!t->s[ev->stream])
		assert_int_equal(hvt_writer_open_stream(t->w, ev->stream, &t->s[ev->stream]), 0);
	assert_int_equal(hvt_stream_append(t->s[ev->stream], ev), 0);
}

void atrace_exit(struct atrace *t, uint32_t vcpu, unsigned kind, uint64_t addr, uint64_t time_ns,
		 uint64_t handle_ns)
{
	hvt_event ev = {.type = HVT_EV_EXIT, .kind = (uint8_t)kind, .stream = vcpu,
			.time_ns = time_ns, .addr = addr, .duration_ns = handle_ns, .pc = 0x1000 + kind,
			.count = 1, .size = addr ? 1 : 0, .run_ns = 10};
	atrace_event(t, &ev);
}

void atrace_close(struct atrace *t)
{
	assert_int_equal(hvt_writer_close(t->w), 0);
	t->w = NULL;
}

const char *atrace_tmp(char *buf, size_t len, const char *name)
{
	const char *dir = getenv("TMPDIR");
	snprintf(buf, len, "%s/hvt-analysis-%ld-%s", dir && *dir ? dir : "/tmp", (long)getpid(), name);
	return buf;
}

char *atrace_run(const char *cmd, int *status)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t cap = 1 << 16, n = 0, got;
	char *out = malloc(cap + 1);
	assert_non_null(out);
	while ((got = fread(out + n, 1, cap - n, p)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			out = realloc(out, cap + 1);
			assert_non_null(out);
		}
	}
	out[n] = 0;
	int st = pclose(p);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return out;
}
