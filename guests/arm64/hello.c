/* hello (arm64): prints one line on the MMIO console and powers off with
 * PSCI SYSTEM_OFF (exit code 0). Other vCPUs halt with IRQs masked and no
 * timer. Exits of vCPU 0: exactly strlen(HELLO_TEXT) MMIO writes to
 * HVT_MMIO_CONSOLE_DATA, then one HVC (PSCI_SYSTEM_OFF), END POWEROFF. */
#include "hvt_guest.h"

#define HELLO_TEXT "Hello from an hvtrace arm64 guest!\n"

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	(void)n_vcpus;
	if (vcpu != 0)
		hvt_halt_forever(); /* only vCPU 0 talks */
	hvt_puts(HELLO_TEXT);
	hvt_psci_system_off();
}
