/* SHA-256 with OpenSSL's EVP (see crc/digest.h). OpenSSL's errors are translated here, once. */
#include "crc/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/os.h"

struct crc_sha256 {
	EVP_MD_CTX *ctx;
};

struct crc_sha256 *crc_sha256_new(void)
{
	struct crc_sha256 *h = malloc(sizeof *h);
	if (!h)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		ERR_clear_error();
		crc_sha256_free(h);
		return NULL;
	}
	return h;
}

int crc_sha256_update(struct crc_sha256 *h, const void *p, size_t n)
{
	if (EVP_DigestUpdate(h->ctx, p, n) != 1) {
		ERR_clear_error();
		return CRC_EIO;
	}
	return 0;
}

int crc_sha256_final(struct crc_sha256 *h, unsigned char out[CRC_SHA256_LEN], char hex[CRC_SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned len = 0;
	if (EVP_DigestFinal_ex(h->ctx, out, &len) != 1 || len != CRC_SHA256_LEN) {
		ERR_clear_error();
		return CRC_EIO;
	}
	for (unsigned i = 0; hex && i < CRC_SHA256_LEN; i++) {
		hex[2 * i] = digits[out[i] >> 4];
		hex[2 * i + 1] = digits[out[i] & 15];
	}
	if (hex)
		hex[2 * CRC_SHA256_LEN] = '\0';
	return 0;
}

void crc_sha256_free(struct crc_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

int crc_sha256_buf(char hex[CRC_SHA256_HEX], const void *p, size_t n, struct crc_error *err)
{
	unsigned char md[CRC_SHA256_LEN];
	struct crc_sha256 *h = crc_sha256_new();
	int rc = !h || crc_sha256_update(h, p, n) || crc_sha256_final(h, md, hex);
	crc_sha256_free(h);
	return rc ? crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)") : 0;
}

int crc_sha256_fd(char hex[CRC_SHA256_HEX], unsigned long long *size, int fd, const char *name,
		  struct crc_error *err)
{
	return crc_sha256_fd_capped(hex, size, fd, name, 0, err);
}

int crc_sha256_fd_capped(char hex[CRC_SHA256_HEX], unsigned long long *size, int fd, const char *name,
			 unsigned long long max, struct crc_error *err)
{
	unsigned char md[CRC_SHA256_LEN];
	unsigned long long total = 0;
	unsigned char *buf = malloc(CRC_DIGEST_CHUNK);
	struct crc_sha256 *h = crc_sha256_new();
	int rc = 0;
	if (!buf)
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
	else if (!h)
		rc = crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	else
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while (!rc) {
		ssize_t n = read(fd, buf, CRC_DIGEST_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = crc_err_os(err, "cannot read", name, errno);
		else if (n == 0)
			break;
		else if (crc_sha256_update(h, buf, (size_t)n))
			rc = crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
		else
			total += (unsigned long long)n;
		if (!rc && max && total > max)
			break; /* longer than the caller expects: not read on */
	}
	if (!rc && max && total > max)
		hex[0] = '\0';
	else if (!rc && crc_sha256_final(h, md, hex))
		rc = crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	crc_sha256_free(h);
	free(buf);
	if (!rc && size)
		*size = total;
	return rc;
}

int crc_sha256_file(char hex[CRC_SHA256_HEX], unsigned long long *size, const char *path,
		    struct crc_error *err)
{
	int fd;
	int rc = crc_os_open_regular(&fd, NULL, AT_FDCWD, path, NULL, err);
	if (rc)
		return rc;
	rc = crc_sha256_fd(hex, size, fd, path, err);
	close(fd);
	return rc;
}
