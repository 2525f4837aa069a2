/* hvtrace replay FILE: re-execute a recorded guest from its trace alone and
 * stop at the first divergence (the engine is replay/replay.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "gdb.h"
#include "hvtrace/meta.h"
#include "replay.h"

/* Exit statuses of replay (beyond the shared ones in cli.h). */
#define REPLAY_EXIT_CORRUPT 2
#define REPLAY_EXIT_REFUSED 65   /* EX_DATAERR: the trace cannot be replayed */
#define REPLAY_EXIT_NO_KVM 69    /* EX_UNAVAILABLE */
#define REPLAY_EXIT_DIVERGED 86

static void usage(FILE *f)
{
	fprintf(f, "usage: hvtrace replay [--stop-at N] [--landing=bp|step] [-q] FILE\n"
	      "       hvtrace replay --gdb [HOST:]PORT [--gdb-allow-remote] FILE\n"
	      "       hvtrace replay --extract-image OUT FILE\n\n"
	      "Re-executes the guest recorded in FILE from the trace alone (image, memory\n"
	      "size, vCPUs, CPUID and entry state are rebuilt from it) on the backend that\n"
	      "recorded it: KVM for x86-64, Hypervisor.framework for arm64 (on Linux its\n"
	      "stand-in). Every port/MMIO read, arm64 MRS and hypercall gets the recorded\n"
	      "value, every write and exit is compared with the recording,\n"
	      "recorded interrupts are injected where they landed; nothing is read from the\n"
	      "host (no clock, entropy, console input). The guest's console output goes to\n"
	      "stdout and is byte-identical to the recording's when replay succeeds. At the\n"
	      "first difference every vCPU stops and a report goes to stderr: vCPU, event\n"
	      "number, each differing field (expected vs actual), the last 10 events of\n"
	      "that vCPU and its registers.\n\n"
	      "  --stop-at N        stop once event N of vCPU 0 (the #N of `hvtrace dump`, its\n"
	      "                     sequence number in vCPU 0's stream) has been replayed and\n"
	      "                     print vCPU 0's registers; exit 0\n"
	      "  --landing=bp       land asynchronous interrupts with a hardware breakpoint at\n"
	      "                     the recorded PC, comparing all registers (x86-64: 18,\n"
	      "                     arm64: 34) at each hit\n"
	      "                     (default; falls back to step if breakpoints are refused)\n"
	      "  --landing=step     single-step and compare after every instruction (slow)\n"
	      "  -q, --quiet        no summary line\n"
	      "  --gdb [HOST:]PORT  serve the replay to gdb or lldb (gdb remote protocol) on\n"
	      "                     HOST (default 127.0.0.1; PORT 0 = any free port), one\n"
	      "                     connection; prints the gdb and lldb command lines. Breakpoints,\n"
	      "                     watchpoints (write, read, access), steps,\n"
	      "                     Ctrl-C, reverse execution, monitor commands (monitor\n"
	      "                     help); x86-64 traces (KVM) and arm64 traces (HVF:\n"
	      "                     gdb-multiarch or lldb). See docs/debugging.md\n"
	      "  --gdb-allow-remote serve on a HOST that is not a loopback address (anyone who\n"
	      "                     can connect reads and writes guest memory)\n"
	      "  --extract-image OUT  write the guest image embedded in FILE to OUT (for the\n"
	      "                     debugger's symbols); refuses to overwrite OUT\n\n"
	      "Limits: vCPUs are replayed independently. No order of accesses to shared\n"
	      "memory is recorded, so vCPUs that interact through memory can diverge. An\n"
	      "interrupt lands at the first point where PC and registers equal the recorded\n"
	      "ones. A recording stopped by --timeout or Ctrl-C replays successfully when its\n"
	      "events are exhausted; a cut trace (no END event) replays to its last event.\n\n"
	      "Exit status: as the recording's when replay matches it (the guest's exit code\n"
	      "on power-off, 124 timeout, 130 interrupted, 125 shutdown or bad access);\n"
	      "0 after --stop-at or for a cut trace; %d on a divergence; %d when the trace\n"
	      "cannot be replayed (not hvtrace's VMM, inconsistent image or configuration,\n"
	      "other CPUID); %d when the trace is corrupt; %d without a usable hypervisor\n"
	      "(/dev/kvm, or the HVF backend for an arm64 trace);\n"
	      "%d when FILE cannot be opened; %d for a bad command line; %d internal error.\n",
	      REPLAY_EXIT_DIVERGED, REPLAY_EXIT_REFUSED, REPLAY_EXIT_CORRUPT, REPLAY_EXIT_NO_KVM,
	      HVT_EXIT_NOINPUT, HVT_EXIT_USAGE, HVT_EXIT_SOFTWARE);
}

struct cli_replay {
	struct hvt_replay_opts o;
	int quiet;
	const char *path;
	const char *gdb;          /* --gdb [HOST:]PORT */
	int gdb_allow_remote;
	const char *extract;      /* --extract-image OUT */
};

static int parse_landing(const char *s, int *out)
{
	if (strcmp(s, "bp") == 0)
		*out = HVT_LANDING_BP;
	else if (strcmp(s, "step") == 0)
		*out = HVT_LANDING_STEP;
	else
		return -1;
	return 0;
}

static int parse_opt(struct cli_replay *c, int opt, const char *arg)
{
	switch (opt) {
	case 's':
		if (cli_parse_u64(arg, &c->o.stop_at_seq) != 0) {
			cli_err("replay: --stop-at wants an event number, not '%s'", arg);
			return HVT_EXIT_USAGE;
		}
		c->o.stop_at_set = 1;
		return 0;
	case 'l':
		if (parse_landing(arg, &c->o.landing) != 0) {
			cli_err("replay: --landing is bp or step, not '%s'", arg);
			return HVT_EXIT_USAGE;
		}
		return 0;
	case 'q':
		c->quiet = 1;
		return 0;
	case 'g':
		c->gdb = arg;
		return 0;
	case 'R':
		c->gdb_allow_remote = 1;
		return 0;
	case 'x':
		c->extract = arg;
		return 0;
	default:
		usage(stderr);
		return HVT_EXIT_USAGE;
	}
}

/* -1: go on; else the exit status. */
static int parse(int argc, char **argv, struct cli_replay *c)
{
	static const struct option longopts[] = {
		{"stop-at", required_argument, NULL, 's'}, {"landing", required_argument, NULL, 'l'},
		{"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'},
		{"gdb", required_argument, NULL, 'g'}, {"gdb-allow-remote", no_argument, NULL, 'R'},
		{"extract-image", required_argument, NULL, 'x'}, {0}};
	int opt, rc;

	memset(c, 0, sizeof(*c));
	c->o = HVT_OPTS(hvt_replay_opts, .report = stderr, .print_event = cli_print_event);
	while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return 0;
		}
		if ((rc = parse_opt(c, opt, optarg)) != 0)
			return rc;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return HVT_EXIT_USAGE;
	}
	c->path = argv[optind];
	return -1;
}

static int status_for(const struct hvt_replay_result *res)
{
	switch (res->outcome) {
	case HVT_REPLAY_OK: return cli_status_for_end(res->end_reason, res->exit_code);
	case HVT_REPLAY_CUT:
	case HVT_REPLAY_STOPPED: return 0;
	case HVT_REPLAY_DIVERGED: return REPLAY_EXIT_DIVERGED;
	case HVT_REPLAY_REFUSED: return REPLAY_EXIT_REFUSED;
	case HVT_REPLAY_CORRUPT: return REPLAY_EXIT_CORRUPT;
	case HVT_REPLAY_NO_KVM: return REPLAY_EXIT_NO_KVM;
	default: return HVT_EXIT_SOFTWARE;
	}
}

static void describe_end(const struct hvt_replay_result *res)
{
	if (res->outcome == HVT_REPLAY_OK && res->end_reason == HVT_END_POWEROFF)
		fprintf(stderr, "guest exited with %d as recorded", res->exit_code);
	else if (res->outcome == HVT_REPLAY_OK && res->end_reason >= 0)
		fprintf(stderr, "run ended as recorded: %s",
			hvt_end_reason_name((unsigned)res->end_reason));
	else if (res->outcome == HVT_REPLAY_OK)
		fputs("all streams replayed", stderr);
	else
		fputs(res->msg, stderr);
}

/* Landing details only when something landed: most guests need none. */
static void summarize(const struct hvt_replay_result *res)
{
	char t[32], l[32], f[32];

	fprintf(stderr, "hvtrace: replayed %" PRIu64 " events (%" PRIu64 " exits, %" PRIu64
		" interrupts at exits, %" PRIu64 " landed asynchronously", res->events, res->exits,
		res->irqs_at_exit, res->irqs_landed);
	if (res->irqs_landed)
		fprintf(stderr, " in %s: %" PRIu64 " breakpoint hits stepped over, %" PRIu64
			" single steps", an_fmt_span(l, sizeof(l), res->landing_ns),
			res->bp_hits_stepped, res->steps);
	if (res->slices)
		fprintf(stderr, ", %" PRIu64 " time slices", res->slices);
	if (res->fp_taken)
		fprintf(stderr, ", %" PRIu64 " memory fingerprints (%" PRIu64 " differed) in %s",
			res->fp_taken, res->fp_mismatched, an_fmt_span(f, sizeof(f), res->fp_ns));
	fprintf(stderr, ") in %s; ", an_fmt_span(t, sizeof(t), res->wall_ns));
	describe_end(res);
	fputc('\n', stderr);
}

/* --extract-image: the embedded image, never over an existing file. */
static int extract_image(hvt_reader *r, const char *out)
{
	const uint8_t *img;
	size_t len, done = 0;
	int fd;

	if (hvt_reader_blob(r, HVT_BLOB_GUEST_IMAGE, &img, &len) != 0) {
		cli_err("replay: the trace holds no readable guest image: %s", hvt_reader_error(r));
		return REPLAY_EXIT_CORRUPT;
	}
	fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		cli_err("replay: cannot create %s: %s", out, strerror(errno));
		return HVT_EXIT_IOERR;
	}
	while (done < len) {
		ssize_t w = write(fd, img + done, len - done);
		if (w <= 0) {
			cli_err("replay: writing %s failed: %s", out, strerror(errno));
			close(fd);
			return HVT_EXIT_IOERR;
		}
		done += (size_t)w;
	}
	if (close(fd) != 0) {
		cli_err("replay: writing %s failed: %s", out, strerror(errno));
		return HVT_EXIT_IOERR;
	}
	fprintf(stderr, "hvtrace: wrote the guest image (%zu bytes) to %s\n", len, out);
	return 0;
}

/* [HOST:]PORT */
static int parse_endpoint(const char *s, char *host, size_t host_len, unsigned *port)
{
	const char *colon = strrchr(s, ':');
	uint64_t p;

	if (colon && (size_t)(colon - s) >= host_len)
		return -1;
	if (colon)
		snprintf(host, host_len, "%.*s", (int)(colon - s), s);
	else
		snprintf(host, host_len, "127.0.0.1");
	if (cli_parse_u64(colon ? colon + 1 : s, &p) != 0 || p > 65535)
		return -1;
	*port = (unsigned)p;
	return 0;
}

static int serve_gdb(struct cli_replay *c, hvt_reader *r, struct hvt_replay_result *res)
{
	struct hvt_gdb_opts o = { .sz = sizeof(o) };
	char host[256];
	int rc;

	if (parse_endpoint(c->gdb, host, sizeof(host), &o.port) != 0) {
		cli_err("replay: --gdb wants [HOST:]PORT, not '%s'", c->gdb);
		return HVT_EXIT_USAGE;
	}
	o.host = host;
	o.allow_remote = c->gdb_allow_remote;
	o.log = stderr;
	o.print_event = cli_print_event;
	rc = hvt_replay_gdb(r, &o, res);
	if (rc == HVT_E_INVAL)
		return HVT_EXIT_USAGE;
	if (rc < 0) {
		cli_err("replay: %s", hvt_strerror(rc));
		return HVT_EXIT_SOFTWARE;
	}
	if (res->outcome > HVT_REPLAY_DIVERGED) {
		cli_err("replay: %s", res->msg);
		return status_for(res);
	}
	fprintf(stderr, "hvtrace: gdb session ended%s%s\n", res->msg[0] ? ": " : "", res->msg);
	return res->outcome == HVT_REPLAY_DIVERGED ? REPLAY_EXIT_DIVERGED : 0;
}

/* Several vCPUs recorded with --parallel: a divergence is then most likely
 * their unrecorded order of shared-memory accesses, and the user is told. */
static int recorded_parallel(hvt_reader *r)
{
	const char *v;

	return hvt_reader_meta_get(r, HVT_META_VCPU_SCHEDULE, &v, NULL) == 0 &&
	       strcmp(v, HVT_SCHEDULE_PARALLEL) == 0;
}

int hvt_cmd_replay(int argc, char **argv)
{
	struct cli_replay c;
	struct hvt_replay_result res;
	hvt_reader *r = NULL;
	int rc = parse(argc, argv, &c);

	if (rc >= 0)
		return rc;
	if ((rc = cli_open_trace(c.path, &r)) != 0)
		return rc;
	if (c.extract || c.gdb) {
		rc = c.extract ? extract_image(r, c.extract) : serve_gdb(&c, r, &res);
		hvt_reader_close(r);
		return rc;
	}
	rc = hvt_replay_run(r, &c.o, &res);
	int parallel = recorded_parallel(r);
	hvt_reader_close(r);
	if (rc < 0) {
		cli_err("replay: %s", hvt_strerror(rc));
		return HVT_EXIT_SOFTWARE;
	}
	if (res.fell_back_to_step)
		cli_err("replay: hardware breakpoints were refused; landed interrupts by single step");
	/* A replay that ran gets the summary line (always when it says why it
	 * did not match); one that could not start gets the reason only. */
	if (res.outcome > HVT_REPLAY_DIVERGED)
		cli_err("replay: %s", res.msg);
	else if (!c.quiet || res.outcome == HVT_REPLAY_DIVERGED || res.outcome == HVT_REPLAY_CUT)
		summarize(&res);
	if (res.outcome == HVT_REPLAY_DIVERGED && res.counter_hz_recorded && res.counter_hz_here &&
	    res.counter_hz_recorded != res.counter_hz_here)
		cli_err("replay: the trace was recorded with a %" PRIu64 " Hz counter (CNTFRQ_EL0), "
			"this host's runs at %" PRIu64 " Hz: a guest that reads it computes other "
			"values here", res.counter_hz_recorded, res.counter_hz_here);
	if (res.outcome == HVT_REPLAY_DIVERGED && parallel)
		cli_err("replay: this trace was recorded with --parallel: vCPUs that share memory "
			"replay only from a serialized recording (the default; docs/replay.md)");
	return status_for(&res);
}
