/* echo: copies console input to the console until a newline, polling the
 * line status register (each poll is a PIO read exit). Gives up with exit
 * code 3 after ECHO_MAX_POLLS empty polls in a row. */
#include "hvt_guest.h"

#define ECHO_MAX_POLLS 20000

int hvt_main(unsigned vcpu, unsigned n_vcpus)
{
	unsigned empty = 0;

	(void)vcpu;
	(void)n_vcpus;
	for (;;) {
		int c = hvt_getc_nonblock();
		if (c < 0) {
			if (++empty == ECHO_MAX_POLLS)
				return 3;
			continue;
		}
		empty = 0;
		hvt_putc((char)c);
		if (c == '\n')
			return 0;
	}
}
