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

/* The columnar merged reader: every field, then a few, with seeks. */
static void walk_batches(hvt_reader *r, unsigned mask)
{
	static uint64_t u64[9][64];
	static uint32_t u32[6][64];
	static uint16_t flags[64];
	static uint8_t u8[2][64];
	static const uint8_t *data[64];
	struct hvt_columns c = {.sz = sizeof(c), .capacity = 64};
	hvt_batch_reader *b;
	uint64_t sum = 0, n = 0;
	int got;
	if (mask == HVT_COLUMNS_ALL) {
		c.time_ns = u64[0], c.seq = u64[1], c.pc = u64[2], c.addr = u64[3];
		c.value = u64[4], c.duration_ns = u64[5], c.run_ns = u64[6];
		c.syndrome = u64[7], c.fault_va = u64[8], c.stream = u32[0], c.size = u32[1];
		c.count = u32[2], c.raw_reason = u32[3], c.regs_hash = u32[4];
		c.data_len = u32[5], c.data = data, c.flags = flags, c.type = u8[0], c.kind = u8[1];
	} else {
		c.time_ns = u64[0], c.kind = u8[1], c.value = u64[4];
	}
	if (hvt_batch_reader_create(r, hvt_columns_mask(&c), &b) != 0)
		return;
	while ((got = hvt_batch_reader_next(b, &c)) > 0 && (n += (uint64_t)got) < 1000000)
		for (int i = 0; c.data && i < got; i++)
			sum += c.data_len[i] ? c.data[i][c.data_len[i] - 1] : 0; /* in bounds */
	struct hvt_stream_info si;
	if (n > 1 && hvt_reader_stream_info(r, 0, &si) == 0) {
		hvt_batch_reader_seek_seq(b, si.stream, si.last_seq / 2);
		hvt_batch_reader_next(b, &c);
		hvt_batch_reader_seek_time(b, si.first_time_ns + 1);
		hvt_batch_reader_next(b, &c);
	}
	hvt_batch_reader_free(b);
	(void)sum;
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
	walk_batches(r, HVT_COLUMNS_ALL);
	walk_batches(r, HVT_COLUMN_TIME_NS | HVT_COLUMN_KIND | HVT_COLUMN_VALUE);
	walk_streams(r);
	hvt_reader_close(r);
	return 0;
}
