/* The corpus of hostile and corrupt traces in tests/reject/ (written once by
 * make_reject): each is opened, every chunk verified and every event
 * iterated, and the first failure must be the expected error code, with a
 * message that names the file offset. Every file in the directory must be
 * in the table, so no case goes untested. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

struct reject_case {
	const char *file;
	int code;
	int stage; /* where it must be caught: 1 open, 2 verify, 3 iterate */
	int events_chunk; /* stage 2 in an events chunk: iteration alone catches it too */
};

static const struct reject_case cases[] = {
	{"bad-file-magic.hvt", HVT_E_BAD_MAGIC, 1, 0},
	{"unsupported-major-version.hvt", HVT_E_BAD_VERSION, 1, 0},
	{"file-header-checksum.hvt", HVT_E_HEADER_CHECKSUM, 1, 0},
	{"too-short.hvt", HVT_E_TRUNCATED, 1, 0},
	{"empty.hvt", HVT_E_BAD_MAGIC, 1, 0},
	{"garbage-after-trailer.hvt", HVT_E_BAD_LENGTH, 1, 0},
	{"trailer-checksum.hvt", HVT_E_HEADER_CHECKSUM, 1, 0},
	{"trailer-points-outside.hvt", HVT_E_BAD_INDEX, 1, 0},
	{"chunk-header-checksum.hvt", HVT_E_HEADER_CHECKSUM, 1, 0},
	{"chunk-bad-magic.hvt", HVT_E_BAD_MAGIC, 1, 0},
	{"chunk-raw-over-32mib.hvt", HVT_E_BAD_LENGTH, 1, 0},
	{"chunk-stored-past-file.hvt", HVT_E_BAD_INDEX, 1, 0},
	{"chunk-events-over-half-raw.hvt", HVT_E_BAD_LENGTH, 1, 0},
	{"chunk-last-seq-inconsistent.hvt", HVT_E_BAD_LENGTH, 1, 0},
	{"chunk-stream-out-of-range.hvt", HVT_E_BAD_LENGTH, 1, 0},
	{"chunk-unknown-type.hvt", HVT_E_BAD_LENGTH, 1, 0},
	{"chunk-time-reversed.hvt", HVT_E_BAD_LENGTH, 1, 0},
	{"meta-value-past-end.hvt", HVT_E_BAD_LENGTH, 1, 0},
	{"stream-sequence-skips.hvt", HVT_E_SEQUENCE, 1, 0},
	{"stream-time-goes-back.hvt", HVT_E_SEQUENCE, 1, 0},
	{"index-overlapping-entries.hvt", HVT_E_BAD_INDEX, 1, 0},
	{"index-count-disagrees.hvt", HVT_E_BAD_INDEX, 1, 0},
	{"index-entry-differs-from-chunk.hvt", HVT_E_BAD_INDEX, 2, 1},
	{"payload-checksum.hvt", HVT_E_PAYLOAD_CHECKSUM, 2, 1},
	{"decompress-longer-than-declared.hvt", HVT_E_DECOMPRESS, 2, 1},
	{"decompress-shorter-than-declared.hvt", HVT_E_DECOMPRESS, 2, 1},
	{"event-invalid-kind.hvt", HVT_E_BAD_EVENT, 2, 1},
	{"bytes-after-last-event.hvt", HVT_E_BAD_LENGTH, 2, 1},
	{"last-time-mismatch.hvt", HVT_E_SEQUENCE, 2, 1},
	{"first-time-mismatch.hvt", HVT_E_SEQUENCE, 2, 1},
	{"blob-part-past-total.hvt", HVT_E_BAD_LENGTH, 2, 0},
	/* v2 (columnar) payloads, checksums valid */
	{"v2-shape-invalid-kind.hvt", HVT_E_BAD_EVENT, 2, 1},
	{"v2-shape-count-zero.hvt", HVT_E_BAD_EVENT, 2, 1},
	{"v2-shape-id-out-of-range.hvt", HVT_E_BAD_EVENT, 2, 1},
	{"v2-column-width-too-big.hvt", HVT_E_BAD_LENGTH, 2, 1},
	{"v2-column-wider-than-values.hvt", HVT_E_BAD_LENGTH, 2, 1},
	{"v2-column-past-payload.hvt", HVT_E_BAD_LENGTH, 2, 1},
	{"v2-bytes-after-last-column.hvt", HVT_E_BAD_LENGTH, 2, 1},
	{"v2-data-past-chunk.hvt", HVT_E_BAD_EVENT, 2, 1},
	{"v2-first-time-mismatch.hvt", HVT_E_SEQUENCE, 2, 1},
	{"v2-last-time-mismatch.hvt", HVT_E_SEQUENCE, 2, 1},
	{"v2-time-past-last.hvt", HVT_E_SEQUENCE, 2, 1},
	{"v2-v1-payload.hvt", HVT_E_BAD_EVENT, 2, 1},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static const char *dir;

/* Runs the full check; returns the first error, its stage and message. */
static int check_file(const char *path, int by_memory, int skip_verify, int *stage, char *msg,
		      size_t msg_len)
{
	hvt_reader *r;
	size_t len = 0;
	uint8_t *buf = by_memory ? tslurp(path, &len) : NULL;
	int rc = by_memory ? hvt_reader_open_memory(&r, buf, len, NULL) : hvt_reader_open(&r, path, NULL);
	*stage = 1;
	if (rc) {
		snprintf(msg, msg_len, "%s", hvt_reader_open_error());
		free(buf);
		return rc;
	}
	*stage = 2;
	rc = skip_verify ? 0 : tverify_all(r);
	if (!rc) {
		const hvt_event *ev;
		*stage = 3;
		while ((rc = hvt_reader_next(r, &ev)) == 1)
			;
	}
	snprintf(msg, msg_len, "%s", rc ? hvt_reader_error(r) : "");
	if (!rc)
		*stage = 0;
	/* The offset in the message is the one hvt_reader_error_offset gives. */
	const char *at = strstr(msg, "offset ");
	if (rc && at && strtoull(at + 7, NULL, 10) != hvt_reader_error_offset(r))
		fail_msg("%s: message says %s but error_offset is %llu", path, at,
			 (unsigned long long)hvt_reader_error_offset(r));
	hvt_reader_close(r);
	free(buf);
	return rc;
}

static void test_reject_corpus(void **state)
{
	(void)state;
	char path[1024], msg[512];
	for (size_t i = 0; i < NCASES; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].file);
		for (int mem = 0; mem < 2; mem++) {
			int stage;
			int rc = check_file(path, mem, 0, &stage, msg, sizeof(msg));
			print_message("%-40s %-4s %3d stage %d: %s\n", cases[i].file, mem ? "mem" : "file",
				      rc, stage, msg);
			if (rc != cases[i].code)
				fail_msg("%s: got %d (%s), want %d (%s): %s", cases[i].file, rc,
					 hvt_strerror(rc), cases[i].code, hvt_strerror(cases[i].code), msg);
			if (stage != cases[i].stage)
				fail_msg("%s: caught at stage %d, want %d", cases[i].file, stage,
					 cases[i].stage);
			if (!strstr(msg, "offset"))
				fail_msg("%s: the message names no offset: %s", cases[i].file, msg);
		}
	}
}

/* What verify catches, plain iteration catches too. */
static void test_reject_by_iteration(void **state)
{
	(void)state;
	char path[1024], msg[512];
	for (size_t i = 0; i < NCASES; i++) {
		int stage;
		if (!cases[i].events_chunk)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].file);
		int rc = check_file(path, 0, 1, &stage, msg, sizeof(msg));
		if (rc != cases[i].code || stage != 3)
			fail_msg("%s: iteration gave %d at stage %d, want %d at stage 3: %s",
				 cases[i].file, rc, stage, cases[i].code, msg);
		assert_non_null(strstr(msg, "offset"));
	}
}

/* Every file in the corpus has an expected code. */
static void test_corpus_complete(void **state)
{
	(void)state;
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t files = 0;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		size_t i = 0;
		while (i < NCASES && strcmp(cases[i].file, de->d_name) != 0)
			i++;
		if (i == NCASES)
			fail_msg("%s/%s has no entry in the table", dir, de->d_name);
		files++;
	}
	closedir(d);
	assert_int_equal(files, NCASES);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_reject REJECT_DIR\n");
		return 2;
	}
	dir = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reject_corpus),
		cmocka_unit_test(test_reject_by_iteration),
		cmocka_unit_test(test_corpus_complete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
