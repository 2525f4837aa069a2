/* Turning a raw payload into a chunk on disk: compress, hash, append, index. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <xxhash.h>

#include "bytes.h"
#include "writer_impl.h"

int hvt_scratch_init(struct hvt_scratch *s)
{
	s->cctx = ZSTD_createCCtx();
	s->buf = NULL;
	s->cap_bytes = 0;
	return s->cctx ? 0 : HVT_E_NOMEM;
}

int hvt_scratch_prepare(struct hvt_scratch *s, uint32_t chunk_raw_bytes, int level)
{
	size_t raw_cap = chunk_raw_bytes + 2u * HVT_MAX_EVENT_DATA;
	s->cap_bytes = ZSTD_compressBound(raw_cap);
	s->buf = malloc(s->cap_bytes);
	uint8_t *zeros = calloc(1, raw_cap);
	int err = s->buf && zeros ? 0 : HVT_E_NOMEM;
	if (!err) {
		memset(s->buf, 0, s->cap_bytes);
		/* One compression now allocates and touches zstd's workspace. */
		if (level > 0)
			ZSTD_compressCCtx(s->cctx, s->buf, s->cap_bytes, zeros, raw_cap, level);
	}
	free(zeros);
	return err;
}

void hvt_scratch_free(struct hvt_scratch *s)
{
	ZSTD_freeCCtx(s->cctx);
	free(s->buf);
	s->cctx = NULL;
	s->buf = NULL;
}

int hvt_writer_fail(struct hvt_writer *w, int err, const char *fmt, ...)
{
	int expected = 0;
	if (!atomic_compare_exchange_strong(&w->fail_claimed, &expected, 1))
		return err;
	w->first_err = err;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->errmsg, sizeof(w->errmsg), fmt, ap);
	va_end(ap);
	/* Published last: whoever sees failed also sees first_err and errmsg. */
	atomic_store(&w->failed, 1);
	return err;
}

/* Stores or compresses raw into s->buf; sets *stored and h->codec. */
static int pack_payload(struct hvt_writer *w, struct hvt_scratch *s, struct hvt_chunk_header *h,
			const uint8_t *raw, size_t raw_len, const uint8_t **stored)
{
	h->raw_bytes = (uint32_t)raw_len;
	if (w->opts.zstd_level < 0 || raw_len == 0) {
		h->codec = HVT_CODEC_RAW;
		h->stored_bytes = (uint32_t)raw_len;
		*stored = raw;
		return 0;
	}
	size_t bound = ZSTD_compressBound(raw_len);
	if (bound > s->cap_bytes) {
		uint8_t *nb = realloc(s->buf, bound);
		if (!nb)
			return HVT_E_NOMEM;
		s->buf = nb;
		s->cap_bytes = bound;
	}
	size_t n = ZSTD_compressCCtx(s->cctx, s->buf, s->cap_bytes, raw, raw_len, w->opts.zstd_level);
	if (ZSTD_isError(n))
		return hvt_writer_fail(w, HVT_E_INVAL, "zstd: %s", ZSTD_getErrorName(n));
	h->codec = HVT_CODEC_ZSTD;
	h->stored_bytes = (uint32_t)n;
	*stored = s->buf;
	return 0;
}

/* pwrite of header + payload, all or nothing: a short write is undone so the
 * file never keeps part of a chunk we know about. */
static int append_bytes(struct hvt_writer *w, const uint8_t *hdr, const uint8_t *payload,
			size_t payload_len)
{
	struct iovec iov[2] = {{(void *)hdr, HVT_CHUNK_HEADER_BYTES}, {(void *)payload, payload_len}};
	size_t total = HVT_CHUNK_HEADER_BYTES + payload_len, done = 0;
	while (done < total) {
		ssize_t n = pwritev(w->fd, iov, 2, (off_t)(w->file_offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : ENOSPC;
			if (ftruncate(w->fd, (off_t)w->file_offset) != 0) { /* best effort */ }
			int code = (e == ENOSPC || e == EDQUOT) ? HVT_E_NO_SPACE : HVT_E_IO;
			return hvt_writer_fail(w, code, "writing chunk at offset %llu: %s",
					       (unsigned long long)w->file_offset, strerror(e));
		}
		done += (size_t)n;
		for (int i = 0; i < 2 && n > 0; i++) {
			size_t take = (size_t)n < iov[i].iov_len ? (size_t)n : iov[i].iov_len;
			iov[i].iov_base = (uint8_t *)iov[i].iov_base + take;
			iov[i].iov_len -= take;
			n -= (ssize_t)take;
		}
	}
	return 0;
}

static int index_add(struct hvt_writer *w, const uint8_t hdr[HVT_CHUNK_HEADER_BYTES])
{
	if (w->index_len + HVT_INDEX_ENTRY_BYTES > w->index_cap) {
		size_t cap = w->index_cap ? w->index_cap * 2 : 64 * HVT_INDEX_ENTRY_BYTES;
		uint8_t *ni = realloc(w->index, cap);
		if (!ni)
			return hvt_writer_fail(w, HVT_E_NOMEM, "growing the chunk index");
		w->index = ni;
		w->index_cap = cap;
	}
	uint8_t *e = w->index + w->index_len;
	hvt_put_le64(e, w->file_offset);
	memcpy(e + 8, hdr, HVT_CHUNK_HEADER_BYTES);
	w->index_len += HVT_INDEX_ENTRY_BYTES;
	return 0;
}

int hvt_writer_emit_chunk(struct hvt_writer *w, struct hvt_scratch *s, struct hvt_chunk_header *h,
			  const uint8_t *raw, size_t raw_len)
{
	const uint8_t *stored = NULL;
	uint8_t hdr[HVT_CHUNK_HEADER_BYTES];
	int err = pack_payload(w, s, h, raw, raw_len, &stored);
	if (err)
		return err;
	h->payload_hash = XXH3_64bits(stored, h->stored_bytes);
	hvt_chunk_header_encode(h, hdr);
	pthread_mutex_lock(&w->file_mu);
	err = atomic_load(&w->failed) ? HVT_E_CLOSED : append_bytes(w, hdr, stored, h->stored_bytes);
	if (!err && h->type != HVT_CHUNK_INDEX)
		err = index_add(w, hdr);
	if (!err)
		w->file_offset += HVT_CHUNK_HEADER_BYTES + h->stored_bytes;
	pthread_mutex_unlock(&w->file_mu);
	if (!err) {
		atomic_fetch_add(&w->stat_chunks, 1);
		atomic_fetch_add(&w->stat_raw_bytes, raw_len);
	}
	return err;
}
