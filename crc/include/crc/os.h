/* The one place crc's core touches the file system beyond reading: opening untrusted files, writing files
 * atomically, trees, locks. Processes are crc/proc.h's. Planning and resolution stay pure and call into
 * here only through the modules that must. */
#ifndef CRC_OS_H
#define CRC_OS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "crc/buf.h"
#include "crc/error.h"

/* How crc_os_create_file creates a file. */
enum crc_os_create {
	/* A new file (O_EXCL): one that exists is CRC_EIO "cannot create PATH: File exists". */
	CRC_OS_NEW,
	/* A new file with exactly the mode asked for (set on the descriptor before anything is written,
	 * whatever the umask): a private key must never be readable by others, even briefly. */
	CRC_OS_NEW_EXACT,
	/* A new file, or an existing one truncated (a log written again). */
	CRC_OS_TRUNCATE,
};

/* Opens path for writing as how says, never through a symlink at its last component (O_NOFOLLOW), with
 * mode for a file it creates; *fd is the descriptor, to close. On failure errno is left as the failing call
 * set it (a caller may tell EEXIST apart). */
int crc_os_create_file(int *fd, const char *path, unsigned mode, enum crc_os_create how,
		       struct crc_error *err);

/* Opens the directory path (relative to dirfd, or AT_FDCWD) for reading it or working below it; with
 * nofollow, not through a symlink at its last component. A missing one is CRC_ENOTFOUND; on failure errno
 * is left as openat(2) set it. */
int crc_os_open_dir(int *fd, int dirfd, const char *path, int nofollow, struct crc_error *err);

/* Opens the directory at the first len bytes of path (relative to dirfd; len 0: dirfd itself, duplicated)
 * one component at a time, never through a symlink, as openat2's RESOLVE_NO_SYMLINKS would. Returns a
 * descriptor to close, or -1 with errno; when a component is there but is no directory, *bad is what it is
 * (crc_os_file_kind) and *bad_len the length of path up to its end, else *bad is NULL. */
int crc_os_open_dir_beneath(int dirfd, const char *path, size_t len, const char **bad, size_t *bad_len);

/* Creates the directory path with mode (less the umask); with exist_ok, a directory there already is fine
 * (it is left as it is). Errors are "cannot create PATH: ...". */
int crc_os_mkdir(const char *path, unsigned mode, int exist_ok, struct crc_error *err);

/* Creates the symlink path pointing at target (not checked: callers check what it points at). */
int crc_os_symlink(const char *target, const char *path, struct crc_error *err);

/* Renames from to to (rename(2): atomic, replacing to): "cannot rename FROM to TO: ...", errno as rename
 * left it. */
int crc_os_rename(const char *from, const char *to, struct crc_error *err);

/* Points the symlink dir/name at target in one step: a new symlink (dir/.<name>-<pid>) renamed over it,
 * then dir fsync'ed; on failure dir/name is as it was and the new link is removed. tmp_prefix names the
 * temporary link's prefix (so that a caller cleaning up after killed runs knows it). */
int crc_os_replace_symlink(const char *dir, const char *name, const char *target, const char *tmp_prefix,
			   struct crc_error *err);

/* Joins a and b with '/' into out (size bytes); CRC_EINVALID "path too long: a/b" when it does not fit. */
int crc_os_join(char *out, size_t size, const char *a, const char *b, struct crc_error *err);

/* Writes all n bytes at data to fd (short writes and EINTR retried); name names fd in errors. */
int crc_os_write_all(int fd, const void *data, size_t n, const char *name, struct crc_error *err);

/* Replaces dir/name with n bytes atomically: a new temporary file in dir (".<name>.XXXXXX", mode exactly
 * mode whatever the umask), written, fsync'ed, renamed over dir/name, then dir fsync'ed. On failure the
 * temporary file is removed and dir/name is as it was. */
int crc_os_replace_file(const char *dir, const char *name, const void *data, size_t n, unsigned mode,
			struct crc_error *err);

/* What crc_os_walk says about each entry of a tree. */
struct crc_os_walk_entry {
	/* Relative to the walk's root, '/'-separated, and its last component. */
	const char *path, *name;
	/* The directory that holds it (borrowed for the call: for openat, readlinkat, unlinkat). */
	int parentfd;
	/* In leave: the directory itself, open (borrowed); -1 in enter. */
	int fd;
	/* Its lstat, taken through parentfd. */
	const struct stat *st;
	/* 1 for the root's own entries. */
	size_t depth;
};

/* What enter returns besides an error code: go on (into a directory too), do not descend into this
 * directory, or stop the walk (crc_os_walk then returns 0). */
enum { CRC_OS_WALK_NEXT = 0, CRC_OS_WALK_SKIP = 1, CRC_OS_WALK_STOP = 2 };

struct crc_os_walker {
	/* Called for every entry, a directory before its entries. */
	int (*enter)(void *ctx, const struct crc_os_walk_entry *e, struct crc_error *err);
	/* Called for every directory entered, after its entries (may be NULL): to sync or remove it. */
	int (*leave)(void *ctx, const struct crc_os_walk_entry *e, struct crc_error *err);
	void *ctx;
	/* Caps: levels of directories below the root, and entries in all (0: CRC_OS_WALK_MAX_*). */
	size_t max_depth, max_entries;
};
#define CRC_OS_WALK_MAX_DEPTH 64
#define CRC_OS_WALK_MAX_ENTRIES 1000000

/* Walks the tree below the directory rootfd (borrowed; shown names it in messages): each directory's
 * names sorted bytewise, each entry lstat'ed through its parent's descriptor and each directory opened
 * relative to its parent with O_NOFOLLOW (and checked to be the one lstat'ed), so that no symlink is ever
 * followed, whatever is swapped in meanwhile. Returns 0, the first error code enter or leave returns, or
 * CRC_EINVALID for going over a cap, CRC_EVERIFY for a directory replaced while walked, CRC_EIO. */
int crc_os_walk(int rootfd, const char *shown, const struct crc_os_walker *w, struct crc_error *err);

/* Creates dir and its missing parents (mode 0755). */
int crc_os_mkdirs(const char *dir, struct crc_error *err);

/* Removes path and everything under it, without following symlinks; a missing path is fine. */
int crc_os_remove_tree(const char *path, struct crc_error *err);

/* Writes a new file (O_EXCL, O_NOFOLLOW) with mode, fsync'ed; on failure nothing is left at path. */
int crc_os_write_file(const char *path, const void *data, size_t n, unsigned mode, struct crc_error *err);

/* What a file of this mode is, for messages: "a symlink", "a directory", "a fifo", "a socket", "a
 * character device", "a block device", "a file" or "of an unknown type". */
const char *crc_os_file_kind(mode_t mode);

/* Opens path (relative to dirfd, or to the working directory with AT_FDCWD) for reading a file crc does
 * not trust: not through a symlink at its last component (O_NOFOLLOW), never blocking (O_NONBLOCK, so that
 * a FIFO or a device planted there cannot hang the open or a read), and only when fstat on that same
 * descriptor says it is a regular file (a FIFO or device is also refused before it is opened, so that
 * opening it has no effect). *fd is the descriptor, to close; *st (may be NULL) its fstat. A missing file is
 * CRC_ENOTFOUND ("cannot open PATH: ..."); a symlink, directory, FIFO, socket or device is CRC_EINVALID
 * "PATH: is a fifo, not a regular file"; other failures CRC_EIO. shown names path in messages (NULL:
 * path itself). */
int crc_os_open_regular(int *fd, struct stat *st, int dirfd, const char *path, const char *shown,
			struct crc_error *err);

/* Reads a regular file (crc_os_open_regular) of at most max bytes into out. A missing file is
 * CRC_ENOTFOUND, anything but a regular file CRC_EINVALID. */
int crc_os_read_file(struct crc_buf *out, const char *path, size_t max, struct crc_error *err);

/* Like crc_os_read_file, from fd (borrowed; it must be a regular file); name stands for it in messages. */
int crc_os_read_fd(struct crc_buf *out, int fd, const char *name, size_t max, struct crc_error *err);

/* The names in the directory rel below the directory dirfd ("" for dirfd itself), opened without following
 * a symlink, without "." and "..", sorted bytewise; at most CRC_OS_LIST_MAX of them (more is CRC_EINVALID).
 * *names and each name are malloc'ed (crc_os_names_free). Errors say "cannot read directory
 * <shown_dir>/<rel>" (rel escaped as crc_shown does; shown_dir NULL: rel alone, for a path relative to the
 * working directory or absolute with dirfd AT_FDCWD): CRC_ENOTFOUND when it does not exist. */
#define CRC_OS_LIST_MAX 1000000
int crc_os_list_dir(char ***names, size_t *n, int dirfd, const char *rel, const char *shown_dir,
		    struct crc_error *err);

/* crc_os_list_dir of the directory at path, a directory the user names (profiles/, the storage): followed
 * through a symlink. A missing one is CRC_ENOTFOUND "cannot list PATH: No such file or directory". */
int crc_os_list_path(char ***names, size_t *n, const char *path, struct crc_error *err);

/* Frees what crc_os_list_dir returned. Accepts NULL. */
void crc_os_names_free(char **names, size_t n);

/* fsync()s a directory, so that the names created or renamed in it are on disk. */
int crc_os_sync_dir(const char *dir, struct crc_error *err);

/* Takes an exclusive flock on the file at path (created with mode 0644 if missing; opened without following
 * a symlink and without blocking, and refused with CRC_EINVALID unless it is a regular file), waiting for
 * it; *fd
 * holds it until crc_os_unlock. The descriptor is inherited by programs started later, which hold the
 * lock with it until they exit. When another process holds it, busy(ctx) is called (if not NULL) before
 * waiting, so that the caller can say that it waits. */
int crc_os_lock(int *fd, const char *path, void (*busy)(void *ctx), void *ctx, struct crc_error *err);
void crc_os_unlock(int fd);

/* Atomically swaps the directories at a and b (renameat2 RENAME_EXCHANGE); CRC_EIO when the file system
 * cannot. */
int crc_os_exchange(const char *a, const char *b, struct crc_error *err);

#endif
