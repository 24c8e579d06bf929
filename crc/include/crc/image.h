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
	/* The source's git commit and URL; "" omits the org.opencontainers.image.revision / .source
	 * annotations and labels. */
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

/* The digests of one target's blobs (lower-case hex, without "sha256:"). */
struct crc_image_digests {
	/* The compressed layer, the uncompressed tar (the config's diff_id), the config, the manifest. */
	char layer[CRC_SHA256_HEX], diff_id[CRC_SHA256_HEX], config[CRC_SHA256_HEX], manifest[CRC_SHA256_HEX];
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

#endif
