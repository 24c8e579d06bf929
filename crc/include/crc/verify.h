/* Verifying a drop against its manifest.yaml, the check every deploy step runs first. Like signify -C it
 * checks everything and reports every problem, not only the first: each file of the drop is opened once,
 * relative to the drop's directory and without following symlinks, and hashed with large sequential reads,
 * several files at once. The manifest must parse (crc_manifest_parse: schema, paths that stay in the drop);
 * then every artifact must be a regular file with the listed size and SHA-256, flags.txt and SHA256SUMS must
 * agree with the manifest, and nothing unlisted may lie in the drop. A deep check also reads every archive
 * (in the same single pass that hashes it) and compares every entry with the manifest. Signatures are
 * checked by the caller (crc/sign.h), which adds its finding to the same report. */
#ifndef CRC_VERIFY_H
#define CRC_VERIFY_H

#include <stddef.h>

#include "crc/digest.h"
#include "crc/error.h"
#include "crc/manifest.h"

/* Problems kept in one report; more are counted in dropped. */
#define CRC_VERIFY_MAX_PROBLEMS 10000

struct crc_verify_options {
	/* Also compare every entry inside every archive with the manifest. */
	int deep;
	/* Accept files in the drop that the manifest does not list. */
	int allow_extra;
	/* Files hashed at once (0 or 1: one at a time). */
	size_t threads;
};

/* One file of the drop, as checked. */
struct crc_verify_file {
	/* Its name in the drop (owned by the report). */
	char *name;
	/* "manifest", "flags", "provenance", "template", "sums", "artifact" or "extra". */
	const char *kind;
	/* What was found (size 0 and "" when the file could not be read) and what the manifest lists (""
	 * and 0 when it lists nothing for this kind). */
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
	size_t nfiles;
	struct crc_verify_file *files;
	/* In the order of files, then drop-wide problems. */
	size_t nproblems, dropped;
	struct crc_verify_problem *problems;
	/* Problems that were mismatches, and the others (a file that could not be read, a malformed
	 * manifest). */
	size_t mismatches, unreadable;
	/* Bytes read and hashed. */
	unsigned long long bytes;
};

/* Verifies the drop in directory dir into r (which need not be initialised). Returns 0 when everything
 * holds; CRC_EVERIFY when anything does not (every problem is in r); CRC_EIO when nothing mismatched but
 * some file could not be read; and, with err set and the problem also in r: CRC_ENOTFOUND when dir or its
 * manifest.yaml does not exist, CRC_EINVALID when manifest.yaml is malformed (which includes absolute or
 * ".." paths) or its schema unknown, CRC_ENOMEM. */
int crc_verify_drop(struct crc_verify_report *r, const char *dir, const struct crc_verify_options *o,
		    struct crc_error *err);

/* Adds a problem found by the caller (e.g. a bad signature) to r; code as for crc_verify_problem.
 * Returns 0 or CRC_ENOMEM. */
int crc_verify_add_problem(struct crc_verify_report *r, const char *file, int code, const char *msg);

/* Frees what r holds and empties it. Accepts NULL and a zeroed report. */
void crc_verify_report_free(struct crc_verify_report *r);

#endif
