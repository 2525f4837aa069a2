/* diff: the first event where two traces differ, in merged order,
 * comparing what the guest did and saw (type, kind, stream, addr, value,
 * size, count, pc, regs_hash, data), never times or durations, which
 * change from run to run. */
#ifndef HVT_ANALYSIS_DIFF_H
#define HVT_ANALYSIS_DIFF_H

#include <stdint.h>

#include "hvtrace/hvtrace.h"

#define AN_DIFF_CONTEXT 5u     /* events shown before the difference */
#define AN_DIFF_DATA_KEEP 32u  /* data bytes kept per event for display */

/* Bits of an_diff_result.fields: which compared fields differ. */
enum an_diff_field {
	AN_DF_TYPE = 1u << 0, AN_DF_KIND = 1u << 1, AN_DF_STREAM = 1u << 2,
	AN_DF_ADDR = 1u << 3, AN_DF_VALUE = 1u << 4, AN_DF_SIZE = 1u << 5,
	AN_DF_COUNT = 1u << 6, AN_DF_PC = 1u << 7, AN_DF_REGS = 1u << 8,
	AN_DF_DATA = 1u << 9
};

/* An event copied out of its reader, with the first bytes of its data. */
struct an_kept_event {
	hvt_event ev;                     /* ev.data points at data below */
	uint8_t data[AN_DIFF_DATA_KEEP];
};

struct an_diff_result {
	int differ;             /* 0: same event sequences; 1: they differ */
	uint64_t index;         /* merged index (from 0) of the first difference */
	int a_ended, b_ended;   /* 1: that trace has no event at index */
	struct an_kept_event a, b;  /* the events at index (when not ended) */
	uint32_t fields;        /* an_diff_field bits (both present) */
	uint32_t ncontext;      /* <= AN_DIFF_CONTEXT */
	struct an_kept_event ctx_a[AN_DIFF_CONTEXT], ctx_b[AN_DIFF_CONTEXT]; /* oldest first */
	uint64_t events;        /* equal events walked before the difference */
};

/* The an_diff_field bits on which x and y differ. */
uint32_t an_diff_fields(const hvt_event *x, const hvt_event *y);
/* Walks a and b from their current position. 0 with *out filled, or a
 * reader error: *failed is 'A' or 'B' and errbuf has the message. */
int an_diff(hvt_reader *a, hvt_reader *b, struct an_diff_result *out, int *failed, char *errbuf,
	    size_t errlen);

#endif
