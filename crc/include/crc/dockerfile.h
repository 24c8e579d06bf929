/* The Dockerfile of a drop with an OCI image layout (image/, crc/image.h): a BuildKit multi-stage
 * Dockerfile that builds, with the drop's directory as its context, the multi-architecture image whose
 * file systems are the layout's layers (each added as it is: ADD unpacks a local gzip tar), for users who
 * build with Docker. It is rendered from templates/docker/Dockerfile.in in the template language of
 * crc/template.h, as a pure function of that text and the drop's manifest, so crc build and crc merge
 * render the same bytes. */
#ifndef CRC_DOCKERFILE_H
#define CRC_DOCKERFILE_H

#include <stddef.h>

#include "crc/buf.h"
#include "crc/error.h"
#include "crc/manifest.h"

/* The template, relative to the project root. */
#define CRC_DOCKERFILE_TEMPLATE "templates/docker/Dockerfile.in"
/* The rendered Dockerfile's name in the drop. */
#define CRC_DOCKERFILE_FILE "Dockerfile"
/* Bytes of a template, and of a rendered one. */
#define CRC_DOCKERFILE_TEMPLATE_MAX ((size_t)64 << 10)
#define CRC_DOCKERFILE_RENDERED_MAX ((size_t)1 << 20)
/* The program the image runs (@ENTRYPOINT@), as the layout's image config has it. */
#define CRC_DOCKERFILE_ENTRYPOINT "/usr/local/bin/noa"

/* Renders the template (the len bytes at text; path names it in errors as path:line:col) for the drop m
 * into out. Everywhere the placeholders are @PROFILE@, @DROP_ID@, @CRC_VERSION@, @CREATED@ (m->created,
 * an RFC 3339 UTC time), @REVISION@ (m->source.commit; the only one that may be empty, for a source that
 * is not a git checkout) and @ENTRYPOINT@ (CRC_DOCKERFILE_ENTRYPOINT). A block is the lines between a
 * line "@FOR_EACH_IMAGE@" and a line "@END@"; it is written once per target of m with an image
 * (image.architecture not empty), in manifest order, with @ARCHITECTURE@ (the image's: amd64, arm64),
 * @TRIPLE@ and @LAYER@ (the layer's SHA-256, 64 lower-case hex digits: its blob is
 * image/blobs/sha256/@LAYER@) as well. Other values must be plain names ([A-Za-z0-9._+-], not empty).
 * CRC_EINVALID for what crc_template_render refuses (an unknown placeholder, a placeholder of the block
 * outside it, a bad block, a NUL byte, a template over CRC_DOCKERFILE_TEMPLATE_MAX, a value not of its
 * kind), m without an image, an image whose layer_sha256 is not 64 lower-case hex digits, or two images
 * of one architecture; CRC_ENOMEM. On failure out is left as it was. */
int crc_dockerfile_render(struct crc_buf *out, const char *text, size_t len, const char *path,
			  const struct crc_manifest *m, struct crc_error *err);

/* Whether the drop m's Dockerfile is what the template (as for crc_dockerfile_render) renders for m: 0
 * when m lists CRC_DOCKERFILE_FILE under files with the rendered bytes' size and SHA-256; CRC_EVERIFY
 * when it is not listed or differs ("Dockerfile was not rendered from this checkout's <path>"); the
 * renderer's own errors otherwise. */
int crc_dockerfile_check(const char *text, size_t len, const char *path, const struct crc_manifest *m,
			 struct crc_error *err);

#endif
