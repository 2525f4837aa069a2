/* entropy (arm64): prints the clock and ENTROPY_VALUES random values, one
 * line, different on every recording and byte-identical on every replay:
 *   clock_ns=<ns> random=0x<hex> 0x<hex> 0x<hex> 0x<hex>
 * Exit 0 via the power-off register. Only vCPU 0 runs it.
 * Exits of vCPU 0: 1 clock read, ENTROPY_VALUES entropy reads, the console
 * writes, 1 power-off write. */
#include "hvt_guest.h"

#define ENTROPY_VALUES 4

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	(void)n_vcpus;
	if (vcpu != 0)
		hvt_halt_forever();
	hvt_puts("clock_ns=");
	hvt_put_u64(hvt_clock_ns());
	hvt_puts(" random=");
	for (int i = 0; i < ENTROPY_VALUES; i++) {
		if (i)
			hvt_putc(' ');
		hvt_put_hex64(hvt_random64());
	}
	hvt_putc('\n');
	return 0;
}
