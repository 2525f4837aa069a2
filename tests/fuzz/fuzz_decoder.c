/* Fuzz target: the event decoder on raw (decompressed) payload bytes. */
#include "codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hvt_codec_state st;
	const uint8_t *p = data, *end = data + size;
	const char *why;
	hvt_event ev;
	uint64_t sum = 0;
	hvt_codec_reset(&st, size ? data[0] : 0);
	while (p < end && hvt_event_decode(&st, &p, end, &ev, &why) == 0) {
		sum += ev.time_ns + ev.data_len;
		if (ev.data_len)
			sum += ev.data[ev.data_len - 1]; /* touch the last byte: must be in bounds */
	}
	return sum == 1 ? 0 : 0;
}
