/* Chrome trace event JSON, as Perfetto UI and chrome://tracing load it:
 * pid 1 is the VM, tid N is vCPU N. Exits are complete events ("X") from
 * the exit for the handling time; interrupts, timer fires, markers and
 * run ends are thread-scoped instants ("i"); "C" counters give each vCPU's
 * exit rate per 10 ms window. ts and dur are microseconds with three
 * decimals, so nanoseconds survive. Written while reading: the only state
 * is one counter window per vCPU. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "jsonw.h"

struct rate_window {
	uint64_t index;   /* window number: time_ns / AN_RATE_WINDOW_NS */
	uint64_t exits;   /* exits seen in it so far */
	int open;
};

struct chrome_out {
	FILE *f;
	struct an_export_counts *counts;
	struct rate_window win[HVT_MAX_STREAMS];
};

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

static void put_counter(struct chrome_out *o, uint32_t vcpu, uint64_t window, uint64_t exits)
{
	begin(o, "C", vcpu, window * AN_RATE_WINDOW_NS);
	fprintf(o->f, ", \"name\": \"exits/s vcpu%u\", \"args\": {\"exits_per_s\": %" PRIu64 "}}",
		vcpu, exits * (1000000000u / AN_RATE_WINDOW_NS));
}

/* Closes vCPU s's window; an empty gap after it drops the curve to 0. */
static void close_window(struct chrome_out *o, uint32_t s, uint64_t next_index)
{
	struct rate_window *w = &o->win[s];
	put_counter(o, s, w->index, w->exits);
	if (next_index > w->index + 1)
		put_counter(o, s, w->index + 1, 0);
	w->open = 0;
}

static void count_exit(struct chrome_out *o, const hvt_event *ev)
{
	uint32_t s = ev->stream % HVT_MAX_STREAMS;
	uint64_t idx = ev->time_ns / AN_RATE_WINDOW_NS;
	struct rate_window *w = &o->win[s];
	if (w->open && w->index != idx)
		close_window(o, s, idx);
	if (!w->open)
		*w = (struct rate_window){.index = idx, .exits = 0, .open = 1};
	w->exits++;
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
		fprintf(o->f, "\"%s\": \"0x%" PRIx64 "\", \"size\": %u, ", pio ? "port" : "addr",
			ev->addr, ev->size);
	fprintf(o->f, "\"value\": \"0x%" PRIx64 "\", \"pc\": \"0x%" PRIx64 "\", \"seq\": %" PRIu64
		      ", \"run_ns\": %" PRIu64 "}}", ev->value, ev->pc, ev->seq, ev->run_ns);
	count_exit(o, ev);
}

static void put_instant(struct chrome_out *o, const hvt_event *ev, const char *cat,
			const char *name)
{
	begin(o, "i", ev->stream, ev->time_ns);
	fprintf(o->f, ", \"s\": \"t\", \"cat\": \"%s\", \"name\": ", cat);
	an_json_str(o->f, name);
	fprintf(o->f, ", \"args\": {\"addr\": \"0x%" PRIx64 "\", \"value\": \"0x%" PRIx64
		      "\", \"pc\": \"0x%" PRIx64 "\", \"seq\": %" PRIu64 "}}",
		ev->addr, ev->value, ev->pc, ev->seq);
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

static void put_event(struct chrome_out *o, const hvt_event *ev)
{
	char name[96];
	switch (ev->type) {
	case HVT_EV_EXIT:
		put_exit(o, ev);
		break;
	case HVT_EV_INTERRUPT:
		snprintf(name, sizeof(name), "irq %" PRIu64, ev->addr);
		put_instant(o, ev, "interrupt", name);
		break;
	case HVT_EV_TIMER:
		if (ev->kind == HVT_TIMER_FIRE)
			put_instant(o, ev, "timer", "timer fire");
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

int an_export_chrome(hvt_reader *r, FILE *out, struct an_export_counts *counts, char *errbuf,
		     size_t errlen)
{
	static const struct chrome_out zero;
	struct chrome_out *o = malloc(sizeof(*o));
	const hvt_event *ev;
	int rc;
	if (!o)
		return HVT_E_NOMEM;
	*o = zero;
	o->f = out;
	o->counts = counts;
	put_metadata(o, r);
	while ((rc = hvt_reader_next(r, &ev)) == 1) {
		counts->events++;
		put_event(o, ev);
	}
	for (uint32_t s = 0; s < HVT_MAX_STREAMS; s++)
		if (o->win[s].open)
			close_window(o, s, o->win[s].index + 2);
	fputs("\n],\n\"displayTimeUnit\": \"ns\"}\n", out);
	if (rc < 0)
		snprintf(errbuf, errlen, "%s", hvt_reader_error(r));
	free(o);
	return rc < 0 ? rc : 0;
}
