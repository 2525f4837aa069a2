/* The replayed guest's console output: the bytes it writes to the serial
 * data port, line-buffered, to one file descriptor. Replay's only host side
 * effect. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "replay_internal.h"

int hvt_console_init(struct hvt_console *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	return pthread_mutex_init(&c->mu, NULL) == 0 ? 0 : -1;
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (fd >= 0 && n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* a closed pipe must not stop the replay */
		p += w;
		n -= (size_t)w;
	}
}

static void flush_locked(struct hvt_console *c)
{
	write_all(c->fd, c->line, c->line_len);
	c->line_len = 0;
}

void hvt_console_put(struct hvt_console *c, const uint8_t *bytes, size_t n)
{
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < n; i++) {
		c->line[c->line_len++] = bytes[i];
		if (bytes[i] == '\n' || c->line_len == sizeof(c->line))
			flush_locked(c);
	}
	pthread_mutex_unlock(&c->mu);
}

void hvt_console_flush(struct hvt_console *c)
{
	pthread_mutex_lock(&c->mu);
	flush_locked(c);
	pthread_mutex_unlock(&c->mu);
}

void hvt_console_destroy(struct hvt_console *c)
{
	hvt_console_flush(c);
	pthread_mutex_destroy(&c->mu);
}
