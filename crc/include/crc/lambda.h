/* AWS Lambda packages: which targets a drop packages for Lambda, and the SAM template that deploys them.
 * A profile with the `lambda` gate gets, for each Linux target, `function-<triple>.zip` (one entry,
 * `bootstrap`) and one `template.yaml` for all of them, rendered from templates/lambda/template.yaml.in.
 * The template is a pure function of that text and the drop's manifest, so crc build and crc merge
 * render the same bytes (docs/targets.md describes the template language and deploying with SAM). */
#ifndef CRC_LAMBDA_H
#define CRC_LAMBDA_H

#include <stddef.h>

#include "crc/buf.h"
#include "crc/error.h"
#include "crc/manifest.h"

/* The runtime's gate that builds bootstrap, and the template, relative to the project root. */
#define CRC_LAMBDA_GATE "lambda"
#define CRC_LAMBDA_TEMPLATE "templates/lambda/template.yaml.in"
/* The rendered template's name in the drop. */
#define CRC_LAMBDA_TEMPLATE_FILE "template.yaml"
/* Bytes of a template, and of a rendered one. */
#define CRC_LAMBDA_TEMPLATE_MAX ((size_t)64 << 10)
#define CRC_LAMBDA_RENDERED_MAX ((size_t)1 << 20)

/* Lambda's name for the architecture of triple: "arm64" (aarch64-*) or "x86_64" (x86_64-*); NULL for a
 * triple Lambda does not run. */
const char *crc_lambda_architecture(const char *triple);

/* Renders the template (the len bytes at text; path names it in errors as path:line:col) for the drop m
 * into out. Outside a function block the placeholders are @PROFILE@, @DROP_ID@ and @CRC_VERSION@. A
 * block is the lines between a line "@FOR_EACH_FUNCTION@" and a line "@END@"; it is written once per zip
 * artifact of m, in manifest order, with @RESOURCE@ (a CloudFormation logical id: "Noa" and the
 * architecture's letters and digits, e.g. NoaArm64), @TRIPLE@, @ARCHITECTURE@, @CODE_URI@ (the zip's file
 * name) and @SHA256@ (its hash) as well. An '@' not starting a placeholder is copied. Every value must be
 * a plain name ([A-Za-z0-9._+-], not empty), since it comes from a manifest. CRC_EINVALID for an
 * unknown placeholder, a placeholder of the block outside it, a nested, stray or unterminated block, a NUL
 * byte, a template over CRC_LAMBDA_TEMPLATE_MAX, a zip for a triple Lambda does not run, or m without a
 * zip; CRC_ENOMEM. On failure out is left as it was. */
int crc_lambda_render(struct crc_buf *out, const char *text, size_t len, const char *path,
		      const struct crc_manifest *m, struct crc_error *err);

#endif
