/* struct hvt_columns (hvtrace/reader.h): the caller's arrays, described by
 * one table so that taking, spreading and copying need no per-field code. */
#include <stddef.h>
#include <string.h>

#include "opts.h"
#include "reader_impl.h"

/* Every array of struct hvt_columns: its HVT_COLUMN_* bit and entry size. */
static const struct {
	size_t off;
	unsigned bit;
	uint8_t size;
} col_tab[] = {
#define COL(f, b) {offsetof(struct hvt_columns, f), b, sizeof(*((struct hvt_columns *)0)->f)}
	COL(time_ns, HVT_COLUMN_TIME_NS),   COL(stream, HVT_COLUMN_STREAM),
	COL(seq, HVT_COLUMN_SEQ),           COL(type, HVT_COLUMN_TYPE),
	COL(kind, HVT_COLUMN_KIND),         COL(flags, HVT_COLUMN_FLAGS),
	COL(pc, HVT_COLUMN_PC),             COL(addr, HVT_COLUMN_ADDR),
	COL(value, HVT_COLUMN_VALUE),       COL(duration_ns, HVT_COLUMN_DURATION_NS),
	COL(run_ns, HVT_COLUMN_RUN_NS),     COL(size, HVT_COLUMN_SIZE),
	COL(count, HVT_COLUMN_COUNT),       COL(raw_reason, HVT_COLUMN_RAW_REASON),
	COL(regs_hash, HVT_COLUMN_REGS_HASH), COL(syndrome, HVT_COLUMN_SYNDROME),
	COL(fault_va, HVT_COLUMN_FAULT_VA), COL(data_len, HVT_COLUMN_DATA),
	COL(data, HVT_COLUMN_DATA),
#undef COL
};
#define NCOLS (sizeof(col_tab) / sizeof(col_tab[0]))

static uint8_t *col_array(const struct hvt_columns *c, size_t k)
{
	uint8_t *p;
	memcpy(&p, (const uint8_t *)c + col_tab[k].off, sizeof(p));
	return p;
}

static void set_col_array(struct hvt_columns *c, size_t k, void *p)
{
	memcpy((uint8_t *)c + col_tab[k].off, &p, sizeof(p));
}

unsigned hvt_columns_mask(const struct hvt_columns *cols)
{
	struct hvt_columns c;
	unsigned mask = 0;
	if (hvt_columns_take(&c, cols) != 0)
		return 0;
	for (size_t k = 0; k < NCOLS; k++)
		mask |= col_array(&c, k) ? col_tab[k].bit : 0;
	return mask;
}

int hvt_columns_take(struct hvt_columns *dst, const struct hvt_columns *user)
{
	memset(dst, 0, sizeof(*dst));
	if (!user)
		return HVT_E_INVAL;
	return hvt_opts_take(dst, HVT_OPTS_END(struct hvt_columns, data), user);
}

size_t hvt_columns_entry_bytes(unsigned mask)
{
	size_t bytes = 0;
	for (size_t k = 0; k < NCOLS; k++)
		bytes += mask & col_tab[k].bit ? col_tab[k].size : 0;
	return bytes;
}

void hvt_columns_carve(struct hvt_columns *c, unsigned mask, uint32_t entries, void *mem)
{
	uint8_t *p = mem;
	memset(c, 0, sizeof(*c));
	c->sz = sizeof(*c);
	c->capacity = entries;
	/* Carved by entry size, largest first: every array stays aligned to
	 * its entry (mem is malloc's). */
	for (uint8_t size = 8; size; size /= 2)
		for (size_t k = 0; k < NCOLS; k++)
			if ((mask & col_tab[k].bit) && col_tab[k].size == size) {
				set_col_array(c, k, p);
				p += (size_t)entries * size;
			}
}

#define PUT(f)                                                                       \
	do {                                                                         \
		if (c->f)                                                            \
			c->f[at] = ev->f;                                            \
	} while (0)

void hvt_columns_put(const struct hvt_columns *c, uint32_t at, const hvt_event *ev)
{
	PUT(time_ns);
	PUT(stream);
	PUT(seq);
	PUT(type);
	PUT(kind);
	PUT(flags);
	PUT(pc);
	PUT(addr);
	PUT(value);
	PUT(duration_ns);
	PUT(run_ns);
	PUT(size);
	PUT(count);
	PUT(raw_reason);
	PUT(regs_hash);
	PUT(syndrome);
	PUT(fault_va);
	PUT(data_len);
	PUT(data);
}

void hvt_columns_plan(struct hvt_columns_plan *p, unsigned mask)
{
	p->n = 0;
	for (size_t k = 0; k < NCOLS; k++)
		if ((mask & col_tab[k].bit) && col_tab[k].bit != HVT_COLUMN_STREAM &&
		    col_tab[k].bit != HVT_COLUMN_SEQ) {
			p->off[p->n] = (uint16_t)col_tab[k].off;
			p->size[p->n++] = col_tab[k].size;
		}
}

/* n entries of one array; runs are short when streams interleave (one
 * event, most often), so a plain loop per entry size, not a memcpy call,
 * and one assignment for a run of one (a vectorized loop's set-up costs
 * ~20 instructions). */
#define COPY_AS(T)                                                                   \
	do {                                                                         \
		T *restrict dd = (T *)(void *)d + dst_at;                            \
		const T *restrict ss = (const T *)(const void *)s + src_at;          \
		if (n == 1)                                                          \
			dd[0] = ss[0];                                               \
		else                                                                 \
			for (uint32_t j = 0; j < n; j++)                             \
				dd[j] = ss[j];                                       \
	} while (0)

void hvt_columns_copy(const struct hvt_columns_plan *p, const struct hvt_columns *dst,
		      uint32_t dst_at, const struct hvt_columns *src, uint32_t src_at, uint32_t n)
{
	for (uint8_t k = 0; k < p->n; k++) {
		uint8_t *d, *s;
		memcpy(&d, (const uint8_t *)dst + p->off[k], sizeof(d));
		memcpy(&s, (const uint8_t *)src + p->off[k], sizeof(s));
		switch (p->size[k]) {
		case 8: COPY_AS(uint64_t); break;
		case 4: COPY_AS(uint32_t); break;
		case 2: COPY_AS(uint16_t); break;
		default: COPY_AS(uint8_t); break;
		}
	}
}
