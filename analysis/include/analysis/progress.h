/* A progress bar on stderr, drawn only when stderr is a terminal and the
 * work has already taken more than a second (short runs stay quiet). */
#ifndef HVT_ANALYSIS_PROGRESS_H
#define HVT_ANALYSIS_PROGRESS_H

#include <stdint.h>

struct an_progress {
	int enabled;          /* stderr is a terminal */
	uint64_t start_ns;
	uint64_t last_draw_ns;
	int drawn;            /* 1: a bar is on screen and must be erased */
	const char *label;
};

void an_progress_init(struct an_progress *p, const char *label);
/* Matches an_progress_fn: ctx is a struct an_progress. */
void an_progress_update(void *ctx, uint64_t done, uint64_t total);
/* Erases the bar if one was drawn. */
void an_progress_done(struct an_progress *p);

#endif
