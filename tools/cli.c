/* Helpers shared by subcommands: errors, opening traces, printing events. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cli_err(const char *fmt, ...)
{
	va_list ap;
	fputs("hvtrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_open_trace_to(const char *path, hvt_reader **out, FILE *corrupt_report)
{
	int err = hvt_reader_open(out, path, NULL);
	if (!err)
		return 0;
	if (err == HVT_E_NOT_FOUND || err == HVT_E_IO) {
		cli_err("%s: %s", path, hvt_reader_open_error());
		return HVT_EXIT_NOINPUT;
	}
	/* "not an hvtrace trace (...)" reads on its own; anything else is damage. */
	if (corrupt_report)
		fprintf(corrupt_report, "%s: %s%s\n", path, err == HVT_E_BAD_MAGIC ? "" : "corrupt: ",
			hvt_reader_open_error());
	else
		cli_err("%s: %s", path, hvt_reader_open_error());
	return 2;
}

int cli_open_trace(const char *path, hvt_reader **out)
{
	return cli_open_trace_to(path, out, NULL);
}

const char *cli_plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

const char *cli_fmt_bytes(char *buf, size_t len, uint64_t bytes)
{
	if (bytes < 10240)
		snprintf(buf, len, "%" PRIu64 " B", bytes);
	else if (bytes < 10485760)
		snprintf(buf, len, "%.1f KiB", (double)bytes / 1024);
	else
		snprintf(buf, len, "%.1f MiB", (double)bytes / 1048576);
	return buf;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	/* Decimal unless written 0x...: "010" is ten, as a user means it, not
	 * C's octal eight. strtoull alone would also take " 1" and "+1". */
	int hex = s && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	if (!s || !(hex ? isxdigit((unsigned char)s[2]) : isdigit((unsigned char)s[0])))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, hex ? 16 : 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int cli_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_status_for_end(int end_reason, int exit_code)
{
	switch (end_reason) {
	case HVT_END_POWEROFF: return exit_code & 0xff;
	case HVT_END_TIMEOUT: return 124;
	case HVT_END_INTERRUPTED: return 130;
	case HVT_END_SHUTDOWN:
	case HVT_END_BAD_ACCESS: return 125;
	default: return HVT_EXIT_SOFTWARE;
	}
}

int cli_help_or_bad_option(int opt, void (*usage)(FILE *))
{
	if (opt == 'h') {
		usage(stdout);
		return 0;
	}
	if (opt == '?') {
		usage(stderr);
		return HVT_EXIT_USAGE;
	}
	return -1;
}

int cli_one_file_args(int argc, char **argv, void (*usage)(FILE *))
{
	if (argc == 2 && cli_is_help(argv[1])) {
		usage(stdout);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		usage(stderr);
		return HVT_EXIT_USAGE;
	}
	return -1;
}

static void print_data(FILE *f, const hvt_event *ev)
{
	if (!ev->data_len)
		return;
	fprintf(f, " data[%u]=", ev->data_len);
	uint32_t shown = ev->data_len < 16 ? ev->data_len : 16;
	for (uint32_t i = 0; i < shown; i++)
		fprintf(f, "%02x", ev->data[i]);
	if (shown < ev->data_len)
		fputs("...", f);
}

static void print_exit(FILE *f, const hvt_event *ev)
{
	fprintf(f, " %s", hvt_exit_kind_name(ev->kind));
	switch (ev->kind) {
	case HVT_EXIT_PIO_IN:
	case HVT_EXIT_PIO_OUT:
		fprintf(f, " port=0x%" PRIx64 " size=%u", ev->addr, ev->size);
		break;
	case HVT_EXIT_MMIO_READ:
	case HVT_EXIT_MMIO_WRITE:
		fprintf(f, " addr=0x%" PRIx64 " size=%u", ev->addr, ev->size);
		break;
	}
	if (ev->size || ev->value)
		fprintf(f, " value=0x%" PRIx64, ev->value);
	if (ev->count > 1)
		fprintf(f, " count=%u", ev->count);
	fprintf(f, " pc=0x%" PRIx64 " handle=%" PRIu64 "ns run=%" PRIu64 "ns raw=%u", ev->pc,
		ev->duration_ns, ev->run_ns, ev->raw_reason);
	if (ev->regs_hash)
		fprintf(f, " regs=%08x", ev->regs_hash);
	if (ev->syndrome || ev->fault_va)
		cli_print_syndrome(f, ev);
	if (ev->flags)
		fprintf(f, " flags=0x%x", ev->flags);
}

static void print_other(FILE *f, const hvt_event *ev)
{
	static const char *const timer_ops[] = {"arm", "fire", "cancel"};
	switch (ev->type) {
	case HVT_EV_INTERRUPT:
		fprintf(f, " vector=%" PRIu64 " %s pc=0x%" PRIx64, ev->addr,
			hvt_irq_kind_name(ev->kind), ev->pc);
		break;
	case HVT_EV_TIMER:
		fprintf(f, " %s id=%" PRIu64 " ns=%" PRIu64, ev->kind <= 2 ? timer_ops[ev->kind] : "?",
			ev->addr, ev->value);
		break;
	case HVT_EV_MEM_WRITE:
		fprintf(f, " addr=0x%" PRIx64, ev->addr);
		break;
	case HVT_EV_EXEC_TIME:
		fprintf(f, " guest=%" PRIu64 "ns", ev->value);
		break;
	case HVT_EV_MARKER:
		fprintf(f, " id=%" PRIu64 " value=%" PRIu64 " pc=0x%" PRIx64, ev->addr, ev->value, ev->pc);
		break;
	case HVT_EV_END:
		fprintf(f, " %s code=%" PRId64, hvt_end_reason_name(ev->kind), (int64_t)ev->value);
		break;
	}
}

void cli_print_event(FILE *f, const hvt_event *ev)
{
	fprintf(f, "%4" PRIu64 ".%09" PRIu64 " cpu%u #%-6" PRIu64 " %s", ev->time_ns / 1000000000u,
		ev->time_ns % 1000000000u, ev->stream, ev->seq, hvt_event_type_name(ev->type));
	if (ev->type == HVT_EV_EXIT)
		print_exit(f, ev);
	else
		print_other(f, ev);
	print_data(f, ev);
}
