/* Building a v2 (columnar) events payload: see columns.h and FORMAT.md. */
#include "columns.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "hvtrace/error.h"

#define HASH_SLOTS (2u * HVT_COL_WRITER_MAX_SHAPES) /* load factor <= 1/2 */

int hvt_col_builder_init(struct hvt_col_builder *b, size_t data_cap_bytes)
{
	memset(b, 0, sizeof(*b));
	b->max_events = HVT_COL_WRITER_MAX_EVENTS;
	b->shape_id = calloc(b->max_events, sizeof(*b->shape_id));
	for (int c = 0; c < HVT_COL_COUNT; c++)
		b->col[c] = calloc(b->max_events, sizeof(uint64_t));
	b->data_cap = data_cap_bytes;
	b->data = calloc(1, data_cap_bytes ? data_cap_bytes : 1);
	b->shapes = calloc(HVT_COL_WRITER_MAX_SHAPES, sizeof(*b->shapes));
	b->last_value = calloc(HVT_COL_WRITER_MAX_SHAPES, sizeof(*b->last_value));
	b->hash = calloc(HASH_SLOTS, sizeof(*b->hash));
	int ok = b->shape_id && b->data && b->shapes && b->last_value && b->hash;
	for (int c = 0; c < HVT_COL_COUNT; c++)
		ok = ok && b->col[c];
	if (!ok) {
		hvt_col_builder_free(b);
		return HVT_E_NOMEM;
	}
	return 0;
}

void hvt_col_builder_free(struct hvt_col_builder *b)
{
	free(b->shape_id);
	for (int c = 0; c < HVT_COL_COUNT; c++)
		free(b->col[c]);
	free(b->data);
	free(b->shapes);
	free(b->last_value);
	free(b->hash);
	memset(b, 0, sizeof(*b));
}

void hvt_col_builder_reset(struct hvt_col_builder *b, uint64_t first_time_ns)
{
	if (b->nshapes)
		memset(b->hash, 0, HASH_SLOTS * sizeof(*b->hash));
	b->events = 0;
	b->nshapes = 0;
	b->shape_bytes = 0;
	b->data_len = 0;
	memset(b->col_or, 0, sizeof(b->col_or));
	b->time_ns = first_time_ns;
	b->entry_ns = 0;
	b->have_entry = 0;
}

static void shape_of(const hvt_event *ev, struct hvt_shape *s)
{
	memset(s, 0, sizeof(*s));
	s->pc = ev->pc;
	s->addr = ev->addr;
	s->syndrome = ev->syndrome;
	s->fault_va = ev->fault_va;
	s->size = ev->size;
	s->count = ev->count;
	s->raw_reason = ev->raw_reason;
	s->flags = ev->flags;
	s->tag = (uint8_t)(ev->type | ev->kind << 4);
}

static uint32_t shape_hash(const struct hvt_shape *s)
{
	uint64_t h = s->pc * 0x9e3779b97f4a7c15ull;
	h ^= (s->addr + s->tag) * 0xbf58476d1ce4e5b9ull;
	h ^= (s->syndrome ^ s->fault_va ^ ((uint64_t)s->size << 32 | s->raw_reason)) * 0x94d049bb133111ebull;
	h ^= (uint64_t)s->count << 16 ^ s->flags;
	return (uint32_t)(h >> 40) & (HASH_SLOTS - 1);
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static size_t shape_encoded_bytes(const struct hvt_shape *s)
{
	return 1 + varint_len(s->flags) + varint_len(s->pc) + varint_len(s->addr) +
	       varint_len(s->size) + varint_len(s->count) + varint_len(s->raw_reason) +
	       varint_len(s->syndrome) + varint_len(s->fault_va);
}

/* The shape's index, adding it when new: -1 when the dictionary is full. */
static int find_shape(struct hvt_col_builder *b, const hvt_event *ev)
{
	struct hvt_shape s;
	shape_of(ev, &s);
	uint32_t h = shape_hash(&s);
	for (;; h = (h + 1) & (HASH_SLOTS - 1)) {
		uint16_t e = b->hash[h];
		if (!e)
			break;
		if (memcmp(&b->shapes[e - 1], &s, sizeof(s)) == 0)
			return e - 1;
	}
	if (b->nshapes == HVT_COL_WRITER_MAX_SHAPES)
		return -1;
	b->shapes[b->nshapes] = s;
	b->last_value[b->nshapes] = 0;
	b->shape_bytes += shape_encoded_bytes(&s);
	b->hash[h] = (uint16_t)(++b->nshapes);
	return (int)b->nshapes - 1;
}

/* The run time an exit would have if the vCPU ran from its last re-entry
 * (the v1 prediction, formats/codec.c). */
static uint64_t predicted_run(const struct hvt_col_builder *b, const hvt_event *ev)
{
	if (ev->type != HVT_EV_EXIT || !b->have_entry || ev->time_ns < b->entry_ns)
		return 0;
	return ev->time_ns - b->entry_ns;
}

static void put(struct hvt_col_builder *b, enum hvt_col c, uint32_t i, uint64_t v)
{
	b->col[c][i] = v;
	b->col_or[c] |= v;
}

int hvt_col_add(struct hvt_col_builder *b, const hvt_event *ev)
{
	if (b->events == b->max_events)
		return HVT_COL_FULL;
	if (b->data_len + ev->data_len > b->data_cap) {
		if (b->events)
			return HVT_COL_FULL;
		uint8_t *nd = realloc(b->data, ev->data_len);
		if (!nd)
			return HVT_E_NOMEM;
		b->data = nd;
		b->data_cap = ev->data_len;
	}
	int sid = find_shape(b, ev);
	if (sid < 0)
		return HVT_COL_FULL;
	uint32_t i = b->events++;
	b->shape_id[i] = (uint16_t)sid;
	put(b, HVT_COL_TIME, i, ev->time_ns - b->time_ns);
	put(b, HVT_COL_DURATION, i, ev->duration_ns);
	put(b, HVT_COL_RUN, i, hvt_zigzag((int64_t)(ev->run_ns - predicted_run(b, ev))));
	put(b, HVT_COL_VALUE, i, hvt_zigzag((int64_t)(ev->value - b->last_value[sid])));
	put(b, HVT_COL_REGS, i, ev->regs_hash);
	put(b, HVT_COL_DATA_LEN, i, ev->data_len);
	b->last_value[sid] = ev->value;
	if (ev->data_len)
		memcpy(b->data + b->data_len, ev->data, ev->data_len);
	b->data_len += ev->data_len;
	b->time_ns = ev->time_ns;
	if (ev->type == HVT_EV_EXIT) {
		b->entry_ns = ev->time_ns + ev->duration_ns; /* wraps alike on both sides */
		b->have_entry = 1;
	}
	return 0;
}

/* Fewest bytes holding every value whose OR is v. */
static uint8_t width_of(uint64_t v)
{
	uint8_t w = 0;
	while (v) {
		w++;
		v >>= 8;
	}
	return w;
}

static uint8_t col_width(const struct hvt_col_builder *b, int c)
{
	uint8_t w = width_of(b->col_or[c]);
	return c == HVT_COL_TIME && w == 0 ? 1 : w; /* time: at least one plane */
}

static uint8_t sid_width(uint32_t nshapes)
{
	return nshapes <= 256 ? 1 : 2;
}

size_t hvt_col_raw_bytes(const struct hvt_col_builder *b)
{
	size_t per_event = sid_width(b->nshapes);
	for (int c = 0; c < HVT_COL_COUNT; c++)
		per_event += col_width(b, c);
	return varint_len(b->nshapes) + b->shape_bytes + HVT_COL_COUNT +
	       (size_t)b->events * per_event + b->data_len;
}

static uint8_t *put_shape(uint8_t *p, const struct hvt_shape *s)
{
	*p++ = s->tag;
	p += hvt_put_varint(p, s->flags);
	p += hvt_put_varint(p, s->pc);
	p += hvt_put_varint(p, s->addr);
	p += hvt_put_varint(p, s->size);
	p += hvt_put_varint(p, s->count);
	p += hvt_put_varint(p, s->raw_reason);
	p += hvt_put_varint(p, s->syndrome);
	p += hvt_put_varint(p, s->fault_va);
	return p;
}

/* Byte plane k of n values: every value's k-th byte. */
static uint8_t *put_planes(uint8_t *p, const uint64_t *v, uint32_t n, uint8_t width)
{
	for (uint8_t k = 0; k < width; k++) {
		for (uint32_t i = 0; i < n; i++)
			p[i] = (uint8_t)(v[i] >> (8 * k));
		p += n;
	}
	return p;
}

size_t hvt_col_finish(const struct hvt_col_builder *b, uint8_t *out)
{
	uint8_t *p = out;
	uint32_t n = b->events;
	p += hvt_put_varint(p, b->nshapes);
	for (uint32_t s = 0; s < b->nshapes; s++)
		p = put_shape(p, &b->shapes[s]);
	uint8_t sw = sid_width(b->nshapes);
	for (uint32_t i = 0; i < n; i++)
		p[i] = (uint8_t)b->shape_id[i];
	if (sw == 2)
		for (uint32_t i = 0; i < n; i++)
			p[n + i] = (uint8_t)(b->shape_id[i] >> 8);
	p += (size_t)n * sw;
	for (int c = 0; c < HVT_COL_COUNT; c++) {
		uint8_t w = col_width(b, c);
		*p++ = w;
		p = put_planes(p, b->col[c], n, w);
	}
	if (b->data_len)
		memcpy(p, b->data, b->data_len);
	p += b->data_len;
	return (size_t)(p - out);
}
