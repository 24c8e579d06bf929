/* Lambda packages and their SAM template (see lambda.h): which triples Lambda runs, and the names the
 * template language of crc/template.h knows in a SAM template, one function block per zip. */
#include "crc/lambda.h"

#include <string.h>

#include "crc/template.h"

/* What the value callback reads: the drop; the zip of the last block asked about (its index and its
 * position in the artifacts), since blocks ask in order; room for a resource name. */
struct names {
	const struct crc_manifest *m;
	size_t index, at;
	char resource[64];
};

const char *crc_lambda_architecture(const char *triple)
{
	if (strncmp(triple, "aarch64-", 8) == 0)
		return "arm64";
	if (strncmp(triple, "x86_64-", 7) == 0)
		return "x86_64";
	return NULL;
}

/* "Noa" and the letters and digits of the architecture, the first letter upper-cased: NoaArm64, NoaX8664. */
static void resource_of(char *out, size_t size, const char *arch)
{
	size_t n = 0;
	int upper = 1;
	memcpy(out, "Noa", 4);
	n = 3;
	for (const char *p = arch; *p && n + 1 < size; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			continue;
		if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		upper = 0;
		out[n++] = c;
	}
	out[n] = '\0';
}

/* The index-th zip artifact of the drop, or NULL; scans on from the last one found when it can. */
static const struct crc_manifest_artifact *nth_zip(struct names *s, size_t index)
{
	size_t i = 0, k = 0;
	if (s->index != CRC_TEMPLATE_NONE && s->index <= index) {
		i = s->at;
		k = s->index;
	}
	for (; i < s->m->nartifacts; i++) {
		if (strcmp(s->m->artifacts[i].format, "zip") != 0)
			continue;
		if (k == index) {
			s->index = index;
			s->at = i;
			return &s->m->artifacts[i];
		}
		k++;
	}
	return NULL;
}

/* The template's names (crc_template_spec.value): the drop's outside a block, a zip's inside one. */
static enum crc_template_kind value(void *ctx, const char *name, size_t n, size_t index, const char **v)
{
	static const char *const blockwise[] = {"RESOURCE", "TRIPLE", "ARCHITECTURE", "CODE_URI", "SHA256"};
	struct names *s = ctx;
#define IS(w) (n == sizeof(w) - 1 && memcmp(name, w, n) == 0)
	*v = IS("PROFILE")       ? s->m->profile
	     : IS("DROP_ID")     ? s->m->drop_id
	     : IS("CRC_VERSION") ? s->m->crc_version
				 : NULL;
	if (*v)
		return CRC_TEMPLATE_NAME;
	int inner = 0;
	for (size_t i = 0; i < sizeof blockwise / sizeof *blockwise; i++)
		if (n == strlen(blockwise[i]) && memcmp(name, blockwise[i], n) == 0)
			inner = 1;
	if (!inner)
		return CRC_TEMPLATE_UNKNOWN;
	const struct crc_manifest_artifact *a = index == CRC_TEMPLATE_NONE ? NULL : nth_zip(s, index);
	const char *arch = a ? crc_lambda_architecture(a->target) : NULL;
	if (!a || (!arch && (IS("RESOURCE") || IS("ARCHITECTURE"))))
		return CRC_TEMPLATE_BLOCK_ONLY;
	if (IS("RESOURCE")) {
		resource_of(s->resource, sizeof s->resource, arch);
		*v = s->resource;
	} else if (IS("TRIPLE")) {
		*v = a->target;
	} else if (IS("ARCHITECTURE")) {
		*v = arch;
	} else if (IS("CODE_URI")) {
		*v = a->path;
	} else {
		*v = a->sha256;
	}
	return CRC_TEMPLATE_NAME;
#undef IS
}

int crc_lambda_render(struct crc_buf *out, const char *text, size_t len, const char *path,
		      const struct crc_manifest *m, struct crc_error *err)
{
	struct names s = {m, CRC_TEMPLATE_NONE, 0, ""};
	struct crc_template_spec spec = {.block = "FOR_EACH_FUNCTION",
					 .max_len = CRC_LAMBDA_TEMPLATE_MAX,
					 .max_rendered = CRC_LAMBDA_RENDERED_MAX,
					 .value = value,
					 .ctx = &s};
	int rc = crc_template_check(text, len, path, CRC_LAMBDA_TEMPLATE_MAX, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < m->nartifacts; i++) {
		const struct crc_manifest_artifact *a = &m->artifacts[i];
		if (strcmp(a->format, "zip") != 0)
			continue;
		if (!crc_lambda_architecture(a->target))
			return crc_err(err, CRC_EINVALID,
				       "%s: Lambda runs no %s (only aarch64 and x86_64 Linux)", a->path,
				       a->target);
		spec.nblocks++;
	}
	if (!spec.nblocks)
		return crc_err(err, CRC_EINVALID,
			       "drop %s has no Lambda package (function-<triple>.zip) to deploy", m->drop_id);
	return crc_template_render(out, text, len, path, &spec, err);
}
