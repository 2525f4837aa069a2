/* The host clock event times are measured with. A base file: the writer, its
 * background thread, and (through the public API) the core and the tools
 * read it. */
#include <time.h>

#include "hvtrace/writer.h"

uint64_t hvt_monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
