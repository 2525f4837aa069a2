/* A small strict JSON reader (RFC 8259) for the analysis tests: checks that
 * exported and printed JSON is valid and reads fields back, so the tests
 * need no Python. Not for untrusted input beyond tests (depth-limited). */
#ifndef HVT_TEST_TJSON_H
#define HVT_TEST_TJSON_H

#include <stddef.h>

enum tj_type { TJ_NULL, TJ_BOOL, TJ_NUM, TJ_STR, TJ_ARR, TJ_OBJ };

struct tj {
	enum tj_type type;
	double num;          /* TJ_NUM, TJ_BOOL (0/1) */
	char *str;           /* TJ_STR (unescaped, NUL-terminated; \u0000 rejected) */
	size_t n;            /* items in TJ_ARR / TJ_OBJ */
	struct tj **items;
	char **keys;         /* TJ_OBJ: keys[i] names items[i] */
};

/* Parses exactly one value (surrounding whitespace allowed). NULL when the
 * text is not valid JSON; err then says where. */
struct tj *tj_parse(const char *text, size_t len, char *err, size_t errlen);
void tj_free(struct tj *v);
/* Member key of an object (the last one if repeated), or NULL. */
const struct tj *tj_get(const struct tj *obj, const char *key);
/* Number member, or -1 if absent or not a number. */
double tj_num(const struct tj *obj, const char *key);
/* String member, or "" if absent. */
const char *tj_str(const struct tj *obj, const char *key);

#endif
