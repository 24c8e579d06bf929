/* A small streaming JSON writer. It owns one growable buffer; strings are escaped and any invalid UTF-8
 * becomes U+FFFD, so the output is valid JSON whatever bytes the inputs (CPU brand strings, sysfs files)
 * hold. Errors are sticky: after the first one every call is a no-op and noa_json_finish() reports it. */
#ifndef NOA_JSON_H
#define NOA_JSON_H

#include <stddef.h>

/* Containers nest at most this deep; deeper is reported as NOA_EINVALID by noa_json_finish(). */
#define NOA_JSON_MAX_DEPTH 32

struct noa_json {
	char *buf;
	size_t len, cap;
	int depth;
	/* Per depth: 1 until the container has its first member, then 0. */
	unsigned char empty[NOA_JSON_MAX_DEPTH];
	/* Per depth: 1 for an object, 0 for an array. */
	unsigned char object[NOA_JSON_MAX_DEPTH];
	/* A key was written and its value is due. */
	int after_key;
	/* Indent with two spaces and one member per line. */
	int pretty;
	/* The first error, or 0. */
	int err;
};

/* Starts an empty document; pretty selects indented output. */
void noa_json_init(struct noa_json *j, int pretty);
void noa_json_begin_object(struct noa_json *j);
void noa_json_end_object(struct noa_json *j);
void noa_json_begin_array(struct noa_json *j);
void noa_json_end_array(struct noa_json *j);
/* Writes an object member's key; the next call writes its value. */
void noa_json_key(struct noa_json *j, const char *key);
/* Writes a string value, or null when s is NULL. */
void noa_json_str(struct noa_json *j, const char *s);
/* Writes the n bytes at s as a string value (they may hold NUL or any other byte). */
void noa_json_strn(struct noa_json *j, const char *s, size_t n);
void noa_json_int(struct noa_json *j, long long v);
void noa_json_uint(struct noa_json *j, unsigned long long v);
/* Writes a finite double with up to `digits` digits after the point; NaN and infinities become null. */
void noa_json_double(struct noa_json *j, double v, int digits);
void noa_json_bool(struct noa_json *j, int v);
void noa_json_null(struct noa_json *j);
/* Ends the document. On success *out is the NUL-terminated text, owned by the caller (free()), and *len
 * its length; the writer is left empty. Returns 0, NOA_ENOMEM, or NOA_EINVALID for an unbalanced or
 * too-deep document. */
int noa_json_finish(struct noa_json *j, char **out, size_t *len);
/* Releases the buffer of an unfinished document. */
void noa_json_free(struct noa_json *j);

#endif
