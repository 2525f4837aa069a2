/* Loss notes: see losses.h. */
#include "losses.h"

#include <inttypes.h>

int an_note_losses(FILE *f, hvt_reader *r, const char *path)
{
	struct hvt_trace_info in;
	hvt_reader_get_info(r, &in);
	if (in.truncated) {
		fprintf(f, "hvtrace: %s: truncated: %" PRIu64 " bytes after the last complete chunk are lost",
			path, in.lost_bytes);
		if (in.lost_events_known)
			fprintf(f, " (%" PRIu64 " events)", in.lost_events);
		fputs("; reading up to there\n", f);
	}
	if (!in.has_footer)
		fprintf(f, "hvtrace: %s: footer missing: index rebuilt from the chunk headers\n", path);
	return in.truncated;
}
