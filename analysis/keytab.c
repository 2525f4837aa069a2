/* Row table: see keytab.h. */
#include "keytab.h"

#include <stdlib.h>
#include <string.h>

#include "hvtrace/error.h"

void an_keytab_init(struct an_keytab *t)
{
	memset(t, 0, sizeof(*t));
}

void an_keytab_free(struct an_keytab *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->nrows; i++)
		an_latency_free(&t->rows[i].lat);
	free(t->rows);
	free(t->slots);
	an_keytab_init(t);
}

static uint32_t hash_key(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (uint32_t)key;
}

static uint32_t *find_slot(const struct an_keytab *t, uint64_t key)
{
	uint32_t mask = t->nslots - 1, i = hash_key(key) & mask;
	while (t->slots[i] && t->rows[t->slots[i] - 1].key != key)
		i = (i + 1) & mask;
	return &t->slots[i];
}

/* Keeps the load factor under one half. */
static int grow_slots(struct an_keytab *t)
{
	uint32_t n = t->nslots ? t->nslots * 2 : 64;
	uint32_t *old = t->slots;
	t->slots = calloc(n, sizeof(uint32_t));
	if (!t->slots) {
		t->slots = old;
		return HVT_E_NOMEM;
	}
	t->nslots = n;
	for (uint32_t r = 0; r < t->nrows; r++)
		*find_slot(t, t->rows[r].key) = r + 1;
	free(old);
	return 0;
}

static struct an_row *add_row(struct an_keytab *t, uint64_t key, uint32_t *slot)
{
	if (t->nrows == t->rows_cap) {
		uint32_t cap = t->rows_cap ? t->rows_cap * 2 : 16;
		struct an_row *p = realloc(t->rows, cap * sizeof(*p));
		if (!p)
			return NULL;
		t->rows = p;
		t->rows_cap = cap;
	}
	struct an_row *row = &t->rows[t->nrows];
	row->key = key;
	row->unfinished = 0;
	an_latency_init(&row->lat);
	*slot = ++t->nrows;
	t->last = t->nrows - 1;
	return row;
}

struct an_row *an_keytab_get(struct an_keytab *t, uint64_t key)
{
	if (key < AN_KEYTAB_SMALL && t->small[key])
		return &t->rows[t->small[key] - 1];
	if (t->nrows && t->rows[t->last].key == key)
		return &t->rows[t->last];
	if ((t->nrows + 1) * 2 > t->nslots && grow_slots(t) != 0)
		return NULL;
	uint32_t *slot = find_slot(t, key);
	if (!*slot) {
		struct an_row *row = add_row(t, key, slot);
		if (row && key < AN_KEYTAB_SMALL)
			t->small[key] = t->nrows;
		return row;
	}
	t->last = *slot - 1;
	return &t->rows[t->last];
}

int an_keytab_merge(struct an_keytab *dst, const struct an_keytab *src)
{
	for (uint32_t i = 0; i < src->nrows; i++) {
		struct an_row *row = an_keytab_get(dst, src->rows[i].key);
		if (!row)
			return HVT_E_NOMEM;
		row->unfinished += src->rows[i].unfinished;
		int err = an_latency_merge(&row->lat, &src->rows[i].lat);
		if (err)
			return err;
	}
	return 0;
}
