/* libFuzzer target for the Dockerfile renderer (crc/dockerfile.h) and through it the template engine
 * (crc/template.h): every input is rendered as a template for a fixed drop with two images and a target
 * without one. A refusal must carry a message and leave the output as it was; an accepted template must
 * render to at most CRC_DOCKERFILE_RENDERED_MAX bytes with no NUL, and render the same bytes again. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crc/dockerfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

#define H "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct crc_manifest_target targets[3];
	memset(targets, 0, sizeof targets);
	targets[0].triple = "x86_64-linux-gnu";
	targets[0].image.architecture = "amd64";
	targets[0].image.layer_sha256 = H;
	targets[1].triple = "wasm32-wasi";
	targets[2].triple = "aarch64-linux-gnu";
	targets[2].image.architecture = "arm64";
	targets[2].image.variant = "v8";
	targets[2].image.layer_sha256 = H;
	struct crc_manifest m;
	memset(&m, 0, sizeof m);
	m.drop_id = "d";
	m.profile = "server";
	m.created = "2026-11-22T10:00:00Z";
	m.crc_version = "0.1.0";
	/* No commit: @REVISION@ is the one value that may be empty. */
	m.source.commit = "";
	m.ntargets = 3;
	m.targets = targets;
	struct crc_buf a, b;
	struct crc_error err;
	crc_buf_init(&a);
	crc_buf_init(&b);
	crc_buf_puts(&a, "x");
	int rc = crc_dockerfile_render(&a, (const char *)data, size, "fuzz.in", &m, &err);
	if (rc) {
		check(rc == CRC_EINVALID || rc == CRC_ENOMEM);
		check(err.msg[0] != '\0');
		check(a.len == 1 && strcmp(crc_buf_str(&a), "x") == 0);
	} else {
		check(a.len - 1 <= CRC_DOCKERFILE_RENDERED_MAX);
		check(memchr(a.data, '\0', a.len) == NULL);
		check(crc_dockerfile_render(&b, (const char *)data, size, "fuzz.in", &m, &err) == 0);
		check(b.len + 1 == a.len && memcmp(a.data + 1, b.data ? b.data : "", b.len) == 0);
	}
	crc_buf_free(&a);
	crc_buf_free(&b);
	return 0;
}
