/* Exit decoding: hv_vcpu_exit_t and the registers at the exit become a
 * portable hvt_exit, one small function per exception class (the syndrome's
 * EC, ESR bits [31:26]); the raw reason, syndrome and fault address are kept.
 *
 * What the VMM owes the guest afterwards (the Mac VMM's duties, as QEMU's
 * target/arm/hvf does them) is noted in vcpu->pend and done at the next run:
 * PC += 4 past a data abort, an MSR/MRS and a WFI/WFE; the read value into
 * Rt (complete_read). HVC needs no PC move: its exception returns past it.
 */
#include "hvf_internal.h"

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

static uint64_t xreg(const hvt_exit *ex, unsigned rt)
{
	return rt == 31 ? 0 : ex->regs[rt]; /* register 31 is XZR here */
}

static void expect_result(hvt_backend_vcpu *vcpu, unsigned reg, unsigned size, int sse, int sf)
{
	vcpu->pend.wants_result = 1;
	vcpu->pend.reg = (uint8_t)reg;
	vcpu->pend.size = (uint8_t)size;
	vcpu->pend.sign_extend = (uint8_t)sse;
	vcpu->pend.sixty_four = (uint8_t)sf;
}

/* Data abort with a valid syndrome: one load or store to an unmapped IPA. */
static void exit_data_abort(hvt_backend_vcpu *vcpu, uint32_t iss, hvt_exit *ex)
{
	unsigned srt = (iss >> 16) & 0x1f;

	/* Where, also for an access the VMM cannot emulate (its END says). */
	ex->addr = vcpu->exit->exception.physical_address;
	ex->fault_va = vcpu->exit->exception.virtual_address;
	if (!(iss & ISS_DABT_ISV)) {
		/* Pair, writeback or SIMD accesses: no syndrome to emulate from. */
		ex->kind = HVT_EXIT_UNKNOWN;
		return;
	}
	ex->size = 1u << ((iss >> 22) & 3);
	ex->is_write = (iss & ISS_DABT_WNR) != 0;
	ex->kind = ex->is_write ? HVT_EXIT_MMIO_WRITE : HVT_EXIT_MMIO_READ;
	vcpu->pend.advance_pc = 1;
	if (ex->is_write)
		ex->value = ex->size == 8 ? xreg(ex, srt) :
			    xreg(ex, srt) & ((1ull << (8 * ex->size)) - 1);
	else
		expect_result(vcpu, srt, ex->size, (iss & ISS_DABT_SSE) != 0,
			      (iss & ISS_DABT_SF) != 0);
}

/* HVC #imm: a hypercall; X0 carries the SMCCC function id. */
static void exit_hvc(hvt_backend_vcpu *vcpu, hvt_exit *ex)
{
	ex->kind = HVT_EXIT_HYPERCALL;
	ex->addr = ex->regs[0];
	memcpy(ex->detail, ex->regs, 4 * sizeof(uint64_t));
	expect_result(vcpu, 0, 8, 0, 1); /* the result goes to X0 */
}

/* MSR/MRS trapped: ISS = Op0 [21:20] Op2 [19:17] Op1 [16:14] CRn [13:10]
 * Rt [9:5] CRm [4:1] Direction [0] (1 = read). */
static void exit_sysreg(hvt_backend_vcpu *vcpu, uint32_t iss, hvt_exit *ex)
{
	unsigned op0 = (iss >> 20) & 3, op2 = (iss >> 17) & 7, op1 = (iss >> 14) & 7;
	unsigned crn = (iss >> 10) & 15, rt = (iss >> 5) & 31, crm = (iss >> 1) & 15;

	ex->kind = HVT_EXIT_SYSREG;
	ex->addr = (uint64_t)(op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2);
	ex->is_write = !(iss & 1);
	ex->size = 8;
	ex->detail[0] = rt;
	vcpu->pend.advance_pc = 1;
	if (ex->is_write)
		ex->value = xreg(ex, rt);
	else
		expect_result(vcpu, rt, 8, 0, 1);
}

static void exit_exception(hvt_backend_vcpu *vcpu, hvt_exit *ex)
{
	uint64_t esr = vcpu->exit->exception.syndrome;
	unsigned ec = (unsigned)(esr >> 26) & 0x3f;
	uint32_t iss = (uint32_t)(esr & 0x1ffffff);

	ex->syndrome = esr;
	switch (ec) {
	case EC_DABT_LOWER:
		exit_data_abort(vcpu, iss, ex);
		break;
	case EC_HVC64:
		exit_hvc(vcpu, ex);
		break;
	case EC_WFX:
		ex->kind = HVT_EXIT_HALT; /* WFI and WFE alike; PC moves past it */
		vcpu->pend.advance_pc = 1;
		break;
	case EC_SYSREG:
		exit_sysreg(vcpu, iss, ex);
		break;
	case EC_BREAKPOINT_LOWER:
	case EC_STEP_LOWER:
	case EC_WATCHPOINT_LOWER:
	case EC_BRK64:
		ex->kind = HVT_EXIT_DEBUG;
		ex->detail[0] = ec;
		ex->fault_va = ec == EC_WATCHPOINT_LOWER ?
			       vcpu->exit->exception.virtual_address : 0;
		break;
	default:
		ex->kind = HVT_EXIT_UNKNOWN; /* the raw ESR says what it was */
		break;
	}
}

void hvt_hvf_decode_exit(hvt_backend_vcpu *vcpu, hvt_exit *ex)
{
	memset(&vcpu->pend, 0, sizeof(vcpu->pend));
	vcpu->pend.reg = 31;
	ex->raw_reason = vcpu->exit->reason;
	if (hvt_hvf_read_regs(vcpu, ex->regs) == 0) {
		ex->nregs = HVT_ARM64_NREGS;
		ex->regs_valid = 1;
	}
	switch (vcpu->exit->reason) {
	case HV_EXIT_REASON_CANCELED:
		ex->kind = HVT_EXIT_KICK;
		break;
	case HV_EXIT_REASON_EXCEPTION:
		exit_exception(vcpu, ex);
		break;
	case HV_EXIT_REASON_VTIMER_ACTIVATED:
		ex->kind = HVT_EXIT_TIMER;
		vcpu->vtimer_masked = 1; /* the framework masked it */
		break;
	default:
		ex->kind = HVT_EXIT_UNKNOWN;
		break;
	}
}
