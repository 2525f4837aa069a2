/* hvt_flaky_rate [N]: run the flaky guest N times (default 40) and print how
 * often it fails. A measurement tool, not a test: the rate depends on timing. */
#include <stdio.h>
#include <stdlib.h>
#include "kvm_harness.h"

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 40;
	int failed = 0, errors = 0;
	char why[160];

	if (!kvm_available(why, sizeof(why))) {
		fprintf(stderr, "hvt_flaky_rate: %s\n", why);
		return 77;
	}
	for (int i = 0; i < n; i++) {
		guest_run gr;
		if (run_guest("flaky", NULL, &gr) != 0 || gr.run_rc != 0) {
			errors++;
			fprintf(stderr, "run %d: error %d %s\n", i, gr.create_rc, gr.msg);
		} else {
			failed += gr.res.exit_code != 0;
			printf("run %2d: exit %d  %s", i, gr.res.exit_code, gr.out);
		}
		guest_run_free(&gr);
	}
	printf("flaky: %d of %d runs failed (%.1f%%), %d errors\n", failed, n,
	       n ? 100.0 * failed / n : 0.0, errors);
	return 0;
}
