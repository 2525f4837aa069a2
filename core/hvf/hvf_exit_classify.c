/* Exit classification from the exit record alone (hvf_exit.h): one small
 * function per exception class (the syndrome's EC, ESR bits [31:26]); the
 * raw reason, syndrome and fault address are kept. Shared, compiled in, by
 * the HVF backend (hvf_exit.c adds the registers) and the HVF interposer
 * (shim/ reads just the one register pend names).
 *
 * What the VMM owes the guest afterwards (the Mac VMM's duties, as QEMU's
 * target/arm/hvf does them) is noted in pend and done at the next run:
 * PC += 4 past a data abort, an MSR/MRS and a WFI/WFE; the read value into
 * Rt. HVC needs no PC move: its exception returns past it.
 */
#include "hvf_exit.h"

#include <string.h>

#define EC_WFX 0x01u
#define EC_HVC64 0x16u
#define EC_SYSREG 0x18u
#define EC_DABT_LOWER 0x24u
#define EC_BREAKPOINT_LOWER 0x30u
#define EC_STEP_LOWER 0x32u
#define EC_WATCHPOINT_LOWER 0x34u
#define EC_BRK64 0x3cu

#define ISS_DABT_ISV (1u << 24)
#define ISS_DABT_SSE (1u << 21)
#define ISS_DABT_SF (1u << 15)
#define ISS_DABT_WNR (1u << 6)

uint64_t hvt_hvf_access_bits(uint64_t value, unsigned size)
{
	return size >= 8 ? value : value & ((1ull << (8 * size)) - 1);
}

static void expect_result(hvf_pending *pend, unsigned reg, unsigned size, int sse, int sf)
{
	pend->wants_result = 1;
	pend->reg = (uint8_t)reg;
	pend->size = (uint8_t)size;
	pend->sign_extend = (uint8_t)sse;
	pend->sixty_four = (uint8_t)sf;
}

/* Data abort with a valid syndrome: one load or store to an unmapped IPA. */
static void exit_data_abort(const hv_vcpu_exit_t *exit, uint32_t iss, hvt_exit *ex,
			    hvf_pending *pend)
{
	unsigned srt = (iss >> 16) & 0x1f;

	/* Where, also for an access the VMM cannot emulate (its END says). */
	ex->addr = exit->exception.physical_address;
	ex->fault_va = exit->exception.virtual_address;
	if (!(iss & ISS_DABT_ISV)) {
		/* Pair, writeback or SIMD accesses: no syndrome to emulate from. */
		ex->kind = HVT_EXIT_UNKNOWN;
		return;
	}
	ex->size = 1u << ((iss >> 22) & 3);
	ex->is_write = (iss & ISS_DABT_WNR) != 0;
	ex->kind = ex->is_write ? HVT_EXIT_MMIO_WRITE : HVT_EXIT_MMIO_READ;
	pend->advance_pc = 1;
	if (ex->is_write)
		pend->reg = (uint8_t)srt; /* the value written: Rt, cut to the size */
	else
		expect_result(pend, srt, ex->size, (iss & ISS_DABT_SSE) != 0,
			      (iss & ISS_DABT_SF) != 0);
}

/* MSR/MRS trapped: ISS = Op0 [21:20] Op2 [19:17] Op1 [16:14] CRn [13:10]
 * Rt [9:5] CRm [4:1] Direction [0] (1 = read). */
static void exit_sysreg(uint32_t iss, hvt_exit *ex, hvf_pending *pend)
{
	unsigned op0 = (iss >> 20) & 3, op2 = (iss >> 17) & 7, op1 = (iss >> 14) & 7;
	unsigned crn = (iss >> 10) & 15, rt = (iss >> 5) & 31, crm = (iss >> 1) & 15;

	ex->kind = HVT_EXIT_SYSREG;
	ex->addr = (uint64_t)(op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2);
	ex->is_write = !(iss & 1);
	ex->size = 8;
	ex->detail[0] = rt;
	pend->advance_pc = 1;
	if (ex->is_write)
		pend->reg = (uint8_t)rt;
	else
		expect_result(pend, rt, 8, 0, 1);
}

static void exit_exception(const hv_vcpu_exit_t *exit, hvt_exit *ex, hvf_pending *pend)
{
	uint64_t esr = exit->exception.syndrome;
	unsigned ec = (unsigned)(esr >> 26) & 0x3f;
	uint32_t iss = (uint32_t)(esr & 0x1ffffff);

	ex->syndrome = esr;
	switch (ec) {
	case EC_DABT_LOWER:
		exit_data_abort(exit, iss, ex, pend);
		break;
	case EC_HVC64:
		/* A hypercall: X0 carries the SMCCC function id, and the result. */
		ex->kind = HVT_EXIT_HYPERCALL;
		expect_result(pend, 0, 8, 0, 1);
		break;
	case EC_WFX:
		ex->kind = HVT_EXIT_HALT; /* WFI and WFE alike; PC moves past it */
		pend->advance_pc = 1;
		break;
	case EC_SYSREG:
		exit_sysreg(iss, ex, pend);
		break;
	case EC_BREAKPOINT_LOWER:
	case EC_STEP_LOWER:
	case EC_WATCHPOINT_LOWER:
	case EC_BRK64:
		ex->kind = HVT_EXIT_DEBUG;
		ex->detail[0] = ec;
		ex->fault_va = ec == EC_WATCHPOINT_LOWER ? exit->exception.virtual_address : 0;
		break;
	default:
		ex->kind = HVT_EXIT_UNKNOWN; /* the raw ESR says what it was */
		break;
	}
}

void hvt_hvf_exit_classify(const hv_vcpu_exit_t *exit, hvt_exit *ex, hvf_pending *pend)
{
	memset(pend, 0, sizeof(*pend));
	pend->reg = 31;
	ex->raw_reason = exit->reason;
	switch (exit->reason) {
	case HV_EXIT_REASON_CANCELED:
		ex->kind = HVT_EXIT_KICK;
		break;
	case HV_EXIT_REASON_EXCEPTION:
		exit_exception(exit, ex, pend);
		break;
	case HV_EXIT_REASON_VTIMER_ACTIVATED:
		ex->kind = HVT_EXIT_TIMER; /* the framework masked the vtimer */
		break;
	default:
		ex->kind = HVT_EXIT_UNKNOWN;
		break;
	}
}
