/* The v2 (columnar) events payload: random events of every type, with every
 * field of hvt_event set whatever the type (lossless on both architectures),
 * through builder and column reader in batches of every size; decoding a
 * subset of the fields; every prefix and malformed payloads rejected; the
 * builder's caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "columns.h"
#include "tsupport.h"

/* n events at increasing times from t0; "wild" sets every field of every
 * type to random values (what v2 must carry even if no recorder writes it). */
static void gen(struct tprng *p, size_t n, uint64_t t0, int wild, struct tev_list *out)
{
	uint8_t buf[HVT_ARM64_NREGS * 8 + 4096];
	uint64_t t = t0;
	for (size_t i = 0; i < n; i++) {
		hvt_event ev;
		uint8_t type = (uint8_t)(i < HVT_EV_TYPE_MAX ? i + 1 : tprng_range(p, 1, HVT_EV_TYPE_MAX));
		tgen_event(p, NULL, type, t, &ev, buf);
		if (wild) {
			ev.pc = tprng_next(p), ev.addr = tprng_next(p), ev.value = tprng_next(p);
			ev.duration_ns = tprng_next(p), ev.run_ns = tprng_next(p);
			ev.size = (uint32_t)tprng_next(p), ev.count = (uint32_t)tprng_next(p);
			ev.raw_reason = (uint32_t)tprng_next(p), ev.regs_hash = (uint32_t)tprng_next(p);
			ev.syndrome = tprng_next(p), ev.fault_va = tprng_next(p);
			ev.flags = (uint16_t)tprng_next(p);
		}
		ev.seq = i;
		tev_list_push(out, &ev);
		t += tprng_below(p, 3) ? tprng_below(p, 1ull << tprng_below(p, 40)) : 0;
	}
}

/* Builds one payload from in[0..n); *len gets its size (malloc'd). */
static uint8_t *build(const hvt_event *in, size_t n, size_t *len)
{
	struct hvt_col_builder b;
	assert_int_equal(hvt_col_builder_init(&b, 1u << 22), 0);
	hvt_col_builder_reset(&b, in[0].time_ns);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(hvt_col_add(&b, &in[i]), 0);
	*len = hvt_col_raw_bytes(&b);
	uint8_t *out = malloc(*len + 1);
	assert_non_null(out);
	assert_int_equal(hvt_col_finish(&b, out), *len);
	hvt_col_builder_free(&b);
	return out;
}

/* Decodes every event in batches of `batch`; 0 or the first error. */
static int decode(const uint8_t *raw, size_t len, const hvt_event *in, size_t n, unsigned fields,
		  uint32_t batch, struct tev_list *got)
{
	struct hvt_col_reader r = {0};
	hvt_event ev[HVT_COL_BATCH];
	const char *why = NULL;
	uint32_t bad;
	int rc = hvt_col_open(&r, raw, len, (uint32_t)n, in[0].time_ns, in[n - 1].time_ns, fields, &why);
	while (rc == 0 && (rc = hvt_col_next_batch(&r, ev, batch, &bad, &why)) > 0) {
		for (int i = 0; i < rc; i++) {
			ev[i].seq = got->n;
			tev_list_push(got, &ev[i]);
		}
		rc = 0;
	}
	if (rc == 0 && got->n != n)
		rc = HVT_E_BAD_EVENT;
	if (rc == 0 && (hvt_col_end_problem(&r) || r.time_ns != in[n - 1].time_ns))
		rc = HVT_E_BAD_LENGTH;
	hvt_col_reader_free(&r);
	return rc;
}

static void roundtrip(uint64_t seed, size_t n, int wild)
{
	struct tprng p;
	struct tev_list in = {0};
	tprng_seed(&p, seed);
	gen(&p, n, tprng_below(&p, 1ull << 40), wild, &in);
	size_t len;
	uint8_t *raw = build(in.ev, in.n, &len);
	static const uint32_t batches[] = {1, 7, HVT_COL_BATCH};
	for (size_t b = 0; b < 3; b++) {
		struct tev_list got = {0};
		assert_int_equal(decode(raw, len, in.ev, in.n, HVT_FIELDS_ALL, batches[b], &got), 0);
		tev_list_assert_eq(&in, &got, "columns roundtrip");
		tev_list_free(&got);
	}
	free(raw);
	tev_list_free(&in);
}

static void test_roundtrip_every_type(void **state)
{
	(void)state;
	for (int k = 0; k < 40; k++)
		roundtrip(0xc01c0000u + (uint64_t)k, 1 + (size_t)k * 37, 0);
}

static void test_roundtrip_every_field(void **state)
{
	(void)state;
	for (int k = 0; k < 20; k++)
		roundtrip(0xc01d0000u + (uint64_t)k, 300 + (size_t)k * 11, 1);
}

/* arm64 events as the HVF backend records them, and their x86 twins. */
static void test_arm64_fields(void **state)
{
	(void)state;
	uint8_t regs[HVT_ARM64_NREGS * 8];
	for (size_t i = 0; i < sizeof(regs); i++)
		regs[i] = (uint8_t)(i * 7 + 1);
	hvt_event ev[] = {
		{.type = HVT_EV_EXIT, .kind = HVT_EXIT_MMIO_READ, .time_ns = 10, .pc = 0x40001004,
		 .addr = 0x9000000, .value = 0x41, .size = 4, .count = 1, .raw_reason = 1,
		 .regs_hash = 0xabcdef01, .syndrome = 0x93c08006, .fault_va = 0xffff000009000000ull,
		 .duration_ns = 900, .run_ns = 1200},
		{.type = HVT_EV_INTERRUPT, .kind = HVT_IRQ_ASYNC, .time_ns = 20, .pc = 0x40001010,
		 .addr = 27, .regs_hash = 0x1234, .data_len = HVT_ARM64_NREGS * 8, .data = regs},
		{.type = HVT_EV_INTERRUPT, .kind = HVT_IRQ_CLEARED, .time_ns = 30, .pc = 0x40001020,
		 .addr = 27},
		{.type = HVT_EV_EXIT, .kind = HVT_EXIT_HYPERCALL, .time_ns = 40, .pc = 0x40001030,
		 .addr = 0x84000008, .syndrome = 0x5a000000, .raw_reason = 1},
		{.type = HVT_EV_INTERRUPT, .kind = HVT_IRQ_ASYNC, .time_ns = 50, .pc = 0x101000,
		 .addr = 32, .regs_hash = 0x77, .data_len = HVT_X86_NREGS * 8, .data = regs},
	};
	size_t n = sizeof(ev) / sizeof(ev[0]), len;
	struct tev_list in = {0}, got = {0};
	for (size_t i = 0; i < n; i++) {
		ev[i].seq = i;
		tev_list_push(&in, &ev[i]);
	}
	uint8_t *raw = build(in.ev, n, &len);
	assert_int_equal(decode(raw, len, in.ev, n, HVT_FIELDS_ALL, 2, &got), 0);
	tev_list_assert_eq(&in, &got, "arm64");
	free(raw);
	tev_list_free(&in);
	tev_list_free(&got);
}

/* Fields asked for come back exact; the others read as 0. */
static void test_field_subsets(void **state)
{
	(void)state;
	struct tprng p;
	struct tev_list in = {0};
	tprng_seed(&p, 0xf1e1d5);
	gen(&p, 2000, 5, 1, &in);
	size_t len;
	uint8_t *raw = build(in.ev, in.n, &len);
	for (unsigned f = 0; f <= HVT_FIELDS_ALL; f++) {
		struct tev_list got = {0};
		assert_int_equal(decode(raw, len, in.ev, in.n, f, HVT_COL_BATCH, &got), 0);
		unsigned eff = f & HVT_FIELD_RUN ? f | HVT_FIELD_DURATION : f;
		for (size_t i = 0; i < in.n; i++) {
			hvt_event want = in.ev[i];
			if (!(eff & HVT_FIELD_DURATION))
				want.duration_ns = 0;
			if (!(eff & HVT_FIELD_RUN))
				want.run_ns = 0;
			if (!(eff & HVT_FIELD_VALUE))
				want.value = 0;
			if (!(eff & HVT_FIELD_REGS_HASH))
				want.regs_hash = 0;
			if (!(eff & HVT_FIELD_DATA))
				want.data_len = 0, want.data = NULL;
			tev_assert_eq(&want, &got.ev[i], "subset", i);
		}
		tev_list_free(&got);
	}
	free(raw);
	tev_list_free(&in);
}

/* Every prefix of a payload fails somewhere: open, a batch, or the end. */
static void test_every_prefix_rejected(void **state)
{
	(void)state;
	struct tprng p;
	struct tev_list in = {0};
	tprng_seed(&p, 0x9e3779);
	gen(&p, 60, 100, 0, &in);
	size_t len;
	uint8_t *raw = build(in.ev, in.n, &len);
	for (size_t cut = 0; cut < len; cut++) {
		struct tev_list got = {0};
		uint8_t *copy = malloc(cut + 1);
		memcpy(copy, raw, cut);
		assert_true(decode(copy, cut, in.ev, in.n, HVT_FIELDS_ALL, 16, &got) < 0);
		tev_list_free(&got);
		free(copy);
	}
	free(raw);
	tev_list_free(&in);
}

/* Events with shape fields only (no per-event fields): a tiny payload whose
 * layout the tests below edit by hand. Returns its size. */
static size_t small_payload(hvt_event *ev, size_t n, uint8_t *out)
{
	size_t len;
	uint8_t *raw = build(ev, n, &len);
	memcpy(out, raw, len);
	free(raw);
	return len;
}

static int open_only(const uint8_t *raw, size_t len, const hvt_event *in, size_t n)
{
	struct tev_list got = {0};
	int rc = decode(raw, len, in, n, HVT_FIELDS_ALL, 64, &got);
	tev_list_free(&got);
	return rc;
}

static void test_malformed(void **state)
{
	(void)state;
	hvt_event ev[3] = {
		{.type = HVT_EV_EXIT, .kind = 2, .time_ns = 5, .value = 1},
		{.type = HVT_EV_EXIT, .kind = 2, .time_ns = 6, .value = 2, .run_ns = 1},
		{.type = HVT_EV_MARKER, .time_ns = 6},
	};
	uint8_t raw[256], bad[256];
	size_t len = small_payload(ev, 3, raw);
	/* Layout: nshapes=2, shape A (9 bytes), shape B (9), 3 ids, then widths. */
	assert_int_equal(raw[0], 2);
	size_t ids = 1 + 9 + 9, time_w = ids + 3;
	assert_int_equal(raw[time_w], 1);
	assert_int_equal(open_only(raw, len, ev, 3), 0);

	memcpy(bad, raw, len);
	bad[1] = 0x09; /* type 9 */
	assert_int_equal(open_only(bad, len, ev, 3), HVT_E_BAD_EVENT);
	memcpy(bad, raw, len);
	bad[1] = 0x02 | 15 << 4; /* exit kind 15 */
	assert_int_equal(open_only(bad, len, ev, 3), HVT_E_BAD_EVENT);
	memcpy(bad, raw, len);
	bad[ids + 1] = 2; /* shape id 2 of 2 */
	assert_int_equal(open_only(bad, len, ev, 3), HVT_E_BAD_EVENT);
	memcpy(bad, raw, len);
	bad[time_w] = 9; /* a 9-byte time */
	assert_int_equal(open_only(bad, len, ev, 3), HVT_E_BAD_LENGTH);
	memcpy(bad, raw, len);
	bad[time_w] = 0; /* time needs a plane */
	assert_int_equal(open_only(bad, len, ev, 3), HVT_E_BAD_LENGTH);
	memcpy(bad, raw, len);
	bad[time_w + 1] = 1; /* first event's delta must be 0 */
	assert_int_equal(open_only(bad, len, ev, 3), HVT_E_SEQUENCE);
	memcpy(bad, raw, len);
	bad[time_w + 2] = 200; /* past the last time */
	assert_int_equal(open_only(bad, len, ev, 3), HVT_E_SEQUENCE);
	/* A wider value column than its values need is not the canonical form. */
	size_t dur_w = time_w + 1 + 3, run_w = dur_w + 1, val_w = run_w + 1;
	assert_int_equal(raw[dur_w], 0);
	assert_int_equal(raw[val_w], 1);
	memcpy(bad, raw, val_w + 1);
	bad[val_w] = 2;
	memcpy(bad + val_w + 1, raw + val_w + 1, 3);
	memset(bad + val_w + 4, 0, 3);
	memcpy(bad + val_w + 7, raw + val_w + 4, len - val_w - 4);
	assert_int_equal(open_only(bad, len + 3, ev, 3), HVT_E_BAD_LENGTH);
	/* One byte more: bytes after the last column. */
	memcpy(bad, raw, len);
	bad[len] = 0;
	assert_int_equal(open_only(bad, len + 1, ev, 3), HVT_E_BAD_LENGTH);
}

static void test_builder_caps(void **state)
{
	(void)state;
	struct hvt_col_builder b;
	hvt_event ev = {.type = HVT_EV_EXIT, .kind = 1};
	assert_int_equal(hvt_col_builder_init(&b, 1024), 0);
	hvt_col_builder_reset(&b, 0);
	for (uint32_t i = 0; i < HVT_COL_WRITER_MAX_SHAPES; i++) {
		ev.pc = i;
		assert_int_equal(hvt_col_add(&b, &ev), 0);
	}
	ev.pc = HVT_COL_WRITER_MAX_SHAPES;
	assert_int_equal(hvt_col_add(&b, &ev), HVT_COL_FULL);
	ev.pc = 3; /* a known shape still fits */
	assert_int_equal(hvt_col_add(&b, &ev), 0);
	while (b.events < HVT_COL_WRITER_MAX_EVENTS)
		assert_int_equal(hvt_col_add(&b, &ev), 0);
	assert_int_equal(hvt_col_add(&b, &ev), HVT_COL_FULL);
	hvt_col_builder_reset(&b, 0);
	uint8_t data[2048] = {1};
	hvt_event big = {.type = HVT_EV_CONSOLE_IN, .data_len = 2048, .data = data};
	assert_int_equal(hvt_col_add(&b, &big), 0); /* alone it may exceed the data room */
	assert_int_equal(hvt_col_add(&b, &big), HVT_COL_FULL);
	hvt_col_builder_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_every_type),
		cmocka_unit_test(test_roundtrip_every_field),
		cmocka_unit_test(test_arm64_fields),
		cmocka_unit_test(test_field_subsets),
		cmocka_unit_test(test_every_prefix_rejected),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_builder_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
