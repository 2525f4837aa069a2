/* hvtrace: the command line. One file per subcommand; this one dispatches. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct hvt_cmd commands[] = {
	{"record", "record a guest on the built-in VMM into a trace", hvt_cmd_record},
	{"replay", "re-execute a recorded guest from its trace; stop at the first divergence", hvt_cmd_replay},
	{"info", "describe a trace: header, streams, metadata, compression", hvt_cmd_info},
	{"check", "verify every checksum; exit 0 intact, 1 truncated, 2 corrupt", hvt_cmd_check},
	{"dump", "print one line per event", hvt_cmd_dump},
	{"stats", "exit statistics per kind, port, address or vCPU (perf kvm stat style)", hvt_cmd_stats},
	{"report", "one self-contained HTML page: timeline, histograms, tops; A vs B", hvt_cmd_report},
	{"top", "follow a trace being recorded: per-kind exit rates every second", hvt_cmd_top},
	{"export", "convert to Perfetto/Chrome trace JSON, speedscope, JSON lines or CSV", hvt_cmd_export},
	{"diff", "first event where two traces differ; exit 0 same, 1 differ, 2 corrupt", hvt_cmd_diff},
	{"convert", "rewrite a trace in another format version (v1 rows, v2 columns)", hvt_cmd_convert},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: hvtrace COMMAND [OPTIONS] [ARGS]\n\n"
		   "Record, replay and analyse hardware-virtualized vCPU execution.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`hvtrace COMMAND --help` describes each command.\n"
		   "Exit status: as each command documents; %d for a bad command line,\n"
		   "%d when an input file cannot be read.\n",
		HVT_EXIT_USAGE, HVT_EXIT_NOINPUT);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return HVT_EXIT_USAGE;
	}
	if (cli_is_help(argv[1])) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("hvtrace %s (trace format 1.0)\n", HVT_VERSION_STRING);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	cli_err("unknown command '%s' (see hvtrace --help)", argv[1]);
	return HVT_EXIT_USAGE;
}
