/* mmio (arm64): reads the clock, the entropy register four times, the
 * clock again; writes one marker (id 7, value = the XOR of the four random
 * values); prints the values and checks the clock did not go backwards.
 * Console: "mmio: t0=<ns> t1=<ns> mix=0x<hex>" then "mmio: ok" (exit 0), or
 * "mmio: clock went backwards" (exit 2). Only vCPU 0 runs it.
 * Exits of vCPU 0: 2 clock reads, 4 entropy reads, 1 marker write, the
 * console writes, 1 power-off write. */
#include "hvt_guest.h"

#define MMIO_ENTROPY_READS 4

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	uint64_t t0, t1, mix = 0;

	(void)n_vcpus;
	if (vcpu != 0)
		hvt_halt_forever();
	t0 = hvt_clock_ns();
	for (int i = 0; i < MMIO_ENTROPY_READS; i++)
		mix ^= hvt_random64();
	t1 = hvt_clock_ns();
	hvt_marker(7, mix);
	hvt_puts("mmio: t0=");
	hvt_put_u64(t0);
	hvt_puts(" t1=");
	hvt_put_u64(t1);
	hvt_puts(" mix=");
	hvt_put_hex64(mix);
	hvt_putc('\n');
	if (t1 < t0) {
		hvt_puts("mmio: clock went backwards\n");
		return 2;
	}
	hvt_puts("mmio: ok\n");
	return 0;
}
