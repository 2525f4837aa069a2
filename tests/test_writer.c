/* Writer behaviour: concurrent producers through a tiny ring lose nothing;
 * flush makes events readable before close; the background flush does so
 * on its own; bad appends are refused; two writers are independent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"
#include "tsupport.h"

/* Event i of stream s, computed (1M events would not fit in a list under
 * ASan). Every type, valid kinds, equal and rising times, data of 0..300
 * bytes whose content depends on (s, i). */
static void mk_event(uint32_t s, uint64_t i, hvt_event *ev, uint8_t *buf)
{
	static const uint8_t max_kind[HVT_EV_TYPE_MAX + 1] = {0, HVT_EXIT_KIND_MAX, 1, 2, 0, 0, 0, 0,
							       HVT_END_REASON_MAX};
	struct tprng p;
	tprng_seed(&p, ((uint64_t)s << 40) ^ i);
	uint64_t h = tprng_next(&p);
	memset(ev, 0, sizeof(*ev));
	ev->type = (uint8_t)(1 + i % HVT_EV_TYPE_MAX);
	ev->kind = (uint8_t)(h % (max_kind[ev->type] + 1u));
	ev->time_ns = 1000 + i / 3;
	ev->pc = 0x1000 + (h >> 48);
	ev->addr = h >> 56;
	ev->value = i;
	ev->regs_hash = (uint32_t)h;
	ev->data_len = (h >> 20) % 4 ? 0 : (uint32_t)((h >> 24) % 301);
	tprng_fill(&p, buf, ev->data_len);
	ev->data = ev->data_len ? buf : NULL;
}

struct producer {
	hvt_stream *s;
	uint32_t id;
	uint64_t n;
	int err;
};

static void *produce(void *arg)
{
	struct producer *pr = arg;
	uint8_t buf[512];
	hvt_event ev;
	for (uint64_t i = 0; i < pr->n && !pr->err; i++) {
		mk_event(pr->id, i, &ev, buf);
		pr->err = hvt_stream_append(pr->s, &ev);
	}
	return NULL;
}

/* Every stream s in ids has exactly events 0..n-1 of mk_event, in order. */
static void check_computed(const char *path, const uint32_t *ids, int nids, uint64_t n)
{
	hvt_reader *r;
	const hvt_event *ev;
	uint64_t next[HVT_MAX_STREAMS] = {0};
	uint8_t buf[512];
	hvt_event want;
	int rc = hvt_reader_open(&r, path, NULL);
	if (rc)
		fail_msg("open %s: %s", path, hvt_reader_open_error());
	while ((rc = hvt_reader_next(r, &ev)) == 1) {
		assert_true(ev->stream < HVT_MAX_STREAMS);
		mk_event(ev->stream, next[ev->stream], &want, buf);
		want.stream = ev->stream;
		want.seq = next[ev->stream]++;
		tev_assert_eq(&want, ev, path, (size_t)want.seq);
	}
	if (rc)
		fail_msg("read %s: %s", path, hvt_reader_error(r));
	for (int k = 0; k < nids; k++)
		assert_true(next[ids[k]] == n);
	struct hvt_trace_info in;
	hvt_reader_get_info(r, &in);
	assert_true(in.events == n * (uint64_t)nids);
	hvt_reader_close(r);
}

static void test_two_producers_tiny_ring(void **state)
{
	(void)state;
	const uint64_t per = 500000;
	const uint32_t ids[2] = {4, 17};
	char path[512];
	ttmp_path(path, sizeof(path), "mt.hvt");
	struct hvt_writer_opts o = topts(1, 0);
	o.stream_buffer_bytes = 64u << 10;
	hvt_writer *w;
	assert_int_equal(hvt_writer_create(&w, path, &o), 0);
	struct producer pr[2];
	pthread_t t[2];
	for (int i = 0; i < 2; i++) {
		pr[i] = (struct producer){NULL, ids[i], per, 0};
		assert_int_equal(hvt_writer_open_stream(w, ids[i], &pr[i].s), 0);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, produce, &pr[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(pr[0].err, 0);
	assert_int_equal(pr[1].err, 0);
	assert_true(hvt_stream_next_seq(pr[0].s) == per);
	assert_int_equal(hvt_writer_flush(w), 0);
	struct hvt_writer_stats st;
	hvt_writer_get_stats(w, &st);
	assert_true(st.events == 2 * per);
	print_message("1M events through 64 KiB rings: %llu stalls, %llu chunks\n",
		      (unsigned long long)st.stalls, (unsigned long long)st.chunks);
	assert_int_equal(hvt_writer_close(w), 0);
	check_computed(path, ids, 2, per);
}

static void append_n(hvt_stream *s, uint32_t id, uint64_t from, uint64_t to)
{
	uint8_t buf[512];
	hvt_event ev;
	for (uint64_t i = from; i < to; i++) {
		mk_event(id, i, &ev, buf);
		assert_int_equal(hvt_stream_append(s, &ev), 0);
	}
}

/* Opens path while its writer is live: no footer, nothing torn. */
static uint64_t live_events(const char *path, int *truncated)
{
	hvt_reader *r;
	struct hvt_trace_info in;
	int rc = hvt_reader_open(&r, path, NULL);
	if (rc)
		fail_msg("open live %s: %s", path, hvt_reader_open_error());
	hvt_reader_get_info(r, &in);
	assert_int_equal(in.has_footer, 0);
	*truncated = in.truncated;
	hvt_reader_close(r);
	return in.events;
}

static void test_flush_makes_readable(void **state)
{
	(void)state;
	const uint32_t ids[2] = {0, 1};
	char path[512];
	ttmp_path(path, sizeof(path), "flush.hvt");
	struct hvt_writer_opts o = topts(1, 8192);
	o.flush_interval_ms = 3600u * 1000u; /* only explicit flushes */
	hvt_writer *w;
	hvt_stream *s[2];
	int truncated;
	assert_int_equal(hvt_writer_create(&w, path, &o), 0);
	assert_int_equal(hvt_writer_open_stream(w, 0, &s[0]), 0);
	assert_int_equal(hvt_writer_open_stream(w, 1, &s[1]), 0);
	for (uint64_t round = 1; round <= 3; round++) {
		append_n(s[0], 0, (round - 1) * 1000, round * 1000);
		append_n(s[1], 1, (round - 1) * 1000, round * 1000);
		assert_int_equal(hvt_writer_flush(w), 0);
		assert_true(live_events(path, &truncated) == 2000 * round);
		assert_int_equal(truncated, 0);
		check_computed(path, ids, 2, 1000 * round);
	}
	assert_int_equal(hvt_writer_flush(w), 0); /* nothing new: harmless */
	assert_int_equal(hvt_writer_close(w), 0);
	check_computed(path, ids, 2, 3000);
	hvt_reader *r;
	struct hvt_trace_info in;
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	hvt_reader_get_info(r, &in);
	assert_int_equal(in.has_footer, 1);
	hvt_reader_close(r);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Without flush, the background thread writes within a few intervals.
 * Liveness, not timing: poll for up to 5 s. */
static void test_background_flush(void **state)
{
	(void)state;
	const uint32_t ids[1] = {2};
	char path[512];
	ttmp_path(path, sizeof(path), "bg.hvt");
	struct hvt_writer_opts o = topts(1, 1u << 20);
	o.flush_interval_ms = 20;
	hvt_writer *w;
	hvt_stream *s;
	int truncated = 0;
	assert_int_equal(hvt_writer_create(&w, path, &o), 0);
	assert_int_equal(hvt_writer_open_stream(w, 2, &s), 0);
	append_n(s, 2, 0, 500);
	uint64_t seen = 0;
	for (int k = 0; k < 250 && seen < 500; k++) {
		sleep_ms(20);
		seen = live_events(path, &truncated);
		assert_true(seen <= 500);
	}
	assert_true(seen == 500);
	check_computed(path, ids, 1, 500);
	assert_int_equal(hvt_writer_close(w), 0);
}

static void test_bad_appends(void **state)
{
	(void)state;
	char path[512];
	ttmp_path(path, sizeof(path), "bad.hvt");
	struct hvt_writer_opts o = topts(1, 0);
	o.stream_buffer_bytes = 64u << 10;
	hvt_writer *w;
	hvt_stream *s, *s2;
	uint8_t *big = calloc(1, 64u << 10);
	assert_non_null(big);
	assert_int_equal(hvt_writer_create(&w, path, &o), 0);
	assert_int_equal(hvt_writer_open_stream(w, 3, &s), 0);
	assert_int_equal(hvt_writer_open_stream(w, 3, &s2), HVT_E_INVAL); /* twice */
	assert_int_equal(hvt_writer_open_stream(w, HVT_MAX_STREAMS, &s2), HVT_E_INVAL);
	hvt_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = 0;
	assert_int_equal(hvt_stream_append(s, &ev), HVT_E_INVAL);
	ev.type = HVT_EV_TYPE_MAX + 1;
	assert_int_equal(hvt_stream_append(s, &ev), HVT_E_INVAL);
	ev.type = HVT_EV_EXIT;
	ev.kind = HVT_EXIT_KIND_MAX + 1;
	assert_int_equal(hvt_stream_append(s, &ev), HVT_E_INVAL);
	ev.type = HVT_EV_MEM_WRITE;
	ev.kind = 1; /* MEM_WRITE has no kinds */
	assert_int_equal(hvt_stream_append(s, &ev), HVT_E_INVAL);
	ev.kind = 0;
	ev.data = big;
	/* A quarter of the ring, less the record header, is the most. */
	uint32_t max = (uint32_t)((64u << 10) / 4 - sizeof(struct hvt_ring_rec));
	ev.data_len = max + 1;
	assert_int_equal(hvt_stream_append(s, &ev), HVT_E_INVAL);
	ev.data_len = HVT_MAX_EVENT_DATA + 1;
	assert_int_equal(hvt_stream_append(s, &ev), HVT_E_INVAL);
	ev.data_len = 5;
	ev.data = NULL;
	assert_int_equal(hvt_stream_append(s, &ev), HVT_E_INVAL);
	assert_true(hvt_stream_next_seq(s) == 0); /* refused appends take no seq */
	/* The largest allowed payload goes through, and so do good events. */
	ev.data = big;
	ev.data_len = max;
	big[0] = 0xaa;
	big[max - 1] = 0x55;
	ev.time_ns = 50;
	assert_int_equal(hvt_stream_append(s, &ev), 0);
	/* Time never goes back: an earlier time is raised to the previous. */
	ev.data_len = 0;
	ev.time_ns = 10;
	ev.type = HVT_EV_EXEC_TIME;
	ev.value = 77;
	assert_int_equal(hvt_stream_append(s, &ev), 0);
	assert_true(hvt_stream_next_seq(s) == 2);
	assert_int_equal(hvt_writer_close(w), 0);

	hvt_reader *r;
	struct tev_list got = {0};
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	assert_int_equal(tread_merged(r, &got), 0);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.ev[0].data_len, max);
	assert_int_equal(got.ev[0].data[0], 0xaa);
	assert_int_equal(got.ev[0].data[max - 1], 0x55);
	assert_true(got.ev[1].time_ns == 50 && got.ev[1].value == 77 && got.ev[1].seq == 1);
	tev_list_free(&got);
	hvt_reader_close(r);
	free(big);
}

static void test_bad_writer_args(void **state)
{
	(void)state;
	char path[512];
	hvt_writer *w;
	hvt_stream *s;
	ttmp_path(path, sizeof(path), "args.hvt");
	struct hvt_writer_opts o = topts(1, 0);
	o.zstd_level = 1000;
	assert_int_equal(hvt_writer_create(&w, path, &o), HVT_E_INVAL);
	o = topts(1, 0);
	o.chunk_raw_bytes = 32u << 20;
	assert_int_equal(hvt_writer_create(&w, path, &o), HVT_E_INVAL);
	o = topts(1, 0);
	o.sz = 0;
	assert_int_equal(hvt_writer_create(&w, path, &o), HVT_E_INVAL);
	o = topts(1, 0);
	assert_true(hvt_writer_create(&w, "/nonexistent-dir/x.hvt", &o) < 0);
	assert_int_equal(hvt_writer_create(NULL, path, &o), HVT_E_INVAL);
	o.stream_buffer_bytes = (64u << 10) + 8; /* not a power of two */
	assert_int_equal(hvt_writer_create(&w, path, &o), 0);
	assert_int_equal(hvt_writer_open_stream(w, 0, &s), HVT_E_INVAL);
	assert_int_equal(hvt_writer_close(w), 0);
	assert_int_equal(hvt_writer_close(NULL), 0);
	assert_int_equal(hvt_writer_flush(NULL), HVT_E_INVAL);
}

/* Two writers at once, appended alternately from one thread and from two. */
static void test_two_writers(void **state)
{
	(void)state;
	char p1[512], p2[512];
	ttmp_path(p1, sizeof(p1), "w1.hvt");
	ttmp_path(p2, sizeof(p2), "w2.hvt");
	struct hvt_writer_opts o1 = topts(1, 2048), o2 = topts(-1, 4096);
	hvt_writer *w1, *w2;
	hvt_stream *a, *b, *c;
	assert_int_equal(hvt_writer_create(&w1, p1, &o1), 0);
	assert_int_equal(hvt_writer_create(&w2, p2, &o2), 0);
	assert_int_equal(hvt_writer_open_stream(w1, 0, &a), 0);
	assert_int_equal(hvt_writer_open_stream(w2, 0, &b), 0); /* same id, other writer */
	assert_int_equal(hvt_writer_open_stream(w2, 5, &c), 0);
	assert_int_equal(hvt_writer_set_meta_str(w1, "who", "one"), 0);
	assert_int_equal(hvt_writer_set_meta_str(w2, "who", "two"), 0);
	for (uint64_t i = 0; i < 3000; i++) {
		append_n(a, 0, i, i + 1);
		append_n(b, 0, i, i + 1);
		if (i < 1000)
			append_n(c, 5, i, i + 1);
	}
	/* Closing one does not disturb the other. */
	assert_int_equal(hvt_writer_close(w1), 0);
	append_n(b, 0, 3000, 4000);
	append_n(c, 5, 1000, 4000);
	assert_int_equal(hvt_writer_close(w2), 0);
	const uint32_t ids1[1] = {0}, ids2[2] = {0, 5};
	check_computed(p1, ids1, 1, 3000);
	check_computed(p2, ids2, 2, 4000);
	hvt_reader *r;
	const char *v;
	assert_int_equal(hvt_reader_open(&r, p2, NULL), 0);
	assert_int_equal(hvt_reader_meta_get(r, "who", &v, NULL), 0);
	assert_string_equal(v, "two");
	hvt_reader_close(r);
}

/* The child of test_file_size_limit: writes under RLIMIT_FSIZE until the
 * writer fails. Exit status 0 when it failed as documented. */
static int fill_child(const char *path, rlim_t limit)
{
	struct rlimit rl = {limit, limit};
	signal(SIGXFSZ, SIG_IGN); /* writes past the limit fail with EFBIG */
	if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
		return 10;
	struct hvt_writer_opts o = topts(-1, 4096);
	hvt_writer *w;
	hvt_stream *s;
	uint8_t buf[512];
	hvt_event ev;
	if (hvt_writer_create(&w, path, &o) != 0 || hvt_writer_open_stream(w, 0, &s) != 0)
		return 11;
	int rc = 0;
	for (uint64_t i = 0; i < 5000000 && !rc; i++) {
		mk_event(0, i, &ev, buf);
		rc = hvt_stream_append(s, &ev);
	}
	if (rc != HVT_E_IO && rc != HVT_E_NO_SPACE)
		return 12;
	if (!strstr(hvt_writer_error(w), "offset")) {
		fprintf(stderr, "writer error names no offset: %s\n", hvt_writer_error(w));
		return 13;
	}
	if (hvt_stream_append(s, &ev) != rc) /* stays failed */
		return 14;
	if (hvt_writer_flush(w) != rc)
		return 15;
	return hvt_writer_close(w) == rc ? 0 : 16;
}

/* A full disk (here: a file size limit) stops the writer with an error
 * naming the offset, and leaves a file that reads back whole up to its
 * last complete chunk: no torn chunk, since a short write is undone. */
static void test_file_size_limit(void **state)
{
	(void)state;
	const rlim_t limit = 200000;
	const uint32_t ids[1] = {0};
	char path[512];
	ttmp_path(path, sizeof(path), "full.hvt");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fill_child(path, limit));
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	hvt_reader *r;
	struct hvt_trace_info in;
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	hvt_reader_get_info(r, &in);
	assert_true(in.file_bytes <= limit);
	assert_int_equal(in.has_footer, 0);
	assert_int_equal(in.truncated, 0);
	assert_true(in.events > 1000);
	uint64_t n = in.events;
	hvt_reader_close(r);
	check_computed(path, ids, 1, n);
}

/* The largest event payload (HVT_MAX_EVENT_DATA) through a ring big enough
 * for it, next to a one-byte-larger one that is refused. */
static void test_max_event_data(void **state)
{
	(void)state;
	char path[512];
	ttmp_path(path, sizeof(path), "maxdata.hvt");
	struct hvt_writer_opts o = topts(1, 0);
	o.stream_buffer_bytes = 8u << 20;
	hvt_writer *w;
	hvt_stream *s;
	uint8_t *big = malloc(HVT_MAX_EVENT_DATA + 1);
	assert_non_null(big);
	struct tprng p;
	tprng_seed(&p, 3);
	tprng_fill(&p, big, HVT_MAX_EVENT_DATA + 1);
	assert_int_equal(hvt_writer_create(&w, path, &o), 0);
	assert_int_equal(hvt_writer_open_stream(w, 0, &s), 0);
	hvt_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = HVT_EV_MEM_WRITE;
	ev.addr = 0x1000;
	ev.data = big;
	ev.data_len = HVT_MAX_EVENT_DATA + 1;
	assert_int_equal(hvt_stream_append(s, &ev), HVT_E_INVAL);
	ev.data_len = HVT_MAX_EVENT_DATA;
	for (int i = 0; i < 3; i++)
		assert_int_equal(hvt_stream_append(s, &ev), 0);
	assert_int_equal(hvt_writer_close(w), 0);
	hvt_reader *r;
	struct tev_list got = {0};
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	assert_int_equal(tverify_all(r), 0);
	assert_int_equal(tread_merged(r, &got), 0);
	assert_int_equal(got.n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(got.ev[i].data_len, HVT_MAX_EVENT_DATA);
		assert_memory_equal(got.ev[i].data, big, HVT_MAX_EVENT_DATA);
	}
	tev_list_free(&got);
	hvt_reader_close(r);
	free(big);
}

/* A writer with no events, and streams that never append: a valid empty
 * trace; the reader's queries answer "nothing" without failing. */
static void test_empty_trace(void **state)
{
	(void)state;
	char path[512];
	ttmp_path(path, sizeof(path), "empty.hvt");
	struct hvt_writer_opts o = topts(1, 0);
	o.stream_buffer_bytes = 64u << 10;
	hvt_writer *w;
	hvt_stream *s;
	assert_int_equal(hvt_writer_create(&w, path, &o), 0);
	assert_int_equal(hvt_writer_open_stream(w, 7, &s), 0);
	assert_int_equal(hvt_writer_flush(w), 0);
	assert_int_equal(hvt_writer_close(w), 0);
	hvt_reader *r;
	const hvt_event *ev;
	struct hvt_trace_info in;
	struct hvt_stream_info si;
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	hvt_reader_get_info(r, &in);
	assert_true(in.has_footer == 1 && in.truncated == 0 && in.events == 0 && in.streams == 0);
	assert_true(hvt_reader_chunk_count(r) == 0);
	assert_int_equal(hvt_reader_stream_info(r, 0, &si), HVT_E_NOT_FOUND);
	assert_int_equal(hvt_reader_verify_chunk(r, 0), HVT_E_NOT_FOUND);
	assert_int_equal(hvt_reader_next(r, &ev), 0);
	assert_int_equal(hvt_reader_seek_time(r, 5), 0);
	assert_int_equal(hvt_reader_next(r, &ev), 0);
	assert_int_equal(hvt_reader_seek_seq(r, 7, 0), HVT_E_NOT_FOUND);
	assert_int_equal(hvt_reader_rewind(r), 0);
	assert_int_equal(hvt_reader_next(r, &ev), 0);
	hvt_reader_close(r);
}

/* Every stream id at once (0..255), through 64 KiB rings. */
static void test_all_streams(void **state)
{
	(void)state;
	char path[512];
	uint32_t ids[HVT_MAX_STREAMS];
	ttmp_path(path, sizeof(path), "all.hvt");
	struct hvt_writer_opts o = topts(1, 1024);
	o.stream_buffer_bytes = 64u << 10;
	hvt_writer *w;
	hvt_stream *s[HVT_MAX_STREAMS];
	assert_int_equal(hvt_writer_create(&w, path, &o), 0);
	for (uint32_t i = HVT_MAX_STREAMS; i-- > 0;) { /* opened from the top */
		ids[i] = i;
		assert_int_equal(hvt_writer_open_stream(w, i, &s[i]), 0);
	}
	for (uint64_t k = 0; k < 40; k++)
		for (uint32_t i = 0; i < HVT_MAX_STREAMS; i++)
			append_n(s[i], i, k, k + 1);
	assert_int_equal(hvt_writer_close(w), 0);
	check_computed(path, ids, HVT_MAX_STREAMS, 40);
}

/* An options struct from an older, shorter ABI: the missing fields take
 * their defaults. */
static void test_short_opts(void **state)
{
	(void)state;
	char path[512];
	ttmp_path(path, sizeof(path), "short.hvt");
	struct hvt_writer_opts o = topts(-1, 0);
	o.sz = offsetof(struct hvt_writer_opts, chunk_raw_bytes);
	o.chunk_raw_bytes = 7;        /* beyond sz: must be ignored */
	o.stream_buffer_bytes = 12345; /* likewise (it would be refused) */
	hvt_writer *w;
	hvt_stream *s;
	assert_int_equal(hvt_writer_create(&w, path, &o), 0);
	assert_int_equal(hvt_writer_open_stream(w, 0, &s), 0);
	append_n(s, 0, 0, 100);
	assert_int_equal(hvt_writer_close(w), 0);
	hvt_reader *r;
	struct hvt_chunk_info ci;
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	assert_true(hvt_reader_chunk_count(r) == 1); /* default 1 MiB chunks */
	assert_int_equal(hvt_reader_chunk_info(r, 0, &ci), 0);
	assert_int_equal(ci.codec, 0); /* zstd_level -1 was within sz */
	hvt_reader_close(r);
	const uint32_t ids[1] = {0};
	check_computed(path, ids, 1, 100);
}

/* Readers opening the file again and again while two producers append and
 * a third thread flushes: every open must succeed and verify, and give
 * each stream a prefix of what was appended (a torn tail is fine). */
struct live_reader {
	const char *path;
	_Atomic int *stop;
	uint64_t opens, torn, bad;
	char why[256];
};

static void *live_read(void *arg)
{
	struct live_reader *lr = arg;
	uint8_t buf[512];
	hvt_event want;
	char diff[160];
	while (!atomic_load(lr->stop) && !lr->bad) {
		hvt_reader *r;
		const hvt_event *ev;
		uint64_t next[2] = {0, 0};
		if (hvt_reader_open(&r, lr->path, NULL) != 0) {
			snprintf(lr->why, sizeof(lr->why), "open: %s", hvt_reader_open_error());
			lr->bad++;
			break;
		}
		struct hvt_trace_info in;
		hvt_reader_get_info(r, &in);
		lr->torn += in.truncated;
		int rc = tverify_all(r);
		while (!rc && (rc = hvt_reader_next(r, &ev)) == 1) {
			rc = 0;
			if (ev->stream > 1) {
				rc = -100;
				break;
			}
			mk_event(ev->stream, next[ev->stream], &want, buf);
			want.stream = ev->stream;
			want.seq = next[ev->stream]++;
			if (tev_diff(&want, ev, diff, sizeof(diff))) {
				snprintf(lr->why, sizeof(lr->why), "stream %u seq %llu: %s", ev->stream,
					 (unsigned long long)want.seq, diff);
				rc = -101;
			}
		}
		if (rc < 0) {
			if (!lr->why[0])
				snprintf(lr->why, sizeof(lr->why), "%d: %s", rc, hvt_reader_error(r));
			lr->bad++;
		}
		hvt_reader_close(r);
		lr->opens++;
	}
	return NULL;
}

struct flusher {
	hvt_writer *w;
	_Atomic int *stop;
	uint64_t n;
	int err;
};

static void *flush_loop(void *arg)
{
	struct flusher *f = arg;
	while (!atomic_load(f->stop) && !f->err) {
		f->err = hvt_writer_flush(f->w);
		f->n++;
	}
	return NULL;
}

static void test_live_readers(void **state)
{
	(void)state;
	const uint64_t per = 100000;
	const uint32_t ids[2] = {0, 1};
	char path[512];
	_Atomic int stop_readers = 0, stop_flusher = 0;
	ttmp_path(path, sizeof(path), "live.hvt");
	struct hvt_writer_opts o = topts(1, 16384);
	o.stream_buffer_bytes = 64u << 10;
	o.flush_interval_ms = 5;
	hvt_writer *w;
	assert_int_equal(hvt_writer_create(&w, path, &o), 0);
	struct producer pr[2];
	struct live_reader lr = {path, &stop_readers, 0, 0, 0, ""};
	struct flusher fl = {w, &stop_flusher, 0, 0};
	pthread_t t[2], tr, tf;
	for (int i = 0; i < 2; i++) {
		pr[i] = (struct producer){NULL, ids[i], per, 0};
		assert_int_equal(hvt_writer_open_stream(w, ids[i], &pr[i].s), 0);
	}
	assert_int_equal(pthread_create(&tr, NULL, live_read, &lr), 0);
	assert_int_equal(pthread_create(&tf, NULL, flush_loop, &fl), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, produce, &pr[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	atomic_store(&stop_flusher, 1);
	pthread_join(tf, NULL);
	assert_int_equal(hvt_writer_close(w), 0);
	atomic_store(&stop_readers, 1);
	pthread_join(tr, NULL);
	print_message("%llu live opens (%llu saw a torn tail), %llu flushes\n",
		      (unsigned long long)lr.opens, (unsigned long long)lr.torn,
		      (unsigned long long)fl.n);
	if (lr.bad)
		fail_msg("a live reader failed: %s", lr.why);
	assert_int_equal(pr[0].err, 0);
	assert_int_equal(pr[1].err, 0);
	assert_int_equal(fl.err, 0);
	assert_true(lr.opens > 0 && fl.n > 0);
	check_computed(path, ids, 2, per);
}

/* Metadata together may not pass HVT_MAX_META_BYTES (16 MiB), counting
 * every value written, replaced ones too: that is the reader's bound, so
 * the writer must refuse what would make the trace unreadable. */
static void test_meta_total_bound(void **state)
{
	(void)state;
	char path[512];
	const size_t vlen = 6u << 20;
	ttmp_path(path, sizeof(path), "meta.hvt");
	uint8_t *v = malloc(vlen);
	assert_non_null(v);
	for (size_t i = 0; i < vlen; i++)
		v[i] = (uint8_t)(i * 7 + (i >> 12));
	struct hvt_writer_opts o = topts(1, 0);
	hvt_writer *w;
	assert_int_equal(hvt_writer_create(&w, path, &o), 0);
	assert_int_equal(hvt_writer_set_meta(w, "big", v, (16u << 20) / 2 + 1), HVT_E_INVAL);
	assert_int_equal(hvt_writer_set_meta(w, "big", v, vlen), 0);
	v[0] ^= 1;
	assert_int_equal(hvt_writer_set_meta(w, "big", v, vlen), 0);
	assert_int_equal(hvt_writer_set_meta(w, "big", v, vlen), HVT_E_INVAL); /* 18 MiB */
	assert_int_equal(hvt_writer_set_meta_str(w, "small", "still fits"), 0);
	assert_int_equal(hvt_writer_close(w), 0);
	hvt_reader *r;
	const char *got;
	size_t len;
	int rc = hvt_reader_open(&r, path, NULL);
	if (rc)
		fail_msg("the writer made a trace the reader refuses: %s", hvt_reader_open_error());
	assert_int_equal(hvt_reader_meta_get(r, "big", &got, &len), 0);
	assert_int_equal(len, vlen);
	assert_memory_equal(got, v, vlen);
	assert_int_equal(hvt_reader_meta_get(r, "small", &got, &len), 0);
	hvt_reader_close(r);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_producers_tiny_ring),
		cmocka_unit_test(test_flush_makes_readable),
		cmocka_unit_test(test_background_flush),
		cmocka_unit_test(test_bad_appends),
		cmocka_unit_test(test_bad_writer_args),
		cmocka_unit_test(test_two_writers),
		cmocka_unit_test(test_file_size_limit),
		cmocka_unit_test(test_max_event_data),
		cmocka_unit_test(test_empty_trace),
		cmocka_unit_test(test_all_streams),
		cmocka_unit_test(test_short_opts),
		cmocka_unit_test(test_live_readers),
		cmocka_unit_test(test_meta_total_bound),
	};
	return cmocka_run_group_tests(tests, NULL, ttmp_teardown);
}
