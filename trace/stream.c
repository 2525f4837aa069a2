/* The producer side of a stream: what a vCPU thread runs per event. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "writer_impl.h"

#define HVT_DEFAULT_STREAM_BUFFER (4u << 20)
#define HVT_MIN_STREAM_BUFFER (64u << 10)

int hvt_writer_open_stream(hvt_writer *w, uint32_t stream_id, hvt_stream **out)
{
	if (!w || !out || stream_id >= HVT_MAX_STREAMS)
		return HVT_E_INVAL;
	uint64_t cap = w->opts.stream_buffer_bytes ? w->opts.stream_buffer_bytes
						   : HVT_DEFAULT_STREAM_BUFFER;
	if (cap < HVT_MIN_STREAM_BUFFER || (cap & (cap - 1)))
		return HVT_E_INVAL;
	pthread_mutex_lock(&w->mu);
	int err = w->streams[stream_id] ? HVT_E_INVAL : 0;
	struct hvt_stream *s = err ? NULL : calloc(1, sizeof(*s));
	if (!err && !s)
		err = HVT_E_NOMEM;
	if (!err && (err = hvt_ring_init(&s->ring, cap)) != 0) {
		free(s);
		s = NULL;
	}
	if (!err) {
		uint64_t quarter = cap / 4 - sizeof(struct hvt_ring_rec);
		s->max_data_bytes = quarter < HVT_MAX_EVENT_DATA ? (uint32_t)quarter : HVT_MAX_EVENT_DATA;
	}
	if (!err && (err = hvt_chunk_builder_prepare(&s->chunk, w->opts.chunk_raw_bytes,
						     s->max_data_bytes, w->opts.format_version)) != 0) {
		hvt_ring_destroy(&s->ring);
		free(s);
		s = NULL;
	}
	if (!err) {
		s->w = w;
		s->id = stream_id;
		w->streams[stream_id] = s;
		if (stream_id + 1 > atomic_load(&w->stream_slots))
			atomic_store(&w->stream_slots, stream_id + 1);
	}
	pthread_mutex_unlock(&w->mu);
	*out = s;
	return err;
}

uint64_t hvt_stream_next_seq(const hvt_stream *s)
{
	return s->next_seq;
}

/* Slow path: the ring is full. Wake the background thread and wait; the
 * timed wait is a safety net, not the mechanism. */
static int wait_for_room(struct hvt_stream *s, uint64_t need)
{
	struct hvt_writer *w = s->w;
	atomic_fetch_add(&w->stat_stalls, 1);
	pthread_mutex_lock(&w->mu);
	while (!hvt_ring_has_room(&s->ring, s->head, need) && !atomic_load(&w->failed)) {
		atomic_store(&s->ring.producer_waiting, 1);
		atomic_store(&w->kicked, 1);
		pthread_cond_signal(&w->work_cond);
		if (hvt_ring_has_room(&s->ring, s->head, need))
			break;
		struct timespec ts;
		hvt_deadline_after(10 * 1000 * 1000, &ts);
		pthread_cond_timedwait(&w->space_cond, &w->mu, &ts);
	}
	atomic_store(&s->ring.producer_waiting, 0);
	pthread_mutex_unlock(&w->mu);
	return atomic_load(&w->failed) ? w->first_err : 0;
}

int hvt_stream_append(hvt_stream *s, const hvt_event *ev)
{
	if (atomic_load_explicit(&s->w->failed, memory_order_acquire))
		return s->w->first_err;
	if (ev->data_len > s->max_data_bytes || (ev->data_len && !ev->data) ||
	    !hvt_event_kind_valid(ev->type, ev->kind))
		return HVT_E_INVAL;
	uint32_t rec_bytes = hvt_ring_rec_bytes(ev->data_len);
	uint64_t need = hvt_ring_need(&s->ring, s->head, rec_bytes);
	if (!hvt_ring_has_room(&s->ring, s->head, need)) {
		int err = wait_for_room(s, need);
		if (err)
			return err;
	}
	hvt_event copy = *ev;
	copy.stream = s->id;
	copy.seq = s->next_seq++;
	if (copy.time_ns < s->last_time_ns)
		copy.time_ns = s->last_time_ns; /* per-stream time never goes back */
	s->last_time_ns = copy.time_ns;
	uint64_t used = hvt_ring_put(&s->ring, s->head, &copy, rec_bytes);
	s->head = atomic_load_explicit(&s->ring.head, memory_order_relaxed);
	/* Past half full, make sure the background thread is draining. used
	 * counts from the cached tail, which may be stale: look again before
	 * paying for a wake-up, or every append would pay for one. */
	if (used > s->ring.cap_bytes / 2) {
		s->ring.tail_cached = atomic_load_explicit(&s->ring.tail, memory_order_acquire);
		used = s->head - s->ring.tail_cached;
		if (used > s->ring.cap_bytes / 2 &&
		    !atomic_load_explicit(&s->w->kicked, memory_order_relaxed))
			hvt_writer_wake(s->w);
	}
	return 0;
}
