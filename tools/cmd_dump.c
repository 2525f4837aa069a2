/* hvtrace dump FILE: one line per event, merged across vCPUs in time order. */
#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: hvtrace dump [--vcpu N] [--from-time NS] [--limit N] FILE\n\n"
	      "Prints one line per event, all vCPUs merged in time order:\n"
	      "  SECONDS.NANOS cpuN #SEQ TYPE DETAILS\n"
	      "where SEQ is the event's index in its vCPU's stream. Exit details:\n"
	      "kind, port or address, size, value (written, or returned to the guest),\n"
	      "pc, handle (exit to next entry), run (time in the guest), raw reason,\n"
	      "regs (register-file checksum); arm64 (HVF) exits add the syndrome: esr,\n"
	      "ec (exception class name), and per class va and the load/store register,\n"
	      "imm and fn (HVC immediate, SMCCC function), sysreg (S<op0>_<op1>_C<n>_C<m>_<op2>)\n"
	      "and mrs/msr, wfi/wfe.\n\n"
	      "  --vcpu N        only events of vCPU N\n"
	      "  --from-time NS  start at the first event at or after NS (ns)\n"
	      "  --limit N       stop after N events\n\n"
	      "Exit status: 0, or 2 when the trace turns out corrupt (events before the\n"
	      "corruption are printed; the error names the file offset).\n", f);
}

struct dump_opts {
	int64_t vcpu;       /* -1: all */
	uint64_t from_ns;
	uint64_t limit;     /* 0: no limit */
	const char *path;
};

static int parse(int argc, char **argv, struct dump_opts *o)
{
	static const struct option longopts[] = {
		{"vcpu", required_argument, NULL, 'v'}, {"from-time", required_argument, NULL, 't'},
		{"limit", required_argument, NULL, 'n'}, {"help", no_argument, NULL, 'h'}, {0}};
	uint64_t v;
	int c, rc;
	*o = (struct dump_opts){.vcpu = -1};
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if ((rc = cli_help_or_bad_option(c, usage)) >= 0)
			return rc;
		if (cli_parse_u64(optarg, &v) != 0) {
			cli_err("dump: '%s' is not a number", optarg);
			return HVT_EXIT_USAGE;
		}
		if (c == 'v')
			o->vcpu = (int64_t)v;
		else if (c == 't')
			o->from_ns = v;
		else
			o->limit = v;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return HVT_EXIT_USAGE;
	}
	o->path = argv[optind];
	return -1;
}

int hvt_cmd_dump(int argc, char **argv)
{
	struct dump_opts o;
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	hvt_reader *r;
	if ((rc = cli_open_trace(o.path, &r)) != 0)
		return rc;
	const hvt_event *ev;
	uint64_t shown = 0;
	rc = o.from_ns ? hvt_reader_seek_time(r, o.from_ns) : 0;
	while (rc >= 0 && (!o.limit || shown < o.limit) && (rc = hvt_reader_next(r, &ev)) == 1) {
		if (o.vcpu >= 0 && ev->stream != (uint64_t)o.vcpu)
			continue;
		cli_print_event(stdout, ev);
		fputc('\n', stdout);
		shown++;
	}
	if (rc < 0)
		cli_err("%s: %s", o.path, hvt_reader_error(r));
	hvt_reader_close(r);
	return rc < 0 ? 2 : 0;
}
