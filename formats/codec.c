#include "codec.h"

#include <string.h>

#include "bytes.h"
#include "hvtrace/error.h"

void hvt_codec_reset(struct hvt_codec_state *s, uint64_t first_time_ns)
{
	memset(s, 0, sizeof(*s));
	s->time_ns = first_time_ns;
}

static struct hvt_slot *slot_of(struct hvt_codec_state *s, unsigned type, unsigned kind)
{
	return &s->slot[type * 16 + kind];
}

/* The run time an exit would have if the vCPU ran from its last re-entry. */
static uint64_t predicted_run(const struct hvt_codec_state *s, unsigned type, uint64_t time_ns)
{
	if (type != HVT_EV_EXIT || !s->have_entry || time_ns < s->entry_ns)
		return 0;
	return time_ns - s->entry_ns;
}

static void note_event(struct hvt_codec_state *s, struct hvt_slot *sl, const hvt_event *ev)
{
	s->time_ns = ev->time_ns;
	sl->pc = ev->pc;
	sl->addr = ev->addr;
	sl->value = ev->value;
	sl->syndrome = ev->syndrome;
	sl->fault_va = ev->fault_va;
	sl->size = ev->size;
	sl->count = ev->count;
	sl->raw_reason = ev->raw_reason;
	sl->flags = ev->flags;
	if (ev->type == HVT_EV_EXIT) {
		s->entry_ns = ev->time_ns + ev->duration_ns; /* wraps alike on both sides */
		s->have_entry = 1;
	}
}

static uint32_t field_mask(const struct hvt_codec_state *s, const struct hvt_slot *sl,
			   const hvt_event *ev, uint64_t run_pred)
{
	uint32_t m = 0;
	m |= ev->time_ns != s->time_ns ? HVT_F_TIME : 0;
	m |= ev->duration_ns ? HVT_F_DURATION : 0;
	m |= ev->regs_hash ? HVT_F_REGS_HASH : 0;
	m |= ev->pc != sl->pc ? HVT_F_PC : 0;
	m |= ev->value != sl->value ? HVT_F_VALUE : 0;
	m |= ev->run_ns != run_pred ? HVT_F_RUN : 0;
	m |= ev->addr != sl->addr ? HVT_F_ADDR : 0;
	m |= ev->size != sl->size ? HVT_F_SIZE : 0;
	m |= ev->count != sl->count ? HVT_F_COUNT : 0;
	m |= ev->raw_reason != sl->raw_reason ? HVT_F_RAW_REASON : 0;
	m |= ev->flags != sl->flags ? HVT_F_FLAGS : 0;
	m |= ev->syndrome != sl->syndrome ? HVT_F_SYNDROME : 0;
	m |= ev->fault_va != sl->fault_va ? HVT_F_FAULT_VA : 0;
	m |= ev->data_len ? HVT_F_DATA : 0;
	return m;
}

static size_t put_delta(uint8_t *p, uint64_t now, uint64_t before)
{
	return hvt_put_varint(p, hvt_zigzag((int64_t)(now - before)));
}

size_t hvt_event_encode(struct hvt_codec_state *s, const hvt_event *ev, uint8_t *out)
{
	struct hvt_slot *sl = slot_of(s, ev->type, ev->kind);
	uint64_t run_pred = predicted_run(s, ev->type, ev->time_ns);
	uint32_t m = field_mask(s, sl, ev, run_pred);
	uint8_t *p = out;
	*p++ = (uint8_t)(ev->type | ev->kind << 4);
	p += hvt_put_varint(p, m);
	if (m & HVT_F_TIME)
		p += hvt_put_varint(p, ev->time_ns - s->time_ns);
	if (m & HVT_F_DURATION)
		p += hvt_put_varint(p, ev->duration_ns);
	if (m & HVT_F_REGS_HASH) {
		hvt_put_le32(p, ev->regs_hash);
		p += 4;
	}
	if (m & HVT_F_PC)
		p += put_delta(p, ev->pc, sl->pc);
	if (m & HVT_F_VALUE)
		p += put_delta(p, ev->value, sl->value);
	if (m & HVT_F_RUN)
		p += put_delta(p, ev->run_ns, run_pred);
	if (m & HVT_F_ADDR)
		p += put_delta(p, ev->addr, sl->addr);
	if (m & HVT_F_SIZE)
		p += hvt_put_varint(p, ev->size);
	if (m & HVT_F_COUNT)
		p += hvt_put_varint(p, ev->count);
	if (m & HVT_F_RAW_REASON)
		p += hvt_put_varint(p, ev->raw_reason);
	if (m & HVT_F_FLAGS)
		p += hvt_put_varint(p, ev->flags);
	if (m & HVT_F_SYNDROME)
		p += hvt_put_varint(p, ev->syndrome);
	if (m & HVT_F_FAULT_VA)
		p += hvt_put_varint(p, ev->fault_va);
	if (m & HVT_F_DATA) {
		p += hvt_put_varint(p, ev->data_len);
		memcpy(p, ev->data, ev->data_len);
		p += ev->data_len;
	}
	note_event(s, sl, ev);
	return (size_t)(p - out);
}

/* The largest kind each event type defines; 0 where kind is unused. */
static unsigned max_kind(unsigned type)
{
	switch (type) {
	case HVT_EV_EXIT: return HVT_EXIT_KIND_MAX;
	case HVT_EV_INTERRUPT: return HVT_IRQ_KIND_MAX;
	case HVT_EV_TIMER: return HVT_TIMER_CANCEL;
	case HVT_EV_END: return HVT_END_REASON_MAX;
	default: return 0;
	}
}

int hvt_event_kind_valid(unsigned type, unsigned kind)
{
	return type >= 1 && type <= HVT_EV_TYPE_MAX && kind <= max_kind(type);
}

/* Bit k of kinds_ok[type] is set when kind k is valid for type: one load
 * checks an event's tag (it must agree with max_kind above). */
static const uint16_t kinds_ok[16] = {
	[HVT_EV_EXIT] = (1u << (HVT_EXIT_KIND_MAX + 1)) - 1,
	[HVT_EV_INTERRUPT] = (1u << (HVT_IRQ_KIND_MAX + 1)) - 1,
	[HVT_EV_TIMER] = (1u << (HVT_TIMER_CANCEL + 1)) - 1,
	[HVT_EV_MEM_WRITE] = 1, [HVT_EV_CONSOLE_IN] = 1, [HVT_EV_EXEC_TIME] = 1, [HVT_EV_MARKER] = 1,
	[HVT_EV_END] = (1u << (HVT_END_REASON_MAX + 1)) - 1,
};

/* A zigzag delta applied to *field in place; zero would have been absent. */
static int get_delta(const uint8_t **pp, const uint8_t *end, uint64_t *field)
{
	uint64_t v;
	if (hvt_get_varint_fast(pp, end, &v) != 0 || v == 0)
		return -1;
	*field += (uint64_t)hvt_unzigzag(v);
	return 0;
}

/* A varint that must fit in max and differ from the slot's value. */
static int get_changed(const uint8_t **pp, const uint8_t *end, uint64_t max, uint64_t base,
		       uint64_t *out)
{
	return hvt_get_varint_fast(pp, end, out) != 0 || *out > max || *out == base ? -1 : 0;
}

/* What a decode has read so far that does not live in a slot. */
struct decoded {
	uint64_t time_ns;
	uint64_t duration_ns;
	uint64_t run_ns;
	uint32_t regs_hash;
};

static const char *decode_timing(const struct hvt_codec_state *s, uint32_t m, const uint8_t **pp,
				 const uint8_t *end, struct decoded *d)
{
	uint64_t v;
	d->time_ns = s->time_ns;
	d->duration_ns = 0;
	d->regs_hash = 0;
	if (m & HVT_F_TIME) {
		if (hvt_get_varint_fast(pp, end, &v) != 0 || v == 0)
			return "bad time delta";
		if (v > UINT64_MAX - s->time_ns)
			return "time overflows 64 bits";
		d->time_ns += v;
	}
	if ((m & HVT_F_DURATION) && (hvt_get_varint_fast(pp, end, &d->duration_ns) != 0 || !d->duration_ns))
		return "bad duration";
	if (m & HVT_F_REGS_HASH) {
		if (end - *pp < 4)
			return "regs hash cut short";
		d->regs_hash = hvt_get_le32(*pp);
		*pp += 4;
		if (!d->regs_hash)
			return "regs hash present but zero";
	}
	return NULL;
}

/* The delta-coded fields, applied to the slot in place. */
static const char *decode_deltas(struct hvt_slot *sl, uint32_t m, const uint8_t **pp,
				 const uint8_t *end, struct decoded *d)
{
	if ((m & HVT_F_PC) && get_delta(pp, end, &sl->pc))
		return "bad pc";
	if ((m & HVT_F_VALUE) && get_delta(pp, end, &sl->value))
		return "bad value";
	if ((m & HVT_F_RUN) && get_delta(pp, end, &d->run_ns))
		return "bad run time";
	if ((m & HVT_F_ADDR) && get_delta(pp, end, &sl->addr))
		return "bad addr";
	return NULL;
}

/* The rarely changing fields, each replacing the slot's when present. */
static const char *decode_changes(struct hvt_slot *sl, uint32_t m, const uint8_t **pp,
				  const uint8_t *end)
{
	uint64_t v;
	if (m & HVT_F_SIZE) {
		if (get_changed(pp, end, UINT32_MAX, sl->size, &v))
			return "bad size";
		sl->size = (uint32_t)v;
	}
	if (m & HVT_F_COUNT) {
		if (get_changed(pp, end, UINT32_MAX, sl->count, &v))
			return "bad count";
		sl->count = (uint32_t)v;
	}
	if (m & HVT_F_RAW_REASON) {
		if (get_changed(pp, end, UINT32_MAX, sl->raw_reason, &v))
			return "bad raw reason";
		sl->raw_reason = (uint32_t)v;
	}
	if (m & HVT_F_FLAGS) {
		if (get_changed(pp, end, UINT16_MAX, sl->flags, &v))
			return "bad flags";
		sl->flags = (uint16_t)v;
	}
	if ((m & HVT_F_SYNDROME) && get_changed(pp, end, UINT64_MAX, sl->syndrome, &sl->syndrome))
		return "bad syndrome";
	if ((m & HVT_F_FAULT_VA) && get_changed(pp, end, UINT64_MAX, sl->fault_va, &sl->fault_va))
		return "bad fault address";
	return NULL;
}

static const char *decode_data(uint32_t m, const uint8_t **pp, const uint8_t *end, hvt_event *ev)
{
	uint64_t len;
	ev->data = NULL;
	ev->data_len = 0;
	if (!(m & HVT_F_DATA))
		return NULL;
	if (hvt_get_varint_fast(pp, end, &len) != 0 || len == 0 || len > HVT_MAX_EVENT_DATA)
		return "bad data length";
	if ((uint64_t)(end - *pp) < len)
		return "data runs past the chunk";
	ev->data = *pp;
	ev->data_len = (uint32_t)len;
	*pp += len;
	return NULL;
}

/* Writes every field of ev but stream, seq and data, and moves the state on. */
static void finish(struct hvt_codec_state *s, const struct hvt_slot *sl, const struct decoded *d,
		   unsigned type, unsigned kind, hvt_event *ev)
{
	ev->type = (uint8_t)type;
	ev->kind = (uint8_t)kind;
	ev->flags = sl->flags;
	ev->time_ns = d->time_ns;
	ev->pc = sl->pc;
	ev->addr = sl->addr;
	ev->value = sl->value;
	ev->duration_ns = d->duration_ns;
	ev->run_ns = d->run_ns;
	ev->size = sl->size;
	ev->count = sl->count;
	ev->raw_reason = sl->raw_reason;
	ev->regs_hash = d->regs_hash;
	ev->syndrome = sl->syndrome;
	ev->fault_va = sl->fault_va;
	s->time_ns = d->time_ns;
	if (type == HVT_EV_EXIT) {
		s->entry_ns = d->time_ns + d->duration_ns; /* wraps alike on both sides */
		s->have_entry = 1;
	}
}

int hvt_event_decode(struct hvt_codec_state *s, const uint8_t **pp, const uint8_t *end,
		     hvt_event *ev, const char **why)
{
	const uint8_t *p = *pp;
	struct decoded d;
	uint64_t m;
	if (p >= end) {
		*why = "event cut short";
		return HVT_E_BAD_EVENT;
	}
	unsigned type = *p & 15, kind = *p++ >> 4;
	struct hvt_slot *sl = NULL;
	if (!((kinds_ok[type] >> kind) & 1))
		*why = type < 1 || type > HVT_EV_TYPE_MAX ? "unknown event type"
							  : "kind out of range for the event type";
	else if (hvt_get_varint_fast(&p, end, &m) != 0 || m > HVT_F_ALL)
		*why = "bad field mask";
	else if (!(*why = decode_timing(s, (uint32_t)m, &p, end, &d))) {
		/* A failed decode leaves the slot half updated; the chunk is
		 * abandoned then (cursor.c), so that never matters. */
		sl = slot_of(s, type, kind);
		d.run_ns = predicted_run(s, type, d.time_ns);
		if (!(*why = decode_deltas(sl, (uint32_t)m, &p, end, &d)) &&
		    !(*why = decode_changes(sl, (uint32_t)m, &p, end)))
			*why = decode_data((uint32_t)m, &p, end, ev);
	}
	if (*why)
		return HVT_E_BAD_EVENT;
	finish(s, sl, &d, type, kind, ev);
	*pp = p;
	return 0;
}
