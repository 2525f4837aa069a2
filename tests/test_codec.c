/* The event codec and the byte helpers under it: varint and zigzag edges,
 * random events through encode/decode, and malformed encodings rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "codec.h"
#include "tsupport.h"

static void varint_roundtrip(uint64_t v, size_t want_len)
{
	uint8_t buf[HVT_VARINT_MAX + 4];
	memset(buf, 0xee, sizeof(buf));
	size_t n = hvt_put_varint(buf, v);
	assert_int_equal(n, want_len);
	assert_int_equal(buf[n], 0xee); /* nothing written past the end */
	const uint8_t *p = buf;
	uint64_t got = ~v;
	assert_int_equal(hvt_get_varint(&p, buf + n, &got), 0);
	assert_true(got == v);
	assert_ptr_equal(p, buf + n);
	/* The same bytes cut anywhere are rejected and leave the cursor alone. */
	for (size_t cut = 0; cut < n; cut++) {
		p = buf;
		assert_int_equal(hvt_get_varint(&p, buf + cut, &got), -1);
		assert_ptr_equal(p, buf);
	}
}

static void test_varint_edges(void **state)
{
	(void)state;
	varint_roundtrip(0, 1);
	varint_roundtrip(1, 1);
	varint_roundtrip(127, 1);
	varint_roundtrip(128, 2);
	varint_roundtrip(16383, 2);
	varint_roundtrip(16384, 3);
	varint_roundtrip(UINT32_MAX, 5);
	varint_roundtrip((uint64_t)1 << 63, 10);
	varint_roundtrip(UINT64_MAX - 1, 10);
	varint_roundtrip(UINT64_MAX, 10);
	struct tprng p;
	tprng_seed(&p, 0x5eed0001);
	for (int i = 0; i < 10000; i++) {
		uint64_t v = tprng_next(&p) >> tprng_below(&p, 64);
		size_t len = 1;
		for (uint64_t x = v; x >= 0x80; x >>= 7)
			len++;
		varint_roundtrip(v, len);
	}
}

static void test_varint_malformed(void **state)
{
	(void)state;
	uint64_t v;
	const uint8_t *p;
	/* Eleven bytes: ten continuation bytes then a terminator. */
	uint8_t eleven[11];
	memset(eleven, 0x80, 10);
	eleven[10] = 0x01;
	p = eleven;
	assert_int_equal(hvt_get_varint(&p, eleven + sizeof(eleven), &v), -1);
	assert_ptr_equal(p, eleven);
	/* Ten bytes whose last carries bits past 64. */
	uint8_t over[10];
	memset(over, 0xff, 9);
	over[9] = 0x02;
	p = over;
	assert_int_equal(hvt_get_varint(&p, over + sizeof(over), &v), -1);
	/* The same with the last byte 0x01 is UINT64_MAX. */
	over[9] = 0x01;
	p = over;
	assert_int_equal(hvt_get_varint(&p, over + sizeof(over), &v), 0);
	assert_true(v == UINT64_MAX);
	/* Empty input. */
	p = over;
	assert_int_equal(hvt_get_varint(&p, over, &v), -1);
}

/* Overlong varints (a trailing 0 byte) are not the canonical encoding and are
 * refused by both the checked and the unrolled reader; padding past the
 * input makes the unrolled (>= 10 bytes left) path run too. */
static void test_varint_overlong(void **state)
{
	(void)state;
	static const uint8_t cases[][12] = {
		{0x80, 0x00},                                      /* 0 in two bytes */
		{0xff, 0x00},                                      /* 127 in two bytes */
		{0x80, 0x80, 0x80, 0x00},                          /* 0 in four bytes */
		{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, /* ten */
	};
	static const size_t lens[] = {2, 2, 4, 10};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint64_t v;
		const uint8_t *p = cases[i];
		assert_int_equal(hvt_get_varint(&p, cases[i] + lens[i], &v), -1);
		p = cases[i];
		assert_int_equal(hvt_get_varint_fast(&p, cases[i] + sizeof(cases[i]), &v), -1);
	}
	/* The canonical forms still read, on both paths. */
	uint8_t one[12] = {0x01}, big[12] = {0x80, 0x01};
	const uint8_t *p = one;
	uint64_t v;
	assert_int_equal(hvt_get_varint_fast(&p, one + sizeof(one), &v), 0);
	assert_true(v == 1 && p == one + 1);
	p = big;
	assert_int_equal(hvt_get_varint_fast(&p, big + sizeof(big), &v), 0);
	assert_true(v == 128 && p == big + 2);
}

static void test_zigzag_edges(void **state)
{
	(void)state;
	assert_true(hvt_zigzag(0) == 0);
	assert_true(hvt_zigzag(-1) == 1);
	assert_true(hvt_zigzag(1) == 2);
	assert_true(hvt_zigzag(-2) == 3);
	assert_true(hvt_zigzag(INT64_MAX) == UINT64_MAX - 1);
	assert_true(hvt_zigzag(INT64_MIN) == UINT64_MAX);
	const int64_t edges[] = {0, 1, -1, 63, -64, 64, -65, INT32_MAX, INT32_MIN, INT64_MAX,
				 INT64_MIN, INT64_MIN + 1, INT64_MAX - 1};
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		assert_true(hvt_unzigzag(hvt_zigzag(edges[i])) == edges[i]);
	struct tprng p;
	tprng_seed(&p, 0x5eed0002);
	for (int i = 0; i < 10000; i++) {
		int64_t v = (int64_t)tprng_next(&p) >> tprng_below(&p, 64);
		assert_true(hvt_unzigzag(hvt_zigzag(v)) == v);
		/* Small magnitudes stay small: |v| < 64 fits one varint byte. */
		if (v > -64 && v < 64)
			assert_true(hvt_zigzag(v) < 128);
	}
}

static void test_le_helpers(void **state)
{
	(void)state;
	uint8_t b[8];
	hvt_put_le64(b, 0x0102030405060708ull);
	const uint8_t want[8] = {8, 7, 6, 5, 4, 3, 2, 1};
	assert_memory_equal(b, want, 8);
	assert_true(hvt_get_le64(b) == 0x0102030405060708ull);
	assert_true(hvt_get_le32(b) == 0x05060708u);
	assert_int_equal(hvt_get_le16(b), 0x0708);
	hvt_put_le32(b, UINT32_MAX);
	assert_true(hvt_get_le32(b) == UINT32_MAX);
	hvt_put_le16(b, 0xfffe);
	assert_int_equal(hvt_get_le16(b), 0xfffe);
}

/* Random events of every type through one codec state (so delta bases
 * carry from event to event), decoded back with a fresh state. */
static void test_event_roundtrip(void **state)
{
	(void)state;
	struct tprng p;
	struct tgen_opts o = {.max_data_bytes = 8192, .big_data_permil = 100};
	struct tev_list evs = {0};
	tprng_seed(&p, 0x5eed0003);
	tgen_stream(&p, &o, 7, 5000, &evs);
	size_t cap = 0;
	for (size_t i = 0; i < evs.n; i++)
		cap += hvt_event_encoded_max(&evs.ev[i]);
	uint8_t *buf = malloc(cap);
	assert_non_null(buf);
	struct hvt_codec_state enc, dec;
	hvt_codec_reset(&enc, evs.ev[0].time_ns);
	size_t len = 0;
	for (size_t i = 0; i < evs.n; i++) {
		size_t n = hvt_event_encode(&enc, &evs.ev[i], buf + len);
		assert_true(n >= 2); /* tag and mask at least */
		assert_true(n <= hvt_event_encoded_max(&evs.ev[i]));
		len += n;
	}
	hvt_codec_reset(&dec, evs.ev[0].time_ns);
	const uint8_t *q = buf, *end = buf + len;
	for (size_t i = 0; i < evs.n; i++) {
		hvt_event got;
		const char *why = "unset";
		int rc = hvt_event_decode(&dec, &q, end, &got, &why);
		if (rc)
			fail_msg("event %zu: decode failed: %s", i, why);
		assert_null(why);
		got.stream = evs.ev[i].stream;
		got.seq = evs.ev[i].seq;
		tev_assert_eq(&evs.ev[i], &got, "codec round trip", i);
	}
	assert_ptr_equal(q, end);
	free(buf);
	tev_list_free(&evs);
}

/* Every proper prefix of a valid encoding is rejected, never read as an
 * event: the field mask says exactly which bytes must follow. */
static void test_event_prefixes(void **state)
{
	(void)state;
	struct tprng p;
	uint8_t data[HVT_ARM64_NREGS * 8 + 4096];
	uint8_t buf[8192];
	tprng_seed(&p, 0x5eed0004);
	for (int k = 0; k < 400; k++) {
		hvt_event ev;
		struct hvt_codec_state enc, dec;
		tgen_event(&p, NULL, (uint8_t)tprng_range(&p, 1, HVT_EV_TYPE_MAX), 1000 + (uint64_t)k,
			   &ev, data);
		hvt_codec_reset(&enc, tprng_below(&p, 2) ? 1000 : 999);
		struct hvt_codec_state start = enc;
		size_t n = hvt_event_encode(&enc, &ev, buf);
		for (size_t cut = 0; cut < n; cut++) {
			const uint8_t *q = buf;
			hvt_event got;
			const char *why = NULL;
			dec = start;
			assert_int_equal(hvt_event_decode(&dec, &q, buf + cut, &got, &why), HVT_E_BAD_EVENT);
			assert_non_null(why);
			assert_ptr_equal(q, buf);
		}
	}
}

/* Decodes [buf, buf+len) from a state at time t0; returns the code. */
static int decode_bytes(const uint8_t *buf, size_t len, uint64_t t0, const char **why)
{
	struct hvt_codec_state s;
	hvt_event ev;
	const uint8_t *q = buf;
	hvt_codec_reset(&s, t0);
	int rc = hvt_event_decode(&s, &q, buf + len, &ev, why);
	if (rc)
		assert_ptr_equal(q, buf); /* a failure consumes nothing */
	return rc;
}

#define REJECT(t0, ...)                                                                \
	do {                                                                           \
		const uint8_t b_[] = {__VA_ARGS__};                                    \
		const char *why_ = NULL;                                               \
		assert_int_equal(decode_bytes(b_, sizeof(b_), (t0), &why_), HVT_E_BAD_EVENT); \
		assert_non_null(why_);                                                 \
	} while (0)
#define ACCEPT(t0, ...)                                                                \
	do {                                                                           \
		const uint8_t b_[] = {__VA_ARGS__};                                    \
		const char *why_ = NULL;                                               \
		assert_int_equal(decode_bytes(b_, sizeof(b_), (t0), &why_), 0);        \
	} while (0)

/* A tag byte and a two-byte field mask (bits >= 128: two bytes is minimal). */
#define TAG(type, kind) (uint8_t)((type) | (kind) << 4)
#define M(bits) (uint8_t)(((bits) & 0x7f) | 0x80), (uint8_t)((bits) >> 7)

static void test_event_malformed(void **state)
{
	(void)state;
	const char *why = NULL;
	/* Sanity: the minimal events around the rejects are accepted. */
	ACCEPT(0, TAG(HVT_EV_EXIT, 0), 0);
	ACCEPT(0, TAG(HVT_EV_EXIT, HVT_EXIT_KIND_MAX), 0);
	/* A mask of 0 in two bytes is overlong: not the canonical encoding. */
	REJECT(0, TAG(HVT_EV_EXIT, HVT_EXIT_KIND_MAX), M(0));
	ACCEPT(0, TAG(HVT_EV_END, HVT_END_REASON_MAX), 0);
	ACCEPT(0, TAG(HVT_EV_MEM_WRITE, 0), M(HVT_F_DATA), 3, 1, 2, 3);
	ACCEPT(UINT64_MAX - 6, TAG(HVT_EV_EXIT, 0), HVT_F_TIME, 6);

	/* Empty input and cut varints: the mask, a field, the data length. */
	assert_int_equal(decode_bytes((const uint8_t *)"", 0, 0, &why), HVT_E_BAD_EVENT);
	REJECT(0, TAG(HVT_EV_EXIT, 0));
	REJECT(0, TAG(HVT_EV_EXIT, 0), 0x80);
	REJECT(0, TAG(HVT_EV_EXIT, 0), HVT_F_TIME, 0x80);
	REJECT(0, TAG(HVT_EV_EXIT, 0), HVT_F_VALUE, 0xff, 0xff);
	REJECT(0, TAG(HVT_EV_MEM_WRITE, 0), M(HVT_F_DATA), 0x83);
	/* An eleven-byte varint. */
	REJECT(0, TAG(HVT_EV_EXIT, 0), HVT_F_DURATION, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	       0x80, 0x80, 0x80, 0x01);
	/* A 32-bit field given a value above 32 bits (2^32). */
	REJECT(0, TAG(HVT_EV_EXIT, 0), M(HVT_F_SIZE), 0x80, 0x80, 0x80, 0x80, 0x10);
	/* Unknown types (the tag's low nibble). */
	REJECT(0, TAG(0, 0), 0);
	REJECT(0, TAG(HVT_EV_TYPE_MAX + 1, 0), 0);
	REJECT(0, TAG(15, 0), 0);
	REJECT(0, TAG(0, 15), 0);
	/* Mask bits beyond the defined fields. */
	REJECT(0, TAG(HVT_EV_EXIT, 0), 0x80, 0x80, 0x01);
	/* Kind out of range for its type, and kinds on types that have none. */
	REJECT(0, TAG(HVT_EV_EXIT, HVT_EXIT_KIND_MAX + 1), 0);
	REJECT(0, TAG(HVT_EV_EXIT, 15), 0);
	REJECT(0, TAG(HVT_EV_INTERRUPT, HVT_IRQ_KIND_MAX + 1), 0);
	REJECT(0, TAG(HVT_EV_TIMER, HVT_TIMER_CANCEL + 1), 0);
	REJECT(0, TAG(HVT_EV_END, HVT_END_REASON_MAX + 1), 0);
	REJECT(0, TAG(HVT_EV_MEM_WRITE, 1), 0);
	REJECT(0, TAG(HVT_EV_CONSOLE_IN, 1), 0);
	REJECT(0, TAG(HVT_EV_EXEC_TIME, 1), 0);
	REJECT(0, TAG(HVT_EV_MARKER, 15), 0);
	/* Present fields equal to their prediction (all zero in a fresh
	 * chunk): the encoding is canonical, so each is rejected. */
	REJECT(0, TAG(HVT_EV_EXIT, 0), HVT_F_TIME, 0);
	REJECT(0, TAG(HVT_EV_EXIT, 0), HVT_F_DURATION, 0);
	REJECT(0, TAG(HVT_EV_EXIT, 0), HVT_F_REGS_HASH, 0, 0, 0, 0);
	REJECT(0, TAG(HVT_EV_EXIT, 0), HVT_F_PC, 0);
	REJECT(0, TAG(HVT_EV_EXIT, 0), HVT_F_VALUE, 0);
	REJECT(0, TAG(HVT_EV_EXIT, 0), HVT_F_RUN, 0);
	REJECT(0, TAG(HVT_EV_EXIT, 0), HVT_F_ADDR, 0);
	REJECT(0, TAG(HVT_EV_EXIT, 0), M(HVT_F_SIZE), 0);
	REJECT(0, TAG(HVT_EV_EXIT, 0), M(HVT_F_COUNT), 0);
	REJECT(0, TAG(HVT_EV_EXIT, 0), M(HVT_F_RAW_REASON), 0);
	REJECT(0, TAG(HVT_EV_EXIT, 0), M(HVT_F_FLAGS), 0);
	REJECT(0, TAG(HVT_EV_EXIT, 0), M(HVT_F_SYNDROME), 0);
	REJECT(0, TAG(HVT_EV_EXIT, 0), M(HVT_F_FAULT_VA), 0);
	REJECT(0, TAG(HVT_EV_MEM_WRITE, 0), M(HVT_F_DATA), 0);
	/* Flags above 16 bits. */
	REJECT(0, TAG(HVT_EV_EXIT, 0), M(HVT_F_FLAGS), 0x80, 0x80, 0x04);
	/* Regs hash cut short. */
	REJECT(0, TAG(HVT_EV_EXIT, 0), HVT_F_REGS_HASH, 1, 2, 3);
	/* Data length past the end, and above the event data limit (2^20 + 1). */
	REJECT(0, TAG(HVT_EV_MEM_WRITE, 0), M(HVT_F_DATA), 4, 1, 2, 3);
	REJECT(0, TAG(HVT_EV_CONSOLE_IN, 0), M(HVT_F_DATA), 0x81, 0x80, 0x40);
	/* Time overflowing 64 bits. */
	REJECT(UINT64_MAX - 5, TAG(HVT_EV_EXIT, 0), HVT_F_TIME, 6);
	REJECT(1, TAG(HVT_EV_EXIT, 0), HVT_F_TIME, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	       0xff, 0x01);
}

/* Canonical form against a slot filled by an earlier event of the same
 * tag: repeating the slot's value as "changed" is rejected. */
static void test_event_slot_canonical(void **state)
{
	(void)state;
	hvt_event a;
	memset(&a, 0, sizeof(a));
	a.type = HVT_EV_EXIT;
	a.kind = HVT_EXIT_PIO_OUT;
	a.time_ns = 100;
	a.addr = 0x3f8;
	a.size = 1;
	a.count = 1;
	a.value = 'x';
	uint8_t buf[512];
	struct hvt_codec_state enc, dec;
	hvt_codec_reset(&enc, 100);
	size_t n = hvt_event_encode(&enc, &a, buf);
	/* The same exit again costs two bytes: tag and an empty mask. */
	size_t n2 = hvt_event_encode(&enc, &a, buf + n);
	assert_int_equal(n2, 2);
	const uint8_t bad_size[] = {TAG(HVT_EV_EXIT, HVT_EXIT_PIO_OUT), M(HVT_F_SIZE), 1};
	const uint8_t bad_addr[] = {TAG(HVT_EV_EXIT, HVT_EXIT_PIO_OUT), HVT_F_ADDR, 0};
	const uint8_t good_size[] = {TAG(HVT_EV_EXIT, HVT_EXIT_PIO_OUT), M(HVT_F_SIZE), 2};
	const uint8_t *cases[] = {bad_size, bad_addr, good_size};
	const size_t lens[] = {sizeof(bad_size), sizeof(bad_addr), sizeof(good_size)};
	for (int k = 0; k < 3; k++) {
		hvt_event ev;
		const char *why = NULL;
		const uint8_t *q = buf;
		hvt_codec_reset(&dec, 100);
		assert_int_equal(hvt_event_decode(&dec, &q, buf + n + n2, &ev, &why), 0);
		assert_int_equal(ev.size, 1);
		q = cases[k];
		int rc = hvt_event_decode(&dec, &q, cases[k] + lens[k], &ev, &why);
		assert_int_equal(rc, k == 2 ? 0 : HVT_E_BAD_EVENT);
		if (k == 2) /* everything else comes from the slot */
			assert_true(ev.size == 2 && ev.addr == 0x3f8 && ev.value == 'x' && ev.count == 1);
	}
}

static void test_hostile_data_len_bound(void **state)
{
	(void)state;
	/* Exactly HVT_MAX_EVENT_DATA is accepted when the bytes are there. */
	size_t len = 5 + 4 + HVT_MAX_EVENT_DATA;
	uint8_t *b = calloc(1, len);
	assert_non_null(b);
	size_t n = 0;
	b[n++] = HVT_EV_CONSOLE_IN;
	n += hvt_put_varint(b + n, HVT_F_DATA);
	n += hvt_put_varint(b + n, HVT_MAX_EVENT_DATA);
	const char *why = NULL;
	assert_int_equal(decode_bytes(b, n + HVT_MAX_EVENT_DATA, 0, &why), 0);
	assert_int_equal(decode_bytes(b, n + HVT_MAX_EVENT_DATA - 1, 0, &why), HVT_E_BAD_EVENT);
	free(b);
}

static void test_kind_valid(void **state)
{
	(void)state;
	static const unsigned max_kind[HVT_EV_TYPE_MAX + 1] = {
		[HVT_EV_EXIT] = HVT_EXIT_KIND_MAX, [HVT_EV_INTERRUPT] = HVT_IRQ_KIND_MAX,
		[HVT_EV_TIMER] = HVT_TIMER_CANCEL, [HVT_EV_END] = HVT_END_REASON_MAX};
	for (unsigned type = 0; type < 20; type++)
		for (unsigned kind = 0; kind < 20; kind++) {
			int want = type >= 1 && type <= HVT_EV_TYPE_MAX && kind <= max_kind[type];
			if (hvt_event_kind_valid(type, kind) != want)
				fail_msg("kind_valid(%u, %u) != %d", type, kind, want);
		}
}

static void test_strerror(void **state)
{
	(void)state;
	for (int e = 0; e >= HVT_E_ERROR_MIN; e--) {
		const char *s = hvt_strerror(e);
		assert_non_null(s);
		assert_string_not_equal(s, "unknown error");
	}
	assert_string_equal(hvt_strerror(HVT_E_ERROR_MIN - 1), "unknown error");
	assert_string_equal(hvt_strerror(1), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint_edges),
		cmocka_unit_test(test_varint_malformed),
		cmocka_unit_test(test_varint_overlong),
		cmocka_unit_test(test_zigzag_edges),
		cmocka_unit_test(test_le_helpers),
		cmocka_unit_test(test_event_roundtrip),
		cmocka_unit_test(test_event_prefixes),
		cmocka_unit_test(test_event_malformed),
		cmocka_unit_test(test_event_slot_canonical),
		cmocka_unit_test(test_hostile_data_len_bound),
		cmocka_unit_test(test_kind_valid),
		cmocka_unit_test(test_strerror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
