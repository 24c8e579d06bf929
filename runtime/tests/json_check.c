/* A recursive-descent JSON validator, strict where writers slip: control characters and invalid UTF-8
 * inside strings, leading zeros, lone surrogate escapes, trailing commas and trailing bytes. One pass,
 * linear in the length; nesting capped at 256. */
#include "json_check.h"

#include <string.h>

struct cur {
	const unsigned char *p, *end;
	int depth;
};

static int value(struct cur *c);

static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int lit(struct cur *c, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

static int hex4(struct cur *c, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++, c->p++) {
		if (c->p >= c->end)
			return 0;
		unsigned d = *c->p;
		if (d >= '0' && d <= '9')
			d -= '0';
		else if (d >= 'a' && d <= 'f')
			d = d - 'a' + 10;
		else if (d >= 'A' && d <= 'F')
			d = d - 'A' + 10;
		else
			return 0;
		*v = *v * 16 + d;
	}
	return 1;
}

static int utf8(struct cur *c)
{
	unsigned char b = *c->p;
	int len;
	unsigned cp;
	if (b >= 0xc2 && b <= 0xdf) {
		len = 2;
		cp = b & 0x1fu;
	} else if (b >= 0xe0 && b <= 0xef) {
		len = 3;
		cp = b & 0x0fu;
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4;
		cp = b & 0x07u;
	} else {
		return 0;
	}
	if (c->end - c->p < len)
		return 0;
	for (int i = 1; i < len; i++) {
		if ((c->p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (c->p[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	c->p += len;
	return 1;
}

static int string(struct cur *c)
{
	if (c->p >= c->end || *c->p != '"')
		return 0;
	c->p++;
	while (c->p < c->end) {
		unsigned char b = *c->p;
		if (b == '"') {
			c->p++;
			return 1;
		}
		if (b < 0x20)
			return 0;
		if (b == '\\') {
			c->p++;
			if (c->p >= c->end)
				return 0;
			unsigned char e = *c->p++;
			if (e == 'u') {
				unsigned v, lo;
				if (!hex4(c, &v))
					return 0;
				if (v >= 0xdc00 && v <= 0xdfff)
					return 0;
				if (v >= 0xd800 && v <= 0xdbff) {
					if (!lit(c, "\\u") || !hex4(c, &lo) || lo < 0xdc00 || lo > 0xdfff)
						return 0;
				}
			} else if (!strchr("\"\\/bfnrt", e) || e == '\0') {
				return 0;
			}
		} else if (b < 0x80) {
			c->p++;
		} else if (!utf8(c)) {
			return 0;
		}
	}
	return 0;
}

static int digits(struct cur *c)
{
	const unsigned char *s = c->p;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return c->p > s;
}

static int number(struct cur *c)
{
	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else if (!digits(c))
		return 0;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (!digits(c))
			return 0;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!digits(c))
			return 0;
	}
	return 1;
}

static int container(struct cur *c, unsigned char close, int object)
{
	if (++c->depth > 256)
		return 0;
	c->p++;
	ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		c->depth--;
		return 1;
	}
	for (;;) {
		ws(c);
		if (object) {
			if (!string(c))
				return 0;
			ws(c);
			if (c->p >= c->end || *c->p++ != ':')
				return 0;
		}
		if (!value(c))
			return 0;
		ws(c);
		if (c->p >= c->end)
			return 0;
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p++ != close)
			return 0;
		c->depth--;
		return 1;
	}
}

static int value(struct cur *c)
{
	ws(c);
	if (c->p >= c->end)
		return 0;
	switch (*c->p) {
	case '{':
		return container(c, '}', 1);
	case '[':
		return container(c, ']', 0);
	case '"':
		return string(c);
	case 't':
		return lit(c, "true");
	case 'f':
		return lit(c, "false");
	case 'n':
		return lit(c, "null");
	default:
		return number(c);
	}
}

int json_check(const char *s, size_t n)
{
	struct cur c = {(const unsigned char *)s, (const unsigned char *)s + n, 0};
	if (n > JSON_CHECK_MAX_BYTES)
		return 0;
	if (!value(&c))
		return 0;
	ws(&c);
	return c.p == c.end;
}
