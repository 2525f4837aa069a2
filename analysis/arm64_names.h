/* Names of arm64 system registers and hypercalls for stats rows and the report. */
#ifndef HVT_ANALYSIS_ARM64_NAMES_H
#define HVT_ANALYSIS_ARM64_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* enc = op0 << 14 | op1 << 11 | CRn << 7 | CRm << 3 | op2 (the SYSREG exit's
 * addr). "CNTPCT_EL0:read" for a register we know, else the generic
 * "S3_3_C14_C0_1:read"; ":write" for MSR. */
void an_sysreg_format(uint32_t enc, int is_write, char *buf, size_t len);
/* The register's name alone ("CNTPCT_EL0", or "S3_3_C14_C0_1"); returns buf. */
const char *an_sysreg_name(uint64_t enc, char *buf, size_t len);
/* "0x84000008 #0 PSCI_SYSTEM_OFF"; the name only for the PSCI calls the
 * arm64 guest ABI defines. */
void an_hypercall_format(uint32_t function_id, uint32_t imm16, char *buf, size_t len);

#endif
