/* bad_spin: an infinite loop with no exits. Expected: END HVT_END_TIMEOUT
 * when the VM is run with a timeout. */
#include "hvt_guest.h"

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	(void)vcpu;
	(void)n_vcpus;
	for (;;)
		__asm__ volatile("" ::: "memory");
}
