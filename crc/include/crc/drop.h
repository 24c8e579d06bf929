/* A drop's metadata files, written the same way by crc build and crc merge: flags.txt, provenance.json,
 * manifest.yaml (which pins flags.txt, provenance.json and every archive by SHA-256) and SHA256SUMS (every
 * file of the drop but itself, for sha256sum -c). */
#ifndef CRC_DROP_H
#define CRC_DROP_H

#include <stddef.h>

#include "crc/digest.h"
#include "crc/error.h"
#include "crc/manifest.h"

/* What crc_drop_write_metadata computed; template is "" in a drop without Lambda packages. */
struct crc_drop_sums {
	char flags[CRC_SHA256_HEX], provenance[CRC_SHA256_HEX], template[CRC_SHA256_HEX],
		manifest[CRC_SHA256_HEX];
};

/* The SAM template text a drop with Lambda packages is rendered from (crc/lambda.h). */
struct crc_drop_template {
	const char *text;
	size_t len;
	/* For messages. */
	const char *path;
};

/* Writes flags.txt (the flags_len bytes at flags), provenance.json (crc_provenance_write of m), then, when
 * m has zip artifacts (Lambda packages), template.yaml (crc_lambda_render of tmpl, which must then be
 * given, for m), then manifest.yaml (m, with m->flags_sha256, m->provenance_sha256 and m->template_sha256
 * set to point into sums) and SHA256SUMS (every file, m's listed "files" too) into dir, which already
 * holds m's archives and files. Each file is new
 * (O_EXCL) and synced; the caller syncs dir and publishes it. Returns 0 or the first error (with err). */
int crc_drop_write_metadata(struct crc_drop_sums *sums, const char *dir, struct crc_manifest *m,
			    const char *flags, size_t flags_len, const struct crc_drop_template *tmpl,
			    struct crc_error *err);

/* Copies the file at path (relative: an artifact, or a file the manifest lists, whose directories exist
 * at dst_dir) from the drop in src_dir into dst_dir (a new file, mode 0644, synced), hashing what it
 * copies: a source that is not a regular file (it is opened with O_NOFOLLOW) or whose size or SHA-256
 * differs from size and sha256 is CRC_EVERIFY, and nothing is left at the destination. */
int crc_drop_copy_file(const char *src_dir, const char *dst_dir, const char *path, unsigned long long size,
		       const char *sha256, struct crc_error *err);

#endif
