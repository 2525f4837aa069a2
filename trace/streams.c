/* Grouping events chunks by stream and checking that each stream's chunks
 * continue one another: sequence numbers contiguous from 0, time never back. */
#include <stdlib.h>
#include <string.h>

#include "reader_impl.h"

static struct hvt_stream_state *stream_for(hvt_reader *r, uint32_t id)
{
	for (uint32_t i = 0; i < r->nstreams; i++)
		if (r->streams[i].id == id)
			return &r->streams[i];
	return NULL;
}

static struct hvt_stream_state *add_stream(hvt_reader *r, uint32_t id)
{
	struct hvt_stream_state *ns = realloc(r->streams, (r->nstreams + 1) * sizeof(*ns));
	if (!ns)
		return NULL;
	r->streams = ns;
	struct hvt_stream_state *s = &ns[r->nstreams++];
	memset(s, 0, sizeof(*s));
	s->id = id;
	return s;
}

static int push_chunk(struct hvt_stream_state *s, uint64_t chunk_id)
{
	if (s->nchunks == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		uint64_t *nc = realloc(s->chunk_ids, cap * sizeof(*nc));
		if (!nc)
			return HVT_E_NOMEM;
		s->chunk_ids = nc;
		s->cap = cap;
	}
	s->chunk_ids[s->nchunks++] = chunk_id;
	return 0;
}

static int continues(hvt_reader *r, const struct hvt_stream_state *s, const struct hvt_chunk_rec *c)
{
	uint64_t want_seq = 0, min_time = 0;
	if (s->nchunks) {
		const struct hvt_chunk_header *prev = &r->chunks[s->chunk_ids[s->nchunks - 1]].h;
		want_seq = prev->last_seq + 1;
		min_time = prev->last_time_ns;
	}
	if (c->h.first_seq != want_seq)
		return hvt_reader_fail(r, HVT_E_SEQUENCE, c->offset,
				       "chunk at offset %llu: stream %u resumes at sequence %llu, expected %llu",
				       (unsigned long long)c->offset, c->h.stream,
				       (unsigned long long)c->h.first_seq, (unsigned long long)want_seq);
	if (c->h.first_time_ns < min_time)
		return hvt_reader_fail(r, HVT_E_SEQUENCE, c->offset,
				       "chunk at offset %llu: stream %u goes back in time",
				       (unsigned long long)c->offset, c->h.stream);
	return 0;
}

static int cmp_stream(const void *a, const void *b)
{
	const struct hvt_stream_state *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

int hvt_reader_group_streams(hvt_reader *r)
{
	for (uint64_t i = 0; i < r->nchunks; i++) {
		const struct hvt_chunk_rec *c = &r->chunks[i];
		if (c->h.type != HVT_CHUNK_EVENTS)
			continue;
		struct hvt_stream_state *s = stream_for(r, c->h.stream);
		if (!s && !(s = add_stream(r, c->h.stream)))
			return HVT_E_NOMEM;
		int err = continues(r, s, c);
		if (!err)
			err = push_chunk(s, i);
		if (err)
			return err;
		s->events += c->h.events;
	}
	if (r->nstreams > 1) /* streams is NULL when there are none */
		qsort(r->streams, r->nstreams, sizeof(*r->streams), cmp_stream);
	return 0;
}
