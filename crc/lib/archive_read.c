/* Reading archives (see crc/archive.h): libarchive's tar reader over the in-process decompressors, fed by
 * a read callback that hashes the archive's bytes, every header checked before its data is hashed.
 * Listing then makes the checks that need the whole list (duplicates, entries below a symlink or a file);
 * an extraction (archive_extract.c) reads through the same functions with its own entry and finish steps.
 * Also: the SHA-256 of an archive's decompressed stream. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive_int.h"
#include "crc/buf.h"
#include "crc/os.h"

int crc_archive_stream_sha256(char hex[CRC_SHA256_HEX], unsigned long long *size, const char *path,
			      enum crc_archive_format fmt, struct crc_error *err)
{
	struct archive *a = NULL;
	struct crc_sha256 *h = NULL;
	unsigned char *buf = NULL, md[CRC_SHA256_LEN];
	unsigned long long total = 0;
	int rc = 0, code = fmt == CRC_ARCHIVE_TAR_GZ ? ARCHIVE_FILTER_GZIP : ARCHIVE_FILTER_ZSTD;
	int fd = -1;
	hex[0] = '\0';
	*size = 0;
	if (fmt != CRC_ARCHIVE_TAR_GZ && fmt != CRC_ARCHIVE_TAR_ZST)
		return crc_err_at(err, CRC_EINVALID, path, 0, 0,
				  "only tar.gz and tar.zst streams can be hashed, not %s",
				  crc_archive_format_name(fmt));
	if ((rc = crc_os_open_regular(&fd, NULL, AT_FDCWD, path, NULL, err)) != 0)
		return rc;
	if (!(buf = malloc(ARC_CHUNK)) || !(h = crc_sha256_new()) || !(a = archive_read_new())) {
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
		goto out;
	}
	/* The raw format hands over the filtered stream as one entry; only the one built-in decompressor. */
	if ((fmt == CRC_ARCHIVE_TAR_GZ ? archive_read_support_filter_gzip(a)
				       : archive_read_support_filter_zstd(a)) != ARCHIVE_OK ||
	    archive_read_support_format_raw(a) != ARCHIVE_OK) {
		rc = crc_err(err, CRC_EIO, "cannot set up libarchive for %s (no built-in %s support)", path,
			     crc_archive_format_name(fmt));
		goto out;
	}
	struct archive_entry *ae;
	if (archive_read_open_fd(a, fd, ARC_CHUNK) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ae) != ARCHIVE_OK) {
		const char *msg = archive_error_string(a);
		rc = crc_err_at(err, CRC_EVERIFY, path, 0, 0, "%s", msg ? msg : "unreadable stream");
		goto out;
	}
	if (archive_filter_code(a, 0) != code) {
		rc = crc_err_at(err, CRC_EVERIFY, path, 0, 0, "not a %s file",
				fmt == CRC_ARCHIVE_TAR_GZ ? "gzip" : "zstd");
		goto out;
	}
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, ARC_CHUNK);
		if (n == 0)
			break;
		if (n < 0) {
			const char *msg = archive_error_string(a);
			rc = crc_err_at(err, CRC_EVERIFY, path, 0, 0, "%s", msg ? msg : "corrupt stream");
			goto out;
		}
		total += (unsigned long long)n;
		if (total > CRC_ARCHIVE_MAX_STREAM_SIZE) {
			rc = crc_err_at(err, CRC_EINVALID, path, 0, 0, "decompressed stream over %llu bytes",
					CRC_ARCHIVE_MAX_STREAM_SIZE);
			goto out;
		}
		if (crc_sha256_update(h, buf, (size_t)n)) {
			rc = crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
			goto out;
		}
	}
	if (crc_sha256_final(h, md, hex)) {
		rc = crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
		goto out;
	}
	*size = total;
out:
	if (a)
		archive_read_free(a);
	crc_sha256_free(h);
	free(buf);
	close(fd);
	if (rc)
		hex[0] = '\0';
	return rc;
}

/* Reads the next chunk into s->buf and hashes it; the byte count, 0 at the end, or -1 (s->failed set). */
static ssize_t source_next(struct source *s)
{
	for (;;) {
		ssize_t n = read(s->fd, s->buf, ARC_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			s->failed = errno;
			return -1;
		}
		if (s->max && (unsigned long long)n > s->max - s->size) {
			s->failed = SOURCE_LONG;
			return -1;
		}
		if (crc_sha256_update(s->h, s->buf, (size_t)n)) {
			s->failed = SOURCE_HASH;
			return -1;
		}
		s->size += (unsigned long long)n;
		return n;
	}
}

static la_ssize_t source_read(struct archive *a, void *ctx, const void **out)
{
	struct source *s = ctx;
	ssize_t n = source_next(s);
	if (n < 0) {
		archive_set_error(a, s->failed > 0 ? s->failed : EIO, "%s",
				  s->failed > 0              ? strerror(s->failed)
				  : s->failed == SOURCE_LONG ? "archive longer than expected"
							     : "SHA-256 failed (OpenSSL)");
		return -1;
	}
	*out = s->buf;
	return n;
}

int arc_bad(struct lister *l, const char *fmt, ...)
{
	char msg[CRC_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		snprintf(msg, sizeof msg, "(message could not be formatted)");
	else if ((size_t)n >= sizeof msg)
		memcpy(msg + sizeof msg - 4, "...", 4);
	return crc_err_at(l->err, CRC_EVERIFY, l->name, 0, 0, "%s", msg);
}

/* Where the caps come from, for their messages: " (what the manifest lists)", or "". */
const char *arc_origin(const struct lister *l)
{
	return l->lim->origin ? l->lim->origin : "";
}

/* The error for a failed libarchive read: the source's own I/O failure, or a corrupt archive. */
int arc_read_failed(struct lister *l, struct archive *a, const struct source *src)
{
	if (src && src->failed > 0)
		return crc_err_os(l->err, "cannot read", l->name, src->failed);
	if (src && src->failed == SOURCE_LONG)
		return arc_bad(l, "archive longer than %llu bytes (not read past that)", src->max);
	if (src && src->failed < 0)
		return crc_err(l->err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	const char *msg = archive_error_string(a);
	return arc_bad(l, "%s", msg ? msg : "unreadable archive");
}

/* Normalizes an entry's name into out (at most lim->max_path bytes): leading "./" and one trailing '/'
 * dropped. Returns why it is refused, or NULL; an empty result is the root entry. */
static const char *clean_path(char *out, size_t size, const char *name, size_t max_path)
{
	if (strlen(name) > max_path)
		return "path too long";
	if (name[0] == '/')
		return "absolute path";
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	if (strcmp(name, ".") == 0)
		name += 1;
	size_t n = strlen(name);
	if (n > 0 && name[n - 1] == '/')
		n--;
	if (n >= size)
		return "path too long";
	memcpy(out, name, n);
	out[n] = '\0';
	return n > 0 ? arc_components_problem(out) : NULL;
}

/* The name of an entry as stored, whatever the locale: the multibyte form, else the UTF-8 one. */
static const char *entry_name(struct archive_entry *ae)
{
	const char *s = archive_entry_pathname(ae);
	return s ? s : archive_entry_pathname_utf8(ae);
}

static const char *entry_symlink(struct archive_entry *ae)
{
	const char *s = archive_entry_symlink(ae);
	return s ? s : archive_entry_symlink_utf8(ae);
}

static const char *entry_hardlink(struct archive_entry *ae)
{
	const char *s = archive_entry_hardlink(ae);
	return s ? s : archive_entry_hardlink_utf8(ae);
}

static const char *type_name(int filetype)
{
	switch (filetype) {
	case AE_IFCHR:
		return "a character device";
	case AE_IFBLK:
		return "a block device";
	case AE_IFIFO:
		return "a fifo";
	case AE_IFSOCK:
		return "a socket";
	default:
		return "of an unknown type";
	}
}

/* Checks one header into h: the caps, the name, hard links, the type, a symlink's target. */
int arc_read_header(struct lister *l, struct archive_entry *ae, struct header *h)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX], st[CRC_ARCHIVE_SHOWN_MAX];
	const char *name = entry_name(ae), *why, *link;
	h->type = 0;
	h->link = NULL;
	if (++l->count > l->lim->max_entries)
		return arc_bad(l, "more than %zu entries%s", l->lim->max_entries, arc_origin(l));
	if (!name)
		return arc_bad(l, "entry %zu: name cannot be read", l->count);
	size_t max_path = l->lim->max_path < CRC_ARCHIVE_MAX_PATH ? l->lim->max_path : CRC_ARCHIVE_MAX_PATH;
	if ((why = clean_path(h->path, sizeof h->path, name, max_path)) != NULL)
		return arc_bad(l, "entry '%s': %s", crc_shown(sh, sizeof sh, name), why);
	int filetype = (int)archive_entry_filetype(ae);
	if ((link = entry_hardlink(ae)) != NULL)
		return arc_bad(l, "entry '%s': hard link to '%s' (not allowed)",
			       crc_shown(sh, sizeof sh, name), crc_shown(st, sizeof st, link));
	if (h->path[0] == '\0') {
		if (filetype == AE_IFDIR)
			return 0; /* "./": the root itself */
		return arc_bad(l, "entry '%s': names the archive's root", crc_shown(sh, sizeof sh, name));
	}
	if (filetype != AE_IFREG && filetype != AE_IFDIR && filetype != AE_IFLNK)
		return arc_bad(l, "entry '%s': %s; only regular files, directories and symlinks are allowed",
			       crc_shown(sh, sizeof sh, name), type_name(filetype));
	h->perm = (unsigned)archive_entry_perm(ae) & 07777;
	if (filetype != AE_IFLNK) {
		h->type = filetype == AE_IFDIR ? 'd' : 'f';
		return 0;
	}
	h->type = 'l';
	if (!(link = entry_symlink(ae)))
		return arc_bad(l, "entry '%s': symlink target cannot be read",
			       crc_shown(sh, sizeof sh, name));
	if (strlen(link) > max_path)
		return arc_bad(l, "entry '%s': symlink target too long", crc_shown(sh, sizeof sh, name));
	if ((why = crc_archive_link_problem(h->path, link)) != NULL)
		return arc_bad(l, "entry '%s' -> '%s': %s", crc_shown(sh, sizeof sh, name),
			       crc_shown(st, sizeof st, link), why);
	h->link = link;
	return 0;
}

/* Reads the data of the file entry e, hashing it into e->size and e->sha256 within the caps, and hands it
 * to the disk writer when extracting. */
int arc_read_data(struct lister *l, struct archive *a, const struct source *src, struct archive_entry *ae,
		  struct crc_archive_entry *e)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	unsigned char md[CRC_SHA256_LEN];
	long long declared = archive_entry_size_is_set(ae) ? (long long)archive_entry_size(ae) : -1;
	/* What a header declares is refused before any of it is decompressed. */
	if (declared >= 0 && (unsigned long long)declared > l->lim->max_entry_size)
		return arc_bad(l, "entry '%s': %lld bytes, over the cap of %llu%s",
			       crc_shown(sh, sizeof sh, e->path), declared, l->lim->max_entry_size,
			       arc_origin(l));
	if (declared >= 0 && (unsigned long long)declared > l->lim->max_total_size - l->total)
		return arc_bad(l, "more than %llu bytes of file content (at entry '%s')%s",
			       l->lim->max_total_size, crc_shown(sh, sizeof sh, e->path), arc_origin(l));
	struct crc_sha256 *h = crc_sha256_new();
	if (!h)
		return crc_err(l->err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	int rc = 0;
	e->size = 0;
	for (;;) {
		la_ssize_t n = archive_read_data(a, l->buf, ARC_CHUNK);
		if (n == 0)
			break;
		if (n < 0) {
			rc = arc_read_failed(l, a, src);
			break;
		}
		e->size += (unsigned long long)n;
		l->total += (unsigned long long)n;
		if (e->size > l->lim->max_entry_size) {
			rc = arc_bad(l, "entry '%s': more than %llu bytes%s",
				     crc_shown(sh, sizeof sh, e->path), l->lim->max_entry_size,
				     arc_origin(l));
			break;
		}
		if (l->total > l->lim->max_total_size) {
			rc = arc_bad(l, "more than %llu bytes of file content (at entry '%s')%s",
				     l->lim->max_total_size, crc_shown(sh, sizeof sh, e->path),
				     arc_origin(l));
			break;
		}
		if (declared >= 0 && e->size > (unsigned long long)declared) {
			rc = arc_bad(l, "entry '%s': more than the %lld bytes its header says",
				     crc_shown(sh, sizeof sh, e->path), declared);
			break;
		}
		if (crc_sha256_update(h, l->buf, (size_t)n)) {
			rc = crc_err(l->err, CRC_EIO, "SHA-256 failed (OpenSSL)");
			break;
		}
		if (l->disk && archive_write_data(l->disk, l->buf, (size_t)n) != n) {
			rc = arc_disk_refused(l, e->path);
			break;
		}
	}
	if (!rc && crc_sha256_final(h, md, e->sha256))
		rc = crc_err(l->err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	crc_sha256_free(h);
	return rc;
}

/* Checks one header and adds its entry (reading and hashing a file's data). */
static int list_entry(struct lister *l, struct archive *a, const struct source *src, struct archive_entry *ae)
{
	struct header h;
	int rc = arc_read_header(l, ae, &h);
	if (rc || !h.type)
		return rc;
	struct crc_archive_entry *e = arc_add_entry(l->res, &l->cap);
	if (!e || !(e->path = strdup(h.path)) || (h.link && !(e->link = strdup(h.link))))
		return crc_err(l->err, CRC_ENOMEM, "out of memory");
	e->type = h.type;
	e->mode = h.perm;
	return h.type == 'f' ? arc_read_data(l, a, src, ae, e) : 0;
}

/* The checks over the whole list, once sorted: duplicates and entries below a symlink or a file. */
static int list_check(struct lister *l)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX], sp[CRC_ARCHIVE_SHOWN_MAX];
	const struct crc_archive_result *res = l->res;
	for (size_t i = 1; i < res->nentries; i++)
		if (strcmp(res->entries[i - 1].path, res->entries[i].path) == 0)
			return arc_bad(l, "duplicate entry '%s'",
				       crc_shown(sh, sizeof sh, res->entries[i].path));
	const char *child = NULL, *parent = NULL, *what;
	struct crc_buf scratch;
	crc_buf_init(&scratch);
	what = arc_nesting_problem(res, &child, &parent, &scratch);
	crc_buf_free(&scratch);
	if (what && !child)
		return crc_err(l->err, CRC_ENOMEM, "%s", what);
	if (what)
		return arc_bad(l, "entry '%s' lies below '%s', which is %s", crc_shown(sh, sizeof sh, child),
			       crc_shown(sp, sizeof sp, parent), what);
	return 0;
}

/* Reads the archive a (opened): every entry listed, or extracted when l->destfd is open. */
static int read_entries(struct lister *l, struct archive *a, const struct source *src)
{
	struct archive_entry *ae;
	int rc = 0;
	for (;;) {
		int r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			rc = arc_read_failed(l, a, src);
			break;
		}
		rc = l->entry ? l->entry(l, a, src, ae) : list_entry(l, a, src, ae);
		if (rc)
			break;
	}
	if (!rc && l->res->nentries > 0) {
		qsort(l->res->entries, l->res->nentries, sizeof *l->res->entries, arc_by_path);
		rc = l->finish ? l->finish(l) : list_check(l);
	}
	return rc;
}

/* A reader through the in-process decompressors only: for fmt -1, tar (ustar, pax, GNU) with all four,
 * and zip when reading memory; else fmt's alone. Zip is read through its central directory (where the
 * Unix modes are), which needs seeking: memory only. ARCHIVE_WARN from a support call means libarchive
 * would run an external program, which untrusted input must not reach. */
static struct archive *reader_new(int fmt, int memory)
{
	struct archive *a = archive_read_new();
	if (!a)
		return NULL;
	int ok = fmt == CRC_ARCHIVE_TAR_ZST  ? archive_read_support_filter_zstd(a) == ARCHIVE_OK
		 : fmt == CRC_ARCHIVE_TAR_GZ ? archive_read_support_filter_gzip(a) == ARCHIVE_OK
		 : fmt == CRC_ARCHIVE_ZIP    ? memory
					     : archive_read_support_filter_gzip(a) == ARCHIVE_OK &&
						    archive_read_support_filter_bzip2(a) == ARCHIVE_OK &&
						    archive_read_support_filter_xz(a) == ARCHIVE_OK &&
						    archive_read_support_filter_zstd(a) == ARCHIVE_OK;
	if (ok && memory && (fmt == -1 || fmt == CRC_ARCHIVE_ZIP))
		ok = archive_read_support_format_zip_seekable(a) == ARCHIVE_OK;
	if (!ok || (fmt != CRC_ARCHIVE_ZIP && archive_read_support_format_tar(a) != ARCHIVE_OK)) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* Fills the archive's own size and SHA-256: for a file, by reading on from where libarchive stopped (past
 * the end-of-archive blocks) to the end; for memory, over the whole buffer. */
static int archive_digest(struct lister *l, struct source *src, const void *data, size_t size)
{
	unsigned char md[CRC_SHA256_LEN];
	if (!src) {
		l->res->size = size;
		return crc_sha256_buf(l->res->sha256, data, size, l->err);
	}
	ssize_t n;
	while ((n = source_next(src)) > 0)
		;
	if (n < 0 && src->failed > 0)
		return crc_err_os(l->err, "cannot read", l->name, src->failed);
	if (n < 0 && src->failed == SOURCE_LONG)
		return arc_bad(l, "archive longer than %llu bytes (not read past that)", src->max);
	if (n < 0 || crc_sha256_final(src->h, md, l->res->sha256))
		return crc_err(l->err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	l->res->size = src->size;
	return 0;
}

/* libarchive's zip reader ends quietly where the central directory is damaged: the entries read must be
 * as many as the end record counts (its last one, ending the data with its comment). Zip64 (0xffff) counts
 * elsewhere and is not checked here. */
static int zip_count_check(struct lister *l, const unsigned char *data, size_t size)
{
	for (size_t p = size >= 22 ? size - 22 : 0; size >= 22; p--) {
		const unsigned char *e = data + p;
		if (e[0] == 'P' && e[1] == 'K' && e[2] == 5 && e[3] == 6 &&
		    (size_t)(e[20] | e[21] << 8) == size - p - 22) {
			size_t total = (size_t)(e[10] | e[11] << 8);
			if (total != 0xffff && total != l->res->nentries)
				return arc_bad(
					l,
					"corrupt zip: its central directory counts %zu entries, %zu were "
					"read",
					total, l->res->nentries);
			return 0;
		}
		if (p == 0 || size - p > 22 + 65535)
			break;
	}
	return arc_bad(l, "corrupt zip: no end of central directory record");
}

/* Reads from src (a file) or from data/size (memory) through a reader for fmt (-1: any). */
static int read_any(struct lister *l, struct source *src, const void *data, size_t size, int fmt)
{
	struct archive *a = reader_new(fmt, !src);
	int rc = 0;
	memset(l->res, 0, sizeof *l->res);
	if (!a) {
		if (fmt < 0)
			rc = crc_err(
				l->err, CRC_EIO,
				"cannot set up the archive reader (libarchive lacks built-in gzip, bzip2, xz "
				"or zstd)");
		else
			rc = crc_err(l->err, CRC_EIO,
				     "cannot set up libarchive for %s (no built-in %s support)", l->name,
				     crc_archive_format_name((enum crc_archive_format)fmt));
		goto out;
	}
	if (!(l->buf = malloc(ARC_CHUNK))) {
		rc = crc_err(l->err, CRC_ENOMEM, "out of memory");
		goto out;
	}
	int r = src ? archive_read_open(a, src, NULL, source_read, NULL)
		    : archive_read_open_memory(a, data, size);
	if (r != ARCHIVE_OK)
		rc = arc_read_failed(l, a, src);
	else
		rc = read_entries(l, a, src);
	if (!rc && !src && (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP)
		rc = zip_count_check(l, data, size);
	if (!rc)
		rc = archive_digest(l, src, data, size);
out:
	free(l->buf);
	l->buf = NULL;
	if (a)
		archive_read_free(a);
	if (rc)
		crc_archive_result_free(l->res);
	return rc;
}

/* The decompressed stream between the two readers of a layered reading (read_layered): what the inner,
 * tar reader reads it takes from the outer, decompressing one, hashing it on the way. */
struct pipe {
	struct archive *outer;
	unsigned char *buf;
	struct crc_sha256 *h;
	unsigned long long size;
	/* Hashing failed (an OpenSSL failure, not the archive's). */
	int hash_failed;
};

static la_ssize_t pipe_read(struct archive *a, void *ctx, const void **out)
{
	struct pipe *p = ctx;
	la_ssize_t n = archive_read_data(p->outer, p->buf, ARC_CHUNK);
	if (n < 0) {
		const char *msg = archive_error_string(p->outer);
		archive_set_error(a, EIO, "%s", msg ? msg : "corrupt stream");
		return -1;
	}
	if ((unsigned long long)n > CRC_ARCHIVE_MAX_STREAM_SIZE - p->size) {
		archive_set_error(a, EIO, "decompressed stream over %llu bytes", CRC_ARCHIVE_MAX_STREAM_SIZE);
		return -1;
	}
	if (n > 0 && crc_sha256_update(p->h, p->buf, (size_t)n)) {
		p->hash_failed = 1;
		archive_set_error(a, EIO, "SHA-256 failed (OpenSSL)");
		return -1;
	}
	p->size += (unsigned long long)n;
	*out = p->buf;
	return n;
}

/* Lists src (tar compressed as fmt says) in one read, also hashing the decompressed stream: an outer reader
 * decompresses (the raw format hands over the stream as one entry), an inner one reads the tar from it. */
static int read_layered(struct lister *l, struct source *src, int fmt)
{
	struct archive *outer = archive_read_new(), *inner = archive_read_new();
	struct archive_entry *ae;
	struct pipe p = {outer, NULL, crc_sha256_new(), 0, 0};
	unsigned char md[CRC_SHA256_LEN];
	const void *rest;
	int rc = 0, code = fmt == CRC_ARCHIVE_TAR_GZ ? ARCHIVE_FILTER_GZIP : ARCHIVE_FILTER_ZSTD;
	if (!outer || !inner || !p.h || !(p.buf = malloc(ARC_CHUNK)) || !(l->buf = malloc(ARC_CHUNK))) {
		rc = crc_err(l->err, CRC_ENOMEM, "out of memory");
		goto out;
	}
	if ((fmt == CRC_ARCHIVE_TAR_GZ ? archive_read_support_filter_gzip(outer)
				       : archive_read_support_filter_zstd(outer)) != ARCHIVE_OK ||
	    archive_read_support_format_raw(outer) != ARCHIVE_OK ||
	    archive_read_support_format_tar(inner) != ARCHIVE_OK) {
		rc = crc_err(l->err, CRC_EIO, "cannot set up libarchive for %s (no built-in %s support)",
			     l->name, crc_archive_format_name((enum crc_archive_format)fmt));
		goto out;
	}
	if (archive_read_open(outer, src, NULL, source_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(outer, &ae) != ARCHIVE_OK) {
		rc = arc_read_failed(l, outer, src);
		goto out;
	}
	if (archive_filter_code(outer, 0) != code) {
		rc = arc_bad(l, "not a %s file", fmt == CRC_ARCHIVE_TAR_GZ ? "gzip" : "zstd");
		goto out;
	}
	if (archive_read_open(inner, &p, NULL, pipe_read, NULL) != ARCHIVE_OK)
		rc = arc_read_failed(l, inner, src);
	else
		rc = read_entries(l, inner, src);
	/* What follows the tar's end (its zero blocks, the padding of its last record) is stream too. */
	for (la_ssize_t n = 1; !rc && n > 0;)
		if ((n = pipe_read(inner, &p, &rest)) < 0)
			rc = arc_read_failed(l, inner, src);
	if (rc && p.hash_failed)
		rc = crc_err(l->err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	if (!rc && crc_sha256_final(p.h, md, l->res->stream_sha256))
		rc = crc_err(l->err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	l->res->stream_size = p.size;
	if (!rc)
		rc = archive_digest(l, src, NULL, 0);
out:
	free(p.buf);
	free(l->buf);
	l->buf = NULL;
	crc_sha256_free(p.h);
	if (inner)
		archive_read_free(inner);
	if (outer)
		archive_read_free(outer);
	if (rc)
		crc_archive_result_free(l->res);
	return rc;
}

/* Whether the file at fd's offset starts like a zip (a local header, or the end record of an empty one). */
static int is_zip(int fd)
{
	unsigned char m[4];
	off_t at = lseek(fd, 0, SEEK_CUR);
	return at >= 0 && pread(fd, m, sizeof m, at) == (ssize_t)sizeof m && m[0] == 'P' && m[1] == 'K' &&
	       ((m[2] == 3 && m[3] == 4) || (m[2] == 5 && m[3] == 6));
}

/* Lists the zip at fd from memory (its reader seeks to the central directory): read whole, at most
 * CRC_ARCHIVE_MAX_ZIP_SIZE bytes. */
static int read_zip(struct lister *l, int fd)
{
	struct crc_buf b;
	struct crc_error e;
	size_t max = CRC_ARCHIVE_MAX_ZIP_SIZE;
	if (l->lim->max_archive_size && l->lim->max_archive_size < max)
		max = (size_t)l->lim->max_archive_size;
	crc_buf_init(&b);
	int rc = crc_os_read_fd(&b, fd, l->name, max, &e);
	if (rc == CRC_EINVALID)
		rc = crc_err_at(l->err, CRC_EVERIFY, l->name, 0, 0, "zip larger than %llu bytes",
				(unsigned long long)max);
	else if (rc)
		*l->err = e;
	else
		rc = read_any(l, NULL, b.data ? b.data : "", b.len, CRC_ARCHIVE_ZIP);
	crc_buf_free(&b);
	return rc;
}

/* Reads fd (a regular file, from its current offset) through a hashing source; with stream set, also
 * hashing the decompressed stream (fmt is then tar.gz or tar.zst). */
int arc_read_fd(struct lister *l, int fd, int fmt, int stream)
{
	struct source src = {fd, NULL, NULL, 0, l->lim->max_archive_size, 0};
	struct stat st;
	int rc = 0;
	memset(l->res, 0, sizeof *l->res);
	if (fstat(fd, &st) != 0)
		rc = crc_err_os(l->err, "cannot stat", l->name, errno);
	else if (!S_ISREG(st.st_mode))
		rc = crc_err_at(l->err, CRC_EVERIFY, l->name, 0, 0, "not a regular file");
	else if (fmt == CRC_ARCHIVE_ZIP || (fmt == -1 && is_zip(fd)))
		rc = read_zip(l, fd);
	else if (!(src.buf = malloc(ARC_CHUNK)))
		rc = crc_err(l->err, CRC_ENOMEM, "out of memory");
	else if (!(src.h = crc_sha256_new()))
		rc = crc_err(l->err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	else if (stream)
		rc = read_layered(l, &src, fmt);
	else
		rc = read_any(l, &src, NULL, 0, fmt);
	crc_sha256_free(src.h);
	free(src.buf);
	return rc;
}

int crc_archive_list_fd_with(struct crc_archive_result *res, int fd, const char *name,
			     const struct crc_archive_read_options *o, struct crc_error *err)
{
	struct lister l = {.name = name,
			   .lim = o && o->limits ? o->limits : &arc_default_limits,
			   .res = res,
			   .err = err,
			   .destfd = -1};
	int fmt = o ? o->format : -1, stream = o && o->stream_hash;
	memset(res, 0, sizeof *res);
	if (fmt < -1 || fmt > CRC_ARCHIVE_ZIP)
		return crc_err(err, CRC_EINVALID, "unknown archive format %d", fmt);
	if (stream && fmt != CRC_ARCHIVE_TAR_GZ && fmt != CRC_ARCHIVE_TAR_ZST)
		return crc_err_at(err, CRC_EINVALID, name, 0, 0,
				  "only tar.gz and tar.zst streams can be hashed, not %s",
				  fmt < 0 ? "any format"
					  : crc_archive_format_name((enum crc_archive_format)fmt));
	return arc_read_fd(&l, fd, fmt, stream);
}

int crc_archive_list_fd(struct crc_archive_result *res, int fd, const char *name, struct crc_error *err)
{
	return crc_archive_list_fd_with(res, fd, name, NULL, err);
}

int crc_archive_list(struct crc_archive_result *res, const char *path, struct crc_error *err)
{
	int fd;
	memset(res, 0, sizeof *res);
	int rc = crc_os_open_regular(&fd, NULL, AT_FDCWD, path, NULL, err);
	if (rc)
		return rc;
	rc = crc_archive_list_fd(res, fd, path, err);
	close(fd);
	return rc;
}

int crc_archive_list_memory(struct crc_archive_result *res, const void *data, size_t size,
			    struct crc_error *err)
{
	return crc_archive_list_memory_capped(res, data, size, NULL, err);
}

int crc_archive_list_memory_capped(struct crc_archive_result *res, const void *data, size_t size,
				   const struct crc_archive_limits *lim, struct crc_error *err)
{
	struct lister l = {.lim = lim ? lim : &arc_default_limits, .res = res, .err = err, .destfd = -1};
	return read_any(&l, NULL, data, size, -1);
}
