/* The writer's background thread: drains every stream's ring, encodes events
 * into per-stream chunks, and writes a chunk when it is full, when the flush
 * interval passes, when a flush is requested, and at close. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "writer_impl.h"

void hvt_writer_wake(struct hvt_writer *w)
{
	pthread_mutex_lock(&w->mu);
	atomic_store(&w->kicked, 1);
	pthread_cond_signal(&w->work_cond);
	pthread_mutex_unlock(&w->mu);
}

/* Room for a full chunk plus one maximal event, touched now: growing it
 * later would fault fresh pages in while a guest runs (see hvt_ring_init). */
int hvt_chunk_builder_prepare(struct hvt_chunk_builder *c, uint32_t chunk_raw_bytes,
			      uint32_t max_data_bytes, uint32_t format_version)
{
	hvt_event big = {.data_len = max_data_bytes};
	c->raw_cap = chunk_raw_bytes + hvt_event_encoded_max(&big);
	c->raw = malloc(c->raw_cap);
	if (!c->raw)
		return HVT_E_NOMEM;
	memset(c->raw, 0, c->raw_cap);
	c->columnar = format_version >= HVT_FORMAT_V2;
	if (c->columnar &&
	    hvt_col_builder_init(&c->col, (size_t)chunk_raw_bytes + max_data_bytes) != 0) {
		hvt_chunk_builder_free(c);
		return HVT_E_NOMEM;
	}
	return 0;
}

void hvt_chunk_builder_free(struct hvt_chunk_builder *c)
{
	free(c->raw);
	c->raw = NULL;
	if (c->columnar)
		hvt_col_builder_free(&c->col);
}

/* v2: lays the columns out in c->raw; the payload's size, or 0 on failure. */
static size_t finish_columns(struct hvt_writer *w, struct hvt_chunk_builder *c)
{
	size_t need = hvt_col_raw_bytes(&c->col);
	if (need > c->raw_cap) {
		uint8_t *nr = realloc(c->raw, need);
		if (!nr) {
			hvt_writer_fail(w, HVT_E_NOMEM, "growing a chunk buffer");
			return 0;
		}
		c->raw = nr;
		c->raw_cap = need;
	}
	return hvt_col_finish(&c->col, c->raw);
}

static int emit_events_chunk(struct hvt_writer *w, struct hvt_stream *s)
{
	struct hvt_chunk_builder *c = &s->chunk;
	if (c->events == 0)
		return 0;
	struct hvt_chunk_header h = {
		.type = HVT_CHUNK_EVENTS,
		.stream = s->id,
		.events = c->events,
		.first_seq = c->first_seq,
		.last_seq = c->first_seq + c->events - 1,
		.first_time_ns = c->first_time_ns,
		.last_time_ns = c->last_time_ns,
	};
	if (c->columnar && !atomic_load(&w->failed))
		c->raw_len = finish_columns(w, c);
	int err = atomic_load(&w->failed) ? 0
		: hvt_writer_emit_chunk(w, &w->bg_scratch, &h, c->raw, c->raw_len);
	c->raw_len = 0;
	c->events = 0;
	return err;
}

static void chunk_start(struct hvt_chunk_builder *c, const hvt_event *ev)
{
	c->first_seq = ev->seq;
	c->first_time_ns = ev->time_ns;
	if (c->columnar)
		hvt_col_builder_reset(&c->col, ev->time_ns);
	else
		hvt_codec_reset(&c->codec, ev->time_ns);
}

/* v2: one event into the columns; a chunk is written when its payload
 * reaches the target size or the builder has no room left (its event and
 * shape caps bound the writer's memory). The size is looked at every 16
 * events, or at once after data: the payload passes the target by 16 small
 * events at most. */
static int chunk_add_columnar(struct hvt_writer *w, struct hvt_stream *s, const hvt_event *ev)
{
	struct hvt_chunk_builder *c = &s->chunk;
	if (c->events == 0)
		chunk_start(c, ev);
	int rc = hvt_col_add(&c->col, ev);
	if (rc == HVT_COL_FULL) {
		int err = emit_events_chunk(w, s);
		if (err)
			return err;
		chunk_start(c, ev);
		rc = hvt_col_add(&c->col, ev);
	}
	if (rc != 0)
		return hvt_writer_fail(w, rc < 0 ? rc : HVT_E_NOMEM, "adding an event to a chunk");
	c->last_time_ns = ev->time_ns;
	c->events++;
	if (((c->events & 15) == 0 || ev->data_len) &&
	    hvt_col_raw_bytes(&c->col) >= w->opts.chunk_raw_bytes)
		return emit_events_chunk(w, s);
	return 0;
}

/* Appends one event to the stream's chunk, starting a chunk if needed. */
static int chunk_add(struct hvt_writer *w, struct hvt_stream *s, const hvt_event *ev)
{
	struct hvt_chunk_builder *c = &s->chunk;
	if (c->columnar)
		return chunk_add_columnar(w, s, ev);
	size_t need = hvt_event_encoded_max(ev);
	if (c->raw_len + need > c->raw_cap) {
		size_t cap = c->raw_len + need + w->opts.chunk_raw_bytes;
		uint8_t *nr = realloc(c->raw, cap);
		if (!nr)
			return hvt_writer_fail(w, HVT_E_NOMEM, "growing a chunk buffer");
		c->raw = nr;
		c->raw_cap = cap;
	}
	if (c->events == 0)
		chunk_start(c, ev);
	c->raw_len += hvt_event_encode(&c->codec, ev, c->raw + c->raw_len);
	c->last_time_ns = ev->time_ns;
	c->events++;
	if (c->raw_len >= w->opts.chunk_raw_bytes)
		return emit_events_chunk(w, s);
	return 0;
}

/* Takes every published record out of s's ring. */
static void drain_stream(struct hvt_writer *w, struct hvt_stream *s)
{
	struct hvt_ring *r = &s->ring;
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	uint64_t n = 0;
	while (tail != head) {
		struct hvt_ring_rec *rec = (struct hvt_ring_rec *)(r->buf + (tail & (r->cap_bytes - 1)));
		if (!rec->is_pad) {
			hvt_event ev = rec->ev;
			ev.data = ev.data_len ? (const uint8_t *)(rec + 1) : NULL;
			chunk_add(w, s, &ev); /* a failure is kept in w; keep draining */
			n++;
		}
		tail += rec->len_bytes;
		/* Hand space back often so a waiting producer resumes early. */
		if ((n & 255) == 0)
			atomic_store_explicit(&r->tail, tail, memory_order_release);
	}
	atomic_store(&r->tail, tail);
	atomic_fetch_add(&w->stat_events, n);
	if (atomic_load(&r->producer_waiting)) {
		pthread_mutex_lock(&w->mu);
		pthread_cond_broadcast(&w->space_cond);
		pthread_mutex_unlock(&w->mu);
	}
}

static void for_each_stream(struct hvt_writer *w, int emit)
{
	uint32_t slots = atomic_load(&w->stream_slots);
	for (uint32_t i = 0; i < slots; i++) {
		pthread_mutex_lock(&w->mu);
		struct hvt_stream *s = w->streams[i];
		pthread_mutex_unlock(&w->mu);
		if (!s)
			continue;
		drain_stream(w, s);
		if (emit)
			emit_events_chunk(w, s);
	}
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* pthread_cond_timedwait takes an absolute CLOCK_REALTIME time: the one
 * place a wait of wait_ns becomes one. */
void hvt_deadline_after(uint64_t wait_ns, struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
	uint64_t ns = (uint64_t)ts->tv_nsec + wait_ns;
	ts->tv_sec += (time_t)(ns / 1000000000u);
	ts->tv_nsec = (long)(ns % 1000000000u);
}

/* Waits, with w->mu held, for a kick, a flush request, stop, or the next
 * tick. */
static void wait_for_work(struct hvt_writer *w, uint64_t next_tick_ns)
{
	while (!atomic_load(&w->kicked) && !w->stop && w->flush_requested == w->flush_done) {
		uint64_t now = hvt_monotonic_ns();
		if (now >= next_tick_ns)
			break;
		struct timespec ts;
		hvt_deadline_after(next_tick_ns - now, &ts);
		pthread_cond_timedwait(&w->work_cond, &w->mu, &ts);
	}
}

static void finish_flush(struct hvt_writer *w, uint64_t gen)
{
	if (w->opts.fsync && !atomic_load(&w->failed))
		fdatasync(w->fd);
	pthread_mutex_lock(&w->mu);
	if (gen > w->flush_done)
		w->flush_done = gen;
	pthread_cond_broadcast(&w->flush_cond);
	pthread_mutex_unlock(&w->mu);
}

void *hvt_writer_thread_main(void *arg)
{
	struct hvt_writer *w = arg;
	uint64_t interval_ns = (uint64_t)w->opts.flush_interval_ms * 1000000u;
	uint64_t next_tick = hvt_monotonic_ns() + interval_ns;
	for (;;) {
		pthread_mutex_lock(&w->mu);
		wait_for_work(w, next_tick);
		atomic_store(&w->kicked, 0);
		int stop = w->stop;
		uint64_t flush_gen = w->flush_requested;
		int want_flush = flush_gen != w->flush_done;
		pthread_mutex_unlock(&w->mu);
		int tick = hvt_monotonic_ns() >= next_tick;
		int emit = tick || want_flush || stop;
		for_each_stream(w, emit);
		if (emit)
			finish_flush(w, flush_gen);
		if (tick)
			next_tick = hvt_monotonic_ns() + interval_ns;
		atomic_store(&w->stat_bg_cpu_ns, thread_cpu_ns());
		if (stop)
			break;
	}
	return NULL;
}
