/* Durations on the command line: "1500", "1500ns", "2.5us", "10ms", "1s". */
#ifndef HVT_ANALYSIS_DURATION_H
#define HVT_ANALYSIS_DURATION_H

#include <stdint.h>

/* 0 on success; -1 for a malformed or negative value or one past 2^64 ns. */
int an_parse_duration_ns(const char *s, uint64_t *out_ns);

#endif
