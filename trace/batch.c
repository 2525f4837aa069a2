/* Merged columnar reading (hvt_batch_reader, hvtrace/reader.h): the order of
 * merge.c, handed out in runs instead of events.
 *
 * Each stream has a head: the next event it would give. It is staged (decoded
 * into the stream's own small arrays, time known), loaded (its chunk is
 * loaded, nothing staged: only a lower bound of its time is known, the time
 * decoded last), unloaded (the next chunk is not loaded: its header's first
 * time is the head's time, which decoding checks) or none. The stream with
 * the smallest head (ties: lower stream) wins; the others' heads bound how
 * far it keeps winning. A loaded winner whose whole chunk stays below that
 * bound (the chunk header's last time says so) decodes straight into the
 * caller's arrays; otherwise it stages a block and the run of staged events
 * below the bound is copied. One stream, or streams taking turns in long
 * stretches, thus decode straight into the caller's arrays.
 *
 * A batch ends before any stream loads its next chunk: data pointers borrow
 * the loaded chunks' payloads and stay valid until the next call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader_impl.h"

#define STAGE_EVENTS 256u

enum head { HEAD_NONE, HEAD_STAGED, HEAD_LOADED, HEAD_UNLOADED };

struct bstream {
	const struct hvt_stream_state *ss; /* the reader's: id and chunk list */
	hvt_chunk_cursor *cur;
	size_t next_chunk;     /* position in ss->chunk_ids of the next chunk to load */
	struct hvt_columns st; /* staged events: the reader's columns + time */
	void *st_mem;
	uint32_t st_n;         /* events staged */
	uint32_t st_i;         /* next staged event to hand out */
	uint64_t st_seq0;      /* sequence number of staged entry 0 */
};

struct hvt_batch_reader {
	hvt_reader *r;
	unsigned columns;      /* HVT_COLUMN_* the caller's arrays hold */
	unsigned fields;       /* HVT_FIELD_* the cursors decode */
	struct hvt_columns_plan plan; /* the arrays a staged run copies */
	struct bstream *s;     /* one per stream, in stream id order */
	uint32_t ns;
	int err;               /* final until rewind or seek */
	char msg[HVT_MSG_BYTES];
	uint64_t err_offset;
};

static unsigned fields_of(unsigned columns)
{
	return (columns & HVT_COLUMN_DURATION_NS ? HVT_FIELD_DURATION : 0) |
	       (columns & HVT_COLUMN_RUN_NS ? HVT_FIELD_RUN : 0) |
	       (columns & HVT_COLUMN_VALUE ? HVT_FIELD_VALUE : 0) |
	       (columns & HVT_COLUMN_REGS_HASH ? HVT_FIELD_REGS_HASH : 0) |
	       (columns & HVT_COLUMN_DATA ? HVT_FIELD_DATA : 0);
}

void hvt_batch_reader_free(hvt_batch_reader *b)
{
	if (!b)
		return;
	for (uint32_t i = 0; b->s && i < b->ns; i++) {
		hvt_chunk_cursor_free(b->s[i].cur);
		free(b->s[i].st_mem);
	}
	free(b->s);
	free(b);
}

/* A stream's cursor and staging arrays (the columns asked + time). */
static int stream_init(hvt_batch_reader *b, struct bstream *s, const struct hvt_stream_state *ss)
{
	unsigned mask = (b->columns | HVT_COLUMN_TIME_NS) & ~(HVT_COLUMN_STREAM | HVT_COLUMN_SEQ);
	s->ss = ss;
	s->st_mem = malloc(hvt_columns_entry_bytes(mask) * STAGE_EVENTS);
	if (!s->st_mem)
		return HVT_E_NOMEM;
	hvt_columns_carve(&s->st, mask, STAGE_EVENTS, s->st_mem);
	int err = hvt_chunk_cursor_create(b->r, &s->cur);
	return err ? err : hvt_chunk_cursor_set_fields(s->cur, b->fields);
}

int hvt_batch_reader_create(hvt_reader *r, unsigned columns, hvt_batch_reader **out)
{
	/* pick() keeps one head per stream on its stack: the format's limit. */
	if (!r || !out || !columns || (columns & ~HVT_COLUMNS_ALL) || r->nstreams > HVT_MAX_STREAMS)
		return HVT_E_INVAL;
	*out = NULL;
	hvt_batch_reader *b = calloc(1, sizeof(*b));
	if (!b)
		return HVT_E_NOMEM;
	b->r = r;
	b->columns = columns;
	b->fields = fields_of(columns);
	hvt_columns_plan(&b->plan, columns);
	b->ns = r->nstreams;
	b->s = calloc(b->ns ? b->ns : 1, sizeof(*b->s));
	int err = b->s ? 0 : HVT_E_NOMEM;
	for (uint32_t i = 0; i < b->ns && !err; i++)
		err = stream_init(b, &b->s[i], &r->streams[i]);
	if (err) {
		hvt_batch_reader_free(b);
		return err;
	}
	*out = b;
	return 0;
}

const char *hvt_batch_reader_error(const hvt_batch_reader *b)
{
	return b ? b->msg : "no batch reader";
}

uint64_t hvt_batch_reader_error_offset(const hvt_batch_reader *b)
{
	return b ? b->err_offset : 0;
}

static int stream_fail(hvt_batch_reader *b, const struct bstream *s, int err)
{
	snprintf(b->msg, sizeof(b->msg), "%s", hvt_chunk_cursor_error(s->cur));
	b->err_offset = s->cur->err_offset;
	return err;
}

static void stream_reset(struct bstream *s, size_t next_chunk)
{
	s->next_chunk = next_chunk;
	s->st_n = s->st_i = 0;
	s->cur->chunk = NULL;
}

/* Decodes the next block of s's loaded chunk into its staging arrays.
 * 1 when events were staged, 0 at the chunk's end, or an error. */
static int stage(hvt_batch_reader *b, struct bstream *s)
{
	uint64_t seq0 = s->cur->chunk ? s->cur->chunk->h.first_seq + s->cur->decoded : 0;
	int got = hvt_cursor_fill(s->cur, &s->st, 0, STAGE_EVENTS);
	if (got < 0)
		return stream_fail(b, s, got);
	s->st_n = (uint32_t)got;
	s->st_i = 0;
	s->st_seq0 = seq0;
	return got > 0;
}

static int load_next(hvt_batch_reader *b, struct bstream *s)
{
	int err = hvt_chunk_cursor_load(s->cur, s->ss->chunk_ids[s->next_chunk++]);
	return err ? stream_fail(b, s, err) : 0;
}

/* s's head and its time (for HEAD_LOADED a lower bound); HEAD_* or an
 * error. A loaded chunk that has ended is checked and left here. */
static int head_of(struct bstream *s, uint64_t *t)
{
	if (s->st_i < s->st_n) {
		*t = s->st.time_ns[s->st_i];
		return HEAD_STAGED;
	}
	if (s->cur->chunk && s->cur->decoded < s->cur->chunk->h.events) {
		*t = hvt_cursor_last_time(s->cur);
		return HEAD_LOADED;
	}
	if (s->cur->chunk) {
		int rc = hvt_cursor_end(s->cur);
		if (rc < 0)
			return rc;
	}
	if (s->next_chunk < s->ss->nchunks) {
		*t = s->cur->r->chunks[s->ss->chunk_ids[s->next_chunk]].h.first_time_ns;
		return HEAD_UNLOADED;
	}
	return HEAD_NONE;
}

/* The winner (*best, -1 when every stream has ended), its head kind, and
 * the last time up to which it keeps winning: below the heads of lower
 * streams, up to those of higher ones. 0 or an error. */
static int pick(hvt_batch_reader *b, int *best, int *kind, uint64_t *bound)
{
	uint64_t t[HVT_MAX_STREAMS], bt = 0;
	int k[HVT_MAX_STREAMS];
	*best = -1;
	for (uint32_t i = 0; i < b->ns; i++) {
		k[i] = head_of(&b->s[i], &t[i]);
		if (k[i] < 0)
			return stream_fail(b, &b->s[i], k[i]);
		if (k[i] != HEAD_NONE && (*best < 0 || t[i] < bt))
			*best = (int)i, bt = t[i];
	}
	*bound = UINT64_MAX;
	for (uint32_t i = 0; *best >= 0 && i < b->ns; i++) {
		/* A lower stream's head is above bt (else it had won): t - 1 >= 0. */
		uint64_t lim = (int)i < *best ? t[i] - 1 : t[i];
		if ((int)i != *best && k[i] != HEAD_NONE && lim < *bound)
			*bound = lim;
	}
	*kind = *best >= 0 ? k[*best] : HEAD_NONE;
	return 0;
}

/* Copies s's staged events up to bound (at least one: the head) to o. */
static uint32_t copy_run(hvt_batch_reader *b, struct bstream *s, const struct hvt_columns *o,
			 uint32_t at, uint32_t room, uint64_t bound)
{
	uint32_t n = 0, left = s->st_n - s->st_i;
	if (room < left)
		left = room;
	while (n < left && s->st.time_ns[s->st_i + n] <= bound)
		n++;
	hvt_columns_copy(&b->plan, o, at, &s->st, s->st_i, n);
	for (uint32_t i = 0; o->stream && i < n; i++)
		o->stream[at + i] = s->ss->id;
	for (uint32_t i = 0; o->seq && i < n; i++)
		o->seq[at + i] = s->st_seq0 + s->st_i + i;
	s->st_i += n;
	return n;
}

/* One step of a batch: adds events to o at *n. 1 when it made progress;
 * 0 when it cannot (the end, or a chunk to load with events already in o);
 * or an error. */
static int step(hvt_batch_reader *b, const struct hvt_columns *o, uint32_t *n)
{
	int best, kind;
	uint64_t bound;
	int rc = pick(b, &best, &kind, &bound);
	if (rc < 0 || best < 0)
		return rc;
	struct bstream *s = &b->s[best];
	if (kind == HEAD_UNLOADED) {
		if (*n)
			return 0;
		rc = load_next(b, s);
		return rc < 0 ? rc : 1;
	}
	if (kind == HEAD_STAGED) {
		*n += copy_run(b, s, o, *n, o->capacity - *n, bound);
		return 1;
	}
	if (s->cur->chunk->h.last_time_ns <= bound) {
		int got = hvt_cursor_fill(s->cur, o, *n, o->capacity - *n);
		if (got < 0)
			return stream_fail(b, s, got);
		*n += (uint32_t)got;
		return 1;
	}
	rc = stage(b, s);
	return rc < 0 ? rc : 1;
}

int hvt_batch_reader_next(hvt_batch_reader *b, const struct hvt_columns *cols)
{
	struct hvt_columns o;
	uint32_t n = 0;
	int rc = 1;
	if (!b || hvt_columns_take(&o, cols) != 0 || !o.capacity ||
	    hvt_columns_mask(&o) != b->columns)
		return HVT_E_INVAL;
	if (b->err)
		return b->err;
	while (n < o.capacity && (rc = step(b, &o, &n)) == 1)
		;
	if (rc < 0) {
		/* The events before the failure are handed out first, as
		 * hvt_reader_next would; the error comes with the next call. */
		b->err = rc;
		return n ? (int)n : rc;
	}
	return (int)n;
}

int hvt_batch_reader_rewind(hvt_batch_reader *b)
{
	if (!b)
		return HVT_E_INVAL;
	b->err = 0;
	for (uint32_t i = 0; i < b->ns; i++)
		stream_reset(&b->s[i], 0);
	return 0;
}

/* Brings s's head to its first event with time > t, or >= t when
 * include_equal, loading and staging as needed. 0 or an error. */
static int skip_to_time(hvt_batch_reader *b, struct bstream *s, uint64_t t, int include_equal)
{
	stream_reset(s, hvt_stream_first_chunk_reaching(b->r, s->ss, t, 0));
	for (;;) {
		uint64_t ht;
		int k = head_of(s, &ht), rc = 0;
		if (k < 0)
			return stream_fail(b, s, k);
		if (k == HEAD_NONE)
			return 0;
		if (k == HEAD_UNLOADED)
			rc = load_next(b, s);
		else if (k == HEAD_LOADED)
			rc = stage(b, s);
		else if (ht > t || (ht == t && include_equal))
			return 0;
		else
			s->st_i++;
		if (rc < 0)
			return rc;
	}
}

int hvt_batch_reader_seek_time(hvt_batch_reader *b, uint64_t time_ns)
{
	if (!b)
		return HVT_E_INVAL;
	b->err = 0;
	for (uint32_t i = 0; i < b->ns; i++) {
		int rc = skip_to_time(b, &b->s[i], time_ns, 1);
		if (rc < 0)
			return b->err = rc;
	}
	return 0;
}

/* Brings s's head to event seq; HVT_E_NOT_FOUND when s has no such event. */
static int skip_to_seq(hvt_batch_reader *b, struct bstream *s, uint64_t seq)
{
	size_t ci = hvt_stream_first_chunk_reaching(b->r, s->ss, seq, 1);
	stream_reset(s, ci);
	while (ci < s->ss->nchunks) {
		uint64_t ht;
		int k = head_of(s, &ht), rc = 0;
		if (k < 0)
			return stream_fail(b, s, k);
		if (k == HEAD_NONE)
			break;
		if (k == HEAD_UNLOADED)
			rc = load_next(b, s);
		else if (k == HEAD_LOADED)
			rc = stage(b, s);
		else if (s->st_seq0 + s->st_i == seq)
			return 0;
		else
			s->st_i++;
		if (rc < 0)
			return rc;
	}
	snprintf(b->msg, sizeof(b->msg), "stream %u has no event %llu", s->ss->id,
		 (unsigned long long)seq);
	b->err_offset = 0;
	return HVT_E_NOT_FOUND;
}

int hvt_batch_reader_seek_seq(hvt_batch_reader *b, uint32_t stream, uint64_t seq)
{
	struct bstream *target = NULL;
	if (!b)
		return HVT_E_INVAL;
	for (uint32_t i = 0; i < b->ns; i++)
		if (b->s[i].ss->id == stream)
			target = &b->s[i];
	b->err = 0;
	if (!target) {
		snprintf(b->msg, sizeof(b->msg), "no stream %u", stream);
		return b->err = HVT_E_NOT_FOUND;
	}
	int rc = skip_to_seq(b, target, seq);
	uint64_t t = rc ? 0 : target->st.time_ns[target->st_i];
	for (uint32_t i = 0; i < b->ns && !rc; i++) {
		struct bstream *s = &b->s[i];
		/* Lower ids win ties, so they resume after t; higher ids at t. */
		if (s != target)
			rc = skip_to_time(b, s, t, s->ss->id > stream);
	}
	return rc ? (b->err = rc) : 0;
}
