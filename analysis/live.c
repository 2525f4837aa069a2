/* Following a growing trace: see live.h. */
#include "live.h"

#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

void an_live_init(struct an_live *l, const char *path)
{
	memset(l, 0, sizeof(*l));
	l->path = path;
	an_agg_init(&l->agg);
	snprintf(l->backend, sizeof(l->backend), "unknown");
}

void an_live_free(struct an_live *l)
{
	if (l)
		an_agg_free(&l->agg);
}

static int fold_event(struct an_live *l, const hvt_event *ev)
{
	static const struct an_scan_opts by_kind = {.by = AN_BY_KIND, .filter = AN_FILTER_ALL};
	if (ev->time_ns > l->last_ns)
		l->last_ns = ev->time_ns;
	l->seen_stream[ev->stream % HVT_MAX_STREAMS] = 1;
	if (ev->type == HVT_EV_END)
		l->ended_stream[ev->stream % HVT_MAX_STREAMS] = 1;
	if (ev->type == HVT_EV_EXIT)
		l->total[ev->kind <= HVT_EXIT_KIND_MAX ? ev->kind : 0]++;
	return an_agg_take(&l->agg, &by_kind, ev);
}

/* Decodes the chunks past the last one folded. */
static int fold_new_chunks(struct an_live *l, hvt_reader *r, char *errbuf, size_t errlen)
{
	hvt_chunk_cursor *c;
	struct hvt_chunk_info ci;
	const hvt_event *ev;
	int rc = hvt_chunk_cursor_create(r, &c);
	for (uint64_t i = 0; rc == 0 && i < hvt_reader_chunk_count(r); i++) {
		if ((rc = hvt_reader_chunk_info(r, i, &ci)) != 0)
			break;
		if (l->any_chunk && ci.offset <= l->last_offset)
			continue;
		if (ci.type == HVT_CHUNK_EVENTS) {
			rc = hvt_chunk_cursor_load(c, i);
			while (rc == 0 && (rc = hvt_chunk_cursor_next(c, &ev)) == 1)
				rc = fold_event(l, ev);
			if (rc < 0)
				break;
			rc = 0;
		}
		l->any_chunk = 1;
		l->last_offset = ci.offset;
	}
	if (rc < 0)
		snprintf(errbuf, errlen, "%s", rc == HVT_E_NOMEM ? "out of memory" :
			 c ? hvt_chunk_cursor_error(c) : hvt_reader_error(r));
	hvt_chunk_cursor_free(c);
	return rc < 0 ? rc : 0;
}

/* The newest path.*.partial, or path itself: what a recording to path is
 * writing now. Glob metacharacters in path are escaped. */
static void resolve_reading(struct an_live *l)
{
	char pattern[sizeof(l->reading) * 2 + 16];
	size_t n = 0;
	glob_t g;
	for (const char *c = l->path; *c && n + 2 < sizeof(pattern) - 16; c++) {
		if (strchr("*?[\\", *c))
			pattern[n++] = '\\';
		pattern[n++] = *c;
	}
	snprintf(pattern + n, sizeof(pattern) - n, ".*.partial");
	snprintf(l->reading, sizeof(l->reading), "%s", l->path);
	if (glob(pattern, 0, NULL, &g) != 0)
		return;
	time_t newest = 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct stat st;
		if (stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime >= newest) {
			newest = st.st_mtime;
			snprintf(l->reading, sizeof(l->reading), "%s", g.gl_pathv[i]);
		}
	}
	globfree(&g);
}

/* A recording ends with the footer; one whose recorder died never writes
 * it, so every vCPU having ended and the file no longer growing ends it too. */
static enum an_live_state state_of(const struct an_live *l, const struct hvt_trace_info *in)
{
	int all_ended = 0;
	if (in->has_footer && !in->truncated)
		return AN_LIVE_ENDED;
	for (uint32_t s = 0; s < HVT_MAX_STREAMS; s++) {
		if (l->seen_stream[s] && !l->ended_stream[s])
			return AN_LIVE_GROWING;
		all_ended |= l->ended_stream[s];
	}
	return all_ended && l->file_bytes == l->prev_file_bytes ? AN_LIVE_ENDED : AN_LIVE_GROWING;
}

int an_live_poll(struct an_live *l, char *errbuf, size_t errlen)
{
	hvt_reader *r;
	struct hvt_trace_info in;
	const char *backend;
	memcpy(l->prev_total, l->total, sizeof(l->total));
	l->prev_last_ns = l->last_ns;
	l->prev_file_bytes = l->file_bytes;
	resolve_reading(l);
	int open_err = hvt_reader_open(&r, l->reading, NULL);
	if (open_err != 0 && strcmp(l->reading, l->path) != 0) {
		/* The partial file was renamed to path between the look and the open. */
		snprintf(l->reading, sizeof(l->reading), "%s", l->path);
		open_err = hvt_reader_open(&r, l->reading, NULL);
	}
	if (open_err != 0) {
		/* Not there yet, or its header not yet written: keep waiting. */
		snprintf(l->why_waiting, sizeof(l->why_waiting), "%s", hvt_reader_open_error());
		if (l->state == AN_LIVE_WAITING)
			return 0;
		snprintf(errbuf, errlen, "%s", hvt_reader_open_error());
		return HVT_E_IO;
	}
	hvt_reader_get_info(r, &in);
	if (in.file_bytes < l->file_bytes) {
		/* Offsets we folded may now hold other chunks: a new recording. */
		snprintf(errbuf, errlen, "the file shrank from %llu to %llu bytes (a new recording "
			 "replaced it?)", (unsigned long long)l->file_bytes,
			 (unsigned long long)in.file_bytes);
		hvt_reader_close(r);
		return HVT_E_IO;
	}
	if (hvt_reader_meta_get(r, "backend", &backend, NULL) == 0)
		snprintf(l->backend, sizeof(l->backend), "%s", backend);
	int err = fold_new_chunks(l, r, errbuf, errlen);
	l->first_ns = in.first_time_ns;
	l->vcpus = hvt_reader_stream_count(r);
	l->file_bytes = in.file_bytes;
	l->pending_bytes = in.truncated ? in.lost_bytes : 0;
	l->state = state_of(l, &in);
	hvt_reader_close(r);
	return err;
}

double an_live_rate(const struct an_live *l, unsigned kind)
{
	if (kind > HVT_EXIT_KIND_MAX || l->last_ns <= l->prev_last_ns)
		return 0;
	return (double)(l->total[kind] - l->prev_total[kind]) * 1e9 /
	       (double)(l->last_ns - l->prev_last_ns);
}

static void print_status(FILE *f, const struct an_live *l, int stopped)
{
	char span[32];
	uint64_t ns = l->last_ns > l->first_ns ? l->last_ns - l->first_ns : 0;
	snprintf(span, sizeof(span), "%.3f s", (double)ns / 1e9);
	fprintf(f, "hvtrace top: %s  backend: %s  vCPUs: %u  trace time: %s  ", l->path, l->backend,
		l->vcpus, span);
	if (l->state == AN_LIVE_WAITING)
		fprintf(f, "waiting for the trace (%s)", l->why_waiting);
	else if (l->state == AN_LIVE_ENDED)
		fputs("recording ended", f);
	else if (stopped)
		fputs("stopped (Ctrl-C)", f);
	else
		fprintf(f, "recording (%llu B", (unsigned long long)l->file_bytes);
	if (l->state == AN_LIVE_GROWING && !stopped)
		fprintf(f, l->pending_bytes ? ", %llu B of a chunk being written)" : ")",
			(unsigned long long)l->pending_bytes);
	fputc('\n', f);
}

void an_live_print(FILE *f, const struct an_live *l, int tty, int stopped)
{
	uint64_t all = 0, all_prev = 0;
	for (unsigned k = 0; k <= HVT_EXIT_KIND_MAX; k++)
		all += l->total[k], all_prev += l->prev_total[k];
	if (tty)
		fputs("\033[H\033[2J", f); /* redraw in place, as kvm_stat does */
	print_status(f, l, stopped);
	fprintf(f, "%-16s %12s %8s %12s %12s\n", "Event", "Total", "%Total", "CurAvg/s", "Avg time");
	for (unsigned k = 0; k <= HVT_EXIT_KIND_MAX; k++) {
		uint64_t key = k;
		const struct an_row *row = NULL;
		for (uint32_t i = 0; i < l->agg.rows.nrows; i++)
			if (l->agg.rows.rows[i].key == key)
				row = &l->agg.rows.rows[i];
		if (!l->total[k])
			continue;
		fprintf(f, "%-16s %12llu %7.1f%% %12.1f %10.2fus\n", hvt_exit_kind_name(k),
			(unsigned long long)l->total[k], 100.0 * (double)l->total[k] / (double)all,
			an_live_rate(l, k), row ? an_latency_avg_ns(&row->lat) / 1e3 : 0.0);
	}
	double dt = l->last_ns > l->prev_last_ns ? (double)(l->last_ns - l->prev_last_ns) : 0;
	fprintf(f, "%-16s %12llu %7.1f%% %12.1f\n", "Total", (unsigned long long)all, all ? 100.0 : 0.0,
		dt > 0 ? (double)(all - all_prev) * 1e9 / dt : 0.0);
	if (!tty)
		fputc('\n', f);
}
