/* Seeded synthetic exit streams for benchmarks (documented in RESULTS.md). */
#ifndef HVT_BENCH_SYNTH_H
#define HVT_BENCH_SYNTH_H

#include <stdint.h>

#include "hvtrace/event.h"

struct synth {
	uint64_t rng;      /* splitmix64 state */
	uint64_t time_ns;
	uint64_t clock_ns; /* what the guest's clock device returns */
	uint64_t last_handle_ns; /* previous exit's handling time */
	int repetitive;    /* 1: the same exit over and over */
};

void synth_init(struct synth *s, uint64_t seed, int repetitive);
/* Fills ev with the next event of the stream (data: none). */
void synth_next(struct synth *s, hvt_event *ev);

#endif
