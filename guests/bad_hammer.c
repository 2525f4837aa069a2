/* bad_hammer: reads an unmapped MMIO address forever.
 * Expected: HVT_BAD_ACCESS_LIMIT unmapped MMIO exits, END HVT_END_BAD_ACCESS. */
#include "hvt_guest.h"

#define UNMAPPED_PA 0xe0000000ull

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	(void)vcpu;
	(void)n_vcpus;
	for (;;)
		(void)hvt_mmio_read64(UNMAPPED_PA);
}
