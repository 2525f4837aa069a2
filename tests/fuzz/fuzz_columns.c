/* Fuzz target: the v2 (columnar) events payload decoder on raw payload
 * bytes. Input: u16 LE event count, then the payload. The chunk's time range
 * is [0, 2^40]; every field is decoded and every data byte touched. */
#include <string.h>

#include "bytes.h"
#include "columns.h"
#include "hvtrace/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hvt_col_reader r;
	hvt_event ev[HVT_COL_BATCH];
	const char *why;
	uint32_t bad;
	uint64_t sum = 0;
	int n;
	if (size < 2)
		return 0;
	memset(&r, 0, sizeof(r));
	uint32_t events = hvt_get_le16(data);
	if (events && hvt_col_open(&r, data + 2, size - 2, events, 0, 1ull << 40, HVT_FIELDS_ALL,
				   &why) == 0) {
		while ((n = hvt_col_next_batch(&r, ev, HVT_COL_BATCH, &bad, &why)) > 0)
			for (int i = 0; i < n; i++) {
				sum += ev[i].time_ns + ev[i].value + ev[i].run_ns;
				if (ev[i].data_len) /* the last byte must be in bounds */
					sum += ev[i].data[ev[i].data_len - 1];
			}
		sum += hvt_col_end_problem(&r) != NULL;
	}
	hvt_col_reader_free(&r);
	return sum == 1 ? 0 : 0;
}
