#include "layout.h"

#include <string.h>
#include <xxhash.h>
#include <zstd.h>

#include "bytes.h"
#include "hvtrace/error.h"
#include "hvtrace/reader.h"

void hvt_file_header_encode(const struct hvt_file_header *h, uint8_t out[HVT_FILE_HEADER_BYTES])
{
	memset(out, 0, HVT_FILE_HEADER_BYTES);
	memcpy(out, HVT_FILE_MAGIC, 8);
	hvt_put_le16(out + 8, h->version_major);
	hvt_put_le16(out + 10, h->version_minor);
	hvt_put_le32(out + 12, h->flags);
	hvt_put_le64(out + 16, h->created_unix_ns);
	hvt_put_le32(out + 24, h->clock_id);
	hvt_put_le64(out + 32, h->time_origin_ns);
	hvt_put_le64(out + 56, XXH3_64bits(out, 56));
}

int hvt_file_header_decode(const uint8_t in[HVT_FILE_HEADER_BYTES], struct hvt_file_header *h)
{
	if (memcmp(in, HVT_FILE_MAGIC, 8) != 0)
		return HVT_E_BAD_MAGIC;
	if (hvt_get_le64(in + 56) != XXH3_64bits(in, 56))
		return HVT_E_HEADER_CHECKSUM;
	h->version_major = hvt_get_le16(in + 8);
	h->version_minor = hvt_get_le16(in + 10);
	h->flags = hvt_get_le32(in + 12);
	h->created_unix_ns = hvt_get_le64(in + 16);
	h->clock_id = hvt_get_le32(in + 24);
	h->time_origin_ns = hvt_get_le64(in + 32);
	/* Minor versions only add what a reader of the same major may ignore;
	 * majors differ in the events payload (v1 rows, v2 columns). */
	if (h->version_major < HVT_FORMAT_V1 || h->version_major > HVT_FORMAT_MAJOR_MAX)
		return HVT_E_BAD_VERSION;
	return 0;
}

void hvt_chunk_header_encode(const struct hvt_chunk_header *h, uint8_t out[HVT_CHUNK_HEADER_BYTES])
{
	hvt_put_le32(out, HVT_CHUNK_MAGIC);
	out[4] = h->type;
	out[5] = h->codec;
	hvt_put_le16(out + 6, h->flags);
	hvt_put_le32(out + 8, h->stream);
	hvt_put_le32(out + 12, h->stored_bytes);
	hvt_put_le32(out + 16, h->raw_bytes);
	hvt_put_le32(out + 20, h->events);
	hvt_put_le64(out + 24, h->first_seq);
	hvt_put_le64(out + 32, h->last_seq);
	hvt_put_le64(out + 40, h->first_time_ns);
	hvt_put_le64(out + 48, h->last_time_ns);
	hvt_put_le64(out + 56, h->payload_hash);
	hvt_put_le64(out + 64, XXH3_64bits(out, 64));
}

static void chunk_header_fields(const uint8_t *in, struct hvt_chunk_header *h)
{
	h->type = in[4];
	h->codec = in[5];
	h->flags = hvt_get_le16(in + 6);
	h->stream = hvt_get_le32(in + 8);
	h->stored_bytes = hvt_get_le32(in + 12);
	h->raw_bytes = hvt_get_le32(in + 16);
	h->events = hvt_get_le32(in + 20);
	h->first_seq = hvt_get_le64(in + 24);
	h->last_seq = hvt_get_le64(in + 32);
	h->first_time_ns = hvt_get_le64(in + 40);
	h->last_time_ns = hvt_get_le64(in + 48);
	h->payload_hash = hvt_get_le64(in + 56);
}

/* Bounds for an events chunk: counts, sequence and time ranges agree. */
static const char *events_chunk_problem(const struct hvt_chunk_header *h)
{
	if (h->stream >= HVT_MAX_STREAMS)
		return "stream id out of range";
	if (h->events == 0)
		return "events chunk with no events";
	if (h->events > h->raw_bytes / HVT_MIN_EVENT_BYTES)
		return "more events than the payload can hold";
	if (h->first_seq > UINT64_MAX - (h->events - 1) ||
	    h->last_seq != h->first_seq + (h->events - 1))
		return "sequence range disagrees with the event count";
	if (h->last_time_ns < h->first_time_ns)
		return "last time before first time";
	return NULL;
}

static const char *chunk_problem(const struct hvt_chunk_header *h)
{
	if (h->type < HVT_CHUNK_EVENTS || h->type > HVT_CHUNK_INDEX)
		return "unknown chunk type";
	if (h->codec != HVT_CODEC_RAW && h->codec != HVT_CODEC_ZSTD)
		return "unknown codec";
	if (h->raw_bytes > HVT_MAX_CHUNK_RAW)
		return "raw size above the 32 MiB chunk limit";
	if (h->codec == HVT_CODEC_RAW && h->stored_bytes != h->raw_bytes)
		return "stored size differs from raw size in an uncompressed chunk";
	if (h->stored_bytes > hvt_max_stored_bytes())
		return "stored size above the compressed bound";
	if (h->type == HVT_CHUNK_EVENTS)
		return events_chunk_problem(h);
	if (h->stream != HVT_STREAM_META)
		return "non-event chunk outside the metadata stream";
	if (h->events != 0)
		return "non-event chunk with an event count";
	return NULL;
}

int hvt_chunk_header_decode(const uint8_t in[HVT_CHUNK_HEADER_BYTES], struct hvt_chunk_header *h,
			    const char **why)
{
	if (hvt_get_le32(in) != HVT_CHUNK_MAGIC) {
		*why = "bad chunk magic";
		return HVT_E_BAD_MAGIC;
	}
	if (hvt_get_le64(in + 64) != XXH3_64bits(in, 64)) {
		*why = "chunk header checksum mismatch";
		return HVT_E_HEADER_CHECKSUM;
	}
	chunk_header_fields(in, h);
	*why = chunk_problem(h);
	return *why ? HVT_E_BAD_LENGTH : 0;
}

void hvt_trailer_encode(const struct hvt_trailer *t, uint8_t out[HVT_TRAILER_BYTES])
{
	hvt_put_le64(out, t->index_offset);
	hvt_put_le64(out + 8, t->chunk_count);
	hvt_put_le64(out + 16, XXH3_64bits(out, 16));
	memcpy(out + 24, HVT_TRAILER_MAGIC, 8);
}

int hvt_trailer_decode(const uint8_t in[HVT_TRAILER_BYTES], struct hvt_trailer *t)
{
	if (memcmp(in + 24, HVT_TRAILER_MAGIC, 8) != 0)
		return 0;
	if (hvt_get_le64(in + 16) != XXH3_64bits(in, 16))
		return HVT_E_HEADER_CHECKSUM;
	t->index_offset = hvt_get_le64(in);
	t->chunk_count = hvt_get_le64(in + 8);
	return 1;
}

uint32_t hvt_max_stored_bytes(void)
{
	return (uint32_t)ZSTD_COMPRESSBOUND(HVT_MAX_CHUNK_RAW);
}
