/* hvtrace core: the guest's console output, as the host sees it. The bytes a
 * guest writes to its serial data port, line-buffered, to one file
 * descriptor. One writer for the recording VMM's serial device
 * (dev_serial.c) and for replay, so that both write the same bytes in the
 * same pieces. Output is best effort: a closed pipe never stops a guest.
 * Thread-safe: vCPUs share one console. */
#ifndef HVT_CORE_CONSOLE_OUT_H
#define HVT_CORE_CONSOLE_OUT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define HVT_CONSOLE_LINE_BYTES 256u

typedef struct hvt_console_out {
	pthread_mutex_t mu;
	int fd;                               /* -1 = discard */
	uint8_t line[HVT_CONSOLE_LINE_BYTES]; /* pending output, flushed per line */
	uint32_t line_len;
} hvt_console_out;

/* 0, or HVT_E_NOMEM when the mutex cannot be created. */
int hvt_console_out_init(hvt_console_out *c, int fd);
/* Appends bytes; writes each line out at its '\n' or when the buffer fills. */
void hvt_console_out_put(hvt_console_out *c, const uint8_t *bytes, size_t n);
void hvt_console_out_flush(hvt_console_out *c);
void hvt_console_out_destroy(hvt_console_out *c); /* flushes first */

#endif
