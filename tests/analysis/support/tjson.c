/* Strict JSON reader for tests: see tjson.h. */
#include "tjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tj_in {
	const char *p, *end, *start;
	char *err;
	size_t errlen;
	int depth;
};

static struct tj *parse_value(struct tj_in *in);

static void *fail(struct tj_in *in, const char *why)
{
	if (in->err && !in->err[0])
		snprintf(in->err, in->errlen, "offset %zu: %s", (size_t)(in->p - in->start), why);
	return NULL;
}

static void skip_ws(struct tj_in *in)
{
	while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' || *in->p == '\r'))
		in->p++;
}

static struct tj *node(enum tj_type t)
{
	struct tj *v = calloc(1, sizeof(*v));
	if (v)
		v->type = t;
	return v;
}

static int literal(struct tj_in *in, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(in->end - in->p) < n || memcmp(in->p, word, n) != 0)
		return 0;
	in->p += n;
	return 1;
}

static int digits(struct tj_in *in)
{
	const char *s = in->p;
	while (in->p < in->end && *in->p >= '0' && *in->p <= '9')
		in->p++;
	return in->p > s;
}

static struct tj *parse_number(struct tj_in *in)
{
	const char *s = in->p;
	if (in->p < in->end && *in->p == '-')
		in->p++;
	if (in->p < in->end && *in->p == '0')
		in->p++;
	else if (!digits(in))
		return fail(in, "bad number");
	if (in->p < in->end && *in->p == '.' && (in->p++, !digits(in)))
		return fail(in, "bad fraction");
	if (in->p < in->end && (*in->p == 'e' || *in->p == 'E')) {
		in->p++;
		if (in->p < in->end && (*in->p == '+' || *in->p == '-'))
			in->p++;
		if (!digits(in))
			return fail(in, "bad exponent");
	}
	char buf[64];
	size_t n = (size_t)(in->p - s);
	if (n >= sizeof(buf))
		return fail(in, "number too long");
	memcpy(buf, s, n);
	buf[n] = 0;
	struct tj *v = node(TJ_NUM);
	if (v)
		v->num = strtod(buf, NULL);
	return v;
}

static int hex4(struct tj_in *in, unsigned *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++, in->p++) {
		if (in->p >= in->end)
			return 0;
		char c = *in->p;
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
			     c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) :
			     c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
		if (d > 15)
			return 0;
		*out = *out * 16 + d;
	}
	return 1;
}

/* One escape after the backslash; code points above 0x7f become '?'
 * (tests compare ASCII only). */
static int unescape(struct tj_in *in, char *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	if (in->p >= in->end)
		return 0;
	const char *k = strchr(from, *in->p);
	if (*in->p && k) {
		*out = to[k - from];
		in->p++;
		return 1;
	}
	unsigned cp;
	if (*in->p != 'u' || (in->p++, !hex4(in, &cp)) || cp == 0)
		return 0;
	*out = cp < 0x80 ? (char)cp : '?';
	return 1;
}

static char *parse_string_raw(struct tj_in *in)
{
	if (in->p >= in->end || *in->p != '"')
		return fail(in, "expected string");
	in->p++;
	/* The unescaped string is no longer than the raw one up to its quote. */
	const char *q = in->p;
	while (q < in->end && *q != '"')
		q += *q == '\\' && q + 1 < in->end ? 2 : 1;
	char *s = malloc((size_t)(q - in->p) + 1);
	size_t n = 0;
	while (s && in->p < in->end && *in->p != '"') {
		unsigned char c = (unsigned char)*in->p;
		if (c < 0x20)
			break;
		if (c == '\\') {
			in->p++;
			if (!unescape(in, &s[n++]))
				break;
		} else {
			s[n++] = (char)c;
			in->p++;
		}
	}
	if (!s || in->p >= in->end || *in->p != '"') {
		free(s);
		return fail(in, "bad string");
	}
	in->p++;
	s[n] = 0;
	return s;
}

static int push(struct tj *v, struct tj *item, char *key)
{
	struct tj **items = realloc(v->items, (v->n + 1) * sizeof(*items));
	char **keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));
	if (items)
		v->items = items;
	if (keys)
		v->keys = keys;
	if (!items || !keys)
		return 0;
	v->items[v->n] = item;
	v->keys[v->n] = key;
	v->n++;
	return 1;
}

/* Arrays and objects: elements separated by commas, no trailing comma. */
static struct tj *parse_container(struct tj_in *in, int obj)
{
	struct tj *v = node(obj ? TJ_OBJ : TJ_ARR);
	char close = obj ? '}' : ']';
	in->p++;
	skip_ws(in);
	if (v && in->p < in->end && *in->p == close) {
		in->p++;
		return v;
	}
	while (v) {
		char *key = NULL;
		skip_ws(in);
		if (obj) {
			key = parse_string_raw(in);
			skip_ws(in);
			if (!key || in->p >= in->end || *in->p != ':') {
				free(key);
				tj_free(v);
				return fail(in, "expected key and ':'");
			}
			in->p++;
		}
		struct tj *item = parse_value(in);
		if (!item || !push(v, item, key)) {
			free(key);
			tj_free(item);
			tj_free(v);
			return NULL;
		}
		skip_ws(in);
		if (in->p < in->end && *in->p == ',') {
			in->p++;
			continue;
		}
		if (in->p < in->end && *in->p == close) {
			in->p++;
			return v;
		}
		tj_free(v);
		return fail(in, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
	return NULL;
}

static struct tj *parse_value(struct tj_in *in)
{
	skip_ws(in);
	if (in->p >= in->end)
		return fail(in, "unexpected end");
	if (++in->depth > 64)
		return fail(in, "too deep");
	struct tj *v = NULL;
	char c = *in->p;
	if (c == '{' || c == '[') {
		v = parse_container(in, c == '{');
	} else if (c == '"') {
		char *s = parse_string_raw(in);
		if (s && (v = node(TJ_STR)) != NULL)
			v->str = s;
		else
			free(s);
	} else if (literal(in, "true") || literal(in, "false")) {
		if ((v = node(TJ_BOOL)) != NULL)
			v->num = in->p[-1] == 'e' && in->p[-2] == 'u';
	} else if (literal(in, "null")) {
		v = node(TJ_NULL);
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		v = parse_number(in);
	} else {
		fail(in, "unexpected character");
	}
	in->depth--;
	return v;
}

struct tj *tj_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct tj_in in = {text, text + len, text, err, errlen, 0};
	if (err && errlen)
		err[0] = 0;
	struct tj *v = parse_value(&in);
	skip_ws(&in);
	if (v && in.p != in.end) {
		tj_free(v);
		return fail(&in, "trailing text");
	}
	return v;
}

void tj_free(struct tj *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		tj_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

const struct tj *tj_get(const struct tj *obj, const char *key)
{
	const struct tj *found = NULL;
	for (size_t i = 0; obj && obj->type == TJ_OBJ && i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			found = obj->items[i];
	return found;
}

double tj_num(const struct tj *obj, const char *key)
{
	const struct tj *v = tj_get(obj, key);
	return v && v->type == TJ_NUM ? v->num : -1;
}

const char *tj_str(const struct tj *obj, const char *key)
{
	const struct tj *v = tj_get(obj, key);
	return v && v->type == TJ_STR ? v->str : "";
}
