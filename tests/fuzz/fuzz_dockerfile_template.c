/* libFuzzer target for the Dockerfile renderer (crc/dockerfile.h) and through it the template engine
 * (crc/template.h): every input is rendered as a template for a fixed drop with two images and a target
 * without one. A refusal must carry a message and leave the output as it was; an accepted template must
 * render to at most CRC_DOCKERFILE_RENDERED_MAX bytes with no NUL, and render the same bytes again. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crc/dockerfile.h"
#include "render_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	render_check(crc_dockerfile_render, CRC_DOCKERFILE_RENDERED_MAX, (const char *)data, size, &m);
	return 0;
}
