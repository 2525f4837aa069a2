/* Progress bar: see progress.h. */
#include "progress.h"

#include <stdio.h>
#include <unistd.h>

#include "hvtrace/writer.h"

void an_progress_init(struct an_progress *p, const char *label)
{
	p->enabled = isatty(STDERR_FILENO);
	p->start_ns = hvt_monotonic_ns();
	p->last_draw_ns = 0;
	p->drawn = 0;
	p->label = label;
}

void an_progress_update(void *ctx, uint64_t done, uint64_t total)
{
	struct an_progress *p = ctx;
	if (!p->enabled || !total)
		return;
	uint64_t now = hvt_monotonic_ns();
	/* Quiet for the first second, then at most 10 redraws a second. */
	if (now - p->start_ns < 1000000000u || now - p->last_draw_ns < 100000000u)
		return;
	p->last_draw_ns = now;
	unsigned width = 40, filled = (unsigned)(done * width / total);
	fprintf(stderr, "\r%s [", p->label);
	for (unsigned i = 0; i < width; i++)
		fputc(i < filled ? '#' : ' ', stderr);
	fprintf(stderr, "] %3u%%", (unsigned)(done * 100 / total));
	p->drawn = 1;
}

void an_progress_done(struct an_progress *p)
{
	if (p->drawn)
		fputs("\r\033[K", stderr);
	p->drawn = 0;
}
