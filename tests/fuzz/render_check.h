/* The checks the template fuzz targets share (fuzz_lambda_template.c, fuzz_dockerfile_template.c): a
 * renderer of the crc_lambda_render / crc_dockerfile_render shape, given the fuzz input as a template for
 * the drop m, must refuse with a message and leave its output as it was, or render at most max bytes with
 * no NUL, and the same bytes again. */
#ifndef CRC_FUZZ_RENDER_CHECK_H
#define CRC_FUZZ_RENDER_CHECK_H

#include <stddef.h>
#include <string.h>

#include "crc/buf.h"
#include "crc/error.h"
#include "crc/manifest.h"

typedef int (*render_fn)(struct crc_buf *out, const char *text, size_t len, const char *path,
			 const struct crc_manifest *m, struct crc_error *err);

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void render_check(render_fn render, size_t max, const char *text, size_t len,
			 const struct crc_manifest *m)
{
	struct crc_buf a, b;
	struct crc_error err;
	crc_buf_init(&a);
	crc_buf_init(&b);
	crc_buf_puts(&a, "x");
	int rc = render(&a, text, len, "fuzz.in", m, &err);
	if (rc) {
		check(rc == CRC_EINVALID || rc == CRC_ENOMEM);
		check(err.msg[0] != '\0');
		check(a.len == 1 && strcmp(crc_buf_str(&a), "x") == 0);
	} else {
		check(a.len - 1 <= max);
		check(memchr(a.data, '\0', a.len) == NULL);
		check(render(&b, text, len, "fuzz.in", m, &err) == 0);
		check(b.len + 1 == a.len && memcmp(a.data + 1, b.data ? b.data : "", b.len) == 0);
	}
	crc_buf_free(&a);
	crc_buf_free(&b);
}

#endif
