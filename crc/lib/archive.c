/* Deterministic archives (see crc/archive.h), the only user of libarchive's read and write interfaces.
 * Writing: a walk of the tree that refuses what cannot be archived, a sort by path, then one libarchive
 * writer (restricted pax: plain ustar headers unless a name needs more; names are printable ASCII, so
 * that no locale conversion can change a byte) through zstd or gzip, whose output callback writes the file
 * and feeds SHA-256; each file is read once, for its data and its own hash. Reading: libarchive's tar reader
 * over the in-process decompressors, every header checked before its data is hashed, then the checks that
 * need the whole list (duplicates, entries below a symlink or a file). */
#include "crc/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/buf.h"

/* The largest mtime an ustar header holds (11 octal digits). */
#define MAX_MTIME 077777777777LL
/* Bytes moved per read() or archive_read_data(). */
#define CHUNK ((size_t)1 << 17)
/* Room for an untrusted name shown in a message: 4 bytes per escaped byte, "..." and the NUL. */
#define SHOWN_MAX 256

static const struct crc_archive_limits default_limits = {
	CRC_ARCHIVE_MAX_ENTRIES,
	CRC_ARCHIVE_MAX_PATH,
	CRC_ARCHIVE_MAX_ENTRY_SIZE,
	CRC_ARCHIVE_MAX_TOTAL_SIZE,
};

const char *crc_archive_format_name(enum crc_archive_format f)
{
	switch (f) {
	case CRC_ARCHIVE_TAR_ZST:
		return "tar.zst";
	case CRC_ARCHIVE_TAR_GZ:
		return "tar.gz";
	}
	return "?";
}

int crc_archive_format_parse(const char *name)
{
	if (strcmp(name, "tar.zst") == 0)
		return CRC_ARCHIVE_TAR_ZST;
	if (strcmp(name, "tar.gz") == 0)
		return CRC_ARCHIVE_TAR_GZ;
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

/* A name from the tree or an untrusted archive, made safe to print: bytes outside printable ASCII become
 * \xNN, and a long name is cut visibly with "...". Returns out. */
static const char *shown(char out[SHOWN_MAX], const char *s)
{
	static const char digits[] = "0123456789abcdef";
	size_t o = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (o + 4 + 4 > SHOWN_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c > 0x7e || c == '\\') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = digits[c >> 4];
			out[o++] = digits[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct crc_archive_entry *)a)->path,
		      ((const struct crc_archive_entry *)b)->path);
}

/* Appends a zeroed entry to res (growing by doubling); NULL when out of memory. */
static struct crc_archive_entry *add_entry(struct crc_archive_result *res, size_t *cap)
{
	if (res->nentries == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		if (n > ((size_t)-1) / sizeof *res->entries)
			return NULL;
		struct crc_archive_entry *v = realloc(res->entries, n * sizeof *v);
		if (!v)
			return NULL;
		res->entries = v;
		*cap = n;
	}
	struct crc_archive_entry *e = &res->entries[res->nentries++];
	memset(e, 0, sizeof *e);
	return e;
}

/* Why the symlink at path (relative to the root) with this target is refused, or NULL when it is fine.
 * The target must be relative and non-empty, and its ".." components must all come first and never climb
 * above the root: "../lib/x" is fine, "b/../x" is not, since b may itself be a symlink and take ".."
 * somewhere else. (Walking and listing make sure that no entry lies below a symlink, so the link's own
 * directories are real ones.) */
static const char *link_problem(const char *path, const char *target)
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
	char s[SHOWN_MAX];
	return crc_err(w->err, CRC_EINVALID, "%s/%s: %s", w->dir, shown(s, rel), what);
}

/* Reads the names in the directory rel ("" for the root) into *names (each and the array malloc'ed). */
static int read_names(struct walk *w, const char *rel, char ***names, size_t *n)
{
	char s[SHOWN_MAX];
	size_t cap = 0;
	*names = NULL;
	*n = 0;
	int fd = openat(w->rootfd, rel[0] ? rel : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return crc_err(w->err, e == ENOMEM ? CRC_ENOMEM : CRC_EIO, "cannot read directory %s/%s: %s",
			       w->dir, shown(s, rel), strerror(e));
	}
	int rc = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				rc = crc_err(w->err, CRC_EIO, "cannot read directory %s/%s: %s", w->dir,
					     shown(s, rel), strerror(errno));
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (*n == cap) {
			size_t c = cap ? cap * 2 : 16;
			char **v = c < ((size_t)-1) / sizeof *v ? realloc(*names, c * sizeof *v) : NULL;
			if (!v) {
				rc = crc_err(w->err, CRC_ENOMEM, "out of memory");
				break;
			}
			*names = v;
			cap = c;
		}
		if (!((*names)[*n] = strdup(de->d_name))) {
			rc = crc_err(w->err, CRC_ENOMEM, "out of memory");
			break;
		}
		(*n)++;
	}
	closedir(d);
	return rc;
}

/* Adds the entry rel (already lstat'ed as st) to the result, refusing what cannot be archived. */
static int walk_add(struct walk *w, const char *rel, const struct stat *st)
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
	ssize_t n = readlinkat(w->rootfd, rel, target, sizeof target);
	if (n < 0) {
		char s[SHOWN_MAX];
		return crc_err(w->err, CRC_EIO, "cannot read symlink %s/%s: %s", w->dir, shown(s, rel),
			       strerror(errno));
	}
	if ((size_t)n > CRC_ARCHIVE_MAX_PATH)
		return walk_refuse(w, rel, "symlink target longer than 1024 bytes");
	target[n] = '\0';
	if (strlen(target) != (size_t)n || unprintable(target))
		return walk_refuse(w, rel, "symlink target holds a byte outside printable ASCII");
	if ((why = link_problem(rel, target)) != NULL) {
		char s[SHOWN_MAX], t[SHOWN_MAX];
		return crc_err(w->err, CRC_EINVALID, "%s/%s -> %s: %s", w->dir, shown(s, rel),
			       shown(t, target), why);
	}
	if (!(e->link = strdup(target)))
		return crc_err(w->err, CRC_ENOMEM, "out of memory");
	return 0;
}

/* Collects every entry below the directory rel ("" for the root), one open directory at a time. */
static int walk(struct walk *w, const char *rel)
{
	char **names;
	size_t n;
	int rc = read_names(w, rel, &names, &n);
	struct crc_buf sub;
	crc_buf_init(&sub);
	for (size_t i = 0; !rc && i < n; i++) {
		struct stat st;
		sub.len = 0;
		if (rel[0]) {
			crc_buf_puts(&sub, rel);
			crc_buf_putc(&sub, '/');
		}
		crc_buf_puts(&sub, names[i]);
		if (crc_buf_error(&sub)) {
			rc = crc_err(w->err, CRC_ENOMEM, "out of memory");
			break;
		}
		const char *path = crc_buf_str(&sub);
		if (sub.len > CRC_ARCHIVE_MAX_PATH) {
			rc = walk_refuse(w, path, "path longer than 1024 bytes");
			break;
		}
		if (unprintable(names[i])) {
			rc = walk_refuse(w, path, "name holds a byte outside printable ASCII");
			break;
		}
		if (fstatat(w->rootfd, path, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			char s[SHOWN_MAX];
			rc = crc_err(w->err, errno == ENOMEM ? CRC_ENOMEM : CRC_EIO, "cannot stat %s/%s: %s",
				     w->dir, shown(s, path), strerror(errno));
			break;
		}
		rc = walk_add(w, path, &st);
		if (!rc && S_ISDIR(st.st_mode))
			rc = walk(w, path);
	}
	crc_buf_free(&sub);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
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
	const unsigned char *p = buf;
	size_t left = n;
	while (left > 0) {
		ssize_t w = write(s->fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			s->failed = errno;
			archive_set_error(a, errno, "%s", strerror(errno));
			return -1;
		}
		p += w;
		left -= (size_t)w;
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

/* Sets up the tar writer for fmt: restricted pax (ASCII names need no conversion), compression without
 * timestamps or names, no padding after the compressed stream (zeros after a zstd frame are no frame). */
static int writer_setup(struct archive *a, enum crc_archive_format fmt)
{
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
	char sh[SHOWN_MAX];
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
			rc = crc_err(err, CRC_EIO, "cannot read %s/%s: %s", dir, shown(sh, e->path),
				     strerror(errno));
			break;
		}
		if (n == 0 && done == e->size)
			break;
		if (n == 0 || done == e->size) {
			rc = crc_err(err, CRC_EIO, "%s/%s changed size while it was being archived", dir,
				     shown(sh, e->path));
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
	char sh[SHOWN_MAX];
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
		fd = openat(w->rootfd, e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return crc_err(w->err, errno == ENOMEM ? CRC_ENOMEM : CRC_EIO,
				       "cannot open %s/%s: %s", w->dir, shown(sh, e->path), strerror(errno));
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
		    (unsigned long long)st.st_size != e->size) {
			close(fd);
			return crc_err(w->err, CRC_EIO, "%s/%s changed while it was being archived", w->dir,
				       shown(sh, e->path));
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

int crc_archive_write_tree(struct crc_archive_result *res, const char *out_path, const char *dir,
			   enum crc_archive_format fmt, long long mtime, struct crc_error *err)
{
	struct walk w = {dir, -1, res, 0, 0, err};
	struct sink s = {-1, NULL, 0, 0};
	unsigned char md[CRC_SHA256_LEN];
	int rc = 0;
	memset(res, 0, sizeof *res);
	if (fmt != CRC_ARCHIVE_TAR_ZST && fmt != CRC_ARCHIVE_TAR_GZ)
		return crc_err(err, CRC_EINVALID, "unknown archive format %d", (int)fmt);
	if (mtime < 0 || mtime > MAX_MTIME)
		return crc_err(err, CRC_EINVALID, "mtime %lld out of range (0 to %lld)", mtime, MAX_MTIME);
	w.rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w.rootfd < 0)
		return crc_err_os(err, "cannot open directory", dir, errno);
	if ((rc = walk(&w, "")) != 0)
		goto out;
	if (res->nentries > 0)
		qsort(res->entries, res->nentries, sizeof *res->entries, by_path);
	s.fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (s.fd < 0) {
		rc = crc_err_os(err, "cannot create", out_path, errno);
		goto out;
	}
	/* 0644 whatever the umask: the archive is published as it is. */
	if (fchmod(s.fd, 0644) != 0) {
		rc = crc_err_os(err, "cannot set the mode of", out_path, errno);
		goto out;
	}
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
		unlink(out_path);
	crc_sha256_free(s.h);
	close(w.rootfd);
	if (rc)
		crc_archive_result_free(res);
	return rc;
}

/* ---- Listing ---------------------------------------------------------------------------------------- */

/* The input of a listing: a file read through read(), so that I/O errors are told apart from bad data,
 * and hashed as it goes, so that the listing also gives the archive's own size and SHA-256. */
struct source {
	int fd;
	unsigned char *buf;
	struct crc_sha256 *h;
	unsigned long long size;
	/* The errno of a failed read(), -1 when hashing failed, or 0. */
	int failed;
};

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
		if (crc_sha256_update(s->h, s->buf, (size_t)n)) {
			s->failed = -1;
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
				  s->failed > 0 ? strerror(s->failed) : "SHA-256 failed (OpenSSL)");
		return -1;
	}
	*out = s->buf;
	return n;
}

struct lister {
	/* The archive's file name, for messages (NULL for memory). */
	const char *name;
	const struct crc_archive_limits *lim;
	struct crc_archive_result *res;
	size_t cap, count;
	unsigned long long total;
	unsigned char *buf;
	struct crc_error *err;
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

/* The error for a failed libarchive read: the source's own I/O failure, or a corrupt archive. */
static int read_failed(struct lister *l, struct archive *a, const struct source *src)
{
	if (src && src->failed > 0)
		return crc_err_os(l->err, "cannot read", l->name, src->failed);
	if (src && src->failed < 0)
		return crc_err(l->err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	const char *msg = archive_error_string(a);
	return bad(l, "%s", msg ? msg : "unreadable archive");
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
	for (const char *p = out; n > 0;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return "path contains '..'";
		if (len == 0 || (len == 1 && p[0] == '.'))
			return "path not normalized (empty or '.' component)";
		if (!p[len])
			break;
		p += len + 1;
	}
	return NULL;
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

/* Reads the data of the file entry e, hashing it, within the caps. */
static int list_data(struct lister *l, struct archive *a, const struct source *src, struct archive_entry *ae,
		     struct crc_archive_entry *e)
{
	char sh[SHOWN_MAX];
	unsigned char md[CRC_SHA256_LEN];
	if (archive_entry_size_is_set(ae) && archive_entry_size(ae) >= 0 &&
	    (unsigned long long)archive_entry_size(ae) > l->lim->max_entry_size)
		return bad(l, "entry '%s': %lld bytes, over the cap of %llu", shown(sh, e->path),
			   (long long)archive_entry_size(ae), l->lim->max_entry_size);
	struct crc_sha256 *h = crc_sha256_new();
	if (!h)
		return crc_err(l->err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	int rc = 0;
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
			rc = bad(l, "entry '%s': more than %llu bytes", shown(sh, e->path),
				 l->lim->max_entry_size);
			break;
		}
		if (l->total > l->lim->max_total_size) {
			rc = bad(l, "more than %llu bytes of file content (at entry '%s')",
				 l->lim->max_total_size, shown(sh, e->path));
			break;
		}
		if (crc_sha256_update(h, l->buf, (size_t)n)) {
			rc = crc_err(l->err, CRC_EIO, "SHA-256 failed (OpenSSL)");
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
	char path[CRC_ARCHIVE_MAX_PATH + 1], sh[SHOWN_MAX], st[SHOWN_MAX];
	const char *name = entry_name(ae), *why, *link;
	if (++l->count > l->lim->max_entries)
		return bad(l, "more than %zu entries", l->lim->max_entries);
	if (!name)
		return bad(l, "entry %zu: name cannot be read", l->count);
	size_t max_path = l->lim->max_path < CRC_ARCHIVE_MAX_PATH ? l->lim->max_path : CRC_ARCHIVE_MAX_PATH;
	if ((why = clean_path(path, sizeof path, name, max_path)) != NULL)
		return bad(l, "entry '%s': %s", shown(sh, name), why);
	int filetype = (int)archive_entry_filetype(ae);
	if ((link = entry_hardlink(ae)) != NULL)
		return bad(l, "entry '%s': hard link to '%s' (not allowed)", shown(sh, name),
			   shown(st, link));
	if (path[0] == '\0') {
		if (filetype == AE_IFDIR)
			return 0; /* "./": the root itself */
		return bad(l, "entry '%s': names the archive's root", shown(sh, name));
	}
	if (filetype != AE_IFREG && filetype != AE_IFDIR && filetype != AE_IFLNK)
		return bad(l, "entry '%s': %s; only regular files, directories and symlinks are allowed",
			   shown(sh, name), type_name(filetype));
	struct crc_archive_entry *e = add_entry(l->res, &l->cap);
	if (!e || !(e->path = strdup(path)))
		return crc_err(l->err, CRC_ENOMEM, "out of memory");
	unsigned perm = (unsigned)archive_entry_perm(ae);
	if (filetype == AE_IFDIR) {
		e->type = 'd';
		e->mode = 0755;
		return 0;
	}
	if (filetype == AE_IFREG) {
		e->type = 'f';
		e->mode = (perm & 0111) ? 0755 : 0644;
		return list_data(l, a, src, ae, e);
	}
	e->type = 'l';
	e->mode = 0777;
	if (!(link = entry_symlink(ae)))
		return bad(l, "entry '%s': symlink target cannot be read", shown(sh, name));
	if (strlen(link) > max_path)
		return bad(l, "entry '%s': symlink target too long", shown(sh, name));
	if ((why = link_problem(path, link)) != NULL)
		return bad(l, "entry '%s' -> '%s': %s", shown(sh, name), shown(st, link), why);
	if (!(e->link = strdup(link)))
		return crc_err(l->err, CRC_ENOMEM, "out of memory");
	return 0;
}

/* The checks over the whole list, once sorted: duplicates and entries below a symlink or a file. */
static int list_check(struct lister *l)
{
	char sh[SHOWN_MAX], sp[SHOWN_MAX];
	const struct crc_archive_result *res = l->res;
	for (size_t i = 1; i < res->nentries; i++)
		if (strcmp(res->entries[i - 1].path, res->entries[i].path) == 0)
			return bad(l, "duplicate entry '%s'", shown(sh, res->entries[i].path));
	const char *child = NULL, *parent = NULL, *what;
	struct crc_buf scratch;
	crc_buf_init(&scratch);
	what = nesting_problem(res, &child, &parent, &scratch);
	crc_buf_free(&scratch);
	if (what && !child)
		return crc_err(l->err, CRC_ENOMEM, "%s", what);
	if (what)
		return bad(l, "entry '%s' lies below '%s', which is %s", shown(sh, child), shown(sp, parent),
			   what);
	return 0;
}

/* Lists the archive a (opened) into l->res. */
static int list_open(struct lister *l, struct archive *a, const struct source *src)
{
	struct archive_entry *ae;
	int rc = 0;
	for (;;) {
		int r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			rc = read_failed(l, a, src);
			break;
		}
		if ((rc = list_entry(l, a, src, ae)) != 0)
			break;
	}
	if (!rc && l->res->nentries > 0) {
		qsort(l->res->entries, l->res->nentries, sizeof *l->res->entries, by_path);
		rc = list_check(l);
	}
	return rc;
}

/* A reader for tar (ustar, pax, GNU) through the in-process decompressors only: ARCHIVE_WARN from a
 * support call means libarchive would run an external program, which untrusted input must not reach. */
static struct archive *reader_new(void)
{
	struct archive *a = archive_read_new();
	if (!a)
		return NULL;
	if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_filter_bzip2(a) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(a) != ARCHIVE_OK) {
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
	if (n < 0 || crc_sha256_final(src->h, md, l->res->sha256))
		return crc_err(l->err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	l->res->size = src->size;
	return 0;
}

/* Lists from src (a file) or from data/size (memory). */
static int list_any(struct crc_archive_result *res, const char *name, struct source *src, const void *data,
		    size_t size, const struct crc_archive_limits *lim, struct crc_error *err)
{
	struct lister l = {name, lim ? lim : &default_limits, res, 0, 0, 0, NULL, err};
	struct archive *a = reader_new();
	int rc = 0;
	memset(res, 0, sizeof *res);
	if (!a) {
		rc = crc_err(err, CRC_EIO,
			     "cannot set up the archive reader (libarchive lacks built-in gzip, bzip2, xz or "
			     "zstd)");
		goto out;
	}
	if (!(l.buf = malloc(CHUNK))) {
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
		goto out;
	}
	int r = src ? archive_read_open(a, src, NULL, source_read, NULL)
		    : archive_read_open_memory(a, data, size);
	if (r != ARCHIVE_OK)
		rc = read_failed(&l, a, src);
	else
		rc = list_open(&l, a, src);
	if (!rc)
		rc = archive_digest(&l, src, data, size);
out:
	free(l.buf);
	if (a)
		archive_read_free(a);
	if (rc)
		crc_archive_result_free(res);
	return rc;
}

int crc_archive_list_fd(struct crc_archive_result *res, int fd, const char *name, struct crc_error *err)
{
	struct source src = {fd, NULL, NULL, 0, 0};
	struct stat st;
	int rc = 0;
	memset(res, 0, sizeof *res);
	if (fstat(fd, &st) != 0)
		rc = crc_err_os(err, "cannot stat", name, errno);
	else if (!S_ISREG(st.st_mode))
		rc = crc_err_at(err, CRC_EVERIFY, name, 0, 0, "not a regular file");
	else if (!(src.buf = malloc(CHUNK)))
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
	else if (!(src.h = crc_sha256_new()))
		rc = crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	else
		rc = list_any(res, name, &src, NULL, 0, NULL, err);
	crc_sha256_free(src.h);
	free(src.buf);
	return rc;
}

int crc_archive_list(struct crc_archive_result *res, const char *path, struct crc_error *err)
{
	memset(res, 0, sizeof *res);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return crc_err_os(err, "cannot open", path, errno);
	int rc = crc_archive_list_fd(res, fd, path, err);
	close(fd);
	return rc;
}

int crc_archive_list_memory(struct crc_archive_result *res, const void *data, size_t size,
			    struct crc_error *err)
{
	return list_any(res, NULL, NULL, data, size, NULL, err);
}

int crc_archive_list_memory_capped(struct crc_archive_result *res, const void *data, size_t size,
				   const struct crc_archive_limits *lim, struct crc_error *err)
{
	return list_any(res, NULL, NULL, data, size, lim, err);
}
