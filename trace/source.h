/* Where a reader's bytes come from: a file (pread, so threads may share it)
 * or a caller's buffer. read_block_bytes splits large reads, so tests can
 * check that results do not depend on how the file is read. */
#ifndef HVT_TRACE_SOURCE_H
#define HVT_TRACE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

struct hvt_source {
	int fd;                  /* -1 for memory */
	const uint8_t *mem;      /* borrowed */
	uint64_t size_bytes;
	size_t read_block_bytes; /* 0: one read per request */
};

int hvt_source_open_file(struct hvt_source *s, const char *path, size_t block, char *msg,
			 size_t msg_len);
void hvt_source_open_memory(struct hvt_source *s, const void *buf, size_t len, size_t block);
void hvt_source_close(struct hvt_source *s);
/* Reads exactly len bytes at off; HVT_E_TRUNCATED past the end, HVT_E_IO on
 * a failed read. */
int hvt_source_read(const struct hvt_source *s, uint64_t off, void *buf, size_t len);

#endif
