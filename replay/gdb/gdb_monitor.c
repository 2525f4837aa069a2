/* monitor commands (qRcmd), in the spirit of rr's: where are we, what
 * comes next, go to an event, bookmarks, physical memory, the divergence. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gdb_internal.h"

struct text {
	char *buf;
	size_t len;
	FILE *f;
};

static const char help_text[] =
	"hvtrace monitor commands:\n"
	"  when                 the current event number, vCPU, recorded time and PC\n"
	"  events [N]           the next N recorded events (default 10)\n"
	"  goto EVENT           replay to just before event EVENT (0 = the start)\n"
	"  checkpoint           bookmark the current position (restart N returns)\n"
	"  restart [N]          back to bookmark N, or to the start\n"
	"  checkpoints          automatic checkpoints and their memory\n"
	"  phys on|off          memory packets use guest-physical addresses\n"
	"  divergence           the divergence report, if replay diverged\n"
	"After goto or restart, run `maint flush register-cache` in gdb.\n";

static void when(struct hvt_gdb *s, FILE *f)
{
	unsigned v = s->here.mid ? s->here.vcpu : s->cur;
	const struct hvt_rvcpu *rv = &s->rp.vcpus[v];
	hvt_regs r;

	fprintf(f, "event %" PRIu64 " of %" PRIu64 " (%s it)\n", s->here.g, s->total_events,
		s->here.mid ? "replaying" : "before");
	fprintf(f, "vCPU %u: %" PRIu64 " of its events replayed", v, rv->next_seq);
	if (s->next_ev[v])
		fprintf(f, "; next #%" PRIu64 " at recorded time %" PRIu64 " ns",
			s->next_ev[v]->seq, s->next_ev[v]->time_ns);
	if (gdb_regs_of(s, v, &r) == 0)
		fprintf(f, "; pc 0x%" PRIx64, gdb_pc(s, &r));
	fprintf(f, "\n");
}

static void print_plain(FILE *f, const hvt_event *ev)
{
	fprintf(f, "vCPU %u #%" PRIu64 " type %u kind %u addr 0x%" PRIx64 " value 0x%" PRIx64,
		ev->stream, ev->seq, ev->type, ev->kind, ev->addr, ev->value);
}

/* The merged order is the driver's order (time, then vCPU): event g is the
 * g-th of a fresh merged iteration. */
static void events(struct hvt_gdb *s, FILE *f, uint64_t n)
{
	hvt_replay_print_fn print = s->o.print_event ? s->o.print_event : print_plain;
	const hvt_event *ev;
	uint64_t i = 0;

	if (hvt_reader_rewind(s->rp.r) != 0)
		return;
	while (i < s->here.g + n && hvt_reader_next(s->rp.r, &ev) == 1) {
		if (i >= s->here.g) {
			fprintf(f, "%" PRIu64 ": ", i);
			print(f, ev);
			fputc('\n', f);
		}
		i++;
	}
	if (i < s->here.g + n)
		fprintf(f, "(end of the trace)\n");
}

static void checkpoints(struct hvt_gdb *s, FILE *f)
{
	fprintf(f, "%zu checkpoints, %.1f MiB (limit %.1f MiB), %" PRIu64 " taken, %" PRIu64
		" merged; last reverse move %.3f s\n", s->ck.n, (double)s->ck.bytes / 1048576.0,
		(double)s->ck.limit_bytes / 1048576.0, s->ck.taken, s->ck.merged,
		(double)s->reverse_ns_last / 1e9);
	for (size_t i = 0; i < s->ck.n; i++)
		fprintf(f, "  #%zu at event %" PRIu64 ": %zu pages\n", i, s->ck.c[i].g,
			s->ck.c[i].n_pages);
}

static int parse_u64(const char *a, uint64_t *v)
{
	char *end;

	if (!a || !*a)
		return -1;
	*v = strtoull(a, &end, 0);
	return *end ? -1 : 0;
}

/* 1 when the command moves the replay (the reply comes on arrival). */
static int run_cmd(struct hvt_gdb *s, char *verb, char *arg, FILE *f)
{
	uint64_t n = UINT64_MAX;

	if (strcmp(verb, "when") == 0)
		when(s, f);
	else if (strcmp(verb, "events") == 0)
		events(s, f, parse_u64(arg, &n) == 0 && n > 0 && n < 100000 ? n : 10);
	else if (strcmp(verb, "checkpoints") == 0)
		checkpoints(s, f);
	else if (strcmp(verb, "goto") == 0) {
		if (parse_u64(arg, &n) != 0 || n > s->total_events) {
			fprintf(f, "goto wants an event number 0..%" PRIu64 "\n", s->total_events);
			return -1;
		}
		s->req_event = n;
		s->request = REQ_GOTO_EVENT;
		return 1;
	} else if (strcmp(verb, "checkpoint") == 0) {
		if (s->n_user_ckpt == GDB_MAX_USER_CKPT) {
			fprintf(f, "at most %u bookmarks\n", GDB_MAX_USER_CKPT);
			return -1;
		}
		gdb_pos_hash(s, &s->here);
		s->user_ckpt[s->n_user_ckpt] = s->here;
		fprintf(f, "checkpoint %u at event %" PRIu64 "\n", s->n_user_ckpt++, s->here.g);
	} else if (strcmp(verb, "restart") == 0) {
		s->req_event = parse_u64(arg, &n) == 0 ? n : UINT64_MAX;
		if (arg && *arg && n >= s->n_user_ckpt) {
			fprintf(f, "no checkpoint %s\n", arg);
			return -1;
		}
		s->request = REQ_RESTART;
		return 1;
	} else if (strcmp(verb, "phys") == 0) {
		s->physical = arg && strcmp(arg, "on") == 0;
		fprintf(f, "memory addresses are %s\n", s->physical ? "physical" : "virtual");
	} else if (strcmp(verb, "divergence") == 0) {
		fputs(s->rp.report ? s->rp.report : "replay has not diverged\n", f);
	} else {
		fputs(help_text, f);
		return strcmp(verb, "help") == 0 ? 0 : -1;
	}
	return 0;
}

int gdb_monitor(struct hvt_gdb *s, const char *cmd, char **out)
{
	char line[512], *save = NULL, *verb, *arg;
	size_t len = 0;
	FILE *f = open_memstream(out, &len);
	int rc;

	if (!f)
		return -1;
	snprintf(line, sizeof(line), "%s", cmd);
	verb = strtok_r(line, " \t", &save);
	arg = strtok_r(NULL, " \t", &save);
	rc = run_cmd(s, verb ? verb : "help", arg, f);
	fclose(f);
	return rc;
}
