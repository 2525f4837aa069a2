/* Reading a v2 (columnar) events payload: see columns.h and FORMAT.md.
 * The payload is untrusted: every width, count and length is bounded before
 * use. Columns a caller did not ask for are located (their size follows from
 * their width) and checked for a canonical width, but not decoded. */
#include "columns.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "codec.h"
#include "hvtrace/error.h"
#include "hvtrace/reader.h"

/* The largest width each column may have. */
static const uint8_t max_width[HVT_COL_COUNT] = {
	[HVT_COL_TIME] = 8, [HVT_COL_DURATION] = 8, [HVT_COL_RUN] = 8,
	[HVT_COL_VALUE] = 8, [HVT_COL_REGS] = 4, [HVT_COL_DATA_LEN] = 3,
};

void hvt_col_reader_free(struct hvt_col_reader *r)
{
	free(r->tmpl);
	free(r->last_value);
	free(r->sc_mem);
	r->sc_mem = NULL;
	r->sc_cap = 0;
	r->tmpl = NULL;
	r->last_value = NULL;
	r->shapes_cap = 0;
}

static int reserve_shapes(struct hvt_col_reader *r, uint32_t n)
{
	if (n <= r->shapes_cap)
		return 0;
	hvt_event *t = realloc(r->tmpl, (size_t)n * sizeof(*t));
	if (t)
		r->tmpl = t;
	uint64_t *lv = t ? realloc(r->last_value, (size_t)n * sizeof(*lv)) : NULL;
	if (!lv)
		return HVT_E_NOMEM;
	r->last_value = lv;
	r->shapes_cap = n;
	return 0;
}

/* A varint field of a shape that must fit in max. */
static int get_field(const uint8_t **pp, const uint8_t *end, uint64_t max, uint64_t *out)
{
	return hvt_get_varint(pp, end, out) != 0 || *out > max ? -1 : 0;
}

static const char *read_shape(const uint8_t **pp, const uint8_t *end, hvt_event *t)
{
	uint64_t v[8];
	static const uint64_t max[8] = {UINT16_MAX, UINT64_MAX, UINT64_MAX, UINT32_MAX,
					UINT32_MAX, UINT32_MAX, UINT64_MAX, UINT64_MAX};
	if (*pp >= end)
		return "shape dictionary cut short";
	unsigned tag = *(*pp)++;
	if (!hvt_event_kind_valid(tag & 15, tag >> 4))
		return (tag & 15) < 1 || (tag & 15) > HVT_EV_TYPE_MAX ? "unknown event type in a shape"
								      : "kind out of range in a shape";
	for (int i = 0; i < 8; i++)
		if (get_field(pp, end, max[i], &v[i]) != 0)
			return "bad shape field";
	memset(t, 0, sizeof(*t));
	t->type = (uint8_t)(tag & 15);
	t->kind = (uint8_t)(tag >> 4);
	t->flags = (uint16_t)v[0];
	t->pc = v[1];
	t->addr = v[2];
	t->size = (uint32_t)v[3];
	t->count = (uint32_t)v[4];
	t->raw_reason = (uint32_t)v[5];
	t->syndrome = v[6];
	t->fault_va = v[7];
	return NULL;
}

static const char *read_shapes(struct hvt_col_reader *r, const uint8_t **pp, const uint8_t *end,
			       int *err)
{
	uint64_t n;
	*err = HVT_E_BAD_EVENT;
	if (hvt_get_varint(pp, end, &n) != 0 || n == 0 || n > HVT_COL_MAX_SHAPES || n > r->events ||
	    n > (uint64_t)(end - *pp) / HVT_COL_MIN_SHAPE_BYTES)
		return "bad shape count";
	if ((*err = reserve_shapes(r, (uint32_t)n)) != 0)
		return "out of memory";
	*err = HVT_E_BAD_EVENT;
	r->nshapes = (uint32_t)n;
	for (uint32_t s = 0; s < r->nshapes; s++) {
		const char *why = read_shape(pp, end, &r->tmpl[s]);
		if (why)
			return why;
		r->last_value[s] = 0;
	}
	*err = 0;
	return NULL;
}

/* 1 when plane k (the top one) of a column has a nonzero byte. */
static int plane_nonzero(const uint8_t *plane, uint32_t n)
{
	uint8_t any = 0;
	for (uint32_t i = 0; i < n; i++)
		any |= plane[i];
	return any != 0;
}

/* Locates the planes of one column at *pp: width byte (unless fixed), then
 * width * events bytes. The width must be the fewest bytes that hold the
 * column (its top plane nonzero), so an encoding has one form. */
static const char *locate(struct hvt_col_reader *r, const uint8_t **pp, const uint8_t *end,
			  int c, struct hvt_col_plane *out)
{
	if (*pp >= end)
		return "column cut short";
	uint8_t w = *(*pp)++;
	if (w > max_width[c] || (c == HVT_COL_TIME && w == 0))
		return "bad column width";
	if ((uint64_t)w * r->events > (uint64_t)(end - *pp))
		return "column runs past the payload";
	out->p = *pp;
	out->width = w;
	*pp += (size_t)w * r->events;
	if (w > (c == HVT_COL_TIME) && !plane_nonzero(out->p + (size_t)(w - 1) * r->events, r->events))
		return "column wider than its values";
	return NULL;
}

int hvt_col_open(struct hvt_col_reader *r, const uint8_t *raw, size_t raw_bytes, uint32_t events,
		 uint64_t first_time_ns, uint64_t last_time_ns, unsigned fields, const char **why)
{
	const uint8_t *p = raw, *end = raw + raw_bytes;
	int err;
	r->events = events;
	r->next = 0;
	r->last_time_ns = last_time_ns;
	r->fields = fields & HVT_FIELD_RUN ? fields | HVT_FIELD_DURATION : fields;
	r->time_ns = first_time_ns;
	r->have_entry = 0;
	r->entry_ns = 0;
	r->data_used = 0;
	r->sc_ready = 0;
	if ((*why = read_shapes(r, &p, end, &err)) != NULL)
		return err;
	r->sid.width = r->nshapes <= 256 ? 1 : 2;
	if ((uint64_t)r->sid.width * events > (uint64_t)(end - p)) {
		*why = "shape ids run past the payload";
		return HVT_E_BAD_LENGTH;
	}
	r->sid.p = p;
	p += (size_t)r->sid.width * events;
	for (int c = 0; c < HVT_COL_COUNT; c++)
		if ((*why = locate(r, &p, end, c, &r->col[c])) != NULL)
			return HVT_E_BAD_LENGTH;
	r->data = p;
	r->data_bytes = (uint64_t)(end - p);
	if (r->data_bytes && !r->col[HVT_COL_DATA_LEN].width) {
		*why = "bytes left after the last column";
		return HVT_E_BAD_LENGTH;
	}
	return 0;
}

/* The first event of the batch that breaks a check (the slow path, taken
 * only when the batch's branch-free checks failed): for the message. */
int hvt_col_batch_problem(const struct hvt_col_reader *r, uint32_t n, const uint64_t *sid,
			  const uint64_t *dt, uint32_t *bad, const char **why)
{
	uint64_t t = r->time_ns;
	for (uint32_t i = 0; i < n; i++) {
		*bad = i;
		if (sid[i] >= r->nshapes) {
			*why = "shape id out of range";
			return HVT_E_BAD_EVENT;
		}
		if (r->next + i == 0 && dt[i]) {
			*why = "first event time differs from the header";
			return HVT_E_SEQUENCE;
		}
		if (dt[i] > r->last_time_ns - t) {
			*why = "event time past the chunk's last time";
			return HVT_E_SEQUENCE;
		}
		t += dt[i];
	}
	*why = "inconsistent batch";
	return HVT_E_BAD_EVENT;
}

/* Shapes and times: every event gets these, whatever the fields asked. The
 * checks are branch-free over the batch: ids below nshapes (before any id
 * is used), no time sum wrapping, the last time not past the header's (times
 * only grow, so no earlier one is either). */
static int fill_shapes_times(struct hvt_col_reader *r, hvt_event *ev, uint32_t n,
			     const uint64_t *sid, const uint64_t *dt, uint32_t *bad, const char **why)
{
	uint64_t t = r->time_ns, wrapped = 0, max_sid = 0;
	for (uint32_t i = 0; i < n; i++)
		max_sid = sid[i] > max_sid ? sid[i] : max_sid;
	if (max_sid >= r->nshapes || (r->next == 0 && dt[0]))
		return hvt_col_batch_problem(r, n, sid, dt, bad, why);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t nt = t + dt[i];
		wrapped |= nt < t;
		t = nt;
		ev[i] = r->tmpl[sid[i]];
		ev[i].time_ns = t;
	}
	if (wrapped || t > r->last_time_ns)
		return hvt_col_batch_problem(r, n, sid, dt, bad, why);
	r->time_ns = t;
	return 0;
}

/* run_ns from its residual (NULL: all 0, a width-0 column) and the v1
 * prediction (time since re-entry), written without branches: the event
 * types interleave at random. */
static void fill_run(struct hvt_col_reader *r, hvt_event *ev, uint32_t n, const uint64_t *zz)
{
	uint64_t entry = r->entry_ns;
	int have = r->have_entry;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t t = ev[i].time_ns;
		int is_exit = ev[i].type == HVT_EV_EXIT;
		uint64_t pred = is_exit & have & (t >= entry) ? t - entry : 0;
		ev[i].run_ns = pred + (zz ? (uint64_t)hvt_unzigzag(zz[i]) : 0);
		entry = is_exit ? t + ev[i].duration_ns : entry;
		have |= is_exit;
	}
	r->entry_ns = entry;
	r->have_entry = have;
}

static void fill_values(struct hvt_col_reader *r, hvt_event *ev, uint32_t n, const uint64_t *sid,
			const uint64_t *zz)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t v = r->last_value[sid[i]] + (uint64_t)hvt_unzigzag(zz[i]);
		r->last_value[sid[i]] = v;
		ev[i].value = v;
	}
}

static int fill_data(struct hvt_col_reader *r, hvt_event *ev, uint32_t n, const uint64_t *len,
		     uint32_t *bad, const char **why)
{
	for (uint32_t i = 0; i < n; i++) {
		ev[i].data_len = (uint32_t)len[i];
		ev[i].data = NULL;
		if (!len[i])
			continue;
		if (len[i] > HVT_MAX_EVENT_DATA || len[i] > r->data_bytes - r->data_used) {
			*bad = i, *why = len[i] > HVT_MAX_EVENT_DATA ? "bad data length"
								    : "data runs past the chunk";
			return HVT_E_BAD_EVENT;
		}
		ev[i].data = r->data + r->data_used;
		r->data_used += len[i];
	}
	return 0;
}

int hvt_col_next_batch(struct hvt_col_reader *r, hvt_event *ev, uint32_t max, uint32_t *bad,
		       const char **why)
{
	uint64_t a[HVT_COL_BATCH], b[HVT_COL_BATCH];
	uint32_t k = r->next, n = r->events - k < max ? r->events - k : max;
	if (n > HVT_COL_BATCH)
		n = HVT_COL_BATCH;
	*bad = 0;
	if (!n)
		return 0;
	hvt_col_gather(&r->sid, r->events, k, n, a);
	hvt_col_gather(&r->col[HVT_COL_TIME], r->events, k, n, b);
	int err = fill_shapes_times(r, ev, n, a, b, bad, why);
	if (err)
		return err;
	/* A width-0 column is all zeros: the shape's template already holds
	 * them (value too: every shape's running value stays 0). Run time is
	 * the exception: its prediction is not 0. */
	if ((r->fields & HVT_FIELD_VALUE) && r->col[HVT_COL_VALUE].width) {
		hvt_col_gather(&r->col[HVT_COL_VALUE], r->events, k, n, b);
		fill_values(r, ev, n, a, b);
	}
	if ((r->fields & HVT_FIELD_DURATION) && r->col[HVT_COL_DURATION].width) {
		hvt_col_gather(&r->col[HVT_COL_DURATION], r->events, k, n, b);
		for (uint32_t i = 0; i < n; i++)
			ev[i].duration_ns = b[i];
	}
	if (r->fields & HVT_FIELD_RUN) {
		if (r->col[HVT_COL_RUN].width)
			hvt_col_gather(&r->col[HVT_COL_RUN], r->events, k, n, b);
		fill_run(r, ev, n, r->col[HVT_COL_RUN].width ? b : NULL);
	}
	if ((r->fields & HVT_FIELD_REGS_HASH) && r->col[HVT_COL_REGS].width) {
		hvt_col_gather(&r->col[HVT_COL_REGS], r->events, k, n, b);
		for (uint32_t i = 0; i < n; i++)
			ev[i].regs_hash = (uint32_t)b[i];
	}
	if ((r->fields & HVT_FIELD_DATA) && r->col[HVT_COL_DATA_LEN].width) {
		hvt_col_gather(&r->col[HVT_COL_DATA_LEN], r->events, k, n, b);
		if ((err = fill_data(r, ev, n, b, bad, why)) != 0)
			return err;
	}
	r->next = k + n;
	return (int)n;
}

const char *hvt_col_end_problem(const struct hvt_col_reader *r)
{
	if ((r->fields & HVT_FIELD_DATA) && r->data_used != r->data_bytes)
		return "bytes left after the last event";
	return NULL;
}
