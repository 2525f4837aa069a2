/* arm64 for the report: the exception class of a syndrome (its name comes
 * from the public API, hvt_arm64_ec_name; system registers are named by
 * arm64_names.c, as in stats). */
#include "report.h"

unsigned an_arm64_ec(uint64_t syndrome)
{
	return (unsigned)(syndrome >> 26) & 0x3fu;
}
