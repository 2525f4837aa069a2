/* Where `hvtrace record` writes: never over an existing trace.
 *
 * The trace is written to FILE.PID.partial beside FILE and renamed to FILE
 * once complete; an existing FILE is then kept as FILE.old (as `perf record`
 * does). A recording that never ran removes its partial file and leaves
 * FILE alone; one killed with SIGKILL leaves FILE.PID.partial, readable up
 * to its last flush. */
#ifndef HVT_TOOLS_TRACE_OUTPUT_H
#define HVT_TOOLS_TRACE_OUTPUT_H

#include <limits.h>

#define HVT_EXIT_CANTCREAT 73 /* the output cannot be created (sysexits EX_CANTCREAT) */

struct trace_output {
	char final[PATH_MAX];   /* FILE as given */
	char partial[PATH_MAX]; /* FILE.PID[.N].partial: what the writer writes */
	char old[PATH_MAX];     /* FILE.old */
};

/* Checks FILE's directory and reserves the partial file (created empty,
 * O_EXCL) so a bad -o fails at once, before any guest runs. 0, or
 * HVT_EXIT_CANTCREAT with a message naming the path. */
int trace_output_begin(struct trace_output *o, const char *path);
/* Moves a finished trace into place: an existing FILE becomes FILE.old
 * (said on stderr unless quiet; replacing an older FILE.old is always
 * said). 0, or HVT_EXIT_IOERR with a message saying where the trace is. */
int trace_output_commit(struct trace_output *o, int quiet);
/* Removes the partial file: nothing was recorded. FILE is untouched. */
void trace_output_discard(struct trace_output *o);

#endif
