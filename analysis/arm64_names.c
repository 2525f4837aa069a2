/* arm64 names for stats rows and the report: the system registers a guest is likely to
 * trap on (on HVF: the PMU, the OS lock, the EL1 physical timer, the GIC
 * CPU interface, debug registers when their accesses are trapped) and the
 * PSCI calls of docs/guest-abi.md. Anything else keeps its generic name. */
#include "arm64_names.h"

#include <stdio.h>

#define ENC(op0, op1, crn, crm, op2) \
	((uint32_t)((op0) << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2)))

static const struct {
	uint32_t enc;
	const char *name;
} sysregs[] = {
	{ENC(2, 0, 0, 2, 2), "MDSCR_EL1"},       {ENC(2, 0, 1, 0, 4), "OSLAR_EL1"},
	{ENC(2, 0, 1, 1, 4), "OSLSR_EL1"},       {ENC(2, 0, 1, 3, 4), "OSDLR_EL1"},
	{ENC(3, 0, 4, 6, 0), "ICC_PMR_EL1"},     {ENC(3, 0, 12, 11, 5), "ICC_SGI1R_EL1"},
	{ENC(3, 0, 12, 12, 0), "ICC_IAR1_EL1"},  {ENC(3, 0, 12, 12, 1), "ICC_EOIR1_EL1"},
	{ENC(3, 0, 12, 12, 5), "ICC_SRE_EL1"},   {ENC(3, 0, 12, 12, 7), "ICC_IGRPEN1_EL1"},
	{ENC(3, 3, 9, 12, 0), "PMCR_EL0"},       {ENC(3, 3, 9, 12, 1), "PMCNTENSET_EL0"},
	{ENC(3, 3, 9, 13, 0), "PMCCNTR_EL0"},    {ENC(3, 3, 14, 0, 1), "CNTPCT_EL0"},
	{ENC(3, 3, 14, 2, 0), "CNTP_TVAL_EL0"},  {ENC(3, 3, 14, 2, 1), "CNTP_CTL_EL0"},
	{ENC(3, 3, 14, 2, 2), "CNTP_CVAL_EL0"},  {ENC(3, 3, 14, 0, 2), "CNTVCT_EL0"},
	{ENC(3, 3, 14, 3, 1), "CNTV_CTL_EL0"},   {ENC(3, 3, 14, 3, 2), "CNTV_CVAL_EL0"},
	{ENC(3, 3, 14, 0, 0), "CNTFRQ_EL0"},     {ENC(3, 3, 14, 3, 0), "CNTV_TVAL_EL0"},
	{ENC(3, 0, 0, 0, 0), "MIDR_EL1"},        {ENC(3, 0, 0, 0, 5), "MPIDR_EL1"},
};

const char *an_sysreg_name(uint64_t enc, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(sysregs) / sizeof(sysregs[0]); i++) {
		if (sysregs[i].enc == enc) {
			snprintf(buf, len, "%s", sysregs[i].name);
			return buf;
		}
	}
	snprintf(buf, len, "S%u_%u_C%u_C%u_%u", (unsigned)(enc >> 14) & 3,
		 (unsigned)(enc >> 11) & 7, (unsigned)(enc >> 7) & 15, (unsigned)(enc >> 3) & 15,
		 (unsigned)enc & 7);
	return buf;
}

void an_sysreg_format(uint32_t enc, int is_write, char *buf, size_t len)
{
	char name[32];

	snprintf(buf, len, "%s:%s", an_sysreg_name(enc, name, sizeof(name)),
		 is_write ? "write" : "read");
}

static const char *psci_name(uint32_t fn)
{
	switch (fn) {
	case 0x84000000u: return " PSCI_VERSION";
	case 0x84000008u: return " PSCI_SYSTEM_OFF";
	case 0x84000009u: return " PSCI_SYSTEM_RESET";
	default: return "";
	}
}

void an_hypercall_format(uint32_t function_id, uint32_t imm16, char *buf, size_t len)
{
	snprintf(buf, len, "0x%08x #%u%s", function_id, imm16, psci_name(function_id));
}
