/* The growable text buffer (see crc/buf.h): doubling growth with overflow checks, and a sticky failure
 * flag instead of a return value on every append. */
#include "crc/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc/error.h"

void crc_buf_init(struct crc_buf *b)
{
	memset(b, 0, sizeof *b);
}

/* Makes room for n more bytes plus the NUL; 0, or -1 (and failed set). */
static int reserve(struct crc_buf *b, size_t n)
{
	if (b->failed)
		return -1;
	if (n > SIZE_MAX - b->len - 1) {
		b->failed = 1;
		return -1;
	}
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = realloc(b->data, cap);
	if (!p) {
		b->failed = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void crc_buf_add(struct crc_buf *b, const void *p, size_t n)
{
	if (reserve(b, n))
		return;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void crc_buf_puts(struct crc_buf *b, const char *s)
{
	crc_buf_add(b, s, strlen(s));
}

void crc_buf_putc(struct crc_buf *b, char c)
{
	crc_buf_add(b, &c, 1);
}

void crc_buf_printf(struct crc_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if (reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *crc_buf_str(const struct crc_buf *b)
{
	return b->data && !b->failed ? b->data : "";
}

int crc_buf_error(const struct crc_buf *b)
{
	return b->failed ? CRC_ENOMEM : 0;
}

char *crc_buf_take(struct crc_buf *b)
{
	char *p = NULL;
	if (!b->failed)
		p = b->data ? b->data : calloc(1, 1);
	else
		free(b->data);
	crc_buf_init(b);
	return p;
}

void crc_buf_free(struct crc_buf *b)
{
	if (!b)
		return;
	free(b->data);
	crc_buf_init(b);
}

void crc_buf_truncate(struct crc_buf *b, size_t len)
{
	if (!b->data || len > b->len)
		return;
	b->len = len;
	b->data[len] = '\0';
}

void *crc_grow(void *v, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 16;
	if (need <= *cap)
		return v;
	while (c < need) {
		if (c > ((size_t)-1) / 2)
			return NULL;
		c *= 2;
	}
	if (size == 0 || c > ((size_t)-1) / size)
		return NULL;
	void *p = realloc(v, c * size);
	if (p)
		*cap = c;
	return p;
}
