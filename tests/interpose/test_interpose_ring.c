/* The interposer's shared rings (core/interpose_ring.c) and the launcher's
 * drain (tools/record_drain.c), without KVM: records pushed as the shim
 * pushes them come out as the events the trace must hold. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hvtrace/hvtrace.h"
#include "core/interpose_ring.h"
#include "record_drain.h"

static struct hvt_iring_region *new_region(void)
{
	void *p = mmap(NULL, sizeof(struct hvt_iring_region), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	hvt_iring_region_init(p);
	assert_int_equal(hvt_iring_region_check(p, sizeof(struct hvt_iring_region)), 0);
	return p;
}

static void free_region(struct hvt_iring_region *r)
{
	munmap(r, sizeof(*r));
}

static struct hvt_iring_rec exit_rec(uint64_t i)
{
	struct hvt_iring_rec r = {.type = HVT_IREC_EXIT, .kind = HVT_EXIT_PIO_OUT};
	r.u.ev.addr = i;
	r.u.ev.time_ns = 1000 + i;
	return r;
}

/* Three ring-fulls through, in odd batch sizes: order and content kept. */
static void test_wraps_in_order(void **state)
{
	(void)state;
	struct hvt_iring_region *reg = new_region();
	struct hvt_iring *ring = &reg->rings[5];
	struct hvt_iring_rec batch[7], out[64];
	uint64_t pushed = 0, popped = 0;
	while (popped < 3ull * HVT_IRING_RECORDS) {
		for (unsigned k = 0; k < 7; k++)
			batch[k] = exit_rec(pushed + k);
		assert_int_equal(hvt_iring_push(reg, ring, batch, 7), 0);
		pushed += 7;
		unsigned n = hvt_iring_pop(ring, out, 64);
		for (unsigned k = 0; k < n; k++, popped++)
			assert_int_equal(out[k].u.ev.addr, popped);
	}
	assert_int_equal(atomic_load(&ring->lost), 0);
	free_region(reg);
}

static void test_data_split(void **state)
{
	(void)state;
	struct hvt_iring_region *reg = new_region();
	uint8_t data[130], got[130];
	struct hvt_iring_rec out[8], head = exit_rec(1);
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	assert_int_equal(hvt_iring_push_with_data(reg, &reg->rings[0], &head, data, sizeof(data)), 0);
	assert_int_equal(hvt_iring_pop(&reg->rings[0], out, 8), 1 + 3); /* 56 + 56 + 18 */
	assert_int_equal(out[0].u.ev.data_len, sizeof(data));
	for (unsigned i = 0, at = 0; i < 3; i++) {
		assert_int_equal(out[1 + i].type, HVT_IREC_DATA);
		memcpy(got + at, out[1 + i].u.bytes, out[1 + i].kind);
		at += out[1 + i].kind;
	}
	assert_memory_equal(got, data, sizeof(data));
	free_region(reg);
}

struct slow_consumer {
	struct hvt_iring_region *reg;
	uint64_t got;
};

static void *consume_late(void *arg)
{
	struct slow_consumer *c = arg;
	struct hvt_iring_rec out[256];
	struct timespec pause = {0, 100 * 1000000L};
	nanosleep(&pause, NULL);
	while (c->got < HVT_IRING_RECORDS + 1000) {
		atomic_store(&c->reg->consumer_beat_ns, hvt_monotonic_ns());
		c->got += hvt_iring_pop(&c->reg->rings[1], out, 256);
	}
	return NULL;
}

/* A full ring with a live consumer: the producer waits, nothing is lost. */
static void test_full_waits_for_consumer(void **state)
{
	(void)state;
	struct slow_consumer c = {.reg = new_region()};
	pthread_t t;
	pthread_create(&t, NULL, consume_late, &c);
	for (uint64_t i = 0; i < HVT_IRING_RECORDS + 1000; i++) {
		struct hvt_iring_rec r = exit_rec(i);
		atomic_store(&c.reg->consumer_beat_ns, hvt_monotonic_ns());
		assert_int_equal(hvt_iring_push(c.reg, &c.reg->rings[1], &r, 1), 0);
	}
	pthread_join(t, NULL);
	assert_int_equal(c.got, HVT_IRING_RECORDS + 1000);
	assert_int_equal(atomic_load(&c.reg->rings[1].lost), 0);
	free_region(c.reg);
}

/* A full ring whose consumer is gone: the VMM must not hang; the records
 * are dropped and counted. */
static void test_full_without_consumer_drops(void **state)
{
	(void)state;
	struct hvt_iring_region *reg = new_region();
	struct hvt_iring_rec r = exit_rec(0);
	atomic_store(&reg->consumer_beat_ns, hvt_monotonic_ns() - 3 * HVT_IRING_CONSUMER_DEAD_NS);
	for (unsigned i = 0; i < HVT_IRING_RECORDS; i++)
		assert_int_equal(hvt_iring_push(reg, &reg->rings[2], &r, 1), 0);
	uint64_t t0 = hvt_monotonic_ns();
	assert_int_equal(hvt_iring_push(reg, &reg->rings[2], &r, 1), -1);
	assert_true(hvt_monotonic_ns() - t0 < HVT_IRING_CONSUMER_DEAD_NS);
	assert_int_equal(atomic_load(&reg->rings[2].lost), 1);
	free_region(reg);
}

/* Drain: read + entry gives value, data and handling time; a write whose
 * entry never came is unfinished; END ends the stream. */
static void test_drain_pairs_exit_and_entry(void **state)
{
	(void)state;
	char path[] = "/tmp/hvt-ring-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct hvt_iring_region *reg = new_region();
	hvt_writer *w;
	struct hvt_writer_opts o = HVT_WRITER_OPTS_INIT;
	o.time_origin_ns = 1000;
	assert_int_equal(hvt_writer_create(&w, path, &o), 0);
	struct record_drain d = {.region = reg, .w = w, .origin_ns = 1000};
	atomic_fetch_or(&reg->used[0], 1ull << 3);
	struct hvt_iring *ring = &reg->rings[3];
	uint8_t in_bytes[16] = "0123456789abcdef";
	struct hvt_iring_rec rd = {.type = HVT_IREC_EXIT, .kind = HVT_EXIT_PIO_IN, .raw_reason = 2};
	rd.u.ev = (__typeof__(rd.u.ev)){.time_ns = 2000, .addr = 0x83, .size = 1, .count = 16};
	struct hvt_iring_rec en = {.type = HVT_IREC_ENTRY, .flags = HVT_IREC_HAS_VALUE};
	en.u.ev.time_ns = 2500;
	en.u.ev.value = '0';
	struct hvt_iring_rec wr = exit_rec(0x80), end = {.type = HVT_IREC_END};
	wr.u.ev.time_ns = 3000;
	end.u.ev.time_ns = 4000;
	hvt_iring_push(reg, ring, &rd, 1);
	hvt_iring_push_with_data(reg, ring, &en, in_bytes, sizeof(in_bytes));
	hvt_iring_push(reg, ring, &wr, 1);
	hvt_iring_push(reg, ring, &end, 1);
	assert_true(record_drain_poll(&d) > 0);
	assert_int_equal(record_drain_finish(&d, 5000), 0);
	assert_int_equal(d.exits, 2);
	assert_int_equal(d.unfinished, 1);
	assert_int_equal(hvt_writer_close(w), 0);

	hvt_reader *r;
	const hvt_event *ev;
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	assert_int_equal(hvt_reader_next(r, &ev), 1);
	assert_int_equal(ev->kind, HVT_EXIT_PIO_IN);
	assert_int_equal(ev->stream, 3);
	assert_int_equal(ev->time_ns, 1000);
	assert_int_equal(ev->duration_ns, 500);
	assert_int_equal(ev->value, '0');
	assert_int_equal(ev->data_len, 16);
	assert_memory_equal(ev->data, in_bytes, 16);
	assert_int_equal(hvt_reader_next(r, &ev), 1);
	assert_int_equal(ev->kind, HVT_EXIT_PIO_OUT);
	assert_true(ev->flags & HVT_EVF_EXIT_UNFINISHED);
	assert_int_equal(hvt_reader_next(r, &ev), 1);
	assert_int_equal(ev->type, HVT_EV_END);
	assert_int_equal(ev->kind, HVT_END_DETACHED);
	assert_int_equal(hvt_reader_next(r, &ev), 0);
	hvt_reader_close(r);
	unlink(path);
	free_region(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wraps_in_order),
		cmocka_unit_test(test_data_split),
		cmocka_unit_test(test_full_waits_for_consumer),
		cmocka_unit_test(test_full_without_consumer_drops),
		cmocka_unit_test(test_drain_pairs_exit_and_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
