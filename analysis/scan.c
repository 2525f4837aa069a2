/* Parallel chunk scan: see scan.h. Errors are deterministic: when chunks
 * fail, the one with the lowest index is reported, whatever the threads. */
#include "scan.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AN_MAX_THREADS 64u
#define SCAN_BATCH 1024u /* events a worker decodes at once, column by column */

struct scan_shared {
	hvt_reader *r;
	const struct an_scan_opts *o;
	uint64_t nchunks;
	_Atomic uint64_t next_chunk;
	_Atomic uint64_t done_chunks;
	_Atomic uint64_t fail_chunk;   /* lowest failing chunk index, UINT64_MAX: none */
};

struct scan_worker {
	struct scan_shared *sh;
	struct an_agg agg;
	void *part;             /* the hook's part, when there is a hook */
	int err;                /* first failure of this worker */
	uint64_t err_chunk;
	char msg[256];
	int reports_progress;   /* 1 for the one worker that calls o->progress */
	struct hvt_columns cols; /* without a hook: the columns the aggregate reads */
	void *cols_mem;
};

/* Whether the filter can exclude a whole chunk from its header alone. */
static int chunk_wanted(const struct an_filter *f, const struct hvt_chunk_info *ci)
{
	if (ci->type != HVT_CHUNK_EVENTS)
		return 0;
	if (f->vcpu >= 0 && ci->stream != (uint64_t)f->vcpu)
		return 0;
	return ci->last_time_ns >= f->from_ns && ci->first_time_ns < f->to_ns;
}

static void note_failure(struct scan_worker *w, uint64_t chunk, int err, const char *msg)
{
	if (w->err)
		return;
	w->err = err;
	w->err_chunk = chunk;
	snprintf(w->msg, sizeof(w->msg), "%s", msg);
	uint64_t cur = atomic_load(&w->sh->fail_chunk);
	while (chunk < cur && !atomic_compare_exchange_weak(&w->sh->fail_chunk, &cur, chunk))
		;
}

/* Without a hook, a chunk is decoded column by column into the worker's
 * arrays (only the columns the aggregate reads) and folded a batch at a
 * time; a hook (the report) sees whole events. */
static int scan_chunk(struct scan_worker *w, hvt_chunk_cursor *c, uint64_t i)
{
	const struct an_scan_opts *o = w->sh->o;
	const struct an_scan_hook *h = o->hook;
	const hvt_event *ev;
	int rc = hvt_chunk_cursor_load(c, i);
	if (!h) {
		int n = 0;
		while (rc == 0 && (n = hvt_chunk_cursor_next_columns(c, &w->cols)) > 0)
			rc = an_agg_take_columns(&w->agg, o, &w->cols, (uint32_t)n);
		rc = rc ? rc : n;
	}
	while (h && rc == 0 && (rc = hvt_chunk_cursor_next(c, &ev)) == 1) {
		rc = an_agg_take(&w->agg, o, ev);
		if (rc == 0)
			rc = h->take(w->part, ev);
	}
	if (rc < 0)
		note_failure(w, i, rc, rc == HVT_E_NOMEM ? "out of memory" : hvt_chunk_cursor_error(c));
	return rc < 0 ? rc : 0;
}

/* The worker's column arrays (SCAN_BATCH events of the aggregate's
 * columns), carved out of one allocation. */
static int cols_init(struct scan_worker *w)
{
	unsigned want = an_agg_columns(w->sh->o->by);
	uint8_t *p = malloc((size_t)SCAN_BATCH * (5 * 8 + 4 + 2 + 1 + 1));
	struct hvt_columns c = HVT_COLUMNS_INIT;
	if (!p)
		return HVT_E_NOMEM;
	w->cols_mem = p;
	c.capacity = SCAN_BATCH;
	c.time_ns = (uint64_t *)(void *)p, p += SCAN_BATCH * 8;
	c.value = (uint64_t *)(void *)p, p += SCAN_BATCH * 8;
	c.duration_ns = (uint64_t *)(void *)p, p += SCAN_BATCH * 8;
	c.addr = want & HVT_COLUMN_ADDR ? (uint64_t *)(void *)p : NULL, p += SCAN_BATCH * 8;
	c.syndrome = want & HVT_COLUMN_SYNDROME ? (uint64_t *)(void *)p : NULL, p += SCAN_BATCH * 8;
	c.stream = (uint32_t *)(void *)p, p += SCAN_BATCH * 4;
	c.flags = (uint16_t *)(void *)p, p += SCAN_BATCH * 2;
	c.type = p, p += SCAN_BATCH;
	c.kind = p;
	w->cols = c;
	return 0;
}

static void *scan_worker_run(void *arg)
{
	struct scan_worker *w = arg;
	struct scan_shared *sh = w->sh;
	struct hvt_chunk_info ci;
	hvt_chunk_cursor *c = NULL;
	uint64_t i;
	int err = hvt_chunk_cursor_create(sh->r, &c);
	if (!err && !sh->o->hook)
		err = cols_init(w);
	if (err) {
		hvt_chunk_cursor_free(c);
		note_failure(w, 0, err, hvt_strerror(err));
		return NULL;
	}
	/* The aggregate reads kind, addr, stream and time (always decoded),
	 * duration and value (exec time): a v2 trace's other columns (run time,
	 * register checksums, data) are skipped, not decoded, and the ones it
	 * reads land in the worker's arrays (an_agg_columns). A hook (the
	 * report) sees whole events: it draws marker labels from their data. */
	if (!sh->o->hook)
		hvt_chunk_cursor_set_fields(c, HVT_FIELD_DURATION | HVT_FIELD_VALUE);
	while ((i = atomic_fetch_add(&sh->next_chunk, 1)) < sh->nchunks) {
		if (i > atomic_load(&sh->fail_chunk))
			break; /* a lower chunk failed: the scan stops there */
		if ((err = hvt_reader_chunk_info(sh->r, i, &ci)) != 0)
			note_failure(w, i, err, hvt_reader_error(sh->r));
		else if (!chunk_wanted(&sh->o->filter, &ci))
			w->agg.chunks_skipped += ci.type == HVT_CHUNK_EVENTS;
		else if (scan_chunk(w, c, i) != 0)
			break;
		uint64_t done = atomic_fetch_add(&sh->done_chunks, 1) + 1;
		if (w->reports_progress && sh->o->progress)
			sh->o->progress(sh->o->progress_ctx, done, sh->nchunks);
	}
	hvt_chunk_cursor_free(c);
	free(w->cols_mem);
	w->cols_mem = NULL;
	return NULL;
}

static unsigned thread_count(unsigned asked)
{
	long n = asked ? (long)asked : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > (long)AN_MAX_THREADS ? AN_MAX_THREADS : (unsigned)n;
}

/* Merges the workers' aggregates into out, or reports the lowest failure. */
static int scan_finish(struct scan_worker *ws, unsigned n, struct an_agg *out, char *errbuf,
		       size_t errlen)
{
	int err = 0;
	uint64_t fail = UINT64_MAX;
	for (unsigned t = 0; t < n; t++) {
		if (ws[t].err && ws[t].err_chunk < fail) {
			fail = ws[t].err_chunk;
			err = ws[t].err;
			snprintf(errbuf, errlen, "%s", ws[t].msg);
		}
	}
	const struct an_scan_hook *h = ws[0].sh->o->hook;
	for (unsigned t = 0; t < n && !err; t++) {
		err = an_agg_merge(out, &ws[t].agg);
		if (!err && h)
			err = h->merge(h->ctx, ws[t].part);
		if (err)
			snprintf(errbuf, errlen, "out of memory");
	}
	for (unsigned t = 0; t < n; t++) {
		an_agg_free(&ws[t].agg);
		if (h)
			h->part_free(ws[t].part);
	}
	return err;
}

/* One hook part per worker, made before any thread starts. */
static int start_parts(const struct an_scan_hook *h, struct scan_worker *ws, unsigned n)
{
	for (unsigned t = 0; h && t < n; t++)
		if ((ws[t].part = h->part_new(h->ctx)) == NULL)
			return HVT_E_NOMEM;
	return 0;
}

/* Frees the workers of a scan that could not start. */
static void drop_workers(const struct an_scan_hook *h, struct scan_worker *ws, unsigned n)
{
	for (unsigned t = 0; t < n; t++) {
		an_agg_free(&ws[t].agg);
		if (h)
			h->part_free(ws[t].part);
	}
	free(ws);
}

int an_scan(hvt_reader *r, const struct an_scan_opts *o, struct an_agg *out, char *errbuf,
	    size_t errlen)
{
	unsigned n = thread_count(o->threads), started = 1;
	struct scan_shared sh = {.r = r, .o = o, .nchunks = hvt_reader_chunk_count(r)};
	struct scan_worker *ws = calloc(n, sizeof(*ws));
	pthread_t tids[AN_MAX_THREADS];
	an_agg_init(out);
	if (!ws) {
		snprintf(errbuf, errlen, "out of memory");
		return HVT_E_NOMEM;
	}
	atomic_store(&sh.fail_chunk, UINT64_MAX);
	for (unsigned t = 0; t < n; t++) {
		ws[t].sh = &sh;
		an_agg_init(&ws[t].agg);
	}
	if (start_parts(o->hook, ws, n) != 0) {
		drop_workers(o->hook, ws, n);
		an_agg_free(out);
		snprintf(errbuf, errlen, "out of memory");
		return HVT_E_NOMEM;
	}
	ws[0].reports_progress = 1;
	/* The calling thread is worker 0; a thread that fails to start is
	 * simply not there: the others take its chunks. */
	for (unsigned t = 1; t < n; t++)
		if (pthread_create(&tids[t], NULL, scan_worker_run, &ws[t]) == 0)
			started = t + 1;
		else
			break;
	scan_worker_run(&ws[0]);
	for (unsigned t = 1; t < started; t++)
		pthread_join(tids[t], NULL);
	int err = scan_finish(ws, n, out, errbuf, errlen);
	free(ws);
	if (err)
		an_agg_free(out);
	return err;
}
