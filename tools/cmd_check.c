/* hvtrace check FILE: verify every checksum and every event. */
#include <inttypes.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: hvtrace check FILE\n\n"
	      "Verifies the file header, every chunk header and payload checksum\n"
	      "(XXH3-64), decompresses and decodes every event, and checks that each\n"
	      "stream's sequence numbers and times continue from chunk to chunk.\n\n"
	      "Exit status:\n"
	      "  0  intact\n"
	      "  1  truncated but readable: the output says what was lost\n"
	      "  2  corrupt (the output names the file offset), or not an hvtrace trace\n"
	      " 66  the file cannot be opened\n", f);
}

/* 0 when every chunk verifies; otherwise prints the first failure. */
static int verify_all(hvt_reader *r, const char *path)
{
	for (uint64_t i = 0; i < hvt_reader_chunk_count(r); i++) {
		int err = hvt_reader_verify_chunk(r, i);
		if (err) {
			fprintf(stdout, "%s: corrupt: %s\n", path, hvt_reader_error(r));
			return 2;
		}
	}
	return 0;
}

static int report(const char *path, const struct hvt_trace_info *in)
{
	if (in->truncated) {
		printf("%s: truncated at offset %" PRIu64 ": %" PRIu64 " bytes lost", path,
		       in->valid_bytes, in->lost_bytes);
		if (in->lost_events_known)
			printf(", %" PRIu64 " events", in->lost_events);
		else
			printf(", event count unknown");
		printf("; %" PRIu64 " event%s in %" PRIu64 " chunk%s before it verif%s\n", in->events,
		       cli_plural(in->events), in->chunks, cli_plural(in->chunks),
		       in->events == 1 ? "ies" : "y");
		return 1;
	}
	if (!in->has_footer) {
		printf("%s: footer missing (the recording did not finish): events after the last "
		       "flush are lost; %" PRIu64 " event%s in %" PRIu64 " chunk%s verif%s\n",
		       path, in->events, cli_plural(in->events), in->chunks, cli_plural(in->chunks),
		       in->events == 1 ? "ies" : "y");
		return 1;
	}
	printf("%s: ok: %" PRIu64 " event%s in %" PRIu64 " chunk%s verif%s\n", path, in->events,
	       cli_plural(in->events), in->chunks, cli_plural(in->chunks),
	       in->events == 1 ? "ies" : "y");
	return 0;
}

int hvt_cmd_check(int argc, char **argv)
{
	int rc = cli_one_file_args(argc, argv, usage);
	if (rc >= 0)
		return rc;
	hvt_reader *r;
	if ((rc = cli_open_trace_to(argv[1], &r, stdout)) != 0)
		return rc;
	rc = verify_all(r, argv[1]);
	if (!rc) {
		struct hvt_trace_info in;
		hvt_reader_get_info(r, &in);
		rc = report(argv[1], &in);
	}
	hvt_reader_close(r);
	return rc;
}
