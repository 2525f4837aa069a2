/* Fuzz target: a whole trace file through every reader entry point. Must
 * never crash, hang or read out of bounds, whatever the bytes. */
#include <stddef.h>
#include <stdint.h>

#include "hvtrace/hvtrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk_merged(hvt_reader *r)
{
	const hvt_event *ev;
	uint64_t n = 0;
	while (hvt_reader_next(r, &ev) == 1 && ++n < 1000000)
		;
	if (n > 1 && hvt_reader_stream_count(r) > 0) {
		struct hvt_stream_info si;
		if (hvt_reader_stream_info(r, 0, &si) == 0) {
			hvt_reader_seek_seq(r, si.stream, si.last_seq / 2);
			hvt_reader_next(r, &ev);
			hvt_reader_seek_time(r, si.first_time_ns + 1);
			hvt_reader_next(r, &ev);
		}
	}
}

static void walk_streams(hvt_reader *r)
{
	for (uint32_t i = 0; i < hvt_reader_stream_count(r); i++) {
		struct hvt_stream_info si;
		hvt_stream_cursor *c;
		const hvt_event *ev;
		if (hvt_reader_stream_info(r, i, &si) != 0 ||
		    hvt_stream_cursor_create(r, si.stream, &c) != 0)
			continue;
		while (hvt_stream_cursor_next(c, &ev) == 1)
			;
		hvt_stream_cursor_free(c);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hvt_reader *r;
	struct hvt_trace_info info;
	const uint8_t *blob;
	size_t len;
	if (hvt_reader_open_memory(&r, data, size, NULL) != 0)
		return 0;
	hvt_reader_get_info(r, &info);
	for (uint64_t i = 0; i < hvt_reader_chunk_count(r); i++)
		hvt_reader_verify_chunk(r, i);
	hvt_reader_blob(r, "guest-image", &blob, &len);
	walk_merged(r);
	walk_streams(r);
	hvt_reader_close(r);
	return 0;
}
