/* Stream cursors: one vCPU's events in sequence order, chunk after chunk. */
#include <stdlib.h>

#include "reader_impl.h"

struct hvt_stream_cursor {
	hvt_chunk_cursor *chunk;               /* decodes the current chunk */
	const struct hvt_stream_state *stream; /* its chunks, in sequence order */
	size_t next_chunk;                     /* position in stream->chunk_ids */
};

int hvt_stream_cursor_create(hvt_reader *r, uint32_t stream, hvt_stream_cursor **out)
{
	const struct hvt_stream_state *st = NULL;
	for (uint32_t i = 0; i < r->nstreams; i++)
		if (r->streams[i].id == stream)
			st = &r->streams[i];
	if (!st)
		return hvt_reader_fail(r, HVT_E_NOT_FOUND, 0, "no stream %u in the trace", stream);
	hvt_stream_cursor *c = calloc(1, sizeof(*c));
	if (!c)
		return HVT_E_NOMEM;
	int err = hvt_chunk_cursor_create(r, &c->chunk);
	if (err) {
		free(c);
		return err;
	}
	c->stream = st;
	*out = c;
	return 0;
}

int hvt_stream_cursor_next(hvt_stream_cursor *c, const hvt_event **ev)
{
	for (;;) {
		int rc = hvt_chunk_cursor_next(c->chunk, ev);
		if (rc != 0)
			return rc;
		if (c->next_chunk == c->stream->nchunks)
			return 0;
		rc = hvt_chunk_cursor_load(c->chunk, c->stream->chunk_ids[c->next_chunk++]);
		if (rc < 0)
			return rc;
	}
}

const char *hvt_stream_cursor_error(const hvt_stream_cursor *c)
{
	return hvt_chunk_cursor_error(c->chunk);
}

void hvt_stream_cursor_free(hvt_stream_cursor *c)
{
	if (!c)
		return;
	hvt_chunk_cursor_free(c->chunk);
	free(c);
}
