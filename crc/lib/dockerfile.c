/* The Dockerfile of a drop with an OCI image layout (see dockerfile.h): the names the template language of
 * crc/template.h knows in it, one block per target with an image, and the checks on those images that
 * keep the rendered file meaning what it says (a layer blob named by its hash, one stage per
 * architecture). */
#include "crc/dockerfile.h"

#include <string.h>

#include "crc/digest.h"
#include "crc/ids.h"
#include "crc/template.h"

/* What the value callback reads: the drop; the image of the last block asked about (its index and its
 * target), since blocks ask in order. */
struct names {
	const struct crc_manifest *m;
	size_t index, at;
};

static int has_image(const struct crc_manifest_target *t)
{
	return t->image.architecture && t->image.architecture[0];
}

/* The target of the index-th image of the drop, or NULL; scans on from the last one found when it can. */
static const struct crc_manifest_target *nth_image(struct names *s, size_t index)
{
	size_t i = 0, k = 0;
	if (s->index != CRC_TEMPLATE_NONE && s->index <= index) {
		i = s->at;
		k = s->index;
	}
	for (; i < s->m->ntargets; i++) {
		if (!has_image(&s->m->targets[i]))
			continue;
		if (k == index) {
			s->index = index;
			s->at = i;
			return &s->m->targets[i];
		}
		k++;
	}
	return NULL;
}

/* The template's names (crc_template_spec.value): the drop's everywhere, an image's inside a block. */
static enum crc_template_kind value(void *ctx, const char *name, size_t n, size_t index, const char **v)
{
	struct names *s = ctx;
#define IS(w) (n == sizeof(w) - 1 && memcmp(name, w, n) == 0)
	if (IS("PROFILE"))
		return *v = s->m->profile, CRC_TEMPLATE_NAME;
	if (IS("DROP_ID"))
		return *v = s->m->drop_id, CRC_TEMPLATE_NAME;
	if (IS("CRC_VERSION"))
		return *v = s->m->crc_version, CRC_TEMPLATE_NAME;
	if (IS("CREATED"))
		return *v = s->m->created, CRC_TEMPLATE_TIME;
	if (IS("REVISION"))
		return *v = s->m->source.commit, CRC_TEMPLATE_NAME_OR_EMPTY;
	if (IS("SOURCE"))
		return *v = s->m->source.url ? s->m->source.url : "", CRC_TEMPLATE_URL_OR_EMPTY;
	if (IS("ENTRYPOINT"))
		return *v = CRC_DOCKERFILE_ENTRYPOINT, CRC_TEMPLATE_PATH;
	if (!IS("ARCHITECTURE") && !IS("TRIPLE") && !IS("LAYER"))
		return CRC_TEMPLATE_UNKNOWN;
	const struct crc_manifest_target *t = index == CRC_TEMPLATE_NONE ? NULL : nth_image(s, index);
	if (!t)
		return CRC_TEMPLATE_BLOCK_ONLY;
	*v = IS("ARCHITECTURE") ? t->image.architecture : IS("TRIPLE") ? t->triple : t->image.layer_sha256;
	return CRC_TEMPLATE_NAME;
#undef IS
}

/* Counts m's images into *n, refusing a layer not named by its hash and a second image of an architecture
 * (two stages of one name). */
static int count_images(const struct crc_manifest *m, size_t *n, struct crc_error *err)
{
	char sh[CRC_SHOWN_MAX];
	*n = 0;
	for (size_t i = 0; i < m->ntargets; i++) {
		const struct crc_manifest_target *t = &m->targets[i];
		if (!has_image(t))
			continue;
		if (!crc_ids_hex64_ok(t->image.layer_sha256))
			return crc_err(err, CRC_EINVALID,
				       "targets[%zu].image.layer_sha256 must be 64 lower-case hex digits", i);
		for (size_t j = 0; j < i; j++)
			if (has_image(&m->targets[j]) &&
			    strcmp(m->targets[j].image.architecture, t->image.architecture) == 0)
				return crc_err(
					err, CRC_EINVALID,
					"targets[%zu].image.architecture '%s' is targets[%zu]'s too (one "
					"image per architecture)",
					i, crc_shown(sh, sizeof sh, t->image.architecture), j);
		++*n;
	}
	if (!*n)
		return crc_err(err, CRC_EINVALID, "drop %s has no image (image/) to build a Dockerfile for",
			       crc_shown(sh, sizeof sh, m->drop_id ? m->drop_id : ""));
	return 0;
}

int crc_dockerfile_render(struct crc_buf *out, const char *text, size_t len, const char *path,
			  const struct crc_manifest *m, struct crc_error *err)
{
	struct names s = {m, CRC_TEMPLATE_NONE, 0};
	struct crc_template_spec spec = {.block = "FOR_EACH_IMAGE",
					 .max_len = CRC_DOCKERFILE_TEMPLATE_MAX,
					 .max_rendered = CRC_DOCKERFILE_RENDERED_MAX,
					 .value = value,
					 .ctx = &s};
	int rc = crc_template_check(text, len, path, CRC_DOCKERFILE_TEMPLATE_MAX, err);
	if (!rc)
		rc = count_images(m, &spec.nblocks, err);
	if (!rc)
		rc = crc_template_render(out, text, len, path, &spec, err);
	return rc;
}

int crc_dockerfile_check(const char *text, size_t len, const char *path, const struct crc_manifest *m,
			 struct crc_error *err)
{
	struct crc_buf b;
	char hex[CRC_SHA256_HEX];
	crc_buf_init(&b);
	int rc = crc_dockerfile_render(&b, text, len, path, m, err);
	if (!rc)
		rc = crc_sha256_buf(hex, crc_buf_str(&b), b.len, err);
	if (!rc) {
		size_t i = 0;
		while (i < m->nfiles && strcmp(m->files[i].path, CRC_DOCKERFILE_FILE) != 0)
			i++;
		if (i == m->nfiles || m->files[i].size != b.len || strcmp(m->files[i].sha256, hex) != 0)
			rc = crc_err(err, CRC_EVERIFY, "%s was not rendered from this checkout's %s",
				     CRC_DOCKERFILE_FILE, path);
	}
	crc_buf_free(&b);
	return rc;
}
