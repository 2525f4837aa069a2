/* Merged iteration over all streams in time order (ties: lower stream id
 * first; within a stream, sequence order), and seeking. Each stream keeps one
 * cursor; the event last returned stays valid until the next call, so a
 * stream is advanced lazily, at the start of the following call. */
#include <stdio.h>
#include <string.h>

#include "reader_impl.h"

static int stream_fail(hvt_reader *r, const struct hvt_stream_state *s)
{
	snprintf(r->msg, sizeof(r->msg), "%s", s->cur->msg);
	r->err_offset = s->cur->err_offset;
	return -1;
}

/* Moves s to its next event: 1 when it has one, 0 at its end, or an error. */
static int advance(hvt_reader *r, struct hvt_stream_state *s)
{
	const hvt_event *ev;
	s->has_head = 0;
	if (s->cur && s->cur->chunk && s->cur->columnar && s->cur->batch_i < s->cur->batch_n) {
		/* v2's fast path: the next event is already decoded in the batch
		 * (hvt_chunk_cursor_next would hand out the same, one call deeper). */
		s->cur->decoded++;
		s->head = &s->cur->batch[s->cur->batch_i++];
		return s->has_head = 1;
	}
	if (!s->cur) {
		int err = hvt_chunk_cursor_create(r, &s->cur);
		if (err)
			return err;
	}
	for (;;) {
		int rc = hvt_chunk_cursor_next(s->cur, &ev);
		if (rc == 1) {
			s->head = ev;
			return s->has_head = 1;
		}
		if (rc < 0) {
			stream_fail(r, s);
			return rc;
		}
		if (s->next_chunk == s->nchunks)
			return 0;
		rc = hvt_chunk_cursor_load(s->cur, s->chunk_ids[s->next_chunk++]);
		if (rc < 0) {
			stream_fail(r, s);
			return rc;
		}
	}
}

static int start(hvt_reader *r)
{
	for (uint32_t i = 0; i < r->nstreams; i++) {
		int rc = advance(r, &r->streams[i]);
		if (rc < 0)
			return rc;
	}
	r->started = 1;
	r->pending = NULL;
	return 0;
}

/* The smallest head time of the streams other than best: until pending's
 * events reach it, pending keeps winning (strictly below it, so ties still
 * go through the merge and its stream order). One stream: no limit. */
static uint64_t others_limit(const hvt_reader *r, const struct hvt_stream_state *best)
{
	uint64_t lim = UINT64_MAX;
	for (uint32_t i = 0; i < r->nstreams; i++) {
		const struct hvt_stream_state *s = &r->streams[i];
		if (s != best && s->has_head && s->head->time_ns <= lim)
			lim = s->head->time_ns;
	}
	return lim;
}

/* v2's fast path: pending's next event is already decoded in its cursor's
 * batch and still wins the merge. NULL when the full path must run. */
static const hvt_event *next_fast(hvt_reader *r)
{
	struct hvt_stream_state *s = r->pending;
	hvt_chunk_cursor *c = s ? s->cur : NULL;
	if (!c || !c->chunk || !c->columnar || c->batch_i >= c->batch_n)
		return NULL;
	const hvt_event *e = &c->batch[c->batch_i];
	if (e->time_ns >= r->fast_limit && !(r->fast_limit == UINT64_MAX && r->nstreams == 1))
		return NULL;
	c->batch_i++;
	c->decoded++;
	return s->head = e;
}

int hvt_reader_next(hvt_reader *r, const hvt_event **ev)
{
	int rc = 0;
	/* An error is final until rewind or a seek: carrying on with the other
	 * streams would hand out a timeline with a hole in it. */
	if (r->iter_err)
		return r->iter_err;
	if (r->started && (*ev = next_fast(r)) != NULL)
		return 1;
	if (!r->started)
		rc = start(r);
	else if (r->pending)
		rc = advance(r, r->pending);
	r->pending = NULL;
	if (rc < 0)
		return r->iter_err = rc;
	struct hvt_stream_state *best = NULL;
	for (uint32_t i = 0; i < r->nstreams; i++) {
		struct hvt_stream_state *s = &r->streams[i];
		if (s->has_head && (!best || s->head->time_ns < best->head->time_ns))
			best = s;
	}
	if (!best)
		return 0;
	r->pending = best;
	r->fast_limit = others_limit(r, best);
	*ev = best->head;
	return 1;
}

static void reset_stream(struct hvt_stream_state *s, size_t next_chunk)
{
	s->next_chunk = next_chunk;
	s->has_head = 0;
	if (s->cur)
		s->cur->chunk = NULL;
}

int hvt_reader_rewind(hvt_reader *r)
{
	r->iter_err = 0;
	for (uint32_t i = 0; i < r->nstreams; i++)
		reset_stream(&r->streams[i], 0);
	r->started = 0;
	r->pending = NULL;
	return 0;
}

/* First chunk of s whose last time (by_seq: last sequence number) is >= key:
 * a binary search over the stream's chunks, which are in both orders. */
size_t hvt_stream_first_chunk_reaching(const hvt_reader *r, const struct hvt_stream_state *s,
				       uint64_t key, int by_seq)
{
	size_t lo = 0, hi = s->nchunks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct hvt_chunk_header *h = &r->chunks[s->chunk_ids[mid]].h;
		if ((by_seq ? h->last_seq : h->last_time_ns) < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Positions s at its first event with time > t, or time == t when
 * include_equal. Returns 0 or an error. */
static int seek_stream_time(hvt_reader *r, struct hvt_stream_state *s, uint64_t t, int include_equal)
{
	reset_stream(s, hvt_stream_first_chunk_reaching(r, s, t, 0));
	int rc;
	while ((rc = advance(r, s)) == 1) {
		uint64_t et = s->head->time_ns;
		if (et > t || (et == t && include_equal))
			return 0;
	}
	return rc;
}

int hvt_reader_seek_time(hvt_reader *r, uint64_t time_ns)
{
	r->iter_err = 0;
	for (uint32_t i = 0; i < r->nstreams; i++) {
		int rc = seek_stream_time(r, &r->streams[i], time_ns, 1);
		if (rc < 0)
			return rc;
	}
	r->started = 1;
	r->pending = NULL;
	return 0;
}

static int seek_stream_seq(hvt_reader *r, struct hvt_stream_state *s, uint64_t seq)
{
	size_t ci = hvt_stream_first_chunk_reaching(r, s, seq, 1);
	if (ci == s->nchunks)
		return hvt_reader_fail(r, HVT_E_NOT_FOUND, 0, "stream %u has no event %llu", s->id,
				       (unsigned long long)seq);
	reset_stream(s, ci);
	int rc;
	while ((rc = advance(r, s)) == 1)
		if (s->head->seq == seq)
			return 0;
	return rc < 0 ? rc : HVT_E_NOT_FOUND;
}

int hvt_reader_seek_seq(hvt_reader *r, uint32_t stream, uint64_t seq)
{
	struct hvt_stream_state *target = NULL;
	for (uint32_t i = 0; i < r->nstreams; i++)
		if (r->streams[i].id == stream)
			target = &r->streams[i];
	if (!target)
		return hvt_reader_fail(r, HVT_E_NOT_FOUND, 0, "no stream %u", stream);
	r->iter_err = 0;
	int rc = seek_stream_seq(r, target, seq);
	uint64_t t = rc ? 0 : target->head->time_ns;
	for (uint32_t i = 0; i < r->nstreams && !rc; i++) {
		struct hvt_stream_state *s = &r->streams[i];
		/* Lower ids win ties, so they resume after t; higher ids at t. */
		if (s != target)
			rc = seek_stream_time(r, s, t, s->id > stream);
	}
	r->started = !rc;
	r->pending = NULL;
	return rc;
}
