/* libFuzzer target for the SAM template renderer (crc/lambda.h): every input is rendered as a template for
 * a fixed two-package drop. A refusal must carry a message and leave the output as it was; an accepted
 * template must render to at most CRC_LAMBDA_RENDERED_MAX bytes with no NUL, and render the same bytes
 * again. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crc/lambda.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

#define H "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct crc_manifest_target targets[] = {{.triple = "aarch64-linux-gnu"},
						       {.triple = "x86_64-linux-gnu"}};
	static struct crc_manifest_artifact arts[] = {
		{"noa-d-aarch64-linux-gnu.tar.gz", "aarch64-linux-gnu", "tar.gz", 1, H, 0, NULL},
		{"function-aarch64-linux-gnu.zip", "aarch64-linux-gnu", "zip", 1, H, 0, NULL},
		{"function-x86_64-linux-gnu.zip", "x86_64-linux-gnu", "zip", 1, H, 0, NULL},
	};
	struct crc_manifest m;
	memset(&m, 0, sizeof m);
	m.drop_id = "d";
	m.profile = "lambda";
	m.crc_version = "0.1.0";
	m.ntargets = 2;
	m.targets = targets;
	m.nartifacts = 3;
	m.artifacts = arts;
	struct crc_buf a, b;
	struct crc_error err;
	crc_buf_init(&a);
	crc_buf_init(&b);
	crc_buf_puts(&a, "x");
	int rc = crc_lambda_render(&a, (const char *)data, size, "fuzz.in", &m, &err);
	if (rc) {
		check(rc == CRC_EINVALID || rc == CRC_ENOMEM);
		check(err.msg[0] != '\0');
		check(a.len == 1 && strcmp(crc_buf_str(&a), "x") == 0);
	} else {
		check(a.len - 1 <= CRC_LAMBDA_RENDERED_MAX);
		check(memchr(a.data, '\0', a.len) == NULL);
		check(crc_lambda_render(&b, (const char *)data, size, "fuzz.in", &m, &err) == 0);
		check(b.len + 1 == a.len && memcmp(a.data + 1, b.data ? b.data : "", b.len) == 0);
	}
	crc_buf_free(&a);
	crc_buf_free(&b);
	return 0;
}
