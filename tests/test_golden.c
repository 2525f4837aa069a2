/* The committed golden traces still read back exactly as their specs say:
 * every event, the metadata, the blob. `test_golden v1-basic.hvt` pins v1
 * (golden_spec), `test_golden v2-basic.hvt 2` pins v2 (golden_v2_spec).
 * The test never regenerates the files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden_spec.h"
#include "golden_v2_spec.h"
#include "layout.h"

static const char *golden_path;
static unsigned golden_major = 1;

static void check_info(hvt_reader *r)
{
	struct hvt_trace_info in;
	hvt_reader_get_info(r, &in);
	assert_int_equal(in.version_major, golden_major);
	assert_int_equal(in.version_minor, 0);
	assert_int_equal(in.clock_id, HVT_CLOCK_MONOTONIC);
	assert_true(in.time_origin_ns == GOLDEN_TIME_ORIGIN);
	assert_true(in.created_unix_ns == GOLDEN_CREATED);
	assert_int_equal(in.has_footer, 1);
	assert_int_equal(in.truncated, 0);
	assert_int_equal(in.streams, GOLDEN_STREAMS);
	assert_true(in.events == (uint64_t)GOLDEN_STREAMS * GOLDEN_EVENTS);
	assert_true(in.valid_bytes == in.file_bytes);
	assert_true(in.lost_bytes == 0);
	/* Several events chunks per stream, interleaved in the file. */
	uint64_t ev_chunks = 0;
	uint32_t prev_stream = UINT32_MAX, switches = 0;
	for (uint64_t i = 0; i < hvt_reader_chunk_count(r); i++) {
		struct hvt_chunk_info ci;
		assert_int_equal(hvt_reader_chunk_info(r, i, &ci), 0);
		if (ci.type != HVT_CHUNK_EVENTS)
			continue;
		ev_chunks++;
		switches += ci.stream != prev_stream;
		prev_stream = ci.stream;
	}
	assert_true(ev_chunks >= 3 * GOLDEN_STREAMS);
	assert_true(switches > GOLDEN_STREAMS);
	for (uint32_t i = 0; i < GOLDEN_STREAMS; i++) {
		struct hvt_stream_info si;
		assert_int_equal(hvt_reader_stream_info(r, i, &si), 0);
		assert_int_equal(si.stream, i);
		assert_true(si.events == GOLDEN_EVENTS);
		assert_true(si.first_seq == 0 && si.last_seq == GOLDEN_EVENTS - 1);
		assert_true(si.chunks >= 3);
	}
}

static void test_golden_events(void **state)
{
	(void)state;
	hvt_reader *r;
	int rc = hvt_reader_open(&r, golden_path, NULL);
	if (rc)
		fail_msg("%s: %s", golden_path, hvt_reader_open_error());
	check_info(r);
	assert_int_equal(tverify_all(r), 0);
	struct tev_list got = {0}, per[GOLDEN_STREAMS] = {{0}};
	assert_int_equal(tread_merged(r, &got), 0);
	tassert_merged_order(&got);
	tsplit_streams(&got, per, GOLDEN_STREAMS);
	for (uint32_t s = 0; s < GOLDEN_STREAMS; s++) {
		struct tev_list want = {0};
		if (golden_major == 2)
			golden2_events(s, &want);
		else
			golden_events(s, &want);
		tev_list_assert_eq(&want, &per[s], "golden stream");
		tev_list_free(&want);
		tev_list_free(&per[s]);
	}
	tev_list_free(&got);
	hvt_reader_close(r);
}

static void test_golden_meta_and_blob(void **state)
{
	(void)state;
	hvt_reader *r;
	assert_int_equal(hvt_reader_open(&r, golden_path, NULL), 0);
	const struct golden_meta *m;
	size_t nm = golden_meta_expected(&m);
	assert_int_equal(hvt_reader_meta_count(r), nm);
	for (size_t i = 0; i < nm; i++) {
		const char *k, *v;
		size_t len;
		assert_int_equal(hvt_reader_meta_at(r, i, &k, &v, &len), 0);
		assert_string_equal(k, m[i].key);
		assert_int_equal(len, m[i].len);
		assert_memory_equal(v, m[i].value, len ? len : 1);
		assert_int_equal(v[len], 0);
		assert_int_equal(hvt_reader_meta_get(r, m[i].key, &v, &len), 0);
		assert_int_equal(len, m[i].len);
	}
	const uint8_t *data;
	size_t len;
	uint8_t want[GOLDEN_BLOB_BYTES];
	golden_blob(want);
	assert_int_equal(hvt_reader_blob(r, GOLDEN_BLOB_NAME, &data, &len), 0);
	assert_int_equal(len, GOLDEN_BLOB_BYTES);
	assert_memory_equal(data, want, len);
	hvt_reader_close(r);
}

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: test_golden GOLDEN.hvt [MAJOR]\n");
		return 2;
	}
	golden_path = argv[1];
	if (argc == 3)
		golden_major = (unsigned)atoi(argv[2]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_events),
		cmocka_unit_test(test_golden_meta_and_blob),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
