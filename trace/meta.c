/* Metadata (key/value chunks, read at open) and blobs (read on request). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "reader_impl.h"

/* A length-prefixed string inside [*p, end). */
static int get_bytes(const uint8_t **p, const uint8_t *end, uint64_t max, const uint8_t **s,
		     size_t *len)
{
	uint64_t n;
	if (hvt_get_varint(p, end, &n) != 0 || n > max || n > (uint64_t)(end - *p))
		return -1;
	*s = *p;
	*len = (size_t)n;
	*p += n;
	return 0;
}

static char *dup_bytes(const uint8_t *s, size_t len)
{
	char *d = malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = 0;
	}
	return d;
}

static int add_meta(hvt_reader *r, const uint8_t *k, size_t klen, const uint8_t *v, size_t vlen)
{
	for (size_t i = 0; i < r->nmeta; i++) {
		if (strlen(r->meta[i].key) == klen && memcmp(r->meta[i].key, k, klen) == 0) {
			char *nv = dup_bytes(v, vlen);
			if (!nv)
				return HVT_E_NOMEM;
			free(r->meta[i].value);
			r->meta[i].value = nv;
			r->meta[i].len = vlen;
			return 0;
		}
	}
	struct hvt_meta_kv *nm = realloc(r->meta, (r->nmeta + 1) * sizeof(*nm));
	if (!nm)
		return HVT_E_NOMEM;
	r->meta = nm;
	struct hvt_meta_kv *kv = &nm[r->nmeta];
	kv->key = dup_bytes(k, klen);
	kv->value = dup_bytes(v, vlen);
	kv->len = vlen;
	if (!kv->key || !kv->value) {
		free(kv->key);
		free(kv->value);
		return HVT_E_NOMEM;
	}
	r->nmeta++;
	return 0;
}

static int parse_meta(hvt_reader *r, const struct hvt_chunk_rec *c, const uint8_t *p, uint64_t *total)
{
	const uint8_t *end = p + c->h.raw_bytes;
	while (p < end) {
		const uint8_t *k, *v;
		size_t klen, vlen;
		if (get_bytes(&p, end, HVT_MAX_KEY_BYTES, &k, &klen) != 0 || klen == 0 ||
		    get_bytes(&p, end, HVT_MAX_META_BYTES, &v, &vlen) != 0)
			return hvt_reader_fail(r, HVT_E_BAD_LENGTH, c->offset,
					       "metadata chunk at offset %llu: malformed key/value",
					       (unsigned long long)c->offset);
		*total += klen + vlen;
		if (*total > HVT_MAX_META_BYTES)
			return hvt_reader_fail(r, HVT_E_BAD_LENGTH, c->offset,
					       "metadata chunk at offset %llu: metadata exceeds %u bytes",
					       (unsigned long long)c->offset, HVT_MAX_META_BYTES);
		int err = add_meta(r, k, klen, v, vlen);
		if (err)
			return err;
	}
	return 0;
}

int hvt_reader_load_meta(hvt_reader *r)
{
	uint64_t total = 0;
	for (uint64_t i = 0; i < r->nchunks; i++) {
		const struct hvt_chunk_rec *c = &r->chunks[i];
		const uint8_t *raw;
		if (c->h.type != HVT_CHUNK_META)
			continue;
		int err = hvt_payload_load(&r->src, &r->pb, c, &raw, r->msg, sizeof(r->msg));
		if (err)
			return r->err_offset = c->offset, err;
		if ((err = parse_meta(r, c, raw, &total)) != 0)
			return err;
	}
	return 0;
}

/* Copies one blob part into *b, checking it continues the parts before it. */
static int blob_part(hvt_reader *r, const struct hvt_chunk_rec *c, const uint8_t *raw,
		     const char *name, struct hvt_blob *b, size_t *have)
{
	const uint8_t *p = raw, *end = raw + c->h.raw_bytes, *n;
	size_t nlen;
	uint64_t total, off;
	if (get_bytes(&p, end, HVT_MAX_KEY_BYTES, &n, &nlen) != 0 ||
	    hvt_get_varint(&p, end, &total) != 0 || hvt_get_varint(&p, end, &off) != 0)
		return hvt_reader_fail(r, HVT_E_BAD_LENGTH, c->offset, "blob chunk at offset %llu: malformed",
				       (unsigned long long)c->offset);
	if (nlen != strlen(name) || memcmp(n, name, nlen) != 0)
		return 0;
	size_t part = (size_t)(end - p);
	if (total > HVT_MAX_BLOB_BYTES || off != *have || part > total - off ||
	    (b->data && total != b->len))
		return hvt_reader_fail(r, HVT_E_BAD_LENGTH, c->offset,
				       "blob chunk at offset %llu: part does not continue blob '%s'",
				       (unsigned long long)c->offset, name);
	if (!b->data) {
		b->len = (size_t)total;
		if (!(b->data = malloc(total ? total : 1)))
			return HVT_E_NOMEM;
	}
	memcpy(b->data + off, p, part);
	*have += part;
	return 0;
}

int hvt_reader_check_blob_part(hvt_reader *r, const struct hvt_chunk_rec *c, const uint8_t *raw)
{
	const uint8_t *p = raw, *end = raw + c->h.raw_bytes, *n;
	size_t nlen;
	uint64_t total, off;
	if (get_bytes(&p, end, HVT_MAX_KEY_BYTES, &n, &nlen) != 0 || nlen == 0 ||
	    hvt_get_varint(&p, end, &total) != 0 || hvt_get_varint(&p, end, &off) != 0 ||
	    total > HVT_MAX_BLOB_BYTES || off > total || (uint64_t)(end - p) > total - off)
		return hvt_reader_fail(r, HVT_E_BAD_LENGTH, c->offset, "blob chunk at offset %llu: malformed",
				       (unsigned long long)c->offset);
	return 0;
}

static int load_blob(hvt_reader *r, const char *name, struct hvt_blob *b)
{
	size_t have = 0;
	for (uint64_t i = 0; i < r->nchunks; i++) {
		const struct hvt_chunk_rec *c = &r->chunks[i];
		const uint8_t *raw;
		if (c->h.type != HVT_CHUNK_BLOB)
			continue;
		int err = hvt_payload_load(&r->src, &r->pb, c, &raw, r->msg, sizeof(r->msg));
		if (!err)
			err = blob_part(r, c, raw, name, b, &have);
		if (err) {
			r->err_offset = c->offset;
			return err;
		}
	}
	if (!b->data)
		return hvt_reader_fail(r, HVT_E_NOT_FOUND, 0, "no blob named '%s'", name);
	if (have != b->len)
		return hvt_reader_fail(r, HVT_E_TRUNCATED, r->info.valid_bytes,
				       "blob '%s' has %zu of its %zu bytes: the rest is lost at offset %llu",
				       name, have, b->len, (unsigned long long)r->info.valid_bytes);
	return 0;
}

int hvt_reader_blob(hvt_reader *r, const char *name, const uint8_t **data, size_t *len)
{
	if (!r || !name || !data || !len)
		return HVT_E_INVAL;
	for (size_t i = 0; i < r->nblobs; i++) {
		if (strcmp(r->blobs[i].name, name) == 0) {
			*data = r->blobs[i].data;
			*len = r->blobs[i].len;
			return 0;
		}
	}
	struct hvt_blob b = {0};
	int err = load_blob(r, name, &b);
	struct hvt_blob *nb = err ? NULL : realloc(r->blobs, (r->nblobs + 1) * sizeof(*nb));
	if (!err && (!nb || !(b.name = strdup(name))))
		err = HVT_E_NOMEM;
	if (err) {
		if (nb)
			r->blobs = nb;
		free(b.data);
		return err;
	}
	r->blobs = nb;
	r->blobs[r->nblobs++] = b;
	*data = b.data;
	*len = b.len;
	return 0;
}

/* Name and part offset of a blob chunk (its framing checked). */
static int blob_head(hvt_reader *r, const struct hvt_chunk_rec *c, const uint8_t **name,
		     size_t *nlen, uint64_t *part_off)
{
	const uint8_t *raw;
	int err = hvt_payload_load(&r->src, &r->pb, c, &raw, r->msg, sizeof(r->msg));
	if (!err)
		err = hvt_reader_check_blob_part(r, c, raw);
	if (err) {
		r->err_offset = c->offset;
		return err;
	}
	const uint8_t *p = raw, *end = raw + c->h.raw_bytes;
	uint64_t total;
	get_bytes(&p, end, HVT_MAX_KEY_BYTES, name, nlen);
	hvt_get_varint(&p, end, &total);
	hvt_get_varint(&p, end, part_off);
	return 0;
}

int hvt_reader_blob_name(hvt_reader *r, size_t i, char *buf, size_t len)
{
	if (!r || !buf || !len)
		return HVT_E_INVAL;
	for (uint64_t k = 0; k < r->nchunks; k++) {
		const struct hvt_chunk_rec *c = &r->chunks[k];
		const uint8_t *name;
		size_t nlen;
		uint64_t off;
		if (c->h.type != HVT_CHUNK_BLOB)
			continue;
		int err = blob_head(r, c, &name, &nlen, &off);
		if (err)
			return err;
		if (off != 0 || i-- != 0)
			continue;
		if (nlen >= len)
			return HVT_E_INVAL;
		memcpy(buf, name, nlen);
		buf[nlen] = 0;
		return 0;
	}
	return HVT_E_NOT_FOUND;
}

size_t hvt_reader_meta_count(const hvt_reader *r)
{
	return r->nmeta;
}

int hvt_reader_meta_at(const hvt_reader *r, size_t i, const char **key, const char **value,
		       size_t *len)
{
	if (i >= r->nmeta)
		return HVT_E_NOT_FOUND;
	*key = r->meta[i].key;
	*value = r->meta[i].value;
	if (len)
		*len = r->meta[i].len;
	return 0;
}

int hvt_reader_meta_get(const hvt_reader *r, const char *key, const char **value, size_t *len)
{
	for (size_t i = 0; i < r->nmeta; i++) {
		if (strcmp(r->meta[i].key, key) == 0) {
			*value = r->meta[i].value;
			if (len)
				*len = r->meta[i].len;
			return 0;
		}
	}
	return HVT_E_NOT_FOUND;
}
