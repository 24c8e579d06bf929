/* OCI image layouts of a drop's Linux targets (issue 9): one root file system per target, staged from the
 * installed tree and the host files its programs need (crc_image_stage_rootfs), packed as one
 * deterministic tar.gz layer under the archives' rules, with an image config and an image manifest per
 * target and one multi-architecture image index over them, written as an OCI image layout directory
 * (oci-layout, index.json, blobs/sha256/<hex>). The same trees and options always give the same bytes, so
 * every digest is the same across two builds of the same inputs. JSON goes through crc/json.h (compact,
 * keys in a fixed order), archives through crc/archive.h.
 *
 * index.json names the multi-architecture index with org.opencontainers.image.ref.name = the drop id
 * (`skopeo inspect --override-arch arm64 oci:DIR:<drop-id>` picks that platform's manifest from it), and
 * names each target's manifest directly as well, with its platform and the ref.name <drop-id>-<arch>
 * (<drop-id>-arm64), for tools that do not follow a nested index (umoci unpacks image manifests only). */
#ifndef CRC_IMAGE_H
#define CRC_IMAGE_H

#include <stddef.h>

#include "crc/digest.h"
#include "crc/error.h"
#include "crc/manifest.h"

/* The layout's directory in a drop, the program an image runs, its title, and oci-layout's text. */
#define CRC_IMAGE_DIR "image"
#define CRC_IMAGE_ENTRYPOINT "/usr/local/bin/noa"
#define CRC_IMAGE_TITLE "noa"
#define CRC_IMAGE_LAYOUT_TEXT "{\"imageLayoutVersion\":\"1.0.0\"}"

/* At most this many targets in one image, and files staged from the host into one root file system. */
#define CRC_IMAGE_MAX_TARGETS 16
#define CRC_IMAGE_MAX_FILES 256
/* The longest drop id, profile, triple, revision, source, title or entrypoint accepted. */
#define CRC_IMAGE_MAX_TEXT 1024

/* A host file copied into a root file system at the same absolute path. */
struct crc_image_file {
	/* Absolute and normalized, not under /usr/local (where the installed tree goes). */
	const char *path;
	/* The Debian package that provides it, named when it is missing. */
	const char *package;
};

/* Creates the directory rootfs (which must not exist; its parent must) as a root file system: usr/local/
 * holding a copy of the tree installed (directories, regular files and relative symlinks, modes 0755 or
 * 0644 by execute bit, as the archives normalize them), then each of files copied from the host to the
 * same path under rootfs, symlinks followed, as a regular file: mode 0755 for the dynamic loader (a name
 * starting "ld-"), 0644 for the others, parent directories 0755. A missing host file is CRC_ENOTFOUND
 * "image file /lib/x/libc.so.6 is missing: install the Debian package 'libc6'"; a bad path, a file named
 * twice, a host file that is not a regular file or is over CRC_ARCHIVE_MAX_ENTRY_SIZE, an installed tree
 * that is not a directory or holds something other than those three kinds, more than
 * CRC_IMAGE_MAX_FILES files: CRC_EINVALID. On failure nothing is left at rootfs. All strings are borrowed
 * for the call. */
int crc_image_stage_rootfs(const char *rootfs, const char *installed, const struct crc_image_file *files,
			   size_t nfiles, struct crc_error *err);

/* One target of an image; strings borrowed for the call. */
struct crc_image_target {
	/* The target triple (the org.crc.triple label). */
	const char *triple;
	/* The OCI architecture, "amd64" or "arm64", and its variant: "v8" (arm64 only) or NULL. At most one
	 * target per architecture. */
	const char *architecture, *variant;
	/* A directory: the root file system of the target's one layer (crc_image_stage_rootfs makes one). */
	const char *rootfs;
};

/* What every target of an image shares; strings borrowed for the call. */
struct crc_image_options {
	/* The drop id, also the image's reference name in index.json: letters and digits in runs separated by
	 * one of "-._:@+" or "--" (the OCI ref.name grammar), which a drop id's [A-Za-z0-9._-] may break. */
	const char *drop_id;
	const char *profile;
	/* The source's git commit and URL (crc/source.h), the values of org.opencontainers.image.revision and
	 * .source; "" when unknown (the labels are then "", as the drop's Dockerfile has them). */
	const char *revision, *source;
	/* org.opencontainers.image.title, e.g. "noa"; "" omits it. */
	const char *title;
	/* SOURCE_DATE_EPOCH: the layers' mtime and every "created" (RFC 3339, UTC), 0 <= created < 8^11. */
	long long created;
	/* The absolute path of the program the image runs ("/usr/local/bin/noa"). */
	const char *entrypoint;
};

/* A file written into the layout. */
struct crc_image_entry {
	/* Relative to the layout directory: "blobs/sha256/<hex>", "index.json", "oci-layout". */
	char *path;
	unsigned long long size;
	char sha256[CRC_SHA256_HEX];
};

/* The digests of one target's blobs (lower-case hex, without "sha256:"), and their sizes. */
struct crc_image_digests {
	/* The compressed layer, the uncompressed tar (the config's diff_id), the config, the manifest. */
	char layer[CRC_SHA256_HEX], diff_id[CRC_SHA256_HEX], config[CRC_SHA256_HEX], manifest[CRC_SHA256_HEX];
	unsigned long long layer_size, config_size, manifest_size;
};

/* What an image layout holds; owned by the caller, freed with crc_image_result_free. */
struct crc_image_result {
	/* Every file written, sorted by path (bytewise), each once. */
	struct crc_image_entry *files;
	size_t nfiles;
	/* Per target, in the order given. */
	struct crc_image_digests *targets;
	size_t ntargets;
	/* The multi-architecture image index's digest (what index.json names as the drop id). */
	char index[CRC_SHA256_HEX];
};

/* Writes the OCI image layout of targets[0..n) into the new directory dir (its parent must exist; an
 * existing dir is CRC_EIO, left alone): for each target a layer (crc_archive_write_tree of its rootfs,
 * tar.gz, mtime o->created; written under a temporary name, then renamed to its digest), its config
 * ({"created","architecture","variant"?,"os":"linux","config":{"Entrypoint","Env","Labels"},"rootfs":
 * {"type":"layers","diff_ids"}}) and its manifest (schemaVersion 2, the config and the layer descriptors,
 * annotations); then the image index over the manifests, with each platform, and index.json and
 * oci-layout. Labels and annotations: org.opencontainers.image.created, .revision, .source, .title,
 * org.crc.drop-id, org.crc.profile, org.crc.triple. Every file is fsync'ed, and the directories. res
 * (which need not be initialised) lists what was written. Bad options or targets (an empty or invalid
 * drop id, an unknown architecture, a variant other than v8 on arm64, two targets for one architecture, a
 * rootfs that is not a directory, no targets or more than CRC_IMAGE_MAX_TARGETS, created out of range,
 * a relative entrypoint) are CRC_EINVALID before anything is written; a refusal of the archive writer
 * is its own. On failure dir is removed and res is empty. */
int crc_image_write(struct crc_image_result *res, const char *dir, const struct crc_image_target *targets,
		    size_t n, const struct crc_image_options *o, struct crc_error *err);

/* Frees what res holds and empties it. Accepts NULL and a zeroed result. */
void crc_image_result_free(struct crc_image_result *res);

/* The image index over a drop's images and the index.json naming it, as text, with their hashes. */
struct crc_image_index {
	/* Owned (crc_image_index_free); index_len/json_len bytes, NUL-terminated. */
	char *index, *json;
	size_t index_len, json_len;
	char index_sha256[CRC_SHA256_HEX], json_sha256[CRC_SHA256_HEX];
	/* Of oci-layout (CRC_IMAGE_LAYOUT_TEXT). */
	char layout_sha256[CRC_SHA256_HEX];
};

/* How many of m's targets have an image. */
size_t crc_image_count(const struct crc_manifest *m);

/* Renders the index and index.json of the drop m's images (its targets with image.architecture, in
 * manifest order), as crc_image_write writes them: a pure function of the manifest (drop id, profile,
 * created, source commit, and each image's platform and manifest digest and size), so that crc merge
 * and crc pull make them anew and crc verify can check them. CRC_EINVALID for no image, more than
 * CRC_IMAGE_MAX_TARGETS, or a drop id that cannot name an image; CRC_ENOMEM. *x is owned by the caller
 * (crc_image_index_free); empty on failure. */
int crc_image_render_index(struct crc_image_index *x, const struct crc_manifest *m, struct crc_error *err);

/* Frees what x holds and empties it. Accepts NULL and a zeroed index. */
void crc_image_index_free(struct crc_image_index *x);

/* Writes x into the layout directory dir (made, with blobs/sha256/, where missing; the targets' blobs are
 * already there or come later): blobs/sha256/<index>, index.json and oci-layout, each new, synced, and
 * the directories synced. */
int crc_image_write_index(const char *dir, const struct crc_image_index *x, struct crc_error *err);

/* Every file of m's image layout, as the drop's manifest lists it under "files" (paths "image/...", sorted,
 * each once): each image's layer, config and manifest blobs, the index blob (x, from
 * crc_image_render_index of m), index.json and oci-layout. *out owned by the caller
 * (crc_image_entries_free). */
int crc_image_layout_files(struct crc_image_entry **out, size_t *n, const struct crc_manifest *m,
			   const struct crc_image_index *x, struct crc_error *err);
void crc_image_entries_free(struct crc_image_entry *e, size_t n);

/* Checks that m's "files" under image/ are exactly the image layout its targets describe
 * (crc_image_layout_files, with the index rendered from m): CRC_EVERIFY names the first file missing,
 * different or extra; none at all when no target has an image. Sizes and hashes of the files on disk are
 * crc verify's to check. */
int crc_image_check_files(const struct crc_manifest *m, struct crc_error *err);

#endif
