/* Export: the merged event timeline written as it is read (memory does not
 * grow with the trace). Formats and their fields: docs/analysis.md. */
#ifndef HVT_ANALYSIS_EXPORT_H
#define HVT_ANALYSIS_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hvtrace/hvtrace.h"

enum an_export_format {
	AN_EXPORT_PERFETTO = 0, /* Chrome trace event JSON (Perfetto UI, chrome://tracing) */
	AN_EXPORT_JSON = 1,     /* one JSON object per line per event */
	AN_EXPORT_CSV = 2,      /* header + one row per event */
	AN_EXPORT_SPEEDSCOPE = 3 /* speedscope's file format: one evented profile per vCPU */
};

/* Width of the exit-rate counter windows in the Perfetto export (doubled
 * until a trace has at most 2^20 windows). */
#define AN_RATE_WINDOW_NS 10000000u

struct an_export_counts {
	uint64_t events;   /* events read */
	uint64_t written;  /* records written (exits, instants, counters, ...) */
};

/* "perfetto" (also "chrome"), "speedscope", "json", "csv"; -1 if unknown. */
int an_export_format_from_name(const char *name);

/* Writes r's events to out. 0, or the reader's error with its message in
 * errbuf; what was read before the error is written and, for perfetto,
 * the JSON is closed so the file still loads. */
int an_export(hvt_reader *r, enum an_export_format fmt, FILE *out, struct an_export_counts *counts,
	      char *errbuf, size_t errlen);

/* The Chrome trace writer (export_chrome.c). */
int an_export_chrome(hvt_reader *r, FILE *out, struct an_export_counts *counts, char *errbuf,
		     size_t errlen);
/* The speedscope writer (export_speedscope.c). */
int an_export_speedscope(hvt_reader *r, FILE *out, struct an_export_counts *counts, char *errbuf,
			 size_t errlen);
/* The kind word of any event: exit kind, irq landing, timer op, end reason;
 * "" for types without kinds. */
const char *an_event_kind_name(const hvt_event *ev);

#endif
