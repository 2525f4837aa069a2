/* Fuzz target: one chunk. The input is a chunk header followed by its
 * payload; the harness puts a valid file header in front and fixes up both
 * checksums, so the fuzzer explores what lies behind them (bounds checks,
 * zstd, the event decoder) instead of stopping at the checksums. The top
 * bit of the header's byte 7 (flags, high byte) picks the file's major:
 * clear v1 (row payloads, the older corpus), set v2 (columnar payloads);
 * the harness clears it in the file. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "bytes.h"
#include "hvtrace/hvtrace.h"
#include "layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HVT_CHUNK_HEADER_BYTES || size > (1u << 20))
		return 0;
	size_t total = HVT_FILE_HEADER_BYTES + size;
	uint8_t *file = malloc(total);
	if (!file)
		return 0;
	uint16_t major = data[7] & 0x80 ? HVT_FORMAT_V2 : HVT_FORMAT_V1;
	struct hvt_file_header fh = {.version_major = major, .clock_id = HVT_CLOCK_MONOTONIC};
	hvt_file_header_encode(&fh, file);
	uint8_t *chunk = file + HVT_FILE_HEADER_BYTES;
	memcpy(chunk, data, size);
	chunk[7] &= 0x7f;
	hvt_put_le32(chunk, HVT_CHUNK_MAGIC);
	/* stored_bytes = what follows, payload hash over it, then the header hash. */
	uint32_t stored = (uint32_t)(size - HVT_CHUNK_HEADER_BYTES);
	hvt_put_le32(chunk + 12, stored);
	hvt_put_le64(chunk + 56, XXH3_64bits(chunk + HVT_CHUNK_HEADER_BYTES, stored));
	hvt_put_le64(chunk + 64, XXH3_64bits(chunk, 64));
	hvt_reader *r;
	if (hvt_reader_open_memory(&r, file, total, NULL) == 0) {
		const hvt_event *ev;
		for (uint64_t i = 0; i < hvt_reader_chunk_count(r); i++)
			hvt_reader_verify_chunk(r, i);
		while (hvt_reader_next(r, &ev) == 1)
			;
		hvt_reader_close(r);
	}
	free(file);
	return 0;
}
