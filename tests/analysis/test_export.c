/* export: Perfetto JSON is valid JSON with exactly one "X" per exit and
 * the right metadata and instants; JSON lines and CSV give one record per
 * event. argv[1]: the hvtrace binary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis/export.h"
#include "atrace.h"
#include "tjson.h"

#define EXITS 3000u /* per vCPU */

struct ctx {
	const char *hvtrace;
	char path[512];
	uint64_t events;   /* all events written */
	uint64_t instants; /* interrupts + markers + ends */
};

/* Two vCPUs, each: EXITS exits 7 us apart (some port, some MMIO), an
 * interrupt every 100 exits, one marker, an exec-time sample, an END. */
static void write_trace(struct ctx *c)
{
	struct atrace t;
	atrace_open(&t, c->path, 0);
	for (uint32_t v = 0; v < 2; v++) {
		uint64_t time_ns = 1234567 + v;
		for (uint32_t i = 0; i < EXITS; i++, time_ns += 7000) {
			atrace_exit(&t, v, i % 3 ? HVT_EXIT_PIO_OUT : HVT_EXIT_MMIO_READ,
				    i % 3 ? 0x3f8 : 0xd0000000, time_ns, 1500 + i % 10);
			c->events++;
			if (i % 100 == 99) {
				atrace_event(&t, &(hvt_event){.type = HVT_EV_INTERRUPT, .stream = v,
					.time_ns = time_ns + 2000, .addr = 32, .pc = 0x100});
				c->events++, c->instants++;
			}
		}
		static const uint8_t label[] = "boot \"done\"";
		atrace_event(&t, &(hvt_event){.type = HVT_EV_MARKER, .stream = v, .time_ns = time_ns,
			.addr = 1, .data = label, .data_len = sizeof(label) - 1});
		atrace_event(&t, &(hvt_event){.type = HVT_EV_EXEC_TIME, .stream = v, .time_ns = time_ns,
			.value = 1000});
		atrace_event(&t, &(hvt_event){.type = HVT_EV_END, .stream = v, .time_ns = time_ns + 1});
		c->events += 3;
		c->instants += 2;
	}
	atrace_close(&t);
}

static char *export_to_string(const char *path, enum an_export_format fmt,
			      struct an_export_counts *counts)
{
	hvt_reader *r;
	char *buf = NULL, msg[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(hvt_reader_open(&r, path, NULL), 0);
	int err = an_export(r, fmt, f, counts, msg, sizeof(msg));
	if (err)
		fail_msg("export: %s", msg);
	hvt_reader_close(r);
	fclose(f);
	return buf;
}

static void count_phases(const struct tj *doc, uint64_t *x, uint64_t *i, uint64_t *cnt, uint64_t *m)
{
	const struct tj *evs = tj_get(doc, "traceEvents");
	assert_non_null(evs);
	assert_int_equal(evs->type, TJ_ARR);
	*x = *i = *cnt = *m = 0;
	for (size_t k = 0; k < evs->n; k++) {
		const char *ph = tj_str(evs->items[k], "ph");
		*x += strcmp(ph, "X") == 0;
		*i += strcmp(ph, "i") == 0;
		*cnt += strcmp(ph, "C") == 0;
		*m += strcmp(ph, "M") == 0;
		assert_true(tj_num(evs->items[k], "pid") == 1);
	}
}

static void test_perfetto(void **state)
{
	struct ctx *c = *state;
	struct an_export_counts counts;
	char err[128];
	uint64_t x, i, cnt, m;
	char *text = export_to_string(c->path, AN_EXPORT_PERFETTO, &counts);
	struct tj *doc = tj_parse(text, strlen(text), err, sizeof(err));
	if (!doc)
		fail_msg("perfetto export is not JSON: %s", err);
	count_phases(doc, &x, &i, &cnt, &m);
	assert_int_equal(x, 2 * EXITS);
	assert_int_equal(i, c->instants);
	assert_int_equal(m, 3); /* the VM and two vCPUs */
	assert_true(cnt > 0);
	assert_int_equal(counts.events, c->events);
	/* The first exit: ts in microseconds with the nanoseconds kept. */
	const struct tj *evs = tj_get(doc, "traceEvents");
	const struct tj *first = NULL;
	for (size_t k = 0; k < evs->n && !first; k++)
		if (strcmp(tj_str(evs->items[k], "ph"), "X") == 0)
			first = evs->items[k];
	assert_float_equal(tj_num(first, "ts"), 1234.567, 1e-9);
	assert_float_equal(tj_num(first, "dur"), 1.5, 1e-9);
	assert_string_equal(tj_str(first, "name"), "mmio-read");
	assert_string_equal(tj_str(tj_get(first, "args"), "addr"), "0xd0000000");
	assert_non_null(strstr(text, "\"name\": \"marker boot \\\"done\\\"\""));
	tj_free(doc);
	free(text);
}

static void test_lines_and_csv(void **state)
{
	struct ctx *c = *state;
	struct an_export_counts counts;
	char err[128];
	uint64_t lines = 0, exits = 0;
	char *text = export_to_string(c->path, AN_EXPORT_JSON, &counts);
	for (char *line = text, *nl; *line; line = nl + 1, lines++) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		struct tj *obj = tj_parse(line, (size_t)(nl - line), err, sizeof(err));
		if (!obj)
			fail_msg("line %llu: %s", (unsigned long long)lines, err);
		exits += strcmp(tj_str(obj, "type"), "exit") == 0;
		tj_free(obj);
	}
	assert_int_equal(lines, c->events);
	assert_int_equal(exits, 2 * EXITS);
	free(text);
	text = export_to_string(c->path, AN_EXPORT_CSV, &counts);
	lines = 0;
	for (char *p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, c->events + 1);
	assert_memory_equal(text, "time_ns,vcpu,seq,type,kind,", 27);
	free(text);
}

static void test_cli(void **state)
{
	struct ctx *c = *state;
	char out[600], cmd[2048], err[128];
	int status;
	uint64_t x, i, cnt, m;
	atrace_tmp(out, sizeof(out), "out.json");
	snprintf(cmd, sizeof(cmd), "%s export --format perfetto %s -o %s", c->hvtrace, c->path, out);
	free(atrace_run(cmd, &status));
	assert_int_equal(status, 0);
	snprintf(cmd, sizeof(cmd), "cat %s", out);
	char *text = atrace_run(cmd, &status);
	struct tj *doc = tj_parse(text, strlen(text), err, sizeof(err));
	assert_non_null(doc);
	count_phases(doc, &x, &i, &cnt, &m);
	assert_int_equal(x, 2 * EXITS);
	tj_free(doc);
	free(text);
	unlink(out);
	snprintf(cmd, sizeof(cmd), "%s export %s 2>/dev/null", c->hvtrace, c->path);
	free(atrace_run(cmd, &status));
	assert_int_equal(status, 64); /* --format is required */
}

/* A trace with exactly known rates and guest shares, from t = 5 ms: vCPU 0
 * has 30 exits in its first 10 ms window, none in the second, 10 in the
 * third; exec-time samples at +10 ms (5 ms guest: 50%) and +30 ms (20 ms:
 * 75% since); a timer armed, fired and cancelled. */
#define T0 5000000ull
static void write_rates_trace(const char *path)
{
	struct atrace t;
	/* Appended in time order: the writer keeps each stream's times monotonic. */
	atrace_open(&t, path, 0);
	for (uint64_t i = 0; i < 30; i++) {
		atrace_exit(&t, 0, HVT_EXIT_PIO_OUT, 0x3f8, T0 + i * 100000, 1000 + i % 3);
		for (unsigned op = 0; i == 0 && op < 3; op++)
			atrace_event(&t, &(hvt_event){.type = HVT_EV_TIMER, .kind = (uint8_t)op,
				.time_ns = T0 + 10000 + op, .addr = 1});
		/* The schedule of a serialized recording: slice 7 taken, given up. */
		for (unsigned op = 0; i == 1 && op < 3; op += 2)
			atrace_event(&t, &(hvt_event){.type = HVT_EV_TIMER, .kind = (uint8_t)op,
				.time_ns = T0 + 110000 + op, .addr = HVT_TIMER_ID_SCHEDULE, .value = 7});
	}
	atrace_event(&t, &(hvt_event){.type = HVT_EV_EXEC_TIME, .time_ns = T0 + 10000000, .value = 5000000});
	for (uint64_t i = 0; i < 10; i++)
		atrace_exit(&t, 0, HVT_EXIT_MMIO_READ, 0xd0000000 + i * 8, T0 + 20000000 + i * 100000, 2000);
	atrace_event(&t, &(hvt_event){.type = HVT_EV_EXEC_TIME, .time_ns = T0 + 30000000, .value = 20000000});
	atrace_close(&t);
}

static double counter_value(const struct tj *e)
{
	const struct tj *args = tj_get(e, "args");
	assert_non_null(args);
	assert_int_equal(args->n, 1);
	return args->items[0]->num;
}

/* What speedscope and old Perfetto versions tripped on: records out of time
 * order, counters before the first event, slices made unique by their
 * args, displayTimeUnit. And the counters' exact values. */
static void test_viewer_rules(void **state)
{
	(void)state;
	char path[512], err[128];
	struct an_export_counts counts;
	atrace_tmp(path, sizeof(path), "rates.hvt");
	write_rates_trace(path);
	char *text = export_to_string(path, AN_EXPORT_PERFETTO, &counts);
	assert_null(strstr(text, "displayTimeUnit"));
	struct tj *doc = tj_parse(text, strlen(text), err, sizeof(err));
	assert_non_null(doc);
	const struct tj *evs = tj_get(doc, "traceEvents");
	double prev_ts = 0, rates[8] = {0}, guest[4] = {0};
	unsigned nrates = 0, nguest = 0, timers = 0, taken = 0, halted = 0;
	for (size_t k = 0; k < evs->n; k++) {
		const struct tj *e = evs->items[k];
		const char *ph = tj_str(e, "ph"), *name = tj_str(e, "name");
		if (strcmp(ph, "M") == 0)
			continue;
		double ts = tj_num(e, "ts");
		assert_true(ts >= prev_ts);                         /* time order */
		assert_true(ts >= T0 / 1e3 && ts <= (T0 + 30000000) / 1e3); /* inside the range */
		prev_ts = ts;
		if (strcmp(ph, "X") == 0) {
			const struct tj *args = tj_get(e, "args");
			for (size_t a = 0; a < args->n; a++) /* nothing per-exit */
				assert_true(strcmp(args->keys[a], "port") == 0 || strcmp(args->keys[a], "addr") == 0 ||
					    strcmp(args->keys[a], "size") == 0);
		}
		if (strcmp(ph, "C") == 0 && strncmp(name, "exits/s", 7) == 0 && nrates < 8)
			rates[nrates++] = counter_value(e);
		if (strcmp(ph, "C") == 0 && strncmp(name, "guest %", 7) == 0 && nguest < 4)
			guest[nguest++] = counter_value(e);
		timers += strncmp(name, "timer ", 6) == 0;
		taken += strcmp(name, "slice 7 taken") == 0 && strcmp(tj_str(e, "cat"), "schedule") == 0;
		halted += strcmp(name, "slice given up at a halt") == 0;
	}
	/* 30 exits in 10 ms, a gap, 10 exits, then the window starting at the
	 * last event (T0 + 30 ms) has none: 3000/s, 0, 1000/s, 0. */
	assert_int_equal(nrates, 4);
	assert_float_equal(rates[3], 0, 1e-9);
	assert_float_equal(rates[0], 3000, 1e-9);
	assert_float_equal(rates[1], 0, 1e-9);
	assert_float_equal(rates[2], 1000, 1e-9);
	assert_int_equal(nguest, 2);
	assert_float_equal(guest[0], 50, 1e-9);
	assert_float_equal(guest[1], 75, 1e-9);
	assert_int_equal(timers, 3); /* arm, fire, cancel; the schedule's are no timers */
	assert_int_equal(taken, 1);
	assert_int_equal(halted, 1);
	tj_free(doc);
	free(text);
	unlink(path);
}

/* speedscope's format: one evented profile per vCPU, opens and closes
 * balanced and in order, a kind frame around each port/address frame, and
 * the exits' handling time summed exactly. */
static void test_speedscope(void **state)
{
	struct ctx *c = *state;
	struct an_export_counts counts;
	char err[128];
	char *text = export_to_string(c->path, AN_EXPORT_SPEEDSCOPE, &counts);
	struct tj *doc = tj_parse(text, strlen(text), err, sizeof(err));
	if (!doc)
		fail_msg("speedscope export is not JSON: %s", err);
	assert_string_equal(tj_str(doc, "$schema"), "https://www.speedscope.app/file-format-schema.json");
	const struct tj *profiles = tj_get(doc, "profiles");
	const struct tj *frames = tj_get(tj_get(doc, "shared"), "frames");
	assert_int_equal(profiles->n, 2);
	for (size_t p = 0; p < profiles->n; p++) {
		const struct tj *evs = tj_get(profiles->items[p], "events");
		double prev = 0, open_at[2] = {0}, handled = 0;
		int depth = 0, stack[2];
		uint64_t opens = 0;
		assert_string_equal(tj_str(profiles->items[p], "unit"), "nanoseconds");
		for (size_t k = 0; k < evs->n; k++) {
			const struct tj *e = evs->items[k];
			int frame = (int)tj_num(e, "frame");
			double at = tj_num(e, "at");
			assert_true(at >= prev);
			assert_true(frame >= 0 && (size_t)frame < frames->n);
			prev = at;
			if (strcmp(tj_str(e, "type"), "O") == 0) {
				assert_true(depth < 2);
				open_at[depth] = at;
				stack[depth++] = frame;
				opens += depth == 1;
			} else {
				assert_true(depth > 0 && stack[depth - 1] == frame);
				if (--depth == 0)
					handled += at - open_at[0];
			}
		}
		assert_int_equal(depth, 0);
		assert_int_equal(opens, EXITS);
		/* handling 1500 + i % 10 ns: 300 * (1500 * 10 + 45) per vCPU */
		assert_float_equal(handled, (EXITS / 10) * (1500.0 * 10 + 45), 1e-6);
	}
	assert_non_null(strstr(text, "{\"name\": \"0x3f8:out\"}"));
	tj_free(doc);
	free(text);
}

int main(int argc, char **argv)
{
	struct ctx c = {.hvtrace = argc > 1 ? argv[1] : "hvtrace"};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_perfetto, &c),
		cmocka_unit_test_prestate(test_lines_and_csv, &c),
		cmocka_unit_test_prestate(test_cli, &c),
		cmocka_unit_test_prestate(test_viewer_rules, &c),
		cmocka_unit_test_prestate(test_speedscope, &c),
	};
	atrace_tmp(c.path, sizeof(c.path), "export.hvt");
	write_trace(&c);
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(c.path);
	return failed;
}
