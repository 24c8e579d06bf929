/* Verifying a drop against its manifest.yaml, the check every deploy step runs first. Like signify -C it
 * checks everything and reports every problem, not only the first. Every byte that decides trust is read
 * once, through one descriptor: each file of the drop is opened once, relative to the drop's directory,
 * without following a symlink and without blocking, is refused unless fstat on that descriptor says it is
 * a regular file, and is read only through it (large sequential reads, several files at once). In order:
 *   1. manifest.yaml is read whole and hashed;
 *   2. with a key, manifest.yaml.sig must be its signature over exactly those bytes: checked before the
 *      manifest is parsed, and nothing else is looked at when it does not hold;
 *   3. the manifest is parsed (crc_manifest_parse: schema, caps, paths that stay in the drop);
 *   4. its profile and drop id must be the identity the caller expects (the drop's place), if any;
 *   5. every artifact and listed file must be a regular file of the listed size (not read when its size
 *      already disagrees) and SHA-256; flags.txt, provenance.json and template.yaml must have the hashes
 *      the manifest pins, SHA256SUMS must agree with the manifest, and nothing unlisted may lie in the
 *      drop;
 *   6. a deep check also reads every archive, in the same single read that hashes it, and compares every
 *      entry with the manifest (type, mode with its setuid, setgid and sticky bits, size, SHA-256, link),
 *      reading no more than the manifest says the archive holds; and lists every image layer as an
 *      archive (hostile entries refused) while hashing its decompressed stream, which must be the
 *      layer's diff_id. */
#ifndef CRC_VERIFY_H
#define CRC_VERIFY_H

#include <stddef.h>

#include "crc/buf.h"
#include "crc/digest.h"
#include "crc/error.h"
#include "crc/manifest.h"
#include "crc/sign.h"

/* Problems kept in one report; more are counted in dropped. */
#define CRC_VERIFY_MAX_PROBLEMS 10000

struct crc_verify_options {
	/* Also compare every entry inside every archive with the manifest. */
	int deep;
	/* Accept files in the drop that the manifest does not list. */
	int allow_extra;
	/* Files hashed at once (0 or 1: one at a time). */
	size_t threads;
	/* When set, manifest.yaml.sig must be a valid signature by this key over the bytes of manifest.yaml
	 * that are then parsed (step 2). NULL: signatures are not checked (a regular manifest.yaml.sig may
	 * still lie in the drop). */
	const struct crc_sign_key *key;
	/* The identity the drop must have (step 4), each NULL when not checked: the manifest's profile and
	 * drop_id must be these, or the drop is refused (a drop moved or copied under another name is a
	 * replay). identity_from says where the expectation comes from, for the message ("its directory",
	 * "--profile and --drop-id", ...). */
	const char *profile, *drop_id, *identity_from;
	/* When set, the descriptor of the archive a deploy of this target installs
	 * (crc_manifest_installable) is kept open in the report (held_fd), so that the bytes deploy
	 * extracts are the ones checked here, read through the same descriptor. */
	const char *hold_target;
};

/* One file of the drop, as checked. */
struct crc_verify_file {
	/* Its name in the drop (owned by the report). */
	char *name;
	/* "manifest", "flags", "provenance", "template", "sums", "artifact" or "extra". */
	const char *kind;
	/* What was found (size 0 and "" when the file could not be read; the size and "" when it was not
	 * read because its size already disagreed) and what the manifest lists ("" and 0 when it lists
	 * nothing for this kind). */
	unsigned long long size, expected_size;
	char sha256[CRC_SHA256_HEX], expected_sha256[CRC_SHA256_HEX];
	/* Entries of an archive compared with the manifest (deep only). */
	size_t entries;
	/* 1 when every check on this file held. */
	int ok;
};

/* One problem: the file it is about (relative to the drop) and what is wrong, e.g. "sha256 mismatch:
 * expected … got …". code is CRC_EVERIFY for a mismatch, CRC_EINVALID for a manifest.yaml (or drop path)
 * that is malformed, and CRC_EIO for a file that could not be read. Names that come from the drop are
 * shown with bytes outside printable ASCII escaped as \xNN. */
struct crc_verify_problem {
	char *file;
	char *msg;
	int code;
};

/* The outcome; owned by the caller, freed with crc_verify_report_free. */
struct crc_verify_report {
	/* The parsed manifest, or NULL when it could not be read or parsed. */
	struct crc_manifest *manifest;
	/* Every file checked: manifest.yaml, flags.txt, SHA256SUMS, the artifacts in manifest order, then the
	 * unlisted ones in name order. */
	size_t nfiles, files_cap;
	struct crc_verify_file *files;
	/* In the order of files, then drop-wide problems. */
	size_t nproblems, dropped, problems_cap;
	struct crc_verify_problem *problems;
	/* Problems that were mismatches, and the others (a file that could not be read, a malformed
	 * manifest). */
	size_t mismatches, unreadable;
	/* Bytes read and hashed. */
	unsigned long long bytes;
	/* The bytes of manifest.yaml as read (and hashed, and signed over): what r->manifest was parsed from,
	 * for a caller that signs exactly what it verified. */
	struct crc_buf manifest_text;
	/* A key was given (options.key) and its id; the signature held when no problem names
	 * manifest.yaml.sig. */
	int signature_checked;
	char key_id[CRC_SIGN_KEY_ID_SIZE];
	/* With options.hold_target: that artifact (NULL when the drop has none) and its descriptor (-1 when
	 * it could not be opened), positioned anywhere; closed by crc_verify_report_free. */
	int held_fd;
	const struct crc_manifest_artifact *held;
};

/* Verifies the drop in directory dir into r (which need not be initialised). Returns 0 when everything
 * holds; CRC_EVERIFY when anything does not (every problem is in r: a signature that does not hold, a
 * manifest naming another drop than expected, a mismatch); CRC_EIO when nothing mismatched but some file
 * could not be read; and, with err set and the problem also in r: CRC_ENOTFOUND when dir or its
 * manifest.yaml does not exist, CRC_EINVALID when manifest.yaml is malformed (which includes absolute or
 * ".." paths) or its schema unknown, CRC_ENOMEM. r->manifest is NULL when the manifest could not be read,
 * its signature did not hold, or it did not parse. */
int crc_verify_drop(struct crc_verify_report *r, const char *dir, const struct crc_verify_options *o,
		    struct crc_error *err);

/* Adds a problem found by the caller (e.g. a bad signature) to r; code as for crc_verify_problem.
 * Returns 0 or CRC_ENOMEM. */
int crc_verify_add_problem(struct crc_verify_report *r, const char *file, int code, const char *msg);

/* Frees what r holds and empties it. Accepts NULL and a zeroed report. */
void crc_verify_report_free(struct crc_verify_report *r);

#endif
