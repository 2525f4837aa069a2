/* hvtrace stats FILE: exit statistics in the spirit of perf kvm stat. The
 * work is in analysis/ (scan, stats, stats_render); this file is the
 * command line. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <string.h>

#include "analysis/duration.h"
#include "analysis/live.h"
#include "analysis/progress.h"
#include "analysis/stats_render.h"
#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: hvtrace stats [OPTIONS] FILE\n\n"
	      "Exit statistics: one row per exit kind (or port, MMIO address, vCPU, arm64\n"
	      "system register or hypercall) with\n"
	      "  Samples    exits in the row          Samples%  share of all exits shown\n"
	      "  Time%      share of handling time    Min/Max/Avg time  handling time\n"
	      "  +- stddev  population stddev / avg   p50, p99  nearest-rank percentiles\n"
	      "  Rate/s     exits per second of wall time\n"
	      "Handling time is an exit's duration: from the exit to the next entry (VMM\n"
	      "work). Percentiles are exact for rows of <= 4096 exits, else within 0.8%.\n"
	      "The header gives the backend, vCPUs, wall time (first to last event),\n"
	      "guest time (last exec-time sample per vCPU, summed) and its share of wall\n"
	      "time, and any data lost to truncation.\n\n"
	      "  --by kind|port|address|vcpu|sysreg|hypercall  row key (port: 0x3f8:out,\n"
	      "                    address: 0xd0000000:read; arm64 sysreg: the MSR/MRS register,\n"
	      "                    CNTPCT_EL0:read or S3_0_C15_C0_0:write; hypercall: function\n"
	      "                    id (X0) and HVC immediate, 0x84000008 #0 PSCI_SYSTEM_OFF)\n"
	      "  --vcpu N          only exits of vCPU N\n"
	      "  --kind K          only exits of kind K (pio-in, pio-out, mmio-read, halt, ...)\n"
	      "  --from T, --to T  only exits with from <= time < to; T in ns since the trace's\n"
	      "                    time origin, suffixes ns, us, ms, s (\"1.5ms\")\n"
	      "  --exclude-halt    leave out halt exits (idle, not VMM work)\n"
	      "  -k, --sort samples|time|avg|max|p99  sort key, descending (default samples)\n"
	      "  --hist            add a log2 histogram of handling time per row\n"
	      "  --json            one JSON document (fields in docs/analysis.md): trace,\n"
	      "                    backend, by, vcpus, window_from_ns, window_to_ns, wall_ns,\n"
	      "                    guest_ns, guest_pct, exits, exits_per_s, truncated,\n"
	      "                    lost_bytes, lost_events, footer_missing, rows: [{key, kind\n"
	      "                    (--by kind), samples, samples_pct, time_pct, time_ns,\n"
	      "                    min_ns, max_ns, avg_ns, stddev_pct, p50_ns, p99_ns,\n"
	      "                    exact_percentiles, rate_per_s}], total: {same fields}\n"
	      "  --csv             header row, one row per key, then a \"total\" row; columns\n"
	      "                    key,samples,samples_pct,time_pct,time_ns,min_ns,max_ns,\n"
	      "                    avg_ns,stddev_pct,p50_ns,p99_ns,rate_per_s\n"
	      "  --threads N       decoding threads (default: one per CPU)\n"
	      "  --live            follow a trace being recorded, like kvm_stat: every\n"
	      "                    interval, per exit kind the total, its share, the rate\n"
	      "                    over the trace time added since the last refresh, and\n"
	      "                    the average handling time; redrawn in place on a\n"
	      "                    terminal, one block per refresh otherwise. Waits for\n"
	      "                    FILE to appear; follows FILE.PID.partial, which\n"
	      "                    `record -o FILE` writes until the trace is complete;\n"
	      "                    reads through a half-written last\n"
	      "                    chunk; ends by itself when the recording ends (footer\n"
	      "                    written, or every vCPU ended and the file stopped\n"
	      "                    growing), or on Ctrl-C. `hvtrace top FILE` is the same.\n"
	      "  --interval SEC    refresh period for --live (default 1, decimals allowed)\n\n"
	      "Exit status (also --live): 0; 2 when the trace is corrupt (the message names the offset);\n"
	      "64 for a bad command line; 66 when FILE cannot be read. A truncated trace\n"
	      "is analysed up to its last complete chunk and the loss is in the header.\n", f);
}

enum stats_output { OUT_TABLE, OUT_JSON, OUT_CSV };

struct stats_cli {
	struct an_scan_opts scan;
	enum an_sort sort;
	enum stats_output output;
	int hist;
	int live;
	uint64_t interval_ns;   /* --live refresh period */
	const char *path;
};

static int bad(const char *what, const char *arg)
{
	cli_err("stats: bad %s '%s' (see hvtrace stats --help)", what, arg);
	return HVT_EXIT_USAGE;
}

/* "1", "0.5": seconds, as kvm_stat's -d takes them. */
static int parse_seconds(const char *arg, uint64_t *out_ns)
{
	char *end;
	double sec = strtod(arg, &end);
	if (end == arg || *end || !(sec >= 0) || sec > 3600)
		return -1;
	*out_ns = (uint64_t)(sec * 1e9);
	return 0;
}

static int parse_opt(struct stats_cli *o, int c, const char *arg)
{
	uint64_t v;
	int i;
	switch (c) {
	case 'b':
		if ((i = an_by_from_name(arg)) < 0)
			return bad("--by", arg);
		o->scan.by = (enum an_by)i;
		return -1;
	case 'v':
		if (cli_parse_u64(arg, &v) != 0 || v >= HVT_MAX_STREAMS)
			return bad("--vcpu", arg);
		o->scan.filter.vcpu = (int64_t)v;
		return -1;
	case 'K':
		if ((o->scan.filter.kind = hvt_exit_kind_from_name(arg)) < 0)
			return bad("--kind", arg);
		return -1;
	case 'f':
		return an_parse_duration_ns(arg, &o->scan.filter.from_ns) ? bad("--from", arg) : -1;
	case 't':
		return an_parse_duration_ns(arg, &o->scan.filter.to_ns) ? bad("--to", arg) : -1;
	case 'k':
		if ((i = an_sort_from_name(arg)) < 0)
			return bad("sort key", arg);
		o->sort = (enum an_sort)i;
		return -1;
	case 'I':
		if (parse_seconds(arg, &v) != 0 && an_parse_duration_ns(arg, &v) != 0)
			return bad("--interval", arg);
		if (v < 10000000u || v > 3600000000000ull)
			return bad("--interval (10 ms .. 1 h)", arg);
		o->interval_ns = v;
		return -1;
	case 'T':
		if (cli_parse_u64(arg, &v) != 0 || v < 1 || v > 64)
			return bad("--threads", arg);
		o->scan.threads = (unsigned)v;
		return -1;
	}
	return -1;
}

static int live_options_ok(const struct stats_cli *o)
{
	const struct an_filter *f = &o->scan.filter;
	return o->scan.by == AN_BY_KIND && o->output == OUT_TABLE && !o->hist && f->vcpu < 0 &&
	       f->kind < 0 && f->from_ns == 0 && f->to_ns == UINT64_MAX && !f->exclude_halt;
}

static int parse(int argc, char **argv, struct stats_cli *o)
{
	static const struct option longopts[] = {
		{"by", required_argument, NULL, 'b'},     {"vcpu", required_argument, NULL, 'v'},
		{"kind", required_argument, NULL, 'K'},   {"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},     {"exclude-halt", no_argument, NULL, 'x'},
		{"sort", required_argument, NULL, 'k'},   {"hist", no_argument, NULL, 'H'},
		{"json", no_argument, NULL, 'j'},         {"csv", no_argument, NULL, 'c'},
		{"threads", required_argument, NULL, 'T'}, {"live", no_argument, NULL, 'L'},
		{"interval", required_argument, NULL, 'I'}, {"help", no_argument, NULL, 'h'}, {0}};
	int c, rc;
	*o = (struct stats_cli){.scan = {.filter = AN_FILTER_ALL}, .interval_ns = 1000000000u};
	while ((c = getopt_long(argc, argv, "hk:", longopts, NULL)) != -1) {
		if ((rc = cli_help_or_bad_option(c, usage)) >= 0)
			return rc;
		if (c == 'x')
			o->scan.filter.exclude_halt = 1;
		else if (c == 'H')
			o->hist = 1;
		else if (c == 'L')
			o->live = 1;
		else if (c == 'j' || c == 'c')
			o->output = c == 'j' ? OUT_JSON : OUT_CSV;
		else if ((rc = parse_opt(o, c, optarg)) >= 0)
			return rc;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return HVT_EXIT_USAGE;
	}
	if (o->scan.filter.from_ns >= o->scan.filter.to_ns) {
		cli_err("stats: --from must be before --to");
		return HVT_EXIT_USAGE;
	}
	o->path = argv[optind];
	if (o->live && !live_options_ok(o)) {
		cli_err("stats: --live shows per-kind rates of the whole trace; it takes only "
			"--interval");
		return HVT_EXIT_USAGE;
	}
	return -1;
}

static void render(const struct stats_cli *o, const struct an_stats *s, hvt_reader *r)
{
	const char *backend = "unknown";
	hvt_reader_meta_get(r, "backend", &backend, NULL);
	struct an_trace_label label = {o->path, backend};
	if (o->output == OUT_JSON) {
		an_stats_print_json(stdout, s, &label);
	} else if (o->output == OUT_CSV) {
		an_stats_print_csv(stdout, s);
	} else {
		an_stats_print_header(stdout, s, &label);
		an_stats_print_table(stdout, s);
		if (o->hist)
			an_stats_print_hist(stdout, s);
	}
}

static volatile sig_atomic_t live_stop;

static void on_stop_signal(int sig)
{
	(void)sig;
	live_stop = 1;
}

/* Sleeps up to ns, returning early on Ctrl-C (no SA_RESTART). */
static void live_sleep(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
	if (!live_stop)
		nanosleep(&ts, NULL);
}

/* --live: poll, draw, sleep, until the recording ends or Ctrl-C. */
static int stats_live(const char *path, uint64_t interval_ns)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	struct an_live l;
	char msg[320];
	int tty = isatty(STDOUT_FILENO), rc = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	an_live_init(&l, path);
	for (;;) {
		if ((rc = an_live_poll(&l, msg, sizeof(msg))) != 0)
			break;
		an_live_print(stdout, &l, tty, live_stop);
		fflush(stdout);
		if (l.state == AN_LIVE_ENDED || live_stop)
			break;
		live_sleep(interval_ns);
	}
	an_live_free(&l);
	if (rc) {
		cli_err("%s: %s", path, msg);
		return rc == HVT_E_NOMEM ? HVT_EXIT_SOFTWARE : 2;
	}
	return 0;
}

int hvt_cmd_stats(int argc, char **argv)
{
	struct stats_cli o;
	struct an_progress prog;
	struct an_stats s;
	char msg[320];
	hvt_reader *r;
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.live)
		return stats_live(o.path, o.interval_ns);
	if ((rc = cli_open_trace(o.path, &r)) != 0)
		return rc;
	an_progress_init(&prog, "stats");
	o.scan.progress = an_progress_update;
	o.scan.progress_ctx = &prog;
	rc = an_stats_compute(r, &o.scan, o.sort, &s, msg, sizeof(msg));
	an_progress_done(&prog);
	if (rc) {
		cli_err("%s: %s", o.path, msg);
		hvt_reader_close(r);
		return rc == HVT_E_NOMEM ? HVT_EXIT_SOFTWARE : 2;
	}
	render(&o, &s, r);
	an_stats_free(&s);
	hvt_reader_close(r);
	return 0;
}


/* `hvtrace top [OPTIONS] FILE` = `hvtrace stats --live [OPTIONS] FILE`. */
int hvt_cmd_top(int argc, char **argv)
{
	char *args[64];
	if (argc < 1 || argc > 62) {
		cli_err("top: too many arguments");
		return HVT_EXIT_USAGE;
	}
	args[0] = argv[0];
	args[1] = (char *)"--live";
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	args[argc + 1] = NULL;
	return hvt_cmd_stats(argc + 1, args);
}
