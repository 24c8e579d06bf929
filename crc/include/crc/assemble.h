/* Assembling a drop: what crc build, crc merge and crc pull write into the temporary directory of the
 * storage that becomes a drop, done here once. A build packs each target's staged install into its archive
 * (and its Lambda package), stages and writes the targets' OCI images, renders the Dockerfile and writes
 * the metadata files; a merge copies each target's archives and image blobs from the part that built it,
 * hashing as it copies, and writes the index, the Dockerfile and the metadata anew; a pull has each image
 * blob fetched once (through the caller) and writes the index. Every image's blobs are visited once, shared
 * ones once (crc_assemble_each_blob), and the index and Dockerfile of a layout are written, and its files
 * pinned in the manifest, by one step for build and merge. The callers verify what they assemble from, and
 * publish the result (crc/store.h). */
#ifndef CRC_ASSEMBLE_H
#define CRC_ASSEMBLE_H

#include <stddef.h>

#include "crc/build.h"
#include "crc/drop.h"
#include "crc/error.h"
#include "crc/manifest.h"
#include "crc/merge.h"
#include "crc/plan.h"
#include "crc/source.h"

/* What a build's drop is assembled from, beside the build's results. */
struct crc_assemble_inputs {
	const struct crc_plan *plan;
	/* The project root (absolute): the plan's staging and build directories are below it. */
	const char *root;
	/* SOURCE_DATE_EPOCH, else the commit's time: every archive's mtime and the manifest's created. */
	long long epoch;
	const struct crc_source *source;
	/* Each planned target's compiler --version line, in plan order. */
	const char *const *versions;
	/* The SAM template (when a planned target has a Lambda package) and the Dockerfile template (when one
	 * has an image); NULL otherwise. */
	const struct crc_drop_template *lambda, *docker;
};

/* What the assembly says about its progress (all may be NULL). */
struct crc_assemble_events {
	/* crc's own work on target i after its build: "packing", "imaging", "packed". */
	void (*label)(void *ctx, size_t target, const char *what);
	void *ctx;
};

/* A drop assembled by crc_assemble_build: its manifest (what was written into the directory) and the
 * archives it lists. Owned by the caller, freed with crc_assembly_free. */
struct crc_assembly;

/* The manifest of an assembled drop (borrowed from a), and the SHA-256 of the manifest.yaml written. */
const struct crc_manifest *crc_assembly_manifest(const struct crc_assembly *a);
const char *crc_assembly_manifest_sha256(const struct crc_assembly *a);

/* Assembles the drop of a build whose targets all built (res, in plan order) into the existing, empty
 * directory tmp: the runtime policy and a README added to each staged install, each install packed into
 * its archive (the plan's format, mtime in->epoch), each Lambda package zipped, the images staged and
 * written (image/), the Dockerfile rendered, then flags.txt, provenance.json, template.yaml, manifest.yaml
 * and SHA256SUMS (crc_drop_write_metadata). Zips need the process's time zone to be UTC. *out is the
 * assembly (NULL on failure; what was written in tmp stays for the caller to remove). */
int crc_assemble_build(struct crc_assembly **out, const struct crc_assemble_inputs *in,
		       const struct crc_build_target *res, const char *tmp,
		       const struct crc_assemble_events *ev, struct crc_error *err);

/* Frees an assembly. Accepts NULL. */
void crc_assembly_free(struct crc_assembly *a);

/* Whether m, the verified manifest of an existing drop, was assembled from these inputs: the same crc
 * version, source, flags, targets and compilers, its template.yaml rendered from in->lambda and its images
 * and Dockerfile from in->docker. 0 when it was; CRC_EVERIFY with why in err when not (CRC_ENOMEM). */
int crc_assemble_matches(const struct crc_manifest *m, const struct crc_assemble_inputs *in,
			 struct crc_error *err);

/* Checks that every part with Lambda packages had its template.yaml rendered from lambda (when given) and
 * every part with images its Dockerfile from docker (when given), so that a merge renders what one machine
 * would have: CRC_EINVALID naming the part's file and the template otherwise. */
int crc_assemble_check_parts(const struct crc_manifest *const *parts, const char *const *dirs, size_t n,
			     const struct crc_drop_template *lambda, const struct crc_drop_template *docker,
			     struct crc_error *err);

/* Assembles the merged drop mg (crc_merge_manifests of the verified parts in dirs) into the existing,
 * empty directory tmp: each artifact and image blob copied from the part of its target (hashed as it is
 * copied: a file changed since it was verified is CRC_EVERIFY), the index and the Dockerfile (rendered
 * from docker) written anew, then the metadata files, flags.txt taken from the first part (checked against
 * the manifest again) and template.yaml rendered from lambda (needed when there are Lambda packages). */
int crc_assemble_merge(const char *tmp, struct crc_merge *mg, const char *const *dirs,
		       const struct crc_drop_template *lambda, const struct crc_drop_template *docker,
		       struct crc_error *err);

/* One blob of a drop's image layout. */
struct crc_assemble_blob {
	/* 64 lower-case hex digits (the file is image/blobs/sha256/<sha256>) and the size the manifest gives.
	 */
	const char *sha256;
	unsigned long long size;
	/* "layer", "config" or "manifest" (an image manifest), and the index of its target in m. */
	const char *kind;
	size_t target;
};

/* Calls fn for every blob of m's images, in target order (layer, config, manifest), each blob once: one
 * that two images share is visited for the first. Stops at fn's first nonzero return, and returns it. */
int crc_assemble_each_blob(const struct crc_manifest *m,
			   int (*fn)(void *ctx, const struct crc_assemble_blob *b, struct crc_error *err),
			   void *ctx, struct crc_error *err);

/* Writes the index of m's image layout (crc_image_render_index, crc_image_write_index) into layout, the
 * image/ directory that already holds the blobs. */
int crc_assemble_index(const char *layout, const struct crc_manifest *m, struct crc_error *err);

#endif
