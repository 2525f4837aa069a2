/* bench_exits (arm64): an exit-heavy, synchronous-exit guest for
 * benchmarks, the twin of guests/bench_exits.c. Every iteration reads the
 * console status register (a constant) and, every fourth one, the clock (a
 * recorded host value). Exits of vCPU 0: 20000 + 5000 MMIO reads, one
 * power-off write; exit code 0, no console output. */
#include "hvt_guest.h"

#define ITERATIONS 20000

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	uint64_t sum = 0;

	(void)n_vcpus;
	if (vcpu != 0)
		hvt_halt_forever();
	for (unsigned i = 0; i < ITERATIONS; i++) {
		sum += hvt_mmio_read64(HVT_MMIO_CONSOLE_STATUS);
		if ((i & 3) == 0)
			sum += hvt_clock_ns();
	}
	return sum ? 0 : 1;
}
