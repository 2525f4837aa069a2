/* FROZEN: see golden_spec.h. */
#include "golden_spec.h"

#include <string.h>

static const uint8_t binary_value[] = {0x00, 0xff, 0x01, 0x00, 0x80, 0x7f, 0x00};

static const struct golden_meta written[] = {
	{"backend", (const uint8_t *)"kvm", 3},
	{"guest", (const uint8_t *)"demo", 4},
	{"command", (const uint8_t *)"hvtrace record --golden", 23},
	{"guest", (const uint8_t *)"demo-v2", 7}, /* set twice: the last wins */
	{"binary", binary_value, sizeof(binary_value)},
	{"empty", (const uint8_t *)"", 0},
};

static const struct golden_meta expected[] = {
	{"backend", (const uint8_t *)"kvm", 3},
	{"guest", (const uint8_t *)"demo-v2", 7},
	{"command", (const uint8_t *)"hvtrace record --golden", 23},
	{"binary", binary_value, sizeof(binary_value)},
	{"empty", (const uint8_t *)"", 0},
};

size_t golden_meta_written(const struct golden_meta **out)
{
	*out = written;
	return sizeof(written) / sizeof(written[0]);
}

size_t golden_meta_expected(const struct golden_meta **out)
{
	*out = expected;
	return sizeof(expected) / sizeof(expected[0]);
}

void golden_blob(uint8_t *out)
{
	struct tprng p;
	tprng_seed(&p, GOLDEN_SEED ^ 0xb10b);
	for (uint32_t i = 0; i < GOLDEN_BLOB_BYTES; i++)
		out[i] = i % 7 ? (uint8_t)tprng_next(&p) : (uint8_t)i;
}

static uint64_t pick(struct tprng *p, uint64_t big)
{
	switch (tprng_below(p, 4)) {
	case 0: return 0;
	case 1: return tprng_below(p, 200);
	case 2: return big;
	default: return tprng_next(p);
	}
}

/* Fills ev's fields for its type; data goes to buf (<= 18 * 8 bytes). */
static void golden_fields(struct tprng *p, hvt_event *ev, uint8_t *buf)
{
	uint32_t dlen = (uint32_t)tprng_below(p, 3) ? 0 : (uint32_t)tprng_range(p, 1, 100);
	switch (ev->type) {
	case HVT_EV_EXIT:
		ev->kind = (uint8_t)(ev->seq % (HVT_EXIT_KIND_MAX + 1));
		ev->flags = (uint16_t)tprng_below(p, 8);
		ev->pc = pick(p, 0xffffffff80001000ull);
		ev->addr = pick(p, 0x3f8);
		ev->value = pick(p, UINT64_MAX);
		ev->duration_ns = pick(p, 8000);
		ev->run_ns = pick(p, 1000);
		ev->size = (uint32_t)pick(p, 4);
		ev->count = (uint32_t)pick(p, 1);
		ev->raw_reason = (uint32_t)pick(p, 2);
		ev->regs_hash = (uint32_t)tprng_next(p);
		ev->syndrome = pick(p, 0x92000046);
		ev->fault_va = pick(p, 0x9000000);
		ev->data_len = dlen;
		break;
	case HVT_EV_INTERRUPT:
		ev->kind = (uint8_t)tprng_below(p, 2);
		ev->pc = pick(p, 0x100000);
		ev->addr = tprng_below(p, 256);
		ev->regs_hash = (uint32_t)tprng_next(p);
		ev->data_len = ev->kind == HVT_IRQ_ASYNC ? HVT_X86_NREGS * 8 : 0;
		break;
	case HVT_EV_TIMER:
		ev->kind = (uint8_t)tprng_below(p, 3);
		ev->addr = pick(p, 1);
		ev->value = pick(p, 10000000);
		break;
	case HVT_EV_MEM_WRITE:
		ev->addr = pick(p, 0x200000);
		ev->data_len = dlen;
		break;
	case HVT_EV_CONSOLE_IN:
		ev->data_len = dlen;
		break;
	case HVT_EV_EXEC_TIME:
		ev->value = pick(p, 123456789);
		break;
	case HVT_EV_MARKER:
		ev->pc = pick(p, 0x1000);
		ev->addr = pick(p, 42);
		ev->value = pick(p, 7);
		ev->data_len = dlen;
		break;
	default: /* HVT_EV_END */
		ev->kind = (uint8_t)tprng_below(p, HVT_END_REASON_MAX + 1);
		ev->pc = pick(p, 0x1000);
		ev->value = pick(p, 0);
		ev->data_len = dlen;
		break;
	}
	tprng_fill(p, buf, ev->data_len);
	ev->data = ev->data_len ? buf : NULL;
}

void golden_events(uint32_t s, struct tev_list *out)
{
	struct tprng p;
	uint8_t buf[HVT_X86_NREGS * 8];
	uint64_t t = 1000u * (s + 1);
	tprng_seed(&p, GOLDEN_SEED + s);
	for (uint32_t i = 0; i < GOLDEN_EVENTS; i++) {
		hvt_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.stream = s;
		ev.seq = i;
		/* Every type in the first eight, an END last, random between. */
		ev.type = (uint8_t)(i == GOLDEN_EVENTS - 1 ? HVT_EV_END
				    : i < HVT_EV_TYPE_MAX ? i + 1
				    : tprng_range(&p, HVT_EV_EXIT, HVT_EV_MARKER));
		t += tprng_below(&p, 4) ? tprng_below(&p, 5000) : 0;
		ev.time_ns = t;
		golden_fields(&p, &ev, buf);
		tev_list_push(out, &ev);
	}
}
