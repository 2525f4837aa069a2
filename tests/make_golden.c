/* Writes tests/golden/v1-basic.hvt from golden_spec (3 streams, every event
 * type, metadata with a key set twice, a small blob, several chunks per
 * stream interleaved in the file, and a footer), or with --v2
 * tests/golden/v2-basic.hvt from golden_v2_spec in format v2.
 *
 * Run ONCE, by hand, and commit the output:
 *     build/bin/make_golden tests/golden/v1-basic.hvt
 *     build/bin/make_golden --v2 tests/golden/v2-basic.hvt
 * ctest never runs this: the committed file pins what v1 readers accept.
 *
 * The layout is deterministic: the flush interval never fires, chunks close
 * when they reach GOLDEN_CHUNK_RAW or at an explicit flush between batches,
 * and the header's wall-clock creation time is patched to a constant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden_spec.h"
#include "golden_v2_spec.h"
#include "layout.h"

static int gfail(const char *what, int rc)
{
	fprintf(stderr, "make_golden: %s: %s\n", what, hvt_strerror(rc));
	return 1;
}

static int v2;

static int write_body(hvt_writer *w)
{
	const struct golden_meta *m;
	size_t nm = golden_meta_written(&m);
	for (size_t i = 0; i < nm; i++) {
		int rc = hvt_writer_set_meta(w, m[i].key, m[i].value, m[i].len);
		if (rc)
			return gfail("set_meta", rc);
	}
	uint8_t blob[GOLDEN_BLOB_BYTES];
	golden_blob(blob);
	int rc = hvt_writer_put_blob(w, GOLDEN_BLOB_NAME, blob, sizeof(blob));
	if (rc)
		return gfail("put_blob", rc);
	struct tev_list ev[GOLDEN_STREAMS] = {{0}};
	hvt_stream *s[GOLDEN_STREAMS];
	for (uint32_t i = 0; i < GOLDEN_STREAMS; i++) {
		if (v2)
			golden2_events(i, &ev[i]);
		else
			golden_events(i, &ev[i]);
		if ((rc = hvt_writer_open_stream(w, i, &s[i])) != 0)
			return gfail("open_stream", rc);
	}
	/* Round robin in batches, flushing after each: chunks of the three
	 * streams interleave in the file, at deterministic boundaries. */
	for (uint32_t b = 0; b < GOLDEN_EVENTS; b += GOLDEN_BATCH) {
		for (uint32_t i = 0; i < GOLDEN_STREAMS; i++) {
			for (uint32_t k = b; k < b + GOLDEN_BATCH && k < GOLDEN_EVENTS; k++)
				if ((rc = hvt_stream_append(s[i], &ev[i].ev[k])) != 0)
					return gfail("append", rc);
			if ((rc = hvt_writer_flush(w)) != 0)
				return gfail("flush", rc);
		}
	}
	for (uint32_t i = 0; i < GOLDEN_STREAMS; i++)
		tev_list_free(&ev[i]);
	return 0;
}

/* Replaces the wall-clock creation time with GOLDEN_CREATED. */
static int patch_header(const char *path)
{
	FILE *f = fopen(path, "r+b");
	uint8_t hb[HVT_FILE_HEADER_BYTES];
	struct hvt_file_header fh;
	if (!f || fread(hb, 1, sizeof(hb), f) != sizeof(hb) || hvt_file_header_decode(hb, &fh) != 0)
		return gfail("reading the header back", HVT_E_IO);
	fh.created_unix_ns = GOLDEN_CREATED;
	hvt_file_header_encode(&fh, hb);
	if (fseek(f, 0, SEEK_SET) != 0 || fwrite(hb, 1, sizeof(hb), f) != sizeof(hb) || fclose(f) != 0)
		return gfail("patching the header", HVT_E_IO);
	return 0;
}

int main(int argc, char **argv)
{
	v2 = argc == 3 && strcmp(argv[1], "--v2") == 0;
	if (argc != 2 + v2) {
		fprintf(stderr, "usage: make_golden [--v2] OUT.hvt\n");
		return 64;
	}
	argv += v2;
	struct hvt_writer_opts o = HVT_WRITER_OPTS_INIT;
	o.format_version = v2 ? 2 : 1;
	o.zstd_level = 1;
	o.chunk_raw_bytes = GOLDEN_CHUNK_RAW;
	o.flush_interval_ms = 3600u * 1000u; /* never: flushes are explicit */
	o.time_origin_ns = GOLDEN_TIME_ORIGIN;
	hvt_writer *w;
	int rc = hvt_writer_create(&w, argv[1], &o);
	if (rc)
		return gfail("create", rc);
	if (write_body(w) != 0)
		return 1;
	if ((rc = hvt_writer_close(w)) != 0)
		return gfail("close", rc);
	return patch_header(argv[1]);
}
