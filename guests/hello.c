/* hello: prints one line through the serial port and exits 0.
 * Exits: exactly strlen(HELLO_TEXT) PIO writes to 0x3f8 and one power-off. */
#include "hvt_guest.h"

#define HELLO_TEXT "Hello from an hvtrace guest!\n"

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	(void)n_vcpus;
	if (vcpu != 0)
		for (;;)
			__asm__ volatile("cli; hlt"); /* only vCPU 0 talks */
	hvt_puts(HELLO_TEXT);
	return 0;
}
