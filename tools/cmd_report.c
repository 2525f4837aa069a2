/* hvtrace report FILE [B]: one self-contained HTML page (analysis/report*.c).
 * The page is written to a temporary file beside its destination and then
 * linked into place, so an existing file is never overwritten unless
 * --force says so, and never left half-written. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/losses.h"
#include "analysis/progress.h"
#include "analysis/report.h"
#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: hvtrace report [OPTIONS] FILE [B]\n\n"
	      "Writes one self-contained HTML page (no network: it opens from disk) showing\n"
	      "where the time goes: a summary (wall time, exits, exit rate, guest time),\n"
	      "the exit rate over time per vCPU stacked by kind with interrupts and\n"
	      "markers, the exits by kind with p50/p99, a log-axis histogram of handling\n"
	      "time per kind, the top ports and MMIO addresses, on arm64 the exception\n"
	      "classes and system registers, and a per-vCPU table. The figures are those\n"
	      "of `hvtrace stats --json` (--by kind, port, address, vcpu) of the same trace.\n"
	      "With two traces the page puts A and B side by side and marks changes of\n"
	      "10% or more. The trace is read once, in parallel; the page holds only\n"
	      "aggregates (a few hundred KiB whatever the trace's length).\n\n"
	      "  -o, --output OUT  the page (default: FILE with .html for .hvt, or\n"
	      "                    A-vs-B.html for two traces; \"-\" is stdout)\n"
	      "  -f, --force       replace OUT if it exists (default: refuse)\n"
	      "  --threads N       decoding threads (default: one per CPU)\n\n"
	      "Exit status: 0; 2 when a trace is corrupt (the message names the offset);\n"
	      "64 bad command line; 66 a trace unreadable or OUT not writable; 73 OUT\n"
	      "exists (use --force). A truncated trace is shown up to its last complete\n"
	      "chunk, and the page says what was lost.\n", f);
}

#define HVT_EXIT_CANTCREAT 73 /* sysexits EX_CANTCREAT: OUT exists */

struct report_cli {
	const char *paths[2];
	unsigned ntraces;
	const char *out_path;   /* NULL: derived from the traces */
	int force;
	unsigned threads;
	char out_buf[4096];
};

static int parse(int argc, char **argv, struct report_cli *o)
{
	static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
		{"force", no_argument, NULL, 'f'}, {"threads", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'}, {0}};
	uint64_t v;
	int c, rc;
	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "ho:f", longopts, NULL)) != -1) {
		if ((rc = cli_help_or_bad_option(c, usage)) >= 0)
			return rc;
		if (c == 'o') {
			o->out_path = optarg;
		} else if (c == 'f') {
			o->force = 1;
		} else if (cli_parse_u64(optarg, &v) != 0 || v < 1 || v > 64) {
			cli_err("report: bad --threads '%s'", optarg);
			return HVT_EXIT_USAGE;
		} else {
			o->threads = (unsigned)v;
		}
	}
	if (argc - optind < 1 || argc - optind > 2) {
		usage(stderr);
		return HVT_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++)
		o->paths[o->ntraces++] = argv[i];
	return -1;
}

/* "dir/demo.hvt" -> "dir/demo"; "x" -> "x". */
static size_t stem_len(const char *path)
{
	size_t n = strlen(path);
	return n > 4 && strcmp(path + n - 4, ".hvt") == 0 ? n - 4 : n;
}

static int default_out(struct report_cli *o)
{
	const char *a = o->paths[0];
	int n;
	if (o->ntraces == 1) {
		n = snprintf(o->out_buf, sizeof(o->out_buf), "%.*s.html", (int)stem_len(a), a);
	} else {
		const char *b = strrchr(o->paths[1], '/');
		b = b ? b + 1 : o->paths[1];
		n = snprintf(o->out_buf, sizeof(o->out_buf), "%.*s-vs-%.*s.html", (int)stem_len(a), a,
			     (int)stem_len(b), b);
	}
	if (n < 0 || (size_t)n >= sizeof(o->out_buf)) {
		cli_err("report: output path too long; use -o");
		return HVT_EXIT_USAGE;
	}
	o->out_path = o->out_buf;
	return -1;
}

static int compute(const struct report_cli *o, unsigned i, struct an_report *rep)
{
	hvt_reader *r;
	struct an_progress prog;
	char msg[320];
	int rc = cli_open_trace(o->paths[i], &r);
	if (rc)
		return rc;
	an_note_losses(stderr, r, o->paths[i]);
	an_progress_init(&prog, "report");
	rc = an_report_compute(r, o->paths[i], o->threads, rep, msg, sizeof(msg));
	an_progress_done(&prog);
	hvt_reader_close(r);
	if (rc) {
		cli_err("%s: %s", o->paths[i], msg);
		return rc == HVT_E_NOMEM ? HVT_EXIT_SOFTWARE : 2;
	}
	return 0;
}

/* Writes the page to a temporary file beside out_path and moves it into
 * place: link() refuses an existing file atomically; --force renames over. */
static int write_page(const struct report_cli *o, const struct an_report *const *reps)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", o->out_path);
	int fd = mkstemp(tmp);
	mode_t mask = umask(0);
	umask(mask);
	if (fd >= 0) /* mkstemp makes 0600; a page is as readable as any new file */
		(void)fchmod(fd, 0666 & ~mask);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		cli_err("report: cannot create %s: %s", o->out_path, strerror(errno));
		if (fd >= 0)
			close(fd), unlink(tmp);
		return HVT_EXIT_NOINPUT;
	}
	int err = an_report_write_html(f, reps, o->ntraces);
	if (fclose(f) != 0 || err) {
		cli_err("report: writing %s failed", o->out_path);
		unlink(tmp);
		return HVT_EXIT_NOINPUT;
	}
	int moved = o->force ? rename(tmp, o->out_path) : link(tmp, o->out_path);
	int why = errno;
	if (!o->force || moved != 0)
		unlink(tmp);
	if (moved == 0)
		return 0;
	if (why == EEXIST) {
		cli_err("report: %s exists; not overwriting it (use --force, or -o another name)",
			o->out_path);
		return HVT_EXIT_CANTCREAT;
	}
	cli_err("report: cannot create %s: %s", o->out_path, strerror(why));
	return HVT_EXIT_NOINPUT;
}

static int emit(const struct report_cli *o, const struct an_report *const *reps)
{
	if (strcmp(o->out_path, "-") != 0) {
		int rc = write_page(o, reps);
		if (rc == 0)
			fprintf(stderr, "hvtrace: report written to %s\n", o->out_path);
		return rc;
	}
	int err = an_report_write_html(stdout, reps, o->ntraces);
	if (fflush(stdout) != 0 || err) {
		cli_err("report: writing to stdout failed");
		return HVT_EXIT_NOINPUT;
	}
	return 0;
}

int hvt_cmd_report(int argc, char **argv)
{
	struct report_cli o;
	struct an_report *reps = NULL;
	int rc = parse(argc, argv, &o);
	if (rc < 0 && !o.out_path)
		rc = default_out(&o);
	if (rc >= 0)
		return rc;
	/* Refuse before the (possibly long) scan when the answer is known. */
	if (!o.force && strcmp(o.out_path, "-") != 0 && access(o.out_path, F_OK) == 0) {
		cli_err("report: %s exists; not overwriting it (use --force, or -o another name)",
			o.out_path);
		return HVT_EXIT_CANTCREAT;
	}
	if (!(reps = calloc(o.ntraces, sizeof(*reps)))) {
		cli_err("report: out of memory");
		return HVT_EXIT_SOFTWARE;
	}
	unsigned done;
	for (done = 0; done < o.ntraces; done++)
		if ((rc = compute(&o, done, &reps[done])) != 0)
			break;
	if (done == o.ntraces) {
		const struct an_report *ptrs[2] = {&reps[0], o.ntraces > 1 ? &reps[1] : NULL};
		rc = emit(&o, ptrs);
	}
	for (unsigned i = 0; i < done; i++)
		an_report_free(&reps[i]);
	free(reps);
	return rc;
}
