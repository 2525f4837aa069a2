/* entropy: prints the clock and two random values; different every run. */
#include "hvt_guest.h"

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	(void)vcpu;
	(void)n_vcpus;
	hvt_puts("clock_ns=");
	hvt_put_u64(hvt_clock_ns());
	hvt_puts(" random=");
	hvt_put_hex64(hvt_random64());
	hvt_putc(' ');
	hvt_put_hex64(hvt_random64());
	hvt_putc('\n');
	return 0;
}
