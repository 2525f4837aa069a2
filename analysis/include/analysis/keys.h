/* What a stats row is keyed by, and how an exit maps to its row key. */
#ifndef HVT_ANALYSIS_KEYS_H
#define HVT_ANALYSIS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "hvtrace/event.h"

enum an_by {
	AN_BY_KIND = 0,    /* key = exit kind */
	AN_BY_PORT = 1,    /* key = port << 1 | 1 for out; port exits only */
	AN_BY_ADDRESS = 2, /* key = guest PA << 1 | 1 for write; MMIO exits only (PA < 2^63) */
	AN_BY_VCPU = 3,    /* key = stream */
	AN_BY_SYSREG = 4,  /* key = MSR/MRS encoding << 1 | 1 for MSR; sysreg exits only */
	AN_BY_HYPERCALL = 5 /* key = imm16 << 32 | function id (low 32 bits of X0); hypercalls */
};

/* ESR ISS bit 0 of an MSR/MRS trap: 1 = MRS (read). */
#define AN_SYSREG_ISS_READ 1u

/* "kind", "port", "address", "vcpu", "sysreg", "hypercall" (also "addr",
 * "mmio", "cpu", "hvc"); -1 if unknown. */
int an_by_from_name(const char *name);
const char *an_by_name(enum an_by by);

/* Sets *key for an exit of this kind, address, syndrome and vCPU; 0 when
 * the exit has no row under `by` (a HLT has no port). Inline: it runs once
 * per event. Takes fields, not an event, so that columnar scans (struct
 * hvt_columns) share it. */
static inline int an_key_of_fields(enum an_by by, unsigned kind, uint64_t addr, uint64_t syndrome,
				   uint32_t stream, uint64_t *key)
{
	switch (by) {
	case AN_BY_KIND:
		*key = kind;
		return 1;
	case AN_BY_PORT:
		*key = addr << 1 | (kind == HVT_EXIT_PIO_OUT);
		return kind == HVT_EXIT_PIO_IN || kind == HVT_EXIT_PIO_OUT;
	case AN_BY_ADDRESS:
		*key = addr << 1 | (kind == HVT_EXIT_MMIO_WRITE);
		return kind == HVT_EXIT_MMIO_READ || kind == HVT_EXIT_MMIO_WRITE;
	case AN_BY_VCPU:
		*key = stream;
		return 1;
	case AN_BY_SYSREG:
		*key = addr << 1 | !(syndrome & AN_SYSREG_ISS_READ);
		return kind == HVT_EXIT_SYSREG;
	case AN_BY_HYPERCALL:
		*key = (syndrome & 0xffffu) << 32 | (addr & 0xffffffffu);
		return kind == HVT_EXIT_HYPERCALL;
	}
	return 0;
}

static inline int an_key_of(enum an_by by, const hvt_event *ev, uint64_t *key)
{
	return an_key_of_fields(by, ev->kind, ev->addr, ev->syndrome, ev->stream, key);
}

/* The row's label: "pio_out", "0x3f8:out", "0xd0000000:read", "vcpu0",
 * "CNTPCT_EL0:read" or "S3_0_C15_C0_0:write", "0x84000008 #0 PSCI_SYSTEM_OFF". */
const char *an_key_format(enum an_by by, uint64_t key, char *buf, size_t len);

#endif
