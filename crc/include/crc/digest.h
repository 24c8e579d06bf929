/* SHA-256, through OpenSSL's EVP interface (which stays inside digest.c). Streaming, so that archives
 * are hashed while they are written, and a one-call form for files and buffers. */
#ifndef CRC_DIGEST_H
#define CRC_DIGEST_H

#include <stddef.h>

#include "crc/error.h"

#define CRC_SHA256_LEN 32
/* Lower-case hex plus the NUL. */
#define CRC_SHA256_HEX (2 * CRC_SHA256_LEN + 1)

struct crc_sha256;

/* A new streaming hash, owned by the caller (crc_sha256_free); NULL when OpenSSL fails. */
struct crc_sha256 *crc_sha256_new(void);
/* Adds n bytes. Returns 0 or CRC_EIO. */
int crc_sha256_update(struct crc_sha256 *h, const void *p, size_t n);
/* Finishes into 32 bytes and, when hex is not NULL, lower-case hex. Returns 0 or CRC_EIO. */
int crc_sha256_final(struct crc_sha256 *h, unsigned char out[CRC_SHA256_LEN], char hex[CRC_SHA256_HEX]);
void crc_sha256_free(struct crc_sha256 *h);

/* The hash of n bytes, as hex. Returns 0 or CRC_EIO (with err). */
int crc_sha256_buf(char hex[CRC_SHA256_HEX], const void *p, size_t n, struct crc_error *err);

/* Bytes per read() when hashing files: large sequential reads, one buffer per call (memory stays flat
 * whatever the file's size). */
#define CRC_DIGEST_CHUNK ((size_t)1 << 20)

/* The hash of what remains to be read from fd (borrowed), and its size; name is used in messages. */
int crc_sha256_fd(char hex[CRC_SHA256_HEX], unsigned long long *size, int fd, const char *name,
		  struct crc_error *err);

/* Like crc_sha256_fd, reading no further once more than max bytes (0: no cap) were read: then *size is
 * what was read (more than max, at most max plus one read) and hex is "", so that a file longer than the
 * caller expects, or one growing while it is read, costs no more than the expected size. */
int crc_sha256_fd_capped(char hex[CRC_SHA256_HEX], unsigned long long *size, int fd, const char *name,
			 unsigned long long max, struct crc_error *err);

/* The hash of the file at path (crc_os_open_regular: not through a symlink, a regular file only), and its
 * size. */
int crc_sha256_file(char hex[CRC_SHA256_HEX], unsigned long long *size, const char *path,
		    struct crc_error *err);

#endif
