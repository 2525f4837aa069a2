/* What tests/golden/v2-basic.hvt holds (format v2, columnar events).
 *
 * FROZEN, like golden_spec.h: make_golden --v2 wrote the committed file from
 * this code once; test_golden compares the file against it. The events are
 * v1's golden events (golden_spec.c, itself frozen) with arm64's additions on
 * stream 2 (34-register async interrupts, cleared interrupts; exits there
 * already carry syndrome and fault_va) and, on every 7th event of every
 * stream, every field of hvt_event set whatever the type: v2 carries them
 * all. Metadata and blob are v1's. */
#ifndef HVT_TEST_GOLDEN_V2_SPEC_H
#define HVT_TEST_GOLDEN_V2_SPEC_H

#include "golden_spec.h"

#define GOLDEN2_SEED 0x601de4a12ull
#define GOLDEN2_ARM64_STREAM 2u

/* The events of stream s of the v2 golden trace. */
void golden2_events(uint32_t s, struct tev_list *out);

#endif
