#include "compare.h"

#include <string.h>

/* ESR ISS bit 0 of an MSR/MRS trap: 1 = MRS (the guest reads). */
#define SYSREG_ISS_READ 1u

int hvt_exit_is_read(unsigned kind)
{
	return kind == HVT_EXIT_PIO_IN || kind == HVT_EXIT_MMIO_READ;
}

int hvt_exit_value_from_vmm(const hvt_event *ev)
{
	if (hvt_exit_is_read(ev->kind) || ev->kind == HVT_EXIT_HYPERCALL)
		return 1;
	return ev->kind == HVT_EXIT_SYSREG && (ev->syndrome & SYSREG_ISS_READ);
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

static const char *addr_field(unsigned kind)
{
	return is_port(kind) ? "port" : kind == HVT_EXIT_HYPERCALL ? "function" :
	       kind == HVT_EXIT_SYSREG ? "sysreg" : "address";
}

unsigned hvt_compare_exit(const hvt_event *expected, const hvt_event *actual,
			  struct hvt_divergence *out)
{
	memset(out, 0, sizeof(*out));
	note(out, "kind", expected->kind, actual->kind);
	if (out->n)
		return out->n; /* the other fields mean different things then */
	note(out, addr_field(expected->kind), expected->addr, actual->addr);
	/* A hypercall's recorded size says whether the VMM handed a result
	 * back (8) or not (0: power-off); the live exit has none yet. */
	if (expected->kind != HVT_EXIT_HYPERCALL)
		note(out, "size", expected->size, actual->size);
	note(out, "count", expected->count, actual->count);
	if (!hvt_exit_value_from_vmm(expected)) {
		note(out, "value", expected->value, actual->value);
		/* String I/O: the bytes themselves; the diff carries their lengths. */
		if (expected->data_len != actual->data_len ||
		    (expected->data_len && memcmp(expected->data, actual->data, expected->data_len) != 0))
			push(out, "data", expected->data_len, actual->data_len);
	}
	/* arm64: the exception syndrome (register, width, direction); 0 on x86. */
	note(out, "syndrome", expected->syndrome, actual->syndrome);
	note(out, "pc", expected->pc, actual->pc);
	if (expected->regs_hash && actual->regs_hash)
		note(out, "regs", expected->regs_hash, actual->regs_hash);
	return out->n;
}
