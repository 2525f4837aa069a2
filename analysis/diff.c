/* Trace diff: see diff.h. Both readers advance in lockstep; the last
 * AN_DIFF_CONTEXT equal pairs are kept in a ring for the report. */
#include "diff.h"

#include <stdio.h>
#include <string.h>

uint32_t an_diff_fields(const hvt_event *x, const hvt_event *y)
{
	uint32_t m = 0;
	m |= x->type != y->type ? AN_DF_TYPE : 0;
	m |= x->kind != y->kind ? AN_DF_KIND : 0;
	m |= x->stream != y->stream ? AN_DF_STREAM : 0;
	m |= x->addr != y->addr ? AN_DF_ADDR : 0;
	m |= x->value != y->value ? AN_DF_VALUE : 0;
	m |= x->size != y->size ? AN_DF_SIZE : 0;
	m |= x->count != y->count ? AN_DF_COUNT : 0;
	m |= x->pc != y->pc ? AN_DF_PC : 0;
	m |= x->regs_hash != y->regs_hash ? AN_DF_REGS : 0;
	if (x->data_len != y->data_len ||
	    (x->data_len && memcmp(x->data, y->data, x->data_len) != 0))
		m |= AN_DF_DATA;
	return m;
}

static void keep(struct an_kept_event *k, const hvt_event *ev)
{
	k->ev = *ev;
	size_t n = ev->data_len < AN_DIFF_DATA_KEEP ? ev->data_len : AN_DIFF_DATA_KEEP;
	if (n)
		memcpy(k->data, ev->data, n);
	k->ev.data = k->data;
	/* data_len stays the true length; the display shows at most n bytes. */
}

/* Unrolls the ring into oldest-first order. */
static void finish_context(struct an_diff_result *out, const struct an_kept_event *ra,
			   const struct an_kept_event *rb, uint64_t walked)
{
	uint32_t n = walked < AN_DIFF_CONTEXT ? (uint32_t)walked : AN_DIFF_CONTEXT;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t slot = (walked - n + i) % AN_DIFF_CONTEXT;
		out->ctx_a[i] = ra[slot];
		out->ctx_b[i] = rb[slot];
		out->ctx_a[i].ev.data = out->ctx_a[i].data;
		out->ctx_b[i].ev.data = out->ctx_b[i].data;
	}
	out->ncontext = n;
}

static int fail(hvt_reader *r, int err, int which, int *failed, char *errbuf, size_t errlen)
{
	*failed = which;
	snprintf(errbuf, errlen, "%s", hvt_reader_error(r));
	return err;
}

int an_diff(hvt_reader *a, hvt_reader *b, struct an_diff_result *out, int *failed, char *errbuf,
	    size_t errlen)
{
	struct an_kept_event ra[AN_DIFF_CONTEXT], rb[AN_DIFF_CONTEXT];
	const hvt_event *ea = NULL, *eb = NULL;
	uint64_t i = 0;
	memset(out, 0, sizeof(*out));
	for (;; i++) {
		int na = hvt_reader_next(a, &ea), nb = hvt_reader_next(b, &eb);
		if (na < 0)
			return fail(a, na, 'A', failed, errbuf, errlen);
		if (nb < 0)
			return fail(b, nb, 'B', failed, errbuf, errlen);
		if (!na || !nb) {
			out->a_ended = !na;
			out->b_ended = !nb;
			break;
		}
		if ((out->fields = an_diff_fields(ea, eb)) != 0)
			break;
		keep(&ra[i % AN_DIFF_CONTEXT], ea);
		keep(&rb[i % AN_DIFF_CONTEXT], eb);
	}
	out->index = i;
	out->events = i;
	out->differ = out->fields != 0 || out->a_ended != out->b_ended;
	if (!out->a_ended)
		keep(&out->a, ea);
	if (!out->b_ended)
		keep(&out->b, eb);
	finish_context(out, ra, rb, i);
	return 0;
}
