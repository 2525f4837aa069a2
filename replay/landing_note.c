/* The memory part of a landing's divergence report: how many stops matched
 * PC and registers but not the memory fingerprint. A base file: landing.c
 * and the watchdog (which reports a landing that takes too long) both call
 * it, and it calls neither. */
#include <inttypes.h>
#include <stdio.h>

#include "replay_internal.h"

void hvt_landing_note(const struct hvt_rvcpu *v, char *buf, size_t len)
{
	buf[0] = 0;
	if (!v->fp_mismatches)
		return;
	snprintf(buf, len, "; %" PRIu64 " stop(s) on the way matched the recorded PC and "
		 "registers but not the memory fingerprint (%s: recorded 0x%016" PRIx64
		 ", last live 0x%016" PRIx64 "): guest memory differs from the recording's there",
		 v->fp_mismatches, hvt_mem_fp_method_name(v->fp_method), v->fp_want,
		 v->fp_last_live);
}
