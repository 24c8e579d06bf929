/* Ed25519 keys and signatures (crc/sign.h) against fixtures made with the openssl command line
 * (tests/fixtures/keys/README): key generation and its file modes, the golden signature reproduced byte
 * for byte, the forgery and every other way a signature must fail, strict signature text, keys of the
 * wrong kind or type, symlinks refused, and signing a drop in place. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/digest.h"
#include "crc/os.h"
#include "crc/sign.h"

#define KEYS CRC_SOURCE_DIR "/tests/fixtures/keys/"
#define MALFORMED "malformed signature (expected 88 base64 characters)"
#define MISMATCH "signature does not match (signed by another key, or manifest.yaml was changed)"
#define NOT_ED25519 "not an Ed25519 key (crc keys come from `crc keygen`)"

static char *scratch(void)
{
	static char dir[64];
	snprintf(dir, sizeof dir, "/tmp/crc-sign-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	return dir;
}

static void cleanup(const char *dir)
{
	struct crc_error err;
	cr_assert_eq(crc_os_remove_tree(dir, &err), 0, "%s", err.msg);
}

/* The whole file at path (NUL-terminated); free() it. */
static char *slurp(const char *path, size_t *n)
{
	struct crc_buf b;
	struct crc_error err;
	crc_buf_init(&b);
	cr_assert_eq(crc_os_read_file(&b, path, 1 << 20, &err), 0, "%s", err.msg);
	if (n)
		*n = b.len;
	char *s = crc_buf_take(&b);
	return s ? s : strdup("");
}

static void write_text(const char *path, const char *text)
{
	struct crc_error err;
	unlink(path);
	cr_assert_eq(crc_os_write_file(path, text, strlen(text), 0644, &err), 0, "%s", err.msg);
}

static struct crc_sign_key *load_private(const char *path)
{
	struct crc_sign_key *k = NULL;
	struct crc_error err;
	cr_assert_eq(crc_sign_key_load_private(&k, path, &err), 0, "%s", err.msg);
	return k;
}

static struct crc_sign_key *load_public(const char *path)
{
	struct crc_sign_key *k = NULL;
	struct crc_error err;
	cr_assert_eq(crc_sign_key_load_public(&k, path, &err), 0, "%s", err.msg);
	return k;
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "path: msg", as the CLI prints an error. */
static const char *formatted(const struct crc_error *err)
{
	static char line[2 * CRC_ERROR_MSG_MAX];
	crc_error_format(err, line, sizeof line);
	return line;
}

/* Verifies text (n bytes) over msg with key; returns the code, and the error in *err. */
static int verify(const struct crc_sign_key *key, const char *msg, size_t msg_len, const char *text, size_t n,
		  struct crc_error *err)
{
	return crc_sign_verify_buf(key, msg, msg_len, text, n, "manifest.yaml.sig", err);
}

static void expect_malformed(const char *text, size_t n)
{
	unsigned char raw[CRC_SIGN_RAW_LEN];
	struct crc_error err;
	cr_expect_eq(crc_sign_parse_signature(raw, text, n, "manifest.yaml.sig", &err), CRC_EINVALID,
		     "accepted %zu bytes: %.*s", n, (int)n, text);
	cr_expect_str_eq(formatted(&err), "manifest.yaml.sig: " MALFORMED);
}

Test(sign, keygen_writes_a_0600_private_key_and_a_0644_public_key_even_with_umask_0)
{
	char *dir = scratch(), key[PATH_MAX], pub[PATH_MAX], id[CRC_SIGN_KEY_ID_SIZE];
	struct crc_error err;
	struct stat st;
	snprintf(key, sizeof key, "%s/k", dir);
	snprintf(pub, sizeof pub, "%s/k.pub", dir);
	mode_t old = umask(0);
	int rc = crc_sign_keygen(id, key, &err);
	umask(old);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(lstat(key, &st), 0);
	cr_expect(S_ISREG(st.st_mode));
	cr_expect_eq(st.st_mode & 07777, 0600, "private key mode %o", st.st_mode & 07777);
	cr_assert_eq(lstat(pub, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0644, "public key mode %o", st.st_mode & 07777);
	char *priv_text = slurp(key, NULL), *pub_text = slurp(pub, NULL);
	cr_expect(strncmp(priv_text, "-----BEGIN PRIVATE KEY-----\n", 28) == 0, "%s", priv_text);
	cr_expect(strncmp(pub_text, "-----BEGIN PUBLIC KEY-----\n", 27) == 0, "%s", pub_text);
	free(priv_text);
	free(pub_text);
	/* The id it reports is the one both files give. */
	struct crc_sign_key *k = load_private(key), *p = load_public(pub);
	cr_expect_str_eq(crc_sign_key_id(k), id);
	cr_expect_str_eq(crc_sign_key_id(p), id);
	crc_sign_key_free(k);
	crc_sign_key_free(p);
	cleanup(dir);
}

Test(sign, keygen_modes_hold_under_a_restrictive_umask)
{
	char *dir = scratch(), key[PATH_MAX], pub[PATH_MAX];
	struct crc_error err;
	struct stat st;
	snprintf(key, sizeof key, "%s/k", dir);
	snprintf(pub, sizeof pub, "%s/k.pub", dir);
	mode_t old = umask(0277);
	int rc = crc_sign_keygen(NULL, key, &err);
	umask(old);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(lstat(key, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(lstat(pub, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0644);
	cleanup(dir);
}

Test(sign, keygen_makes_a_new_key_each_time)
{
	char *dir = scratch(), a[PATH_MAX], b[PATH_MAX], ida[CRC_SIGN_KEY_ID_SIZE], idb[CRC_SIGN_KEY_ID_SIZE];
	struct crc_error err;
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	cr_assert_eq(crc_sign_keygen(ida, a, &err), 0, "%s", err.msg);
	cr_assert_eq(crc_sign_keygen(idb, b, &err), 0, "%s", err.msg);
	cr_expect_eq(strlen(ida), 16);
	cr_expect_str_neq(ida, idb);
	cleanup(dir);
}

Test(sign, keygen_refuses_an_existing_private_key_and_writes_nothing)
{
	char *dir = scratch(), key[PATH_MAX], pub[PATH_MAX];
	struct crc_error err;
	struct stat st;
	snprintf(key, sizeof key, "%s/k", dir);
	snprintf(pub, sizeof pub, "%s/k.pub", dir);
	write_text(key, "precious\n");
	cr_assert_eq(crc_sign_keygen(NULL, key, &err), CRC_EINVALID);
	cr_expect_str_eq(err.path, key);
	cr_expect_str_eq(err.msg, "exists already (remove it, or choose another path)");
	char *text = slurp(key, NULL);
	cr_expect_str_eq(text, "precious\n");
	free(text);
	cr_expect_neq(lstat(pub, &st), 0, "no public key is written");
	cleanup(dir);
}

Test(sign, keygen_refuses_an_existing_public_key_and_writes_nothing)
{
	char *dir = scratch(), key[PATH_MAX], pub[PATH_MAX];
	struct crc_error err;
	struct stat st;
	snprintf(key, sizeof key, "%s/k", dir);
	snprintf(pub, sizeof pub, "%s/k.pub", dir);
	write_text(pub, "old public key\n");
	cr_assert_eq(crc_sign_keygen(NULL, key, &err), CRC_EINVALID);
	cr_expect_str_eq(err.path, pub);
	cr_expect_str_eq(err.msg, "exists already (remove it, or choose another path)");
	cr_expect_neq(lstat(key, &st), 0, "no private key is left behind");
	char *text = slurp(pub, NULL);
	cr_expect_str_eq(text, "old public key\n");
	free(text);
	cleanup(dir);
}

Test(sign, keygen_refuses_a_dangling_symlink_in_the_way)
{
	char *dir = scratch(), key[PATH_MAX], target[PATH_MAX];
	struct crc_error err;
	struct stat st;
	snprintf(key, sizeof key, "%s/k", dir);
	snprintf(target, sizeof target, "%s/elsewhere", dir);
	cr_assert_eq(symlink(target, key), 0);
	cr_assert_eq(crc_sign_keygen(NULL, key, &err), CRC_EINVALID);
	cr_expect_str_eq(err.msg, "exists already (remove it, or choose another path)");
	cr_expect_neq(lstat(target, &st), 0, "nothing is written through the link");
	cleanup(dir);
}

Test(sign, keygen_into_a_missing_directory_fails_and_leaves_nothing)
{
	char *dir = scratch(), key[PATH_MAX], sub[PATH_MAX];
	struct crc_error err;
	snprintf(sub, sizeof sub, "%s/missing", dir);
	snprintf(key, sizeof key, "%s/missing/k", dir);
	cr_assert_eq(crc_sign_keygen(NULL, key, &err), CRC_ENOTFOUND);
	cr_expect(strstr(err.msg, "cannot create") && strstr(err.msg, "No such file or directory"), "%s",
		  err.msg);
	/* The scratch directory holds nothing. */
	cr_assert_eq(rmdir(dir), 0, "%s", strerror(errno));
}

Test(sign, sign_then_verify_round_trips_with_a_new_key)
{
	char *dir = scratch(), key[PATH_MAX], pub[PATH_MAX], text[CRC_SIGN_TEXT_SIZE];
	struct crc_error err;
	const char msg[] = "any bytes at all\n\0 even NULs";
	snprintf(key, sizeof key, "%s/k", dir);
	snprintf(pub, sizeof pub, "%s/k.pub", dir);
	cr_assert_eq(crc_sign_keygen(NULL, key, &err), 0, "%s", err.msg);
	struct crc_sign_key *k = load_private(key), *p = load_public(pub);
	cr_assert_eq(crc_sign_buf(text, k, msg, sizeof msg, &err), 0, "%s", err.msg);
	cr_expect_eq(strlen(text), 89);
	cr_expect_eq(text[88], '\n');
	cr_expect_eq(verify(p, msg, sizeof msg, text, strlen(text), &err), 0, "%s", err.msg);
	/* The private key verifies too, and the empty message signs. */
	cr_expect_eq(verify(k, msg, sizeof msg, text, strlen(text), &err), 0, "%s", err.msg);
	cr_assert_eq(crc_sign_buf(text, k, NULL, 0, &err), 0, "%s", err.msg);
	cr_expect_eq(verify(p, NULL, 0, text, strlen(text), &err), 0, "%s", err.msg);
	crc_sign_key_free(k);
	crc_sign_key_free(p);
	cleanup(dir);
}

Test(sign, reproduces_the_golden_signature_byte_for_byte)
{
	size_t n;
	char text[CRC_SIGN_TEXT_SIZE];
	struct crc_error err;
	char *msg = slurp(KEYS "message", &n), *golden = slurp(KEYS "message.sig", NULL);
	struct crc_sign_key *k = load_private(KEYS "test.key");
	cr_assert_eq(crc_sign_buf(text, k, msg, n, &err), 0, "%s", err.msg);
	cr_expect_str_eq(text, golden);
	/* Deterministic: the same again. */
	char again[CRC_SIGN_TEXT_SIZE];
	cr_assert_eq(crc_sign_buf(again, k, msg, n, &err), 0);
	cr_expect_str_eq(again, text);
	crc_sign_key_free(k);
	free(msg);
	free(golden);
}

Test(sign, golden_signature_verifies_with_the_public_key)
{
	size_t n, sn;
	struct crc_error err;
	char *msg = slurp(KEYS "message", &n), *sig = slurp(KEYS "message.sig", &sn);
	struct crc_sign_key *p = load_public(KEYS "test.key.pub");
	cr_expect_eq(verify(p, msg, n, sig, sn, &err), 0, "%s", err.msg);
	/* Without its trailing newline too. */
	cr_expect_eq(verify(p, msg, n, sig, sn - 1, &err), 0, "%s", err.msg);
	crc_sign_key_free(p);
	free(msg);
	free(sig);
}

Test(sign, forgery_with_one_bit_flipped_fails)
{
	size_t n, sn;
	unsigned char raw[CRC_SIGN_RAW_LEN];
	struct crc_error err;
	char *msg = slurp(KEYS "message", &n), *sig = slurp(KEYS "message.forged.sig", &sn);
	struct crc_sign_key *p = load_public(KEYS "test.key.pub");
	/* Well-formed, so it is the signature itself that fails. */
	cr_assert_eq(crc_sign_parse_signature(raw, sig, sn, "message.forged.sig", &err), 0, "%s", err.msg);
	cr_expect_eq(verify(p, msg, n, sig, sn, &err), CRC_EVERIFY);
	cr_expect_str_eq(formatted(&err), "manifest.yaml.sig: " MISMATCH);
	crc_sign_key_free(p);
	free(msg);
	free(sig);
}

Test(sign, signature_by_another_key_fails)
{
	size_t n, sn;
	struct crc_error err;
	char *msg = slurp(KEYS "message", &n), *sig = slurp(KEYS "message.sig", &sn);
	struct crc_sign_key *p = load_public(KEYS "other.key.pub");
	cr_expect_eq(verify(p, msg, n, sig, sn, &err), CRC_EVERIFY);
	cr_expect_str_eq(err.msg, MISMATCH);
	crc_sign_key_free(p);
	free(msg);
	free(sig);
}

Test(sign, changed_message_fails)
{
	size_t n, sn;
	struct crc_error err;
	char *msg = slurp(KEYS "message", &n), *sig = slurp(KEYS "message.sig", &sn);
	struct crc_sign_key *p = load_public(KEYS "test.key.pub");
	for (size_t i = 0; i < n; i += 7) {
		msg[i] ^= 0x01;
		cr_expect_eq(verify(p, msg, n, sig, sn, &err), CRC_EVERIFY, "bit 0 of byte %zu", i);
		cr_expect_str_eq(err.msg, MISMATCH);
		msg[i] ^= 0x01;
	}
	/* One byte more or less. */
	cr_expect_eq(verify(p, msg, n - 1, sig, sn, &err), CRC_EVERIFY);
	cr_expect_eq(verify(p, msg, n, sig, sn, &err), 0, "%s", err.msg);
	crc_sign_key_free(p);
	free(msg);
	free(sig);
}

Test(sign, malformed_signature_texts_are_refused)
{
	size_t sn;
	char *good = slurp(KEYS "message.sig", &sn), t[256];
	cr_assert_eq(sn, 89);
	expect_malformed("", 0);
	expect_malformed("\n", 1);
	expect_malformed(good, 87);
	/* Too short by a whole group, and too long. */
	memcpy(t, good, 84);
	memcpy(t + 84, "==\n", 3);
	expect_malformed(t, 87);
	memcpy(t, good, 88);
	memcpy(t + 88, "AAAA\n", 5);
	expect_malformed(t, 93);
	/* A character outside the alphabet, at the start, middle and in the last group. */
	for (size_t at = 0; at < 86; at += 17) {
		memcpy(t, good, 89);
		t[at] = '*';
		expect_malformed(t, 89);
	}
	memcpy(t, good, 89);
	t[40] = '-'; /* base64url */
	expect_malformed(t, 89);
	memcpy(t, good, 89);
	t[10] = '\0';
	expect_malformed(t, 89);
	/* Missing padding: the same bits without "==", and with one '=' only. */
	memcpy(t, good, 86);
	t[86] = '\n';
	expect_malformed(t, 87);
	memcpy(t, good, 87);
	t[87] = '\n';
	expect_malformed(t, 88);
	memcpy(t, good, 89);
	t[87] = 'A';
	expect_malformed(t, 89);
	/* Non-canonical: the unused low bits of the last character set. */
	memcpy(t, good, 89);
	t[85] = t[85] == 'B' ? 'C' : 'B';
	expect_malformed(t, 89);
	/* Extra lines, CRLF, leading or trailing space, a second newline. */
	memcpy(t, good, 89);
	memcpy(t + 89, "second line\n", 12);
	expect_malformed(t, 101);
	memcpy(t, good, 88);
	memcpy(t + 88, "\r\n", 2);
	expect_malformed(t, 90);
	memcpy(t, good, 88);
	t[88] = '\r';
	expect_malformed(t, 89);
	t[88] = 'A';
	expect_malformed(t, 89);
	memcpy(t, good, 88);
	memcpy(t + 88, "\n\n", 2);
	expect_malformed(t, 90);
	memcpy(t, good, 88);
	memcpy(t + 88, " \n", 2);
	expect_malformed(t, 90);
	t[0] = ' ';
	memcpy(t + 1, good, 89);
	expect_malformed(t, 90);
	/* Wrapped as `base64` without -w0 wraps it, at 76 columns. */
	memcpy(t, good, 76);
	t[76] = '\n';
	memcpy(t + 77, good + 76, 13);
	expect_malformed(t, 90);
	free(good);
}

Test(sign, malformed_signature_fails_verification_as_invalid_not_as_mismatch)
{
	size_t n;
	struct crc_error err;
	char *msg = slurp(KEYS "message", &n);
	struct crc_sign_key *p = load_public(KEYS "test.key.pub");
	cr_expect_eq(verify(p, msg, n, "", 0, &err), CRC_EINVALID);
	cr_expect_str_eq(err.msg, MALFORMED);
	crc_sign_key_free(p);
	free(msg);
}

Test(sign, signature_text_round_trips_through_format_and_parse)
{
	unsigned char raw[CRC_SIGN_RAW_LEN], back[CRC_SIGN_RAW_LEN];
	char text[CRC_SIGN_TEXT_SIZE];
	struct crc_error err;
	for (int fill = 0; fill < 256; fill += 51) {
		for (size_t i = 0; i < sizeof raw; i++)
			raw[i] = (unsigned char)(fill + (int)i * 37);
		crc_sign_format_signature(text, raw);
		cr_assert_eq(strlen(text), 89);
		cr_assert_eq(crc_sign_parse_signature(back, text, strlen(text), "s", &err), 0, "%s", text);
		cr_expect_eq(memcmp(raw, back, sizeof raw), 0);
	}
}

Test(sign, key_id_is_16_hex_of_the_sha256_of_the_raw_public_key)
{
	struct crc_sign_key *k = load_private(KEYS "test.key"), *p = load_public(KEYS "test.key.pub"),
			    *o = load_public(KEYS "other.key.pub");
	/* Pinned from `openssl pkey -pubin -outform DER | tail -c 32 | sha256sum`. */
	cr_expect_str_eq(crc_sign_key_id(p), "02d8611a9bbbaed6");
	cr_expect_str_eq(crc_sign_key_id(k), "02d8611a9bbbaed6");
	cr_expect_str_eq(crc_sign_key_id(o), "a6d74405ec228274");
	cr_expect_eq(crc_sign_key_is_private(k), 1);
	cr_expect_eq(crc_sign_key_is_private(p), 0);
	crc_sign_key_free(k);
	crc_sign_key_free(p);
	crc_sign_key_free(o);
}

Test(sign, public_key_derived_from_the_private_key_matches_its_pub_file)
{
	struct crc_error err;
	struct crc_sign_key *k = load_private(KEYS "test.key"), *d = NULL;
	struct crc_buf pem;
	cr_assert_eq(crc_sign_key_public(&d, k, &err), 0, "%s", err.msg);
	cr_expect_eq(crc_sign_key_is_private(d), 0);
	cr_expect_str_eq(crc_sign_key_id(d), crc_sign_key_id(k));
	crc_buf_init(&pem);
	cr_assert_eq(crc_sign_key_write_public(&pem, d, &err), 0, "%s", err.msg);
	char *file = slurp(KEYS "test.key.pub", NULL);
	cr_expect_str_eq(crc_buf_str(&pem), file);
	/* A public key does not sign. */
	char text[CRC_SIGN_TEXT_SIZE];
	cr_expect_eq(crc_sign_buf(text, d, "m", 1, &err), CRC_EINVALID);
	cr_expect_str_eq(err.msg, "key 02d8611a9bbbaed6 is a public key: signing needs the private key");
	free(file);
	crc_buf_free(&pem);
	crc_sign_key_free(d);
	crc_sign_key_free(k);
}

Test(sign, keys_parse_from_memory_as_from_files)
{
	size_t n;
	struct crc_error err;
	struct crc_sign_key *k = NULL;
	char *pem = slurp(KEYS "test.key.pub", &n);
	cr_assert_eq(crc_sign_key_parse_public(&k, "mem.pub", pem, n, &err), 0, "%s", err.msg);
	cr_expect_str_eq(crc_sign_key_id(k), "02d8611a9bbbaed6");
	crc_sign_key_free(k);
	free(pem);
	pem = slurp(KEYS "test.key", &n);
	cr_assert_eq(crc_sign_key_parse_private(&k, "mem", pem, n, &err), 0, "%s", err.msg);
	cr_expect_str_eq(crc_sign_key_id(k), "02d8611a9bbbaed6");
	crc_sign_key_free(k);
	free(pem);
}

Test(sign, a_key_that_is_not_ed25519_is_refused)
{
	struct crc_sign_key *k = (struct crc_sign_key *)1;
	struct crc_error err;
	cr_assert_eq(crc_sign_key_load_public(&k, KEYS "ec.key.pub", &err), CRC_EINVALID);
	cr_expect_null(k);
	cr_expect_str_eq(formatted(&err), KEYS "ec.key.pub: " NOT_ED25519);
	cr_assert_eq(crc_sign_key_load_private(&k, KEYS "ec.key", &err), CRC_EINVALID);
	cr_expect_str_eq(formatted(&err), KEYS "ec.key: " NOT_ED25519);
}

Test(sign, malformed_pem_is_refused_with_the_path_and_openssl_reason)
{
	struct crc_sign_key *k = (struct crc_sign_key *)1;
	struct crc_error err;
	cr_assert_eq(crc_sign_key_load_public(&k, KEYS "malformed.pem", &err), CRC_EINVALID);
	cr_expect_null(k);
	cr_expect_str_eq(err.path, KEYS "malformed.pem");
	cr_expect(starts(err.msg,
			 "not a PEM public key (expected \"-----BEGIN PUBLIC KEY-----\") (OpenSSL: error:"),
		  "%s", err.msg);
	cr_assert_eq(crc_sign_key_load_private(&k, KEYS "malformed.pem", &err), CRC_EINVALID);
	cr_expect(starts(err.msg, "a public key, where the private key is needed"), "%s", err.msg);
	/* Not PEM at all, and empty. */
	cr_assert_eq(crc_sign_key_parse_public(&k, "junk", "hello\n", 6, &err), CRC_EINVALID);
	cr_expect(strstr(err.msg, "not a PEM public key") != NULL, "%s", err.msg);
	cr_assert_eq(crc_sign_key_parse_private(&k, "junk", "hello\n", 6, &err), CRC_EINVALID);
	cr_expect(strstr(err.msg, "not a PEM private key (expected \"-----BEGIN PRIVATE KEY-----\")") != NULL,
		  "%s", err.msg);
	cr_assert_eq(crc_sign_key_parse_public(&k, "empty", "", 0, &err), CRC_EINVALID);
	cr_expect_str_eq(err.msg, "empty: not a PEM public key");
	/* OpenSSL's error queue is left empty. */
	cr_expect_eq(ERR_peek_error(), 0);
}

Test(sign, an_encrypted_private_key_is_refused_without_asking_for_a_passphrase)
{
	struct crc_sign_key *k = (struct crc_sign_key *)1;
	struct crc_error err;
	cr_assert_eq(crc_sign_key_load_private(&k, KEYS "encrypted.key", &err), CRC_EINVALID);
	cr_expect_null(k);
	cr_expect_str_eq(
		err.msg,
		"an encrypted private key (crc reads unencrypted keys, as `crc keygen` writes them)");
	cr_expect_eq(ERR_peek_error(), 0);
}

Test(sign, a_key_of_the_wrong_kind_says_which_file_to_give)
{
	struct crc_sign_key *k = NULL;
	struct crc_error err;
	cr_assert_eq(crc_sign_key_load_private(&k, KEYS "test.key.pub", &err), CRC_EINVALID);
	cr_expect_str_eq(err.msg, "a public key, where the private key is needed (the file without .pub)");
	cr_assert_eq(crc_sign_key_load_public(&k, KEYS "test.key", &err), CRC_EINVALID);
	cr_expect_str_eq(err.msg, "a private key, where the public key is needed (KEY.pub)");
}

Test(sign, symlinked_key_is_refused)
{
	char *dir = scratch(), link[PATH_MAX];
	struct crc_sign_key *k = NULL;
	struct crc_error err;
	snprintf(link, sizeof link, "%s/k", dir);
	cr_assert_eq(symlink(KEYS "test.key", link), 0);
	cr_assert_eq(crc_sign_key_load_private(&k, link, &err), CRC_EINVALID);
	cr_expect_null(k);
	cr_expect_str_eq(err.path, link);
	cr_expect_str_eq(err.msg, "is a symbolic link (key files are not followed through links)");
	snprintf(link, sizeof link, "%s/k.pub", dir);
	cr_assert_eq(symlink(KEYS "test.key.pub", link), 0);
	cr_assert_eq(crc_sign_key_load_public(&k, link, &err), CRC_EINVALID);
	cr_expect_str_eq(err.msg, "is a symbolic link (key files are not followed through links)");
	cleanup(dir);
}

Test(sign, missing_oversized_and_non_regular_key_files_are_refused)
{
	char *dir = scratch(), path[PATH_MAX];
	struct crc_sign_key *k = NULL;
	struct crc_error err;
	snprintf(path, sizeof path, "%s/none", dir);
	cr_assert_eq(crc_sign_key_load_private(&k, path, &err), CRC_ENOTFOUND);
	cr_expect(strstr(err.msg, "cannot open key") && strstr(err.msg, "No such file or directory"), "%s",
		  err.msg);
	cr_assert_eq(crc_sign_key_load_public(&k, dir, &err), CRC_EINVALID);
	cr_expect_str_eq(err.msg, "not a regular file (it is a directory)");
	/* A FIFO is refused without being opened (an open would wait for a writer). */
	snprintf(path, sizeof path, "%s/fifo", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(crc_sign_key_load_public(&k, path, &err), CRC_EINVALID);
	cr_expect_str_eq(err.msg, "not a regular file (it is a fifo)");
	snprintf(path, sizeof path, "%s/big", dir);
	char *big = malloc(CRC_SIGN_KEY_MAX_BYTES + 2);
	cr_assert_not_null(big);
	memset(big, 'A', CRC_SIGN_KEY_MAX_BYTES + 1);
	big[CRC_SIGN_KEY_MAX_BYTES + 1] = '\0';
	write_text(path, big);
	cr_assert_eq(crc_sign_key_load_public(&k, path, &err), CRC_EINVALID);
	cr_expect_str_eq(err.msg, "larger than 16384 bytes: not a crc key");
	cr_assert_eq(crc_sign_key_parse_public(&k, "big", big, CRC_SIGN_KEY_MAX_BYTES + 1, &err),
		     CRC_EINVALID);
	cr_expect_str_eq(err.msg, "larger than 16384 bytes: not a crc key");
	free(big);
	cleanup(dir);
}

/* A drop directory under a new scratch directory, with manifest.yaml holding text. */
static char *make_drop(char *drop, size_t size, const char *text)
{
	char *dir = scratch(), path[PATH_MAX];
	snprintf(drop, size, "%s/drop", dir);
	cr_assert_eq(mkdir(drop, 0755), 0);
	snprintf(path, sizeof path, "%s/manifest.yaml", drop);
	write_text(path, text);
	return dir;
}

Test(sign, sign_drop_writes_a_signature_that_verify_drop_accepts)
{
	char drop[PATH_MAX], sig[PATH_MAX + 32];
	char *dir = make_drop(drop, sizeof drop, "schema: crc.manifest/v1\n");
	struct crc_error err;
	struct stat st;
	struct crc_sign_key *k = load_private(KEYS "test.key"), *p = load_public(KEYS "test.key.pub"),
			    *o = load_public(KEYS "other.key.pub");
	mode_t old = umask(077);
	int rc = crc_sign_drop(drop, k, &err);
	umask(old);
	cr_assert_eq(rc, 0, "%s", err.msg);
	snprintf(sig, sizeof sig, "%s/manifest.yaml.sig", drop);
	cr_assert_eq(lstat(sig, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0644);
	cr_expect_eq(st.st_size, 89);
	cr_expect_eq(crc_sign_verify_drop(drop, p, &err), 0, "%s", err.msg);
	cr_expect_eq(crc_sign_verify_drop(drop, o, &err), CRC_EVERIFY);
	cr_expect_str_eq(err.path, sig);
	cr_expect_str_eq(err.msg, MISMATCH);
	/* A changed manifest no longer verifies. */
	snprintf(sig, sizeof sig, "%s/manifest.yaml", drop);
	write_text(sig, "schema: crc.manifest/v2\n");
	cr_expect_eq(crc_sign_verify_drop(drop, p, &err), CRC_EVERIFY);
	crc_sign_key_free(k);
	crc_sign_key_free(p);
	crc_sign_key_free(o);
	cleanup(dir);
}

Test(sign, sign_drop_reproduces_the_golden_signature)
{
	char drop[PATH_MAX], sig[PATH_MAX + 32];
	char *msg = slurp(KEYS "message", NULL), *golden = slurp(KEYS "message.sig", NULL);
	char *dir = make_drop(drop, sizeof drop, msg);
	struct crc_error err;
	struct crc_sign_key *k = load_private(KEYS "test.key");
	cr_assert_eq(crc_sign_drop(drop, k, &err), 0, "%s", err.msg);
	snprintf(sig, sizeof sig, "%s/manifest.yaml.sig", drop);
	char *text = slurp(sig, NULL);
	cr_expect_str_eq(text, golden);
	free(text);
	free(msg);
	free(golden);
	crc_sign_key_free(k);
	cleanup(dir);
}

Test(sign, sign_drop_replaces_an_existing_signature_atomically)
{
	char drop[PATH_MAX], sig[PATH_MAX + 32];
	char *dir = make_drop(drop, sizeof drop, "m\n");
	struct crc_error err;
	struct stat before, after;
	struct crc_sign_key *k = load_private(KEYS "test.key"), *o = load_private(KEYS "other.key"),
			    *p = load_public(KEYS "test.key.pub");
	snprintf(sig, sizeof sig, "%s/manifest.yaml.sig", drop);
	cr_assert_eq(crc_sign_drop(drop, o, &err), 0, "%s", err.msg);
	cr_assert_eq(crc_sign_verify_drop(drop, p, &err), CRC_EVERIFY);
	cr_assert_eq(lstat(sig, &before), 0);
	cr_assert_eq(crc_sign_drop(drop, k, &err), 0, "%s", err.msg);
	cr_assert_eq(lstat(sig, &after), 0);
	/* A new file renamed over the old one, never the old one rewritten in place. */
	cr_expect_neq(before.st_ino, after.st_ino);
	cr_expect_eq(crc_sign_verify_drop(drop, p, &err), 0, "%s", err.msg);
	/* No temporary file is left: the drop holds exactly the manifest and its signature. */
	size_t count = 0;
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof cmd, "ls -A '%s'", drop);
	FILE *ls = popen(cmd, "r");
	cr_assert_not_null(ls);
	char name[256];
	while (fgets(name, sizeof name, ls)) {
		count++;
		cr_expect(strcmp(name, "manifest.yaml\n") == 0 || strcmp(name, "manifest.yaml.sig\n") == 0,
			  "%s", name);
	}
	pclose(ls);
	cr_expect_eq(count, 2);
	crc_sign_key_free(k);
	crc_sign_key_free(o);
	crc_sign_key_free(p);
	cleanup(dir);
}

Test(sign, sign_drop_with_a_public_key_is_refused_and_writes_nothing)
{
	char drop[PATH_MAX], sig[PATH_MAX + 32];
	char *dir = make_drop(drop, sizeof drop, "m\n");
	struct crc_error err;
	struct stat st;
	struct crc_sign_key *p = load_public(KEYS "test.key.pub");
	cr_assert_eq(crc_sign_drop(drop, p, &err), CRC_EINVALID);
	cr_expect_str_eq(err.msg, "key 02d8611a9bbbaed6 is a public key: signing needs the private key");
	snprintf(sig, sizeof sig, "%s/manifest.yaml.sig", drop);
	cr_expect_neq(lstat(sig, &st), 0);
	crc_sign_key_free(p);
	cleanup(dir);
}

Test(sign, missing_drop_and_missing_manifest_are_told_apart)
{
	char drop[PATH_MAX], path[PATH_MAX + 32];
	char *dir = make_drop(drop, sizeof drop, "m\n");
	struct crc_error err;
	struct crc_sign_key *k = load_private(KEYS "test.key");
	snprintf(path, sizeof path, "%s/nodrop", dir);
	cr_assert_eq(crc_sign_drop(path, k, &err), CRC_ENOTFOUND);
	cr_expect_str_eq(err.path, path);
	cr_expect_str_eq(err.msg, "no such drop directory");
	cr_assert_eq(crc_sign_verify_drop(path, k, &err), CRC_ENOTFOUND);
	cr_expect_str_eq(err.msg, "no such drop directory");
	snprintf(path, sizeof path, "%s/manifest.yaml", drop);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(crc_sign_drop(drop, k, &err), CRC_ENOTFOUND);
	cr_expect_str_eq(err.path, path);
	cr_expect_str_eq(err.msg, "missing (not a drop directory?)");
	crc_sign_key_free(k);
	cleanup(dir);
}

Test(sign, missing_signature_says_the_drop_is_not_signed)
{
	char drop[PATH_MAX], sig[PATH_MAX + 32];
	char *dir = make_drop(drop, sizeof drop, "m\n");
	struct crc_error err;
	struct crc_sign_key *p = load_public(KEYS "test.key.pub");
	snprintf(sig, sizeof sig, "%s/manifest.yaml.sig", drop);
	cr_assert_eq(crc_sign_verify_drop(drop, p, &err), CRC_ENOTFOUND);
	cr_expect_str_eq(err.path, sig);
	cr_expect_str_eq(err.msg, "missing (the drop is not signed)");
	crc_sign_key_free(p);
	cleanup(dir);
}

Test(sign, malformed_signature_file_is_an_input_error)
{
	char drop[PATH_MAX], sig[PATH_MAX + 32];
	char *dir = make_drop(drop, sizeof drop, "m\n");
	struct crc_error err;
	struct crc_sign_key *p = load_public(KEYS "test.key.pub");
	snprintf(sig, sizeof sig, "%s/manifest.yaml.sig", drop);
	write_text(sig, "not a signature\n");
	cr_assert_eq(crc_sign_verify_drop(drop, p, &err), CRC_EINVALID);
	cr_expect_str_eq(err.path, sig);
	cr_expect_str_eq(err.msg, MALFORMED);
	crc_sign_key_free(p);
	cleanup(dir);
}

Test(sign, symlinked_manifest_and_signature_are_refused)
{
	char drop[PATH_MAX], path[PATH_MAX + 32], real[PATH_MAX + 32];
	char *dir = make_drop(drop, sizeof drop, "m\n");
	struct crc_error err;
	struct crc_sign_key *k = load_private(KEYS "test.key"), *p = load_public(KEYS "test.key.pub");
	cr_assert_eq(crc_sign_drop(drop, k, &err), 0, "%s", err.msg);
	/* The signature moved aside and linked back. */
	snprintf(path, sizeof path, "%s/manifest.yaml.sig", drop);
	snprintf(real, sizeof real, "%s/real.sig", dir);
	cr_assert_eq(rename(path, real), 0);
	cr_assert_eq(symlink(real, path), 0);
	cr_assert_eq(crc_sign_verify_drop(drop, p, &err), CRC_EINVALID);
	cr_expect_str_eq(err.path, path);
	cr_expect_str_eq(err.msg, "is a symbolic link (a drop's files are not followed through links)");
	/* The manifest likewise. */
	snprintf(path, sizeof path, "%s/manifest.yaml", drop);
	snprintf(real, sizeof real, "%s/real.yaml", dir);
	cr_assert_eq(rename(path, real), 0);
	cr_assert_eq(symlink(real, path), 0);
	cr_assert_eq(crc_sign_drop(drop, k, &err), CRC_EINVALID);
	cr_expect_str_eq(err.path, path);
	cr_expect_str_eq(err.msg, "is a symbolic link (a drop's files are not followed through links)");
	crc_sign_key_free(k);
	crc_sign_key_free(p);
	cleanup(dir);
}
