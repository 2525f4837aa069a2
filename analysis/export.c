/* Export to JSON lines and CSV, and the format dispatcher. Both formats
 * have the same fields, one record per event, in merged time order. */
#include "export.h"

#include <inttypes.h>
#include <string.h>

#include "jsonw.h"

int an_export_format_from_name(const char *name)
{
	if (strcmp(name, "perfetto") == 0 || strcmp(name, "chrome") == 0)
		return AN_EXPORT_PERFETTO;
	if (strcmp(name, "speedscope") == 0)
		return AN_EXPORT_SPEEDSCOPE;
	if (strcmp(name, "json") == 0)
		return AN_EXPORT_JSON;
	return strcmp(name, "csv") == 0 ? AN_EXPORT_CSV : -1;
}

const char *an_event_kind_name(const hvt_event *ev)
{
	static const char *const timer_ops[] = {"arm", "fire", "cancel"};
	switch (ev->type) {
	case HVT_EV_EXIT:
		return hvt_exit_kind_name(ev->kind);
	case HVT_EV_INTERRUPT:
		return ev->kind == HVT_IRQ_ASYNC ? "async" : "at-exit";
	case HVT_EV_TIMER:
		return ev->kind < 3 ? timer_ops[ev->kind] : "invalid";
	case HVT_EV_END:
		return hvt_end_reason_name(ev->kind);
	}
	return "";
}

static void json_line(FILE *f, const hvt_event *ev)
{
	fprintf(f, "{\"time_ns\": %" PRIu64 ", \"vcpu\": %u, \"seq\": %" PRIu64 ", \"type\": \"%s\", "
		   "\"kind\": ", ev->time_ns, ev->stream, ev->seq, hvt_event_type_name(ev->type));
	an_json_str(f, an_event_kind_name(ev));
	fprintf(f, ", \"addr\": %" PRIu64 ", \"value\": %" PRIu64 ", \"pc\": %" PRIu64
		   ", \"duration_ns\": %" PRIu64 ", \"run_ns\": %" PRIu64 ", \"size\": %u, \"count\": %u"
		   ", \"raw_reason\": %u, \"regs_hash\": %u, \"flags\": %u, \"syndrome\": %" PRIu64
		   ", \"fault_va\": %" PRIu64 ", \"data_len\": %u, \"data\": ",
		ev->addr, ev->value, ev->pc, ev->duration_ns, ev->run_ns, ev->size, ev->count,
		ev->raw_reason, ev->regs_hash, ev->flags, ev->syndrome, ev->fault_va, ev->data_len);
	an_json_hex(f, ev->data, ev->data_len);
	fputs("}\n", f);
}

static void csv_line(FILE *f, const hvt_event *ev)
{
	fprintf(f, "%" PRIu64 ",%u,%" PRIu64 ",%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		   ",%" PRIu64 ",%u,%u,%u,%u,%u,%" PRIu64 ",%" PRIu64 ",%u,",
		ev->time_ns, ev->stream, ev->seq, hvt_event_type_name(ev->type), an_event_kind_name(ev),
		ev->addr, ev->value, ev->pc, ev->duration_ns, ev->run_ns, ev->size, ev->count,
		ev->raw_reason, ev->regs_hash, ev->flags, ev->syndrome, ev->fault_va, ev->data_len);
	for (uint32_t i = 0; i < ev->data_len; i++)
		fprintf(f, "%02x", ev->data[i]);
	fputc('\n', f);
}

static const char csv_header[] =
	"time_ns,vcpu,seq,type,kind,addr,value,pc,duration_ns,run_ns,size,count,raw_reason,"
	"regs_hash,flags,syndrome,fault_va,data_len,data\n";

static int export_lines(hvt_reader *r, int csv, FILE *out, struct an_export_counts *counts,
			char *errbuf, size_t errlen)
{
	const hvt_event *ev;
	int rc;
	if (csv)
		fputs(csv_header, out);
	while ((rc = hvt_reader_next(r, &ev)) == 1) {
		counts->events++;
		counts->written++;
		if (csv)
			csv_line(out, ev);
		else
			json_line(out, ev);
	}
	if (rc < 0)
		snprintf(errbuf, errlen, "%s", hvt_reader_error(r));
	return rc < 0 ? rc : 0;
}

int an_export(hvt_reader *r, enum an_export_format fmt, FILE *out, struct an_export_counts *counts,
	      char *errbuf, size_t errlen)
{
	memset(counts, 0, sizeof(*counts));
	if (fmt == AN_EXPORT_PERFETTO)
		return an_export_chrome(r, out, counts, errbuf, errlen);
	if (fmt == AN_EXPORT_SPEEDSCOPE)
		return an_export_speedscope(r, out, counts, errbuf, errlen);
	return export_lines(r, fmt == AN_EXPORT_CSV, out, counts, errbuf, errlen);
}
