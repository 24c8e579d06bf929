/* libFuzzer target for the parsers of untrusted signing input (crc/sign.h): every input is read as
 * signature text, as a public key PEM and as a private key PEM. A rejection must leave *out NULL and carry
 * a message (and OpenSSL is never asked for a passphrase). Accepted signature text must be exactly the
 * canonical form (what the formatter makes of the parsed bytes), and checking it against a fixed key must say
 * "matches" or "does not match", nothing else. An accepted public key must have a 16-hex id, write back to
 * PEM that parses to the same key, and check a fixed signature without failing otherwise. An accepted private
 * key must sign, and its public half must verify what it signed. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crc/sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tests/fixtures/keys/test.key.pub, its golden signature over message, and message. */
static const char fixed_pub[] = "-----BEGIN PUBLIC KEY-----\n"
				"MCowBQYDK2VwAyEAv0oiwdq3gPiXu6CRe/cpjDaqhLjVOYCnAWlDa/butIk=\n"
				"-----END PUBLIC KEY-----\n";
static const char fixed_msg[] = "schema: crc.manifest/v1\ndrop_id: golden\n"
				"# a fixed message: the bytes the golden signature covers\n";

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void check_id(const char *id)
{
	check(id && strlen(id) == 16);
	for (; *id; id++)
		check((*id >= '0' && *id <= '9') || (*id >= 'a' && *id <= 'f'));
}

static void fuzz_signature_text(const char *text, size_t size)
{
	unsigned char raw[CRC_SIGN_RAW_LEN];
	char again[CRC_SIGN_TEXT_SIZE];
	struct crc_error err;
	struct crc_sign_key *pub = NULL;
	err.msg[0] = '\0';
	int rc = crc_sign_parse_signature(raw, text, size, "fuzz.sig", &err);
	if (rc) {
		check(rc == CRC_EINVALID && err.msg[0]);
		return;
	}
	check(size == CRC_SIGN_B64_LEN || (size == CRC_SIGN_B64_LEN + 1 && text[size - 1] == '\n'));
	crc_sign_format_signature(again, raw);
	check(memcmp(again, text, CRC_SIGN_B64_LEN) == 0 && again[CRC_SIGN_B64_LEN] == '\n');
	check(crc_sign_key_parse_public(&pub, "fixed.pub", fixed_pub, strlen(fixed_pub), &err) == 0);
	rc = crc_sign_verify_buf(pub, fixed_msg, strlen(fixed_msg), text, size, "fuzz.sig", &err);
	check(rc == 0 || rc == CRC_EVERIFY);
	crc_sign_key_free(pub);
}

static void fuzz_public_key(const char *pem, size_t size, const char *sig)
{
	struct crc_sign_key *key = (struct crc_sign_key *)1, *again = NULL;
	struct crc_error err;
	struct crc_buf out;
	err.msg[0] = '\0';
	int rc = crc_sign_key_parse_public(&key, "fuzz.pub", pem, size, &err);
	if (rc) {
		check(rc < 0 && key == NULL && err.msg[0]);
		return;
	}
	check(!crc_sign_key_is_private(key));
	check_id(crc_sign_key_id(key));
	crc_buf_init(&out);
	check(crc_sign_key_write_public(&out, key, &err) == 0);
	check(crc_sign_key_parse_public(&again, "rewritten.pub", out.data, out.len, &err) == 0);
	check(strcmp(crc_sign_key_id(key), crc_sign_key_id(again)) == 0);
	rc = crc_sign_verify_buf(key, fixed_msg, strlen(fixed_msg), sig, strlen(sig), "fixed.sig", &err);
	/* The fixed key (in any PEM spelling) verifies its own golden signature; any other does not. */
	check(strcmp(crc_sign_key_id(key), "02d8611a9bbbaed6") == 0 ? rc == 0 : rc == CRC_EVERIFY);
	crc_buf_free(&out);
	crc_sign_key_free(again);
	crc_sign_key_free(key);
}

static void fuzz_private_key(const char *pem, size_t size)
{
	struct crc_sign_key *key = (struct crc_sign_key *)1, *pub = NULL;
	struct crc_error err;
	char text[CRC_SIGN_TEXT_SIZE];
	err.msg[0] = '\0';
	int rc = crc_sign_key_parse_private(&key, "fuzz.key", pem, size, &err);
	if (rc) {
		check(rc < 0 && key == NULL && err.msg[0]);
		return;
	}
	check(crc_sign_key_is_private(key));
	check_id(crc_sign_key_id(key));
	check(crc_sign_buf(text, key, pem, size, &err) == 0);
	check(crc_sign_key_public(&pub, key, &err) == 0);
	check(strcmp(crc_sign_key_id(key), crc_sign_key_id(pub)) == 0);
	check(crc_sign_verify_buf(pub, pem, size, text, strlen(text), "own.sig", &err) == 0);
	crc_sign_key_free(pub);
	crc_sign_key_free(key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A signature of the fixed message by some key: the golden one, made by the fixed private key. */
	static const char golden[] =
		"SYkHVECGv8XCSQUpCPc/rcJQRVORu6DvI9ruZc5bUdqh3J+K8qjhZfVKHVnoxcmlmw4dR+YzZdSQ9cA/"
		"6BF1Bg==\n";
	fuzz_signature_text((const char *)data, size);
	fuzz_public_key((const char *)data, size, golden);
	fuzz_private_key((const char *)data, size);
	return 0;
}
