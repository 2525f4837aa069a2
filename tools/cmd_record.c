/* hvtrace record [OPTIONS] [GUEST]: record a guest on the built-in VMM. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hvt_guest_abi.h"
#include "record_session.h"
#include "record_command.h"
#include "trace_output.h"

#define DEFAULT_OUT "hvtrace.hvt"
#define DEFAULT_UNTIL_FAILURE_RUNS 100
#define MAX_IMAGE_BYTES (256u << 20)

static void usage(FILE *f)
{
	fputs("usage: hvtrace record [OPTIONS] [GUEST]\n"
	      "       hvtrace record [-o FILE] [-q] -- COMMAND [ARGS...]\n\n"
	      "Runs GUEST (an ELF64 or flat x86-64 or arm64 image built against\n"
	      "docs/guest-abi.md; default: the embedded demo guest of the backend) on\n"
	      "hvtrace's own VMM over KVM (x86-64) or Hypervisor.framework (arm64; on\n"
	      "Linux its Unicorn-based stand-in) and records\n"
	      "every exit with its handling time, every value a device hands the guest\n"
	      "(port and MMIO reads, clock, entropy, console input), every interrupt and\n"
	      "where it landed, timer events and exec-time samples, plus the guest image,\n"
	      "CPUID and configuration, so the trace alone can be replayed. The guest's\n"
	      "console goes to stdout; hvtrace's messages to stderr.\n\n"
	      "  -o, --output FILE       trace file (default " DEFAULT_OUT "); see below\n"
	      "      --backend B         auto, kvm or hvf (default auto: an AArch64 ELF runs on\n"
	      "                          hvf, an x86-64 ELF on kvm, a flat image or the demo on\n"
	      "                          this platform's own: kvm on Linux, hvf on macOS)\n"
	      "      --vcpus N           vCPUs, 1..64 (default 1); one stream each. Several\n"
	      "                          vCPUs run one at a time and the schedule is recorded,\n"
	      "                          so guests that share memory replay (docs/replay.md)\n"
	      "      --parallel          run several vCPUs at once: faster, but vCPUs that\n"
	      "                          share memory may not replay\n"
	      "      --slice MS          one-at-a-time vCPUs: a vCPU's time slice in ms\n"
	      "                          (0.1..10000, decimals allowed; default 1)\n"
	      "      --mem SIZE          guest memory, 4M..3G in steps of 2M (default 16M)\n"
	      "      --timeout SEC       stop the guest after SEC seconds (decimals allowed)\n"
	      "      --until-failure[=MAX]\n"
	      "                          record again until the guest exits nonzero or ends\n"
	      "                          abnormally (at most MAX runs, default 100); keep\n"
	      "                          only that failing trace\n"
	      "      --format FMT        guest image format: elf or flat (default auto: the\n"
	      "                          file must be ELF; raw code needs --format flat)\n"
	      "      --level N           zstd level, 1..19, or -1 to store (default 1)\n"
	      "  -q, --quiet             no summary line\n\n"
	      "Options may come before or after GUEST; only -- ends them. Numbers are\n"
	      "decimal; --until-failure takes MAX as --until-failure=MAX or a separate word.\n\n"
	      "No trace is overwritten: the trace is written to FILE.PID.partial beside FILE\n"
	      "and renamed to FILE when complete; an existing FILE is kept as FILE.old (an\n"
	      "older FILE.old is replaced, and the message says so). A run that records\n"
	      "nothing leaves FILE as it was; a recording killed with SIGKILL leaves its\n"
	      "FILE.PID.partial, readable up to its last flush.\n\n"
	      "Ctrl-C or SIGTERM stops the guest and leaves a complete trace; during\n"
	      "--until-failure it stops the loop, keeps no trace, and says how many runs\n"
	      "passed.\n\n"
	      "Exit status: the guest's exit code when it powered off; 124 on --timeout;\n"
	      "130 when interrupted; 125 when the guest crashed (triple fault) or was\n"
	      "stopped for hammering unmapped I/O; 65 for a bad guest image (or one the chosen\n"
	      "backend cannot run); 66 when the image cannot be read; 69 when the backend\n"
	      "is unavailable (no KVM, or no HVF in this build); 73 when FILE cannot be\n"
	      "created (checked before the guest runs); 74 when writing the trace\n"
	      "failed (a full disk: the trace stays readable up to its last chunk); 70 on\n"
	      "an internal error;\n"
	      "64 for a bad command line. With --until-failure: the failing run's status,\n"
	      "or 0 when every run passed (then no trace is kept).\n\n"
	      "With -- COMMAND: runs an unmodified, dynamically linked KVM or\n"
	      "Hypervisor.framework VMM (e.g. qemu-system-x86_64 -accel kvm ..., or an HVF VMM\n"
	      "over the Linux stand-in; on macOS through DYLD_INSERT_LIBRARIES, untested:\n"
	      "docs/macos.md) with both interposers preloaded; the one whose API the first\n"
	      "process to create a VM uses records every KVM_RUN or hv_vcpu_run exit: kind,\n"
	      "port/address, size, data written or returned, handling and run times, one\n"
	      "stream per vCPU id (HVF adds PC, syndrome, interrupts, vtimer, exec time). No\n"
	      "guest image is kept, so such traces work with stats, export, diff, dump but not\n"
	      "replay (docs/interpose.md). COMMAND's output and exit status are its own\n"
	      "(128+N when killed by signal N); a summary line goes to stderr. The shim only\n"
	      "copies exits into memory shared with hvtrace, which writes the trace: VMMs that\n"
	      "sandbox themselves (seccomp) are recorded, and a VMM that dies loses nothing.\n"
	      "SIGINT/SIGTERM/SIGHUP to hvtrace go on to COMMAND; if it has not exited 5 s\n"
	      "later (or at a second signal) it is killed, and the trace is finished either\n"
	      "way. 127 when COMMAND is not found, 69 when it is static or never creates a\n"
	      "KVM or HVF VM (no trace is written then), 74 when the trace cannot be written.\n", f);
}

struct cli_record {
	struct record_opts ro;
	const char *format;     /* "auto", "elf" or "flat" */
	unsigned until_failure; /* 0: record once */
	int help;
	int command_argc;       /* > 0: record -- COMMAND */
	char **command_argv;
};

/* "16M", "1G", "65536": bytes. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	if (errno || end == s || *s == '-')
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_seconds(const char *s, uint64_t *ns)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 1e9)
		return -1;
	*ns = (uint64_t)(v * 1e9);
	return 0;
}

static int bad_value(const char *opt, const char *val)
{
	cli_err("record: bad value for --%s: '%s'", opt, val);
	return HVT_EXIT_USAGE;
}

static int apply_option(struct cli_record *c, int opt, const char *arg)
{
	uint64_t v;
	switch (opt) {
	case 'o': c->ro.out_path = arg; return 0;
	case 'q': c->ro.quiet = 1; return 0;
	case 'h': c->help = 1; return 0;
	case 'c':
		if (cli_parse_u64(arg, &v) || v < 1 || v > 64)
			return bad_value("vcpus", arg);
		c->ro.vcpus = (unsigned)v;
		return 0;
	case 'm':
		if (parse_size(arg, &c->ro.mem_bytes) || c->ro.mem_bytes < HVT_GUEST_MEM_MIN ||
		    c->ro.mem_bytes > HVT_GUEST_MEM_MAX || c->ro.mem_bytes % HVT_GUEST_MEM_ALIGN) {
			cli_err("record: --mem is a multiple of 2M from 4M to 3G (4 MiB-3 GiB), "
				"not '%s'", arg);
			return HVT_EXIT_USAGE;
		}
		return 0;
	case 't':
		return parse_seconds(arg, &c->ro.timeout_ns) ? bad_value("timeout", arg) : 0;
	case 'P':
		c->ro.parallel = 1;
		return 0;
	case 's':
		/* milliseconds, through the seconds parser: 0.1 ms .. 10 s */
		if (parse_seconds(arg, &v) || v < 100000000ull || v > 10000000000000ull)
			return bad_value("slice", arg);
		c->ro.slice_ns = v / 1000;
		return 0;
	case 'u':
		if (arg && (cli_parse_u64(arg, &v) || v < 1 || v > 1000000))
			return bad_value("until-failure", arg);
		c->until_failure = arg ? (unsigned)v : DEFAULT_UNTIL_FAILURE_RUNS;
		return 0;
	case 'b':
		c->ro.backend = record_backend_choice(arg);
		return c->ro.backend < 0 ? bad_value("backend", arg) : 0;
	case 'f':
		if (strcmp(arg, "auto") && strcmp(arg, "elf") && strcmp(arg, "flat"))
			return bad_value("format", arg);
		c->format = arg;
		return 0;
	case 'l': {
		char *end;
		long l = strtol(arg, &end, 10);
		if (*end || end == arg || l < -1 || l > 19 || l == 0)
			return bad_value("level", arg);
		c->ro.zstd_level = (int)l;
		return 0;
	}
	}
	usage(stderr);
	return HVT_EXIT_USAGE;
}

/* --until-failure takes its optional MAX as "--until-failure=50" or, as the
 * README writes it, "--until-failure 50": a following all-digits word. */
static const char *optional_number(int argc, char **argv, const char *arg)
{
	if (arg || optind >= argc || !argv[optind][0] ||
	    strspn(argv[optind], "0123456789") != strlen(argv[optind]))
		return arg;
	return argv[optind++];
}

/* Options may come anywhere before "--" (getopt's "-" mode hands each
 * non-option back as opt 1, in order); only "--" ends option parsing. */
static int parse(int argc, char **argv, struct cli_record *c)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'}, {"vcpus", required_argument, NULL, 'c'},
		{"mem", required_argument, NULL, 'm'}, {"timeout", required_argument, NULL, 't'},
		{"until-failure", optional_argument, NULL, 'u'}, {"level", required_argument, NULL, 'l'},
		{"format", required_argument, NULL, 'f'}, {"backend", required_argument, NULL, 'b'},
		{"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'},
		{"parallel", no_argument, NULL, 'P'}, {"slice", required_argument, NULL, 's'}, {0}};
	int opt, rc, positionals = 0;
	const char *last_arg = NULL; /* "-o --" names a file: not the end of options */
	memset(c, 0, sizeof(*c));
	c->ro.out_path = DEFAULT_OUT;
	c->format = "auto";
	c->ro.vcpus = 1;
	int idx, vm_opt = -1; /* the last option that only the built-in VMM takes */
	optind = 0; /* full reinitialisation: parse may run more than once (tests) */
	while ((opt = getopt_long(argc, argv, "-o:qh", longopts, &idx)) != -1) {
		if (opt == 1) {
			c->ro.image_path = positionals++ ? c->ro.image_path : optarg;
			continue;
		}
		const char *arg = opt == 'u' ? optional_number(argc, argv, optarg) : optarg;
		if ((rc = apply_option(c, opt, arg)) != 0)
			return rc;
		last_arg = arg;
		if (strchr("cmtulfb", opt))
			vm_opt = idx;
	}
	if (c->help)
		return 0;
	if (optind > 0 && optind <= argc && strcmp(argv[optind - 1], "--") == 0 &&
	    argv[optind - 1] != last_arg) {
		if (optind == argc) {
			cli_err("record: missing COMMAND after --");
			return HVT_EXIT_USAGE;
		}
		/* Refuse rather than ignore what would not apply to another VMM. */
		if (vm_opt >= 0 || positionals) {
			cli_err("record: %s%s applies to the built-in VMM, not to record -- COMMAND",
				vm_opt >= 0 ? "--" : "a guest image ",
				vm_opt >= 0 ? longopts[vm_opt].name : c->ro.image_path);
			return HVT_EXIT_USAGE;
		}
		c->command_argc = argc - optind;
		c->command_argv = argv + optind;
		return 0;
	}
	if (positionals > 1) {
		cli_err("record: one guest image at most (got %d arguments)", positionals);
		return HVT_EXIT_USAGE;
	}
	return 0;
}

static int load_image(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	if (!f) {
		cli_err("%s: %s", path, strerror(errno));
		return HVT_EXIT_NOINPUT;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			uint8_t *nb = cap > MAX_IMAGE_BYTES + 1 ? NULL : realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	int bad = ferror(f) || n > MAX_IMAGE_BYTES || n == cap;
	fclose(f);
	if (bad) {
		cli_err("%s: %s", path, n >= MAX_IMAGE_BYTES ? "larger than the 256 MiB image limit" : "read error");
		free(buf);
		return n >= MAX_IMAGE_BYTES ? 65 : HVT_EXIT_NOINPUT;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* A guest image is ELF, or raw machine code the user vouches for with
 * --format flat; a trace given by mistake gets a pointer to replay. */
static int check_format(struct cli_record *c, const uint8_t *img, size_t len)
{
	static const char trace_magic[] = "\x89HVT\r\n\x1a\n";
	int is_elf = len >= 4 && memcmp(img, "\x7f" "ELF", 4) == 0;
	c->ro.image_format = !strcmp(c->format, "elf") ? 1 : !strcmp(c->format, "flat") ? 2 : 0;
	if (len >= sizeof(trace_magic) - 1 && !memcmp(img, trace_magic, sizeof(trace_magic) - 1)) {
		cli_err("%s is an hvtrace trace, not a guest image: to run it again, use "
			"hvtrace replay %s", c->ro.image_path, c->ro.image_path);
		return 65;
	}
	if (!is_elf && strcmp(c->format, "flat") != 0) {
		cli_err("%s is not an ELF image; give --format flat to run it as raw x86-64 code",
			c->ro.image_path);
		return 65;
	}
	return 0;
}

static char *join_args(int argc, char **argv)
{
	size_t len = strlen("hvtrace") + 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = malloc(len);
	if (!s)
		return NULL;
	strcpy(s, "hvtrace");
	for (int i = 0; i < argc; i++) {
		strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* The loop's own stop flag: record_session's handler is installed only
 * while a session runs and hands back to this one in between (between two
 * --until-failure runs, or before a single run's session starts). */
static volatile sig_atomic_t g_loop_stopped;

static void on_loop_signal(int sig)
{
	g_loop_stopped = sig;
}

static void loop_signals(int install)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = install ? on_loop_signal : SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* One run into a partial file beside FILE: kept only if it is the failure. */
static int one_attempt(struct cli_record *c, unsigned run, unsigned *passed)
{
	struct trace_output out;
	struct record_result res;
	struct record_opts ro = c->ro;
	int rc = trace_output_begin(&out, c->ro.out_path);
	if (rc)
		return rc;
	ro.out_path = out.partial;
	ro.shown_path = c->ro.out_path;
	ro.quiet = 1;
	record_session_run(&ro, &res);
	if (res.end_reason == HVT_END_INTERRUPTED || g_loop_stopped || res.stop_signalled) {
		trace_output_discard(&out);
		fprintf(stderr, "hvtrace: interrupted during run %u; %u runs passed before it; no "
				"trace kept\n", run, *passed);
		return 130;
	}
	if (res.end_reason < 0 || res.status == 0) {
		trace_output_discard(&out);
		if (res.end_reason < 0)
			return res.status; /* could not record at all */
		++*passed;
		if (!c->ro.quiet)
			fprintf(stderr, "hvtrace: run %u/%u passed\n", run, c->until_failure);
		return -1;
	}
	if ((rc = trace_output_commit(&out, c->ro.quiet)) != 0)
		return rc;
	fprintf(stderr, "hvtrace: run %u of at most %u failed (exit status %d, %s) after %u "
			"passing runs; trace kept in %s\n", run, c->until_failure, res.status,
		hvt_end_reason_name((unsigned)res.end_reason), *passed, c->ro.out_path);
	return res.status;
}

/* A run that exited 0 passes; anything else is the failure we wait for. */
static int until_failure(struct cli_record *c)
{
	unsigned passed = 0;
	int rc = -1;
	g_loop_stopped = 0;
	loop_signals(1);
	for (unsigned run = 1; run <= c->until_failure && rc < 0; run++) {
		if (g_loop_stopped) { /* between two runs */
			fprintf(stderr, "hvtrace: interrupted after %u passing runs; no trace kept\n",
				passed);
			rc = 130;
			break;
		}
		rc = one_attempt(c, run, &passed);
	}
	loop_signals(0);
	if (rc < 0)
		fprintf(stderr, "hvtrace: no failure in %u runs; no trace kept\n", c->until_failure);
	return rc < 0 ? 0 : rc;
}

/* One recording into a partial file, renamed into place once it holds
 * anything; a run that could not start leaves FILE untouched. */
static int record_once(struct cli_record *c)
{
	struct trace_output out;
	struct record_result res = { .status = 130, .end_reason = -1, .exit_code = -1 };
	struct record_opts ro = c->ro;
	g_loop_stopped = 0;
	loop_signals(1); /* a Ctrl-C before the session's own handler: see below */
	int rc = trace_output_begin(&out, c->ro.out_path);
	if (rc) {
		loop_signals(0);
		return rc;
	}
	ro.out_path = out.partial;
	ro.shown_path = c->ro.out_path;
	if (!g_loop_stopped)
		record_session_run(&ro, &res);
	loop_signals(0);
	if (g_loop_stopped && !res.events) { /* before the session took over */
		trace_output_discard(&out);
		fprintf(stderr, "hvtrace: interrupted before the guest ran; nothing recorded\n");
		return 130;
	}
	if (res.events == 0 && res.end_reason < 0) {
		trace_output_discard(&out);
		return res.status;
	}
	rc = trace_output_commit(&out, c->ro.quiet);
	return rc && !res.status ? rc : res.status;
}

int hvt_cmd_record(int argc, char **argv)
{
	struct cli_record c;
	int rc = parse(argc, argv, &c);
	if (rc || c.help) {
		if (c.help)
			usage(stdout);
		return rc;
	}
	if (c.command_argc)
		return record_command_run(c.ro.out_path, c.ro.quiet, c.command_argc, c.command_argv);
	uint8_t *image = NULL;
	if (c.ro.image_path && (rc = load_image(c.ro.image_path, &image, &c.ro.image_len_bytes)) != 0)
		return rc;
	if (image && (rc = check_format(&c, image, c.ro.image_len_bytes)) != 0) {
		free(image);
		return rc;
	}
	c.ro.image = image;
	char *cmdline = join_args(argc, argv);
	c.ro.command_line = cmdline ? cmdline : "hvtrace record";
	rc = c.until_failure ? until_failure(&c) : record_once(&c);
	free(cmdline);
	free(image);
	return rc;
}
