/* Chunk cursors, columnar: events of one chunk into the caller's arrays.
 * v2 chunks decode column by column straight into them (formats/
 * columns_soa.c); v1 chunks, and v2 events already decoded into the
 * cursor's hvt_event batch by hvt_chunk_cursor_next, are spread one by one. */
#include "reader_impl.h"

uint64_t hvt_cursor_last_time(const hvt_chunk_cursor *c)
{
	if (c->columnar)
		return c->batch_i < c->batch_n ? c->batch[c->batch_i].time_ns : c->col.time_ns;
	return c->codec.time_ns;
}

/* Event by event through hvt_chunk_cursor_next: n events are known to be
 * left, so anything but 1 is an error. */
static int fill_events(hvt_chunk_cursor *c, const struct hvt_columns *o, uint32_t at, uint32_t n)
{
	const hvt_event *ev;
	for (uint32_t i = 0; i < n; i++) {
		int rc = hvt_chunk_cursor_next(c, &ev);
		if (rc != 1)
			return rc < 0 ? rc : HVT_E_BAD_EVENT;
		hvt_columns_put(o, at + i, ev);
	}
	return (int)n;
}

/* v2: the columns, then stream and seq, which the header gives. */
static int fill_columns(hvt_chunk_cursor *c, const struct hvt_columns *o, uint32_t at, uint32_t n)
{
	const struct hvt_chunk_header *h = &c->chunk->h;
	const char *why;
	uint32_t bad;
	int got = hvt_col_next_columns(&c->col, o, at, n, &bad, &why);
	if (got < 0) {
		c->decoded += bad;
		return hvt_cursor_fail(c, got, why);
	}
	uint64_t seq = h->first_seq + c->decoded;
	uint32_t *restrict stream = o->stream ? o->stream + at : NULL, id = h->stream;
	uint64_t *restrict seqs = o->seq ? o->seq + at : NULL;
	for (int i = 0; stream && i < got; i++)
		stream[i] = id;
	for (int i = 0; seqs && i < got; i++)
		seqs[i] = seq + (uint64_t)i;
	c->decoded += (uint32_t)got;
	return got;
}

int hvt_cursor_fill(hvt_chunk_cursor *c, const struct hvt_columns *o, uint32_t at, uint32_t max)
{
	if (!c->chunk)
		return 0;
	uint32_t left = c->chunk->h.events - c->decoded;
	if (!left)
		return hvt_cursor_end(c);
	uint32_t n = max < left ? max : left;
	if (!c->columnar)
		return fill_events(c, o, at, n);
	if (c->batch_i < c->batch_n) {
		uint32_t in_batch = c->batch_n - c->batch_i;
		return fill_events(c, o, at, n < in_batch ? n : in_batch);
	}
	return fill_columns(c, o, at, n);
}

int hvt_chunk_cursor_next_columns(hvt_chunk_cursor *c, const struct hvt_columns *cols)
{
	struct hvt_columns o;
	if (!c || hvt_columns_take(&o, cols) != 0 || !o.capacity)
		return HVT_E_INVAL;
	return hvt_cursor_fill(c, &o, 0, o.capacity);
}
