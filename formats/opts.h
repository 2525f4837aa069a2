/* One rule for every options struct that can grow (libbpf's OPTS_VALID).
 *
 * Such a struct starts with `size_t sz`, the caller's sizeof. A smaller
 * struct (an older caller) is accepted: the fields it lacks take their
 * defaults. A larger one (a newer caller) is accepted only if every byte we
 * do not know is zero, so an option this build cannot honour is refused
 * (HVT_E_INVAL), never silently dropped. "What we know" ends at the end of
 * our last field (HVT_OPTS_END), not at sizeof: trailing padding here may be
 * a field in the newer caller's struct.
 *
 * Shared by the trace writer and reader and by replay: the common base below
 * them, like the byte helpers of bytes.h. */
#ifndef HVT_FORMATS_OPTS_H
#define HVT_FORMATS_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hvtrace/error.h"

/* The bytes of TYPE this build knows: up to the end of its LAST field. */
#define HVT_OPTS_END(TYPE, LAST) (offsetof(TYPE, LAST) + sizeof(((TYPE *)0)->LAST))

/* 1 when user (may be NULL) is acceptable to a build knowing known_bytes. */
static inline int hvt_opts_valid(const void *user, size_t known_bytes)
{
	const uint8_t *p = user;
	size_t sz;

	if (!user)
		return 1;
	memcpy(&sz, p, sizeof(sz));
	if (sz < sizeof(size_t))
		return 0;
	for (size_t i = known_bytes; i < sz; i++)
		if (p[i])
			return 0; /* a newer caller set an option we do not have */
	return 1;
}

/* Copies what both sides know of user over dst (which holds the defaults,
 * known_bytes long, sz first); dst->sz becomes known_bytes. 0, or
 * HVT_E_INVAL when user breaks the rule above. NULL user: defaults. */
static inline int hvt_opts_take(void *dst, size_t known_bytes, const void *user)
{
	size_t sz;

	if (!hvt_opts_valid(user, known_bytes))
		return HVT_E_INVAL;
	if (user) {
		memcpy(&sz, user, sizeof(sz));
		if (sz > known_bytes)
			sz = known_bytes;
		memcpy((uint8_t *)dst + sizeof(size_t), (const uint8_t *)user + sizeof(size_t),
		       sz - sizeof(size_t));
	}
	memcpy(dst, &known_bytes, sizeof(size_t));
	return 0;
}

#endif
