/* Standard base64 (RFC 4648, alphabet A-Z a-z 0-9 + /, '=' padding), written and read strictly: a reader
 * accepts only the one canonical text of each byte string (padding exactly where needed, unused low bits
 * zero), so that two texts never stand for the same bytes (signatures, credentials). */
#ifndef CRC_BASE64_H
#define CRC_BASE64_H

#include <stddef.h>

/* The text length for n bytes: 4 per started group of 3, without a NUL. */
#define CRC_BASE64_LEN(n) (((n) + 2) / 3 * 4)

/* Writes the base64 of the n bytes at in to out (CRC_BASE64_LEN(n) characters and a NUL: size must hold
 * them). Returns the length written, or 0 when size is too small (out then holds ""). */
size_t crc_base64_encode(char *out, size_t size, const void *in, size_t n);

/* Reads the n characters at text as canonical padded base64 into out (at most size bytes); *len gets the
 * byte count. Returns 0, or -1 when the text is not canonical base64 (a length not a multiple of 4, a
 * character outside the alphabet, '=' anywhere but the last one or two places, nonzero unused bits) or
 * decodes to more than size bytes. */
int crc_base64_decode(unsigned char *out, size_t size, size_t *len, const char *text, size_t n);

#endif
