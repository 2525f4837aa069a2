/* Shared pieces of the hvtrace command line. */
#ifndef HVT_TOOLS_CLI_H
#define HVT_TOOLS_CLI_H

#include <stdio.h>

#include "hvtrace/hvtrace.h"
#include "analysis/stats_render.h" /* an_fmt_span: spans as stats prints them */

/* Exit statuses shared by every subcommand (see `hvtrace --help`). */
#define HVT_EXIT_USAGE 64   /* bad command line (sysexits EX_USAGE) */
#define HVT_EXIT_NOINPUT 66 /* an input file cannot be opened or read */
#define HVT_EXIT_SOFTWARE 70 /* an internal error (EX_SOFTWARE) */
#define HVT_EXIT_IOERR 74   /* writing the trace failed, e.g. a full disk (EX_IOERR) */

struct hvt_cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

int hvt_cmd_record(int argc, char **argv);
int hvt_cmd_replay(int argc, char **argv);
int hvt_cmd_info(int argc, char **argv);
int hvt_cmd_check(int argc, char **argv);
int hvt_cmd_dump(int argc, char **argv);
int hvt_cmd_stats(int argc, char **argv);
int hvt_cmd_export(int argc, char **argv);
int hvt_cmd_diff(int argc, char **argv);
int hvt_cmd_report(int argc, char **argv);
/* `hvtrace top FILE` is `hvtrace stats --live FILE` (cmd_stats.c). */
int hvt_cmd_top(int argc, char **argv);
int hvt_cmd_convert(int argc, char **argv);

/* The exit status of a guest run that ended with end_reason (enum
 * hvt_end_reason): the guest's exit code on power-off, 124 timeout, 130
 * interrupted, 125 shutdown or bad access, else 70. record returns it, and
 * replay returns the same for a run that matched its recording. */
int cli_status_for_end(int end_reason, int exit_code);
/* Prints "hvtrace: <fmt>\n" to stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Opens a trace, printing why not to stderr. 0, or the exit status to
 * return: 66 when the file cannot be opened or read, 2 when it is not a
 * sound trace. Every subcommand opens its traces here. */
int cli_open_trace(const char *path, hvt_reader **out);
/* The same, but a trace that is not sound is reported on corrupt_report as
 * "PATH: corrupt: why" (check's report on stdout); NULL = stderr. */
int cli_open_trace_to(const char *path, hvt_reader **out, FILE *corrupt_report);
/* One line describing ev (no newline). */
void cli_print_event(FILE *f, const hvt_event *ev);
/* cli_arm64.c: " esr=... ec=NAME ..." for an exit with an arm64 syndrome. */
void cli_print_syndrome(FILE *f, const hvt_event *ev);
/* "" for 1, else "s": "1 stream", "2 streams". */
const char *cli_plural(uint64_t n);
/* "12.3 KiB" */
const char *cli_fmt_bytes(char *buf, size_t len, uint64_t bytes);
/* Parses a decimal number, or hex written 0x...; 0 on success. */
int cli_parse_u64(const char *s, uint64_t *out);
/* True for -h/--help. */
int cli_is_help(const char *arg);
/* The shared cases of a getopt_long loop: 'h' prints usage to stdout and
 * gives 0, '?' (an unknown option) prints it to stderr and gives 64; any
 * other option gives -1 for the caller to handle. */
int cli_help_or_bad_option(int opt, void (*usage)(FILE *));
/* For commands taking exactly one FILE: -1 when argv is `CMD FILE` (go on),
 * else the exit status after printing usage (0 for --help, 64 otherwise). */
int cli_one_file_args(int argc, char **argv, void (*usage)(FILE *));

#endif
