/* Extracting archives (see crc/archive.h): the reading of archive_read.c, each entry asked about through
 * the caller's hooks, checked against the entries before it (an index of every path and implied
 * directory) and written through libarchive's disk writer in its secure mode, from inside the destination
 * as bsdtar -C does; the directories' own modes are set at the end. */
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

/* The error for a failed write under the destination. */
int arc_disk_failed(struct lister *l, const char *path, int errnum)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	return crc_err(l->err, errnum == ENOMEM ? CRC_ENOMEM : CRC_EIO, "cannot extract '%s' into %s: %s",
		       crc_shown(sh, sizeof sh, path), l->dest, strerror(errnum));
}

/* The error for a failed write by libarchive's disk writer under the destination, naming the entry (NULL:
 * the end of the extraction). A refusal of its own (no errno: writing through a symlink, say) is
 * CRC_EVERIFY. */
int arc_disk_refused(struct lister *l, const char *path)
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
			return arc_bad(l, "entry '%s' lies below '%s', which is %s",
				       crc_shown(sh, sizeof sh, e->path), crc_shown(sp, sizeof sp, parent),
				       node_kind(n->type));
		}
		if (++l->implied > l->lim->max_entries)
			return arc_bad(l, "more than %zu directories implied by the entries' paths",
				       l->lim->max_entries);
		if ((rc = index_add(l, e->path, at, 'i')) != 0)
			return rc;
	}
	if ((n = index_find(l, e->path, len)) != NULL) {
		if (e->type == 'd' && (n->type == 'd' || n->type == 'i')) {
			n->type = 'd';
			return 0;
		}
		return arc_bad(l, "entry '%s': %s is there already", crc_shown(sh, sizeof sh, e->path),
			       node_kind(n->type));
	}
	/* The disk writer would skip a name that exists (ARCHIVE_EXTRACT_NO_OVERWRITE), silently. */
	struct stat st;
	if (fstatat(l->destfd, e->path, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (e->type != 'd' || !S_ISDIR(st.st_mode))
			return arc_bad(l, "entry '%s': %s is there already",
				       crc_shown(sh, sizeof sh, e->path), crc_os_file_kind(st.st_mode));
	} else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP) {
		return arc_disk_failed(l, e->path, errno);
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
		return arc_disk_refused(l, e->path);
	int rc = e->type == 'f' ? arc_read_data(l, a, src, ae, e) : 0;
	if (!rc && archive_write_finish_entry(l->disk) != ARCHIVE_OK)
		rc = arc_disk_refused(l, e->path);
	return rc;
}

/* Checks one header (ours, then the caller's), writes its entry and records it. */
static int extract_entry(struct lister *l, struct archive *a, const struct source *src,
			 struct archive_entry *ae)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	const struct crc_archive_hooks *k = l->hooks;
	struct header h;
	int rc = arc_read_header(l, ae, &h);
	if (rc || !h.type)
		return rc;
	for (const char *p = h.path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return arc_bad(l, "entry '%s': path holds a control character",
				       crc_shown(sh, sizeof sh, h.path));
	if (h.type == 'f' && (!archive_entry_size_is_set(ae) || archive_entry_size(ae) < 0))
		return arc_bad(l, "entry '%s': size cannot be read", crc_shown(sh, sizeof sh, h.path));
	struct crc_archive_entry *e = arc_add_entry(l->res, &l->cap);
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
		return arc_bad(l, "directory '%s': '%s' is %s", crc_shown(sh, sizeof sh, path),
			       crc_shown(sp, sizeof sp, q), kind);
	}
	if (fd < 0)
		return arc_disk_failed(l, p, errno);
	int rc = fchmod(fd, mode) != 0 ? arc_disk_failed(l, p, errno) : 0;
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
			return arc_bad(l, "duplicate entry '%s'",
				       crc_shown(sh, sizeof sh, res->entries[i].path));
	if (archive_write_close(l->disk) != ARCHIVE_OK)
		return arc_disk_refused(l, NULL);
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
			   .lim = &arc_default_limits,
			   .res = res,
			   .err = err,
			   .dest = dest,
			   .destfd = -1,
			   .hooks = hooks,
			   .entry = extract_entry,
			   .finish = extract_finish};
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
		rc = arc_disk_refused(&l, NULL);
		goto out;
	}
	/* The writer refuses absolute names, so it works from inside dest, as bsdtar -C does. */
	if (fchdir(l.destfd) != 0) {
		rc = crc_err_os(err, "cannot change into", dest, errno);
		goto out;
	}
	moved = 1;
	rc = arc_read_fd(&l, fd, (int)fmt, 0);
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
