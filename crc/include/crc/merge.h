/* Merging partial drops: `crc build --target T` on several machines gives drops of the same profile and
 * drop id that each hold some of the targets; merging them gives the drop one machine would have built
 * (the same manifest, flags.txt, provenance.json and SHA256SUMS, byte for byte). This module is the pure
 * part: it checks that the parts' manifests agree and combines them. */
#ifndef CRC_MERGE_H
#define CRC_MERGE_H

#include <stddef.h>

#include "crc/error.h"
#include "crc/manifest.h"

/* A merged manifest: the top-level fields of the first part, the targets and artifacts of all, in the
 * profile's target order. It borrows every string from the parts, which must outlive it. */
struct crc_merge {
	struct crc_manifest m;
	/* Which part each of m's targets came from. */
	size_t *part_of;
};

/* Merges the n parsed manifests parts[i] (of the drops named names[i], for messages) into out. order
 * holds the profile's target triples (norder of them), in the order a one-machine build writes them.
 * Refuses with CRC_EINVALID, naming the two parts and the field, when they disagree on schema, profile,
 * drop id, creation time, crc version, source (commit, dirty flag, tree hash), optimization, features or
 * flags.txt; when two parts hold the same target ("overlap"); when a part holds a target the profile does
 * not list or an artifact for a target it does not build. Returns 0, CRC_EINVALID or CRC_ENOMEM; on
 * success out is freed with crc_merge_free. */
int crc_merge_manifests(struct crc_merge *out, const struct crc_manifest *const *parts,
			const char *const *names, size_t n, const char *const *order, size_t norder,
			struct crc_error *err);

/* Frees what out holds. Accepts NULL and a zeroed merge. */
void crc_merge_free(struct crc_merge *out);

#endif
