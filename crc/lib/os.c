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

int crc_os_remove_tree(const char *path, struct crc_error *err)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : crc_err_os(err, "cannot stat", path, errno);
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (!d)
			return crc_err_os(err, "cannot list", path, errno);
		int rc = 0;
		for (struct dirent *e; !rc && (e = readdir(d)) != NULL;) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char sub[4096];
			int w = snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			rc = w < 0 || (size_t)w >= sizeof sub
				     ? crc_err(err, CRC_EINVALID, "path too long: %s", path)
				     : crc_os_remove_tree(sub, err);
		}
		closedir(d);
		if (rc)
			return rc;
		if (rmdir(path) != 0)
			return crc_err_os(err, "cannot remove", path, errno);
		return 0;
	}
	if (unlink(path) != 0 && errno != ENOENT)
		return crc_err_os(err, "cannot remove", path, errno);
	return 0;
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
		return crc_err(err, e == ENOMEM ? CRC_ENOMEM : CRC_EIO, "cannot read directory %s/%s: %s",
			       shown_dir, crc_shown(sh, sizeof sh, rel), strerror(e));
	}
	int rc = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				rc = crc_err(err, CRC_EIO, "cannot read directory %s/%s: %s", shown_dir,
					     crc_shown(sh, sizeof sh, rel), strerror(errno));
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (*n == cap) {
			size_t c = cap ? cap * 2 : 16;
			char **v = c < ((size_t)-1) / sizeof *v ? realloc(*names, c * sizeof *v) : NULL;
			if (!v) {
				rc = crc_err(err, CRC_ENOMEM, "out of memory");
				break;
			}
			*names = v;
			cap = c;
		}
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
