/* Reading a v2 (columnar) events payload straight into the caller's arrays
 * (struct hvt_columns of hvtrace/reader.h): each column the caller set is
 * recombined from its byte planes and delta-decoded in a loop of its own,
 * with no per-event branch on the field set and no hvt_event in between.
 * The checks are columns_dec.c's, applied to the same bytes: a payload this
 * path accepts, hvt_col_next_batch accepts too, and their events agree.
 *
 * Every loop works on local restrict pointers: the caller's uint8_t arrays
 * may alias anything as far as C knows, and without restrict the compiler
 * reloads every pointer at every store and vectorizes nothing (measured:
 * 11 instructions per event per shape field, 3 with). */
#include "columns.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "codec.h"
#include "hvtrace/error.h"
#include "hvtrace/reader.h"

/* The byte-plane loops, built twice on x86-64 GCC: for AVX2 (one
 * instruction widens 4 bytes to 4 u64, where SSE2 needs a chain of
 * unpacks) and for the baseline, picked once at load time (ifunc). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__ELF__)
#define HVT_SIMD __attribute__((target_clones("avx2", "default")))
#else
#define HVT_SIMD
#endif

/* The loops that cannot vectorize (table lookups, running sums) are
 * unrolled: their bodies are 3-5 instructions, as many as a loop's own. */
#if defined(__GNUC__) && !defined(__clang__)
#define HVT_UNROLL _Pragma("GCC unroll 4")
#else
#define HVT_UNROLL
#endif

/* One block of events decoded at once (stack temporaries). */
#define BLOCK HVT_COL_BATCH

/* The dictionary as one array per field: 48 bytes a shape. */
static int build_shape_cols(struct hvt_col_reader *r)
{
	uint32_t n = r->nshapes;
	if (n > r->sc_cap) {
		void *m = realloc(r->sc_mem, (size_t)n * 48);
		if (!m)
			return HVT_E_NOMEM;
		r->sc_mem = m;
		r->sc_cap = n;
	}
	uint8_t *p = r->sc_mem;
	r->sc.pc = (uint64_t *)(void *)p, p += (size_t)n * 8;
	r->sc.addr = (uint64_t *)(void *)p, p += (size_t)n * 8;
	r->sc.syndrome = (uint64_t *)(void *)p, p += (size_t)n * 8;
	r->sc.fault_va = (uint64_t *)(void *)p, p += (size_t)n * 8;
	r->sc.size = (uint32_t *)(void *)p, p += (size_t)n * 4;
	r->sc.count = (uint32_t *)(void *)p, p += (size_t)n * 4;
	r->sc.raw_reason = (uint32_t *)(void *)p, p += (size_t)n * 4;
	r->sc.flags = (uint16_t *)(void *)p, p += (size_t)n * 2;
	r->sc.type = p, p += n;
	r->sc.kind = p;
	for (uint32_t s = 0; s < n; s++) {
		const hvt_event *t = &r->tmpl[s];
		r->sc.pc[s] = t->pc, r->sc.addr[s] = t->addr;
		r->sc.syndrome[s] = t->syndrome, r->sc.fault_va[s] = t->fault_va;
		r->sc.size[s] = t->size, r->sc.count[s] = t->count;
		r->sc.raw_reason[s] = t->raw_reason, r->sc.flags[s] = t->flags;
		r->sc.type[s] = t->type, r->sc.kind[s] = t->kind;
	}
	r->sc_ready = 1;
	return 0;
}

static const uint8_t zeros[BLOCK];

HVT_SIMD static void wide(const struct hvt_col_plane *c, uint32_t events, uint32_t k, uint32_t n,
		 uint64_t *restrict out)
{
	const uint8_t *pl[8];
	for (uint8_t b = 0; b < 8; b++)
		pl[b] = b < c->width ? c->p + k + (size_t)b * events : zeros;
	const uint8_t *restrict p0 = pl[0], *restrict p1 = pl[1], *restrict p2 = pl[2];
	const uint8_t *restrict p3 = pl[3], *restrict p4 = pl[4], *restrict p5 = pl[5];
	const uint8_t *restrict p6 = pl[6], *restrict p7 = pl[7];
	for (uint32_t i = 0; i < n; i++) {
		uint32_t lo = (uint32_t)p0[i] | (uint32_t)p1[i] << 8 | (uint32_t)p2[i] << 16 |
			      (uint32_t)p3[i] << 24;
		uint32_t hi = (uint32_t)p4[i] | (uint32_t)p5[i] << 8 | (uint32_t)p6[i] << 16 |
			      (uint32_t)p7[i] << 24;
		out[i] = (uint64_t)hi << 32 | lo;
	}
}

/* Values k..k+n of a column into out, all of its planes in one pass; the
 * usual widths get a loop of their own (32-bit sums, widened once). */
HVT_SIMD static void combine(const struct hvt_col_plane *c, uint32_t events, uint32_t k, uint32_t n,
		    uint64_t *restrict out)
{
	const uint8_t *restrict p0 = c->p + k, *restrict p1 = p0 + events;
	const uint8_t *restrict p2 = p1 + events, *restrict p3 = p2 + events;
	switch (c->width) {
	case 0:
		memset(out, 0, n * sizeof(*out));
		return;
	case 1:
		for (uint32_t i = 0; i < n; i++)
			out[i] = p0[i];
		return;
	case 2:
		for (uint32_t i = 0; i < n; i++)
			out[i] = (uint32_t)(p0[i] | p1[i] << 8);
		return;
	case 3:
		for (uint32_t i = 0; i < n; i++)
			out[i] = (uint32_t)p0[i] | (uint32_t)p1[i] << 8 | (uint32_t)p2[i] << 16;
		return;
	case 4:
		for (uint32_t i = 0; i < n; i++)
			out[i] = (uint32_t)p0[i] | (uint32_t)p1[i] << 8 | (uint32_t)p2[i] << 16 |
				 (uint32_t)p3[i] << 24;
		return;
	default: /* 5..8: all eight, the missing planes read from zeros */
		wide(c, events, k, n, out);
	}
}

/* Shape ids (1 or 2 bytes) into 16-bit indexes; 1 when one is out of range. */
HVT_SIMD static int shape_ids(const struct hvt_col_reader *r, uint32_t n, uint16_t *restrict sid)
{
	const uint8_t *restrict p0 = r->sid.p + r->next, *restrict p1 = p0 + r->events;
	uint16_t max = 0;
	uint8_t max8 = 0;
	if (r->sid.width == 2) {
		for (uint32_t i = 0; i < n; i++)
			sid[i] = (uint16_t)(p0[i] | p1[i] << 8);
		for (uint32_t i = 0; i < n; i++)
			max = sid[i] > max ? sid[i] : max;
		return max >= r->nshapes;
	}
	/* One byte: the maximum over bytes (16 at a time), then widen. */
	for (uint32_t i = 0; i < n; i++)
		max8 = p0[i] > max8 ? p0[i] : max8;
	for (uint32_t i = 0; i < n; i++)
		sid[i] = p0[i];
	return max8 >= r->nshapes;
}

/* The slow path of a failed block: the deltas and ids again, as the shared
 * problem finder wants them. */
static int block_problem(const struct hvt_col_reader *r, uint32_t n, uint32_t *bad,
			 const char **why)
{
	uint64_t sid[BLOCK], dt[BLOCK];
	hvt_col_gather(&r->sid, r->events, r->next, n, sid);
	hvt_col_gather(&r->col[HVT_COL_TIME], r->events, r->next, n, dt);
	return hvt_col_batch_problem(r, n, sid, dt, bad, why);
}

/* Times from their deltas, in place in t. A delta below 2^(8 width) cannot
 * wrap the sum unless the block starts near 2^64: checked once a block,
 * then the loop is a plain prefix sum. */
static int decode_times(struct hvt_col_reader *r, uint64_t *restrict t, uint32_t n, int bad_ids,
			uint32_t *bad, const char **why)
{
	const struct hvt_col_plane *c = &r->col[HVT_COL_TIME];
	uint64_t now = r->time_ns, wrapped = 0;
	combine(c, r->events, r->next, n, t);
	if (bad_ids || (r->next == 0 && t[0]))
		return block_problem(r, n, bad, why);
	if (c->width < 7 && now < UINT64_MAX - ((uint64_t)n << (8 * c->width))) {
		HVT_UNROLL
		for (uint32_t i = 0; i < n; i++)
			t[i] = now += t[i];
	} else {
		for (uint32_t i = 0; i < n; i++) {
			uint64_t nt = now + t[i];
			wrapped |= nt < now;
			t[i] = now = nt;
		}
	}
	if (wrapped || now > r->last_time_ns)
		return block_problem(r, n, bad, why);
	r->time_ns = now;
	return 0;
}

/* The fields a shape carries: one table lookup per event per field set. */
#define SHAPE_GATHER(name, T)                                                        \
	HVT_SIMD static void name(T *restrict out, const T *restrict tab, const uint16_t *restrict sid, \
			 uint32_t n)                                                  \
	{                                                                            \
		HVT_UNROLL                                                           \
		for (uint32_t i = 0; i < n; i++)                                     \
			out[i] = tab[sid[i]];                                        \
	}
SHAPE_GATHER(gather_u8, uint8_t)
SHAPE_GATHER(gather_u16, uint16_t)
SHAPE_GATHER(gather_u32, uint32_t)
SHAPE_GATHER(gather_u64, uint64_t)

#define SHAPE_FIELD(fn, f)                                                           \
	do {                                                                         \
		if (o->f)                                                            \
			fn(o->f + at, r->sc.f, sid, n);                              \
	} while (0)

/* Type and kind together (both small, nearly always asked together): one
 * pass over the ids instead of two. */
HVT_SIMD static void gather_type_kind(uint8_t *restrict type, uint8_t *restrict kind,
			     const uint8_t *restrict ttab, const uint8_t *restrict ktab,
			     const uint16_t *restrict sid, uint32_t n)
{
	HVT_UNROLL
	for (uint32_t i = 0; i < n; i++) {
		type[i] = ttab[sid[i]];
		kind[i] = ktab[sid[i]];
	}
}

static void decode_shape_fields(const struct hvt_col_reader *r, const struct hvt_columns *o,
				uint32_t at, const uint16_t *sid, uint32_t n)
{
	if (o->type && o->kind) {
		gather_type_kind(o->type + at, o->kind + at, r->sc.type, r->sc.kind, sid, n);
	} else {
		SHAPE_FIELD(gather_u8, type);
		SHAPE_FIELD(gather_u8, kind);
	}
	SHAPE_FIELD(gather_u16, flags);
	SHAPE_FIELD(gather_u64, pc);
	SHAPE_FIELD(gather_u64, addr);
	SHAPE_FIELD(gather_u32, size);
	SHAPE_FIELD(gather_u32, count);
	SHAPE_FIELD(gather_u32, raw_reason);
	SHAPE_FIELD(gather_u64, syndrome);
	SHAPE_FIELD(gather_u64, fault_va);
}

/* value = the shape's previous value + the zigzag delta. A width-0 column
 * (or one the cursor was not asked for) is all zeros, and so is every
 * shape's running value. */
HVT_SIMD static void unzigzag_all(uint64_t *restrict v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		v[i] = (v[i] >> 1) ^ (0 - (v[i] & 1));
}

static void decode_values(struct hvt_col_reader *r, uint64_t *restrict v,
			  const uint16_t *restrict sid, uint32_t n)
{
	const struct hvt_col_plane *c = &r->col[HVT_COL_VALUE];
	uint64_t *restrict last = r->last_value;
	if (!(r->fields & HVT_FIELD_VALUE) || !c->width) {
		memset(v, 0, n * sizeof(*v));
		return;
	}
	combine(c, r->events, r->next, n, v);
	unzigzag_all(v, n); /* a pass of its own: it vectorizes, the sum cannot */
	HVT_UNROLL
	for (uint32_t i = 0; i < n; i++)
		v[i] = last[sid[i]] += v[i];
}

static void decode_plain(const struct hvt_col_reader *r, int col, unsigned field, uint64_t *out,
			 uint32_t n)
{
	if (r->fields & field)
		combine(&r->col[col], r->events, r->next, n, out);
	else
		memset(out, 0, n * sizeof(*out));
}

/* run_ns: the v1 prediction (time since re-entry) plus the stored residual,
 * without branches (the event types interleave at random). */
static void decode_run(struct hvt_col_reader *r, const uint16_t *restrict sid,
		       const uint64_t *restrict t, const uint64_t *restrict dur,
		       uint64_t *restrict run, uint32_t n)
{
	const uint8_t *restrict type = r->sc.type;
	uint64_t entry = r->entry_ns;
	int have = r->have_entry;
	if (!(r->fields & HVT_FIELD_RUN)) {
		memset(run, 0, n * sizeof(*run));
		return;
	}
	combine(&r->col[HVT_COL_RUN], r->events, r->next, n, run);
	for (uint32_t i = 0; i < n; i++) {
		int is_exit = type[sid[i]] == HVT_EV_EXIT;
		uint64_t pred = is_exit & have & (t[i] >= entry) ? t[i] - entry : 0;
		run[i] = pred + (uint64_t)hvt_unzigzag(run[i]);
		entry = is_exit ? t[i] + dur[i] : entry;
		have |= is_exit;
	}
	r->entry_ns = entry;
	r->have_entry = have;
}

static void decode_regs(const struct hvt_col_reader *r, uint32_t *restrict out, uint32_t n)
{
	const struct hvt_col_plane *c = &r->col[HVT_COL_REGS];
	const uint8_t *restrict p0 = c->p + r->next, *restrict p1 = p0 + r->events;
	const uint8_t *restrict p2 = p1 + r->events, *restrict p3 = p2 + r->events;
	if (!(r->fields & HVT_FIELD_REGS_HASH)) {
		memset(out, 0, n * sizeof(*out));
		return;
	}
	if (c->width != 4) {
		hvt_col_gather32(c, r->events, r->next, n, out);
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		out[i] = (uint32_t)p0[i] | (uint32_t)p1[i] << 8 | (uint32_t)p2[i] << 16 |
			 (uint32_t)p3[i] << 24;
}

/* Data lengths and pointers into the payload, each bounded before use. */
static int decode_data(struct hvt_col_reader *r, const struct hvt_columns *o, uint32_t at,
		       uint32_t n, uint32_t *bad, const char **why)
{
	uint64_t len[BLOCK];
	uint32_t *restrict dl = o->data_len ? o->data_len + at : NULL;
	const uint8_t **restrict dp = o->data ? o->data + at : NULL;
	if (!(r->fields & HVT_FIELD_DATA) || !r->col[HVT_COL_DATA_LEN].width) {
		if (dl)
			memset(dl, 0, n * sizeof(*dl));
		for (uint32_t i = 0; dp && i < n; i++)
			dp[i] = NULL;
		return 0;
	}
	combine(&r->col[HVT_COL_DATA_LEN], r->events, r->next, n, len);
	for (uint32_t i = 0; i < n; i++) {
		if (len[i] > HVT_MAX_EVENT_DATA || len[i] > r->data_bytes - r->data_used) {
			*bad = i, *why = len[i] > HVT_MAX_EVENT_DATA ? "bad data length"
								    : "data runs past the chunk";
			return HVT_E_BAD_EVENT;
		}
		if (dl)
			dl[i] = (uint32_t)len[i];
		if (dp)
			dp[i] = len[i] ? r->data + r->data_used : NULL;
		r->data_used += len[i];
	}
	return 0;
}

/* Times and every requested column of one block of n <= BLOCK events. The
 * columns that feed others (time, duration for run time) go to temporaries
 * when the caller did not set them; so do the columns that carry state
 * across events (values, run time, data offsets) when the cursor decodes
 * them but this call's caller did not ask: a later call may. */
static int decode_block(struct hvt_col_reader *r, const struct hvt_columns *o, uint32_t at,
			uint32_t n, uint32_t *bad, const char **why)
{
	uint16_t sid[BLOCK];
	uint64_t tt[BLOCK], dt[BLOCK], tmp[BLOCK];
	uint64_t *t = o->time_ns ? o->time_ns + at : tt;
	uint64_t *dur = o->duration_ns ? o->duration_ns + at : dt;
	int want_run = o->run_ns || (r->fields & HVT_FIELD_RUN);
	int err = decode_times(r, t, n, shape_ids(r, n, sid), bad, why);
	if (err)
		return err;
	decode_shape_fields(r, o, at, sid, n);
	if (o->value || (r->fields & HVT_FIELD_VALUE))
		decode_values(r, o->value ? o->value + at : tmp, sid, n);
	if (o->duration_ns || want_run)
		decode_plain(r, HVT_COL_DURATION, HVT_FIELD_DURATION, dur, n);
	if (want_run)
		decode_run(r, sid, t, dur, o->run_ns ? o->run_ns + at : tmp, n);
	if (o->regs_hash)
		decode_regs(r, o->regs_hash + at, n);
	if ((o->data_len || o->data || (r->fields & HVT_FIELD_DATA)) &&
	    (err = decode_data(r, o, at, n, bad, why)) != 0)
		return err;
	r->next += n;
	return 0;
}

int hvt_col_next_columns(struct hvt_col_reader *r, const struct hvt_columns *o, uint32_t at,
			 uint32_t max, uint32_t *bad, const char **why)
{
	uint32_t done = 0;
	*bad = 0;
	if (!r->sc_ready && build_shape_cols(r) != 0) {
		*why = "out of memory";
		return HVT_E_NOMEM;
	}
	while (done < max && r->next < r->events) {
		uint32_t n = r->events - r->next < max - done ? r->events - r->next : max - done;
		if (n > BLOCK)
			n = BLOCK;
		int err = decode_block(r, o, at + done, n, bad, why);
		if (err) {
			*bad += done;
			return err;
		}
		done += n;
	}
	return (int)done;
}
