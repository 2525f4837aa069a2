/* The writer object: file header, metadata and blobs, flush and close. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "opts.h"
#include "writer_impl.h"

#define HVT_DEFAULT_CHUNK_RAW (1u << 20)
#define HVT_DEFAULT_FLUSH_MS 50u
#define HVT_BLOB_PART_BYTES (8u << 20)

static _Thread_local char last_error[256];

const char *hvt_writer_last_error(void)
{
	return last_error;
}

/* Keeps w's message for hvt_writer_last_error before w goes away. */
static int keep_error(struct hvt_writer *w, int err)
{
	if (err)
		snprintf(last_error, sizeof(last_error), "%s",
			 atomic_load(&w->failed) ? w->errmsg : hvt_strerror(err));
	return err;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Copies the caller's options over defaults (opts.h: an older caller's
 * smaller struct is fine, a newer caller's unknown options must be zero). */
static int take_opts(struct hvt_writer_opts *o, const struct hvt_writer_opts *user)
{
	memset(o, 0, sizeof(*o));
	if (hvt_opts_take(o, HVT_OPTS_END(struct hvt_writer_opts, format_version), user) != 0)
		return HVT_E_INVAL;
	if (o->format_version == 0)
		o->format_version = HVT_FORMAT_MAJOR;
	if (o->format_version < HVT_FORMAT_V1 || o->format_version > HVT_FORMAT_MAJOR_MAX)
		return HVT_E_INVAL;
	o->sz = sizeof(*o);
	if (o->zstd_level == 0)
		o->zstd_level = 1;
	if (o->zstd_level > ZSTD_maxCLevel())
		return HVT_E_INVAL;
	if (!o->chunk_raw_bytes)
		o->chunk_raw_bytes = HVT_DEFAULT_CHUNK_RAW;
	/* Leave room for one maximal event past the target. */
	if (o->chunk_raw_bytes > HVT_MAX_CHUNK_RAW - 2 * HVT_MAX_EVENT_DATA)
		return HVT_E_INVAL;
	if (!o->flush_interval_ms)
		o->flush_interval_ms = HVT_DEFAULT_FLUSH_MS;
	if (!o->time_origin_ns)
		o->time_origin_ns = hvt_monotonic_ns();
	return 0;
}

static int init_sync(struct hvt_writer *w)
{
	pthread_mutex_init(&w->file_mu, NULL);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work_cond, NULL);
	pthread_cond_init(&w->space_cond, NULL);
	pthread_cond_init(&w->flush_cond, NULL);
	int err = hvt_scratch_init(&w->api_scratch);
	return err ? err : hvt_scratch_init(&w->bg_scratch);
}

static int write_file_header(struct hvt_writer *w)
{
	struct hvt_file_header fh = {
		.version_major = (uint16_t)w->opts.format_version,
		.version_minor = HVT_FORMAT_MINOR,
		.created_unix_ns = realtime_ns(),
		.clock_id = HVT_CLOCK_MONOTONIC,
		.time_origin_ns = w->opts.time_origin_ns,
	};
	uint8_t buf[HVT_FILE_HEADER_BYTES];
	hvt_file_header_encode(&fh, buf);
	ssize_t n = pwrite(w->fd, buf, sizeof(buf), 0);
	if (n != (ssize_t)sizeof(buf)) {
		int e = n < 0 ? errno : ENOSPC;
		return hvt_writer_fail(w, e == ENOSPC ? HVT_E_NO_SPACE : HVT_E_IO,
				       "writing the file header: %s", strerror(e));
	}
	w->file_offset = sizeof(buf);
	return 0;
}

static void writer_free(struct hvt_writer *w)
{
	for (uint32_t i = 0; i < HVT_MAX_STREAMS; i++) {
		struct hvt_stream *s = w->streams[i];
		if (!s)
			continue;
		hvt_ring_destroy(&s->ring);
		hvt_chunk_builder_free(&s->chunk);
		free(s);
	}
	hvt_scratch_free(&w->api_scratch);
	hvt_scratch_free(&w->bg_scratch);
	for (size_t i = 0; i < w->nblob_names; i++)
		free(w->blob_names[i]);
	free(w->blob_names);
	free(w->index);
	if (w->fd >= 0)
		close(w->fd);
	pthread_mutex_destroy(&w->file_mu);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->work_cond);
	pthread_cond_destroy(&w->space_cond);
	pthread_cond_destroy(&w->flush_cond);
	free(w);
}

int hvt_writer_create(hvt_writer **out, const char *path, const struct hvt_writer_opts *opts)
{
	if (!out || !path)
		return HVT_E_INVAL;
	*out = NULL;
	last_error[0] = 0;
	struct hvt_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return HVT_E_NOMEM;
	w->fd = -1;
	int err = take_opts(&w->opts, opts);
	if (!err)
		err = init_sync(w);
	if (!err && (w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		err = hvt_writer_fail(w, HVT_E_IO, "%s: %s", path, strerror(errno));
	if (!err)
		err = hvt_scratch_prepare(&w->bg_scratch, w->opts.chunk_raw_bytes, w->opts.zstd_level);
	if (!err)
		err = write_file_header(w);
	if (!err && pthread_create(&w->thread, NULL, hvt_writer_thread_main, w) != 0)
		err = HVT_E_NOMEM;
	if (err)
		goto err_out;
	w->thread_started = 1;
	*out = w;
	return 0;
err_out:
	keep_error(w, err);
	writer_free(w);
	return err;
}

/* META payload: varint key length, key, varint value length, value. */
int hvt_writer_set_meta(hvt_writer *w, const char *key, const void *value, size_t value_len)
{
	size_t key_len = key ? strlen(key) : 0;
	if (!w || key_len == 0 || key_len > HVT_MAX_KEY_BYTES || (value_len && !value) ||
	    value_len > HVT_MAX_META_BYTES / 2)
		return HVT_E_INVAL;
	/* Readers refuse more than HVT_MAX_META_BYTES in all, replaced values
	 * included: refuse here what would make the whole trace unreadable. */
	pthread_mutex_lock(&w->file_mu);
	int over = w->meta_bytes + key_len + value_len > HVT_MAX_META_BYTES;
	if (!over)
		w->meta_bytes += key_len + value_len;
	pthread_mutex_unlock(&w->file_mu);
	if (over)
		return HVT_E_INVAL;
	uint8_t *raw = malloc(2 * HVT_VARINT_MAX + key_len + value_len);
	if (!raw)
		return HVT_E_NOMEM;
	size_t n = hvt_put_varint(raw, key_len);
	memcpy(raw + n, key, key_len);
	n += key_len;
	n += hvt_put_varint(raw + n, value_len);
	if (value_len)
		memcpy(raw + n, value, value_len);
	n += value_len;
	struct hvt_chunk_header h = {.type = HVT_CHUNK_META, .stream = HVT_STREAM_META};
	int err = hvt_writer_emit_chunk(w, &w->api_scratch, &h, raw, n);
	free(raw);
	return err;
}

int hvt_writer_set_meta_str(hvt_writer *w, const char *key, const char *value)
{
	return hvt_writer_set_meta(w, key, value, value ? strlen(value) : 0);
}

/* One BLOB chunk: varint name length, name, varint total length, varint
 * offset of this part, then the part's bytes. */
static int put_blob_part(hvt_writer *w, const char *name, size_t name_len, const uint8_t *data,
			 size_t total, size_t off, size_t part_len, uint8_t *raw)
{
	size_t n = hvt_put_varint(raw, name_len);
	memcpy(raw + n, name, name_len);
	n += name_len;
	n += hvt_put_varint(raw + n, total);
	n += hvt_put_varint(raw + n, off);
	if (part_len) /* an empty blob may come with data == NULL */
		memcpy(raw + n, data + off, part_len);
	struct hvt_chunk_header h = {.type = HVT_CHUNK_BLOB, .stream = HVT_STREAM_META};
	return hvt_writer_emit_chunk(w, &w->api_scratch, &h, raw, n + part_len);
}

/* A blob's parts must continue one another (FORMAT.md), so a second blob
 * of the same name would make the first unreadable: each name is used once. */
static int claim_blob_name(struct hvt_writer *w, const char *name)
{
	int err = 0;
	pthread_mutex_lock(&w->file_mu);
	for (size_t i = 0; i < w->nblob_names && !err; i++)
		if (strcmp(w->blob_names[i], name) == 0)
			err = HVT_E_INVAL;
	if (!err) {
		char **nn = realloc(w->blob_names, (w->nblob_names + 1) * sizeof(*nn));
		if (nn)
			w->blob_names = nn;
		char *copy = nn ? strdup(name) : NULL;
		if (copy)
			w->blob_names[w->nblob_names++] = copy;
		else
			err = HVT_E_NOMEM;
	}
	pthread_mutex_unlock(&w->file_mu);
	return err;
}

int hvt_writer_put_blob(hvt_writer *w, const char *name, const void *data, size_t len)
{
	size_t name_len = name ? strlen(name) : 0;
	if (!w || name_len == 0 || name_len > HVT_MAX_KEY_BYTES || (len && !data) ||
	    len > HVT_MAX_BLOB_BYTES)
		return HVT_E_INVAL;
	int err = claim_blob_name(w, name);
	if (err)
		return err;
	uint8_t *raw = malloc(3 * HVT_VARINT_MAX + name_len + HVT_BLOB_PART_BYTES);
	if (!raw)
		return HVT_E_NOMEM;
	size_t off = 0;
	do {
		size_t part = len - off < HVT_BLOB_PART_BYTES ? len - off : HVT_BLOB_PART_BYTES;
		err = put_blob_part(w, name, name_len, data, len, off, part, raw);
		off += part;
	} while (!err && off < len);
	free(raw);
	return err;
}

int hvt_writer_flush(hvt_writer *w)
{
	if (!w)
		return HVT_E_INVAL;
	pthread_mutex_lock(&w->mu);
	uint64_t gen = ++w->flush_requested;
	pthread_cond_signal(&w->work_cond);
	while (w->flush_done < gen && !atomic_load(&w->failed))
		pthread_cond_wait(&w->flush_cond, &w->mu);
	pthread_mutex_unlock(&w->mu);
	return atomic_load(&w->failed) ? w->first_err : 0;
}

/* The index chunk (a copy of every chunk header with its offset) and the
 * trailer pointing at it. Too many chunks for one index chunk: no footer,
 * and readers rebuild the index by scanning. */
static int write_footer(struct hvt_writer *w)
{
	if (w->index_len > HVT_MAX_CHUNK_RAW)
		return 0;
	uint64_t index_offset = w->file_offset;
	struct hvt_trailer t = {.index_offset = index_offset,
				.chunk_count = w->index_len / HVT_INDEX_ENTRY_BYTES};
	struct hvt_chunk_header h = {.type = HVT_CHUNK_INDEX, .stream = HVT_STREAM_META};
	int err = hvt_writer_emit_chunk(w, &w->api_scratch, &h, w->index, w->index_len);
	if (err)
		return err;
	uint8_t buf[HVT_TRAILER_BYTES];
	hvt_trailer_encode(&t, buf);
	if (pwrite(w->fd, buf, sizeof(buf), (off_t)w->file_offset) != (ssize_t)sizeof(buf))
		return hvt_writer_fail(w, HVT_E_IO, "writing the trailer at offset %llu: %s",
				       (unsigned long long)w->file_offset, strerror(errno));
	w->file_offset += sizeof(buf);
	return 0;
}

int hvt_writer_close(hvt_writer *w)
{
	if (!w)
		return 0;
	if (w->thread_started) {
		pthread_mutex_lock(&w->mu);
		w->stop = 1;
		pthread_cond_signal(&w->work_cond);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
	}
	if (!atomic_load(&w->failed))
		write_footer(w);
	if (!atomic_load(&w->failed) && w->opts.fsync && fsync(w->fd) != 0)
		hvt_writer_fail(w, HVT_E_IO, "fsync: %s", strerror(errno));
	if (close(w->fd) != 0 && !atomic_load(&w->failed))
		hvt_writer_fail(w, HVT_E_IO, "closing the trace: %s", strerror(errno));
	w->fd = -1;
	int err = keep_error(w, atomic_load(&w->failed) ? w->first_err : 0);
	writer_free(w);
	return err;
}

void hvt_writer_get_stats(const hvt_writer *w, struct hvt_writer_stats *out)
{
	hvt_writer *mw = (hvt_writer *)w; /* atomics need a non-const object */
	out->events = atomic_load(&mw->stat_events);
	out->chunks = atomic_load(&mw->stat_chunks);
	out->raw_bytes = atomic_load(&mw->stat_raw_bytes);
	pthread_mutex_lock(&mw->file_mu);
	out->file_bytes = mw->file_offset;
	pthread_mutex_unlock(&mw->file_mu);
	out->stalls = atomic_load(&mw->stat_stalls);
	out->background_cpu_ns = atomic_load(&mw->stat_bg_cpu_ns);
}

const char *hvt_writer_error(const hvt_writer *w)
{
	return w && atomic_load(&((hvt_writer *)w)->failed) ? w->errmsg : "";
}
