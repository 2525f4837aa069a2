/* bench_exits: an exit-heavy, synchronous-exit guest for benchmarks. Every
 * iteration reads the serial line status (a port read) and, every fourth
 * one, the MMIO clock (a recorded host value). Exits: 20000 port reads,
 * 5000 MMIO reads, one power-off. */
#include "hvt_guest.h"

#define ITERATIONS 20000

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	uint64_t sum = 0;
	(void)n_vcpus;
	if (vcpu != 0)
		for (;;)
			__asm__ volatile("cli; hlt");
	for (unsigned i = 0; i < ITERATIONS; i++) {
		sum += hvt_inb(HVT_PORT_SERIAL_LSR);
		if ((i & 3) == 0)
			sum += hvt_mmio_read64(HVT_MMIO_CLOCK_NS);
	}
	return sum ? 0 : 1;
}
