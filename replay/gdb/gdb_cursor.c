/* Each vCPU's stream cursor and its next event (the driver's lookahead),
 * rebuilt after a checkpoint restore. A base file below the driver and
 * the checkpoints. */
#include "gdb_internal.h"
#include "hvtrace/error.h"

void gdb_lookahead(struct hvt_gdb *s, unsigned i)
{
	const hvt_event *ev = NULL;
	int rc = hvt_rvcpu_fetch(&s->rp.vcpus[i], &ev);

	s->next_ev[i] = rc == 1 ? ev : NULL;
	if (rc != 1)
		s->finished[i] = 1;
}

/* Cursors rebuilt and advanced to each vCPU's next_seq (after a restore). */
int gdb_reposition(struct hvt_gdb *s)
{
	for (unsigned i = 0; i < s->rp.n_vcpus; i++) {
		struct hvt_rvcpu *v = &s->rp.vcpus[i];
		const hvt_event *ev;
		hvt_stream_cursor_free(v->cur);
		v->cur = NULL;
		s->next_ev[i] = NULL;
		if (hvt_stream_cursor_create(s->rp.r, i, &v->cur) != 0) {
			v->cur = NULL;
			s->finished[i] = 1;
			continue;
		}
		for (uint64_t k = 0; k < v->next_seq; k++)
			if (hvt_stream_cursor_next(v->cur, &ev) != 1)
				return HVT_E_TRUNCATED;
		if (!s->finished[i])
			gdb_lookahead(s, i);
	}
	return 0;
}
