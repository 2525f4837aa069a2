/* Checkpoints at event boundaries, bounded in memory.
 *
 * Guest RAM is kept incrementally: checkpoint 0 holds all of it, every
 * later one the 4 KiB pages that differ from the previous checkpoint,
 * found by comparing RAM with a shadow copy of the newest checkpoint
 * (exact, and needs nothing from the backend; dirty-page logging would
 * find the same pages without the comparison). A restore rebuilds RAM from
 * checkpoint 0 plus the deltas up to the one restored. When the total
 * passes the limit, the checkpoint with the smallest distance to its
 * successor is merged into it (its pages move on unless the successor has
 * them), so memory stays bounded and re-execution stays short where
 * checkpoints are dense. vCPU state comes from the backend as a blob,
 * after a settling run has completed any pending read. */
#include <stdlib.h>
#include <string.h>

#include "gdb_internal.h"
#include "hvtrace/error.h"

#define PAGE 4096u
#define CKPT_EVERY_NS 20000000ull     /* host time spent running between checkpoints */
#define CKPT_EVERY_EVENTS 512u
#define CKPT_DEFAULT_LIMIT (256ull << 20)

static void ckpt_free_one(struct gdb_ckpt *c, unsigned n_vcpus)
{
	for (size_t i = 0; i < c->n_pages; i++)
		free(c->pages[i].data);
	free(c->pages);
	for (unsigned v = 0; c->state && v < n_vcpus; v++)
		free(c->state[v]);
	free(c->state);
	free(c->state_len);
	free(c->vcpus);
	free(c->finished);
	free(c->pending_vec);
	free(c->fp_dirty);
	memset(c, 0, sizeof(*c));
}

int gdb_ckpt_init(struct hvt_gdb *s)
{
	s->ck.shadow = malloc(s->rp.m->mem_bytes);
	s->ck.limit_bytes = s->o.ckpt_limit_bytes ? s->o.ckpt_limit_bytes : CKPT_DEFAULT_LIMIT;
	return s->ck.shadow ? 0 : HVT_E_NOMEM;
}

void gdb_ckpt_free(struct hvt_gdb *s)
{
	for (size_t i = 0; i < s->ck.n; i++)
		ckpt_free_one(&s->ck.c[i], s->rp.n_vcpus);
	free(s->ck.c);
	free(s->ck.shadow);
	memset(&s->ck, 0, sizeof(s->ck));
}

static int add_page(struct gdb_ckpt *c, uint64_t index, const uint8_t *data, size_t *cap)
{
	if (c->n_pages == *cap) {
		size_t ncap = *cap ? 2 * *cap : 64;
		struct gdb_ckpt_page *p = realloc(c->pages, ncap * sizeof(*p));
		if (!p)
			return HVT_E_NOMEM;
		c->pages = p, *cap = ncap;
	}
	uint8_t *d = malloc(PAGE);
	if (!d)
		return HVT_E_NOMEM;
	memcpy(d, data, PAGE);
	c->pages[c->n_pages++] = (struct gdb_ckpt_page){ index, d };
	c->bytes += PAGE + sizeof(struct gdb_ckpt_page);
	return 0;
}

/* Pages that differ from the shadow (all of them for the first one). */
static int take_pages(struct hvt_gdb *s, struct gdb_ckpt *c, int first)
{
	const uint8_t *ram = s->rp.m->ram;
	uint64_t n = s->rp.m->mem_bytes / PAGE;
	size_t cap = 0;

	for (uint64_t p = 0; p < n; p++) {
		const uint8_t *a = ram + p * PAGE;
		if (!first && memcmp(a, s->ck.shadow + p * PAGE, PAGE) == 0)
			continue;
		if (add_page(c, p, a, &cap) < 0)
			return HVT_E_NOMEM;
		memcpy(s->ck.shadow + p * PAGE, a, PAGE);
	}
	return 0;
}

static int take_vcpus(struct hvt_gdb *s, struct gdb_ckpt *c)
{
	unsigned n = s->rp.n_vcpus;

	c->vcpus = malloc(n * sizeof(*c->vcpus));
	c->finished = malloc(n);
	c->pending_vec = malloc(n * sizeof(*c->pending_vec));
	c->state = calloc(n, sizeof(*c->state));
	c->state_len = calloc(n, sizeof(*c->state_len));
	if (!c->vcpus || !c->finished || !c->state || !c->state_len || !c->pending_vec)
		return HVT_E_NOMEM;
	memcpy(c->vcpus, s->rp.vcpus, n * sizeof(*c->vcpus));
	memcpy(c->pending_vec, s->pending_vec, n * sizeof(*c->pending_vec));
	memcpy(c->finished, s->finished, n);
	c->sched_slice = s->rp.sched_slice; /* the schedule's position, with the streams' */
	/* The landings' written-page set: the next landing's fingerprint. */
	size_t words = hvt_mem_fp_words(&s->rp.fp);
	if (!(c->fp_dirty = malloc(words * sizeof(uint64_t))))
		return HVT_E_NOMEM;
	if (hvt_mem_fp_save(&s->rp.fp, c->fp_dirty) < 0)
		return HVT_E_BACKEND;
	c->bytes += words * sizeof(uint64_t);
	for (unsigned v = 0; v < n; v++) {
		uint8_t buf[HVT_VCPU_STATE_MAX_BYTES];
		if (s->rp.m->ops->vcpu_state_save(s->rp.vcpus[v].bv, buf, sizeof(buf),
						  &c->state_len[v]) < 0)
			return HVT_E_BACKEND;
		if (!(c->state[v] = malloc(c->state_len[v])))
			return HVT_E_NOMEM;
		memcpy(c->state[v], buf, c->state_len[v]);
		c->bytes += c->state_len[v] + sizeof(*c->vcpus);
	}
	return 0;
}

/* Fold checkpoint i (0 < i < n-1) into i+1 and drop it. */
static void merge_into_next(struct hvt_gdb *s, size_t i)
{
	struct gdb_ckpt *a = &s->ck.c[i], *b = &s->ck.c[i + 1];
	size_t cap = b->n_pages;

	for (size_t k = 0; k < a->n_pages; k++) {
		int present = 0;
		for (size_t j = 0; j < b->n_pages && !present; j++)
			present = b->pages[j].index == a->pages[k].index;
		if (!present && add_page(b, a->pages[k].index, a->pages[k].data, &cap) < 0)
			return; /* out of memory: keep both */
	}
	s->ck.bytes -= a->bytes;
	ckpt_free_one(a, s->rp.n_vcpus);
	memmove(a, b, (s->ck.n - i - 1) * sizeof(*a));
	s->ck.n--;
	s->ck.merged++;
}

static void enforce_limit(struct hvt_gdb *s)
{
	while (s->ck.bytes > s->ck.limit_bytes && s->ck.n > 2) {
		size_t best = 1;
		for (size_t i = 1; i + 1 < s->ck.n; i++)
			if (s->ck.c[i + 1].g - s->ck.c[i].g < s->ck.c[best + 1].g - s->ck.c[best].g)
				best = i;
		merge_into_next(s, best);
	}
}

int gdb_ckpt_take(struct hvt_gdb *s)
{
	struct gdb_ckpt *c;

	if (s->ck.n == s->ck.cap) {
		size_t ncap = s->ck.cap ? 2 * s->ck.cap : 16;
		struct gdb_ckpt *p = realloc(s->ck.c, ncap * sizeof(*p));
		if (!p)
			return HVT_E_NOMEM;
		s->ck.c = p, s->ck.cap = ncap;
	}
	gdb_settle_all(s);
	c = &s->ck.c[s->ck.n];
	memset(c, 0, sizeof(*c));
	c->g = s->g;
	if (take_vcpus(s, c) < 0 || take_pages(s, c, s->ck.n == 0) < 0) {
		ckpt_free_one(c, s->rp.n_vcpus);
		return HVT_E_NOMEM;
	}
	s->ck.n++;
	s->ck.bytes += c->bytes;
	s->ck.newest_g = c->g;
	s->ck.exec_ns_since = 0;
	s->ck.taken++;
	enforce_limit(s);
	return 0;
}

void gdb_ckpt_maybe(struct hvt_gdb *s)
{
	if (s->ck.n && s->g <= s->ck.newest_g)
		return; /* re-executing: the checkpoints ahead are still valid */
	if (s->ck.n && s->ck.exec_ns_since < CKPT_EVERY_NS &&
	    s->g - s->ck.newest_g < CKPT_EVERY_EVENTS)
		return;
	(void)gdb_ckpt_take(s); /* out of memory: run on with fewer checkpoints */
}

size_t gdb_ckpt_at_or_before(const struct hvt_gdb *s, uint64_t g)
{
	size_t best = 0;

	for (size_t i = 0; i < s->ck.n; i++)
		if (s->ck.c[i].g <= g)
			best = i;
	return best;
}

static void restore_ram(struct hvt_gdb *s, size_t upto)
{
	for (size_t i = 0; i <= upto; i++) {
		const struct gdb_ckpt *c = &s->ck.c[i];
		for (size_t k = 0; k < c->n_pages; k++)
			memcpy(s->rp.m->ram + c->pages[k].index * PAGE, c->pages[k].data, PAGE);
	}
}

static int restore_vcpu(struct hvt_gdb *s, const struct gdb_ckpt *c, unsigned v)
{
	struct hvt_rvcpu *rv = &s->rp.vcpus[v];
	hvt_stream_cursor *cur = rv->cur;
	hvt_backend_vcpu *bv = rv->bv;
	hvt_debug none;

	memcpy(rv, &c->vcpus[v], sizeof(*rv));
	rv->rp = &s->rp, rv->index = v, rv->bv = bv, rv->cur = cur;
	rv->have_live = 0; /* its data pointer is long gone */
	atomic_store(&rv->done, 0);
	atomic_store(&rv->deadline_ns, 0);
	atomic_store(&rv->timed_out, 0);
	s->finished[v] = c->finished[v];
	s->pending_vec[v] = c->pending_vec[v];
	memset(&s->eng_dbg[v], 0, sizeof(s->eng_dbg[v]));
	memset(&none, 0, sizeof(none));
	s->handled[v] = 0;
	if (s->rp.m->ops->vcpu_state_load(bv, c->state[v], c->state_len[v]) < 0 ||
	    s->rp.m->ops->vcpu_set_debug(bv, &none) < 0)
		return HVT_E_BACKEND;
	return 0;
}

int gdb_ckpt_restore(struct hvt_gdb *s, size_t i)
{
	const struct gdb_ckpt *c = &s->ck.c[i];
	int rc;

	restore_ram(s, i);
	for (unsigned v = 0; v < s->rp.n_vcpus; v++)
		if ((rc = restore_vcpu(s, c, v)) < 0)
			return rc;
	s->g = c->g;
	s->rp.sched_slice = c->sched_slice;
	if (hvt_mem_fp_load(&s->rp.fp, c->fp_dirty) < 0)
		return HVT_E_BACKEND;
	/* The engine goes on as if nothing had failed or stopped. */
	pthread_mutex_lock(&s->rp.mu);
	s->rp.outcome = HVT_REPLAY_OK;
	s->rp.msg[0] = 0;
	free(s->rp.report);
	s->rp.report = NULL;
	s->rp.report_set = 0;
	pthread_mutex_unlock(&s->rp.mu);
	atomic_store(&s->rp.stop, 0);
	atomic_store(&s->rp.unwind, 0);
	return gdb_reposition(s);
}
