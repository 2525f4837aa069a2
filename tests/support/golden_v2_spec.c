/* FROZEN: see golden_v2_spec.h. */
#include "golden_v2_spec.h"

#include <string.h>

static void arm64_event(struct tprng *p, hvt_event *ev, uint8_t *regs)
{
	if (ev->type != HVT_EV_INTERRUPT)
		return;
	if (ev->kind == HVT_IRQ_ASYNC) {
		tprng_fill(p, regs, HVT_ARM64_NREGS * 8);
		ev->data = regs;
		ev->data_len = HVT_ARM64_NREGS * 8;
	} else if (tprng_below(p, 2)) {
		ev->kind = HVT_IRQ_CLEARED;
		ev->regs_hash = 0;
	}
}

static void every_field(struct tprng *p, hvt_event *ev)
{
	ev->flags = (uint16_t)tprng_next(p);
	ev->pc = tprng_next(p);
	ev->addr = tprng_next(p);
	ev->value = tprng_next(p);
	ev->duration_ns = tprng_next(p);
	ev->run_ns = tprng_next(p);
	ev->size = (uint32_t)tprng_next(p);
	ev->count = (uint32_t)tprng_next(p);
	ev->raw_reason = (uint32_t)tprng_next(p);
	ev->regs_hash = (uint32_t)tprng_next(p);
	ev->syndrome = tprng_next(p);
	ev->fault_va = tprng_next(p);
}

void golden2_events(uint32_t s, struct tev_list *out)
{
	struct tev_list v1 = {0};
	struct tprng p;
	uint8_t regs[HVT_ARM64_NREGS * 8];
	tprng_seed(&p, GOLDEN2_SEED + s);
	golden_events(s, &v1);
	for (size_t i = 0; i < v1.n; i++) {
		hvt_event ev = v1.ev[i];
		if (s == GOLDEN2_ARM64_STREAM)
			arm64_event(&p, &ev, regs);
		if (i % 7 == 3)
			every_field(&p, &ev);
		tev_list_push(out, &ev);
	}
	tev_list_free(&v1);
}
