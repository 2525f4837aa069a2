/* hvtrace convert IN OUT: the same trace in another format version.
 *
 * Every event of every stream (same stream ids, sequence numbers and
 * fields), the metadata (each key's last value), the blobs and the time
 * origin are carried over. OUT is written under a temporary name beside it,
 * checked by reading it back, and only then renamed: a failure never leaves
 * half a trace at OUT, and an existing OUT is replaced only with --force. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define HVT_EXIT_CANTCREAT 73 /* OUT exists (sysexits EX_CANTCREAT) */

struct convert_opts {
	uint32_t version;  /* format major to write */
	int level;         /* zstd level; 0 = the writer's default */
	int force;         /* replace an existing OUT */
	const char *in;
	const char *out;
};

static void usage(FILE *f)
{
	fputs("usage: hvtrace convert [--format-version N] [--level N] [--force] IN OUT\n\n"
	      "Rewrites the trace IN as OUT in format version N: 2 (columnar events, the\n"
	      "default) or 1 (row-coded events, what readers before v2 read). Every event\n"
	      "of every stream, the metadata, the blobs and the time origin are kept;\n"
	      "`hvtrace diff IN OUT` finds no difference. A truncated IN converts what it\n"
	      "holds (complete chunks) and says what was lost.\n\n"
	      "OUT is written to a temporary file beside it, read back and checked, then\n"
	      "renamed: a failure leaves no partial OUT. An existing OUT is refused\n"
	      "unless --force.\n\n"
	      "  --format-version N  1 or 2 (default 2)\n"
	      "  --level N           zstd level (default 1)\n"
	      "  --force             replace OUT if it exists\n\n"
	      "Exit status: 0 converted; 1 converted from a truncated IN or one whose\n"
	      "footer is missing; 2 IN is corrupt (nothing written); 64 bad command line;\n"
	      "66 IN cannot be read; 73 OUT exists; 74 writing OUT failed.\n", f);
}

static int parse(int argc, char **argv, struct convert_opts *o)
{
	static const struct option longs[] = {
		{"format-version", required_argument, NULL, 'V'}, {"level", required_argument, NULL, 'l'},
		{"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	uint64_t v;
	int c;
	*o = (struct convert_opts){.version = 2};
	optind = 1;
	while ((c = getopt_long(argc, argv, "V:l:fh", longs, NULL)) != -1) {
		if (c == 'V' && (cli_parse_u64(optarg, &v) != 0 || v < 1 || v > 2)) {
			cli_err("convert: --format-version must be 1 or 2, not '%s'", optarg);
			return HVT_EXIT_USAGE;
		} else if (c == 'V') {
			o->version = (uint32_t)v;
		} else if (c == 'l' && (cli_parse_u64(optarg, &v) != 0 || v < 1 || v > 22)) {
			cli_err("convert: --level must be 1..22, not '%s'", optarg);
			return HVT_EXIT_USAGE;
		} else if (c == 'l') {
			o->level = (int)v;
		} else if (c == 'f') {
			o->force = 1;
		} else {
			return cli_help_or_bad_option(c, usage);
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return HVT_EXIT_USAGE;
	}
	o->in = argv[optind];
	o->out = argv[optind + 1];
	return -1;
}

static int copy_meta_and_blobs(hvt_reader *r, hvt_writer *w)
{
	for (size_t i = 0; i < hvt_reader_meta_count(r); i++) {
		const char *k, *v;
		size_t len;
		int err = hvt_reader_meta_at(r, i, &k, &v, &len);
		if (!err)
			err = hvt_writer_set_meta(w, k, v, len);
		if (err)
			return err;
	}
	char name[256];
	int err;
	for (size_t i = 0; (err = hvt_reader_blob_name(r, i, name, sizeof(name))) == 0; i++) {
		const uint8_t *data;
		size_t len;
		if ((err = hvt_reader_blob(r, name, &data, &len)) != 0 ||
		    (err = hvt_writer_put_blob(w, name, data, len)) != 0)
			return err;
	}
	return err == HVT_E_NOT_FOUND ? 0 : err;
}

/* Every stream, one after the other: each keeps its own order and ids. */
static int copy_events(hvt_reader *r, hvt_writer *w, char *why, size_t why_len)
{
	for (uint32_t i = 0; i < hvt_reader_stream_count(r); i++) {
		struct hvt_stream_info si;
		hvt_stream_cursor *c;
		hvt_stream *s;
		const hvt_event *ev;
		int rc = hvt_reader_stream_info(r, i, &si);
		if (!rc && (rc = hvt_stream_cursor_create(r, si.stream, &c)) != 0)
			snprintf(why, why_len, "%s", hvt_reader_error(r));
		if (rc)
			return rc;
		rc = hvt_writer_open_stream(w, si.stream, &s);
		while (rc == 0 && (rc = hvt_stream_cursor_next(c, &ev)) == 1)
			rc = hvt_stream_append(s, ev);
		if (rc < 0) /* the cursor's message goes with it: keep a copy */
			snprintf(why, why_len, "%s", hvt_stream_cursor_error(c));
		hvt_stream_cursor_free(c);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Reads tmp back: every chunk verifies and it holds as many events as in. */
static int check_output(const char *tmp, uint64_t want_events)
{
	hvt_reader *r;
	struct hvt_trace_info info;
	if (hvt_reader_open(&r, tmp, NULL) != 0) {
		cli_err("convert: reading the new trace back: %s", hvt_reader_open_error());
		return HVT_EXIT_SOFTWARE;
	}
	int err = 0;
	for (uint64_t i = 0; i < hvt_reader_chunk_count(r) && !err; i++)
		err = hvt_reader_verify_chunk(r, i);
	hvt_reader_get_info(r, &info);
	if (err || info.events != want_events)
		cli_err("convert: the new trace does not read back: %s",
			err ? hvt_reader_error(r) : "event count differs");
	hvt_reader_close(r);
	return err || info.events != want_events ? HVT_EXIT_SOFTWARE : 0;
}

static int write_tmp(hvt_reader *r, const struct convert_opts *o, const char *tmp)
{
	struct hvt_trace_info in;
	hvt_reader_get_info(r, &in);
	struct hvt_writer_opts wo = HVT_OPTS(hvt_writer_opts, .format_version = o->version,
					     .zstd_level = o->level, .time_origin_ns = in.time_origin_ns);
	hvt_writer *w;
	char why[320] = "";
	if (hvt_writer_create(&w, tmp, &wo) != 0) {
		cli_err("convert: %s: %s", o->out, hvt_writer_last_error());
		return HVT_EXIT_IOERR;
	}
	int err = copy_meta_and_blobs(r, w);
	if (err)
		snprintf(why, sizeof(why), "%s", hvt_reader_error(r));
	if (!err)
		err = copy_events(r, w, why, sizeof(why));
	int cerr = hvt_writer_close(w);
	if (err) {
		cli_err("convert: %s: %s", o->in, *why ? why : hvt_strerror(err));
		return err == HVT_E_NO_SPACE || err == HVT_E_IO ? HVT_EXIT_IOERR : 2;
	}
	if (cerr) {
		cli_err("convert: %s: %s", o->out, hvt_writer_last_error());
		return HVT_EXIT_IOERR;
	}
	return check_output(tmp, in.events);
}

/* The status for a finished conversion: 1 when IN had lost something. */
static int report(hvt_reader *r, const struct convert_opts *o)
{
	struct hvt_trace_info in;
	hvt_reader_get_info(r, &in);
	if (in.truncated) {
		fprintf(stderr, "hvtrace: convert: %s is truncated at offset %" PRIu64 ": %" PRIu64
			" bytes lost; converted the %" PRIu64 " events before it\n",
			o->in, in.valid_bytes, in.lost_bytes, in.events);
		return 1;
	}
	if (!in.has_footer) {
		fprintf(stderr, "hvtrace: convert: %s has no footer (the recording did not finish); "
			"converted its %" PRIu64 " events\n", o->in, in.events);
		return 1;
	}
	return 0;
}

/* tmp becomes out. Without force, link() refuses an out that appeared since
 * the first look (no check-then-replace race); with it, rename replaces. */
static int publish(const char *tmp, const char *out, int force)
{
	if (force ? rename(tmp, out) == 0 : link(tmp, out) == 0) {
		if (!force)
			unlink(tmp);
		return 0;
	}
	int e = errno;
	cli_err("convert: %s: %s%s", out, strerror(e), e == EEXIST ? " (use --force)" : "");
	return e == EEXIST ? HVT_EXIT_CANTCREAT : HVT_EXIT_IOERR;
}

int hvt_cmd_convert(int argc, char **argv)
{
	struct convert_opts o;
	struct stat sb;
	hvt_reader *r;
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (!o.force && lstat(o.out, &sb) == 0) {
		cli_err("convert: %s exists; not replacing it (use --force)", o.out);
		return HVT_EXIT_CANTCREAT;
	}
	if ((rc = cli_open_trace(o.in, &r)) != 0)
		return rc;
	size_t tlen = strlen(o.out) + 16;
	char *tmp = malloc(tlen);
	if (!tmp) {
		hvt_reader_close(r);
		return HVT_EXIT_SOFTWARE;
	}
	snprintf(tmp, tlen, "%s.tmp%ld", o.out, (long)getpid());
	if (lstat(tmp, &sb) == 0) {
		cli_err("convert: %s exists; not replacing it", tmp);
		free(tmp);
		hvt_reader_close(r);
		return HVT_EXIT_CANTCREAT;
	}
	rc = write_tmp(r, &o, tmp);
	if (!rc)
		rc = publish(tmp, o.out, o.force);
	if (rc)
		unlink(tmp);
	else
		rc = report(r, &o);
	free(tmp);
	hvt_reader_close(r);
	return rc;
}
