/* Deterministic archives (see crc/archive.h), the only user of libarchive's read and write interfaces.
 * Writing: a walk of the tree that refuses what cannot be archived, a sort by path, then one libarchive
 * writer (restricted pax: plain ustar headers unless a name needs more; names are printable ASCII, so
 * that no locale conversion can change a byte) through zstd or gzip, whose output callback writes the file
 * and feeds SHA-256; each file is read once, for its data and its own hash. Reading: libarchive's tar reader
 * over the in-process decompressors, fed by a read callback that hashes the archive's bytes, every header
 * checked before its data is hashed. Listing then makes the checks that need the whole list (duplicates,
 * entries below a symlink or a file). Extracting asks the caller's hooks about each entry, checks it
 * against the entries before it (an index of every path and implied directory), and writes it through
 * libarchive's disk writer in its secure mode, from inside the destination as bsdtar -C does; the
 * directories' own modes are set at the end. */
#include "crc/archive.h"

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

#include "crc/buf.h"
#include "crc/os.h"

/* The largest mtime an ustar header holds (11 octal digits). */
#define MAX_MTIME 077777777777LL
/* Bytes moved per read() or archive_read_data(). */
#define CHUNK ((size_t)1 << 17)

static const struct crc_archive_limits default_limits = {
	CRC_ARCHIVE_MAX_ENTRIES,
	CRC_ARCHIVE_MAX_PATH,
	CRC_ARCHIVE_MAX_ENTRY_SIZE,
	CRC_ARCHIVE_MAX_TOTAL_SIZE,
	0,
	NULL,
};

const char *crc_archive_format_name(enum crc_archive_format f)
{
	switch (f) {
	case CRC_ARCHIVE_TAR_ZST:
		return "tar.zst";
	case CRC_ARCHIVE_TAR_GZ:
		return "tar.gz";
	case CRC_ARCHIVE_ZIP:
		return "zip";
	}
	return "?";
}

int crc_archive_format_parse(const char *name)
{
	if (strcmp(name, "tar.zst") == 0)
		return CRC_ARCHIVE_TAR_ZST;
	if (strcmp(name, "tar.gz") == 0)
		return CRC_ARCHIVE_TAR_GZ;
	if (strcmp(name, "zip") == 0)
		return CRC_ARCHIVE_ZIP;
	return -1;
}

void crc_archive_result_free(struct crc_archive_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->nentries; i++) {
		free(res->entries[i].path);
		free(res->entries[i].link);
	}
	free(res->entries);
	memset(res, 0, sizeof *res);
}

/* ---- Shared by writing and listing ------------------------------------------------------------------ */

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct crc_archive_entry *)a)->path,
		      ((const struct crc_archive_entry *)b)->path);
}

/* Appends a zeroed entry to res (growing by doubling); NULL when out of memory. */
static struct crc_archive_entry *add_entry(struct crc_archive_result *res, size_t *cap)
{
	struct crc_archive_entry *v = crc_grow(res->entries, cap, res->nentries + 1, sizeof *v);
	if (!v)
		return NULL;
	res->entries = v;
	struct crc_archive_entry *e = &res->entries[res->nentries++];
	memset(e, 0, sizeof *e);
	return e;
}

/* Walking, listing and extracting make sure that no entry lies below a symlink, so the link's own
 * directories are real ones. */
const char *crc_archive_link_problem(const char *path, const char *target)
{
	if (target[0] == '\0')
		return "empty symlink target";
	if (target[0] == '/')
		return "absolute symlink target";
	long depth = 0;
	for (const char *p = path; *p; p++)
		depth += *p == '/';
	int down = 0;
	for (const char *p = target; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (down)
				return "symlink target goes up after going down (write it without 'dir/..')";
			if (--depth < 0)
				return "symlink target leaves the tree";
		} else if (len > 0 && !(len == 1 && p[0] == '.')) {
			down = 1;
		}
		p += len;
		p += *p == '/';
	}
	return NULL;
}

/* Why the entries (sorted, without duplicates) are refused, or NULL: an entry below a symlink or a file.
 * *bad and *parent name the two entries. Each non-directory is looked up once as the prefix "path/". */
static const char *nesting_problem(const struct crc_archive_result *res, const char **bad,
				   const char **parent, struct crc_buf *scratch)
{
	for (size_t i = 0; i < res->nentries; i++) {
		const struct crc_archive_entry *e = &res->entries[i];
		if (e->type == 'd')
			continue;
		scratch->len = 0;
		crc_buf_puts(scratch, e->path);
		crc_buf_putc(scratch, '/');
		if (crc_buf_error(scratch))
			return "out of memory";
		const char *prefix = crc_buf_str(scratch);
		size_t plen = strlen(prefix), lo = i + 1, hi = res->nentries;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(res->entries[mid].path, prefix) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < res->nentries && strncmp(res->entries[lo].path, prefix, plen) == 0) {
			*bad = res->entries[lo].path;
			*parent = e->path;
			return e->type == 'l' ? "a symlink" : "a file";
		}
	}
	return NULL;
}

/* ---- Writing ---------------------------------------------------------------------------------------- */

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
	struct crc_archive_entry *e = add_entry(w->res, &w->cap);
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
		size_t want = CHUNK;
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
	unsigned char *buf = malloc(CHUNK);
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
		qsort(res->entries, res->nentries, sizeof *res->entries, by_path);
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

/* ---- Hashing a decompressed stream -------------------------------------------------------------------- */

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
	if (!(buf = malloc(CHUNK)) || !(h = crc_sha256_new()) || !(a = archive_read_new())) {
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
	if (archive_read_open_fd(a, fd, CHUNK) != ARCHIVE_OK ||
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
		la_ssize_t n = archive_read_data(a, buf, CHUNK);
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

/* ---- Reading: listing and extracting ------------------------------------------------------------------ */

/* The input of a reading: a file read through read(), so that I/O errors are told apart from bad data,
 * and hashed as it goes, so that the reading also gives the archive's own size and SHA-256. */
struct source {
	int fd;
	unsigned char *buf;
	struct crc_sha256 *h;
	unsigned long long size;
	/* The most bytes read (0: no cap): a file longer than its caller expects is not read on. */
	unsigned long long max;
	/* The errno of a failed read(), SOURCE_HASH when hashing failed, SOURCE_LONG past max, or 0. */
	int failed;
};
#define SOURCE_HASH (-1)
#define SOURCE_LONG (-2)

/* Reads the next chunk into s->buf and hashes it; the byte count, 0 at the end, or -1 (s->failed set). */
static ssize_t source_next(struct source *s)
{
	for (;;) {
		ssize_t n = read(s->fd, s->buf, CHUNK);
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

/* One reading of an archive: a listing, or an extraction when destfd is open. */
struct lister {
	/* The archive's file name, for messages (NULL for memory). */
	const char *name;
	const struct crc_archive_limits *lim;
	struct crc_archive_result *res;
	size_t cap, count;
	unsigned long long total;
	unsigned char *buf;
	struct crc_error *err;
	/* Extracting: the destination (for messages) and its descriptor (-1 when listing), and the caller's
	 * hooks (NULL: none). */
	const char *dest;
	int destfd;
	const struct crc_archive_hooks *hooks;
	/* Extracting: libarchive's disk writer and the entry handed to it (NULL when listing). */
	struct archive *disk;
	struct archive_entry *out;
	/* Extracting: every path met so far, open-addressed (see index_find); implied directories counted. */
	struct node *nodes;
	size_t nnodes, nodes_cap, implied;
};

__attribute__((format(printf, 2, 3))) static int bad(struct lister *l, const char *fmt, ...);

static int bad(struct lister *l, const char *fmt, ...)
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
static const char *origin(const struct lister *l)
{
	return l->lim->origin ? l->lim->origin : "";
}

/* The error for a failed libarchive read: the source's own I/O failure, or a corrupt archive. */
static int read_failed(struct lister *l, struct archive *a, const struct source *src)
{
	if (src && src->failed > 0)
		return crc_err_os(l->err, "cannot read", l->name, src->failed);
	if (src && src->failed == SOURCE_LONG)
		return bad(l, "archive longer than %llu bytes (not read past that)", src->max);
	if (src && src->failed < 0)
		return crc_err(l->err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	const char *msg = archive_error_string(a);
	return bad(l, "%s", msg ? msg : "unreadable archive");
}

/* Why the components of a non-empty relative path are refused ('..', an empty or '.' one), or NULL. */
static const char *components_problem(const char *p)
{
	for (;;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return "path contains '..'";
		if (len == 0 || (len == 1 && p[0] == '.'))
			return "path not normalized (empty or '.' component)";
		if (!p[len])
			return NULL;
		p += len + 1;
	}
}

const char *crc_archive_path_problem(const char *path)
{
	if (path[0] == '\0')
		return "empty path";
	if (path[0] == '/')
		return "absolute path";
	return components_problem(path);
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
	return n > 0 ? components_problem(out) : NULL;
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

/* A header that passed the checks every reading makes. */
struct header {
	/* Normalized (see clean_path). */
	char path[CRC_ARCHIVE_MAX_PATH + 1];
	/* 'f', 'd', 'l'; 0 for the archive's root ("./"), which is skipped. */
	char type;
	/* The archive's permission bits, & 07777. */
	unsigned perm;
	/* Symlinks: the target, borrowed from the entry; NULL otherwise. */
	const char *link;
};

/* Checks one header into h: the caps, the name, hard links, the type, a symlink's target. */
static int read_header(struct lister *l, struct archive_entry *ae, struct header *h)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX], st[CRC_ARCHIVE_SHOWN_MAX];
	const char *name = entry_name(ae), *why, *link;
	h->type = 0;
	h->link = NULL;
	if (++l->count > l->lim->max_entries)
		return bad(l, "more than %zu entries%s", l->lim->max_entries, origin(l));
	if (!name)
		return bad(l, "entry %zu: name cannot be read", l->count);
	size_t max_path = l->lim->max_path < CRC_ARCHIVE_MAX_PATH ? l->lim->max_path : CRC_ARCHIVE_MAX_PATH;
	if ((why = clean_path(h->path, sizeof h->path, name, max_path)) != NULL)
		return bad(l, "entry '%s': %s", crc_shown(sh, sizeof sh, name), why);
	int filetype = (int)archive_entry_filetype(ae);
	if ((link = entry_hardlink(ae)) != NULL)
		return bad(l, "entry '%s': hard link to '%s' (not allowed)", crc_shown(sh, sizeof sh, name),
			   crc_shown(st, sizeof st, link));
	if (h->path[0] == '\0') {
		if (filetype == AE_IFDIR)
			return 0; /* "./": the root itself */
		return bad(l, "entry '%s': names the archive's root", crc_shown(sh, sizeof sh, name));
	}
	if (filetype != AE_IFREG && filetype != AE_IFDIR && filetype != AE_IFLNK)
		return bad(l, "entry '%s': %s; only regular files, directories and symlinks are allowed",
			   crc_shown(sh, sizeof sh, name), type_name(filetype));
	h->perm = (unsigned)archive_entry_perm(ae) & 07777;
	if (filetype != AE_IFLNK) {
		h->type = filetype == AE_IFDIR ? 'd' : 'f';
		return 0;
	}
	h->type = 'l';
	if (!(link = entry_symlink(ae)))
		return bad(l, "entry '%s': symlink target cannot be read", crc_shown(sh, sizeof sh, name));
	if (strlen(link) > max_path)
		return bad(l, "entry '%s': symlink target too long", crc_shown(sh, sizeof sh, name));
	if ((why = crc_archive_link_problem(h->path, link)) != NULL)
		return bad(l, "entry '%s' -> '%s': %s", crc_shown(sh, sizeof sh, name),
			   crc_shown(st, sizeof st, link), why);
	h->link = link;
	return 0;
}

/* The error for a failed write under the destination. */
static int disk_failed(struct lister *l, const char *path, int errnum)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	return crc_err(l->err, errnum == ENOMEM ? CRC_ENOMEM : CRC_EIO, "cannot extract '%s' into %s: %s",
		       crc_shown(sh, sizeof sh, path), l->dest, strerror(errnum));
}

/* The error for a failed write by libarchive's disk writer under the destination, naming the entry (NULL:
 * the end of the extraction). A refusal of its own (no errno: writing through a symlink, say) is
 * CRC_EVERIFY. */
static int disk_refused(struct lister *l, const char *path)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX], what[CRC_ARCHIVE_SHOWN_MAX + 16];
	const char *msg = archive_error_string(l->disk);
	int errnum = archive_errno(l->disk);
	int code = errnum == ENOMEM ? CRC_ENOMEM : errnum > 0 ? CRC_EIO : CRC_EVERIFY;
	if (path)
		snprintf(what, sizeof what, "'%s' ", crc_shown(sh, sizeof sh, path));
	else
		what[0] = '\0';
	if (!msg)
		msg = "libarchive's disk writer failed";
	if (errnum > 0 && !strstr(msg, strerror(errnum)))
		return crc_err(l->err, code, "cannot extract %sinto %s: %s: %s", what, l->dest, msg,
			       strerror(errnum));
	return crc_err(l->err, code, "cannot extract %sinto %s: %s", what, l->dest, msg);
}

/* Reads the data of the file entry e, hashing it into e->size and e->sha256 within the caps, and hands it
 * to the disk writer when extracting. */
static int read_data(struct lister *l, struct archive *a, const struct source *src, struct archive_entry *ae,
		     struct crc_archive_entry *e)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	unsigned char md[CRC_SHA256_LEN];
	long long declared = archive_entry_size_is_set(ae) ? (long long)archive_entry_size(ae) : -1;
	/* What a header declares is refused before any of it is decompressed. */
	if (declared >= 0 && (unsigned long long)declared > l->lim->max_entry_size)
		return bad(l, "entry '%s': %lld bytes, over the cap of %llu%s",
			   crc_shown(sh, sizeof sh, e->path), declared, l->lim->max_entry_size, origin(l));
	if (declared >= 0 && (unsigned long long)declared > l->lim->max_total_size - l->total)
		return bad(l, "more than %llu bytes of file content (at entry '%s')%s",
			   l->lim->max_total_size, crc_shown(sh, sizeof sh, e->path), origin(l));
	struct crc_sha256 *h = crc_sha256_new();
	if (!h)
		return crc_err(l->err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	int rc = 0;
	e->size = 0;
	for (;;) {
		la_ssize_t n = archive_read_data(a, l->buf, CHUNK);
		if (n == 0)
			break;
		if (n < 0) {
			rc = read_failed(l, a, src);
			break;
		}
		e->size += (unsigned long long)n;
		l->total += (unsigned long long)n;
		if (e->size > l->lim->max_entry_size) {
			rc = bad(l, "entry '%s': more than %llu bytes%s", crc_shown(sh, sizeof sh, e->path),
				 l->lim->max_entry_size, origin(l));
			break;
		}
		if (l->total > l->lim->max_total_size) {
			rc = bad(l, "more than %llu bytes of file content (at entry '%s')%s",
				 l->lim->max_total_size, crc_shown(sh, sizeof sh, e->path), origin(l));
			break;
		}
		if (declared >= 0 && e->size > (unsigned long long)declared) {
			rc = bad(l, "entry '%s': more than the %lld bytes its header says",
				 crc_shown(sh, sizeof sh, e->path), declared);
			break;
		}
		if (crc_sha256_update(h, l->buf, (size_t)n)) {
			rc = crc_err(l->err, CRC_EIO, "SHA-256 failed (OpenSSL)");
			break;
		}
		if (l->disk && archive_write_data(l->disk, l->buf, (size_t)n) != n) {
			rc = disk_refused(l, e->path);
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
	int rc = read_header(l, ae, &h);
	if (rc || !h.type)
		return rc;
	struct crc_archive_entry *e = add_entry(l->res, &l->cap);
	if (!e || !(e->path = strdup(h.path)) || (h.link && !(e->link = strdup(h.link))))
		return crc_err(l->err, CRC_ENOMEM, "out of memory");
	e->type = h.type;
	e->mode = h.perm;
	return h.type == 'f' ? read_data(l, a, src, ae, e) : 0;
}

/* The checks over the whole list, once sorted: duplicates and entries below a symlink or a file. */
static int list_check(struct lister *l)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX], sp[CRC_ARCHIVE_SHOWN_MAX];
	const struct crc_archive_result *res = l->res;
	for (size_t i = 1; i < res->nentries; i++)
		if (strcmp(res->entries[i - 1].path, res->entries[i].path) == 0)
			return bad(l, "duplicate entry '%s'", crc_shown(sh, sizeof sh, res->entries[i].path));
	const char *child = NULL, *parent = NULL, *what;
	struct crc_buf scratch;
	crc_buf_init(&scratch);
	what = nesting_problem(res, &child, &parent, &scratch);
	crc_buf_free(&scratch);
	if (what && !child)
		return crc_err(l->err, CRC_ENOMEM, "%s", what);
	if (what)
		return bad(l, "entry '%s' lies below '%s', which is %s", crc_shown(sh, sizeof sh, child),
			   crc_shown(sp, sizeof sp, parent), what);
	return 0;
}

/* A path met by an extraction: an entry, or a directory only implied by an entry's path. */
struct node {
	/* The first len bytes of an entry's path (borrowed from the result, whose strings never move). */
	const char *path;
	size_t len;
	/* The entry's type, or 'i' for a directory only implied. */
	char type;
};

static const char *node_kind(char type)
{
	return type == 'f' ? "a file" : type == 'l' ? "a symlink" : "a directory";
}

/* FNV-1a over the first len bytes of s. */
static size_t hash_of(const char *s, size_t len)
{
	unsigned long long h = 14695981039346656037ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

/* The slot of the first len bytes of path in the index (never full): its node, or the free slot for it. */
static struct node *index_slot(const struct lister *l, const char *path, size_t len)
{
	size_t mask = l->nodes_cap - 1, i = hash_of(path, len) & mask;
	while (l->nodes[i].path && (l->nodes[i].len != len || memcmp(l->nodes[i].path, path, len) != 0))
		i = (i + 1) & mask;
	return &l->nodes[i];
}

static struct node *index_find(const struct lister *l, const char *path, size_t len)
{
	if (l->nodes_cap == 0)
		return NULL;
	struct node *n = index_slot(l, path, len);
	return n->path ? n : NULL;
}

/* Adds a path not yet in the index, which is kept at most half full. */
static int index_add(struct lister *l, const char *path, size_t len, char type)
{
	if ((l->nnodes + 1) * 2 > l->nodes_cap) {
		struct node *old = l->nodes;
		size_t old_cap = l->nodes_cap, cap = old_cap ? old_cap * 2 : 1024;
		struct node *v = cap <= ((size_t)-1) / sizeof *v ? calloc(cap, sizeof *v) : NULL;
		if (!v)
			return crc_err(l->err, CRC_ENOMEM, "out of memory");
		l->nodes = v;
		l->nodes_cap = cap;
		for (size_t i = 0; i < old_cap; i++)
			if (old[i].path)
				*index_slot(l, old[i].path, old[i].len) = old[i];
		free(old);
	}
	struct node *n = index_slot(l, path, len);
	n->path = path;
	n->len = len;
	n->type = type;
	l->nnodes++;
	return 0;
}

/* Checks e against the entries before it and the destination, then adds it and the directories its path
 * implies to the index. An entry below a symlink or a file, and a name taken (in the archive or on disk),
 * are CRC_EVERIFY, except a directory over a directory (one implied by an earlier path, or one listed
 * twice, which is refused at the end). What lies below the destination's entries (a symlink planted
 * there) is left to the disk writer, which refuses to write through it. */
static int extract_place(struct lister *l, const struct crc_archive_entry *e)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX], sp[CRC_ARCHIVE_SHOWN_MAX], parent[CRC_ARCHIVE_MAX_PATH + 1];
	size_t len = strlen(e->path);
	struct node *n;
	int rc;
	/* Parents, deepest first, up to one known already as a directory (its own parents were checked). */
	for (size_t at = len; at-- > 0;) {
		if (e->path[at] != '/')
			continue;
		if ((n = index_find(l, e->path, at)) != NULL) {
			if (n->type == 'd' || n->type == 'i')
				break;
			memcpy(parent, e->path, at);
			parent[at] = '\0';
			return bad(l, "entry '%s' lies below '%s', which is %s",
				   crc_shown(sh, sizeof sh, e->path), crc_shown(sp, sizeof sp, parent),
				   node_kind(n->type));
		}
		if (++l->implied > l->lim->max_entries)
			return bad(l, "more than %zu directories implied by the entries' paths",
				   l->lim->max_entries);
		if ((rc = index_add(l, e->path, at, 'i')) != 0)
			return rc;
	}
	if ((n = index_find(l, e->path, len)) != NULL) {
		if (e->type == 'd' && (n->type == 'd' || n->type == 'i')) {
			n->type = 'd';
			return 0;
		}
		return bad(l, "entry '%s': %s is there already", crc_shown(sh, sizeof sh, e->path),
			   node_kind(n->type));
	}
	/* The disk writer would skip a name that exists (ARCHIVE_EXTRACT_NO_OVERWRITE), silently. */
	struct stat st;
	if (fstatat(l->destfd, e->path, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (e->type != 'd' || !S_ISDIR(st.st_mode))
			return bad(l, "entry '%s': %s is there already", crc_shown(sh, sizeof sh, e->path),
				   crc_os_file_kind(st.st_mode));
	} else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP) {
		return disk_failed(l, e->path, errno);
	}
	return index_add(l, e->path, len, e->type);
}

/* Writes the checked entry e through the disk writer, from a fresh libarchive entry that holds nothing but
 * its name, type, permission bits, size and link (a file's data read from a and hashed on the way). A
 * directory is written 0700 and gets its own mode at the end; nothing gets setuid, setgid or sticky. */
static int extract_write(struct lister *l, struct archive *a, const struct source *src,
			 struct archive_entry *ae, struct crc_archive_entry *e)
{
	struct archive_entry *o = l->out;
	archive_entry_clear(o);
	archive_entry_copy_pathname(o, e->path);
	archive_entry_set_filetype(o, e->type == 'd' ? AE_IFDIR : e->type == 'l' ? AE_IFLNK : AE_IFREG);
	archive_entry_set_perm(o, e->type == 'd' ? 0700 : e->type == 'l' ? 0777 : e->mode & 0777);
	if (e->type == 'l')
		archive_entry_copy_symlink(o, e->link);
	if (e->type == 'f')
		archive_entry_set_size(o, (la_int64_t)e->size);
	if (archive_write_header(l->disk, o) != ARCHIVE_OK)
		return disk_refused(l, e->path);
	int rc = e->type == 'f' ? read_data(l, a, src, ae, e) : 0;
	if (!rc && archive_write_finish_entry(l->disk) != ARCHIVE_OK)
		rc = disk_refused(l, e->path);
	return rc;
}

/* Checks one header (ours, then the caller's), writes its entry and records it. */
static int extract_entry(struct lister *l, struct archive *a, const struct source *src,
			 struct archive_entry *ae)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	const struct crc_archive_hooks *k = l->hooks;
	struct header h;
	int rc = read_header(l, ae, &h);
	if (rc || !h.type)
		return rc;
	for (const char *p = h.path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return bad(l, "entry '%s': path holds a control character",
				   crc_shown(sh, sizeof sh, h.path));
	if (h.type == 'f' && (!archive_entry_size_is_set(ae) || archive_entry_size(ae) < 0))
		return bad(l, "entry '%s': size cannot be read", crc_shown(sh, sizeof sh, h.path));
	struct crc_archive_entry *e = add_entry(l->res, &l->cap);
	if (!e || !(e->path = strdup(h.path)) || (h.link && !(e->link = strdup(h.link))))
		return crc_err(l->err, CRC_ENOMEM, "out of memory");
	e->type = h.type;
	e->mode = h.perm;
	if (h.type == 'f')
		e->size = (unsigned long long)archive_entry_size(ae);
	if (k && k->check && (rc = k->check(k->ctx, e, l->err)) != 0)
		return rc;
	if ((rc = extract_place(l, e)) != 0 || (rc = extract_write(l, a, src, ae, e)) != 0)
		return rc;
	return k && k->written ? k->written(k->ctx, e, l->err) : 0;
}

/* Sets the mode of the directory at the first len bytes of path (never through a symlink). */
static int set_dir_mode(struct lister *l, const char *path, size_t len, unsigned mode)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX], sp[CRC_ARCHIVE_SHOWN_MAX], p[CRC_ARCHIVE_MAX_PATH + 1];
	const char *kind;
	size_t bad_len;
	memcpy(p, path, len);
	p[len] = '\0';
	int fd = crc_os_open_dir_beneath(l->destfd, p, len, &kind, &bad_len);
	if (fd < 0 && kind) {
		char q[CRC_ARCHIVE_MAX_PATH + 1];
		memcpy(q, p, bad_len);
		q[bad_len] = '\0';
		return bad(l, "directory '%s': '%s' is %s", crc_shown(sh, sizeof sh, path),
			   crc_shown(sp, sizeof sp, q), kind);
	}
	if (fd < 0)
		return disk_failed(l, p, errno);
	int rc = fchmod(fd, mode) != 0 ? disk_failed(l, p, errno) : 0;
	close(fd);
	return rc;
}

/* The end of an extraction, once sorted: a directory listed twice refused, the disk writer closed (its own
 * fixups), then every directory's mode set: the archive's bits for those listed, 0755 for those implied,
 * last, so that a read-only one was still filled. */
static int extract_finish(struct lister *l)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	const struct crc_archive_result *res = l->res;
	int rc;
	for (size_t i = 1; i < res->nentries; i++)
		if (strcmp(res->entries[i - 1].path, res->entries[i].path) == 0)
			return bad(l, "duplicate entry '%s'", crc_shown(sh, sizeof sh, res->entries[i].path));
	if (archive_write_close(l->disk) != ARCHIVE_OK)
		return disk_refused(l, NULL);
	for (size_t i = 0; i < res->nentries; i++) {
		const struct crc_archive_entry *e = &res->entries[i];
		if (e->type == 'd' && (rc = set_dir_mode(l, e->path, strlen(e->path), e->mode & 0777)) != 0)
			return rc;
	}
	for (size_t i = 0; i < l->nodes_cap; i++) {
		const struct node *n = &l->nodes[i];
		if (n->path && n->type == 'i' && (rc = set_dir_mode(l, n->path, n->len, 0755)) != 0)
			return rc;
	}
	return 0;
}

/* Reads the archive a (opened): every entry listed, or extracted when l->destfd is open. */
static int read_entries(struct lister *l, struct archive *a, const struct source *src)
{
	struct archive_entry *ae;
	int extracting = l->destfd >= 0, rc = 0;
	for (;;) {
		int r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			rc = read_failed(l, a, src);
			break;
		}
		rc = extracting ? extract_entry(l, a, src, ae) : list_entry(l, a, src, ae);
		if (rc)
			break;
	}
	if (!rc && l->res->nentries > 0) {
		qsort(l->res->entries, l->res->nentries, sizeof *l->res->entries, by_path);
		rc = extracting ? extract_finish(l) : list_check(l);
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
		return bad(l, "archive longer than %llu bytes (not read past that)", src->max);
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
				return bad(l,
					   "corrupt zip: its central directory counts %zu entries, %zu were "
					   "read",
					   total, l->res->nentries);
			return 0;
		}
		if (p == 0 || size - p > 22 + 65535)
			break;
	}
	return bad(l, "corrupt zip: no end of central directory record");
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
	if (!(l->buf = malloc(CHUNK))) {
		rc = crc_err(l->err, CRC_ENOMEM, "out of memory");
		goto out;
	}
	int r = src ? archive_read_open(a, src, NULL, source_read, NULL)
		    : archive_read_open_memory(a, data, size);
	if (r != ARCHIVE_OK)
		rc = read_failed(l, a, src);
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
	la_ssize_t n = archive_read_data(p->outer, p->buf, CHUNK);
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
	if (!outer || !inner || !p.h || !(p.buf = malloc(CHUNK)) || !(l->buf = malloc(CHUNK))) {
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
		rc = read_failed(l, outer, src);
		goto out;
	}
	if (archive_filter_code(outer, 0) != code) {
		rc = bad(l, "not a %s file", fmt == CRC_ARCHIVE_TAR_GZ ? "gzip" : "zstd");
		goto out;
	}
	if (archive_read_open(inner, &p, NULL, pipe_read, NULL) != ARCHIVE_OK)
		rc = read_failed(l, inner, src);
	else
		rc = read_entries(l, inner, src);
	/* What follows the tar's end (its zero blocks, the padding of its last record) is stream too. */
	for (la_ssize_t n = 1; !rc && n > 0;)
		if ((n = pipe_read(inner, &p, &rest)) < 0)
			rc = read_failed(l, inner, src);
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
static int read_fd(struct lister *l, int fd, int fmt, int stream)
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
	else if (!(src.buf = malloc(CHUNK)))
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
			   .lim = o && o->limits ? o->limits : &default_limits,
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
	return read_fd(&l, fd, fmt, stream);
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
	struct lister l = {.lim = lim ? lim : &default_limits, .res = res, .err = err, .destfd = -1};
	return read_any(&l, NULL, data, size, -1);
}

/* libarchive's secure extraction: no "..", no absolute name, never through a symlink, no name replaced, the
 * permission bits we give (nothing else: no owners, times, xattrs, ACLs or flags). */
#define DISK_OPTIONS                                                         \
	(ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS | \
	 ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_NO_OVERWRITE)

int crc_archive_extract_fd(struct crc_archive_result *res, int fd, const char *name, const char *dest,
			   enum crc_archive_format fmt, const struct crc_archive_hooks *hooks,
			   struct crc_error *err)
{
	memset(res, 0, sizeof *res);
	int destfd, rc;
	if ((rc = crc_os_open_dir(&destfd, AT_FDCWD, dest, 1, err)) != 0)
		return rc;
	rc = crc_archive_extract_at(res, fd, name, destfd, dest, fmt, hooks, err);
	close(destfd);
	return rc;
}

int crc_archive_extract_at(struct crc_archive_result *res, int fd, const char *name, int destfd,
			   const char *dest, enum crc_archive_format fmt,
			   const struct crc_archive_hooks *hooks, struct crc_error *err)
{
	struct lister l = {.name = name,
			   .lim = &default_limits,
			   .res = res,
			   .err = err,
			   .dest = dest,
			   .destfd = -1,
			   .hooks = hooks};
	int rc = 0, cwd = -1, moved = 0;
	memset(res, 0, sizeof *res);
	if (fmt == CRC_ARCHIVE_ZIP)
		return crc_err(err, CRC_EINVALID, "%s: zip archives are listed, not extracted", name);
	if (fmt != CRC_ARCHIVE_TAR_ZST && fmt != CRC_ARCHIVE_TAR_GZ)
		return crc_err(err, CRC_EINVALID, "unknown archive format %d", (int)fmt);
	l.destfd = fcntl(destfd, F_DUPFD_CLOEXEC, 0);
	if (l.destfd < 0)
		return crc_err_os(err, "cannot use the directory", dest, errno);
	/* To come back to after the disk writer's fchdir below. */
	if ((cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = crc_err_os(err, "cannot open the working directory", ".", errno);
		goto out;
	}
	if (!(l.disk = archive_write_disk_new()) || !(l.out = archive_entry_new())) {
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
		goto out;
	}
	if (archive_write_disk_set_options(l.disk, DISK_OPTIONS) != ARCHIVE_OK) {
		rc = disk_refused(&l, NULL);
		goto out;
	}
	/* The writer refuses absolute names, so it works from inside dest, as bsdtar -C does. */
	if (fchdir(l.destfd) != 0) {
		rc = crc_err_os(err, "cannot change into", dest, errno);
		goto out;
	}
	moved = 1;
	rc = read_fd(&l, fd, (int)fmt, 0);
out:
	/* Still inside dest: freeing closes the writer (a no-op after a success), whose fixups use
	 * relative names. */
	if (l.disk)
		archive_write_free(l.disk);
	archive_entry_free(l.out);
	free(l.nodes);
	if (moved && fchdir(cwd) != 0 && !rc) {
		rc = crc_err_os(err, "cannot return to the working directory from", dest, errno);
		crc_archive_result_free(res);
	}
	if (cwd >= 0)
		close(cwd);
	close(l.destfd);
	return rc;
}

int crc_archive_extract(struct crc_archive_result *res, const char *path, const char *dest,
			enum crc_archive_format fmt, const struct crc_archive_hooks *hooks,
			struct crc_error *err)
{
	int fd;
	memset(res, 0, sizeof *res);
	int rc = crc_os_open_regular(&fd, NULL, AT_FDCWD, path, NULL, err);
	if (rc)
		return rc;
	rc = crc_archive_extract_fd(res, fd, path, dest, fmt, hooks, err);
	close(fd);
	return rc;
}
