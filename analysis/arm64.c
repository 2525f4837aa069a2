/* arm64 names for the report: exception classes come from the public API
 * (hvt_arm64_ec_name); trapped system registers are named here. */
#include <inttypes.h>
#include <stdio.h>

#include "report.h"

unsigned an_arm64_ec(uint64_t syndrome)
{
	return (unsigned)(syndrome >> 26) & 0x3fu;
}

#define SYSREG(op0, op1, crn, crm, op2) \
	((uint64_t)(op0) << 14 | (uint64_t)(op1) << 11 | (uint64_t)(crn) << 7 | (uint64_t)(crm) << 3 | (op2))

/* The registers guests on HVF trap most: the timers, identification, debug. */
static const struct {
	uint64_t enc;
	const char *name;
} known[] = {
	{SYSREG(3, 3, 14, 0, 0), "CNTFRQ_EL0"},    {SYSREG(3, 3, 14, 0, 1), "CNTPCT_EL0"},
	{SYSREG(3, 3, 14, 0, 2), "CNTVCT_EL0"},    {SYSREG(3, 3, 14, 2, 0), "CNTP_TVAL_EL0"},
	{SYSREG(3, 3, 14, 2, 1), "CNTP_CTL_EL0"},  {SYSREG(3, 3, 14, 2, 2), "CNTP_CVAL_EL0"},
	{SYSREG(3, 3, 14, 3, 0), "CNTV_TVAL_EL0"}, {SYSREG(3, 3, 14, 3, 1), "CNTV_CTL_EL0"},
	{SYSREG(3, 3, 14, 3, 2), "CNTV_CVAL_EL0"}, {SYSREG(3, 0, 0, 0, 0), "MIDR_EL1"},
	{SYSREG(3, 0, 0, 0, 5), "MPIDR_EL1"},      {SYSREG(2, 0, 1, 0, 4), "OSLAR_EL1"},
	{SYSREG(2, 0, 1, 3, 4), "OSDLR_EL1"},      {SYSREG(3, 0, 12, 11, 5), "ICC_SGI1R_EL1"},
};

const char *an_sysreg_name(uint64_t enc, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].enc == enc)
			return snprintf(buf, len, "%s", known[i].name), buf;
	snprintf(buf, len, "S%u_%u_C%u_C%u_%u", (unsigned)(enc >> 14) & 3, (unsigned)(enc >> 11) & 7,
		 (unsigned)(enc >> 7) & 15, (unsigned)(enc >> 3) & 15, (unsigned)enc & 7);
	return buf;
}
