#include "compare.h"

#include <string.h>

int hvt_exit_is_read(unsigned kind)
{
	return kind == HVT_EXIT_PIO_IN || kind == HVT_EXIT_MMIO_READ;
}

static void push(struct hvt_divergence *d, const char *field, uint64_t expected, uint64_t actual)
{
	if (d->n < HVT_MAX_FIELD_DIFFS)
		d->diff[d->n++] = (struct hvt_field_diff){field, expected, actual};
}

static void note(struct hvt_divergence *d, const char *field, uint64_t expected, uint64_t actual)
{
	if (expected != actual)
		push(d, field, expected, actual);
}

static int is_port(unsigned kind)
{
	return kind == HVT_EXIT_PIO_IN || kind == HVT_EXIT_PIO_OUT;
}

unsigned hvt_compare_exit(const hvt_event *expected, const hvt_event *actual,
			  struct hvt_divergence *out)
{
	memset(out, 0, sizeof(*out));
	note(out, "kind", expected->kind, actual->kind);
	if (out->n)
		return out->n; /* the other fields mean different things then */
	note(out, is_port(expected->kind) ? "port" : "address", expected->addr, actual->addr);
	note(out, "size", expected->size, actual->size);
	note(out, "count", expected->count, actual->count);
	if (!hvt_exit_is_read(expected->kind)) {
		note(out, "value", expected->value, actual->value);
		/* String I/O: the bytes themselves; the diff carries their lengths. */
		if (expected->data_len != actual->data_len ||
		    (expected->data_len && memcmp(expected->data, actual->data, expected->data_len) != 0))
			push(out, "data", expected->data_len, actual->data_len);
	}
	note(out, "pc", expected->pc, actual->pc);
	if (expected->regs_hash && actual->regs_hash)
		note(out, "regs", expected->regs_hash, actual->regs_hash);
	return out->n;
}
