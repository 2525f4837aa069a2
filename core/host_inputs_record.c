/* Record-mode host inputs: the real host clock, entropy and console. */
#include "host_inputs.h"

#include <errno.h>
#include <poll.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "hvtrace/error.h"
#include "hvtrace/writer.h"

static uint64_t record_clock_ns(void *ctx)
{
	const hvt_record_inputs *ri = ctx;

	return hvt_monotonic_ns() - ri->origin_ns;
}

static int record_entropy(void *ctx, void *buf, size_t len_bytes)
{
	uint8_t *p = buf;

	(void)ctx;
	while (len_bytes > 0) {
#if defined(__APPLE__)
		/* macOS has no getrandom(2); getentropy gives up to 256 bytes. */
		size_t want = len_bytes < 256 ? len_bytes : 256;
		ssize_t n = getentropy(p, want) == 0 ? (ssize_t)want : -1;
#else
		ssize_t n = getrandom(p, len_bytes, 0);
#endif
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return HVT_E_IO;
		p += n;
		len_bytes -= (size_t)n;
	}
	return 0;
}

/* poll() with a zero timeout, then read() what is there: the fd itself is
 * left blocking because it is often the user's terminal. */
static size_t record_console_read(void *ctx, uint8_t *buf, size_t max_bytes)
{
	const hvt_record_inputs *ri = ctx;
	struct pollfd pfd = { .fd = ri->console_in_fd, .events = POLLIN };
	ssize_t n;

	if (ri->console_in_fd < 0 || max_bytes == 0)
		return 0;
	if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLIN))
		return 0;
	n = read(ri->console_in_fd, buf, max_bytes);
	return n > 0 ? (size_t)n : 0;
}

void hvt_record_inputs_init(hvt_record_inputs *ri, int console_in_fd)
{
	ri->ops.ctx = ri;
	ri->ops.clock_ns = record_clock_ns;
	ri->ops.entropy = record_entropy;
	ri->ops.console_read = record_console_read;
	ri->origin_ns = hvt_monotonic_ns();
	ri->console_in_fd = console_in_fd;
}
