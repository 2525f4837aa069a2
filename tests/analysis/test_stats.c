/* The stats engine against hand-built traces whose statistics are known
 * exactly: counts, min/max/avg, stddev, p50/p99 (exact regime), rows per
 * kind/port/address/vCPU, filters, chunk skipping, threads, truncation and
 * corruption; and the CLI's --json output parsed back.
 * argv[1]: the hvtrace binary. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis/stats.h"
#include "atrace.h"
#include "tjson.h"

struct ctx {
	const char *hvtrace;   /* the binary under test */
	char basic[512];       /* the standard hand-built trace */
	char big[512];         /* 100,000 exits in small chunks */
};

/* The standard trace. vCPU 0, exit i at 1000*(i+1) ns: pio-out 0x3f8
 * handled 100,200..1000 ns; pio-in 0x3fd 5 x 50 ns; halt 10000, 30000;
 * mmio-read 0xd0000000 3 x 300; mmio-write 0xd0000100 400; guest time
 * 5000 ns. vCPU 1: pio-out 0x3f8 handled i ns at 1000*i+500 (i = 1..100),
 * one pio-out 0x80 of 7 ns at 101500; guest time 7000 ns. */
static void write_basic(const char *path)
{
	struct atrace t;
	uint64_t time_ns = 1000;
	atrace_open(&t, path, 0);
	for (unsigned i = 1; i <= 10; i++, time_ns += 1000)
		atrace_exit(&t, 0, HVT_EXIT_PIO_OUT, 0x3f8, time_ns, 100u * i);
	for (unsigned i = 0; i < 5; i++, time_ns += 1000)
		atrace_exit(&t, 0, HVT_EXIT_PIO_IN, 0x3fd, time_ns, 50);
	atrace_exit(&t, 0, HVT_EXIT_HALT, 0, time_ns, 10000), time_ns += 1000;
	atrace_exit(&t, 0, HVT_EXIT_HALT, 0, time_ns, 30000), time_ns += 1000;
	for (unsigned i = 0; i < 3; i++, time_ns += 1000)
		atrace_exit(&t, 0, HVT_EXIT_MMIO_READ, 0xd0000000, time_ns, 300);
	atrace_exit(&t, 0, HVT_EXIT_MMIO_WRITE, 0xd0000100, time_ns, 400);
	atrace_event(&t, &(hvt_event){.type = HVT_EV_EXEC_TIME, .stream = 0, .time_ns = time_ns,
				      .value = 5000});
	for (unsigned i = 1; i <= 100; i++)
		atrace_exit(&t, 1, HVT_EXIT_PIO_OUT, 0x3f8, 1000u * i + 500, i);
	atrace_exit(&t, 1, HVT_EXIT_PIO_OUT, 0x80, 101500, 7);
	atrace_event(&t, &(hvt_event){.type = HVT_EV_EXEC_TIME, .stream = 1, .time_ns = 101500,
				      .value = 7000});
	atrace_close(&t);
}

/* 100,000 exits on vCPU 0 at 1000*i ns, handled (i % 1000) + 1 ns, in
 * chunks of ~4 KiB raw so that filters can skip chunks. */
static void write_big(const char *path)
{
	struct atrace t;
	atrace_open(&t, path, 4096);
	for (uint64_t i = 0; i < 100000; i++)
		atrace_exit(&t, 0, i % 7 ? HVT_EXIT_PIO_OUT : HVT_EXIT_HALT, i % 7 ? 0x3f8 : 0,
			    1000 * i, i % 1000 + 1);
	atrace_close(&t);
}

static int setup(void **state)
{
	struct ctx *c = *state;
	atrace_tmp(c->basic, sizeof(c->basic), "basic.hvt");
	atrace_tmp(c->big, sizeof(c->big), "big.hvt");
	write_basic(c->basic);
	write_big(c->big);
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	unlink(c->basic);
	unlink(c->big);
	return 0;
}

static void compute(const char *path, struct an_scan_opts *o, struct an_stats *s)
{
	hvt_reader *r;
	char msg[256];
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	int err = an_stats_compute(r, o, AN_SORT_SAMPLES, s, msg, sizeof(msg));
	if (err)
		fail_msg("stats: %s", msg);
	hvt_reader_close(r);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Checks a row against statistics computed here, independently. */
static void check_row(const struct an_stats_row *row, uint64_t *v, size_t n)
{
	double sum = 0, sq = 0;
	assert_non_null(row);
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	double mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		sq += ((double)v[i] - mean) * ((double)v[i] - mean);
	assert_int_equal(row->samples, n);
	assert_int_equal(row->min_ns, v[0]);
	assert_int_equal(row->max_ns, v[n - 1]);
	assert_int_equal(row->time_ns, (uint64_t)sum);
	assert_float_equal(row->avg_ns, mean, 1e-9 * mean);
	double sd_pct = mean > 0 ? sqrt(sq / (double)n) / mean * 100 : 0;
	assert_false(isnan(row->stddev_pct));
	assert_float_equal(row->stddev_pct, sd_pct, 1e-6 + 1e-9 * sd_pct);
	assert_int_equal(row->p50_ns, v[(size_t)ceil(0.50 * (double)n) - 1]);
	assert_int_equal(row->p99_ns, v[(size_t)ceil(0.99 * (double)n) - 1]);
}

static void test_by_kind(void **state)
{
	struct ctx *c = *state;
	struct an_scan_opts o = {.by = AN_BY_KIND, .filter = AN_FILTER_ALL};
	struct an_stats s;
	uint64_t out[111], in[5] = {50, 50, 50, 50, 50}, halt[2] = {10000, 30000};
	uint64_t rd[3] = {300, 300, 300}, wr[1] = {400};
	size_t n = 0;
	for (unsigned i = 1; i <= 10; i++)
		out[n++] = 100u * i;
	for (unsigned i = 1; i <= 100; i++)
		out[n++] = i;
	out[n++] = 7;
	compute(c->basic, &o, &s);
	assert_int_equal(s.nrows, 5);
	assert_string_equal(s.rows[0].label, "pio-out"); /* sorted by samples */
	check_row(an_stats_find(&s, "pio-out"), out, n);
	check_row(an_stats_find(&s, "pio-in"), in, 5);
	check_row(an_stats_find(&s, "halt"), halt, 2);
	check_row(an_stats_find(&s, "mmio-read"), rd, 3);
	check_row(an_stats_find(&s, "mmio-write"), wr, 1);
	/* The literal figures a reader of the table would see. */
	const struct an_stats_row *h = an_stats_find(&s, "halt");
	assert_float_equal(h->stddev_pct, 50.0, 1e-9);
	assert_int_equal(h->p50_ns, 10000);
	assert_int_equal(h->p99_ns, 30000);
	assert_int_equal(an_stats_find(&s, "pio-out")->p50_ns, 55);
	assert_int_equal(an_stats_find(&s, "pio-out")->p99_ns, 900);
	assert_int_equal(s.total.samples, 122);
	assert_int_equal(s.total.time_ns, 5500 + 5050 + 7 + 250 + 40000 + 900 + 400);
	assert_int_equal(s.wall_ns, 101500 - 1000);
	assert_float_equal(h->rate_per_s, 2 * 1e9 / 100500.0, 1e-6);
	assert_float_equal(h->time_pct, 100.0 * 40000 / 52107.0, 1e-9);
	assert_int_equal(s.guest_ns, 12000);
	assert_int_equal(s.vcpus, 2);
	assert_false(s.info.truncated);
	an_stats_free(&s);
}

static void test_by_port_address_vcpu(void **state)
{
	struct ctx *c = *state;
	struct an_scan_opts o = {.by = AN_BY_PORT, .filter = AN_FILTER_ALL};
	struct an_stats s;
	compute(c->basic, &o, &s);
	assert_int_equal(s.nrows, 3);
	assert_int_equal(an_stats_find(&s, "0x3f8:out")->samples, 110);
	assert_int_equal(an_stats_find(&s, "0x3fd:in")->samples, 5);
	assert_int_equal(an_stats_find(&s, "0x80:out")->max_ns, 7);
	an_stats_free(&s);
	o.by = AN_BY_ADDRESS;
	compute(c->basic, &o, &s);
	assert_int_equal(s.nrows, 2);
	assert_int_equal(an_stats_find(&s, "0xd0000000:read")->samples, 3);
	assert_int_equal(an_stats_find(&s, "0xd0000100:write")->time_ns, 400);
	an_stats_free(&s);
	o.by = AN_BY_VCPU;
	compute(c->basic, &o, &s);
	assert_int_equal(s.nrows, 2);
	assert_int_equal(an_stats_find(&s, "vcpu0")->samples, 21);
	assert_int_equal(an_stats_find(&s, "vcpu1")->samples, 101);
	assert_int_equal(an_stats_find(&s, "vcpu1")->min_ns, 1);
	an_stats_free(&s);
}

static void test_filters(void **state)
{
	struct ctx *c = *state;
	struct an_scan_opts o = {.by = AN_BY_KIND, .filter = AN_FILTER_ALL};
	struct an_stats s;
	o.filter.vcpu = 1;
	compute(c->basic, &o, &s);
	assert_int_equal(s.nrows, 1);
	assert_int_equal(s.total.samples, 101);
	an_stats_free(&s);

	o.filter = AN_FILTER_ALL;
	o.filter.kind = HVT_EXIT_HALT;
	compute(c->basic, &o, &s);
	assert_int_equal(s.nrows, 1);
	assert_int_equal(s.total.samples, 2);
	an_stats_free(&s);

	o.filter = AN_FILTER_ALL;
	o.filter.exclude_halt = 1;
	compute(c->basic, &o, &s);
	assert_null(an_stats_find(&s, "halt"));
	assert_int_equal(s.total.samples, 120);
	an_stats_free(&s);

	/* [5000, 10000): vCPU 0's pio-out 500..900, vCPU 1's 5..9. */
	uint64_t want[10] = {500, 600, 700, 800, 900, 5, 6, 7, 8, 9};
	o.filter = AN_FILTER_ALL;
	o.filter.from_ns = 5000;
	o.filter.to_ns = 10000;
	compute(c->basic, &o, &s);
	assert_int_equal(s.nrows, 1);
	check_row(an_stats_find(&s, "pio-out"), want, 10);
	assert_int_equal(s.wall_ns, 5000);
	an_stats_free(&s);
}

/* Filters that exclude whole chunks skip them, with the same answer as a
 * one-thread scan, and percentiles past 4096 samples stay within 0.8%. */
static void test_big_skip_and_threads(void **state)
{
	struct ctx *c = *state;
	struct an_scan_opts o = {.by = AN_BY_KIND, .filter = AN_FILTER_ALL, .threads = 2};
	struct an_stats s, s1;
	o.filter.from_ns = 50000000;
	o.filter.to_ns = 60000000;
	compute(c->big, &o, &s);
	assert_true(s.agg.chunks_skipped > 0);
	assert_int_equal(s.total.samples, 10000);
	o.threads = 1;
	compute(c->big, &o, &s1);
	assert_int_equal(s1.total.samples, 10000);
	for (uint32_t i = 0; i < s.nrows; i++) {
		const struct an_stats_row *a = &s.rows[i], *b = an_stats_find(&s1, a->label);
		assert_non_null(b);
		assert_int_equal(a->samples, b->samples);
		assert_int_equal(a->time_ns, b->time_ns);
		assert_int_equal(a->p99_ns, b->p99_ns);
	}
	an_stats_free(&s1);
	an_stats_free(&s);

	o.filter = AN_FILTER_ALL;
	o.threads = 2;
	compute(c->big, &o, &s);
	const struct an_stats_row *out = an_stats_find(&s, "pio-out");
	assert_false(an_latency_is_exact(out->lat));
	/* Handling times are uniform over 1..1000: p50 ~ 500, p99 ~ 990. */
	assert_true(fabs((double)out->p50_ns - 500.0) <= 0.008 * 500 + 1);
	assert_true(fabs((double)out->p99_ns - 990.0) <= 0.008 * 990 + 1);
	an_stats_free(&s);
}

static void test_latency_merge_exact(void **state)
{
	struct an_latency a, b;
	an_latency_init(&a);
	an_latency_init(&b);
	for (uint64_t i = 1; i <= 2000; i++)
		assert_int_equal(an_latency_add(i % 2 ? &a : &b, i), 0);
	assert_int_equal(an_latency_merge(&a, &b), 0);
	assert_true(an_latency_is_exact(&a));
	assert_int_equal(a.count, 2000);
	assert_int_equal(an_latency_percentile(&a, 50), 1000);
	assert_int_equal(an_latency_percentile(&a, 99), 1980);
	assert_int_equal(an_latency_percentile(&a, 100), 2000);
	/* Past 4096 together: the histogram, within its bound. */
	for (uint64_t i = 2001; i <= 5000; i++)
		assert_int_equal(an_latency_add(&b, i), 0);
	assert_int_equal(an_latency_merge(&a, &b), 0);
	assert_false(an_latency_is_exact(&a));
	uint64_t p50 = an_latency_percentile(&a, 50);
	assert_true(p50 >= 1000 * 0.99 && p50 <= 4000);
	an_latency_free(&a);
	an_latency_free(&b);
}

/* Handling times near 2^64 (a corrupt but checksummed trace can hold
 * them): sums stay exact, the spread is reported unknown, nothing wraps. */
static void test_latency_huge(void **state)
{
	struct an_latency l;
	an_latency_init(&l);
	for (int i = 0; i < 4; i++)
		assert_int_equal(an_latency_add(&l, UINT64_MAX - (uint64_t)i), 0);
	assert_true(l.sum_ns == (unsigned __int128)UINT64_MAX * 4 - 6);
	assert_int_equal(an_latency_sum_u64(&l), UINT64_MAX);
	assert_true(isnan(an_latency_stddev_ns(&l)));
	assert_int_equal(an_latency_percentile(&l, 50), UINT64_MAX - 2);
	an_latency_free(&l);
	an_latency_init(&l);
	/* count * max >= 2^64 without overflow: the long double path. */
	for (int i = 0; i < 32768; i++)
		assert_int_equal(an_latency_add(&l, (i % 2 ? 3ull : 1ull) << 50), 0);
	double sd = an_latency_stddev_ns(&l);
	assert_false(isnan(sd));
	assert_true(fabs(sd - (double)(1ull << 50)) <= 1e-6 * (double)(1ull << 50));
	an_latency_free(&l);
}

static void copy_file(const char *from, const char *to, size_t keep_bytes)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[65536];
	size_t n;
	assert_non_null(in);
	assert_non_null(out);
	while (keep_bytes && (n = fread(buf, 1, keep_bytes < sizeof(buf) ? keep_bytes : sizeof(buf), in)) > 0) {
		fwrite(buf, 1, n, out);
		keep_bytes -= n;
	}
	fclose(in);
	fclose(out);
}

/* The offset in the middle of the payload of the last events chunk. */
static uint64_t last_chunk_middle(const char *path, uint32_t *events)
{
	hvt_reader *r;
	struct hvt_chunk_info ci, last = {0};
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	for (uint64_t i = 0; i < hvt_reader_chunk_count(r); i++)
		if (hvt_reader_chunk_info(r, i, &ci) == 0 && ci.type == HVT_CHUNK_EVENTS)
			last = ci;
	hvt_reader_close(r);
	*events = last.events;
	return last.offset + 72 + last.stored_bytes / 2;
}

static void test_truncated(void **state)
{
	struct ctx *c = *state;
	char cut[512];
	uint32_t lost;
	uint64_t at = last_chunk_middle(c->big, &lost);
	atrace_tmp(cut, sizeof(cut), "cut.hvt");
	copy_file(c->big, cut, at);
	struct an_scan_opts o = {.by = AN_BY_KIND, .filter = AN_FILTER_ALL};
	struct an_stats s;
	compute(cut, &o, &s);
	assert_true(s.info.truncated);
	assert_true(s.info.lost_bytes > 0);
	assert_false(s.info.has_footer);
	assert_int_equal(s.total.samples, 100000 - lost);
	if (s.info.lost_events_known)
		assert_int_equal(s.info.lost_events, lost);
	an_stats_free(&s);
	/* The CLI says so in its header. */
	char cmd[2048];
	int status;
	snprintf(cmd, sizeof(cmd), "%s stats %s", c->hvtrace, cut);
	char *text = atrace_run(cmd, &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(text, "TRUNCATED"));
	free(text);
	/* export and diff say it on stderr and carry on. */
	snprintf(cmd, sizeof(cmd), "%s export --format csv -o /dev/null %s 2>&1", c->hvtrace, cut);
	text = atrace_run(cmd, &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(text, "truncated"));
	free(text);
	snprintf(cmd, sizeof(cmd), "%s diff %s %s 2>&1", c->hvtrace, c->big, cut);
	text = atrace_run(cmd, &status);
	assert_int_equal(status, 1);
	assert_non_null(strstr(text, "truncated"));
	assert_non_null(strstr(text, "B ends first"));
	free(text);
	unlink(cut);
}

static void test_corrupt(void **state)
{
	struct ctx *c = *state;
	char bad[512], cmd[2048];
	uint32_t events;
	uint64_t at = last_chunk_middle(c->big, &events);
	size_t len;
	atrace_tmp(bad, sizeof(bad), "bad.hvt");
	copy_file(c->big, bad, SIZE_MAX);
	FILE *f = fopen(bad, "r+b");
	assert_non_null(f);
	fseek(f, (long)at, SEEK_SET);
	int byte = fgetc(f);
	fseek(f, (long)at, SEEK_SET);
	fputc(byte ^ 0x40, f);
	fclose(f);
	hvt_reader *r;
	char msg[256];
	struct an_stats s;
	struct an_scan_opts o = {.by = AN_BY_KIND, .filter = AN_FILTER_ALL};
	assert_int_equal(hvt_reader_open(&r, bad, NULL), 0);
	assert_true(an_stats_compute(r, &o, AN_SORT_SAMPLES, &s, msg, sizeof(msg)) < 0);
	assert_non_null(strstr(msg, "offset"));
	hvt_reader_close(r);
	int status;
	snprintf(cmd, sizeof(cmd), "%s stats %s 2>/dev/null", c->hvtrace, bad);
	free(atrace_run(cmd, &status));
	assert_int_equal(status, 2);
	snprintf(cmd, sizeof(cmd), "%s stats %s.missing 2>/dev/null", c->hvtrace, bad);
	free(atrace_run(cmd, &status));
	assert_int_equal(status, 66);
	snprintf(cmd, sizeof(cmd), "%s stats --by nonsense %s 2>/dev/null", c->hvtrace, bad);
	free(atrace_run(cmd, &status));
	assert_int_equal(status, 64);
	(void)len;
	unlink(bad);
}

static const struct tj *json_row(const struct tj *doc, const char *key)
{
	const struct tj *rows = tj_get(doc, "rows");
	for (size_t i = 0; rows && i < rows->n; i++)
		if (strcmp(tj_str(rows->items[i], "key"), key) == 0)
			return rows->items[i];
	return NULL;
}

static void test_cli_json(void **state)
{
	struct ctx *c = *state;
	char cmd[2048], err[128];
	int status;
	snprintf(cmd, sizeof(cmd), "%s stats --json --by port %s", c->hvtrace, c->basic);
	char *text = atrace_run(cmd, &status);
	assert_int_equal(status, 0);
	struct tj *doc = tj_parse(text, strlen(text), err, sizeof(err));
	if (!doc)
		fail_msg("stats --json is not JSON: %s", err);
	const struct tj *row = json_row(doc, "0x3f8:out");
	assert_non_null(row);
	assert_true(tj_num(row, "samples") == 110);
	assert_true(tj_num(row, "min_ns") == 1);
	assert_true(tj_num(row, "max_ns") == 1000);
	assert_true(tj_num(row, "p50_ns") == 55);
	assert_true(tj_num(row, "p99_ns") == 900);
	assert_float_equal(tj_num(row, "avg_ns"), 10550.0 / 110, 1e-6);
	assert_true(tj_num(tj_get(doc, "total"), "samples") == 116);
	assert_true(tj_num(doc, "guest_ns") == 12000);
	assert_true(tj_get(doc, "truncated")->type == TJ_BOOL);
	tj_free(doc);
	free(text);

	snprintf(cmd, sizeof(cmd), "%s stats --json --kind halt --vcpu 0 %s", c->hvtrace, c->basic);
	text = atrace_run(cmd, &status);
	assert_int_equal(status, 0);
	doc = tj_parse(text, strlen(text), err, sizeof(err));
	assert_non_null(doc);
	row = json_row(doc, "halt");
	assert_non_null(row);
	assert_string_equal(tj_str(row, "kind"), "halt");
	assert_float_equal(tj_num(row, "stddev_pct"), 50.0, 1e-6);
	tj_free(doc);
	free(text);

	snprintf(cmd, sizeof(cmd), "%s stats --csv --from 5us --to 0.01ms %s", c->hvtrace, c->basic);
	text = atrace_run(cmd, &status);
	assert_int_equal(status, 0);
	assert_non_null(strstr(text, "\npio-out,10,100.0000,100.0000,3535,5,900,"));
	free(text);
}

int main(int argc, char **argv)
{
	struct ctx c = {.hvtrace = argc > 1 ? argv[1] : "hvtrace"};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_by_kind, &c),
		cmocka_unit_test_prestate(test_by_port_address_vcpu, &c),
		cmocka_unit_test_prestate(test_filters, &c),
		cmocka_unit_test_prestate(test_big_skip_and_threads, &c),
		cmocka_unit_test_prestate(test_latency_merge_exact, &c),
		cmocka_unit_test_prestate(test_latency_huge, &c),
		cmocka_unit_test_prestate(test_truncated, &c),
		cmocka_unit_test_prestate(test_corrupt, &c),
		cmocka_unit_test_prestate(test_cli_json, &c),
	};
	void *state = &c;
	setup(&state);
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	teardown(&state);
	return failed;
}
