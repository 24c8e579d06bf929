/* The refusal check the template renderers' unit tests share (test_lambda.c, test_dockerfile.c): a
 * renderer of the crc_lambda_render / crc_dockerfile_render shape must refuse tmpl for m with
 * CRC_EINVALID and the message want, given as "line:col: message" (0:0 without a position), and leave its
 * output as it was. */
#ifndef CRC_TEST_RENDER_REFUSES_H
#define CRC_TEST_RENDER_REFUSES_H

#include <criterion/criterion.h>
#include <stdio.h>

#include "crc/buf.h"
#include "crc/error.h"
#include "crc/manifest.h"

typedef int (*render_fn)(struct crc_buf *out, const char *text, size_t len, const char *path,
			 const struct crc_manifest *m, struct crc_error *err);

static void render_refuses(render_fn render, const char *tmpl, size_t len, const struct crc_manifest *m,
			   const char *want)
{
	struct crc_buf out;
	struct crc_error err;
	char got[1200];
	crc_buf_init(&out);
	crc_buf_puts(&out, "before");
	cr_assert_eq(render(&out, tmpl, len, "t.in", m, &err), CRC_EINVALID, "%s", tmpl);
	snprintf(got, sizeof got, "%d:%d: %s", err.line, err.col, err.msg);
	cr_assert_str_eq(got, want);
	cr_assert_str_eq(crc_buf_str(&out), "before", "out is left as it was");
	crc_buf_free(&out);
}

#endif
