/* hvtrace export: the timeline for other viewers (analysis/export*.c). */
#include <getopt.h>
#include <string.h>

#include "analysis/export.h"
#include "analysis/losses.h"
#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: hvtrace export --format perfetto|speedscope|json|csv [-o OUT] FILE\n\n"
	      "Writes every event, all vCPUs merged in time order. OUT \"-\" (the default)\n"
	      "is stdout. Viewers checked: docs/analysis.md.\n\n"
	      "  perfetto    Chrome trace event JSON for ui.perfetto.dev, chrome://tracing\n"
	      "              and speedscope: pid 1 = the VM (named by metadata image_name),\n"
	      "              tid N = vCPU N; per exit a complete event {ph:X, ts, dur,\n"
	      "              name: exit kind, cat: exit, args: port|addr and size (port\n"
	      "              and MMIO exits only)}: ts is the exit time and dur the\n"
	      "              handling time, in us with ns precision; instants {ph:i} for\n"
	      "              interrupts (irq VECTOR LANDING), timer arm/fire/cancel,\n"
	      "              markers and run ends (end: REASON); counters {ph:C}\n"
	      "              \"exits/s vcpuN\" per 10 ms window and \"guest % vcpuN\" at\n"
	      "              each exec-time sample. Records are in time order and inside\n"
	      "              the trace's time range. Two passes over the trace (the rate\n"
	      "              of a window is known once it closes); memory: one counter\n"
	      "              per window per vCPU.\n"
	      "  speedscope  speedscope's own format: one evented profile per vCPU; each\n"
	      "              exit opens a frame named by its kind and, for port and MMIO\n"
	      "              exits, a child frame \"0x3f8:out\" / \"0xd0000000:read\"\n"
	      "  json        one object per line per event: time_ns, vcpu, seq, type, kind,\n"
	      "              addr, value, pc, duration_ns, run_ns, size, count, raw_reason,\n"
	      "              regs_hash, flags, syndrome, fault_va, data_len, data (hex)\n"
	      "  csv         a header row with the json fields, then one row per event\n\n"
	      "Per-exit values, PCs and sequence numbers are in json and csv; the viewer\n"
	      "formats keep only what groups exits (kind, port, address).\n\n"
	      "Exit status: 0; 2 when the trace is corrupt (what came before is written;\n"
	      "the message names the offset); 64 bad command line; 66 FILE unreadable or\n"
	      "OUT not writable. A truncated trace is exported up to its last complete\n"
	      "chunk, with a note on stderr.\n", f);
}

struct export_cli {
	int format;
	const char *out_path;
	const char *path;
};

static int parse(int argc, char **argv, struct export_cli *o)
{
	static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'}, {0}};
	int c, rc;
	*o = (struct export_cli){.format = -1, .out_path = "-"};
	while ((c = getopt_long(argc, argv, "hf:o:", longopts, NULL)) != -1) {
		if ((rc = cli_help_or_bad_option(c, usage)) >= 0)
			return rc;
		if (c == 'o') {
			o->out_path = optarg;
		} else if (c != 'f' || (o->format = an_export_format_from_name(optarg)) < 0) {
			if (c == 'f')
				cli_err("export: unknown format '%s'", optarg);
			usage(stderr);
			return HVT_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || o->format < 0) {
		if (o->format < 0)
			cli_err("export: --format is required");
		usage(stderr);
		return HVT_EXIT_USAGE;
	}
	o->path = argv[optind];
	return -1;
}

static int run(const struct export_cli *o, hvt_reader *r, FILE *out)
{
	struct an_export_counts counts;
	char msg[320];
	int rc = an_export(r, (enum an_export_format)o->format, out, &counts, msg, sizeof(msg));
	if (fflush(out) != 0 || ferror(out)) {
		cli_err("export: writing %s failed", o->out_path);
		return HVT_EXIT_NOINPUT;
	}
	if (rc) {
		cli_err("%s: %s", o->path, msg);
		return 2;
	}
	return 0;
}

int hvt_cmd_export(int argc, char **argv)
{
	struct export_cli o;
	hvt_reader *r;
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if ((rc = cli_open_trace(o.path, &r)) != 0)
		return rc;
	an_note_losses(stderr, r, o.path);
	int to_stdout = strcmp(o.out_path, "-") == 0;
	FILE *out = to_stdout ? stdout : fopen(o.out_path, "w");
	if (!out) {
		cli_err("export: cannot create %s", o.out_path);
		hvt_reader_close(r);
		return HVT_EXIT_NOINPUT;
	}
	rc = run(&o, r, out);
	if (!to_stdout && fclose(out) != 0 && rc == 0)
		rc = HVT_EXIT_NOINPUT;
	hvt_reader_close(r);
	return rc;
}
