/* Ed25519 keys and signatures over a drop's manifest.yaml, through OpenSSL (whose types stay inside
 * sign.c). A key pair is two PEM files: the private key as unencrypted PKCS#8 ("BEGIN PRIVATE KEY", mode
 * 0600) and the public key as SubjectPublicKeyInfo ("BEGIN PUBLIC KEY", KEY.pub). A signature is the
 * standard base64 (RFC 4648, padded) of the 64-byte raw Ed25519 signature and one newline, 89 bytes in
 * all, stored beside the manifest as manifest.yaml.sig; `openssl pkeyutl -verify -rawin` checks it. */
#ifndef CRC_SIGN_H
#define CRC_SIGN_H

#include <stddef.h>

#include "crc/buf.h"
#include "crc/error.h"

/* The raw Ed25519 signature and public key. */
#define CRC_SIGN_RAW_LEN 64
#define CRC_SIGN_PUBLIC_LEN 32
/* Base64 characters of a signature (with the "==" padding), then the whole text: those, "\n" and the
 * NUL. */
#define CRC_SIGN_B64_LEN 88
#define CRC_SIGN_TEXT_SIZE (CRC_SIGN_B64_LEN + 2)
/* A key id: 16 lower-case hex digits of SHA-256 over the raw public key, and the NUL. */
#define CRC_SIGN_KEY_ID_SIZE 17
/* The largest signature file read: anything near this size is malformed anyway. */
#define CRC_SIGN_FILE_MAX 4096
/* The largest key file read. */
#define CRC_SIGN_KEY_MAX_BYTES ((size_t)16 << 10)
/* The names in a drop directory. */
#define CRC_SIGN_MANIFEST "manifest.yaml"
#define CRC_SIGN_SIGNATURE "manifest.yaml.sig"

/* A private key (which also verifies) or a public key. */
struct crc_sign_key;

/* Generates a key pair: the private key at key_path (created new, O_NOFOLLOW, mode 0600 whatever the
 * umask) and the public key at key_path + ".pub" (mode 0644), both fsync'ed. Either file existing is
 * CRC_EINVALID and nothing is written; on any failure nothing is left behind. id (may be NULL) receives
 * the new key's id. */
int crc_sign_keygen(char id[CRC_SIGN_KEY_ID_SIZE], const char *key_path, struct crc_error *err);

/* Loads a private key from a PEM file (O_NOFOLLOW, at most CRC_SIGN_KEY_MAX_BYTES, Ed25519 only), into
 * *out, owned by the caller (crc_sign_key_free). A public key file is refused. */
int crc_sign_key_load_private(struct crc_sign_key **out, const char *path, struct crc_error *err);

/* Loads a public key from a PEM file, as above. A private key file is refused. */
int crc_sign_key_load_public(struct crc_sign_key **out, const char *path, struct crc_error *err);

/* The same from n bytes of PEM text in memory; name is the file they came from, for messages. */
int crc_sign_key_parse_private(struct crc_sign_key **out, const char *name, const void *pem, size_t n,
			       struct crc_error *err);
int crc_sign_key_parse_public(struct crc_sign_key **out, const char *name, const void *pem, size_t n,
			      struct crc_error *err);

/* The public half of key (private or public) as a new public key, owned by the caller. */
int crc_sign_key_public(struct crc_sign_key **out, const struct crc_sign_key *key, struct crc_error *err);

/* Appends the public key's SubjectPublicKeyInfo PEM (what KEY.pub holds) to out. */
int crc_sign_key_write_public(struct crc_buf *out, const struct crc_sign_key *key, struct crc_error *err);

/* The key's id, for messages; borrowed from key. */
const char *crc_sign_key_id(const struct crc_sign_key *key);

/* 1 when key holds a private key, 0 for a public one. */
int crc_sign_key_is_private(const struct crc_sign_key *key);

/* Frees a key (its secret wiped by OpenSSL). Accepts NULL. */
void crc_sign_key_free(struct crc_sign_key *key);

/* Signs n bytes of msg with a private key: text receives the signature text (base64, "\n", NUL). */
int crc_sign_buf(char text[CRC_SIGN_TEXT_SIZE], const struct crc_sign_key *key, const void *msg, size_t n,
		 struct crc_error *err);

/* Checks signature text (n bytes, as read from sig_name, which names it in messages) over n bytes of msg
 * with key. CRC_EINVALID for a malformed text, CRC_EVERIFY when it does not match. */
int crc_sign_verify_buf(const struct crc_sign_key *key, const void *msg, size_t msg_len, const char *text,
			size_t n, const char *sig_name, struct crc_error *err);

/* Parses signature text strictly: exactly 88 canonical base64 characters ending in "==", then at most one
 * "\n"; anything else is CRC_EINVALID (with sig_name as the error's path). */
int crc_sign_parse_signature(unsigned char raw[CRC_SIGN_RAW_LEN], const char *text, size_t n,
			     const char *sig_name, struct crc_error *err);

/* The signature text of a raw signature (base64, "\n", NUL). */
void crc_sign_format_signature(char text[CRC_SIGN_TEXT_SIZE], const unsigned char raw[CRC_SIGN_RAW_LEN]);

/* Signs drop_dir/manifest.yaml (O_NOFOLLOW, at most CRC_MANIFEST_MAX_BYTES) with a private key into
 * drop_dir/manifest.yaml.sig, atomically: a temporary file in drop_dir, fsync'ed, renamed over any
 * existing signature, and the directory fsync'ed. A missing drop or manifest is CRC_ENOTFOUND. */
int crc_sign_drop(const char *drop_dir, const struct crc_sign_key *key, struct crc_error *err);

/* Like crc_sign_drop, when drop_dir/manifest.yaml (read once, through one descriptor) still has the SHA-256
 * manifest_sha256 (hex): what the caller wrote, so that a manifest changed in between is not signed
 * (CRC_EVERIFY "changed since it was written"). */
int crc_sign_drop_pinned(const char *drop_dir, const struct crc_sign_key *key, const char *manifest_sha256,
			 struct crc_error *err);

/* Like crc_sign_drop, signing the n bytes at manifest instead of reading drop_dir/manifest.yaml: the exact
 * bytes a caller has verified (so that what is signed is what was checked, whatever the file holds by
 * now). */
int crc_sign_drop_bytes(const char *drop_dir, const struct crc_sign_key *key, const void *manifest, size_t n,
			struct crc_error *err);

/* Checks drop_dir/manifest.yaml.sig against drop_dir/manifest.yaml with key, each opened once without
 * following a symlink or blocking (a FIFO is refused) and read through that descriptor. A missing
 * signature is CRC_ENOTFOUND, a malformed one (or one that is not a regular file) CRC_EINVALID, a wrong
 * one CRC_EVERIFY. */
int crc_sign_verify_drop(const char *drop_dir, const struct crc_sign_key *key, struct crc_error *err);

/* Checks the signature file of the drop directory dirfd (manifest.yaml.sig, opened and read as above, at
 * most CRC_SIGN_FILE_MAX bytes; sig_path names it in messages) over the n bytes at manifest: the exact
 * bytes the caller read, which it parses only after this holds. Errors as crc_sign_verify_drop. */
int crc_sign_verify_at(const struct crc_sign_key *key, int dirfd, const char *sig_path, const void *manifest,
		       size_t n, struct crc_error *err);

#endif
