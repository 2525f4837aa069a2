/* Chunk cursors: decode the events of one chunk, checking that the chunk's
 * contents agree with its header (count, sequence, times, exact length). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader_impl.h"

int hvt_chunk_cursor_create(hvt_reader *r, hvt_chunk_cursor **out)
{
	if (!r || !out)
		return HVT_E_INVAL;
	hvt_chunk_cursor *c = calloc(1, sizeof(*c));
	if (!c)
		return HVT_E_NOMEM;
	c->r = r;
	c->fields = HVT_FIELDS_ALL;
	*out = c;
	return 0;
}

int hvt_chunk_cursor_set_fields(hvt_chunk_cursor *c, unsigned fields)
{
	if (!c || (fields & ~HVT_FIELDS_ALL))
		return HVT_E_INVAL;
	c->fields = fields;
	return 0;
}

void hvt_chunk_cursor_free(hvt_chunk_cursor *c)
{
	if (!c)
		return;
	hvt_payload_free(&c->pb);
	hvt_col_reader_free(&c->col);
	free(c);
}

const char *hvt_chunk_cursor_error(const hvt_chunk_cursor *c)
{
	return c->msg;
}

int hvt_cursor_fail(hvt_chunk_cursor *c, int err, const char *why)
{
	snprintf(c->msg, sizeof(c->msg), "chunk at offset %llu (stream %u): event %u: %s",
		 (unsigned long long)c->chunk->offset, c->chunk->h.stream, c->decoded, why);
	c->err_offset = c->chunk->offset;
	c->chunk = NULL; /* the rest of this chunk is not trusted */
	return err;
}

/* A v2 payload's columns, located and bounded before any event is read. */
static int load_columns(hvt_chunk_cursor *c, const struct hvt_chunk_rec *rec, const uint8_t *raw)
{
	const char *why;
	const struct hvt_chunk_header *h = &rec->h;
	int err = hvt_col_open(&c->col, raw, h->raw_bytes, h->events, h->first_time_ns,
			       h->last_time_ns, c->fields, &why);
	c->batch_n = c->batch_i = 0;
	if (err) {
		snprintf(c->msg, sizeof(c->msg), "chunk at offset %llu (stream %u): columns: %s",
			 (unsigned long long)rec->offset, h->stream, why);
		c->err_offset = rec->offset;
	}
	return err;
}

int hvt_chunk_cursor_load(hvt_chunk_cursor *c, uint64_t chunk_index)
{
	hvt_reader *r = c->r;
	const uint8_t *raw;
	c->chunk = NULL;
	if (chunk_index >= r->nchunks || r->chunks[chunk_index].h.type != HVT_CHUNK_EVENTS) {
		snprintf(c->msg, sizeof(c->msg), "chunk %llu is not an events chunk",
			 (unsigned long long)chunk_index);
		return HVT_E_INVAL;
	}
	const struct hvt_chunk_rec *rec = &r->chunks[chunk_index];
	int err = hvt_payload_load(&r->src, &c->pb, rec, &raw, c->msg, sizeof(c->msg));
	if (err) {
		c->err_offset = rec->offset;
		return err;
	}
	c->decoded = 0;
	c->columnar = r->fh.version_major >= 2;
	if (c->columnar) {
		if ((err = load_columns(c, rec, raw)) != 0)
			return err;
	} else {
		c->p = raw;
		c->end = raw + rec->h.raw_bytes;
		hvt_codec_reset(&c->codec, rec->h.first_time_ns);
	}
	c->chunk = rec;
	return 0;
}

/* End of the chunk: every byte used, the last time the header's. */
int hvt_cursor_end(hvt_chunk_cursor *c)
{
	const char *why = c->columnar ? hvt_col_end_problem(&c->col)
		: c->p != c->end ? "bytes left after the last event" : NULL;
	if (why)
		return hvt_cursor_fail(c, HVT_E_BAD_LENGTH, why);
	if ((c->columnar ? c->col.time_ns : c->codec.time_ns) != c->chunk->h.last_time_ns)
		return hvt_cursor_fail(c, HVT_E_SEQUENCE, "last event time differs from the header");
	c->chunk = NULL;
	return 0;
}

/* v2: events come from a batch decoded column by column. */
static int next_columnar(hvt_chunk_cursor *c, const hvt_event **ev)
{
	const struct hvt_chunk_header *h = &c->chunk->h;
	if (c->batch_i == c->batch_n) {
		const char *why;
		uint32_t bad;
		if (c->decoded == h->events)
			return hvt_cursor_end(c);
		int n = hvt_col_next_batch(&c->col, c->batch, HVT_COL_BATCH, &bad, &why);
		if (n <= 0) {
			c->decoded += bad;
			return hvt_cursor_fail(c, n ? n : HVT_E_BAD_EVENT, n ? why : "events missing");
		}
		uint64_t seq = h->first_seq + c->decoded;
		for (int i = 0; i < n; i++) {
			c->batch[i].stream = h->stream;
			c->batch[i].seq = seq + (uint64_t)i;
		}
		c->batch_n = (uint32_t)n;
		c->batch_i = 0;
	}
	c->decoded++;
	*ev = &c->batch[c->batch_i++];
	return 1;
}

int hvt_chunk_cursor_next(hvt_chunk_cursor *c, const hvt_event **ev)
{
	const char *why;
	if (!c->chunk)
		return 0;
	if (c->columnar)
		return next_columnar(c, ev);
	const struct hvt_chunk_header *h = &c->chunk->h;
	if (c->decoded == h->events)
		return hvt_cursor_end(c);
	int err = hvt_event_decode(&c->codec, &c->p, c->end, &c->ev, &why);
	if (err)
		return hvt_cursor_fail(c, err, why);
	if (c->ev.time_ns > h->last_time_ns)
		return hvt_cursor_fail(c, HVT_E_SEQUENCE, "event time past the chunk's last time");
	if (c->decoded == 0 && c->ev.time_ns != h->first_time_ns)
		return hvt_cursor_fail(c, HVT_E_SEQUENCE, "first event time differs from the header");
	c->ev.stream = h->stream;
	c->ev.seq = h->first_seq + c->decoded;
	c->decoded++;
	*ev = &c->ev;
	return 1;
}

int hvt_reader_verify_chunk(hvt_reader *r, uint64_t i)
{
	if (i >= r->nchunks)
		return HVT_E_NOT_FOUND;
	const struct hvt_chunk_rec *rec = &r->chunks[i];
	if (rec->h.type != HVT_CHUNK_EVENTS) {
		const uint8_t *raw;
		int err = hvt_payload_load(&r->src, &r->pb, rec, &raw, r->msg, sizeof(r->msg));
		if (err)
			r->err_offset = rec->offset;
		else if (rec->h.type == HVT_CHUNK_BLOB)
			err = hvt_reader_check_blob_part(r, rec, raw);
		return err;
	}
	hvt_chunk_cursor *c;
	const hvt_event *ev;
	int rc = hvt_chunk_cursor_create(r, &c);
	if (!rc)
		rc = hvt_chunk_cursor_load(c, i);
	while (rc == 0 && (rc = hvt_chunk_cursor_next(c, &ev)) == 1)
		rc = 0;
	if (rc < 0) {
		snprintf(r->msg, sizeof(r->msg), "%s", c->msg);
		r->err_offset = c->err_offset;
	}
	hvt_chunk_cursor_free(c);
	return rc < 0 ? rc : 0;
}
