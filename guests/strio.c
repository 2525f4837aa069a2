/* strio: string port I/O. Prints a line with one REP OUTSB (KVM reports it
 * as PIO exits with count > 1), then reads 4 bytes of line status with one
 * REP INSB and prints them in hex. Exit code 0. */
#include "hvt_guest.h"

static const char line[] = "string I/O says hi\n";

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	uint8_t lsr[4] = { 0 };
	const void *src = line;
	void *dst = lsr;
	uint64_t n = sizeof(line) - 1;

	(void)vcpu;
	(void)n_vcpus;
	__asm__ volatile("cld; rep outsb" : "+S"(src), "+c"(n)
			 : "d"((uint16_t)HVT_PORT_SERIAL_DATA) : "memory");
	n = sizeof(lsr);
	__asm__ volatile("cld; rep insb" : "+D"(dst), "+c"(n)
			 : "d"((uint16_t)HVT_PORT_SERIAL_LSR) : "memory");
	for (int i = 0; i < 4; i++) {
		hvt_put_hex64(lsr[i]);
		hvt_putc(i == 3 ? '\n' : ' ');
	}
	return 0;
}
