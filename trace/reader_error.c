/* A reader's last failure: recorded by every part of the reader (open,
 * scan, meta, streams, merge), read back by hvt_reader_error. A base file
 * that calls nothing of the reader. */
#include <stdarg.h>
#include <stdio.h>

#include "reader_impl.h"

int hvt_reader_fail(hvt_reader *r, int err, uint64_t offset, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->err_offset = offset;
	return err;
}
