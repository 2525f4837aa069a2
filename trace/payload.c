/* Loading one chunk's payload: the only place stored bytes become raw bytes,
 * so every check on the way is here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "reader_impl.h"

void hvt_payload_free(struct hvt_payload_buf *pb)
{
	ZSTD_freeDCtx(pb->dctx);
	free(pb->stored);
	free(pb->raw);
	memset(pb, 0, sizeof(*pb));
}

static int reserve(uint8_t **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	uint8_t *nb = realloc(*buf, need ? need : 1);
	if (!nb)
		return HVT_E_NOMEM;
	*buf = nb;
	*cap = need;
	return 0;
}

/* The header on disk must be the one the index promised. */
static int check_header(const struct hvt_source *src, const struct hvt_chunk_rec *rec, char *msg,
			size_t msg_len)
{
	uint8_t hb[HVT_CHUNK_HEADER_BYTES];
	struct hvt_chunk_header h;
	const char *why = NULL;
	int err = hvt_source_read(src, rec->offset, hb, sizeof(hb));
	if (!err)
		err = hvt_chunk_header_decode(hb, &h, &why);
	uint8_t expect[HVT_CHUNK_HEADER_BYTES];
	hvt_chunk_header_encode(&rec->h, expect);
	if (!err && memcmp(hb, expect, sizeof(hb)) != 0) {
		err = HVT_E_BAD_INDEX;
		why = "header differs from the footer index entry";
	}
	if (err)
		snprintf(msg, msg_len, "chunk at offset %llu: %s", (unsigned long long)rec->offset,
			 why ? why : hvt_strerror(err));
	return err;
}

static int decompress(struct hvt_payload_buf *pb, const struct hvt_chunk_rec *rec, char *msg,
		      size_t msg_len)
{
	const struct hvt_chunk_header *h = &rec->h;
	if (!pb->dctx && !(pb->dctx = ZSTD_createDCtx()))
		return HVT_E_NOMEM;
	int err = reserve(&pb->raw, &pb->raw_cap, h->raw_bytes);
	if (err)
		return err;
	/* Capacity is the declared raw size: zstd cannot write past it. */
	size_t n = ZSTD_decompressDCtx(pb->dctx, pb->raw, h->raw_bytes, pb->stored, h->stored_bytes);
	if (ZSTD_isError(n) || n != h->raw_bytes) {
		snprintf(msg, msg_len, "chunk at offset %llu: payload does not decompress to %u bytes (%s)",
			 (unsigned long long)rec->offset, h->raw_bytes,
			 ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size differs");
		return HVT_E_DECOMPRESS;
	}
	return 0;
}

int hvt_payload_load(const struct hvt_source *src, struct hvt_payload_buf *pb,
		     const struct hvt_chunk_rec *rec, const uint8_t **raw, char *msg, size_t msg_len)
{
	static const uint8_t empty[1];
	const struct hvt_chunk_header *h = &rec->h;
	int err = check_header(src, rec, msg, msg_len);
	if (err)
		return err;
	/* Callers do pointer arithmetic on *raw: never hand them NULL, even for
	 * an empty payload (found by fuzzing). */
	*raw = empty;
	if ((err = reserve(&pb->stored, &pb->stored_cap, h->stored_bytes)) != 0)
		return err;
	err = hvt_source_read(src, rec->offset + HVT_CHUNK_HEADER_BYTES, pb->stored, h->stored_bytes);
	if (err) {
		snprintf(msg, msg_len, "chunk at offset %llu: reading %u payload bytes: %s",
			 (unsigned long long)rec->offset, h->stored_bytes, hvt_strerror(err));
		return err;
	}
	if (XXH3_64bits(pb->stored, h->stored_bytes) != h->payload_hash) {
		snprintf(msg, msg_len, "chunk at offset %llu: payload checksum mismatch",
			 (unsigned long long)rec->offset);
		return HVT_E_PAYLOAD_CHECKSUM;
	}
	if (h->raw_bytes == 0 && h->codec == HVT_CODEC_RAW)
		return 0;
	if (h->codec == HVT_CODEC_RAW) {
		*raw = pb->stored;
		return 0;
	}
	err = decompress(pb, rec, msg, msg_len);
	if (h->raw_bytes)
		*raw = pb->raw;
	return err;
}
