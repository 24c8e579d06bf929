/* Strict base64 (see base64.h). */
#include "crc/base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The value of a base64 character, or -1. */
static int value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

size_t crc_base64_encode(char *out, size_t size, const void *in, size_t n)
{
	const unsigned char *p = in;
	size_t o = 0;
	if (size == 0)
		return 0;
	if (n > (((size_t)-1) - 2) / 4 * 3 || CRC_BASE64_LEN(n) + 1 > size) {
		out[0] = '\0';
		return 0;
	}
	for (size_t i = 0; i < n; i += 3) {
		size_t left = n - i;
		unsigned long v = (unsigned long)p[i] << 16 | (left > 1 ? (unsigned long)p[i + 1] << 8 : 0) |
				  (left > 2 ? p[i + 2] : 0);
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = left > 1 ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = left > 2 ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

int crc_base64_decode(unsigned char *out, size_t size, size_t *len, const char *text, size_t n)
{
	size_t o = 0;
	*len = 0;
	if (n % 4)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int last = i + 4 == n;
		int v0 = value(text[i]), v1 = value(text[i + 1]), v2 = value(text[i + 2]),
		    v3 = value(text[i + 3]);
		int pad2 = last && text[i + 2] == '=' && text[i + 3] == '=';
		int pad1 = last && !pad2 && text[i + 3] == '=';
		if (v0 < 0 || v1 < 0 || (!pad2 && v2 < 0) || (!pad2 && !pad1 && v3 < 0))
			return -1;
		/* The bits a short group does not use must be zero: the canonical text. */
		if ((pad2 && (v1 & 15)) || (pad1 && (v2 & 3)))
			return -1;
		size_t bytes = pad2 ? 1 : pad1 ? 2 : 3;
		if (bytes > size - o)
			return -1;
		unsigned long bits = (unsigned long)v0 << 18 | (unsigned long)v1 << 12 |
				     (pad2 ? 0ul : (unsigned long)v2 << 6) |
				     (pad2 || pad1 ? 0ul : (unsigned long)v3);
		for (size_t k = 0; k < bytes; k++)
			out[o++] = (unsigned char)(bits >> (16 - 8 * k));
	}
	*len = o;
	return 0;
}
