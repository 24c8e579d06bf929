/* Ed25519 keys and signatures with OpenSSL (see crc/sign.h). EVP_PKEY, BIO and OpenSSL's errors stay in
 * this file: its errors are translated here, once, with ERR_error_string_n and then ERR_clear_error().
 * Key bytes that pass through our own buffers (a key file read, a PEM written) are wiped with
 * OPENSSL_cleanse; OpenSSL wipes its own copy when the key is freed. Signature text is parsed here,
 * strictly, without OpenSSL's lenient base64 decoder. */
#include "crc/sign.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/base64.h"
#include "crc/digest.h"
#include "crc/manifest.h"
#include "crc/os.h"

struct crc_sign_key {
	EVP_PKEY *pkey;
	int is_private;
	/* The raw public key, and the id derived from it. */
	unsigned char pub[CRC_SIGN_PUBLIC_LEN];
	char id[CRC_SIGN_KEY_ID_SIZE];
};

static const char malformed_sig[] = "malformed signature (expected 88 base64 characters)";
static const char not_ed25519[] = "not an Ed25519 key (crc keys come from `crc keygen`)";

/* Records the most recent OpenSSL error after what, clears OpenSSL's queue, and returns code. */
static int ossl_err(struct crc_error *err, int code, const char *path, const char *what)
{
	char detail[256];
	unsigned long e = ERR_peek_last_error();
	if (e)
		ERR_error_string_n(e, detail, sizeof detail);
	else
		snprintf(detail, sizeof detail, "no detail");
	ERR_clear_error();
	return crc_err_at(err, code, path, 0, 0, "%s (OpenSSL: %s)", what, detail);
}

/* Whether the n bytes at p hold the string s. */
static int contains(const void *p, size_t n, const char *s)
{
	size_t len = strlen(s);
	const char *c = p;
	for (size_t i = 0; len <= n && i <= n - len; i++)
		if (memcmp(c + i, s, len) == 0)
			return 1;
	return 0;
}

/* Creates a new file with exactly mode (crc_os_create_file's CRC_OS_NEW_EXACT), holding n bytes, fsync'ed.
 * On failure nothing is left at path. */
static int create_file(const char *path, const void *data, size_t n, mode_t mode, struct crc_error *err)
{
	int fd;
	int rc = crc_os_create_file(&fd, path, mode, CRC_OS_NEW_EXACT, err);
	if (rc && errno == EEXIST)
		return crc_err_at(err, CRC_EINVALID, path, 0, 0,
				  "exists already (remove it, or choose another path)");
	if (rc)
		return rc;
	rc = crc_os_write_all(fd, data, n, path, err);
	if (!rc && fsync(fd) != 0)
		rc = crc_err_os(err, "cannot write", path, errno);
	if (close(fd) != 0 && !rc)
		rc = crc_err_os(err, "cannot write", path, errno);
	if (rc)
		unlink(path); /* ours, just created: no half-written key stays */
	return rc;
}

/* fsyncs the directory that holds path. */
static int sync_parent(const char *path, struct crc_error *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash)
		return crc_os_sync_dir(".", err);
	size_t len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= sizeof dir)
		return crc_err(err, CRC_EINVALID, "path too long: %.200s", path);
	memcpy(dir, path, len);
	dir[len] = '\0';
	return crc_os_sync_dir(dir, err);
}

/* Reads a key file whole into buf (which holds CRC_SIGN_KEY_MAX_BYTES + 1): a regular file, opened
 * without following a symlink and without blocking on a FIFO. */
static int read_key_file(unsigned char *buf, size_t *n, const char *path, struct crc_error *err)
{
	struct stat st;
	int fd;
	*n = 0;
	int rc = crc_os_open_regular(&fd, &st, AT_FDCWD, path, NULL, err);
	if (rc == CRC_EINVALID && S_ISLNK(st.st_mode))
		return crc_err_at(err, CRC_EINVALID, path, 0, 0,
				  "is a symbolic link (key files are not followed through links)");
	if (rc == CRC_EINVALID)
		return crc_err_at(err, CRC_EINVALID, path, 0, 0, "not a regular file (it is %s)",
				  crc_os_file_kind(st.st_mode));
	if (rc) {
		/* "cannot open PATH: why", said of a key. */
		char why[CRC_ERROR_MSG_MAX];
		const char *m = strncmp(err->msg, "cannot open ", 12) == 0 ? err->msg + 12 : err->msg;
		snprintf(why, sizeof why, "%s", m);
		return crc_err(err, rc, "cannot open key %s", why);
	}
	while (!rc && *n <= CRC_SIGN_KEY_MAX_BYTES) {
		ssize_t r = read(fd, buf + *n, CRC_SIGN_KEY_MAX_BYTES + 1 - *n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			rc = crc_err_os(err, "cannot read", path, errno);
		else if (r == 0)
			break;
		else
			*n += (size_t)r;
	}
	if (!rc && *n > CRC_SIGN_KEY_MAX_BYTES)
		rc = crc_err_at(err, CRC_EINVALID, path, 0, 0, "larger than %zu bytes: not a crc key",
				CRC_SIGN_KEY_MAX_BYTES);
	close(fd);
	return rc;
}

/* A PEM passphrase callback that has none: an encrypted key fails instead of prompting on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

/* Takes pkey (Ed25519, checked by the caller) into a new key. */
static int wrap_key(struct crc_sign_key **out, EVP_PKEY *pkey, int is_private, struct crc_error *err)
{
	char hex[CRC_SHA256_HEX];
	size_t len = sizeof(*out)->pub;
	struct crc_sign_key *k = calloc(1, sizeof *k);
	if (!k) {
		EVP_PKEY_free(pkey);
		return crc_err(err, CRC_ENOMEM, "out of memory");
	}
	k->pkey = pkey;
	k->is_private = is_private;
	if (EVP_PKEY_get_raw_public_key(pkey, k->pub, &len) != 1 || len != CRC_SIGN_PUBLIC_LEN) {
		crc_sign_key_free(k);
		return ossl_err(err, CRC_EIO, NULL, "cannot read the raw public key");
	}
	int rc = crc_sha256_buf(hex, k->pub, sizeof k->pub, err);
	if (rc) {
		crc_sign_key_free(k);
		return rc;
	}
	memcpy(k->id, hex, CRC_SIGN_KEY_ID_SIZE - 1);
	k->id[CRC_SIGN_KEY_ID_SIZE - 1] = '\0';
	*out = k;
	return 0;
}

static int parse_key(struct crc_sign_key **out, const char *name, const void *pem, size_t n, int is_private,
		     struct crc_error *err)
{
	*out = NULL;
	if (n > CRC_SIGN_KEY_MAX_BYTES)
		return crc_err_at(err, CRC_EINVALID, name, 0, 0, "larger than %zu bytes: not a crc key",
				  CRC_SIGN_KEY_MAX_BYTES);
	if (n == 0)
		return crc_err_at(err, CRC_EINVALID, name, 0, 0, "empty: not a PEM %s key",
				  is_private ? "private" : "public");
	BIO *bio = BIO_new_mem_buf(pem, (int)n);
	if (!bio)
		return ossl_err(err, CRC_ENOMEM, name, "cannot read the key");
	EVP_PKEY *pkey = is_private ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)
				    : PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (!pkey && is_private && contains(pem, n, "-----BEGIN PUBLIC KEY-----")) {
		ERR_clear_error();
		return crc_err_at(err, CRC_EINVALID, name, 0, 0,
				  "a public key, where the private key is needed (the file without .pub)");
	}
	if (!pkey && is_private && contains(pem, n, "-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
		ERR_clear_error();
		return crc_err_at(
			err, CRC_EINVALID, name, 0, 0,
			"an encrypted private key (crc reads unencrypted keys, as `crc keygen` writes them)");
	}
	if (!pkey && !is_private && contains(pem, n, "PRIVATE KEY-----")) {
		ERR_clear_error();
		return crc_err_at(err, CRC_EINVALID, name, 0, 0,
				  "a private key, where the public key is needed (KEY.pub)");
	}
	if (!pkey)
		return ossl_err(err, CRC_EINVALID, name,
				is_private
					? "not a PEM private key (expected \"-----BEGIN PRIVATE KEY-----\")"
					: "not a PEM public key (expected \"-----BEGIN PUBLIC KEY-----\")");
	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pkey);
		ERR_clear_error();
		return crc_err_at(err, CRC_EINVALID, name, 0, 0, "%s", not_ed25519);
	}
	return wrap_key(out, pkey, is_private, err);
}

int crc_sign_key_parse_private(struct crc_sign_key **out, const char *name, const void *pem, size_t n,
			       struct crc_error *err)
{
	return parse_key(out, name, pem, n, 1, err);
}

int crc_sign_key_parse_public(struct crc_sign_key **out, const char *name, const void *pem, size_t n,
			      struct crc_error *err)
{
	return parse_key(out, name, pem, n, 0, err);
}

static int load_key(struct crc_sign_key **out, const char *path, int is_private, struct crc_error *err)
{
	unsigned char *buf = malloc(CRC_SIGN_KEY_MAX_BYTES + 1);
	size_t n = 0;
	*out = NULL;
	if (!buf)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	int rc = read_key_file(buf, &n, path, err);
	if (!rc)
		rc = parse_key(out, path, buf, n, is_private, err);
	OPENSSL_cleanse(buf, CRC_SIGN_KEY_MAX_BYTES + 1);
	free(buf);
	return rc;
}

int crc_sign_key_load_private(struct crc_sign_key **out, const char *path, struct crc_error *err)
{
	return load_key(out, path, 1, err);
}

int crc_sign_key_load_public(struct crc_sign_key **out, const char *path, struct crc_error *err)
{
	return load_key(out, path, 0, err);
}

int crc_sign_key_public(struct crc_sign_key **out, const struct crc_sign_key *key, struct crc_error *err)
{
	*out = NULL;
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key->pub, sizeof key->pub);
	if (!pkey)
		return ossl_err(err, CRC_EIO, NULL, "cannot make the public key");
	return wrap_key(out, pkey, 0, err);
}

int crc_sign_key_write_public(struct crc_buf *out, const struct crc_sign_key *key, struct crc_error *err)
{
	BUF_MEM *bm = NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio || PEM_write_bio_PUBKEY(bio, key->pkey) != 1 || BIO_get_mem_ptr(bio, &bm) != 1 || !bm) {
		BIO_free(bio);
		return ossl_err(err, CRC_EIO, NULL, "cannot write the public key");
	}
	crc_buf_add(out, bm->data, bm->length);
	BIO_free(bio);
	return crc_buf_error(out) ? crc_err(err, CRC_ENOMEM, "out of memory") : 0;
}

const char *crc_sign_key_id(const struct crc_sign_key *key)
{
	return key->id;
}

int crc_sign_key_is_private(const struct crc_sign_key *key)
{
	return key->is_private;
}

void crc_sign_key_free(struct crc_sign_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

int crc_sign_keygen(char id[CRC_SIGN_KEY_ID_SIZE], const char *key_path, struct crc_error *err)
{
	char pub_path[PATH_MAX];
	struct stat st;
	struct crc_buf pub;
	struct crc_sign_key *key = NULL;
	EVP_PKEY *pkey = NULL;
	BIO *priv = NULL;
	BUF_MEM *bm = NULL;
	int rc, created = 0;
	crc_buf_init(&pub);
	int w = snprintf(pub_path, sizeof pub_path, "%s.pub", key_path);
	if (w < 0 || (size_t)w >= sizeof pub_path)
		return crc_err(err, CRC_EINVALID, "path too long: %.200s.pub", key_path);
	if (lstat(key_path, &st) == 0 || lstat(pub_path, &st) == 0)
		return crc_err_at(err, CRC_EINVALID, lstat(key_path, &st) == 0 ? key_path : pub_path, 0, 0,
				  "exists already (remove it, or choose another path)");
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pkey) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return ossl_err(err, CRC_EIO, NULL, "cannot generate an Ed25519 key");
	}
	EVP_PKEY_CTX_free(ctx);
	if ((rc = wrap_key(&key, pkey, 1, err)))
		goto out;
	/* Secure memory (where OpenSSL has it): what it frees or outgrows is wiped. */
	priv = BIO_new(BIO_s_secmem());
	if (!priv || PEM_write_bio_PKCS8PrivateKey(priv, key->pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    BIO_get_mem_ptr(priv, &bm) != 1 || !bm) {
		rc = ossl_err(err, CRC_EIO, NULL, "cannot write the private key");
		goto out;
	}
	if ((rc = crc_sign_key_write_public(&pub, key, err)) ||
	    (rc = create_file(key_path, bm->data, bm->length, 0600, err)))
		goto out;
	created = 1;
	if ((rc = create_file(pub_path, pub.data, pub.len, 0644, err)))
		goto out;
	created = 2;
	if ((rc = sync_parent(key_path, err)))
		goto out;
	if (id)
		memcpy(id, key->id, CRC_SIGN_KEY_ID_SIZE);
out:
	/* The keys are ours, created above: a failed keygen leaves neither. */
	if (rc && created >= 2)
		unlink(pub_path);
	if (rc && created >= 1)
		unlink(key_path);
	if (bm && bm->data)
		OPENSSL_cleanse(bm->data, bm->length);
	BIO_free(priv);
	crc_buf_free(&pub);
	crc_sign_key_free(key);
	return rc;
}

void crc_sign_format_signature(char text[CRC_SIGN_TEXT_SIZE], const unsigned char raw[CRC_SIGN_RAW_LEN])
{
	/* 88 characters (21 whole groups, then the last byte alone with "=="), a newline. */
	size_t o = crc_base64_encode(text, CRC_SIGN_B64_LEN + 1, raw, CRC_SIGN_RAW_LEN);
	text[o++] = '\n';
	text[o] = '\0';
}

int crc_sign_parse_signature(unsigned char raw[CRC_SIGN_RAW_LEN], const char *text, size_t n,
			     const char *sig_name, struct crc_error *err)
{
	size_t len;
	/* Canonical base64 only: the last group's unused low four bits must be zero. */
	if ((n != CRC_SIGN_B64_LEN && !(n == CRC_SIGN_B64_LEN + 1 && text[CRC_SIGN_B64_LEN] == '\n')) ||
	    crc_base64_decode(raw, CRC_SIGN_RAW_LEN, &len, text, CRC_SIGN_B64_LEN) != 0 ||
	    len != CRC_SIGN_RAW_LEN)
		return crc_err_at(err, CRC_EINVALID, sig_name, 0, 0, "%s", malformed_sig);
	return 0;
}

int crc_sign_buf(char text[CRC_SIGN_TEXT_SIZE], const struct crc_sign_key *key, const void *msg, size_t n,
		 struct crc_error *err)
{
	unsigned char raw[CRC_SIGN_RAW_LEN];
	size_t len = sizeof raw;
	if (!key->is_private)
		return crc_err(err, CRC_EINVALID, "key %s is a public key: signing needs the private key",
			       key->id);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, key->pkey) != 1 ||
	    EVP_DigestSign(ctx, raw, &len, n ? msg : (const void *)"", n) != 1 || len != sizeof raw) {
		EVP_MD_CTX_free(ctx);
		return ossl_err(err, CRC_EIO, NULL, "cannot sign");
	}
	EVP_MD_CTX_free(ctx);
	crc_sign_format_signature(text, raw);
	return 0;
}

int crc_sign_verify_buf(const struct crc_sign_key *key, const void *msg, size_t msg_len, const char *text,
			size_t n, const char *sig_name, struct crc_error *err)
{
	unsigned char raw[CRC_SIGN_RAW_LEN];
	int rc = crc_sign_parse_signature(raw, text, n, sig_name, err);
	if (rc)
		return rc;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key->pkey) != 1) {
		EVP_MD_CTX_free(ctx);
		return ossl_err(err, CRC_EIO, NULL, "cannot verify");
	}
	/* Anything but 1 is a signature that does not hold, whatever OpenSSL says about why. */
	int ok = EVP_DigestVerify(ctx, raw, sizeof raw, msg_len ? msg : (const void *)"", msg_len);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	if (ok != 1)
		return crc_err_at(
			err, CRC_EVERIFY, sig_name, 0, 0,
			"signature does not match (signed by another key, or manifest.yaml was changed)");
	return 0;
}

/* Reads the file name of the drop directory dirfd whole (at most max bytes; path names it in messages):
 * opened once, without following a symlink and without blocking, and read through that descriptor only. A
 * symlink is said so, as an input error. */
static int read_drop_file(struct crc_buf *out, int dirfd, const char *name, const char *path, size_t max,
			  struct crc_error *err)
{
	struct stat st;
	int fd;
	int rc = crc_os_open_regular(&fd, &st, dirfd, name, path, err);
	if (rc == CRC_EINVALID && S_ISLNK(st.st_mode))
		return crc_err_at(err, CRC_EINVALID, path, 0, 0,
				  "is a symbolic link (a drop's files are not followed through links)");
	if (rc)
		return rc;
	if ((unsigned long long)st.st_size > max)
		rc = crc_err_at(err, CRC_EINVALID, path, 0, 0, "larger than %zu bytes", max);
	else
		rc = crc_os_read_fd(out, fd, path, max, err);
	close(fd);
	return rc;
}

/* Opens the drop directory (following a symlink to it: the caller names it). */
static int open_drop(int *dirfd, const char *drop_dir, struct crc_error *err)
{
	struct crc_error oerr;
	if (crc_os_open_dir(dirfd, AT_FDCWD, drop_dir, 0, &oerr) == 0)
		return 0;
	if (errno == ENOENT || errno == ENOTDIR)
		return crc_err_at(err, CRC_ENOTFOUND, drop_dir, 0, 0, "no such drop directory");
	return crc_err_os(err, "cannot open the drop", drop_dir, errno);
}

/* Reads manifest.yaml of the drop directory dirfd (path: its path, for messages). */
static int read_manifest(struct crc_buf *m, int dirfd, const char *path, struct crc_error *err)
{
	int rc = read_drop_file(m, dirfd, CRC_SIGN_MANIFEST, path, CRC_MANIFEST_MAX_BYTES, err);
	if (rc == CRC_ENOTFOUND)
		return crc_err_at(err, CRC_ENOTFOUND, path, 0, 0, "missing (not a drop directory?)");
	return rc;
}

int crc_sign_drop_bytes(const char *drop_dir, const struct crc_sign_key *key, const void *manifest, size_t n,
			struct crc_error *err)
{
	char text[CRC_SIGN_TEXT_SIZE];
	int rc;
	if ((rc = crc_sign_buf(text, key, manifest, n, err)) == 0)
		rc = crc_os_replace_file(drop_dir, CRC_SIGN_SIGNATURE, text, strlen(text), 0644, err);
	return rc;
}

/* Signs drop_dir/manifest.yaml as read once, when it has the SHA-256 want (NULL: any). */
static int sign_read(const char *drop_dir, const struct crc_sign_key *key, const char *want,
		     struct crc_error *err)
{
	char manifest[PATH_MAX], hex[CRC_SHA256_HEX];
	struct crc_buf m;
	int rc, dirfd = -1;
	crc_buf_init(&m);
	if ((rc = crc_os_join(manifest, sizeof manifest, drop_dir, CRC_SIGN_MANIFEST, err)))
		return rc;
	if (!key->is_private)
		return crc_err(err, CRC_EINVALID, "key %s is a public key: signing needs the private key",
			       key->id);
	if ((rc = open_drop(&dirfd, drop_dir, err)) == 0 &&
	    (rc = read_manifest(&m, dirfd, manifest, err)) == 0 && want &&
	    (rc = crc_sha256_buf(hex, m.data ? m.data : "", m.len, err)) == 0 && strcmp(hex, want) != 0)
		rc = crc_err_at(err, CRC_EVERIFY, manifest, 0, 0, "changed since it was written: not signed");
	if (!rc)
		rc = crc_sign_drop_bytes(drop_dir, key, m.data ? m.data : "", m.len, err);
	if (dirfd >= 0)
		close(dirfd);
	crc_buf_free(&m);
	return rc;
}

int crc_sign_drop(const char *drop_dir, const struct crc_sign_key *key, struct crc_error *err)
{
	return sign_read(drop_dir, key, NULL, err);
}

int crc_sign_drop_pinned(const char *drop_dir, const struct crc_sign_key *key, const char *manifest_sha256,
			 struct crc_error *err)
{
	return sign_read(drop_dir, key, manifest_sha256, err);
}

int crc_sign_verify_at(const struct crc_sign_key *key, int dirfd, const char *sig_path, const void *manifest,
		       size_t n, struct crc_error *err)
{
	struct crc_buf s;
	crc_buf_init(&s);
	int rc = read_drop_file(&s, dirfd, CRC_SIGN_SIGNATURE, sig_path, CRC_SIGN_FILE_MAX, err);
	if (rc == CRC_ENOTFOUND)
		rc = crc_err_at(err, CRC_ENOTFOUND, sig_path, 0, 0, "missing (the drop is not signed)");
	if (!rc)
		rc = crc_sign_verify_buf(key, manifest, n, s.data ? s.data : "", s.len, sig_path, err);
	crc_buf_free(&s);
	return rc;
}

int crc_sign_verify_drop(const char *drop_dir, const struct crc_sign_key *key, struct crc_error *err)
{
	char manifest[PATH_MAX], sig[PATH_MAX];
	struct crc_buf m;
	int rc, dirfd = -1;
	crc_buf_init(&m);
	if ((rc = crc_os_join(manifest, sizeof manifest, drop_dir, CRC_SIGN_MANIFEST, err)) ||
	    (rc = crc_os_join(sig, sizeof sig, drop_dir, CRC_SIGN_SIGNATURE, err)) ||
	    (rc = open_drop(&dirfd, drop_dir, err)) || (rc = read_manifest(&m, dirfd, manifest, err)))
		goto out;
	rc = crc_sign_verify_at(key, dirfd, sig, m.data ? m.data : "", m.len, err);
out:
	if (dirfd >= 0)
		close(dirfd);
	crc_buf_free(&m);
	return rc;
}
