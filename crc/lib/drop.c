/* A drop's metadata files (crc/drop.h), in the one order that lets each pin the ones before it:
 * flags.txt and provenance.json (and template.yaml with Lambda packages), then manifest.yaml, then
 * SHA256SUMS. */
#include "crc/drop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/buf.h"
#include "crc/lambda.h"
#include "crc/os.h"
#include "crc/provenance.h"

/* Writes the n bytes at data to dir/name as a new file (mode 0644), and hashes them into hex. */
static int put(const char *dir, const char *name, const void *data, size_t n, char hex[CRC_SHA256_HEX],
	       struct crc_error *err)
{
	char path[4096];
	int w = snprintf(path, sizeof path, "%s/%s", dir, name);
	if (w < 0 || (size_t)w >= sizeof path)
		return crc_err(err, CRC_EINVALID, "path too long: %.200s/%s", dir, name);
	int rc = crc_os_write_file(path, data, n, 0644, err);
	if (!rc && hex)
		rc = crc_sha256_buf(hex, data, n, err);
	return rc;
}

int crc_drop_write_metadata(struct crc_drop_sums *sums, const char *dir, struct crc_manifest *m,
			    const char *flags, size_t flags_len, const struct crc_drop_template *tmpl,
			    struct crc_error *err)
{
	struct crc_buf b;
	const char **names = NULL, **hashes = NULL;
	int rc;
	crc_buf_init(&b);
	if ((rc = put(dir, "flags.txt", flags, flags_len, sums->flags, err)) != 0)
		goto out;
	m->flags_sha256 = sums->flags;
	/* The provenance comes from the manifest, which then pins it: its own hash is not part of it. */
	m->provenance_sha256 = NULL;
	if ((rc = crc_provenance_write(&b, m, err)) != 0 ||
	    (rc = put(dir, "provenance.json", b.data, b.len, sums->provenance, err)) != 0)
		goto out;
	m->provenance_sha256 = sums->provenance;
	b.len = 0;
	/* The SAM template names the zips, which the manifest pins; the manifest then pins the template. */
	sums->template[0] = '\0';
	m->template_sha256 = NULL;
	int lambda = 0;
	for (size_t i = 0; i < m->nartifacts; i++)
		lambda |= strcmp(m->artifacts[i].format, "zip") == 0;
	if (lambda && !tmpl) {
		rc = crc_err(err, CRC_EINVALID, "drop %s has Lambda packages but no SAM template to render",
			     m->drop_id);
		goto out;
	}
	if (lambda) {
		if ((rc = crc_lambda_render(&b, tmpl->text, tmpl->len, tmpl->path, m, err)) != 0 ||
		    (rc = put(dir, CRC_LAMBDA_TEMPLATE_FILE, b.data, b.len, sums->template, err)) != 0)
			goto out;
		m->template_sha256 = sums->template;
		b.len = 0;
	}
	if ((rc = crc_manifest_write(&b, m, err)) != 0 ||
	    (rc = put(dir, "manifest.yaml", b.data, b.len, sums->manifest, err)) != 0)
		goto out;
	size_t n = 0, cap = m->nartifacts + m->nfiles + 4;
	names = calloc(cap, sizeof *names);
	hashes = calloc(cap, sizeof *hashes);
	if (!names || !hashes) {
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < m->nartifacts; i++) {
		names[n] = m->artifacts[i].path;
		hashes[n++] = m->artifacts[i].sha256;
	}
	for (size_t i = 0; i < m->nfiles; i++) {
		names[n] = m->files[i].path;
		hashes[n++] = m->files[i].sha256;
	}
	names[n] = "flags.txt", hashes[n++] = sums->flags;
	names[n] = "provenance.json", hashes[n++] = sums->provenance;
	if (lambda)
		names[n] = CRC_LAMBDA_TEMPLATE_FILE, hashes[n++] = sums->template;
	names[n] = "manifest.yaml", hashes[n++] = sums->manifest;
	b.len = 0;
	if ((rc = crc_manifest_sha256sums(&b, names, hashes, n, err)) == 0)
		rc = put(dir, "SHA256SUMS", b.data, b.len, NULL, err);
out:
	free(names);
	free(hashes);
	crc_buf_free(&b);
	return rc;
}

int crc_drop_copy_file(const char *src_dir, const char *dst_dir, const char *path,
		       unsigned long long want_size, const char *sha256, struct crc_error *err)
{
	char src[4096], dst[4096], hex[CRC_SHA256_HEX];
	unsigned char md[CRC_SHA256_LEN];
	unsigned long long size = 0;
	int w1 = snprintf(src, sizeof src, "%s/%s", src_dir, path);
	int w2 = snprintf(dst, sizeof dst, "%s/%s", dst_dir, path);
	if (w1 < 0 || (size_t)w1 >= sizeof src || w2 < 0 || (size_t)w2 >= sizeof dst)
		return crc_err(err, CRC_EINVALID, "path too long: %.200s/%s", src_dir, path);
	int in, out, rc;
	if ((rc = crc_os_open_regular(&in, NULL, AT_FDCWD, src, src, err)) != 0) {
		/* The part was a regular file when verified: one that is not any more was tampered with. */
		if (rc == CRC_EINVALID && err)
			err->code = CRC_EVERIFY;
		return rc == CRC_EINVALID ? CRC_EVERIFY : rc;
	}
	if ((rc = crc_os_create_file(&out, dst, 0644, CRC_OS_NEW, err)) != 0) {
		close(in);
		return rc;
	}
	unsigned char *buf = malloc(CRC_DIGEST_CHUNK);
	struct crc_sha256 *h = crc_sha256_new();
	rc = buf && h ? 0 : crc_err(err, CRC_ENOMEM, "out of memory");
	while (!rc) {
		ssize_t n = read(in, buf, CRC_DIGEST_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = crc_err_os(err, "cannot read", src, errno);
		else if (n == 0)
			break;
		else if (crc_sha256_update(h, buf, (size_t)n))
			rc = crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
		else if ((rc = crc_os_write_all(out, buf, (size_t)n, dst, err)) == 0)
			size += (unsigned long long)n;
		if (!rc && size > want_size)
			break; /* longer than verified: not read on */
	}
	if (!rc && crc_sha256_final(h, md, hex))
		rc = crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	/* The part was verified before; a change since is tampering (or a concurrent writer). */
	if (!rc && (size != want_size || strcmp(hex, sha256) != 0))
		rc = crc_err_at(err, CRC_EVERIFY, src, 0, 0,
				"changed since it was verified (expected %llu bytes, sha256 %s)", want_size,
				sha256);
	if (!rc && fsync(out) != 0)
		rc = crc_err_os(err, "cannot write", dst, errno);
	if (close(out) != 0 && !rc)
		rc = crc_err_os(err, "cannot write", dst, errno);
	close(in);
	crc_sha256_free(h);
	free(buf);
	if (rc)
		unlink(dst); /* ours, just created: nothing half-copied stays */
	return rc;
}
