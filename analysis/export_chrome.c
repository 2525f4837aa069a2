/* Chrome trace event JSON, as Perfetto UI, chrome://tracing and speedscope
 * load it: pid 1 is the VM, tid N is vCPU N. Exits are complete events
 * ("X") named by their kind, from the exit for the handling time, with
 * args that repeat across exits (port or address and size), so a viewer
 * that names frames by name + args gets one frame per kind and port, not
 * one per exit. Interrupts, timer arm/fire/cancel, markers and run ends
 * are thread-scoped instants ("i"). Counters ("C"): each vCPU's exit rate
 * per window and its guest-time share between exec-time samples.
 *
 * Every record is written in time order, and no record lies outside the
 * trace's first..last event time: viewers that do not sort (or that take
 * the range from the records) show the trace as it is. The exit rate is
 * known only once a window has closed, so a first pass counts exits per
 * window (memory: one counter per window per vCPU) and the second pass
 * writes its samples among the events. ts and dur are microseconds (the
 * format's unit) with three decimals, so nanoseconds survive; no
 * displayTimeUnit, which some Perfetto versions misapplied to ts. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "jsonw.h"

/* Exits per window, per vCPU, from pass 1. */
struct rate_lane {
	uint32_t *counts;    /* counts[w]: exits in window w (NULL: no exits) */
	uint64_t next;       /* next window whose sample is due in pass 2 */
	int was_zero;        /* the last sample written was 0 */
};

struct guest_lane {
	uint64_t last_time_ns, last_guest_ns;
	int sampled;
};

struct chrome_out {
	FILE *f;
	struct an_export_counts *counts;
	uint64_t first_ns, last_ns;  /* the trace's time range */
	uint64_t window_ns;          /* rate window width */
	uint64_t nwindows;
	uint64_t next_due_ns;        /* earliest pending rate sample of any vCPU */
	struct rate_lane rate[HVT_MAX_STREAMS];
	struct guest_lane guest[HVT_MAX_STREAMS];
};

/* At most this many windows per vCPU: a longer trace gets wider windows. */
#define MAX_WINDOWS (1u << 20)

static void put_us(FILE *f, const char *name, uint64_t ns)
{
	fprintf(f, "\"%s\": %" PRIu64 ".%03u", name, ns / 1000u, (unsigned)(ns % 1000u));
}

/* Starts a record: separator, phase, pid, tid, ts. */
static void begin(struct chrome_out *o, const char *ph, uint32_t tid, uint64_t ts_ns)
{
	fprintf(o->f, ",\n{\"ph\": \"%s\", \"pid\": 1, \"tid\": %u, ", ph, tid);
	put_us(o->f, "ts", ts_ns);
	o->counts->written++;
}

static uint64_t window_start(const struct chrome_out *o, uint64_t w)
{
	uint64_t ts = o->first_ns + w * o->window_ns;
	return ts < o->last_ns ? ts : o->last_ns;
}

/* Pass 1: exits per window and vCPU, chunk by chunk (order does not matter). */
static int count_windows(struct chrome_out *o, hvt_reader *r, char *errbuf, size_t errlen)
{
	hvt_chunk_cursor *c;
	const hvt_event *ev;
	struct hvt_chunk_info ci;
	int rc = hvt_chunk_cursor_create(r, &c);
	for (uint64_t i = 0; rc == 0 && i < hvt_reader_chunk_count(r); i++) {
		if ((rc = hvt_reader_chunk_info(r, i, &ci)) != 0 || ci.type != HVT_CHUNK_EVENTS)
			continue;
		if ((rc = hvt_chunk_cursor_load(c, i)) != 0)
			break;
		while ((rc = hvt_chunk_cursor_next(c, &ev)) == 1) {
			if (ev->type != HVT_EV_EXIT)
				continue;
			struct rate_lane *l = &o->rate[ev->stream % HVT_MAX_STREAMS];
			if (!l->counts && !(l->counts = calloc(o->nwindows, sizeof(*l->counts)))) {
				rc = HVT_E_NOMEM;
				break;
			}
			uint64_t w = (ev->time_ns - o->first_ns) / o->window_ns;
			l->counts[w < o->nwindows ? w : o->nwindows - 1]++;
		}
	}
	if (rc < 0)
		snprintf(errbuf, errlen, "%s", rc == HVT_E_NOMEM ? "out of memory" : c ?
			 hvt_chunk_cursor_error(c) : hvt_strerror(rc));
	hvt_chunk_cursor_free(c);
	return rc < 0 ? rc : 0;
}

/* Writes vCPU s's rate samples of windows starting at or before t_ns: one
 * per window with exits, and a 0 where a gap begins. */
static void put_rates_of(struct chrome_out *o, uint32_t s, uint64_t t_ns)
{
	struct rate_lane *l = &o->rate[s];
	for (; l->next < o->nwindows && window_start(o, l->next) <= t_ns; l->next++) {
		uint32_t n = l->counts[l->next];
		if (n == 0 && l->was_zero)
			continue;
		begin(o, "C", s, window_start(o, l->next));
		fprintf(o->f, ", \"name\": \"exits/s vcpu%u\", \"args\": {\"exits_per_s\": ", s);
		an_json_num(o->f, (double)n * 1e9 / (double)o->window_ns);
		fputs("}}", o->f);
		l->was_zero = n == 0;
	}
}

static void put_rates_until(struct chrome_out *o, uint64_t t_ns)
{
	if (t_ns < o->next_due_ns)
		return;
	uint64_t due = UINT64_MAX;
	for (uint32_t s = 0; s < HVT_MAX_STREAMS; s++) {
		if (!o->rate[s].counts)
			continue;
		put_rates_of(o, s, t_ns);
		if (o->rate[s].next < o->nwindows && window_start(o, o->rate[s].next) < due)
			due = window_start(o, o->rate[s].next);
	}
	o->next_due_ns = due;
}

static void put_exit(struct chrome_out *o, const hvt_event *ev)
{
	int pio = ev->kind == HVT_EXIT_PIO_IN || ev->kind == HVT_EXIT_PIO_OUT;
	int mmio = ev->kind == HVT_EXIT_MMIO_READ || ev->kind == HVT_EXIT_MMIO_WRITE;
	begin(o, "X", ev->stream, ev->time_ns);
	fputs(", ", o->f);
	put_us(o->f, "dur", ev->duration_ns);
	fprintf(o->f, ", \"cat\": \"exit\", \"name\": \"%s\", \"args\": {", hvt_exit_kind_name(ev->kind));
	if (pio || mmio)
		fprintf(o->f, "\"%s\": \"0x%" PRIx64 "\", \"size\": %u", pio ? "port" : "addr", ev->addr,
			ev->size);
	fputs("}}", o->f);
}

static void put_instant(struct chrome_out *o, const hvt_event *ev, const char *cat,
			const char *name)
{
	begin(o, "i", ev->stream, ev->time_ns);
	fprintf(o->f, ", \"s\": \"t\", \"cat\": \"%s\", \"name\": ", cat);
	an_json_str(o->f, name);
	fprintf(o->f, ", \"args\": {\"id\": %" PRIu64 ", \"value\": %" PRIu64 ", \"pc\": \"0x%" PRIx64
		      "\", \"seq\": %" PRIu64 "}}", ev->addr, ev->value, ev->pc, ev->seq);
}

/* Guest share of wall time since the vCPU's previous sample (or the trace's
 * start): exec-time samples are cumulative guest ns. */
static void put_guest(struct chrome_out *o, const hvt_event *ev)
{
	struct guest_lane *g = &o->guest[ev->stream % HVT_MAX_STREAMS];
	uint64_t t0 = g->sampled ? g->last_time_ns : o->first_ns;
	uint64_t g0 = g->sampled ? g->last_guest_ns : 0;
	double pct = ev->time_ns > t0 && ev->value >= g0 ?
		(double)(ev->value - g0) / (double)(ev->time_ns - t0) * 100.0 : 0;
	begin(o, "C", ev->stream, ev->time_ns);
	fprintf(o->f, ", \"name\": \"guest %% vcpu%u\", \"args\": {\"guest_pct\": ", ev->stream);
	an_json_num(o->f, pct);
	fputs("}}", o->f);
	*g = (struct guest_lane){ev->time_ns, ev->value, 1};
}

/* A marker's label is its data when that is short printable text. */
static void marker_name(const hvt_event *ev, char *buf, size_t len)
{
	int text = ev->data_len > 0 && ev->data_len < 64;
	for (uint32_t i = 0; text && i < ev->data_len; i++)
		text = ev->data[i] >= 0x20 && ev->data[i] < 0x7f;
	if (text)
		snprintf(buf, len, "marker %.*s", (int)ev->data_len, (const char *)ev->data);
	else
		snprintf(buf, len, "marker %" PRIu64, ev->addr);
}

/* A serialized recording's turns: the vCPU takes slice N, is preempted, or
 * gives it up at a halt. */
static void put_slice(struct chrome_out *o, const hvt_event *ev)
{
	char name[64];

	if (ev->kind == HVT_TIMER_ARM)
		snprintf(name, sizeof(name), "slice %" PRIu64 " taken", ev->value);
	else
		snprintf(name, sizeof(name), "slice %s",
			 ev->kind == HVT_TIMER_FIRE ? "preempted" : "given up at a halt");
	put_instant(o, ev, "schedule", name);
}

static void put_event(struct chrome_out *o, const hvt_event *ev)
{
	char name[96];
	switch (ev->type) {
	case HVT_EV_EXIT:
		put_exit(o, ev);
		break;
	case HVT_EV_INTERRUPT:
		snprintf(name, sizeof(name), "irq %" PRIu64 " %s", ev->addr, hvt_irq_kind_name(ev->kind));
		put_instant(o, ev, "interrupt", name);
		break;
	case HVT_EV_TIMER:
		if (ev->addr == HVT_TIMER_ID_SCHEDULE) {
			put_slice(o, ev);
			break;
		}
		snprintf(name, sizeof(name), "timer %s", ev->kind == HVT_TIMER_ARM ? "arm" :
			 ev->kind == HVT_TIMER_FIRE ? "fire" : ev->kind == HVT_TIMER_CANCEL ? "cancel" :
			 "invalid");
		put_instant(o, ev, "timer", name);
		break;
	case HVT_EV_EXEC_TIME:
		put_guest(o, ev);
		break;
	case HVT_EV_MARKER:
		marker_name(ev, name, sizeof(name));
		put_instant(o, ev, "marker", name);
		break;
	case HVT_EV_END:
		snprintf(name, sizeof(name), "end: %s", hvt_end_reason_name(ev->kind));
		put_instant(o, ev, "end", name);
		break;
	}
}

static void put_metadata(struct chrome_out *o, hvt_reader *r)
{
	const char *vm = "vm";
	struct hvt_stream_info si;
	hvt_reader_meta_get(r, "image_name", &vm, NULL);
	fputs("{\"traceEvents\": [\n{\"ph\": \"M\", \"pid\": 1, \"tid\": 0, \"name\": \"process_name\", "
	      "\"args\": {\"name\": ", o->f);
	an_json_str(o->f, vm);
	fputs("}}", o->f);
	o->counts->written++;
	for (uint32_t i = 0; i < hvt_reader_stream_count(r); i++) {
		if (hvt_reader_stream_info(r, i, &si) != 0)
			continue;
		fprintf(o->f, ",\n{\"ph\": \"M\", \"pid\": 1, \"tid\": %u, \"name\": \"thread_name\", "
			      "\"args\": {\"name\": \"vCPU %u\"}}", si.stream, si.stream);
		o->counts->written++;
	}
}

static void set_range(struct chrome_out *o, hvt_reader *r)
{
	struct hvt_trace_info in;
	hvt_reader_get_info(r, &in);
	o->first_ns = in.first_time_ns;
	o->last_ns = in.last_time_ns > in.first_time_ns ? in.last_time_ns : in.first_time_ns;
	uint64_t span_ns = o->last_ns - o->first_ns;
	o->window_ns = AN_RATE_WINDOW_NS;
	while (span_ns / o->window_ns >= MAX_WINDOWS)
		o->window_ns *= 2;
	o->nwindows = span_ns / o->window_ns + 1;
}

static int export_pass2(struct chrome_out *o, hvt_reader *r, char *errbuf, size_t errlen)
{
	const hvt_event *ev;
	uint64_t last_ns = o->first_ns;
	int rc;
	while ((rc = hvt_reader_next(r, &ev)) == 1) {
		o->counts->events++;
		put_rates_until(o, ev->time_ns);
		put_event(o, ev);
		last_ns = ev->time_ns;
	}
	/* The rest of the last window's samples; after an error, none past
	 * the last event written. */
	put_rates_until(o, rc < 0 ? last_ns : o->last_ns);
	if (rc < 0)
		snprintf(errbuf, errlen, "%s", hvt_reader_error(r));
	return rc < 0 ? rc : 0;
}

int an_export_chrome(hvt_reader *r, FILE *out, struct an_export_counts *counts, char *errbuf,
		     size_t errlen)
{
	struct chrome_out *o = calloc(1, sizeof(*o));
	if (!o) {
		snprintf(errbuf, errlen, "out of memory");
		return HVT_E_NOMEM;
	}
	o->f = out;
	o->counts = counts;
	set_range(o, r);
	put_metadata(o, r);
	int rc = count_windows(o, r, errbuf, errlen);
	/* A corrupt chunk stops pass 1, but pass 2 still writes what precedes
	 * it in time order, and reports the error with its offset. */
	if (rc != HVT_E_NOMEM) {
		int rc2 = export_pass2(o, r, errbuf, errlen);
		rc = rc2 ? rc2 : rc;
	}
	fputs("\n]}\n", out);
	for (uint32_t s = 0; s < HVT_MAX_STREAMS; s++)
		free(o->rate[s].counts);
	free(o);
	return rc;
}
