/* A client of the OCI distribution API (registries such as Docker's distribution registry), through libcurl
 * (whose CURL handles stay inside registry.c). It parses references (host[:port]/repo/path:tag or
 * @sha256:<hex>), WWW-Authenticate challenges (Basic, and Bearer with a token endpoint), registry error
 * bodies and Docker config.json credential files; and it moves blobs (HEAD first, so a blob the registry
 * has is skipped; monolithic upload for small blobs, chunked above a threshold; downloads streamed to a
 * file and hashed, the digest checked before success) and manifests (by tag or digest, with media
 * types). Every response body is capped. Loopback hosts are spoken to over plain HTTP, the others over
 * HTTPS unless the caller forces plain HTTP. The core never reads the environment: credentials come from
 * the caller. */
#ifndef CRC_REGISTRY_H
#define CRC_REGISTRY_H

#include <stddef.h>

#include "crc/buf.h"
#include "crc/error.h"

/* Caps: a reference's parts, a manifest, an error or token body, a credentials file, a WWW-Authenticate
 * value. Every parser here reads its input once (linear). */
#define CRC_REGISTRY_HOST_MAX 256
#define CRC_REGISTRY_REPO_MAX 256
#define CRC_REGISTRY_TAG_MAX 128
#define CRC_REGISTRY_MANIFEST_MAX ((size_t)4 << 20)
#define CRC_REGISTRY_BODY_MAX ((size_t)64 << 10)
#define CRC_REGISTRY_AUTH_FILE_MAX ((size_t)1 << 20)
#define CRC_REGISTRY_CHALLENGE_MAX ((size_t)16 << 10)
/* "sha256:" and 64 hex digits, and the NUL. */
#define CRC_REGISTRY_DIGEST_SIZE 72
/* Default chunking: blobs above 64 MiB go up in 64 MiB chunks (fewer requests for the registry to
 * handle; bench/registry.sh). */
#define CRC_REGISTRY_CHUNK_THRESHOLD ((unsigned long long)64 << 20)
#define CRC_REGISTRY_CHUNK_SIZE ((unsigned long long)64 << 20)

/* A parsed reference: host[:port]/repository then :tag, @digest, or neither (tag and digest empty). */
struct crc_registry_ref {
	char host[CRC_REGISTRY_HOST_MAX];
	/* Path components of lower-case letters, digits and separators (., _, __, -), joined by '/'. */
	char repo[CRC_REGISTRY_REPO_MAX];
	/* At most 128 characters of [A-Za-z0-9_.-], not starting with '.' or '-'; or "". */
	char tag[CRC_REGISTRY_TAG_MAX + 1];
	/* "sha256:" + 64 lower-case hex, or "". */
	char digest[CRC_REGISTRY_DIGEST_SIZE];
};

/* Parses text strictly (CRC_EINVALID with a message saying which part is wrong). The host part is
 * required: a name or IPv4 address with an optional :port, or a bracketed IPv6 address. */
int crc_registry_ref_parse(struct crc_registry_ref *out, const char *text, struct crc_error *err);

/* Whether host (with or without :port) is loopback: 127.0.0.1, [::1] or localhost. */
int crc_registry_host_is_loopback(const char *host);

enum crc_registry_scheme { CRC_REGISTRY_BASIC = 1, CRC_REGISTRY_BEARER };

/* A WWW-Authenticate challenge. */
struct crc_registry_challenge {
	enum crc_registry_scheme scheme;
	/* Bearer: the token endpoint and its parameters ("" when absent; realm is required). */
	char realm[1024];
	char service[256];
	char scope[512];
};

/* Parses a WWW-Authenticate header's value (Basic or Bearer, auth-params as token=token or
 * token="quoted"; at most 16 of them; at most CRC_REGISTRY_CHALLENGE_MAX bytes). Another scheme, a
 * malformed parameter, or a Bearer challenge without realm is CRC_EINVALID. */
int crc_registry_challenge_parse(struct crc_registry_challenge *out, const char *value,
				 struct crc_error *err);

/* A registry's JSON error body ({"errors":[{"code","message"}, ...]}) as one line into out: "CODE:
 * message" for the first error and ", ..." when there are more; a body that is not such JSON, or longer
 * than CRC_REGISTRY_BODY_MAX (not parsed), gives its first line of printable text (or "" when empty).
 * Untrusted bytes are escaped. Returns out. */
const char *crc_registry_error_text(char *out, size_t size, const char *body, size_t len);

/* Credentials for one registry. */
struct crc_registry_creds {
	char username[256];
	char password[512];
};

/* Finds host's entry in a Docker config.json text ({"auths": {"host[:port]": {"auth":
 * base64("user:password")}}}, or "username" and "password" members instead of "auth"); path names the
 * file in messages. Returns 0 with *found 1 and out filled, 0 with *found 0 when the file has no entry for
 * host, or CRC_EINVALID for a file that is not such JSON or an entry that is malformed. */
int crc_registry_auth_parse(struct crc_registry_creds *out, int *found, const char *path, const char *text,
			    size_t len, const char *host, struct crc_error *err);

/* Wipes credentials. */
void crc_registry_creds_wipe(struct crc_registry_creds *c);

struct crc_registry_options {
	/* Plain HTTP even for a host that is not loopback. */
	int plain_http;
	/* Blobs larger than this go up in chunks of chunk_size (0: the defaults above). */
	unsigned long long chunk_threshold, chunk_size;
	/* Credentials for Basic challenges and token requests, or NULL for anonymous. Copied. */
	const struct crc_registry_creds *creds;
	/* Seconds without progress before a transfer is given up (0: 60). */
	long stall_seconds;
};

/* A connection to one registry, owned by the caller (crc_registry_free). */
struct crc_registry;

int crc_registry_open(struct crc_registry **out, const char *host, const struct crc_registry_options *o,
		      struct crc_error *err);
/* Frees r and wipes its credentials and tokens. Accepts NULL. */
void crc_registry_free(struct crc_registry *r);

/* What crossed the wire, for reports. */
struct crc_registry_stats {
	/* Blobs uploaded, skipped because the registry had them, uploaded in chunks; bytes uploaded. */
	unsigned long blobs_pushed, blobs_skipped, blobs_chunked;
	unsigned long long bytes_pushed;
};
const struct crc_registry_stats *crc_registry_stats(const struct crc_registry *r);

/* Whether repo holds the blob: *exists 1 or 0. */
int crc_registry_blob_exists(struct crc_registry *r, const char *repo, const char *digest, int *exists,
			     struct crc_error *err);

/* Uploads the size bytes of the file at path (whose digest the caller computed) unless the registry has
 * it; chunked above the threshold. */
int crc_registry_blob_push_file(struct crc_registry *r, const char *repo, const char *path,
				const char *digest, unsigned long long size, struct crc_error *err);
/* The same from memory. */
int crc_registry_blob_push_buf(struct crc_registry *r, const char *repo, const void *data, size_t len,
			       const char *digest, struct crc_error *err);

/* Downloads a blob into fd (borrowed, at its current offset), hashing it: more than size bytes, fewer, or
 * another digest is CRC_EVERIFY (what was written must then be discarded by the caller). */
int crc_registry_blob_get(struct crc_registry *r, const char *repo, const char *digest,
			  unsigned long long size, int fd, struct crc_error *err);

/* PUTs a manifest of media_type under reference (a tag or a digest). */
int crc_registry_manifest_put(struct crc_registry *r, const char *repo, const char *reference,
			      const char *media_type, const void *data, size_t len, struct crc_error *err);

/* GETs a manifest (at most CRC_REGISTRY_MANIFEST_MAX bytes) into out, accepting the media types in
 * accept (comma-separated); its Content-Type goes into media_type and the sha256 of its bytes into
 * digest. A reference that is a digest must match the bytes (else CRC_EVERIFY). A missing manifest is
 * CRC_ENOTFOUND. */
int crc_registry_manifest_get(struct crc_registry *r, const char *repo, const char *reference,
			      const char *accept, struct crc_buf *out, char *media_type,
			      size_t media_type_size, char digest[CRC_REGISTRY_DIGEST_SIZE],
			      struct crc_error *err);

#endif
