/* Building the chunk index when a trace is opened: from the footer when it
 * is present and sound, else by walking chunk headers from the start, which
 * is also how a cut file (crash, kill -9, full disk) is read back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "reader_impl.h"

int hvt_reader_add_chunk(hvt_reader *r, uint64_t offset, const struct hvt_chunk_header *h)
{
	if (r->nchunks == r->chunks_cap) {
		size_t cap = r->chunks_cap ? r->chunks_cap * 2 : 64;
		struct hvt_chunk_rec *nc = realloc(r->chunks, cap * sizeof(*nc));
		if (!nc)
			return HVT_E_NOMEM;
		r->chunks = nc;
		r->chunks_cap = cap;
	}
	r->chunks[r->nchunks].offset = offset;
	r->chunks[r->nchunks].h = *h;
	r->nchunks++;
	return 0;
}

static int all_zero(const hvt_reader *r, uint64_t off)
{
	uint8_t buf[4096];
	while (off < r->src.size_bytes) {
		size_t n = r->src.size_bytes - off < sizeof(buf) ? (size_t)(r->src.size_bytes - off) : sizeof(buf);
		if (hvt_source_read(&r->src, off, buf, n) != 0)
			return 0;
		for (size_t i = 0; i < n; i++)
			if (buf[i])
				return 0;
		off += n;
	}
	return 1;
}

/* The file ends at off inside a chunk: what is lost, and what we know of it. */
static void mark_cut(hvt_reader *r, uint64_t off, const struct hvt_chunk_header *h)
{
	r->info.truncated = 1;
	r->info.valid_bytes = off;
	r->info.lost_bytes = r->src.size_bytes - off;
	r->info.lost_events_known = h != NULL;
	r->info.lost_events = h ? h->events : 0;
}

/* After the index chunk only the trailer may follow. */
static int check_tail_after_index(hvt_reader *r, uint64_t off, uint64_t index_off)
{
	uint64_t left = r->src.size_bytes - off;
	uint8_t tb[HVT_TRAILER_BYTES];
	struct hvt_trailer t;
	if (left == 0)
		return 0; /* the trailer was never written: footer missing, nothing lost */
	if (left < HVT_TRAILER_BYTES) {
		mark_cut(r, off, NULL); /* cut inside the trailer: every chunk is whole */
		r->info.lost_events_known = 1;
		return 0;
	}
	if (left > HVT_TRAILER_BYTES)
		return hvt_reader_fail(r, HVT_E_BAD_LENGTH, off + HVT_TRAILER_BYTES,
				       "%llu unexpected bytes after the trailer, at offset %llu",
				       (unsigned long long)(left - HVT_TRAILER_BYTES),
				       (unsigned long long)(off + HVT_TRAILER_BYTES));
	int rc = hvt_source_read(&r->src, off, tb, sizeof(tb));
	if (!rc)
		rc = hvt_trailer_decode(tb, &t);
	if (rc != 1 || t.index_offset != index_off)
		return hvt_reader_fail(r, rc < 0 ? rc : HVT_E_BAD_MAGIC, off, "bad trailer at offset %llu",
				       (unsigned long long)off);
	r->info.has_footer = 0; /* the footer is sound, but it was not what we used */
	r->info.valid_bytes = r->src.size_bytes;
	return 0;
}

/* Returns 1 to continue, 0 when the walk is over, or an error. */
static int scan_one(hvt_reader *r, uint64_t *off)
{
	uint8_t hb[HVT_CHUNK_HEADER_BYTES];
	struct hvt_chunk_header h;
	const char *why = NULL;
	uint64_t left = r->src.size_bytes - *off;
	if (left == 0)
		return 0;
	if (left < HVT_CHUNK_HEADER_BYTES || all_zero(r, *off)) {
		mark_cut(r, *off, NULL);
		return 0;
	}
	int err = hvt_source_read(&r->src, *off, hb, sizeof(hb));
	if (!err)
		err = hvt_chunk_header_decode(hb, &h, &why);
	if (err)
		return hvt_reader_fail(r, err, *off, "chunk at offset %llu: %s",
				       (unsigned long long)*off, why ? why : hvt_strerror(err));
	if (h.stored_bytes > left - HVT_CHUNK_HEADER_BYTES) {
		mark_cut(r, *off, &h);
		return 0;
	}
	uint64_t here = *off;
	*off += HVT_CHUNK_HEADER_BYTES + h.stored_bytes;
	if (h.type == HVT_CHUNK_INDEX) {
		err = check_tail_after_index(r, *off, here);
		return err ? err : 0;
	}
	err = hvt_reader_add_chunk(r, here, &h);
	return err ? err : 1;
}

static int scan_chunks(hvt_reader *r)
{
	uint64_t off = HVT_FILE_HEADER_BYTES;
	int rc;
	r->nchunks = 0;
	r->info.valid_bytes = r->src.size_bytes;
	while ((rc = scan_one(r, &off)) == 1)
		;
	return rc;
}

/* One footer entry: its header must be sound and the chunks must tile the
 * file from the file header to the index, with no gap and no overlap. */
static int footer_entry(hvt_reader *r, const uint8_t *e, uint64_t *expect_off, uint64_t index_off)
{
	struct hvt_chunk_header h;
	const char *why = NULL;
	uint64_t off = hvt_get_le64(e);
	int err = hvt_chunk_header_decode(e + 8, &h, &why);
	if (!err && off != *expect_off)
		err = HVT_E_BAD_INDEX, why = "entry offset leaves a gap or overlap";
	if (!err && h.type == HVT_CHUNK_INDEX)
		err = HVT_E_BAD_INDEX, why = "index lists an index chunk";
	if (!err && (off > index_off || index_off - off < HVT_CHUNK_HEADER_BYTES ||
		     h.stored_bytes > index_off - off - HVT_CHUNK_HEADER_BYTES))
		err = HVT_E_BAD_INDEX, why = "entry runs past the index";
	if (err)
		return hvt_reader_fail(r, err, index_off, "footer index entry for offset %llu: %s",
				       (unsigned long long)off, why ? why : hvt_strerror(err));
	*expect_off = off + HVT_CHUNK_HEADER_BYTES + h.stored_bytes;
	return hvt_reader_add_chunk(r, off, &h);
}

static int footer_entries(hvt_reader *r, const struct hvt_chunk_rec *idx, const uint8_t *raw,
			  uint64_t count)
{
	if (idx->h.raw_bytes != count * HVT_INDEX_ENTRY_BYTES)
		return hvt_reader_fail(r, HVT_E_BAD_INDEX, idx->offset,
				       "index chunk at offset %llu: size disagrees with the trailer's count",
				       (unsigned long long)idx->offset);
	uint64_t expect = HVT_FILE_HEADER_BYTES;
	for (uint64_t i = 0; i < count; i++) {
		int err = footer_entry(r, raw + i * HVT_INDEX_ENTRY_BYTES, &expect, idx->offset);
		if (err)
			return err;
	}
	if (expect != idx->offset)
		return hvt_reader_fail(r, HVT_E_BAD_INDEX, idx->offset,
				       "index chunk at offset %llu: entries end at %llu, not at the index",
				       (unsigned long long)idx->offset, (unsigned long long)expect);
	return 0;
}

/* Reads the footer. 1: used; 0: no trailer; negative: a trailer that lies. */
static int read_footer(hvt_reader *r)
{
	uint64_t size = r->src.size_bytes;
	uint8_t tb[HVT_TRAILER_BYTES], hb[HVT_CHUNK_HEADER_BYTES];
	struct hvt_trailer t;
	struct hvt_chunk_rec idx;
	const uint8_t *raw;
	const char *why = NULL;
	if (size < HVT_FILE_HEADER_BYTES + HVT_CHUNK_HEADER_BYTES + HVT_TRAILER_BYTES)
		return 0;
	int rc = hvt_source_read(&r->src, size - HVT_TRAILER_BYTES, tb, sizeof(tb));
	if (!rc)
		rc = hvt_trailer_decode(tb, &t);
	if (rc <= 0)
		return rc < 0 ? hvt_reader_fail(r, rc, size - HVT_TRAILER_BYTES,
						"trailer at offset %llu: checksum mismatch",
						(unsigned long long)(size - HVT_TRAILER_BYTES)) : 0;
	uint64_t end = size - HVT_TRAILER_BYTES;
	if (t.index_offset < HVT_FILE_HEADER_BYTES || t.index_offset > end - HVT_CHUNK_HEADER_BYTES)
		return hvt_reader_fail(r, HVT_E_BAD_INDEX, end,
				       "trailer at offset %llu: index offset %llu is outside the file",
				       (unsigned long long)end, (unsigned long long)t.index_offset);
	idx.offset = t.index_offset;
	rc = hvt_source_read(&r->src, idx.offset, hb, sizeof(hb));
	if (!rc)
		rc = hvt_chunk_header_decode(hb, &idx.h, &why);
	if (!rc && (idx.h.type != HVT_CHUNK_INDEX ||
		    idx.offset + HVT_CHUNK_HEADER_BYTES + idx.h.stored_bytes != end))
		rc = HVT_E_BAD_INDEX, why = "not an index chunk ending at the trailer";
	if (rc)
		return hvt_reader_fail(r, rc, idx.offset, "index chunk at offset %llu: %s",
				       (unsigned long long)idx.offset, why ? why : hvt_strerror(rc));
	rc = hvt_payload_load(&r->src, &r->pb, &idx, &raw, r->msg, sizeof(r->msg));
	if (rc)
		return r->err_offset = idx.offset, rc;
	rc = footer_entries(r, &idx, raw, t.chunk_count);
	return rc ? rc : 1;
}

int hvt_reader_build_index(hvt_reader *r)
{
	int rc = read_footer(r);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		r->info.has_footer = 1;
		r->info.valid_bytes = r->src.size_bytes;
		return 0;
	}
	return scan_chunks(r);
}
