/* The reader object: opening, facts about the trace, errors. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "reader_impl.h"

static _Thread_local char open_msg[HVT_MSG_BYTES];

static void sum_info(hvt_reader *r)
{
	struct hvt_trace_info *in = &r->info;
	in->version_major = r->fh.version_major;
	in->version_minor = r->fh.version_minor;
	in->flags = r->fh.flags;
	in->created_unix_ns = r->fh.created_unix_ns;
	in->clock_id = r->fh.clock_id;
	in->time_origin_ns = r->fh.time_origin_ns;
	in->file_bytes = r->src.size_bytes;
	in->chunks = r->nchunks;
	in->streams = r->nstreams;
	in->first_time_ns = UINT64_MAX;
	for (uint64_t i = 0; i < r->nchunks; i++) {
		const struct hvt_chunk_header *h = &r->chunks[i].h;
		if (h->type != HVT_CHUNK_EVENTS)
			continue;
		in->events += h->events;
		in->raw_bytes += h->raw_bytes;
		in->stored_bytes += h->stored_bytes;
		if (h->first_time_ns < in->first_time_ns)
			in->first_time_ns = h->first_time_ns;
		if (h->last_time_ns > in->last_time_ns)
			in->last_time_ns = h->last_time_ns;
	}
	if (in->events == 0)
		in->first_time_ns = 0;
}

static int read_file_header(hvt_reader *r)
{
	uint8_t buf[HVT_FILE_HEADER_BYTES];
	size_t magic_len = sizeof(HVT_FILE_MAGIC) - 1;
	size_t have = r->src.size_bytes < magic_len ? (size_t)r->src.size_bytes : magic_len;
	/* Empty, text, an image: say what it is not, rather than "corrupt". */
	if (have == 0)
		return hvt_reader_fail(r, HVT_E_BAD_MAGIC, 0,
				       "not an hvtrace trace (empty file: nothing at offset 0)");
	int err = hvt_source_read(&r->src, 0, buf, have);
	if (!err && memcmp(buf, HVT_FILE_MAGIC, have) != 0)
		return hvt_reader_fail(r, HVT_E_BAD_MAGIC, 0,
				       "not an hvtrace trace (no hvtrace magic at offset 0)");
	if (r->src.size_bytes < HVT_FILE_HEADER_BYTES)
		return hvt_reader_fail(r, HVT_E_TRUNCATED, r->src.size_bytes,
				       "file ends at offset %llu, inside the %u-byte file header",
				       (unsigned long long)r->src.size_bytes, HVT_FILE_HEADER_BYTES);
	err = err ? err : hvt_source_read(&r->src, 0, buf, sizeof(buf));
	if (!err)
		err = hvt_file_header_decode(buf, &r->fh);
	if (err == HVT_E_BAD_VERSION)
		return hvt_reader_fail(r, err, 8, "file header at offset 8: format version %u.%u; this build reads 1.x to %u.x",
				       r->fh.version_major, r->fh.version_minor, HVT_FORMAT_MAJOR_MAX);
	if (err)
		return hvt_reader_fail(r, err, 0, "file header at offset 0: %s", hvt_strerror(err));
	return 0;
}

static int open_common(hvt_reader *r)
{
	int err = read_file_header(r);
	if (!err)
		err = hvt_reader_build_index(r);
	if (!err)
		err = hvt_reader_group_streams(r);
	if (!err)
		err = hvt_reader_load_meta(r);
	if (!err)
		sum_info(r);
	return err;
}

static int finish_open(hvt_reader *r, int err, hvt_reader **out)
{
	if (err) {
		snprintf(open_msg, sizeof(open_msg), "%s", r->msg[0] ? r->msg : hvt_strerror(err));
		hvt_reader_close(r);
		return err;
	}
	*out = r;
	return 0;
}

/* The caller's options over defaults (opts.h); HVT_E_INVAL when a newer
 * caller asks for an option this build does not have. */
static int take_opts(const struct hvt_reader_opts *user, size_t *block)
{
	struct hvt_reader_opts o = {0};
	open_msg[0] = 0;
	if (hvt_opts_take(&o, HVT_OPTS_END(struct hvt_reader_opts, read_block_bytes), user) != 0) {
		snprintf(open_msg, sizeof(open_msg), "reader options: sz %zu with unknown "
			 "non-zero fields (or below sizeof(size_t))", user->sz);
		return HVT_E_INVAL;
	}
	*block = o.read_block_bytes;
	return 0;
}

int hvt_reader_open(hvt_reader **out, const char *path, const struct hvt_reader_opts *opts)
{
	size_t block;
	if (!out || !path)
		return HVT_E_INVAL;
	*out = NULL;
	if (take_opts(opts, &block) != 0)
		return HVT_E_INVAL;
	hvt_reader *r = calloc(1, sizeof(hvt_reader));
	if (!r)
		return HVT_E_NOMEM;
	int err = hvt_source_open_file(&r->src, path, block, r->msg, sizeof(r->msg));
	if (!err)
		err = open_common(r);
	return finish_open(r, err, out);
}

int hvt_reader_open_memory(hvt_reader **out, const void *buf, size_t len,
			   const struct hvt_reader_opts *opts)
{
	size_t block;
	if (!out || (!buf && len))
		return HVT_E_INVAL;
	*out = NULL;
	if (take_opts(opts, &block) != 0)
		return HVT_E_INVAL;
	hvt_reader *r = calloc(1, sizeof(hvt_reader));
	if (!r)
		return HVT_E_NOMEM;
	hvt_source_open_memory(&r->src, buf, len, block);
	return finish_open(r, open_common(r), out);
}

void hvt_reader_close(hvt_reader *r)
{
	if (!r)
		return;
	for (uint32_t i = 0; i < r->nstreams; i++) {
		free(r->streams[i].chunk_ids);
		hvt_chunk_cursor_free(r->streams[i].cur);
	}
	for (size_t i = 0; i < r->nmeta; i++) {
		free(r->meta[i].key);
		free(r->meta[i].value);
	}
	for (size_t i = 0; i < r->nblobs; i++) {
		free(r->blobs[i].name);
		free(r->blobs[i].data);
	}
	free(r->streams);
	free(r->meta);
	free(r->blobs);
	free(r->chunks);
	hvt_payload_free(&r->pb);
	hvt_source_close(&r->src);
	free(r);
}

const char *hvt_reader_error(const hvt_reader *r)
{
	return r ? r->msg : open_msg;
}

uint64_t hvt_reader_error_offset(const hvt_reader *r)
{
	return r->err_offset;
}

const char *hvt_reader_open_error(void)
{
	return open_msg;
}

void hvt_reader_get_info(const hvt_reader *r, struct hvt_trace_info *out)
{
	*out = r->info;
}

uint32_t hvt_reader_stream_count(const hvt_reader *r)
{
	return r->nstreams;
}

int hvt_reader_stream_info(const hvt_reader *r, uint32_t i, struct hvt_stream_info *out)
{
	if (i >= r->nstreams)
		return HVT_E_NOT_FOUND;
	const struct hvt_stream_state *s = &r->streams[i];
	const struct hvt_chunk_header *first = &r->chunks[s->chunk_ids[0]].h;
	const struct hvt_chunk_header *last = &r->chunks[s->chunk_ids[s->nchunks - 1]].h;
	*out = (struct hvt_stream_info){s->id, s->events, s->nchunks, first->first_seq,
					last->last_seq, first->first_time_ns, last->last_time_ns};
	return 0;
}

uint64_t hvt_reader_chunk_count(const hvt_reader *r)
{
	return r->nchunks;
}

int hvt_reader_chunk_info(const hvt_reader *r, uint64_t i, struct hvt_chunk_info *out)
{
	if (i >= r->nchunks)
		return HVT_E_NOT_FOUND;
	const struct hvt_chunk_rec *c = &r->chunks[i];
	*out = (struct hvt_chunk_info){c->offset, c->h.type, c->h.codec, c->h.stream,
				       c->h.stored_bytes, c->h.raw_bytes, c->h.events,
				       c->h.first_seq, c->h.last_seq, c->h.first_time_ns,
				       c->h.last_time_ns};
	return 0;
}
