/* Duration parsing: see duration.h. */
#include "duration.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double unit_ns(const char *suffix)
{
	static const struct {
		const char *name;
		double ns;
	} units[] = {{"", 1}, {"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(suffix, units[i].name) == 0)
			return units[i].ns;
	return 0;
}

int an_parse_duration_ns(const char *s, uint64_t *out_ns)
{
	char *end;
	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	double scale = end != s ? unit_ns(end) : 0;
	if (errno || scale == 0 || !isfinite(v))
		return -1;
	double ns = v * scale;
	if (ns >= 18446744073709551615.0)
		return -1;
	*out_ns = (uint64_t)llround(ns);
	return 0;
}
