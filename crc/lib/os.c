/* Files (see crc/os.h): opening what crc does not trust, directory trees, exclusive new files, flock locks
 * and the atomic exchange of two directories (Linux renameat2). Processes are crc/proc.h's. */
#define _GNU_SOURCE /* syscall() for renameat2 */
#include "crc/os.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int crc_os_mkdirs(const char *dir, struct crc_error *err)
{
	char path[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof path)
		return crc_err(err, CRC_EINVALID, "bad directory name '%s'", dir);
	memcpy(path, dir, n + 1);
	for (char *q = path + 1;; q++) {
		if (*q != '/' && *q != '\0')
			continue;
		char c = *q;
		*q = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return crc_err_os(err, "cannot create directory", path, errno);
		*q = c;
		if (!c)
			break;
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return crc_err(err, CRC_EIO, "%s: not a directory", dir);
	return 0;
}

int crc_os_create_file(int *fd, const char *path, unsigned mode, enum crc_os_create how,
		       struct crc_error *err)
{
	int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (how == CRC_OS_TRUNCATE ? O_TRUNC : O_EXCL);
	*fd = open(path, flags, (mode_t)mode);
	if (*fd < 0) {
		int e = errno;
		int rc = crc_err_os(err, "cannot create", path, e);
		errno = e;
		return rc;
	}
	if (how == CRC_OS_NEW_EXACT && fchmod(*fd, (mode_t)mode) != 0) {
		int e = errno;
		close(*fd);
		*fd = -1;
		unlink(path);
		int rc = crc_err_os(err, "cannot set the mode of", path, e);
		errno = e;
		return rc;
	}
	return 0;
}

int crc_os_open_dir(int *fd, int dirfd, const char *path, int nofollow, struct crc_error *err)
{
	*fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	if (*fd < 0) {
		int e = errno;
		int rc = crc_err_os(err, "cannot open directory", path, e);
		errno = e;
		return rc;
	}
	return 0;
}

int crc_os_open_dir_beneath(int dirfd, const char *path, size_t len, const char **bad, size_t *bad_len)
{
	char comp[NAME_MAX + 1];
	*bad = NULL;
	*bad_len = 0;
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	for (size_t at = 0; fd >= 0 && at < len;) {
		size_t n = 0;
		while (at + n < len && path[at + n] != '/')
			n++;
		if (n > NAME_MAX) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, path + at, n);
		comp[n] = '\0';
		int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		struct stat st;
		if (next < 0 && (e == ENOTDIR || e == ELOOP) &&
		    fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
			*bad = crc_os_file_kind(st.st_mode);
			*bad_len = at + n;
		}
		close(fd);
		if (next < 0) {
			errno = e;
			return -1;
		}
		fd = next;
		at += n + 1;
	}
	return fd;
}

int crc_os_mkdir(const char *path, unsigned mode, int exist_ok, struct crc_error *err)
{
	struct stat st;
	if (mkdir(path, (mode_t)mode) == 0)
		return 0;
	int e = errno;
	if (e == EEXIST && exist_ok && lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return crc_err_os(err, "cannot create", path, e);
}

int crc_os_symlink(const char *target, const char *path, struct crc_error *err)
{
	if (symlink(target, path) != 0)
		return crc_err_os(err, "cannot create", path, errno);
	return 0;
}

int crc_os_rename(const char *from, const char *to, struct crc_error *err)
{
	if (rename(from, to) != 0) {
		int e = errno;
		char what[4200];
		snprintf(what, sizeof what, "cannot rename %.4000s to", from);
		int rc = crc_err_os(err, what, to, e);
		errno = e;
		return rc;
	}
	return 0;
}

int crc_os_replace_symlink(const char *dir, const char *name, const char *target, const char *tmp_prefix,
			   struct crc_error *err)
{
	char base[128], tmp[4096], path[4096];
	int w = snprintf(base, sizeof base, "%s%ld", tmp_prefix, (long)getpid());
	int rc = w < 0 || (size_t)w >= sizeof base
			 ? crc_err(err, CRC_EINVALID, "prefix too long: %s", tmp_prefix)
			 : 0;
	if (rc || (rc = crc_os_join(tmp, sizeof tmp, dir, base, err)) ||
	    (rc = crc_os_join(path, sizeof path, dir, name, err)))
		return rc;
	unlink(tmp);
	if (symlink(target, tmp) != 0)
		return crc_err_os(err, "cannot create", tmp, errno);
	if (rename(tmp, path) != 0) {
		rc = crc_err_os(err, "cannot replace", path, errno);
		unlink(tmp);
		return rc;
	}
	return crc_os_sync_dir(dir, err);
}

int crc_os_join(char *out, size_t size, const char *a, const char *b, struct crc_error *err)
{
	int w = snprintf(out, size, "%s/%s", a, b);
	if (w < 0 || (size_t)w >= size)
		return crc_err(err, CRC_EINVALID, "path too long: %.200s/%.200s", a, b);
	return 0;
}

int crc_os_write_all(int fd, const void *data, size_t n, const char *name, struct crc_error *err)
{
	const char *p = data;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/* A write of nothing (never for a file, in practice) would loop forever: the disk is
			 * full. */
			int e = w < 0 ? errno : ENOSPC;
			int rc = crc_err_os(err, "cannot write", name, e);
			errno = e; /* for a caller that passes it on */
			return rc;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int crc_os_replace_file(const char *dir, const char *name, const void *data, size_t n, unsigned mode,
			struct crc_error *err)
{
	char tmp[4096], path[4096], base[300];
	int w = snprintf(base, sizeof base, ".%s.XXXXXX", name);
	int rc = w < 0 || (size_t)w >= sizeof base ? crc_err(err, CRC_EINVALID, "name too long: %.200s", name)
						   : 0;
	if (rc || (rc = crc_os_join(tmp, sizeof tmp, dir, base, err)) ||
	    (rc = crc_os_join(path, sizeof path, dir, name, err)))
		return rc;
	int fd = mkstemp(tmp);
	if (fd < 0)
		return crc_err_os(err, "cannot create a temporary file in", dir, errno);
	if (fchmod(fd, (mode_t)mode) != 0)
		rc = crc_err_os(err, "cannot set the mode of", tmp, errno);
	if (!rc)
		rc = crc_os_write_all(fd, data, n, tmp, err);
	if (!rc && fsync(fd) != 0)
		rc = crc_err_os(err, "cannot write", tmp, errno);
	if (close(fd) != 0 && !rc)
		rc = crc_err_os(err, "cannot write", tmp, errno);
	if (!rc && rename(tmp, path) != 0)
		rc = crc_err_os(err, "cannot rename a temporary file to", path, errno);
	if (rc) {
		unlink(tmp);
		return rc;
	}
	return crc_os_sync_dir(dir, err);
}

/* One walk: the caller's walker, the path of the directory being read, and the entries met. */
struct walk {
	const struct crc_os_walker *w;
	const char *shown;
	struct crc_buf path;
	size_t entries, max_depth, max_entries;
	struct crc_error *err;
};

static int walk_dir(struct walk *k, int fd, size_t depth);

/* Enters (and for a directory, walks and leaves) the entry name of the directory fd. */
static int walk_entry(struct walk *k, int fd, const char *name, size_t depth)
{
	char sh[CRC_SHOWN_MAX];
	struct stat st, dst;
	size_t at = k->path.len;
	if (at)
		crc_buf_putc(&k->path, '/');
	crc_buf_puts(&k->path, name);
	if (crc_buf_error(&k->path))
		return crc_err(k->err, CRC_ENOMEM, "out of memory");
	const char *path = crc_buf_str(&k->path);
	if (++k->entries > k->max_entries)
		return crc_err(k->err, CRC_EINVALID, "%s: more than %zu entries", k->shown, k->max_entries);
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return crc_err(k->err, errno == ENOMEM ? CRC_ENOMEM : CRC_EIO, "cannot stat %s/%s: %s",
			       k->shown, crc_shown(sh, sizeof sh, path), strerror(errno));
	struct crc_os_walk_entry e = {path, name, fd, -1, &st, depth};
	int rc = k->w->enter(k->w->ctx, &e, k->err);
	if (rc < 0 || rc == CRC_OS_WALK_STOP || rc == CRC_OS_WALK_SKIP || !S_ISDIR(st.st_mode))
		goto out;
	if (depth >= k->max_depth) {
		rc = crc_err(k->err, CRC_EINVALID, "%s/%s: nested deeper than %zu levels", k->shown,
			     crc_shown(sh, sizeof sh, path), k->max_depth);
		goto out;
	}
	int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0) {
		rc = crc_err(k->err, errno == ELOOP || errno == ENOTDIR ? CRC_EVERIFY : CRC_EIO,
			     "cannot open %s/%s: %s", k->shown, crc_shown(sh, sizeof sh, path),
			     strerror(errno));
		goto out;
	}
	if (fstat(sub, &dst) != 0 || dst.st_dev != st.st_dev || dst.st_ino != st.st_ino)
		rc = crc_err(k->err, CRC_EVERIFY, "%s/%s: replaced while it was read", k->shown,
			     crc_shown(sh, sizeof sh, path));
	if (!rc)
		rc = walk_dir(k, sub, depth + 1);
	if (rc >= 0 && rc != CRC_OS_WALK_STOP && k->w->leave) {
		/* The path of this directory again: walk_dir left it as it found it. */
		e.path = crc_buf_str(&k->path);
		e.fd = sub;
		rc = k->w->leave(k->w->ctx, &e, k->err);
	}
	close(sub);
out:
	crc_buf_truncate(&k->path, at);
	return rc == CRC_OS_WALK_SKIP ? 0 : rc;
}

/* Walks the entries of the directory fd (the one at k->path), in name order. */
static int walk_dir(struct walk *k, int fd, size_t depth)
{
	char **names;
	size_t n;
	int rc = crc_os_list_dir(&names, &n, fd, "", k->shown, k->err);
	for (size_t i = 0; !rc && i < n; i++)
		rc = walk_entry(k, fd, names[i], depth);
	crc_os_names_free(names, n);
	return rc;
}

int crc_os_walk(int rootfd, const char *shown, const struct crc_os_walker *w, struct crc_error *err)
{
	struct walk k = {w,
			 shown,
			 {NULL, 0, 0, 0},
			 0,
			 w->max_depth ? w->max_depth : CRC_OS_WALK_MAX_DEPTH,
			 w->max_entries ? w->max_entries : CRC_OS_WALK_MAX_ENTRIES,
			 err};
	int rc = walk_dir(&k, rootfd, 1);
	crc_buf_free(&k.path);
	return rc == CRC_OS_WALK_STOP ? 0 : rc;
}
/* The tree crc_os_remove_tree removes, for messages. */
struct removal {
	const char *root;
};

/* Removes what the walk meets: files and links as it enters them, directories as it leaves them. */
static int remove_entry(void *ctx, const struct crc_os_walk_entry *e, struct crc_error *err)
{
	const char *root = ((const struct removal *)ctx)->root;
	char sh[CRC_SHOWN_MAX];
	int dir = S_ISDIR(e->st->st_mode);
	if (e->fd < 0 && dir)
		return CRC_OS_WALK_NEXT; /* entered: its entries first */
	if (unlinkat(e->parentfd, e->name, dir ? AT_REMOVEDIR : 0) != 0 && errno != ENOENT)
		return crc_err(err, errno == ENOMEM ? CRC_ENOMEM : CRC_EIO, "cannot remove %s/%s: %s", root,
			       crc_shown(sh, sizeof sh, e->path), strerror(errno));
	return CRC_OS_WALK_NEXT;
}

int crc_os_remove_tree(const char *path, struct crc_error *err)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : crc_err_os(err, "cannot stat", path, errno);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) != 0 && errno != ENOENT)
			return crc_err_os(err, "cannot remove", path, errno);
		return 0;
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return crc_err_os(err, "cannot list", path, errno);
	struct removal r = {path};
	const struct crc_os_walker w = {remove_entry, remove_entry, &r, 1024, 0};
	int rc = crc_os_walk(fd, path, &w, err);
	close(fd);
	if (!rc && rmdir(path) != 0 && errno != ENOENT)
		rc = crc_err_os(err, "cannot remove", path, errno);
	return rc;
}

int crc_os_write_file(const char *path, const void *data, size_t n, unsigned mode, struct crc_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return crc_err_os(err, "cannot create", path, errno);
	const char *p = data;
	int rc = 0;
	while (n > 0 && !rc) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			rc = crc_err_os(err, "cannot write", path, errno);
		else
			p += w, n -= (size_t)w;
	}
	if (!rc && fsync(fd) != 0)
		rc = crc_err_os(err, "cannot write", path, errno);
	if (close(fd) != 0 && !rc)
		rc = crc_err_os(err, "cannot write", path, errno);
	if (rc)
		unlink(path);
	return rc;
}

int crc_os_read_fd(struct crc_buf *out, int fd, const char *name, size_t max, struct crc_error *err)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return crc_err(err, CRC_EINVALID, "%s: not a regular file", name);
	char buf[65536];
	int rc = 0;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = crc_err_os(err, "cannot read", name, errno);
			break;
		}
		if (r == 0)
			break;
		if (out->len + (size_t)r > max) {
			rc = crc_err(err, CRC_EINVALID, "%s: larger than %zu bytes", name, max);
			break;
		}
		crc_buf_add(out, buf, (size_t)r);
	}
	if (!rc && crc_buf_error(out))
		rc = crc_err(err, CRC_ENOMEM, "out of memory reading %s", name);
	return rc;
}

const char *crc_os_file_kind(mode_t mode)
{
	return S_ISLNK(mode)    ? "a symlink"
	       : S_ISDIR(mode)  ? "a directory"
	       : S_ISFIFO(mode) ? "a fifo"
	       : S_ISSOCK(mode) ? "a socket"
	       : S_ISCHR(mode)  ? "a character device"
	       : S_ISBLK(mode)  ? "a block device"
	       : S_ISREG(mode)  ? "a file"
				: "of an unknown type";
}

int crc_os_open_regular(int *fd, struct stat *st, int dirfd, const char *path, const char *shown,
			struct crc_error *err)
{
	struct stat own;
	if (!st)
		st = &own;
	if (!shown)
		shown = path;
	*fd = -1;
	/* Looked at first, so that a FIFO or device is never opened (opening some devices does something). */
	if (fstatat(dirfd, path, st, AT_SYMLINK_NOFOLLOW) != 0)
		return crc_err_os(err, "cannot open", shown, errno);
	if (!S_ISREG(st->st_mode))
		return crc_err_at(err, CRC_EINVALID, shown, 0, 0, "is %s, not a regular file",
				  crc_os_file_kind(st->st_mode));
	int f = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (f < 0 && errno == ELOOP) {
		st->st_mode = S_IFLNK | 0777;
		return crc_err_at(err, CRC_EINVALID, shown, 0, 0, "is %s, not a regular file",
				  crc_os_file_kind(st->st_mode));
	}
	if (f < 0)
		return crc_err_os(err, "cannot open", shown, errno);
	/* What was opened may have been swapped in after the look: this descriptor is what counts. */
	if (fstat(f, st) != 0) {
		int e = errno;
		close(f);
		return crc_err_os(err, "cannot stat", shown, e);
	}
	if (!S_ISREG(st->st_mode)) {
		close(f);
		return crc_err_at(err, CRC_EINVALID, shown, 0, 0, "is %s, not a regular file",
				  crc_os_file_kind(st->st_mode));
	}
	*fd = f;
	return 0;
}

int crc_os_read_file(struct crc_buf *out, const char *path, size_t max, struct crc_error *err)
{
	int fd;
	int rc = crc_os_open_regular(&fd, NULL, AT_FDCWD, path, NULL, err);
	if (rc)
		return rc;
	rc = crc_os_read_fd(out, fd, path, max, err);
	close(fd);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int crc_os_list_dir(char ***names, size_t *n, int dirfd, const char *rel, const char *shown_dir,
		    struct crc_error *err)
{
	char sh[CRC_SHOWN_MAX];
	size_t cap = 0;
	*names = NULL;
	*n = 0;
	int fd = openat(dirfd, rel[0] ? rel : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return crc_err(err,
			       e == ENOMEM   ? CRC_ENOMEM
			       : e == ENOENT ? CRC_ENOTFOUND
					     : CRC_EIO,
			       "cannot read directory %s%s%s: %s", shown_dir ? shown_dir : "",
			       shown_dir && rel[0] ? "/" : "", crc_shown(sh, sizeof sh, rel), strerror(e));
	}
	int rc = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				rc = crc_err(err, CRC_EIO, "cannot read directory %s%s%s: %s",
					     shown_dir ? shown_dir : "", shown_dir && rel[0] ? "/" : "",
					     crc_shown(sh, sizeof sh, rel), strerror(errno));
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (*n >= CRC_OS_LIST_MAX) {
			rc = crc_err(err, CRC_EINVALID, "%s%s%s: more than %d names",
				     shown_dir ? shown_dir : "", shown_dir && rel[0] ? "/" : "",
				     crc_shown(sh, sizeof sh, rel), CRC_OS_LIST_MAX);
			break;
		}
		char **v = crc_grow(*names, &cap, *n + 1, sizeof *v);
		if (!v) {
			rc = crc_err(err, CRC_ENOMEM, "out of memory");
			break;
		}
		*names = v;
		if (!((*names)[*n] = strdup(de->d_name))) {
			rc = crc_err(err, CRC_ENOMEM, "out of memory");
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (rc) {
		crc_os_names_free(*names, *n);
		*names = NULL;
		*n = 0;
	} else if (*n > 1) {
		qsort(*names, *n, sizeof **names, by_name);
	}
	return rc;
}

int crc_os_list_path(char ***names, size_t *n, const char *path, struct crc_error *err)
{
	*names = NULL;
	*n = 0;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return crc_err_os(err, "cannot list", path, errno);
	int rc = crc_os_list_dir(names, n, fd, "", path, err);
	close(fd);
	return rc;
}

void crc_os_names_free(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

int crc_os_sync_dir(const char *dir, struct crc_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return crc_err_os(err, "cannot open", dir, errno);
	int rc = fsync(fd) != 0 && errno != EINVAL ? crc_err_os(err, "cannot sync", dir, errno) : 0;
	close(fd);
	return rc;
}

int crc_os_lock(int *fd, const char *path, void (*busy)(void *ctx), void *ctx, struct crc_error *err)
{
	/* Not close-on-exec: the programs a build runs inherit the descriptor, and with it the flock, so a
	 * crc that was killed still holds the lock through its orphans until the last of them exits. */
	struct stat st;
	/* Anything but a regular file there is refused before it is opened (a socket cannot be, a device
	 * should not be). */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return crc_err_at(err, CRC_EINVALID, path, 0, 0,
				  "lock file is %s, not a regular file (move it away)",
				  crc_os_file_kind(st.st_mode));
	int f = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0644);
	if (f < 0 && errno == ELOOP)
		return crc_err_at(err, CRC_EINVALID, path, 0, 0,
				  "lock file is a symlink, not a regular file (move it away)");
	if (f < 0)
		return crc_err_os(err, "cannot open lock file", path, errno);
	if (fstat(f, &st) != 0) {
		int e = errno;
		close(f);
		return crc_err_os(err, "cannot stat lock file", path, e);
	}
	if (!S_ISREG(st.st_mode)) {
		close(f);
		return crc_err_at(err, CRC_EINVALID, path, 0, 0,
				  "lock file is %s, not a regular file (move it away)",
				  crc_os_file_kind(st.st_mode));
	}
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK) {
			int e = errno;
			close(f);
			return crc_err_os(err, "cannot lock", path, e);
		}
		if (busy)
			busy(ctx);
		while (flock(f, LOCK_EX) != 0)
			if (errno != EINTR) {
				int e = errno;
				close(f);
				return crc_err_os(err, "cannot lock", path, e);
			}
	}
	*fd = f;
	return 0;
}

void crc_os_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int crc_os_exchange(const char *a, const char *b, struct crc_error *err)
{
#ifdef SYS_renameat2
	if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */) == 0)
		return 0;
	return crc_err_os(err, "cannot exchange", b, errno);
#else
	(void)a;
	return crc_err(err, CRC_EIO, "cannot exchange %s: renameat2 is not available", b);
#endif
}
