/* provenance.json: what a drop is and how it was made, as an in-toto Statement v1 whose predicate is SLSA
 * provenance v1. Everything in it comes from the drop's manifest (crc.manifest/v1), so the same manifest
 * always gives the same bytes, and a drop merged from partial drops gets exactly the provenance of the
 * same drop built on one machine. It holds no wall-clock time, host name or path of the build machine.
 * The JSON is built through crc/json.h (cJSON stays inside json.c). */
#ifndef CRC_PROVENANCE_H
#define CRC_PROVENANCE_H

#include "crc/buf.h"
#include "crc/error.h"
#include "crc/manifest.h"

#define CRC_PROVENANCE_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define CRC_PROVENANCE_PREDICATE_TYPE "https://slsa.dev/provenance/v1"
/* The buildType and builder id: URNs of crc's own, described in docs/manifest.md. */
#define CRC_PROVENANCE_BUILD_TYPE "urn:crc:build:v1"
#define CRC_PROVENANCE_BUILDER_ID "urn:crc:builder"

/* Appends the provenance of the drop m describes to out (pretty-printed JSON and a newline): subjects
 * are m's artifacts with their SHA-256 digests; externalParameters the profile, drop id and targets;
 * internalParameters crc's version, the resolved optimization and features, flags.txt's SHA-256 and
 * every target's toolchain; the one resolved dependency is the runtime's source (git commit, tree hash,
 * dirty flag); runDetails names crc as the builder. Returns 0, or CRC_ENOMEM (out left as it was). */
int crc_provenance_write(struct crc_buf *out, const struct crc_manifest *m, struct crc_error *err);

#endif
