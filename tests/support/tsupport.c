#include "tsupport.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TGEN_DEFAULT_MAX_DATA 4096u
#define TGEN_DEFAULT_BIG_PERMIL 30u

void tev_list_push(struct tev_list *l, const hvt_event *ev)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		hvt_event *ne = realloc(l->ev, cap * sizeof(*ne));
		assert_non_null(ne);
		l->ev = ne;
		l->cap = cap;
	}
	hvt_event *e = &l->ev[l->n++];
	*e = *ev;
	e->data = NULL;
	if (ev->data_len) {
		uint8_t *d = malloc(ev->data_len);
		assert_non_null(d);
		memcpy(d, ev->data, ev->data_len);
		e->data = d;
	}
}

void tev_list_free(struct tev_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free((void *)l->ev[i].data);
	free(l->ev);
	memset(l, 0, sizeof(*l));
}

/* Values spread over every varint length, with 0, 1 and the maximum. */
static uint64_t varied64(struct tprng *p)
{
	switch (tprng_below(p, 8)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return UINT64_MAX;
	case 3: return tprng_below(p, 128);
	case 4: return tprng_range(p, 128, 65535);
	case 5: return tprng_next(p) >> tprng_below(p, 64);
	default: return tprng_next(p);
	}
}

static uint32_t varied32(struct tprng *p)
{
	switch (tprng_below(p, 6)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return UINT32_MAX;
	case 3: return (uint32_t)tprng_below(p, 128);
	default: return (uint32_t)(tprng_next(p) >> (32 + tprng_below(p, 32)));
	}
}

static uint32_t data_len(struct tprng *p, const struct tgen_opts *o)
{
	uint32_t max = o && o->max_data_bytes ? o->max_data_bytes : TGEN_DEFAULT_MAX_DATA;
	uint32_t big = o && o->big_data_permil ? o->big_data_permil : TGEN_DEFAULT_BIG_PERMIL;
	uint64_t r = tprng_below(p, 1000);
	if (r < big && max > 64)
		return (uint32_t)tprng_range(p, 65, max);
	if (r < 400)
		return 0;
	return (uint32_t)tprng_range(p, 1, max < 64 ? max : 64);
}

static void fill_data(struct tprng *p, const struct tgen_opts *o, hvt_event *ev, uint8_t *buf)
{
	ev->data_len = data_len(p, o);
	tprng_fill(p, buf, ev->data_len);
	ev->data = ev->data_len ? buf : NULL;
}

static void gen_exit(struct tprng *p, const struct tgen_opts *o, hvt_event *ev, uint8_t *buf)
{
	static const uint32_t sizes[] = {0, 1, 2, 4, 8, 16, 4096};
	ev->kind = (uint8_t)tprng_below(p, HVT_EXIT_KIND_MAX + 1);
	ev->flags = (uint16_t)tprng_below(p, 8); /* subsets of the three HVT_EVF_EXIT_* bits */
	ev->pc = varied64(p);
	ev->addr = varied64(p);
	ev->value = varied64(p);
	ev->duration_ns = varied64(p);
	ev->run_ns = varied64(p);
	ev->size = tprng_below(p, 4) ? sizes[tprng_below(p, 7)] : varied32(p);
	ev->count = varied32(p);
	ev->raw_reason = varied32(p);
	ev->regs_hash = varied32(p);
	ev->syndrome = varied64(p);
	ev->fault_va = varied64(p);
	fill_data(p, o, ev, buf);
}

void tgen_event(struct tprng *p, const struct tgen_opts *o, uint8_t type, uint64_t t,
		hvt_event *ev, uint8_t *buf)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->time_ns = t;
	switch (type) {
	case HVT_EV_EXIT:
		gen_exit(p, o, ev, buf);
		break;
	case HVT_EV_INTERRUPT:
		ev->kind = (uint8_t)tprng_below(p, HVT_IRQ_KIND_MAX + 1);
		ev->pc = varied64(p);
		ev->addr = tprng_below(p, 256); /* vector (arm64: interrupt id) */
		ev->regs_hash = ev->kind == HVT_IRQ_CLEARED ? 0 : varied32(p);
		if (ev->kind == HVT_IRQ_ASYNC) {
			/* x86-64's register file or arm64's */
			ev->data_len = (tprng_below(p, 2) ? HVT_X86_NREGS : HVT_ARM64_NREGS) * 8;
			tprng_fill(p, buf, ev->data_len);
			ev->data = buf;
		}
		break;
	case HVT_EV_TIMER:
		ev->kind = (uint8_t)tprng_below(p, HVT_TIMER_CANCEL + 1);
		ev->addr = varied64(p);
		ev->value = varied64(p);
		break;
	case HVT_EV_MEM_WRITE:
		ev->addr = varied64(p);
		fill_data(p, o, ev, buf);
		break;
	case HVT_EV_CONSOLE_IN:
		fill_data(p, o, ev, buf);
		break;
	case HVT_EV_EXEC_TIME:
		ev->value = varied64(p);
		break;
	case HVT_EV_MARKER:
		ev->pc = varied64(p);
		ev->addr = varied64(p);
		ev->value = varied64(p);
		fill_data(p, o, ev, buf);
		break;
	case HVT_EV_END:
		ev->kind = (uint8_t)tprng_below(p, HVT_END_REASON_MAX + 1);
		ev->pc = varied64(p);
		ev->value = varied64(p);
		fill_data(p, o, ev, buf);
		break;
	default:
		fail_msg("tgen_event: bad type %u", type);
	}
}

/* Time steps: a quarter equal, most small, a few large. */
static uint64_t time_step(struct tprng *p)
{
	uint64_t r = tprng_below(p, 100);
	if (r < 25)
		return 0;
	if (r < 75)
		return tprng_range(p, 1, 1000);
	if (r < 95)
		return tprng_range(p, 1001, 1000000);
	return tprng_range(p, 1000001, 1ull << 40);
}

void tgen_stream(struct tprng *p, const struct tgen_opts *o, uint32_t stream, size_t n,
		 struct tev_list *out)
{
	uint32_t max = o && o->max_data_bytes ? o->max_data_bytes : TGEN_DEFAULT_MAX_DATA;
	uint8_t *buf = malloc(max > HVT_ARM64_NREGS * 8 ? max : HVT_ARM64_NREGS * 8);
	assert_non_null(buf);
	uint64_t t = o && o->start_time_ns ? o->start_time_ns : tprng_below(p, 1ull << 32);
	for (size_t i = 0; i < n; i++) {
		/* The first eight cover every type, in an order that depends on the stream. */
		uint8_t type = (uint8_t)(i < HVT_EV_TYPE_MAX ? (i + stream) % HVT_EV_TYPE_MAX + 1
							      : tprng_range(p, 1, HVT_EV_TYPE_MAX));
		if (i)
			t += o && o->max_time_step ? tprng_below(p, o->max_time_step + 1) : time_step(p);
		hvt_event ev;
		tgen_event(p, o, type, t, &ev, buf);
		ev.stream = stream;
		ev.seq = i;
		tev_list_push(out, &ev);
	}
	free(buf);
}

int tev_diff(const hvt_event *a, const hvt_event *b, char *why, size_t why_len)
{
#define TFIELD(f)                                                                          \
	if (a->f != b->f) {                                                                \
		snprintf(why, why_len, #f ": want %" PRIu64 ", got %" PRIu64, (uint64_t)a->f, \
			 (uint64_t)b->f);                                                  \
		return 1;                                                                  \
	}
	TFIELD(type) TFIELD(kind) TFIELD(flags) TFIELD(stream) TFIELD(seq) TFIELD(time_ns)
	TFIELD(pc) TFIELD(addr) TFIELD(value) TFIELD(duration_ns) TFIELD(run_ns) TFIELD(size)
	TFIELD(count) TFIELD(raw_reason) TFIELD(regs_hash) TFIELD(syndrome) TFIELD(fault_va)
	TFIELD(data_len)
#undef TFIELD
	if (a->data_len && memcmp(a->data, b->data, a->data_len) != 0) {
		snprintf(why, why_len, "data bytes differ");
		return 1;
	}
	return 0;
}

void tev_assert_eq(const hvt_event *want, const hvt_event *got, const char *what, size_t i)
{
	char why[160];
	if (tev_diff(want, got, why, sizeof(why)))
		fail_msg("%s: event %zu (stream %u seq %" PRIu64 "): %s", what, i, want->stream,
			 want->seq, why);
}

void tev_list_assert_eq(const struct tev_list *want, const struct tev_list *got, const char *what)
{
	size_t n = want->n < got->n ? want->n : got->n;
	for (size_t i = 0; i < n; i++)
		tev_assert_eq(&want->ev[i], &got->ev[i], what, i);
	if (want->n != got->n)
		fail_msg("%s: want %zu events, got %zu", what, want->n, got->n);
}

void twrite_events(hvt_writer *w, const struct tev_list *streams, uint32_t nstreams, uint64_t seed)
{
	struct tprng p;
	hvt_stream *hs[HVT_MAX_STREAMS] = {0};
	size_t pos[HVT_MAX_STREAMS] = {0};
	size_t left = 0;
	assert_true(nstreams <= HVT_MAX_STREAMS);
	tprng_seed(&p, seed);
	for (uint32_t i = 0; i < nstreams; i++) {
		if (!streams[i].n)
			continue;
		assert_int_equal(hvt_writer_open_stream(w, streams[i].ev[0].stream, &hs[i]), 0);
		left += streams[i].n;
	}
	while (left) {
		uint32_t i = (uint32_t)tprng_below(&p, nstreams);
		size_t burst = tprng_range(&p, 1, 8);
		for (; burst && pos[i] < streams[i].n; burst--, left--) {
			const hvt_event *ev = &streams[i].ev[pos[i]++];
			assert_int_equal(hvt_stream_next_seq(hs[i]), ev->seq);
			int rc = hvt_stream_append(hs[i], ev);
			if (rc)
				fail_msg("append stream %u seq %" PRIu64 ": %s (%s)", ev->stream, ev->seq,
					 hvt_strerror(rc), hvt_writer_error(w));
		}
	}
}

void twrite_trace(const char *path, const struct hvt_writer_opts *opts,
		  const struct tev_list *streams, uint32_t nstreams, uint64_t seed)
{
	hvt_writer *w;
	assert_int_equal(hvt_writer_create(&w, path, opts), 0);
	twrite_events(w, streams, nstreams, seed);
	int rc = hvt_writer_close(w);
	if (rc)
		fail_msg("hvt_writer_close: %s", hvt_strerror(rc));
}

int tread_merged(hvt_reader *r, struct tev_list *out)
{
	const hvt_event *ev;
	int rc;
	while ((rc = hvt_reader_next(r, &ev)) == 1)
		tev_list_push(out, ev);
	return rc;
}

int tread_chunks(hvt_reader *r, struct tev_list *out, int reverse)
{
	hvt_chunk_cursor *c;
	const hvt_event *ev;
	uint64_t n = hvt_reader_chunk_count(r);
	int rc = hvt_chunk_cursor_create(r, &c);
	if (rc)
		return rc;
	for (uint64_t k = 0; k < n && rc >= 0; k++) {
		uint64_t i = reverse ? n - 1 - k : k;
		struct hvt_chunk_info ci;
		assert_int_equal(hvt_reader_chunk_info(r, i, &ci), 0);
		if (ci.type != HVT_CHUNK_EVENTS)
			continue;
		rc = hvt_chunk_cursor_load(c, i);
		while (rc >= 0 && (rc = hvt_chunk_cursor_next(c, &ev)) == 1)
			tev_list_push(out, ev);
	}
	hvt_chunk_cursor_free(c);
	return rc < 0 ? rc : 0;
}

int tverify_all(hvt_reader *r)
{
	for (uint64_t i = 0; i < hvt_reader_chunk_count(r); i++) {
		int rc = hvt_reader_verify_chunk(r, i);
		if (rc)
			return rc;
	}
	return 0;
}

void tsplit_streams(const struct tev_list *merged, struct tev_list *per_stream, uint32_t max)
{
	for (size_t i = 0; i < merged->n; i++) {
		assert_true(merged->ev[i].stream < max);
		tev_list_push(&per_stream[merged->ev[i].stream], &merged->ev[i]);
	}
}

static int cmp_merged(const void *a, const void *b)
{
	const hvt_event *x = a, *y = b;
	if (x->time_ns != y->time_ns)
		return x->time_ns < y->time_ns ? -1 : 1;
	if (x->stream != y->stream)
		return x->stream < y->stream ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

hvt_event *tmerge_expected(const struct tev_list *lists, size_t n, size_t *total)
{
	size_t t = 0, k = 0;
	for (size_t i = 0; i < n; i++)
		t += lists[i].n;
	hvt_event *all = malloc((t ? t : 1) * sizeof(*all));
	assert_non_null(all);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < lists[i].n; j++)
			all[k++] = lists[i].ev[j];
	qsort(all, t, sizeof(*all), cmp_merged);
	*total = t;
	return all;
}

void tassert_merged_order(const struct tev_list *m)
{
	for (size_t i = 1; i < m->n; i++) {
		const hvt_event *a = &m->ev[i - 1], *b = &m->ev[i];
		int ok = a->time_ns < b->time_ns ||
			 (a->time_ns == b->time_ns &&
			  (a->stream < b->stream || (a->stream == b->stream && a->seq < b->seq)));
		if (!ok)
			fail_msg("merged order broken at %zu: (%" PRIu64 ", %u, %" PRIu64 ") then (%" PRIu64
				 ", %u, %" PRIu64 ")", i, a->time_ns, a->stream, a->seq, b->time_ns,
				 b->stream, b->seq);
	}
}

uint8_t *tslurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	uint8_t *buf = malloc(n ? (size_t)n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

void tspew(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		fail_msg("cannot create %s", path);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char tmp_dir[256];

const char *ttmp_path(char *buf, size_t len, const char *name)
{
	if (!tmp_dir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(tmp_dir, sizeof(tmp_dir), "%s/hvt-test-XXXXXX", base && *base ? base : "/tmp");
		if (!mkdtemp(tmp_dir))
			fail_msg("mkdtemp %s failed", tmp_dir);
	}
	snprintf(buf, len, "%s/%s", tmp_dir, name);
	return buf;
}

void ttmp_cleanup(void)
{
	if (!tmp_dir[0])
		return;
	DIR *d = opendir(tmp_dir);
	struct dirent *de;
	char path[512];
	while (d && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmp_dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(tmp_dir);
	tmp_dir[0] = 0;
}

int ttmp_teardown(void **state)
{
	(void)state;
	ttmp_cleanup();
	return 0;
}

uint32_t tformat_version(void)
{
	const char *v = getenv("HVT_TEST_FORMAT_VERSION");
	return v && *v ? (uint32_t)strtoul(v, NULL, 10) : 2;
}

struct hvt_writer_opts topts(int zstd_level, uint32_t chunk_raw_bytes)
{
	struct hvt_writer_opts o = HVT_WRITER_OPTS_INIT;
	o.format_version = tformat_version();
	o.zstd_level = zstd_level;
	o.chunk_raw_bytes = chunk_raw_bytes;
	o.time_origin_ns = 1000000000ull;
	return o;
}
