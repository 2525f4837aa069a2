#include "errmsg.h"

#include <stdarg.h>
#include <stdio.h>

int hvt_errf(char *msg, size_t msg_len, int err, const char *fmt, ...)
{
	va_list ap;

	if (msg && msg_len > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, msg_len, fmt, ap);
		va_end(ap);
	}
	return err;
}
