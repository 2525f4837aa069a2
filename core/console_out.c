/* The guest's console output (console_out.h): line-buffered writes to one
 * file descriptor, for the recording VMM's serial device and for replay. */
#include "console_out.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hvtrace/error.h"

int hvt_console_out_init(hvt_console_out *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	return pthread_mutex_init(&c->mu, NULL) == 0 ? 0 : HVT_E_NOMEM;
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (fd >= 0 && n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* console output is best effort: never stops the guest */
		p += w;
		n -= (size_t)w;
	}
}

static void flush_locked(hvt_console_out *c)
{
	write_all(c->fd, c->line, c->line_len);
	c->line_len = 0;
}

void hvt_console_out_put(hvt_console_out *c, const uint8_t *bytes, size_t n)
{
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < n; i++) {
		c->line[c->line_len++] = bytes[i];
		if (bytes[i] == '\n' || c->line_len == sizeof(c->line))
			flush_locked(c);
	}
	pthread_mutex_unlock(&c->mu);
}

void hvt_console_out_flush(hvt_console_out *c)
{
	pthread_mutex_lock(&c->mu);
	flush_locked(c);
	pthread_mutex_unlock(&c->mu);
}

void hvt_console_out_destroy(hvt_console_out *c)
{
	hvt_console_out_flush(c);
	pthread_mutex_destroy(&c->mu);
}
