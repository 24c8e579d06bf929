/* The streaming JSON writer: buffer growth, separators and indentation, and string escaping that turns
 * invalid UTF-8 into U+FFFD so that no input byte can make the document invalid. */
#include "noa/json.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "noa/error.h"

/* The buffer never grows past this: a document this large is a bug, not data. */
#define JSON_MAX_BYTES ((size_t)64 << 20)

void noa_json_init(struct noa_json *j, int pretty)
{
	memset(j, 0, sizeof *j);
	j->pretty = pretty;
}

void noa_json_free(struct noa_json *j)
{
	if (!j)
		return;
	free(j->buf);
	j->buf = NULL;
	j->len = j->cap = 0;
}

static void fail(struct noa_json *j, int code)
{
	if (!j->err)
		j->err = code;
}

static void put(struct noa_json *j, const char *s, size_t n)
{
	if (j->err)
		return;
	if (n > JSON_MAX_BYTES - j->len - 1) {
		fail(j, NOA_ENOMEM);
		return;
	}
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 256;
		while (cap < j->len + n + 1)
			cap = cap > JSON_MAX_BYTES / 2 ? JSON_MAX_BYTES : cap * 2;
		char *nb = realloc(j->buf, cap);
		if (!nb) {
			fail(j, NOA_ENOMEM);
			return;
		}
		j->buf = nb;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void puts_(struct noa_json *j, const char *s)
{
	put(j, s, strlen(s));
}

static void newline(struct noa_json *j)
{
	static const char spaces[] = "                                                                ";
	put(j, "\n", 1);
	for (int i = 0; i < j->depth; i++)
		put(j, spaces, 2);
}

/* Writes what must precede a member: a comma after an earlier one, a line break when pretty. */
static void separate(struct noa_json *j)
{
	if (!j->empty[j->depth - 1])
		put(j, ",", 1);
	j->empty[j->depth - 1] = 0;
	if (j->pretty)
		newline(j);
}

/* Checks that a value may stand here (after a key, in an array, or alone at the top) and separates it. */
static void before_value(struct noa_json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->depth == 0) {
		if (j->len > 0)
			fail(j, NOA_EINVALID);
		return;
	}
	if (j->object[j->depth - 1]) {
		fail(j, NOA_EINVALID);
		return;
	}
	separate(j);
}

static void open_container(struct noa_json *j, char c)
{
	before_value(j);
	if (j->depth >= NOA_JSON_MAX_DEPTH) {
		fail(j, NOA_EINVALID);
		return;
	}
	put(j, &c, 1);
	j->object[j->depth] = c == '{';
	j->empty[j->depth++] = 1;
}

static void close_container(struct noa_json *j, char c)
{
	if (j->depth == 0 || j->after_key || j->object[j->depth - 1] != (c == '}')) {
		fail(j, NOA_EINVALID);
		return;
	}
	int was_empty = j->empty[j->depth - 1];
	j->depth--;
	if (j->pretty && !was_empty)
		newline(j);
	put(j, &c, 1);
}

void noa_json_begin_object(struct noa_json *j)
{
	open_container(j, '{');
}

void noa_json_end_object(struct noa_json *j)
{
	close_container(j, '}');
}

void noa_json_begin_array(struct noa_json *j)
{
	open_container(j, '[');
}

void noa_json_end_array(struct noa_json *j)
{
	close_container(j, ']');
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes there are not one. Rejects overlong
 * forms, surrogates and code points above U+10FFFF, as RFC 3629 requires. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	uint32_t cp;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1fu;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0fu;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07u;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void escaped(struct noa_json *j, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0; /* bytes at p[i - run .. i) to copy as they are */
	put(j, "\"", 1);
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		const char *esc = NULL;
		char ubuf[8];
		size_t len = utf8_len(p + i, n - i);
		if (len == 0) {
			esc = "\\ufffd";
			len = 1;
		} else if (c == '"') {
			esc = "\\\"";
		} else if (c == '\\') {
			esc = "\\\\";
		} else if (c == '\n') {
			esc = "\\n";
		} else if (c == '\t') {
			esc = "\\t";
		} else if (c == '\r') {
			esc = "\\r";
		} else if (c < 0x20) {
			snprintf(ubuf, sizeof ubuf, "\\u%04x", c);
			esc = ubuf;
		}
		if (esc) {
			put(j, (const char *)p + i - run, run);
			run = 0;
			puts_(j, esc);
		} else {
			run += len;
		}
		i += len;
	}
	put(j, (const char *)p + n - run, run);
	put(j, "\"", 1);
}

void noa_json_key(struct noa_json *j, const char *key)
{
	if (j->depth == 0 || j->after_key || !j->object[j->depth - 1]) {
		fail(j, NOA_EINVALID);
		return;
	}
	separate(j);
	escaped(j, key, strlen(key));
	put(j, j->pretty ? ": " : ":", j->pretty ? 2 : 1);
	j->after_key = 1;
}

void noa_json_strn(struct noa_json *j, const char *s, size_t n)
{
	before_value(j);
	escaped(j, s, n);
}

void noa_json_str(struct noa_json *j, const char *s)
{
	if (!s) {
		noa_json_null(j);
		return;
	}
	noa_json_strn(j, s, strlen(s));
}

void noa_json_int(struct noa_json *j, long long v)
{
	char b[32];
	int n = snprintf(b, sizeof b, "%lld", v);
	before_value(j);
	put(j, b, (size_t)n);
}

void noa_json_uint(struct noa_json *j, unsigned long long v)
{
	char b[32];
	int n = snprintf(b, sizeof b, "%llu", v);
	before_value(j);
	put(j, b, (size_t)n);
}

void noa_json_double(struct noa_json *j, double v, int digits)
{
	char b[64];
	if (!isfinite(v)) {
		noa_json_null(j);
		return;
	}
	if (digits < 0 || digits > 17)
		digits = 17;
	int n = snprintf(b, sizeof b, "%.*f", digits, v);
	if (n < 0 || (size_t)n >= sizeof b) {
		/* Too large for fixed notation here: exponent form is valid JSON too. */
		n = snprintf(b, sizeof b, "%.*e", digits, v);
	}
	before_value(j);
	put(j, b, (size_t)n);
}

void noa_json_bool(struct noa_json *j, int v)
{
	before_value(j);
	puts_(j, v ? "true" : "false");
}

void noa_json_null(struct noa_json *j)
{
	before_value(j);
	puts_(j, "null");
}

int noa_json_finish(struct noa_json *j, char **out, size_t *len)
{
	*out = NULL;
	if (len)
		*len = 0;
	if (!j->err && (j->depth != 0 || j->after_key || j->len == 0))
		fail(j, NOA_EINVALID);
	if (j->err) {
		int e = j->err;
		noa_json_free(j);
		noa_json_init(j, j->pretty);
		return e;
	}
	*out = j->buf;
	if (len)
		*len = j->len;
	int pretty = j->pretty;
	noa_json_init(j, pretty);
	return 0;
}
