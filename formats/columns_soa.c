/* Reading a v2 (columnar) events payload straight into the caller's arrays
 * (struct hvt_columns of hvtrace/reader.h): each column the caller set is
 * recombined from its byte planes and delta-decoded in a loop of its own,
 * with no per-event branch on the field set and no hvt_event in between.
 * The checks are columns_dec.c's, applied to the same bytes: a payload this
 * path accepts, hvt_col_next_batch accepts too, and their events agree. */
#include "columns.h"

#include <string.h>

#include "bytes.h"
#include "codec.h"
#include "hvtrace/error.h"
#include "hvtrace/reader.h"

/* One block of events decoded at once (stack temporaries). */
#define BLOCK HVT_COL_BATCH

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

/* Times from their deltas, into t (the caller's array or a temporary). The
 * checks are branch-free over the block: ids below nshapes, the first delta
 * of a chunk 0, no sum wrapping, the last time not past the header's. */
static int decode_times(struct hvt_col_reader *r, const uint32_t *sid, uint64_t *t, uint32_t n,
			uint32_t *bad, const char **why)
{
	uint32_t max_sid = 0;
	uint64_t now = r->time_ns, wrapped = 0;
	for (uint32_t i = 0; i < n; i++)
		max_sid = sid[i] > max_sid ? sid[i] : max_sid;
	hvt_col_gather(&r->col[HVT_COL_TIME], r->events, r->next, n, t);
	if (max_sid >= r->nshapes || (r->next == 0 && t[0]))
		return block_problem(r, n, bad, why);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t nt = now + t[i];
		wrapped |= nt < now;
		t[i] = now = nt;
	}
	if (wrapped || now > r->last_time_ns)
		return block_problem(r, n, bad, why);
	r->time_ns = now;
	return 0;
}

/* The fields a shape carries: one gather per field the caller set. */
#define SHAPE_FIELD(arr, field)                                                      \
	do {                                                                         \
		if (o->arr)                                                          \
			for (uint32_t i = 0; i < n; i++)                             \
				o->arr[at + i] = r->tmpl[sid[i]].field;              \
	} while (0)

static void decode_shape_fields(const struct hvt_col_reader *r, const struct hvt_columns *o,
				uint32_t at, const uint32_t *sid, uint32_t n)
{
	SHAPE_FIELD(type, type);
	SHAPE_FIELD(kind, kind);
	SHAPE_FIELD(flags, flags);
	SHAPE_FIELD(pc, pc);
	SHAPE_FIELD(addr, addr);
	SHAPE_FIELD(size, size);
	SHAPE_FIELD(count, count);
	SHAPE_FIELD(raw_reason, raw_reason);
	SHAPE_FIELD(syndrome, syndrome);
	SHAPE_FIELD(fault_va, fault_va);
}

/* value = the shape's previous value + the zigzag delta. A width-0 column
 * (or one the cursor was not asked for) is all zeros, and so is every
 * shape's running value. */
static void decode_values(struct hvt_col_reader *r, uint64_t *v, const uint32_t *sid, uint32_t n)
{
	const struct hvt_col_plane *c = &r->col[HVT_COL_VALUE];
	if (!(r->fields & HVT_FIELD_VALUE) || !c->width) {
		memset(v, 0, n * sizeof(*v));
		return;
	}
	hvt_col_gather(c, r->events, r->next, n, v);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t x = r->last_value[sid[i]] + (uint64_t)hvt_unzigzag(v[i]);
		r->last_value[sid[i]] = x;
		v[i] = x;
	}
}

static void decode_plain(const struct hvt_col_reader *r, int col, unsigned field, uint64_t *out,
			 uint32_t n)
{
	if (r->fields & field)
		hvt_col_gather(&r->col[col], r->events, r->next, n, out);
	else
		memset(out, 0, n * sizeof(*out));
}

/* run_ns: the v1 prediction (time since re-entry) plus the stored residual,
 * without branches (the event types interleave at random). */
static void decode_run(struct hvt_col_reader *r, const uint32_t *sid, const uint64_t *t,
		       const uint64_t *dur, uint64_t *run, uint32_t n)
{
	uint64_t entry = r->entry_ns;
	int have = r->have_entry;
	if (!(r->fields & HVT_FIELD_RUN)) {
		memset(run, 0, n * sizeof(*run));
		return;
	}
	hvt_col_gather(&r->col[HVT_COL_RUN], r->events, r->next, n, run);
	for (uint32_t i = 0; i < n; i++) {
		int is_exit = r->tmpl[sid[i]].type == HVT_EV_EXIT;
		uint64_t pred = is_exit & have & (t[i] >= entry) ? t[i] - entry : 0;
		run[i] = pred + (uint64_t)hvt_unzigzag(run[i]);
		entry = is_exit ? t[i] + dur[i] : entry;
		have |= is_exit;
	}
	r->entry_ns = entry;
	r->have_entry = have;
}

static void decode_regs(const struct hvt_col_reader *r, uint32_t *out, uint32_t n)
{
	if (r->fields & HVT_FIELD_REGS_HASH)
		hvt_col_gather32(&r->col[HVT_COL_REGS], r->events, r->next, n, out);
	else
		memset(out, 0, n * sizeof(*out));
}

/* Data lengths and pointers into the payload, each bounded before use. */
static int decode_data(struct hvt_col_reader *r, const struct hvt_columns *o, uint32_t at,
		       uint32_t n, uint32_t *bad, const char **why)
{
	uint64_t len[BLOCK];
	if (!(r->fields & HVT_FIELD_DATA) || !r->col[HVT_COL_DATA_LEN].width) {
		if (o->data_len)
			memset(o->data_len + at, 0, n * sizeof(*o->data_len));
		for (uint32_t i = 0; o->data && i < n; i++)
			o->data[at + i] = NULL;
		return 0;
	}
	hvt_col_gather(&r->col[HVT_COL_DATA_LEN], r->events, r->next, n, len);
	for (uint32_t i = 0; i < n; i++) {
		if (len[i] > HVT_MAX_EVENT_DATA || len[i] > r->data_bytes - r->data_used) {
			*bad = i, *why = len[i] > HVT_MAX_EVENT_DATA ? "bad data length"
								    : "data runs past the chunk";
			return HVT_E_BAD_EVENT;
		}
		if (o->data_len)
			o->data_len[at + i] = (uint32_t)len[i];
		if (o->data)
			o->data[at + i] = len[i] ? r->data + r->data_used : NULL;
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
	uint32_t sid[BLOCK];
	uint64_t tt[BLOCK], dt[BLOCK], tmp[BLOCK];
	uint64_t *t = o->time_ns ? o->time_ns + at : tt;
	uint64_t *dur = o->duration_ns ? o->duration_ns + at : dt;
	int want_run = o->run_ns || (r->fields & HVT_FIELD_RUN);
	hvt_col_gather32(&r->sid, r->events, r->next, n, sid);
	int err = decode_times(r, sid, t, n, bad, why);
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
