/* Following a trace while it is being recorded (`hvtrace stats --live`,
 * `hvtrace top`). Each poll reopens the file, which the reader accepts in
 * any state a recording leaves it in: growing, its last chunk half-written
 * (a torn tail), no footer yet. Chunks are appended in file order, so the
 * chunks at offsets past the last one folded are exactly the new ones: each
 * is decoded once, and memory stays bounded (one accumulator per kind).
 * `hvtrace record -o FILE` writes FILE.PID.partial and renames it to FILE
 * when the trace is complete: while such a partial file exists, it is the
 * one followed (the newest, if several), and its rename keeps the offsets
 * already folded valid. */
#ifndef HVT_ANALYSIS_LIVE_H
#define HVT_ANALYSIS_LIVE_H

#include <stdint.h>
#include <stdio.h>

#include "scan.h"

enum an_live_state {
	AN_LIVE_WAITING = 0,   /* no readable trace yet (not created, header incomplete) */
	AN_LIVE_GROWING = 1,   /* being recorded */
	AN_LIVE_ENDED = 2      /* footer written, or every vCPU ended and the file stopped growing */
};

struct an_live {
	const char *path;              /* borrowed: the trace as the user named it */
	char reading[4096];            /* the file read at the last poll: path, or the
	                                * path.PID.partial `record` writes until it
	                                * renames it to path (tools/trace_output.h) */
	enum an_live_state state;
	char why_waiting[256];         /* the reader's reason while WAITING */
	struct an_agg agg;             /* cumulative, by kind */
	uint64_t total[HVT_EXIT_KIND_MAX + 1];      /* exits per kind so far */
	uint64_t prev_total[HVT_EXIT_KIND_MAX + 1]; /* at the previous poll */
	uint64_t last_ns, prev_last_ns; /* latest event time folded, now and before */
	uint64_t first_ns;             /* earliest event time of the trace */
	int any_chunk;                 /* 1 once a chunk was folded */
	uint64_t last_offset;          /* file offset of the last chunk folded */
	uint64_t file_bytes, prev_file_bytes;
	uint64_t pending_bytes;        /* bytes of a chunk still being written */
	uint32_t vcpus;
	uint8_t seen_stream[HVT_MAX_STREAMS];  /* the vCPU has events */
	uint8_t ended_stream[HVT_MAX_STREAMS]; /* an END event was seen */
	char backend[16];
};

void an_live_init(struct an_live *l, const char *path);
void an_live_free(struct an_live *l);
/* Folds what the file gained since the last poll. 0 (state says where the
 * recording is), or an error of a chunk that is complete but corrupt, with
 * its offset in errbuf. */
int an_live_poll(struct an_live *l, char *errbuf, size_t errlen);
/* Exits of kind k per second of trace time over the last poll's gain
 * (0 when trace time did not advance). */
double an_live_rate(const struct an_live *l, unsigned kind);
/* One refresh: a status line (trace, vCPUs, trace time, recording / ended /
 * stopped / waiting) and per kind: Total, %Total, CurAvg/s (an_live_rate),
 * average handling time. tty: clear the screen first; else a block per
 * refresh followed by a blank line. */
void an_live_print(FILE *f, const struct an_live *l, int tty, int stopped);

#endif
