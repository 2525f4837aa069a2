/* Fuzz target: the replay engine consuming a trace's events on real KVM.
 * Whatever the trace says, replay must refuse, diverge or finish: never
 * crash, hang or touch the host beyond discarding console bytes. Without
 * /dev/kvm every input ends at once as "no KVM" (the regression run still
 * exercises the configuration checks). */
#include <stdio.h>

#include "hvtrace/hvtrace.h"
#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	hvt_reader *r;
	struct hvt_replay_result res;
	struct hvt_replay_opts o = HVT_REPLAY_OPTS_INIT;
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		return 0;
	if (hvt_reader_open_memory(&r, data, size, NULL) != 0)
		return 0;
	o.console_fd = -1;
	o.report = devnull;
	hvt_replay_run(r, &o, &res);
	hvt_reader_close(r);
	return 0;
}
