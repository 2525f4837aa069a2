/* bad_triple: executes UD2 with an IDT whose gates are all absent:
 * #UD -> #NP -> #DF -> triple fault. Expected: END HVT_END_SHUTDOWN. */
#include "hvt_guest.h"

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	(void)vcpu;
	(void)n_vcpus;
	hvt_puts("about to triple fault\n");
	__asm__ volatile("ud2");
	return 0;
}
