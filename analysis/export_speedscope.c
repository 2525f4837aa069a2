/* speedscope's own file format (https://www.speedscope.app/file-format-schema.json):
 * one "evented" profile per vCPU, in nanoseconds. Each exit opens a frame
 * named by its kind and, for port and MMIO exits, a child frame named by
 * port or address and direction ("0x3f8:out"), both closed after the
 * handling time: the flame graph and "left heavy" views then answer "which
 * exits, on which ports, took the VMM's time". Guest time between exits is
 * the gaps.
 *
 * speedscope rejects events out of order or badly nested, so each profile
 * is written from its vCPU's own stream in sequence order, and an exit
 * whose recorded time falls before the previous exit's end is moved to
 * that end (never seen in recorded traces; a hand-made one could). Memory:
 * one frame per distinct port/address. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "jsonw.h"
#include "keys.h"
#include "keytab.h"

#define KIND_FRAMES (HVT_EXIT_KIND_MAX + 1u) /* frames 0..: one per exit kind */

struct ss_out {
	FILE *f;
	struct an_export_counts *counts;
	struct an_keytab places;   /* key: port/address key (keys.h) << 1 | is_mmio */
	uint64_t prev_close_ns;    /* end of the previous exit of this vCPU */
	int first_event;           /* no event written yet in this profile */
};

/* Frame index of the exit's port or address, or -1 for other kinds. */
static int64_t place_frame(struct ss_out *o, const hvt_event *ev)
{
	uint64_t key;
	int mmio = ev->kind == HVT_EXIT_MMIO_READ || ev->kind == HVT_EXIT_MMIO_WRITE;
	if (!an_key_of(mmio ? AN_BY_ADDRESS : AN_BY_PORT, ev, &key))
		return -1;
	struct an_row *row = an_keytab_get(&o->places, key << 1 | (uint64_t)mmio);
	if (!row)
		return HVT_E_NOMEM - 1; /* below -1: an error */
	return (int64_t)(KIND_FRAMES + (uint32_t)(row - o->places.rows));
}

static void put_oc(struct ss_out *o, char type, int64_t frame, uint64_t at_ns)
{
	fprintf(o->f, "%s{\"type\": \"%c\", \"frame\": %" PRId64 ", \"at\": %" PRIu64 "}",
		o->first_event ? "\n" : ",\n", type, frame, at_ns);
	o->first_event = 0;
	o->counts->written++;
}

static int put_exit(struct ss_out *o, const hvt_event *ev)
{
	int64_t place = place_frame(o, ev);
	if (place < -1)
		return HVT_E_NOMEM;
	uint64_t open_ns = ev->time_ns > o->prev_close_ns ? ev->time_ns : o->prev_close_ns;
	uint64_t close_ns = open_ns + ev->duration_ns;
	unsigned kind = ev->kind < KIND_FRAMES ? ev->kind : HVT_EXIT_UNKNOWN;
	put_oc(o, 'O', kind, open_ns);
	if (place >= 0) {
		put_oc(o, 'O', place, open_ns);
		put_oc(o, 'C', place, close_ns);
	}
	put_oc(o, 'C', kind, close_ns);
	o->prev_close_ns = close_ns;
	return 0;
}

/* One vCPU's profile. */
static int put_profile(struct ss_out *o, hvt_reader *r, const struct hvt_stream_info *si,
		       char *errbuf, size_t errlen)
{
	hvt_stream_cursor *c;
	const hvt_event *ev;
	int rc = hvt_stream_cursor_create(r, si->stream, &c);
	if (rc) {
		snprintf(errbuf, errlen, "%s", hvt_strerror(rc));
		return rc;
	}
	fprintf(o->f, "{\"type\": \"evented\", \"name\": \"vCPU %u\", \"unit\": \"nanoseconds\", "
		      "\"startValue\": %" PRIu64 ", \"events\": [", si->stream, si->first_time_ns);
	o->prev_close_ns = si->first_time_ns;
	o->first_event = 1;
	while ((rc = hvt_stream_cursor_next(c, &ev)) == 1) {
		o->counts->events++;
		if (ev->type == HVT_EV_EXIT && (rc = put_exit(o, ev)) != 0)
			break;
	}
	uint64_t end_ns = o->prev_close_ns > si->last_time_ns ? o->prev_close_ns : si->last_time_ns;
	fprintf(o->f, "],\n \"endValue\": %" PRIu64 "}", end_ns);
	if (rc < 0)
		snprintf(errbuf, errlen, "%s", rc == HVT_E_NOMEM ? "out of memory" :
			 hvt_stream_cursor_error(c));
	hvt_stream_cursor_free(c);
	return rc < 0 ? rc : 0;
}

static void put_frames(struct ss_out *o)
{
	char label[48];
	fputs("\"shared\": {\"frames\": [", o->f);
	for (unsigned k = 0; k < KIND_FRAMES; k++)
		fprintf(o->f, "%s{\"name\": \"%s\"}", k ? ", " : "", hvt_exit_kind_name(k));
	for (uint32_t i = 0; i < o->places.nrows; i++) {
		uint64_t key = o->places.rows[i].key;
		an_key_format(key & 1 ? AN_BY_ADDRESS : AN_BY_PORT, key >> 1, label, sizeof(label));
		fputs(", {\"name\": ", o->f);
		an_json_str(o->f, label);
		fputc('}', o->f);
	}
	fputs("]}", o->f);
}

int an_export_speedscope(hvt_reader *r, FILE *out, struct an_export_counts *counts, char *errbuf,
			 size_t errlen)
{
	struct ss_out o = {.f = out, .counts = counts};
	struct hvt_stream_info si;
	const char *vm = "vm";
	int rc = 0;
	an_keytab_init(&o.places);
	hvt_reader_meta_get(r, "image_name", &vm, NULL);
	fputs("{\"$schema\": \"https://www.speedscope.app/file-format-schema.json\", "
	      "\"exporter\": \"hvtrace\", \"name\": ", out);
	an_json_str(out, vm);
	fputs(", \"activeProfileIndex\": 0,\n\"profiles\": [", out);
	for (uint32_t i = 0; i < hvt_reader_stream_count(r) && rc == 0; i++) {
		if ((rc = hvt_reader_stream_info(r, i, &si)) != 0) {
			snprintf(errbuf, errlen, "%s", hvt_reader_error(r));
			break;
		}
		fputs(i ? ",\n" : "\n", out);
		rc = put_profile(&o, r, &si, errbuf, errlen);
	}
	/* Frames last: JSON members have no order, and only now are all known. */
	fputs("],\n", out);
	put_frames(&o);
	fputs("}\n", out);
	an_keytab_free(&o.places);
	return rc;
}
