/* Writing deterministic archives (see crc/archive.h): a walk of the tree that refuses what cannot be
 * archived, a sort by path, then one libarchive writer (restricted pax: plain ustar headers unless a name
 * needs more; names are printable ASCII, so that no locale conversion can change a byte) through zstd or
 * gzip, whose output callback writes the file and feeds SHA-256; each file is read once, for its data and
 * its own hash. */
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

/* The largest mtime an ustar header holds (11 octal digits). */
#define MAX_MTIME 077777777777LL

/* The first byte of s outside printable ASCII, or NULL. Such names are refused: control characters
 * would break line-based listings (SHA256SUMS, the manifest), and other bytes would be written
 * differently under different locales. */
static const char *unprintable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return s;
	return NULL;
}

struct walk {
	const char *dir;
	/* dir, opened; every other path is relative to it. */
	int rootfd;
	struct crc_archive_result *res;
	size_t cap;
	unsigned long long total;
	struct crc_error *err;
};

static int walk_refuse(struct walk *w, const char *rel, const char *what)
{
	char s[CRC_ARCHIVE_SHOWN_MAX];
	return crc_err(w->err, CRC_EINVALID, "%s/%s: %s", w->dir, crc_shown(s, sizeof s, rel), what);
}

/* Adds the entry rel (already lstat'ed as st; name in the directory parentfd) to the result, refusing what
 * cannot be archived. */
static int walk_add(struct walk *w, const char *rel, const struct stat *st, int parentfd, const char *name)
{
	char target[CRC_ARCHIVE_MAX_PATH + 2];
	const char *why;
	if (S_ISFIFO(st->st_mode))
		return walk_refuse(w, rel,
				   "is a fifo; only regular files, directories and symlinks can be archived");
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		return walk_refuse(
			w, rel,
			"is a device file; only regular files, directories and symlinks can be archived");
	if (S_ISSOCK(st->st_mode))
		return walk_refuse(
			w, rel, "is a socket; only regular files, directories and symlinks can be archived");
	if (!S_ISDIR(st->st_mode) && !S_ISREG(st->st_mode) && !S_ISLNK(st->st_mode))
		return walk_refuse(w, rel,
				   "is of an unknown type; only regular files, directories and symlinks can "
				   "be archived");
	if (w->res->nentries >= CRC_ARCHIVE_MAX_ENTRIES)
		return crc_err(w->err, CRC_EINVALID, "%s: more than %d entries", w->dir,
			       CRC_ARCHIVE_MAX_ENTRIES);
	struct crc_archive_entry *e = arc_add_entry(w->res, &w->cap);
	if (!e || !(e->path = strdup(rel)))
		return crc_err(w->err, CRC_ENOMEM, "out of memory");
	if (S_ISDIR(st->st_mode)) {
		e->type = 'd';
		e->mode = 0755;
		return 0;
	}
	if (S_ISREG(st->st_mode)) {
		e->type = 'f';
		e->mode = (st->st_mode & 0111) ? 0755 : 0644;
		e->size = (unsigned long long)st->st_size;
		if (e->size > CRC_ARCHIVE_MAX_ENTRY_SIZE)
			return walk_refuse(w, rel, "file larger than 4 GiB");
		w->total += e->size;
		if (w->total > CRC_ARCHIVE_MAX_TOTAL_SIZE)
			return crc_err(w->err, CRC_EINVALID, "%s: more than 8 GiB of file content", w->dir);
		return 0;
	}
	e->type = 'l';
	e->mode = 0777;
	ssize_t n = readlinkat(parentfd, name, target, sizeof target);
	if (n < 0) {
		char s[CRC_ARCHIVE_SHOWN_MAX];
		return crc_err(w->err, CRC_EIO, "cannot read symlink %s/%s: %s", w->dir,
			       crc_shown(s, sizeof s, rel), strerror(errno));
	}
	if ((size_t)n > CRC_ARCHIVE_MAX_PATH)
		return walk_refuse(w, rel, "symlink target longer than 1024 bytes");
	target[n] = '\0';
	if (strlen(target) != (size_t)n || unprintable(target))
		return walk_refuse(w, rel, "symlink target holds a byte outside printable ASCII");
	if ((why = crc_archive_link_problem(rel, target)) != NULL) {
		char s[CRC_ARCHIVE_SHOWN_MAX], t[CRC_ARCHIVE_SHOWN_MAX];
		return crc_err(w->err, CRC_EINVALID, "%s/%s -> %s: %s", w->dir, crc_shown(s, sizeof s, rel),
			       crc_shown(t, sizeof t, target), why);
	}
	if (!(e->link = strdup(target)))
		return crc_err(w->err, CRC_ENOMEM, "out of memory");
	return 0;
}

/* Collects one entry of the tree (crc_os_walk's enter). */
static int walk_enter(void *ctx, const struct crc_os_walk_entry *e, struct crc_error *err)
{
	struct walk *w = ctx;
	(void)err;
	if (strlen(e->path) > CRC_ARCHIVE_MAX_PATH)
		return walk_refuse(w, e->path, "path longer than 1024 bytes");
	if (unprintable(e->name))
		return walk_refuse(w, e->path, "name holds a byte outside printable ASCII");
	int rc = walk_add(w, e->path, e->st, e->parentfd, e->name);
	return rc ? rc : CRC_OS_WALK_NEXT;
}

/* Collects every entry below the directory w->rootfd, never through a symlink. */
static int walk(struct walk *w)
{
	const struct crc_os_walker walker = {walk_enter, NULL, w, 0, 0};
	return crc_os_walk(w->rootfd, w->dir, &walker, w->err);
}

/* Where the compressed stream goes: the output file and the running hash of every byte written. */
struct sink {
	int fd;
	struct crc_sha256 *h;
	unsigned long long size;
	/* The errno of a failed write(), or -1 when hashing failed; 0 while all is well. */
	int failed;
};

static la_ssize_t sink_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
	struct sink *s = ctx;
	struct crc_error err;
	if (crc_os_write_all(s->fd, buf, n, "the archive", &err) != 0) {
		s->failed = errno ? errno : EIO;
		archive_set_error(a, s->failed, "%s", strerror(s->failed));
		return -1;
	}
	if (crc_sha256_update(s->h, buf, n)) {
		s->failed = -1;
		archive_set_error(a, EIO, "SHA-256 failed (OpenSSL)");
		return -1;
	}
	s->size += n;
	return (la_ssize_t)n;
}

/* The error for a failed libarchive call while writing out_path: the sink's own failure when it had one. */
static int write_failed(struct archive *a, const struct sink *s, const char *out_path, struct crc_error *err)
{
	if (s->failed > 0)
		return crc_err_os(err, "cannot write", out_path, s->failed);
	if (s->failed < 0)
		return crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	const char *msg = archive_error_string(a);
	return crc_err(err, CRC_EIO, "cannot write %s: %s", out_path, msg ? msg : "libarchive failed");
}

/* Sets up the writer for fmt. Tar: restricted pax (ASCII names need no conversion), compression without
 * timestamps or names, no padding after the compressed stream (zeros after a zstd frame are no frame).
 * Zip: deflate, no padding after the central directory. */
static int writer_setup(struct archive *a, enum crc_archive_format fmt)
{
	if (fmt == CRC_ARCHIVE_ZIP)
		return archive_write_set_format_zip(a) == ARCHIVE_OK &&
				       archive_write_set_format_option(a, "zip", "compression", "deflate") ==
					       ARCHIVE_OK &&
				       archive_write_set_bytes_in_last_block(a, 1) == ARCHIVE_OK
			       ? 0
			       : -1;
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK)
		return -1;
	/* ARCHIVE_WARN from add_filter means an external program would compress: refused as well. */
	if (fmt == CRC_ARCHIVE_TAR_GZ)
		return archive_write_add_filter_gzip(a) == ARCHIVE_OK &&
				       archive_write_set_filter_option(a, "gzip", "timestamp", NULL) ==
					       ARCHIVE_OK &&
				       archive_write_set_filter_option(a, "gzip", "compression-level", "9") ==
					       ARCHIVE_OK
			       ? 0
			       : -1;
	return archive_write_add_filter_zstd(a) == ARCHIVE_OK &&
			       archive_write_set_filter_option(a, "zstd", "compression-level", "19") ==
				       ARCHIVE_OK
		       ? 0
		       : -1;
}

/* Copies the file e (opened as fd) into the archive, hashing what it copies. The size in the header came
 * from lstat during the walk; a file that has changed size since is an error, not a short entry. */
static int write_data(struct archive *a, const struct sink *s, const char *out_path,
		      struct crc_archive_entry *e, int fd, unsigned char *buf, const char *dir,
		      struct crc_error *err)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	unsigned char md[CRC_SHA256_LEN];
	unsigned long long done = 0;
	struct crc_sha256 *h = crc_sha256_new();
	int rc = h ? 0 : crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	while (!rc) {
		size_t want = ARC_CHUNK;
		if (done == e->size)
			want = 1; /* one more byte, to tell "grew" from "same size" */
		else if (e->size - done < want)
			want = (size_t)(e->size - done);
		ssize_t n = read(fd, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = crc_err(err, CRC_EIO, "cannot read %s/%s: %s", dir,
				     crc_shown(sh, sizeof sh, e->path), strerror(errno));
			break;
		}
		if (n == 0 && done == e->size)
			break;
		if (n == 0 || done == e->size) {
			rc = crc_err(err, CRC_EIO, "%s/%s changed size while it was being archived", dir,
				     crc_shown(sh, sizeof sh, e->path));
			break;
		}
		if (archive_write_data(a, buf, (size_t)n) != n) {
			rc = write_failed(a, s, out_path, err);
			break;
		}
		if (crc_sha256_update(h, buf, (size_t)n))
			rc = crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
		done += (unsigned long long)n;
	}
	if (!rc && crc_sha256_final(h, md, e->sha256))
		rc = crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	crc_sha256_free(h);
	return rc;
}

/* Writes one entry: its header (everything but path, type, mode, size and link fixed) and its data. */
static int write_entry(struct archive *a, struct archive_entry *ae, const struct sink *s,
		       const char *out_path, const struct walk *w, struct crc_archive_entry *e,
		       long long mtime, unsigned char *buf)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	int fd = -1, rc;
	archive_entry_clear(ae);
	archive_entry_copy_pathname(ae, e->path);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_mtime(ae, (time_t)mtime, 0);
	archive_entry_set_perm(ae, (mode_t)e->mode);
	if (e->type == 'd') {
		archive_entry_set_filetype(ae, AE_IFDIR);
	} else if (e->type == 'l') {
		archive_entry_set_filetype(ae, AE_IFLNK);
		archive_entry_copy_symlink(ae, e->link);
	} else {
		struct stat st;
		/* The tree is crc's own staging directory, walked just before: its files by their paths. */
		fd = openat(w->rootfd, e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return crc_err(w->err, errno == ENOMEM ? CRC_ENOMEM : CRC_EIO,
				       "cannot open %s/%s: %s", w->dir, crc_shown(sh, sizeof sh, e->path),
				       strerror(errno));
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
		    (unsigned long long)st.st_size != e->size) {
			close(fd);
			return crc_err(w->err, CRC_EIO, "%s/%s changed while it was being archived", w->dir,
				       crc_shown(sh, sizeof sh, e->path));
		}
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_size(ae, (la_int64_t)e->size);
	}
	if (archive_write_header(a, ae) != ARCHIVE_OK)
		rc = write_failed(a, s, out_path, w->err);
	else
		rc = fd >= 0 ? write_data(a, s, out_path, e, fd, buf, w->dir, w->err) : 0;
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Writes the sorted entries of w into the open file s->fd. */
static int write_archive(struct sink *s, const char *out_path, struct walk *w, enum crc_archive_format fmt,
			 long long mtime)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	unsigned char *buf = malloc(ARC_CHUNK);
	int rc = 0;
	if (!a || !ae || !buf) {
		rc = crc_err(w->err, CRC_ENOMEM, "out of memory");
		goto out;
	}
	if (writer_setup(a, fmt) != 0) {
		const char *msg = archive_error_string(a);
		rc = crc_err(w->err, CRC_EIO, "cannot set up the %s writer (libarchive): %s",
			     crc_archive_format_name(fmt), msg ? msg : "compression not built in");
		goto out;
	}
	if (archive_write_open2(a, s, NULL, sink_write, NULL, NULL) != ARCHIVE_OK) {
		rc = write_failed(a, s, out_path, w->err);
		goto out;
	}
	for (size_t i = 0; !rc && i < w->res->nentries; i++)
		rc = write_entry(a, ae, s, out_path, w, &w->res->entries[i], mtime, buf);
	if (!rc && archive_write_close(a) != ARCHIVE_OK)
		rc = write_failed(a, s, out_path, w->err);
out:
	free(buf);
	archive_entry_free(ae);
	if (a)
		archive_write_free(a);
	return rc;
}

/* Zip's DOS times are local times (libarchive converts with localtime_r): the same mtime would give other
 * bytes under another time zone, so a zip is written only where local time is UTC at mtime. */
static int zip_time_check(long long mtime, struct crc_error *err)
{
	time_t t = (time_t)mtime;
	struct tm local, utc;
	if (!localtime_r(&t, &local) || !gmtime_r(&t, &utc))
		return crc_err(err, CRC_EINVALID, "mtime %lld cannot be converted to a date", mtime);
	if (local.tm_hour != utc.tm_hour || local.tm_min != utc.tm_min || local.tm_mday != utc.tm_mday ||
	    local.tm_mon != utc.tm_mon || local.tm_year != utc.tm_year)
		return crc_err(
			err, CRC_EINVALID,
			"zip keeps local times: the time zone must be UTC (TZ=UTC0) for a reproducible zip");
	return 0;
}

int crc_archive_write_tree(struct crc_archive_result *res, const char *out_path, const char *dir,
			   enum crc_archive_format fmt, long long mtime, struct crc_error *err)
{
	struct walk w = {dir, -1, res, 0, 0, err};
	struct sink s = {-1, NULL, 0, 0};
	unsigned char md[CRC_SHA256_LEN];
	int rc = 0;
	memset(res, 0, sizeof *res);
	if (fmt != CRC_ARCHIVE_TAR_ZST && fmt != CRC_ARCHIVE_TAR_GZ && fmt != CRC_ARCHIVE_ZIP)
		return crc_err(err, CRC_EINVALID, "unknown archive format %d", (int)fmt);
	if (mtime < 0 || mtime > MAX_MTIME)
		return crc_err(err, CRC_EINVALID, "mtime %lld out of range (0 to %lld)", mtime, MAX_MTIME);
	if (fmt == CRC_ARCHIVE_ZIP && (rc = zip_time_check(mtime, err)) != 0)
		return rc;
	if ((rc = crc_os_open_dir(&w.rootfd, AT_FDCWD, dir, 0, err)) != 0)
		return rc;
	if ((rc = walk(&w)) != 0)
		goto out;
	if (res->nentries > 0)
		qsort(res->entries, res->nentries, sizeof *res->entries, arc_by_path);
	/* 0644 whatever the umask: the archive is published as it is. */
	if ((rc = crc_os_create_file(&s.fd, out_path, 0644, CRC_OS_NEW_EXACT, err)) != 0)
		goto out;
	if (!(s.h = crc_sha256_new())) {
		rc = crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
		goto out;
	}
	if ((rc = write_archive(&s, out_path, &w, fmt, mtime)) != 0)
		goto out;
	if (fsync(s.fd) != 0) {
		rc = crc_err_os(err, "cannot sync", out_path, errno);
		goto out;
	}
	if (crc_sha256_final(s.h, md, res->sha256)) {
		rc = crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
		goto out;
	}
	res->size = s.size;
out:
	if (s.fd >= 0 && close(s.fd) != 0 && !rc)
		rc = crc_err_os(err, "cannot write", out_path, errno);
	if (rc && s.fd >= 0)
		unlink(out_path); /* ours, just created: nothing half-written stays */
	crc_sha256_free(s.h);
	close(w.rootfd);
	if (rc)
		crc_archive_result_free(res);
	return rc;
}
