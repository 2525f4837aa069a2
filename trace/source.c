#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hvtrace/error.h"

static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return S_ISCHR(mode) || S_ISBLK(mode) ? "a device" : "not a regular file";
}

/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
 * forever; a trace is a regular file, and anything else is refused before
 * a single read. The message leaves the path to the caller (it prefixes it). */
int hvt_source_open_file(struct hvt_source *s, const char *path, size_t block, char *msg,
			 size_t msg_len)
{
	struct stat st;
	memset(s, 0, sizeof(*s));
	s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (s->fd < 0 || fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		int e = s->fd < 0 ? errno : (errno ? errno : EINVAL);
		if (s->fd >= 0 && !S_ISREG(st.st_mode))
			snprintf(msg, msg_len, "is %s, not a trace file", file_kind(st.st_mode));
		else
			snprintf(msg, msg_len, "%s", strerror(e));
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
		return e == ENOENT ? HVT_E_NOT_FOUND : HVT_E_IO;
	}
	s->size_bytes = (uint64_t)st.st_size;
	s->read_block_bytes = block;
	return 0;
}

void hvt_source_open_memory(struct hvt_source *s, const void *buf, size_t len, size_t block)
{
	s->fd = -1;
	s->mem = buf;
	s->size_bytes = len;
	s->read_block_bytes = block;
}

void hvt_source_close(struct hvt_source *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int read_piece(const struct hvt_source *s, uint64_t off, uint8_t *buf, size_t len)
{
	if (s->fd < 0) {
		memcpy(buf, s->mem + off, len);
		return 0;
	}
	while (len) {
		ssize_t n = pread(s->fd, buf, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return HVT_E_IO;
		if (n == 0)
			return HVT_E_TRUNCATED; /* the file shrank under us */
		buf += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int hvt_source_read(const struct hvt_source *s, uint64_t off, void *buf, size_t len)
{
	if (off > s->size_bytes || len > s->size_bytes - off)
		return HVT_E_TRUNCATED;
	uint8_t *p = buf;
	while (len) {
		size_t piece = s->read_block_bytes && s->read_block_bytes < len ? s->read_block_bytes : len;
		int err = read_piece(s, off, p, piece);
		if (err)
			return err;
		p += piece;
		off += piece;
		len -= piece;
	}
	return 0;
}
