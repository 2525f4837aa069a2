/* hvtrace info FILE: what a trace holds and how it is stored. */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: hvtrace info FILE\n\n"
	      "Prints the trace's header (format version: v1 row-coded or v2 columnar\n"
	      "events; `hvtrace convert` rewrites one as the other), its state (complete, footer missing, or\n"
	      "truncated and how much was lost), event and chunk counts, compression,\n"
	      "the guest architecture (x86_64 or arm64) and backend (kvm or hvf), each\n"
	      "stream (one per vCPU), the metadata and the blobs it carries.\n"
	      "Reads chunk headers only; use `hvtrace check` to verify payloads.\n"
	      "Exit status: 0, or 2 when the file is corrupt.\n", f);
}

static void print_state(const struct hvt_trace_info *in)
{
	char b[32];
	if (in->truncated) {
		printf("state:       truncated at offset %" PRIu64 ": %s lost", in->valid_bytes,
		       cli_fmt_bytes(b, sizeof(b), in->lost_bytes));
		if (in->lost_events_known)
			printf(" (%" PRIu64 " events in the cut chunk)\n", in->lost_events);
		else
			printf(" (event count unknown)\n");
	} else if (!in->has_footer) {
		printf("state:       no footer (recording did not finish); index rebuilt from chunk headers\n");
	} else {
		printf("state:       complete\n");
	}
}

static void print_header(const char *path, const struct hvt_trace_info *in)
{
	char when[64], b1[32], b2[32];
	time_t secs = (time_t)(in->created_unix_ns / 1000000000u);
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("trace:       %s (%s)\n", path, cli_fmt_bytes(b1, sizeof(b1), in->file_bytes));
	printf("format:      v%u.%u (%s), created %s, clock %s\n", in->version_major,
	       in->version_minor, in->version_major >= 2 ? "columnar events" : "row-coded events",
	       when, in->clock_id == 1 ? "monotonic" : "unknown");
	print_state(in);
	printf("events:      %" PRIu64 " in %" PRIu64 " chunk%s, %u stream%s\n", in->events,
	       in->chunks, cli_plural(in->chunks), in->streams, cli_plural(in->streams));
	if (in->events) {
		printf("compression: %s raw -> %s stored (%.1fx), %.2f bytes/event\n",
		       cli_fmt_bytes(b1, sizeof(b1), in->raw_bytes),
		       cli_fmt_bytes(b2, sizeof(b2), in->stored_bytes),
		       in->stored_bytes ? (double)in->raw_bytes / (double)in->stored_bytes : 0.0,
		       (double)in->stored_bytes / (double)in->events);
		printf("duration:    %s\n", an_fmt_span(b1, sizeof(b1), in->last_time_ns - in->first_time_ns));
	}
}

/* The guest architecture and backend, from the metadata (an interposed or
 * hand-made trace may lack them). */
static void print_machine(const hvt_reader *r)
{
	const char *arch = NULL, *backend = NULL;
	size_t len;

	if (hvt_reader_meta_get(r, "arch", &arch, &len) != 0)
		arch = NULL;
	if (hvt_reader_meta_get(r, "backend", &backend, &len) != 0)
		backend = NULL;
	if (arch || backend)
		printf("machine:     %s guest on %s\n", arch ? arch : "unknown",
		       backend ? backend : "an unknown backend");
}

static int printable(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
			return 0;
	return 1;
}

static void print_streams_and_meta(hvt_reader *r)
{
	char b1[32], b2[32];
	for (uint32_t i = 0; i < hvt_reader_stream_count(r); i++) {
		struct hvt_stream_info s;
		hvt_reader_stream_info(r, i, &s);
		printf("stream %-4u  %" PRIu64 " event%s (seq %" PRIu64 "..%" PRIu64 ") in %" PRIu64
		       " chunk%s, %s .. %s\n",
		       s.stream, s.events, cli_plural(s.events), s.first_seq, s.last_seq, s.chunks,
		       cli_plural(s.chunks),
		       an_fmt_span(b1, sizeof(b1), s.first_time_ns), an_fmt_span(b2, sizeof(b2), s.last_time_ns));
	}
	for (size_t i = 0; i < hvt_reader_meta_count(r); i++) {
		const char *k, *v;
		size_t len;
		hvt_reader_meta_at(r, i, &k, &v, &len);
		if (printable(v, len))
			printf("meta %-16s %s\n", k, v);
		else
			printf("meta %-16s <%zu bytes of binary>\n", k, len);
	}
	for (uint64_t i = 0; i < hvt_reader_chunk_count(r); i++) {
		struct hvt_chunk_info c;
		hvt_reader_chunk_info(r, i, &c);
		if (c.type == HVT_CHUNK_BLOB)
			printf("blob chunk   at offset %" PRIu64 ", %s\n", c.offset,
			       cli_fmt_bytes(b1, sizeof(b1), c.raw_bytes));
	}
}

int hvt_cmd_info(int argc, char **argv)
{
	int rc = cli_one_file_args(argc, argv, usage);
	if (rc >= 0)
		return rc;
	hvt_reader *r;
	rc = cli_open_trace(argv[1], &r);
	if (rc)
		return rc;
	struct hvt_trace_info in;
	hvt_reader_get_info(r, &in);
	print_header(argv[1], &in);
	print_machine(r);
	print_streams_and_meta(r);
	hvt_reader_close(r);
	return 0;
}
