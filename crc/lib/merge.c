/* Merging partial drops' manifests (crc/merge.h). Every field that describes the drop as a whole must be
 * the same in every part; each target, with its artifact, comes from exactly one part. */
#include "crc/merge.h"

#include <stdlib.h>
#include <string.h>

#include "crc/image.h"

static const char *S(const char *s)
{
	return s ? s : "";
}

static int same_list(const struct crc_strlist *a, const struct crc_strlist *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->items[i], b->items[i]) != 0)
			return 0;
	return 1;
}

/* The first drop-wide field on which b differs from a, or NULL when they agree. */
static const char *differs(const struct crc_manifest *a, const struct crc_manifest *b)
{
	if (strcmp(S(a->schema), S(b->schema)) != 0)
		return "schema";
	if (strcmp(S(a->profile), S(b->profile)) != 0)
		return "profile";
	if (strcmp(S(a->drop_id), S(b->drop_id)) != 0)
		return "drop_id";
	if (strcmp(S(a->crc_version), S(b->crc_version)) != 0)
		return "crc_version";
	if (strcmp(S(a->source.commit), S(b->source.commit)) != 0 || a->source.dirty != b->source.dirty ||
	    strcmp(S(a->source.tree_sha256), S(b->source.tree_sha256)) != 0 ||
	    strcmp(S(a->source.url), S(b->source.url)) != 0)
		return "source";
	if (strcmp(S(a->created), S(b->created)) != 0)
		return "created";
	if (strcmp(S(a->optimization.opt_level), S(b->optimization.opt_level)) != 0 ||
	    strcmp(S(a->optimization.lto), S(b->optimization.lto)) != 0 ||
	    a->optimization.codegen_units != b->optimization.codegen_units ||
	    a->optimization.strip != b->optimization.strip ||
	    a->optimization.debug_info != b->optimization.debug_info)
		return "optimization";
	if (!same_list(&a->features, &b->features))
		return "features";
	if (strcmp(S(a->flags_sha256), S(b->flags_sha256)) != 0)
		return "flags.txt (flags_sha256)";
	return NULL;
}

/* The value of field for messages. */
static const char *value_of(const struct crc_manifest *m, const char *field)
{
	if (strcmp(field, "schema") == 0)
		return S(m->schema);
	if (strcmp(field, "profile") == 0)
		return S(m->profile);
	if (strcmp(field, "drop_id") == 0)
		return S(m->drop_id);
	if (strcmp(field, "crc_version") == 0)
		return S(m->crc_version);
	if (strcmp(field, "source") == 0)
		return m->source.commit && m->source.commit[0] ? m->source.commit : S(m->source.tree_sha256);
	if (strcmp(field, "created") == 0)
		return S(m->created);
	if (strcmp(field, "optimization") == 0)
		return S(m->optimization.opt_level);
	if (field[0] == 'f' && field[1] == 'l')
		return S(m->flags_sha256);
	return "";
}

int crc_merge_manifests(struct crc_merge *out, const struct crc_manifest *const *parts,
			const char *const *names, size_t n, const char *const *order, size_t norder,
			struct crc_error *err)
{
	memset(out, 0, sizeof *out);
	if (n == 0)
		return crc_err(err, CRC_EINVALID, "nothing to merge");
	for (size_t i = 1; i < n; i++) {
		const char *f = differs(parts[0], parts[i]);
		if (f)
			return crc_err(
				err, CRC_EINVALID,
				"%s and %s disagree on %s ('%s' and '%s'): they are not parts of one drop "
				"(build every part from the same commit, profile, settings and drop id)",
				names[0], names[i], f, value_of(parts[0], f), value_of(parts[i], f));
	}
	/* The image layout is made anew from the targets' images; nothing else may be listed. */
	for (size_t i = 0; i < n; i++)
		for (size_t f = 0; f < parts[i]->nfiles; f++) {
			const char *p = S(parts[i]->files[f].path);
			if (strncmp(p, CRC_IMAGE_DIR "/", sizeof CRC_IMAGE_DIR) != 0 &&
			    strcmp(p, "Dockerfile") != 0)
				return crc_err(
					err, CRC_EINVALID,
					"%s lists %s, which is neither part of its image layout nor its "
					"Dockerfile: merging such drops is not supported",
					names[i], p);
		}
	/* Where each target of the profile comes from; a target twice is an overlap. */
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		const struct crc_manifest *p = parts[i];
		for (size_t t = 0; t < p->ntargets; t++) {
			size_t k = 0;
			while (k < norder && strcmp(order[k], p->targets[t].triple) != 0)
				k++;
			if (k == norder)
				return crc_err(err, CRC_EINVALID,
					       "%s holds target %s, which profile %s does not build",
					       names[i], p->targets[t].triple, S(p->profile));
		}
		for (size_t a = 0; a < p->nartifacts; a++) {
			size_t t = 0;
			while (t < p->ntargets && strcmp(p->targets[t].triple, p->artifacts[a].target) != 0)
				t++;
			if (t == p->ntargets)
				return crc_err(err, CRC_EINVALID,
					       "%s: artifact %s is for target %s, which it does not build",
					       names[i], p->artifacts[a].path, p->artifacts[a].target);
		}
		total += p->ntargets;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t t = 0; t < parts[i]->ntargets; t++)
			for (size_t j = i; j < n; j++)
				for (size_t u = j == i ? t + 1 : 0; u < parts[j]->ntargets; u++)
					if (strcmp(parts[i]->targets[t].triple,
						   parts[j]->targets[u].triple) == 0)
						return crc_err(
							err, CRC_EINVALID,
							"%s and %s both hold target %s (the parts overlap)",
							names[i], names[j], parts[i]->targets[t].triple);
	size_t nart = 0;
	for (size_t i = 0; i < n; i++)
		nart += parts[i]->nartifacts;
	out->m = *parts[0];
	memset(&out->m.arena, 0, sizeof out->m.arena);
	out->m.targets = calloc(total ? total : 1, sizeof *out->m.targets);
	out->m.artifacts = calloc(nart ? nart : 1, sizeof *out->m.artifacts);
	out->part_of = calloc(total ? total : 1, sizeof *out->part_of);
	if (!out->m.targets || !out->m.artifacts || !out->part_of) {
		crc_merge_free(out);
		return crc_err(err, CRC_ENOMEM, "out of memory");
	}
	/* Targets, and their artifacts, in the profile's order. */
	out->m.ntargets = out->m.nartifacts = 0;
	for (size_t k = 0; k < norder; k++)
		for (size_t i = 0; i < n; i++) {
			const struct crc_manifest *p = parts[i];
			for (size_t t = 0; t < p->ntargets; t++)
				if (strcmp(p->targets[t].triple, order[k]) == 0) {
					out->part_of[out->m.ntargets] = i;
					out->m.targets[out->m.ntargets++] = p->targets[t];
				}
			for (size_t a = 0; a < p->nartifacts; a++)
				if (strcmp(p->artifacts[a].target, order[k]) == 0)
					out->m.artifacts[out->m.nartifacts++] = p->artifacts[a];
		}
	/* Written anew for the merged drop (crc_drop_write_metadata), and listed by the caller. */
	out->m.provenance_sha256 = NULL;
	out->m.files = NULL;
	out->m.nfiles = 0;
	return 0;
}

void crc_merge_free(struct crc_merge *out)
{
	if (!out)
		return;
	free(out->m.targets);
	free(out->m.artifacts);
	free(out->part_of);
	memset(out, 0, sizeof *out);
}
