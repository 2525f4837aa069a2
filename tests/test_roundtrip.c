/* Round trips: random events of every type across three streams, written
 * with small chunks (zstd and raw), read back identical field by field, in
 * (time, stream, seq) order; metadata and blobs identical; and the same
 * trace read with every buffer size and chunk order (xxHash sanity style). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

#define NSTREAMS 3
static const uint32_t stream_ids[NSTREAMS] = {0, 3, 255};

/* Generated events of three streams, indexed like stream_ids. */
struct fixture {
	struct tev_list s[NSTREAMS];
	struct tev_list by_id[HVT_MAX_STREAMS]; /* views, filled by split */
};

static void gen_fixture(struct tev_list s[NSTREAMS], uint64_t seed, size_t n,
			const struct tgen_opts *o)
{
	struct tprng p;
	tprng_seed(&p, seed);
	for (int i = 0; i < NSTREAMS; i++)
		tgen_stream(&p, o, stream_ids[i], n + (size_t)i * 17, &s[i]);
}

static void check_events(hvt_reader *r, struct tev_list s[NSTREAMS])
{
	struct tev_list got = {0};
	int rc = tread_merged(r, &got);
	if (rc)
		fail_msg("merged read: %s", hvt_reader_error(r));
	tassert_merged_order(&got);
	size_t n;
	hvt_event *want = tmerge_expected(s, NSTREAMS, &n);
	assert_int_equal(got.n, n);
	for (size_t i = 0; i < n; i++)
		tev_assert_eq(&want[i], &got.ev[i], "merged", i);
	free(want);
	/* Per stream, seq 0..n-1 in order: implied above, but say it plainly. */
	for (size_t i = 0; i < got.n; i++)
		for (int k = 0; k < NSTREAMS; k++)
			if (got.ev[i].stream == stream_ids[k])
				assert_true(got.ev[i].seq < s[k].n);
	tev_list_free(&got);
}

static void check_info(hvt_reader *r, struct tev_list s[NSTREAMS], uint64_t min_chunks)
{
	struct hvt_trace_info in;
	hvt_reader_get_info(r, &in);
	uint64_t total = 0, first = UINT64_MAX, last = 0;
	for (int i = 0; i < NSTREAMS; i++) {
		total += s[i].n;
		first = s[i].ev[0].time_ns < first ? s[i].ev[0].time_ns : first;
		last = s[i].ev[s[i].n - 1].time_ns > last ? s[i].ev[s[i].n - 1].time_ns : last;
	}
	assert_int_equal(in.version_major, tformat_version());
	assert_int_equal(in.has_footer, 1);
	assert_int_equal(in.truncated, 0);
	assert_true(in.lost_bytes == 0 && in.valid_bytes == in.file_bytes);
	assert_true(in.events == total);
	assert_int_equal(in.streams, NSTREAMS);
	assert_true(in.first_time_ns == first && in.last_time_ns == last);
	assert_true(in.time_origin_ns == 1000000000ull);
	assert_true(hvt_reader_chunk_count(r) >= min_chunks);
	assert_int_equal(hvt_reader_stream_count(r), NSTREAMS);
	for (uint32_t i = 0; i < NSTREAMS; i++) {
		struct hvt_stream_info si;
		assert_int_equal(hvt_reader_stream_info(r, i, &si), 0);
		assert_int_equal(si.stream, stream_ids[i]); /* sorted by id */
		assert_true(si.events == s[i].n && si.first_seq == 0 && si.last_seq == s[i].n - 1);
		assert_true(si.first_time_ns == s[i].ev[0].time_ns);
		assert_true(si.last_time_ns == s[i].ev[s[i].n - 1].time_ns);
		assert_true(si.chunks > 1);
	}
	assert_int_equal(hvt_reader_stream_info(r, NSTREAMS, &(struct hvt_stream_info){0}),
			 HVT_E_NOT_FOUND);
}

static void put_meta_and_blobs(hvt_writer *w, uint8_t *big, size_t big_len)
{
	static const uint8_t bin[] = {0, 1, 0, 0xff, 0x80, 0};
	assert_int_equal(hvt_writer_set_meta_str(w, "backend", "kvm"), 0);
	assert_int_equal(hvt_writer_set_meta_str(w, "guest", "first"), 0);
	assert_int_equal(hvt_writer_set_meta(w, "binary", bin, sizeof(bin)), 0);
	assert_int_equal(hvt_writer_put_blob(w, "big", big, big_len), 0);
	assert_int_equal(hvt_writer_put_blob(w, "empty", NULL, 0), 0);
	assert_int_equal(hvt_writer_set_meta_str(w, "guest", "second, the one that counts"), 0);
	assert_int_equal(hvt_writer_set_meta(w, "empty", "", 0), 0);
	assert_int_equal(hvt_writer_put_blob(w, "small", "abc", 3), 0);
	/* A blob name is used once: a second "small" would make the first
	 * unreadable (its parts must continue one another). */
	assert_int_equal(hvt_writer_put_blob(w, "small", "xyz", 3), HVT_E_INVAL);
	assert_int_equal(hvt_writer_put_blob(w, "empty", NULL, 0), HVT_E_INVAL);
	/* Bad arguments. */
	assert_int_equal(hvt_writer_set_meta_str(w, "", "x"), HVT_E_INVAL);
	assert_int_equal(hvt_writer_set_meta(w, "k", NULL, 3), HVT_E_INVAL);
	assert_int_equal(hvt_writer_put_blob(w, "", "x", 1), HVT_E_INVAL);
}

static void check_meta_and_blobs(hvt_reader *r, const uint8_t *big, size_t big_len)
{
	static const uint8_t bin[] = {0, 1, 0, 0xff, 0x80, 0};
	static const char *const keys[] = {"backend", "guest", "binary", "empty"};
	const char *k, *v;
	size_t len;
	assert_int_equal(hvt_reader_meta_count(r), 4);
	for (size_t i = 0; i < 4; i++) { /* file order of first appearance */
		assert_int_equal(hvt_reader_meta_at(r, i, &k, &v, &len), 0);
		assert_string_equal(k, keys[i]);
	}
	assert_int_equal(hvt_reader_meta_at(r, 4, &k, &v, &len), HVT_E_NOT_FOUND);
	assert_int_equal(hvt_reader_meta_get(r, "guest", &v, &len), 0);
	assert_string_equal(v, "second, the one that counts");
	assert_int_equal(len, strlen("second, the one that counts"));
	assert_int_equal(hvt_reader_meta_get(r, "binary", &v, &len), 0);
	assert_int_equal(len, sizeof(bin));
	assert_memory_equal(v, bin, sizeof(bin));
	assert_int_equal(v[len], 0);
	assert_int_equal(hvt_reader_meta_get(r, "empty", &v, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(v, "");
	assert_int_equal(hvt_reader_meta_get(r, "nope", &v, &len), HVT_E_NOT_FOUND);

	const uint8_t *d;
	assert_int_equal(hvt_reader_blob(r, "big", &d, &len), 0);
	assert_int_equal(len, big_len);
	assert_memory_equal(d, big, big_len);
	assert_int_equal(hvt_reader_blob(r, "empty", &d, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(hvt_reader_blob(r, "small", &d, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(d, "abc", 3);
	/* Asked again: the cached copy. */
	assert_int_equal(hvt_reader_blob(r, "big", &d, &len), 0);
	assert_int_equal(len, big_len);
	assert_int_equal(hvt_reader_blob(r, "missing", &d, &len), HVT_E_NOT_FOUND);
	/* The big blob spans several chunks. */
	uint64_t blob_chunks = 0;
	for (uint64_t i = 0; i < hvt_reader_chunk_count(r); i++) {
		struct hvt_chunk_info ci;
		assert_int_equal(hvt_reader_chunk_info(r, i, &ci), 0);
		blob_chunks += ci.type == HVT_CHUNK_BLOB;
	}
	assert_true(blob_chunks >= 4); /* big: 2+, empty: 1, small: 1 */
}

static void roundtrip(int level)
{
	struct tev_list s[NSTREAMS] = {{0}};
	char path[512];
	ttmp_path(path, sizeof(path), level < 0 ? "rt-raw.hvt" : "rt-zstd.hvt");
	/* zstd: widely spread times; raw: a coarse clock, so many ties across
	 * streams exercise the (time, stream, seq) tie-break. */
	struct tgen_opts go = {.start_time_ns = 5000, .max_time_step = 3};
	gen_fixture(s, 0x7007 + (uint64_t)level, 1500, level < 0 ? &go : NULL);
	size_t big_len = (8u << 20) + 12345;
	uint8_t *big = malloc(big_len);
	assert_non_null(big);
	struct tprng p;
	tprng_seed(&p, 99);
	tprng_fill(&p, big, big_len);

	struct hvt_writer_opts o = topts(level, 4096);
	hvt_writer *w;
	assert_int_equal(hvt_writer_create(&w, path, &o), 0);
	put_meta_and_blobs(w, big, big_len);
	twrite_events(w, s, NSTREAMS, 0xabc);
	struct hvt_writer_stats st;
	hvt_writer_get_stats(w, &st);
	assert_int_equal(hvt_writer_close(w), 0);

	hvt_reader *r;
	int rc = hvt_reader_open(&r, path, NULL);
	if (rc)
		fail_msg("open: %s", hvt_reader_open_error());
	check_info(r, s, 50);
	for (uint64_t i = 0; i < hvt_reader_chunk_count(r); i++) {
		struct hvt_chunk_info ci;
		assert_int_equal(hvt_reader_chunk_info(r, i, &ci), 0);
		if (ci.type == HVT_CHUNK_EVENTS && ci.raw_bytes)
			assert_int_equal(ci.codec, level < 0 ? 0 : 1);
	}
	assert_int_equal(tverify_all(r), 0);
	check_events(r, s);
	check_meta_and_blobs(r, big, big_len);
	/* A second pass after rewind gives the same again. */
	assert_int_equal(hvt_reader_rewind(r), 0);
	check_events(r, s);
	hvt_reader_close(r);
	free(big);
	for (int i = 0; i < NSTREAMS; i++)
		tev_list_free(&s[i]);
}

static void test_roundtrip_zstd(void **state)
{
	(void)state;
	roundtrip(1);
}

static void test_roundtrip_raw(void **state)
{
	(void)state;
	roundtrip(-1);
}

/* Reads chunk by chunk in reverse with one cursor: each chunk holds exactly
 * its stream's events first_seq..last_seq. */
static void check_chunks_reverse(hvt_reader *r, struct tev_list s[NSTREAMS])
{
	hvt_chunk_cursor *c;
	const hvt_event *ev;
	uint64_t n = hvt_reader_chunk_count(r), seen = 0;
	assert_int_equal(hvt_chunk_cursor_create(r, &c), 0);
	for (uint64_t k = 0; k < n; k++) {
		uint64_t i = n - 1 - k;
		struct hvt_chunk_info ci;
		assert_int_equal(hvt_reader_chunk_info(r, i, &ci), 0);
		if (ci.type != HVT_CHUNK_EVENTS) {
			assert_int_equal(hvt_chunk_cursor_load(c, i), HVT_E_INVAL);
			continue;
		}
		int si = ci.stream == 0 ? 0 : ci.stream == 3 ? 1 : 2;
		assert_int_equal(hvt_chunk_cursor_load(c, i), 0);
		uint64_t seq = ci.first_seq;
		int rc;
		while ((rc = hvt_chunk_cursor_next(c, &ev)) == 1) {
			assert_true(seq <= ci.last_seq);
			tev_assert_eq(&s[si].ev[seq], ev, "reverse chunk", (size_t)seq);
			seq++;
		}
		assert_int_equal(rc, 0);
		assert_true(seq == ci.last_seq + 1);
		assert_int_equal(seq - ci.first_seq, ci.events);
		seen += ci.events;
	}
	assert_int_equal(hvt_chunk_cursor_load(c, n), HVT_E_INVAL);
	hvt_chunk_cursor_free(c);
	assert_true(seen == s[0].n + s[1].n + s[2].n);
}

static void test_buffer_sizes(void **state)
{
	(void)state;
	static const size_t blocks[] = {1, 7, 4096, 0};
	struct tev_list s[NSTREAMS] = {{0}}, ref = {0};
	struct tgen_opts go = {.max_data_bytes = 2048, .big_data_permil = 10};
	char path[512];
	ttmp_path(path, sizeof(path), "blocks.hvt");
	gen_fixture(s, 0xb10c, 400, &go);
	struct hvt_writer_opts o = topts(1, 2048);
	twrite_trace(path, &o, s, NSTREAMS, 0xb10c);

	hvt_reader *r;
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	assert_int_equal(tread_merged(r, &ref), 0);
	check_chunks_reverse(r, s);
	hvt_reader_close(r);
	assert_int_equal(ref.n, s[0].n + s[1].n + s[2].n);

	size_t len;
	uint8_t *buf = tslurp(path, &len);
	for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
		struct hvt_reader_opts ro = HVT_READER_OPTS_INIT;
		ro.read_block_bytes = blocks[b];
		for (int mem = 0; mem < 2; mem++) {
			struct tev_list got = {0}, chunked = {0};
			int rc = mem ? hvt_reader_open_memory(&r, buf, len, &ro)
				     : hvt_reader_open(&r, path, &ro);
			if (rc)
				fail_msg("block %zu mem %d: %s", blocks[b], mem, hvt_reader_open_error());
			assert_int_equal(tread_merged(r, &got), 0);
			tev_list_assert_eq(&ref, &got, mem ? "memory" : "file");
			/* Chunk cursors, forward, give each stream's events in order. */
			assert_int_equal(tread_chunks(r, &chunked, 0), 0);
			assert_int_equal(chunked.n, ref.n);
			struct tev_list *per = calloc(HVT_MAX_STREAMS, sizeof(*per));
			assert_non_null(per);
			tsplit_streams(&chunked, per, HVT_MAX_STREAMS);
			for (int i = 0; i < NSTREAMS; i++) {
				tev_list_assert_eq(&s[i], &per[stream_ids[i]], "chunk cursors");
				tev_list_free(&per[stream_ids[i]]);
			}
			free(per);
			check_chunks_reverse(r, s);
			tev_list_free(&got);
			tev_list_free(&chunked);
			hvt_reader_close(r);
		}
	}
	free(buf);
	tev_list_free(&ref);
	for (int i = 0; i < NSTREAMS; i++)
		tev_list_free(&s[i]);
}

/* Chunk cursors on two threads over one file reader: the reader's file
 * access is documented thread-safe. Threads count mismatches, the main
 * thread asserts. */
struct par_job {
	hvt_reader *r;
	struct tev_list *s;
	int part;
	uint64_t events;
	int bad;
};

static void *par_main(void *arg)
{
	struct par_job *j = arg;
	hvt_chunk_cursor *c;
	const hvt_event *ev;
	char why[160];
	if (hvt_chunk_cursor_create(j->r, &c) != 0) {
		j->bad++;
		return NULL;
	}
	for (uint64_t i = (uint64_t)j->part; i < hvt_reader_chunk_count(j->r); i += 2) {
		struct hvt_chunk_info ci;
		hvt_reader_chunk_info(j->r, i, &ci);
		if (ci.type != HVT_CHUNK_EVENTS)
			continue;
		int si = ci.stream == 0 ? 0 : ci.stream == 3 ? 1 : 2;
		if (hvt_chunk_cursor_load(c, i) != 0) {
			j->bad++;
			continue;
		}
		uint64_t seq = ci.first_seq;
		while (hvt_chunk_cursor_next(c, &ev) == 1) {
			j->bad += seq > ci.last_seq || tev_diff(&j->s[si].ev[seq], ev, why, sizeof(why));
			seq++;
			j->events++;
		}
	}
	hvt_chunk_cursor_free(c);
	return NULL;
}

static void test_parallel_cursors(void **state)
{
	(void)state;
	struct tev_list s[NSTREAMS] = {{0}};
	char path[512];
	ttmp_path(path, sizeof(path), "par.hvt");
	gen_fixture(s, 0x9a7, 800, NULL);
	struct hvt_writer_opts o = topts(1, 4096);
	twrite_trace(path, &o, s, NSTREAMS, 1);
	hvt_reader *r;
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	struct par_job jobs[2] = {{r, s, 0, 0, 0}, {r, s, 1, 0, 0}};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, par_main, &jobs[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(jobs[0].bad + jobs[1].bad, 0);
	assert_true(jobs[0].events + jobs[1].events == s[0].n + s[1].n + s[2].n);
	assert_true(jobs[0].events > 0 && jobs[1].events > 0);
	hvt_reader_close(r);
	for (int i = 0; i < NSTREAMS; i++)
		tev_list_free(&s[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_zstd),
		cmocka_unit_test(test_roundtrip_raw),
		cmocka_unit_test(test_buffer_sizes),
		cmocka_unit_test(test_parallel_cursors),
	};
	return cmocka_run_group_tests(tests, NULL, ttmp_teardown);
}
