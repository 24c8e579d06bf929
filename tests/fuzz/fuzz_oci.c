/* libFuzzer target for the OCI documents crc reads from a registry or a drop's image layout (crc/oci.h):
 * every input is read as a drop artifact's manifest and as an image index or manifest. A rejection must
 * carry a message and leave nothing allocated; an accepted artifact must keep what oci.h promises (checked
 * here again: its layers' count, sizes, digests and plain, distinct titles) and, when its strings are
 * valid UTF-8 (the JSON writer replaces what is not), render to a manifest that parses back to the same
 * artifact; accepted references must be within the cap, each with a sha256 digest. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void check_digest(const char *d)
{
	check(strlen(d) == 71 && strncmp(d, "sha256:", 7) == 0 && strspn(d + 7, "0123456789abcdef") == 64);
}

static void check_title(const char *t)
{
	check(t[0] && strcmp(t, ".") != 0 && strcmp(t, "..") != 0 && strlen(t) < 256);
	for (; *t; t++)
		check(*t != '/' && *t != '\\' && (unsigned char)*t >= 0x20 && *t != 0x7f);
}

/* Valid UTF-8: no stray continuation byte, overlong form, surrogate or code point past U+10FFFF. */
static int utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t len = *p < 0x80                  ? 1
			     : *p >= 0xc2 && *p <= 0xdf ? 2
			     : *p >= 0xe0 && *p <= 0xef ? 3
			     : *p >= 0xf0 && *p <= 0xf4 ? 4
							: 0;
		unsigned cp = len == 1 ? *p : len == 2 ? *p & 0x1fu : len == 3 ? *p & 0x0fu : *p & 0x07u;
		if (!len)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((p[k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[k] & 0x3fu);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += len;
	}
	return 1;
}

static void same_drop(const struct crc_oci_drop *a, const struct crc_oci_drop *b)
{
	check(strcmp(a->drop_id, b->drop_id) == 0 && strcmp(a->profile, b->profile) == 0 && a->n == b->n);
	for (size_t i = 0; i < a->n; i++)
		check(strcmp(a->layers[i].media_type, b->layers[i].media_type) == 0 &&
		      strcmp(a->layers[i].digest, b->layers[i].digest) == 0 &&
		      strcmp(a->layers[i].title, b->layers[i].title) == 0 &&
		      a->layers[i].size == b->layers[i].size);
}

static void fuzz_drop(const char *text, size_t size)
{
	struct crc_oci_drop d, back;
	struct crc_error err;
	unsigned long long total = 0;
	char *out;
	size_t len;
	err.msg[0] = '\0';
	if (crc_oci_drop_parse(&d, text, size, &err)) {
		check(err.msg[0] != '\0' && d.layers == NULL && d.n == 0);
		return;
	}
	check(d.n >= 1 && d.n <= CRC_OCI_MAX_LAYERS && d.drop_id[0] && d.profile[0]);
	for (size_t i = 0; i < d.n; i++) {
		check_digest(d.layers[i].digest);
		check_title(d.layers[i].title);
		check(d.layers[i].size <= CRC_OCI_MAX_LAYER_BYTES);
		total += d.layers[i].size;
		for (size_t k = 0; k < i; k++)
			check(strcmp(d.layers[i].title, d.layers[k].title) != 0);
	}
	check(total <= CRC_OCI_MAX_TOTAL_BYTES);
	int text_ok = 1;
	for (size_t i = 0; i < d.n; i++)
		text_ok &= utf8(d.layers[i].title) && utf8(d.layers[i].media_type);
	check(crc_oci_drop_render(&out, &len, &d, &err) == 0);
	if (text_ok) {
		check(crc_oci_drop_parse(&back, out, len, &err) == 0);
		same_drop(&d, &back);
		crc_oci_drop_free(&back);
	}
	crc_oci_drop_free(&d);
	free(out);
}

static void fuzz_references(const char *text, size_t size)
{
	struct crc_oci_desc *refs = (struct crc_oci_desc *)1;
	struct crc_error err;
	size_t n = 7;
	int is_index = 7;
	err.msg[0] = '\0';
	if (crc_oci_references(&refs, &n, &is_index, text, size, &err)) {
		check(err.msg[0] != '\0' && refs == NULL && n == 0);
		return;
	}
	check(n <= CRC_OCI_MAX_DESCRIPTORS && (is_index == 0 || is_index == 1) && (n == 0 || refs));
	check(is_index || n >= 1);
	for (size_t i = 0; i < n; i++) {
		check_digest(refs[i].digest);
		check(memchr(refs[i].media_type, '\0', sizeof refs[i].media_type) != NULL);
	}
	free(refs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_drop((const char *)data, size);
	fuzz_references((const char *)data, size);
	return 0;
}
