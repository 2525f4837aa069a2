/* Recording around hv_vcpu_run and the per-vCPU calls, on the owning thread.
 *
 * When hv_vcpu_run returns, the exit is published at once: an EXIT record
 * (classified by hvf_exit.c, as our own backend does; the value written is
 * read from Rt) and an EXIT_ARM64 record (PC, syndrome, FAR). What the VMM
 * hands back is known only at the vCPU's next hv_vcpu_run: for a data-abort
 * read, Rt after the VMM wrote it; for an MRS, Rt; for HVC, X0. The ENTRY
 * record published then carries it with the handling time, as on KVM.
 * Interrupt lines set, vtimer (un)masking and exec-time samples go as EVENT
 * records between the two; the launcher keeps them after the exit.
 *
 * Only memory work, the clock and the framework's own register getters run
 * here: no allocation, no file, no thread.
 */
#include <string.h>
#include <time.h>

#include "hvf_shim.h"
#include "exit_event.h"
#include "hvf_exit.h"
#include "interpose_attach.h"

#define DETACH_SPINS 20000000u        /* bounded wait for the owner's critical section */
#define SAMPLE_PERIOD_NS 10000000ull  /* exec-time samples: every 10 ms, as our VMM */
#define VTIMER_ID 1u                  /* TIMER event addr of the arm64 vtimer (FORMAT.md) */

uint64_t hvf_shim_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO / commpage: no syscall */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int acquire(struct hvf_shim_vcpu *v)
{
	int idle = HVF_SHIM_IDLE;
	return atomic_compare_exchange_strong_explicit(&v->state, &idle, HVF_SHIM_BUSY,
						       memory_order_acquire, memory_order_relaxed);
}

static void release(struct hvf_shim_vcpu *v)
{
	atomic_store_explicit(&v->state, HVF_SHIM_IDLE, memory_order_release);
}

static uint64_t xreg(const struct hvf_shim_vcpu *v, unsigned reg)
{
	uint64_t value = 0;
	if (reg < 31)
		hvf_real.get_reg(v->id, (hv_reg_t)(HV_REG_X0 + reg), &value);
	return value; /* 31 is XZR */
}

static void push_event(struct hvf_shim_vcpu *v, unsigned type, unsigned kind, uint64_t addr,
		       uint64_t value)
{
	struct hvt_iring_rec rec = {.type = HVT_IREC_EVENT, .kind = (uint8_t)type,
				    .flags = (uint16_t)kind};
	rec.u.aux.time_ns = hvf_shim_now_ns();
	rec.u.aux.addr = addr;
	rec.u.aux.value = value;
	hvt_iring_push(hvf_shim_region(), v->ring, &rec, 1);
}

/* Cumulative guest time, when it moved, at most every SAMPLE_PERIOD_NS. */
static void sample_exec_time(struct hvf_shim_vcpu *v, uint64_t now_ns, int force)
{
	uint64_t exec_ns;
	if (!force && now_ns - v->last_sample_ns < SAMPLE_PERIOD_NS)
		return;
	v->last_sample_ns = now_ns;
	if (hvf_real.get_exec_time(v->id, &exec_ns) != HV_SUCCESS || exec_ns == v->last_exec_ns)
		return;
	v->last_exec_ns = exec_ns;
	push_event(v, HVT_EV_EXEC_TIME, 0, 0, exec_ns);
}

static void publish_entry(struct hvf_shim_vcpu *v, uint64_t enter_ns)
{
	struct hvt_iring_rec rec = {.type = HVT_IREC_ENTRY};
	rec.u.ev.time_ns = enter_ns;
	if (v->result_reg < 31) {
		rec.u.ev.value = hvt_hvf_access_bits(xreg(v, v->result_reg), v->result_bytes);
		rec.flags = HVT_IREC_HAS_VALUE;
	}
	hvt_iring_push(hvf_shim_region(), v->ring, &rec, 1);
	v->has_pending = 0;
}

/* The fields only registers give: the value written, HVC's function id. */
static void fill_from_regs(struct hvf_shim_vcpu *v, const hvf_pending *pend, hvt_exit *ex)
{
	if (ex->kind == HVT_EXIT_MMIO_WRITE)
		ex->value = hvt_hvf_access_bits(xreg(v, pend->reg), ex->size);
	else if (ex->kind == HVT_EXIT_SYSREG && ex->is_write)
		ex->value = xreg(v, pend->reg);
	else if (ex->kind == HVT_EXIT_HYPERCALL)
		ex->addr = xreg(v, 0);
	else if (ex->kind == HVT_EXIT_KICK)
		ex->count = atomic_exchange(&v->kicks, 0); /* hv_vcpus_exit calls it answers */
	else if (ex->kind == HVT_EXIT_TIMER)
		v->vtimer_masked = 1; /* the framework masked it */
}

static void publish_exit(struct hvf_shim_vcpu *v, hv_return_t r, uint64_t t0, uint64_t t1)
{
	struct hvt_iring_rec rec[2] = {{.type = HVT_IREC_EXIT}, {.type = HVT_IREC_EXIT_ARM64}};
	hvt_exit ex;
	hvf_pending pend;
	hvt_event ev;

	memset(&ex, 0, sizeof(ex));
	memset(&pend, 0, sizeof(pend));
	pend.reg = 31;
	ex.count = 1;
	ex.run_ns = t1 - t0;
	if (r != HV_SUCCESS) {
		ex.kind = HVT_EXIT_INTERNAL_ERROR;
		ex.raw_reason = HV_EXIT_REASON_UNKNOWN;
	} else {
		hvt_hvf_exit_classify(v->exit, &ex, &pend);
		fill_from_regs(v, &pend, &ex);
		hvf_real.get_reg(v->id, HV_REG_PC, &rec[1].u.arm64.pc);
	}
	hvt_exit_describe(&ex, &ev); /* no register file here: flags NO_REGS */
	if (r != HV_SUCCESS) {
		ev.flags |= HVT_EVF_EXIT_ERRNO; /* value = the hv_return_t */
		ev.value = (uint32_t)r;
	}
	rec[0].kind = ev.kind;
	rec[0].flags = ev.flags;
	rec[0].raw_reason = ev.raw_reason;
	rec[0].u.ev = (__typeof__(rec[0].u.ev)){.time_ns = t1, .run_ns = ev.run_ns,
		.addr = ev.addr, .value = ev.value, .size = ev.size, .count = ev.count};
	rec[1].u.arm64.syndrome = ex.syndrome;
	rec[1].u.arm64.fault_va = ex.fault_va;
	hvt_iring_push(hvf_shim_region(), v->ring, rec, 2);
	v->pending_kind = ev.kind;
	v->result_reg = pend.wants_result ? pend.reg : 31;
	v->result_bytes = ex.kind == HVT_EXIT_MMIO_READ ? (uint8_t)ex.size : 8;
	v->has_pending = 1;
}

hv_return_t hvf_shim_run(struct hvf_shim_vcpu *v)
{
	uint64_t enter_ns = hvf_shim_now_ns();
	int own = acquire(v);

	if (own) {
		if (v->has_pending)
			publish_entry(v, enter_ns);
		sample_exec_time(v, enter_ns, 0);
		release(v);
	}
	uint64_t t0 = hvf_shim_now_ns();
	hv_return_t r = hvf_real.vcpu_run(v->id);
	uint64_t t1 = hvf_shim_now_ns();
	if (own && acquire(v)) {
		publish_exit(v, r, t0, t1);
		release(v);
	}
	return r;
}

/* The VMM raised or lowered IRQ/FIQ for the next runs. QEMU sets both before
 * every run, so only changes are events: INTERRUPT at-exit (it is taken at
 * an entry, a synchronous point) or cleared; addr = the hv_interrupt_type_t. */
void hvf_shim_irq_set(struct hvf_shim_vcpu *v, hv_interrupt_type_t type, int level)
{
	if (type > HV_INTERRUPT_TYPE_FIQ || v->irq_level[type] == (level != 0) || !acquire(v))
		return;
	v->irq_level[type] = level != 0;
	push_event(v, HVT_EV_INTERRUPT, level ? HVT_IRQ_AT_EXIT : HVT_IRQ_CLEARED, type, 0);
	release(v);
}

/* Unmasking re-arms the vtimer: TIMER arm (value CNTV_CVAL_EL0), as our own
 * VMM records it; masking it by hand: TIMER cancel. */
void hvf_shim_vtimer_set(struct hvf_shim_vcpu *v, int masked)
{
	uint64_t cval = 0;
	if (v->vtimer_masked == (masked != 0) || !acquire(v))
		return;
	v->vtimer_masked = masked != 0;
	if (!masked)
		hvf_real.get_sys_reg(v->id, HV_SYS_REG_CNTV_CVAL_EL0, &cval);
	push_event(v, HVT_EV_TIMER, masked ? HVT_TIMER_CANCEL : HVT_TIMER_ARM, VTIMER_ID, cval);
	release(v);
}

/* hv_vcpu_destroy on the owning thread: a last exec-time sample, and the
 * pending exit never re-enters. The id may be created again later. */
void hvf_shim_destroyed(struct hvf_shim_vcpu *v)
{
	if (!acquire(v))
		return;
	sample_exec_time(v, hvf_shim_now_ns(), 1);
	struct hvt_iring_rec rec = {.type = HVT_IREC_ABANDON};
	rec.u.ev.time_ns = hvf_shim_now_ns();
	hvt_iring_push(hvf_shim_region(), v->ring, &rec, 1);
	v->has_pending = 0;
	atomic_store(&v->state, HVF_SHIM_UNUSED);
}

/* At exit, from any thread: the stream ends. Spins, bounded and without a
 * syscall, for the owner to leave its short critical section. */
void hvf_shim_detach(struct hvf_shim_vcpu *v)
{
	for (unsigned spins = 0; !acquire(v); spins++) {
		if (atomic_load(&v->state) != HVF_SHIM_BUSY || spins > DETACH_SPINS)
			return;
		hvt_cpu_relax();
	}
	struct hvt_iring_rec rec = {.type = HVT_IREC_END};
	rec.u.ev.time_ns = hvf_shim_now_ns();
	hvt_iring_push(hvf_shim_region(), v->ring, &rec, 1);
	v->has_pending = 0;
	atomic_store(&v->state, HVF_SHIM_DETACHED);
}
