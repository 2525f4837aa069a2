/* The memory fingerprint of an asynchronous landing (mem_fingerprint.h). */
#include "core/mem_fingerprint.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "bytes.h"
#include "errmsg.h"
#include "hvtrace/error.h"
#include "hvtrace/writer.h" /* hvt_monotonic_ns */

int hvt_mem_fp_init(hvt_mem_fp *fp, hvt_machine *m)
{
	memset(fp, 0, sizeof(*fp));
	fp->m = m;
	fp->n_pages = m->mem_bytes / HVT_DIRTY_PAGE_BYTES;
	fp->dirty = calloc((size_t)((fp->n_pages + 63) / 64) + 1, sizeof(uint64_t));
	fp->xxh = XXH3_createState();
	if (!fp->dirty || !fp->xxh) {
		hvt_mem_fp_fini(fp);
		return HVT_E_NOMEM;
	}
	return 0;
}

void hvt_mem_fp_fini(hvt_mem_fp *fp)
{
	free(fp->dirty);
	if (fp->xxh)
		XXH3_freeState(fp->xxh);
	fp->dirty = NULL;
	fp->xxh = NULL;
}

int hvt_mem_fp_best(const hvt_machine *m)
{
	return m->ops->vm_dirty_log ? HVT_FP_DIRTY : HVT_FP_RAM;
}

/* Fold the backend's log into ours (the backend restarts its own). */
static int collect(hvt_mem_fp *fp)
{
	if (!fp->m->ops->vm_dirty_log)
		return HVT_E_UNSUPPORTED;
	return fp->m->ops->vm_dirty_log(fp->m->bvm, fp->dirty, fp->n_pages);
}

static int hash_dirty(hvt_mem_fp *fp, uint64_t *out)
{
	XXH3_state_t *st = fp->xxh;
	uint8_t le[8];

	HVT_FORWARD(collect(fp));
	if (XXH3_64bits_reset(st) != XXH_OK)
		return HVT_E_INVAL;
	for (uint64_t p = 0; p < fp->n_pages; p++) {
		if (!(fp->dirty[p / 64] >> (p % 64) & 1))
			continue;
		hvt_put_le64(le, p);
		(void)XXH3_64bits_update(st, le, sizeof(le));
		(void)XXH3_64bits_update(st, fp->m->ram + p * HVT_DIRTY_PAGE_BYTES,
					 HVT_DIRTY_PAGE_BYTES);
	}
	*out = XXH3_64bits_digest(st);
	return 0;
}

int hvt_mem_fp_take(hvt_mem_fp *fp, int method, uint64_t *out)
{
	uint64_t t0 = hvt_monotonic_ns();
	int rc = 0;

	if (method == HVT_FP_RAM)
		*out = XXH3_64bits(fp->m->ram, (size_t)fp->m->mem_bytes);
	else if (method == HVT_FP_DIRTY)
		rc = hash_dirty(fp, out);
	else
		rc = HVT_E_INVAL;
	fp->takes++;
	fp->take_ns += hvt_monotonic_ns() - t0;
	return rc;
}

int hvt_mem_fp_restart(hvt_mem_fp *fp)
{
	uint64_t t0 = hvt_monotonic_ns();
	int rc = fp->m->ops->vm_dirty_log ? collect(fp) : 0;

	memset(fp->dirty, 0, hvt_mem_fp_words(fp) * sizeof(uint64_t));
	fp->take_ns += hvt_monotonic_ns() - t0;
	return rc;
}

size_t hvt_mem_fp_words(const hvt_mem_fp *fp)
{
	return (size_t)((fp->n_pages + 63) / 64);
}

int hvt_mem_fp_save(hvt_mem_fp *fp, uint64_t *words)
{
	int rc = fp->m->ops->vm_dirty_log ? collect(fp) : 0;

	memcpy(words, fp->dirty, hvt_mem_fp_words(fp) * sizeof(uint64_t));
	return rc;
}

int hvt_mem_fp_load(hvt_mem_fp *fp, const uint64_t *words)
{
	int rc = fp->m->ops->vm_dirty_log ? collect(fp) : 0; /* the abandoned path's */

	memcpy(fp->dirty, words, hvt_mem_fp_words(fp) * sizeof(uint64_t));
	return rc;
}

void hvt_mem_fp_put(uint8_t ext[HVT_FP_EXT_BYTES], int method, uint64_t value)
{
	memset(ext, 0, HVT_FP_EXT_BYTES);
	ext[0] = (uint8_t)method;
	hvt_put_le64(ext + 8, value);
}

int hvt_mem_fp_get(const uint8_t ext[HVT_FP_EXT_BYTES], int *method, uint64_t *value)
{
	for (unsigned i = 1; i < 8; i++)
		if (ext[i])
			return HVT_E_BAD_EVENT;
	if (ext[0] == HVT_FP_NONE || ext[0] > HVT_FP_METHOD_MAX)
		return HVT_E_BAD_EVENT;
	*method = ext[0];
	*value = hvt_get_le64(ext + 8);
	return 0;
}

const char *hvt_mem_fp_method_name(int method)
{
	switch (method) {
	case HVT_FP_RAM: return "all of guest RAM";
	case HVT_FP_DIRTY: return "pages written since the previous landing";
	default: return "none";
	}
}
