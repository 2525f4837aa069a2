/* How dump (and anything printing exits) shows the arm64 detail an HVF exit
 * carries: the exception class by name, and per class what the syndrome
 * encodes (access size and register of a data abort, the HVC immediate and
 * SMCCC function, the trapped system register, WFI or WFE). */
#include <inttypes.h>

#include "cli.h"

#define EC_WFX 0x01u
#define EC_HVC64 0x16u
#define EC_SYSREG 0x18u
#define EC_DABT_LOWER 0x24u

/* S<op0>_<op1>_C<n>_C<m>_<op2>, the assembler's generic name, from the
 * encoding op0 << 14 | op1 << 11 | CRn << 7 | CRm << 3 | op2. */
static void print_sysreg(FILE *f, uint64_t enc)
{
	fprintf(f, " sysreg=S%u_%u_C%u_C%u_%u", (unsigned)(enc >> 14) & 3,
		(unsigned)(enc >> 11) & 7, (unsigned)(enc >> 7) & 15, (unsigned)(enc >> 3) & 15,
		(unsigned)enc & 7);
}

void cli_print_syndrome(FILE *f, const hvt_event *ev)
{
	unsigned ec = (unsigned)(ev->syndrome >> 26) & 0x3f;
	uint32_t iss = (uint32_t)(ev->syndrome & 0x1ffffff);

	fprintf(f, " esr=0x%" PRIx64 " ec=%s", ev->syndrome, hvt_arm64_ec_name(ec));
	switch (ec) {
	case EC_DABT_LOWER:
		fprintf(f, " va=0x%" PRIx64, ev->fault_va);
		if (iss & (1u << 24))
			fprintf(f, " %s x%u", iss & (1u << 6) ? "store" : "load", (iss >> 16) & 31);
		else
			fputs(" no-syndrome", f);
		break;
	case EC_HVC64:
		fprintf(f, " imm=0x%x fn=0x%" PRIx64, iss & 0xffff, ev->addr);
		break;
	case EC_SYSREG:
		print_sysreg(f, ev->addr);
		fprintf(f, " %s x%u", iss & 1 ? "mrs" : "msr", (iss >> 5) & 31);
		break;
	case EC_WFX:
		fputs(iss & 1 ? " wfe" : " wfi", f);
		break;
	default:
		if (ev->fault_va)
			fprintf(f, " va=0x%" PRIx64, ev->fault_va);
		break;
	}
}
