/* The one growable text buffer. Appends never truncate: when memory runs out (or the size would
 * overflow) the buffer remembers the failure, later appends do nothing, and crc_buf_error() says so, so
 * a caller checks once at the end. The text is always NUL-terminated. */
#ifndef CRC_BUF_H
#define CRC_BUF_H

#include <stddef.h>

struct crc_buf {
	/* The text (NULL until the first append), its length without the NUL, and the bytes allocated. */
	char *data;
	size_t len, cap;
	/* Set when an append failed; the text stops before the failed append. */
	int failed;
};

/* Starts an empty buffer (or zero-initialise it). */
void crc_buf_init(struct crc_buf *b);

/* Appends n bytes, a string, one character, or printf-formatted text. */
void crc_buf_add(struct crc_buf *b, const void *p, size_t n);
void crc_buf_puts(struct crc_buf *b, const char *s);
void crc_buf_putc(struct crc_buf *b, char c);
__attribute__((format(printf, 2, 3))) void crc_buf_printf(struct crc_buf *b, const char *fmt, ...);

/* Cuts the text back to its first len bytes (len at most b->len). */
void crc_buf_truncate(struct crc_buf *b, size_t len);

/* The text so far: never NULL ("" for an empty buffer); borrowed until the next append or free. */
const char *crc_buf_str(const struct crc_buf *b);

/* CRC_ENOMEM when an append failed, else 0. */
int crc_buf_error(const struct crc_buf *b);

/* Hands the text to the caller (free() it) and resets b; NULL when an append failed (the text is freed). */
char *crc_buf_take(struct crc_buf *b);

/* Frees the text. Accepts NULL. */
void crc_buf_free(struct crc_buf *b);

/* The one growth rule for arrays: v (malloc'ed, of *cap elements of size bytes; NULL with *cap 0) grown by
 * realloc to hold at least need (>= 1) elements, doubling from 16 so that appending stays linear. Returns
 * the array, perhaps moved (*cap updated), or NULL when memory runs out or the size would overflow: then v
 * is still the caller's, unchanged, and so is *cap. */
void *crc_grow(void *v, size_t *cap, size_t need, size_t size);

#endif
