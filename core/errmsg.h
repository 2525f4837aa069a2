/* hvtrace core: error messages. Errors are values (0 or a negative HVT_E_*);
 * the detail goes into a caller-supplied buffer. */
#ifndef HVT_CORE_ERRMSG_H
#define HVT_CORE_ERRMSG_H

#include <stddef.h>

/* Format a one-line message into msg (if non-NULL) and return err. */
__attribute__((format(printf, 4, 5)))
int hvt_errf(char *msg, size_t msg_len, int err, const char *fmt, ...);

/* Return err from the current function when cond holds, with a message. */
#define HVT_FAIL_IF(cond, msg, msg_len, err, ...) \
	do { \
		if (cond) \
			return hvt_errf((msg), (msg_len), (err), __VA_ARGS__); \
	} while (0)

/* Propagate a negative result. */
#define HVT_FORWARD(expr) \
	do { \
		int hvt_fwd_rc_ = (expr); \
		if (hvt_fwd_rc_ < 0) \
			return hvt_fwd_rc_; \
	} while (0)

#endif
