/* Fuzz target: the v2 (columnar) events payload decoder on raw payload
 * bytes. Input: u16 LE event count, then the payload. The chunk's time range
 * is [0, 2^40]; every field is decoded and every data byte touched. Both
 * decoders run in lock step (events into hvt_event batches, and columns
 * straight into arrays): they must agree on every count, error and field,
 * or the target traps. */
#include <string.h>

#include "bytes.h"
#include "columns.h"
#include "hvtrace/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t a_time[HVT_COL_BATCH], a_value[HVT_COL_BATCH], a_dur[HVT_COL_BATCH];
static uint64_t a_run[HVT_COL_BATCH], a_pc[HVT_COL_BATCH], a_addr[HVT_COL_BATCH];
static uint32_t a_regs[HVT_COL_BATCH], a_len[HVT_COL_BATCH];
static uint8_t a_type[HVT_COL_BATCH], a_kind[HVT_COL_BATCH];
static const uint8_t *a_data[HVT_COL_BATCH];

static int same(const hvt_event *e, uint32_t i)
{
	return e->time_ns == a_time[i] && e->value == a_value[i] && e->duration_ns == a_dur[i] &&
	       e->run_ns == a_run[i] && e->pc == a_pc[i] && e->addr == a_addr[i] &&
	       e->regs_hash == a_regs[i] && e->data_len == a_len[i] && e->data == a_data[i] &&
	       e->type == a_type[i] && e->kind == a_kind[i];
}

/* The columnar decoder beside the event decoder, block for block. */
static void differential(const uint8_t *payload, size_t len, uint32_t events)
{
	struct hvt_col_reader r1, r2;
	struct hvt_columns c = {.sz = sizeof(c), .capacity = HVT_COL_BATCH, .time_ns = a_time,
				.value = a_value, .duration_ns = a_dur, .run_ns = a_run, .pc = a_pc,
				.addr = a_addr, .regs_hash = a_regs, .data_len = a_len,
				.data = a_data, .type = a_type, .kind = a_kind};
	static hvt_event ev[HVT_COL_BATCH];
	const char *why;
	uint32_t bad1, bad2;
	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	int o1 = hvt_col_open(&r1, payload, len, events, 0, 1ull << 40, HVT_FIELDS_ALL, &why);
	int o2 = hvt_col_open(&r2, payload, len, events, 0, 1ull << 40, HVT_FIELDS_ALL, &why);
	if (o1 != o2)
		__builtin_trap();
	while (o1 == 0) {
		int n1 = hvt_col_next_batch(&r1, ev, HVT_COL_BATCH, &bad1, &why);
		int n2 = hvt_col_next_columns(&r2, &c, 0, HVT_COL_BATCH, &bad2, &why);
		if (n1 != n2 || (n1 < 0 && bad1 != bad2))
			__builtin_trap();
		if (n1 <= 0)
			break;
		for (int i = 0; i < n1; i++)
			if (!same(&ev[i], (uint32_t)i))
				__builtin_trap();
	}
	hvt_col_reader_free(&r1);
	hvt_col_reader_free(&r2);
}

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
	if (events)
		differential(data + 2, size - 2, events);
	return sum == 1 ? 0 : 0;
}
