/* mmio: reads the MMIO clock twice and the MMIO entropy register four times,
 * checks the clock does not go backwards, writes one marker, prints a fixed
 * line. Exits: exactly MMIO_CLOCK_READS + MMIO_ENTROPY_READS MMIO reads,
 * one marker PIO write, strlen(line) serial writes, one power-off. */
#include "hvt_guest.h"

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	uint64_t t0, t1, mix = 0;

	(void)vcpu;
	(void)n_vcpus;
	t0 = hvt_clock_ns();
	for (int i = 0; i < 4; i++)
		mix ^= hvt_random64();
	t1 = hvt_clock_ns();
	hvt_marker(7, mix);
	if (t1 < t0) {
		hvt_puts("mmio: clock went backwards\n");
		return 2;
	}
	hvt_puts("mmio: ok\n");
	return 0;
}
