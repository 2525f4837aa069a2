/* Writes the corpus of hostile and corrupt traces in tests/reject/, each
 * built byte by byte with the format's own encoders so that every checksum
 * is valid except where a case breaks one on purpose.
 *
 * Run ONCE, by hand, and commit the outputs:
 *     build/bin/make_reject tests/reject
 * test_reject holds the expected error of each file; ctest never runs this. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <zstd.h>

#include "bytes.h"
#include "codec.h"
#include "columns.h"
#include "layout.h"
#include "tsupport.h"

/* A file under construction, with the index a footer would hold. */
struct fb {
	uint8_t *b;
	size_t n, cap;
	uint8_t *idx;
	size_t idx_n, idx_cap;
};

static void put(uint8_t **b, size_t *n, size_t *cap, const void *p, size_t len)
{
	if (*n + len > *cap) {
		*cap = (*n + len) * 2 + 4096;
		*b = realloc(*b, *cap);
		if (!*b)
			abort();
	}
	memcpy(*b + *n, p, len);
	*n += len;
}

static void fb_init(struct fb *f, uint16_t major)
{
	struct hvt_file_header fh = {major, 0, 0, 1764000000000000000ull, HVT_CLOCK_MONOTONIC,
				     1000000000ull};
	uint8_t hb[HVT_FILE_HEADER_BYTES];
	memset(f, 0, sizeof(*f));
	hvt_file_header_encode(&fh, hb);
	put(&f->b, &f->n, &f->cap, hb, sizeof(hb));
}

/* Appends a chunk whose header is exactly h (hash filled in unless
 * keep_hash) over the stored bytes given; returns its offset. */
static size_t fb_chunk_as_is(struct fb *f, struct hvt_chunk_header *h, const void *stored,
			     size_t len, int keep_hash)
{
	uint8_t hb[HVT_CHUNK_HEADER_BYTES], off[8];
	size_t at = f->n;
	if (!keep_hash)
		h->payload_hash = XXH3_64bits(stored, len);
	hvt_chunk_header_encode(h, hb);
	put(&f->b, &f->n, &f->cap, hb, sizeof(hb));
	put(&f->b, &f->n, &f->cap, stored, len);
	hvt_put_le64(off, at);
	put(&f->idx, &f->idx_n, &f->idx_cap, off, 8);
	put(&f->idx, &f->idx_n, &f->idx_cap, hb, sizeof(hb));
	return at;
}

/* A well-formed chunk: sizes, codec and hash from raw. */
static size_t fb_chunk(struct fb *f, struct hvt_chunk_header *h, const void *raw, size_t len,
		       int zstd)
{
	h->raw_bytes = (uint32_t)len;
	h->codec = zstd ? HVT_CODEC_ZSTD : HVT_CODEC_RAW;
	if (!zstd) {
		h->stored_bytes = (uint32_t)len;
		return fb_chunk_as_is(f, h, raw, len, 0);
	}
	size_t cap = ZSTD_compressBound(len);
	uint8_t *z = malloc(cap);
	size_t zn = ZSTD_compress(z, cap, raw, len, 1);
	if (ZSTD_isError(zn))
		abort();
	h->stored_bytes = (uint32_t)zn;
	size_t at = fb_chunk_as_is(f, h, z, zn, 0);
	free(z);
	return at;
}

/* Encodes n simple events of stream s from seq first, times t0, t0+10, ... */
static size_t encode_events(uint8_t *out, uint64_t first, uint32_t n, uint64_t t0)
{
	struct hvt_codec_state cs;
	size_t len = 0;
	hvt_codec_reset(&cs, t0);
	for (uint32_t i = 0; i < n; i++) {
		hvt_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.type = (uint8_t)(1 + (first + i) % HVT_EV_TYPE_MAX);
		ev.time_ns = t0 + 10 * i;
		ev.value = first + i + 1;
		ev.pc = 0x1000 + 4 * (first + i);
		len += hvt_event_encode(&cs, &ev, out + len);
	}
	return len;
}

static struct hvt_chunk_header ev_header(uint32_t stream, uint64_t first, uint32_t n, uint64_t t0)
{
	struct hvt_chunk_header h = {.type = HVT_CHUNK_EVENTS, .stream = stream, .events = n,
				     .first_seq = first, .last_seq = first + n - 1,
				     .first_time_ns = t0, .last_time_ns = t0 + 10 * (n - 1)};
	return h;
}

/* A good events chunk of n events. */
static size_t fb_events(struct fb *f, uint32_t stream, uint64_t first, uint32_t n, uint64_t t0,
			int zstd)
{
	uint8_t raw[4096];
	struct hvt_chunk_header h = ev_header(stream, first, n, t0);
	return fb_chunk(f, &h, raw, encode_events(raw, first, n, t0), zstd);
}

static void fb_meta(struct fb *f, const char *k, const char *v)
{
	uint8_t raw[600];
	size_t n = hvt_put_varint(raw, strlen(k));
	memcpy(raw + n, k, strlen(k));
	n += strlen(k);
	n += hvt_put_varint(raw + n, strlen(v));
	memcpy(raw + n, v, strlen(v));
	n += strlen(v);
	struct hvt_chunk_header h = {.type = HVT_CHUNK_META, .stream = HVT_STREAM_META};
	fb_chunk(f, &h, raw, n, 1);
}

/* The index chunk over every chunk so far, and the trailer. */
static void fb_footer(struct fb *f)
{
	struct hvt_trailer t = {.index_offset = f->n, .chunk_count = f->idx_n / HVT_INDEX_ENTRY_BYTES};
	struct hvt_chunk_header h = {.type = HVT_CHUNK_INDEX, .stream = HVT_STREAM_META};
	uint8_t *idx = f->idx;
	size_t idx_n = f->idx_n;
	f->idx = NULL;
	f->idx_n = f->idx_cap = 0;
	fb_chunk(f, &h, idx, idx_n, 1);
	uint8_t tb[HVT_TRAILER_BYTES];
	hvt_trailer_encode(&t, tb);
	put(&f->b, &f->n, &f->cap, tb, sizeof(tb));
	free(idx);
}

/* A plain valid trace: metadata, two streams in two chunks each. */
static void fb_basic(struct fb *f, int footer)
{
	fb_init(f, HVT_FORMAT_V1);
	fb_meta(f, "backend", "kvm");
	fb_events(f, 0, 0, 5, 100, 1);
	fb_events(f, 1, 0, 4, 105, 0);
	fb_events(f, 0, 5, 6, 200, 1);
	fb_events(f, 1, 4, 3, 300, 1);
	if (footer)
		fb_footer(f);
}

static const char *out_dir;

static void fb_save(struct fb *f, const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	FILE *fp = fopen(path, "wb");
	if (!fp || fwrite(f->b, 1, f->n, fp) != f->n || fclose(fp) != 0) {
		fprintf(stderr, "make_reject: cannot write %s\n", path);
		exit(1);
	}
	free(f->b);
	free(f->idx);
	memset(f, 0, sizeof(*f));
}

/* Rewrites the chunk header at off with a valid checksum after edit(). */
static void rehash_header(struct fb *f, size_t off)
{
	hvt_put_le64(f->b + off + 64, XXH3_64bits(f->b + off, 64));
}

static void file_level(void)
{
	struct fb f;
	fb_basic(&f, 1);
	f.b[0] ^= 0x20;
	fb_save(&f, "bad-file-magic.hvt");

	fb_init(&f, HVT_FORMAT_MAJOR_MAX + 1); /* checksum valid, major unknown */
	fb_events(&f, 0, 0, 3, 10, 1);
	fb_save(&f, "unsupported-major-version.hvt");

	fb_basic(&f, 1);
	f.b[17] ^= 0x01; /* created_unix_ns */
	fb_save(&f, "file-header-checksum.hvt");

	fb_basic(&f, 1);
	f.n = 40;
	fb_save(&f, "too-short.hvt");

	fb_basic(&f, 1);
	f.n = 0;
	fb_save(&f, "empty.hvt");

	fb_basic(&f, 1);
	const uint8_t junk[] = "trailing garbage";
	put(&f.b, &f.n, &f.cap, junk, 17);
	fb_save(&f, "garbage-after-trailer.hvt");

	fb_basic(&f, 1);
	f.b[f.n - 20] ^= 0x04; /* trailer's chunk count: its checksum fails */
	fb_save(&f, "trailer-checksum.hvt");
}

static void chunk_headers(void)
{
	struct fb f;
	struct hvt_chunk_header h;
	size_t off;
	uint8_t raw[4096];

	fb_basic(&f, 0);
	f.b[HVT_FILE_HEADER_BYTES + 30] ^= 0x10; /* first chunk's header */
	fb_save(&f, "chunk-header-checksum.hvt");

	fb_basic(&f, 0);
	f.b[HVT_FILE_HEADER_BYTES] ^= 0x01;
	fb_save(&f, "chunk-bad-magic.hvt");

	/* Hostile headers with valid checksums. */
	fb_init(&f, HVT_FORMAT_V1);
	h = ev_header(0, 0, 5, 100);
	off = fb_chunk(&f, &h, raw, encode_events(raw, 0, 5, 100), 1);
	hvt_put_le32(f.b + off + 16, HVT_MAX_CHUNK_RAW + 1); /* raw_bytes */
	rehash_header(&f, off);
	fb_save(&f, "chunk-raw-over-32mib.hvt");

	fb_init(&f, HVT_FORMAT_V1);
	h = ev_header(0, 0, 5, 100);
	h.raw_bytes = h.stored_bytes = 1u << 20; /* far past the end of the file */
	fb_chunk_as_is(&f, &h, raw, encode_events(raw, 0, 5, 100), 0);
	fb_events(&f, 0, 5, 5, 200, 1);
	fb_footer(&f);
	fb_save(&f, "chunk-stored-past-file.hvt");

	fb_init(&f, HVT_FORMAT_V1);
	size_t n = encode_events(raw, 0, 5, 100);
	h = ev_header(0, 0, (uint32_t)(n / 2 + 1), 100);
	fb_chunk(&f, &h, raw, n, 0);
	fb_save(&f, "chunk-events-over-half-raw.hvt");

	fb_init(&f, HVT_FORMAT_V1);
	h = ev_header(0, 0, 5, 100);
	h.last_seq = 7;
	fb_chunk(&f, &h, raw, encode_events(raw, 0, 5, 100), 1);
	fb_save(&f, "chunk-last-seq-inconsistent.hvt");

	fb_init(&f, HVT_FORMAT_V1);
	h = ev_header(HVT_MAX_STREAMS, 0, 5, 100);
	fb_chunk(&f, &h, raw, encode_events(raw, 0, 5, 100), 1);
	fb_save(&f, "chunk-stream-out-of-range.hvt");

	fb_init(&f, HVT_FORMAT_V1);
	h = ev_header(0, 0, 5, 100);
	h.type = 9;
	fb_chunk(&f, &h, raw, encode_events(raw, 0, 5, 100), 1);
	fb_save(&f, "chunk-unknown-type.hvt");

	fb_init(&f, HVT_FORMAT_V1);
	h = ev_header(0, 0, 5, 100);
	h.last_time_ns = 50; /* before the first */
	fb_chunk(&f, &h, raw, encode_events(raw, 0, 5, 100), 1);
	fb_save(&f, "chunk-time-reversed.hvt");
}

static void payloads(void)
{
	struct fb f;
	struct hvt_chunk_header h;
	size_t off;
	uint8_t raw[4096];

	fb_basic(&f, 0);
	f.b[f.n - 3] ^= 0x40; /* inside the last chunk's payload */
	fb_save(&f, "payload-checksum.hvt");

	/* zstd frames whose content is not the declared size; hashes valid. */
	for (int longer = 0; longer < 2; longer++) {
		fb_init(&f, HVT_FORMAT_V1);
		h = ev_header(0, 0, 8, 100);
		off = fb_chunk(&f, &h, raw, encode_events(raw, 0, 8, 100), 1);
		uint32_t declared = hvt_get_le32(f.b + off + 16);
		hvt_put_le32(f.b + off + 16, longer ? declared + 10 : declared - 3);
		rehash_header(&f, off);
		fb_save(&f, longer ? "decompress-shorter-than-declared.hvt"
				   : "decompress-longer-than-declared.hvt");
	}

	/* An event whose tag has an out-of-range kind, checksums valid. */
	fb_init(&f, HVT_FORMAT_V1);
	size_t n = encode_events(raw, 0, 4, 100);
	raw[n] = (uint8_t)(HVT_EV_EXIT | (HVT_EXIT_KIND_MAX + 1) << 4);
	raw[n + 1] = 0;
	h = ev_header(0, 0, 5, 100);
	h.last_time_ns = 130; /* the bad event would keep the time */
	fb_chunk(&f, &h, raw, n + 2, 1);
	fb_save(&f, "event-invalid-kind.hvt");

	/* Valid events with bytes left over after the declared count. */
	fb_init(&f, HVT_FORMAT_V1);
	n = encode_events(raw, 0, 5, 100);
	raw[n] = HVT_EV_EXIT;
	raw[n + 1] = 0;
	h = ev_header(0, 0, 5, 100);
	fb_chunk(&f, &h, raw, n + 2, 0);
	fb_save(&f, "bytes-after-last-event.hvt");

	/* The header's last time is not the last event's time. */
	fb_init(&f, HVT_FORMAT_V1);
	h = ev_header(0, 0, 5, 100);
	h.last_time_ns += 5;
	fb_chunk(&f, &h, raw, encode_events(raw, 0, 5, 100), 1);
	fb_save(&f, "last-time-mismatch.hvt");

	/* The first event is coded later than the header's first time. */
	fb_init(&f, HVT_FORMAT_V1);
	n = encode_events(raw, 0, 5, 100);
	h = ev_header(0, 0, 5, 100);
	h.first_time_ns = 90;
	h.last_time_ns = 130;
	{
		struct hvt_codec_state cs;
		hvt_codec_reset(&cs, 90); /* so the first event carries a time delta */
		n = 0;
		for (uint32_t i = 0; i < 5; i++) {
			hvt_event ev;
			memset(&ev, 0, sizeof(ev));
			ev.type = HVT_EV_MARKER;
			ev.time_ns = 100 + 10 * (uint64_t)i - (i == 4 ? 10 : 0);
			ev.value = i + 1;
			n += hvt_event_encode(&cs, &ev, raw + n);
		}
	}
	fb_chunk(&f, &h, raw, n, 1);
	fb_save(&f, "first-time-mismatch.hvt");

	/* A blob part whose offset lies past the blob's total size. */
	fb_basic(&f, 0);
	const uint8_t blob[] = {4, 'b', 'l', 'o', 'b', 10, 12, 'x', 'y'};
	h = (struct hvt_chunk_header){.type = HVT_CHUNK_BLOB, .stream = HVT_STREAM_META};
	fb_chunk(&f, &h, blob, sizeof(blob), 1);
	fb_save(&f, "blob-part-past-total.hvt");

	/* A metadata chunk whose value length runs past its end. */
	fb_init(&f, HVT_FORMAT_V1);
	const uint8_t meta[] = {3, 'k', 'e', 'y', 40, 'v'};
	h = (struct hvt_chunk_header){.type = HVT_CHUNK_META, .stream = HVT_STREAM_META};
	fb_chunk(&f, &h, meta, sizeof(meta), 1);
	fb_save(&f, "meta-value-past-end.hvt");
}

/* encode_events's events as a v2 (columnar) payload. */
static size_t encode_v2(uint8_t *out, uint64_t first, uint32_t n, uint64_t t0)
{
	struct hvt_col_builder b;
	if (hvt_col_builder_init(&b, 4096) != 0)
		abort();
	hvt_col_builder_reset(&b, t0);
	for (uint32_t i = 0; i < n; i++) {
		hvt_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.type = (uint8_t)(1 + (first + i) % HVT_EV_TYPE_MAX);
		ev.time_ns = t0 + 10 * i;
		ev.value = first + i + 1;
		ev.pc = 0x1000 + 4 * (first + i);
		if (ev.type == HVT_EV_MARKER) {
			ev.data = (const uint8_t *)"hi";
			ev.data_len = 2;
		}
		if (hvt_col_add(&b, &ev) != 0)
			abort();
	}
	size_t len = hvt_col_finish(&b, out);
	hvt_col_builder_free(&b);
	return len;
}

/* Offset of the width byte of column c (HVT_COL_COUNT: the data bytes) in
 * a v2 payload of n events whose ids are one byte each. */
static size_t v2_col_at(const uint8_t *raw, uint32_t n, int c)
{
	const uint8_t *p = raw, *end = raw + 4096;
	uint64_t nshapes, v;
	hvt_get_varint(&p, end, &nshapes);
	for (uint64_t s = 0; s < nshapes; s++) {
		p++;
		for (int k = 0; k < 8; k++)
			hvt_get_varint(&p, end, &v);
	}
	p += n;
	for (int k = 0; k < c; k++)
		p += 1 + (size_t)*p * n;
	return (size_t)(p - raw);
}

/* A v2 file holding stream 0's good chunk then a chunk edited by edit(). */
static void v2_case(const char *name, void (*edit)(uint8_t *raw, size_t *len, struct hvt_chunk_header *h))
{
	struct fb f;
	uint8_t raw[4096];
	fb_init(&f, HVT_FORMAT_V2);
	struct hvt_chunk_header h = ev_header(0, 0, 5, 100);
	fb_chunk(&f, &h, raw, encode_v2(raw, 0, 5, 100), 1);
	h = ev_header(0, 5, 6, 200);
	size_t len = encode_v2(raw, 5, 6, 200);
	edit(raw, &len, &h);
	fb_chunk(&f, &h, raw, len, 1);
	fb_footer(&f);
	fb_save(&f, name);
}

static void bad_shape_kind(uint8_t *raw, size_t *len, struct hvt_chunk_header *h)
{
	(void)len, (void)h;
	raw[1] = (uint8_t)(HVT_EV_TIMER | (HVT_TIMER_CANCEL + 1) << 4); /* first shape's tag */
}

static void bad_shape_count(uint8_t *raw, size_t *len, struct hvt_chunk_header *h)
{
	(void)len, (void)h;
	raw[0] = 0;
}

static void bad_shape_id(uint8_t *raw, size_t *len, struct hvt_chunk_header *h)
{
	(void)len, (void)h;
	raw[v2_col_at(raw, 6, HVT_COL_TIME) - 1] = 6; /* the last event's id, of 6 shapes */
}

static void bad_width(uint8_t *raw, size_t *len, struct hvt_chunk_header *h)
{
	(void)len, (void)h;
	raw[v2_col_at(raw, 6, HVT_COL_REGS)] = 5; /* a 5-byte register checksum */
}

/* The value column one plane wider than it needs (a zero top plane). */
static void wide_column(uint8_t *raw, size_t *len, struct hvt_chunk_header *h)
{
	(void)h;
	size_t at = v2_col_at(raw, 6, HVT_COL_VALUE), w = raw[at], top = at + 1 + w * 6;
	memmove(raw + top + 6, raw + top, *len - top);
	memset(raw + top, 0, 6);
	raw[at] = (uint8_t)(w + 1);
	*len += 6;
}

static void column_past_end(uint8_t *raw, size_t *len, struct hvt_chunk_header *h)
{
	(void)h;
	*len = v2_col_at(raw, 6, HVT_COL_VALUE) + 3; /* cut inside the value column */
}

static void bytes_after(uint8_t *raw, size_t *len, struct hvt_chunk_header *h)
{
	(void)h;
	raw[(*len)++] = 0x55;
}

static void data_past_chunk(uint8_t *raw, size_t *len, struct hvt_chunk_header *h)
{
	(void)h;
	*len -= 1; /* the marker's 2 label bytes: one is missing */
}

static void first_time_off(uint8_t *raw, size_t *len, struct hvt_chunk_header *h)
{
	(void)len, (void)h;
	raw[v2_col_at(raw, 6, HVT_COL_TIME) + 1] = 3; /* first delta must be 0 */
}

static void last_time_off(uint8_t *raw, size_t *len, struct hvt_chunk_header *h)
{
	(void)raw, (void)len;
	h->last_time_ns += 1;
}

static void time_past_last(uint8_t *raw, size_t *len, struct hvt_chunk_header *h)
{
	(void)len, (void)h;
	raw[v2_col_at(raw, 6, HVT_COL_TIME) + 3] = 200; /* third event jumps past the end */
}

/* A v1 row payload in a v2 file: read as columns, it is nonsense. */
static void v1_payload(uint8_t *raw, size_t *len, struct hvt_chunk_header *h)
{
	(void)h;
	*len = encode_events(raw, 5, 6, 200);
}

static void payloads_v2(void)
{
	v2_case("v2-shape-invalid-kind.hvt", bad_shape_kind);
	v2_case("v2-shape-count-zero.hvt", bad_shape_count);
	v2_case("v2-shape-id-out-of-range.hvt", bad_shape_id);
	v2_case("v2-column-width-too-big.hvt", bad_width);
	v2_case("v2-column-wider-than-values.hvt", wide_column);
	v2_case("v2-column-past-payload.hvt", column_past_end);
	v2_case("v2-bytes-after-last-column.hvt", bytes_after);
	v2_case("v2-data-past-chunk.hvt", data_past_chunk);
	v2_case("v2-first-time-mismatch.hvt", first_time_off);
	v2_case("v2-last-time-mismatch.hvt", last_time_off);
	v2_case("v2-time-past-last.hvt", time_past_last);
	v2_case("v2-v1-payload.hvt", v1_payload);
}

static void streams_and_index(void)
{
	struct fb f;

	fb_init(&f, HVT_FORMAT_V1);
	fb_events(&f, 0, 0, 5, 100, 1);
	fb_events(&f, 0, 6, 4, 200, 1); /* seq 5 missing */
	fb_footer(&f);
	fb_save(&f, "stream-sequence-skips.hvt");

	fb_init(&f, HVT_FORMAT_V1);
	fb_events(&f, 2, 0, 5, 100, 1);
	fb_events(&f, 2, 5, 4, 120, 1); /* starts before the previous chunk's end */
	fb_save(&f, "stream-time-goes-back.hvt");

	/* Footer entries that overlap: the second starts inside the first. */
	fb_basic(&f, 0);
	uint64_t second = hvt_get_le64(f.idx + HVT_INDEX_ENTRY_BYTES);
	hvt_put_le64(f.idx + HVT_INDEX_ENTRY_BYTES, second - 10);
	fb_footer(&f);
	fb_save(&f, "index-overlapping-entries.hvt");

	/* The trailer counts one entry more than the index holds. */
	fb_basic(&f, 1);
	uint8_t *t = f.b + f.n - HVT_TRAILER_BYTES;
	hvt_put_le64(t + 8, hvt_get_le64(t + 8) + 1);
	hvt_put_le64(t + 16, XXH3_64bits(t, 16));
	fb_save(&f, "index-count-disagrees.hvt");

	/* The trailer points past the end of the file. */
	fb_basic(&f, 1);
	t = f.b + f.n - HVT_TRAILER_BYTES;
	hvt_put_le64(t, f.n + 100);
	hvt_put_le64(t + 16, XXH3_64bits(t, 16));
	fb_save(&f, "trailer-points-outside.hvt");

	/* An index entry (valid checksum) that is not the header on disk. */
	fb_basic(&f, 0);
	uint8_t *e = f.idx + 2 * HVT_INDEX_ENTRY_BYTES + 8; /* third chunk: stream 1 */
	hvt_put_le64(e + 48, hvt_get_le64(e + 48) + 1);   /* last_time_ns */
	hvt_put_le64(e + 64, XXH3_64bits(e, 64));
	fb_footer(&f);
	fb_save(&f, "index-entry-differs-from-chunk.hvt");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_reject OUT_DIR\n");
		return 64;
	}
	out_dir = argv[1];
	file_level();
	chunk_headers();
	payloads();
	payloads_v2();
	streams_and_index();
	return 0;
}
