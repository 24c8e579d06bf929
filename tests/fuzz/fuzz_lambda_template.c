/* libFuzzer target for the SAM template renderer (crc/lambda.h): every input is rendered as a template for
 * a fixed two-package drop. A refusal must carry a message and leave the output as it was; an accepted
 * template must render to at most CRC_LAMBDA_RENDERED_MAX bytes with no NUL, and render the same bytes
 * again. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crc/lambda.h"
#include "render_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	render_check(crc_lambda_render, CRC_LAMBDA_RENDERED_MAX, (const char *)data, size, &m);
	return 0;
}
