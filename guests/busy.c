/* busy: exits forever, for crash and full-disk tests. Reads the serial line
 * status in a loop and drops a marker every 1000 iterations carrying the
 * iteration count, so a cut trace shows how far the guest got. Never ends
 * by itself: stop it with a timeout, a signal, or a full disk. */
#include "hvt_guest.h"

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	(void)n_vcpus;
	if (vcpu != 0)
		for (;;)
			__asm__ volatile("cli; hlt");
	for (uint64_t i = 1;; i++) {
		(void)hvt_inb(HVT_PORT_SERIAL_LSR);
		if (i % 1000 == 0)
			hvt_marker(1, i);
	}
	return 0;
}
