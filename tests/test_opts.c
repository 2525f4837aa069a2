/* One options rule for the writer and the reader (hvtrace/api.h, libbpf's
 * OPTS_VALID): a newer caller's larger struct is accepted only if every
 * field this build does not know is zero; an older caller's smaller struct
 * takes defaults for what it lacks; sz below sizeof(size_t) is refused.
 * Replay follows the same rule (tests/replay/test_replay_opts.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "tsupport.h"

/* What a newer caller's structs look like: ours plus a field we lack. */
struct writer_opts_next {
	struct hvt_writer_opts known;
	uint64_t future_option;
};
struct reader_opts_next {
	struct hvt_reader_opts known;
	uint64_t future_option;
};

static void write_small_trace(const char *path)
{
	hvt_writer *w;
	hvt_stream *s;
	hvt_event ev = {.type = HVT_EV_MARKER, .time_ns = 5, .value = 7};
	assert_int_equal(hvt_writer_create(&w, path, NULL), 0);
	assert_int_equal(hvt_writer_open_stream(w, 0, &s), 0);
	assert_int_equal(hvt_stream_append(s, &ev), 0);
	assert_int_equal(hvt_writer_close(w), 0);
}

static void test_writer_larger_zero_tail_accepted(void **state)
{
	(void)state;
	char path[512];
	hvt_writer *w;
	struct writer_opts_next o = {.known = HVT_OPTS(hvt_writer_opts, .zstd_level = -1)};
	o.known.sz = sizeof(o);
	ttmp_path(path, sizeof(path), "w-zero-tail.hvt");
	assert_int_equal(hvt_writer_create(&w, path, &o.known), 0);
	assert_int_equal(hvt_writer_close(w), 0);
}

static void test_writer_larger_nonzero_tail_refused(void **state)
{
	(void)state;
	char path[512];
	hvt_writer *w = (hvt_writer *)&w;
	struct writer_opts_next o = {.known = HVT_OPTS(hvt_writer_opts), .future_option = 1};
	o.known.sz = sizeof(o);
	ttmp_path(path, sizeof(path), "w-nonzero-tail.hvt");
	unlink(path);
	assert_int_equal(hvt_writer_create(&w, path, &o.known), HVT_E_INVAL);
	/* Refused before anything is written: no file appears. */
	assert_int_equal(access(path, F_OK), -1);
	/* One byte set anywhere past what this build knows is enough. */
	memset(&o, 0, sizeof(o));
	o.known = HVT_OPTS(hvt_writer_opts);
	o.known.sz = sizeof(o);
	((unsigned char *)&o)[sizeof(o) - 1] = 0x80;
	assert_int_equal(hvt_writer_create(&w, path, &o.known), HVT_E_INVAL);
}

static void test_writer_tiny_sz_refused(void **state)
{
	(void)state;
	char path[512];
	hvt_writer *w;
	struct hvt_writer_opts o = HVT_OPTS(hvt_writer_opts);
	o.sz = sizeof(size_t) - 1;
	ttmp_path(path, sizeof(path), "w-tiny.hvt");
	assert_int_equal(hvt_writer_create(&w, path, &o), HVT_E_INVAL);
}

static void test_reader_larger_zero_tail_accepted(void **state)
{
	(void)state;
	char path[512];
	hvt_reader *r;
	const hvt_event *ev;
	struct reader_opts_next o = {.known = HVT_OPTS(hvt_reader_opts, .read_block_bytes = 7)};
	o.known.sz = sizeof(o);
	ttmp_path(path, sizeof(path), "r-zero-tail.hvt");
	write_small_trace(path);
	assert_int_equal(hvt_reader_open(&r, path, &o.known), 0);
	assert_int_equal(hvt_reader_next(r, &ev), 1);
	assert_int_equal(ev->value, 7);
	hvt_reader_close(r);
}

static void test_reader_larger_nonzero_tail_refused(void **state)
{
	(void)state;
	char path[512];
	hvt_reader *r = (hvt_reader *)&r;
	struct reader_opts_next o = {.known = HVT_OPTS(hvt_reader_opts), .future_option = 3};
	o.known.sz = sizeof(o);
	ttmp_path(path, sizeof(path), "r-nonzero-tail.hvt");
	write_small_trace(path);
	assert_int_equal(hvt_reader_open(&r, path, &o.known), HVT_E_INVAL);
	assert_null(r);
	assert_non_null(strstr(hvt_reader_open_error(), "reader options"));
	static const uint8_t none[1];
	r = (hvt_reader *)&r;
	assert_int_equal(hvt_reader_open_memory(&r, none, 0, &o.known), HVT_E_INVAL);
	assert_null(r);
}

/* An older caller knew only sz: read_block_bytes takes its default. */
static void test_reader_smaller_accepted(void **state)
{
	(void)state;
	char path[512];
	hvt_reader *r;
	struct hvt_reader_opts o = HVT_OPTS(hvt_reader_opts, .read_block_bytes = 1);
	o.sz = sizeof(size_t);
	ttmp_path(path, sizeof(path), "r-small.hvt");
	write_small_trace(path);
	assert_int_equal(hvt_reader_open(&r, path, &o), 0);
	hvt_reader_close(r);
	o.sz = 1;
	assert_int_equal(hvt_reader_open(&r, path, &o), HVT_E_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer_larger_zero_tail_accepted),
		cmocka_unit_test(test_writer_larger_nonzero_tail_refused),
		cmocka_unit_test(test_writer_tiny_sz_refused),
		cmocka_unit_test(test_reader_larger_zero_tail_accepted),
		cmocka_unit_test(test_reader_larger_nonzero_tail_refused),
		cmocka_unit_test(test_reader_smaller_accepted),
	};
	return cmocka_run_group_tests(tests, NULL, ttmp_teardown);
}
