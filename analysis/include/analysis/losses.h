/* Saying what a damaged trace lost, for commands whose stdout is data. */
#ifndef HVT_ANALYSIS_LOSSES_H
#define HVT_ANALYSIS_LOSSES_H

#include <stdio.h>

#include "hvtrace/hvtrace.h"

/* Prints "hvtrace: PATH: truncated: ..." / "footer missing" lines to f
 * when the trace is damaged; nothing for an intact trace. Returns 1 when
 * something was lost (truncated), else 0. */
int an_note_losses(FILE *f, hvt_reader *r, const char *path);

#endif
