/* What a drop is built from: the source revision (git commit, its time, whether the runtime's tree has
 * uncommitted changes) and a SHA-256 over the runtime's source tree, which names the exact bytes built
 * whether or not git is there. The drop id and the manifest's `source` come from here. */
#ifndef CRC_SOURCE_H
#define CRC_SOURCE_H

#include "crc/digest.h"
#include "crc/error.h"
#include "crc/ids.h"

/* Bytes of a source URL, with its NUL. */
#define CRC_SOURCE_URL_MAX CRC_IDS_URL_MAX

struct crc_source {
	/* The full commit id, or "" outside a git checkout (or without git). */
	char commit[41];
	/* The commit's time (seconds since the epoch), or -1 when unknown. */
	long long commit_time;
	/* The runtime's files differ from the commit (always 0 without a commit). */
	int dirty;
	/* SHA-256 over <root>/runtime: every regular file and symlink, sorted by path, skipping names that
	 * begin with '.' (see docs/manifest.md for the exact encoding). */
	char tree_sha256[CRC_SHA256_HEX];
	/* Where the source can be fetched: git's remote "origin" as a plain https URL
	 * (crc_source_url_normalize), or "" when there is none that could be shipped (no remote, a local
	 * path). It names the source in the images' org.opencontainers.image.source. */
	char url[CRC_SOURCE_URL_MAX];
};

/* Fills *out for the project at root. Returns 0, or CRC_EIO / CRC_ENOTFOUND when runtime/ cannot be read
 * (git being absent is not an error). */
int crc_source_read(struct crc_source *out, const char *root, struct crc_error *err);

/* Turns a git remote URL into what a drop may ship: "https://" + host (letters, digits, '.', '-'; a port
 * only for http(s)) + path (letters, digits and "._~/%+-"), without user name, password, ".git" suffix or
 * trailing '/'. https, http, ssh, git+ssh and git URLs and scp-like "user@host:path" are turned into
 * https URLs of the same host and path; anything else (a local path, file://, other characters) gives "".
 * out has size bytes (at least 1); a result that does not fit gives "" too. What it makes passes
 * crc_ids_url_ok. */
void crc_source_url_normalize(char *out, size_t size, const char *raw);

/* Hashes the tree under dir into hex (the encoding above). */
int crc_source_tree_hash(char hex[CRC_SHA256_HEX], const char *dir, struct crc_error *err);

/* The default drop id: <yyyymmdd of epoch, UTC>-<12 hex of the commit, or "nogit">-<first 8 hex of
 * inputs_sha256>, into out (at least 64 bytes). */
void crc_source_drop_id(char *out, size_t size, long long epoch, const struct crc_source *src,
			const char *inputs_sha256);

#endif
