/* Deterministic archives of a directory tree, hashed while they are written; listings of archives read
 * back without extracting them; and extraction of untrusted archives into a directory, entry by entry
 * under the caller's checks. libarchive (struct archive *) stays inside archive.c; callers see the entries
 * below. The same tree and mtime always give the same bytes: entries sorted by path, owner 0:0 without
 * names, normalized modes, one fixed mtime, compression without timestamps or file names. */
#ifndef CRC_ARCHIVE_H
#define CRC_ARCHIVE_H

#include <stddef.h>

#include "crc/digest.h"
#include "crc/error.h"

enum crc_archive_format {
	/* ustar/pax tar compressed with zstd level 19 (no checksum, single thread). */
	CRC_ARCHIVE_TAR_ZST,
	/* ustar/pax tar compressed with gzip level 9 (no mtime, no file name). */
	CRC_ARCHIVE_TAR_GZ,
	/* zip, deflated, with Unix modes and libarchive's fixed extra fields ("UT": the mtime; "ux": owner
	 * 0:0): the package format AWS Lambda takes. Zip keeps DOS times in local time, so writing one
	 * needs the process's time zone to be UTC (TZ=UTC0); in another the writer refuses rather than
	 * vary. Written and listed, never extracted. */
	CRC_ARCHIVE_ZIP,
};

/* Caps on what an archive may hold, written and read alike (an archive we write always lists back). */
#define CRC_ARCHIVE_MAX_ENTRIES 100000
#define CRC_ARCHIVE_MAX_PATH 1024
#define CRC_ARCHIVE_MAX_ENTRY_SIZE (4ULL << 30)
#define CRC_ARCHIVE_MAX_TOTAL_SIZE (8ULL << 30)
/* A zip is listed from memory (its reader seeks): at most this many bytes of it (Lambda takes 50 MB). */
#define CRC_ARCHIVE_MAX_ZIP_SIZE ((size_t)256 << 20)

/* Room for a name from a tree or an archive in a message (crc_shown cuts longer ones with "..."). */
#define CRC_ARCHIVE_SHOWN_MAX 256

/* Why path is not a normalized relative path (one an archive entry may have once a leading "./" and a
 * trailing '/' are dropped), or NULL: "empty path", "absolute path", "path contains '..'" or "path not
 * normalized (empty or '.' component)". Length and bytes are the caller's to cap. */
const char *crc_archive_path_problem(const char *path);

/* Why a symlink at path (normalized, relative to the root) with this target is refused when writing,
 * listing and extracting, or NULL. The target must be relative and non-empty, and its ".." components
 * must all come first and never climb above the root: "../lib/x" is fine, "b/../x" is not, since b may
 * itself be a symlink and take ".." somewhere else. */
const char *crc_archive_link_problem(const char *path, const char *target);

/* "tar.zst", "tar.gz" or "zip"; "?" for a value outside the enum. */
const char *crc_archive_format_name(enum crc_archive_format f);
/* The format for "tar.zst", "tar.gz" or "zip", or -1 for anything else. */
int crc_archive_format_parse(const char *name);

struct crc_archive_entry {
	/* Relative, '/'-separated, no leading "./", directories without a trailing '/'. */
	char *path;
	/* 'f' regular file, 'd' directory, 'l' symlink. */
	char type;
	/* Written: normalized, 0755 for directories and files with any execute bit, 0644 other files, 0777
	 * symlinks. Listed: the archive's permission bits & 07777 as stored (setuid, setgid and sticky
	 * included, nothing normalized), so that a listing of what crc wrote gives the writer's modes and
	 * anything else shows. */
	unsigned mode;
	/* Bytes of content for files, 0 otherwise. */
	unsigned long long size;
	/* Files: lower-case hex SHA-256 of the content; "" otherwise. */
	char sha256[CRC_SHA256_HEX];
	/* Symlinks: the target (relative, never leaving the tree); NULL otherwise. */
	char *link;
};

/* What was written or listed; owned by the caller, freed with crc_archive_result_free. */
struct crc_archive_result {
	/* Bytes of the archive file and its SHA-256, computed while writing it or while listing it. */
	unsigned long long size;
	char sha256[CRC_SHA256_HEX];
	/* The entries, sorted by path (bytewise strcmp). */
	size_t nentries;
	struct crc_archive_entry *entries;
	/* When a listing was asked for it (crc_archive_read_options.stream_hash): the size and SHA-256 of the
	 * decompressed tar stream, from the same read (an OCI layer's diff_id); else 0 and "". */
	unsigned long long stream_size;
	char stream_sha256[CRC_SHA256_HEX];
};

/* Packs every directory, regular file and symlink under dir (recursively; dir itself is not an entry)
 * into a new file at out_path (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0644, fsync'ed), and fills res (which
 * need not be initialised) with the archive's size and SHA-256 and every entry with its content hash,
 * all from one pass over each file. Every entry gets mtime (0 <= mtime < 8^11). Refuses with
 * CRC_EINVALID device files, fifos, sockets, symlinks with an absolute target or one that leaves dir,
 * names or targets with bytes outside printable ASCII, paths over CRC_ARCHIVE_MAX_PATH bytes, more than
 * CRC_ARCHIVE_MAX_ENTRIES entries and files over the size caps; an existing out_path is CRC_EIO (EEXIST) and
 * left alone. On any failure nothing is left at out_path and res is empty. */
int crc_archive_write_tree(struct crc_archive_result *res, const char *out_path, const char *dir,
			   enum crc_archive_format fmt, long long mtime, struct crc_error *err);

/* The SHA-256 and size of the decompressed stream of the file at path (opened with O_NOFOLLOW), compressed
 * as fmt says (CRC_ARCHIVE_TAR_GZ or CRC_ARCHIVE_TAR_ZST; zip is CRC_EINVALID): the "diff_id" an OCI image
 * config gives each layer, the hash of its uncompressed tar. The stream is hashed as it is, whatever it
 * holds; a file that is not compressed that way, or is corrupt, is CRC_EVERIFY, and a stream over
 * CRC_ARCHIVE_MAX_STREAM_SIZE bytes is CRC_EINVALID. */
#define CRC_ARCHIVE_MAX_STREAM_SIZE (2 * CRC_ARCHIVE_MAX_TOTAL_SIZE)
int crc_archive_stream_sha256(char hex[CRC_SHA256_HEX], unsigned long long *size, const char *path,
			      enum crc_archive_format fmt, struct crc_error *err);

/* Frees what res holds and empties it. Accepts NULL and a zeroed result. */
void crc_archive_result_free(struct crc_archive_result *res);

/* Caps for reading an untrusted archive; crc_archive_list uses the CRC_ARCHIVE_MAX_* values. */
struct crc_archive_limits {
	size_t max_entries;
	size_t max_path;
	unsigned long long max_entry_size;
	/* Bytes of content over all entries. */
	unsigned long long max_total_size;
	/* Bytes of the archive file itself (0: no cap but the others): reading stops there, so that a file
	 * that is longer than its caller expects (or grows while it is read) is not read to its end. */
	unsigned long long max_archive_size;
	/* Appended to the messages of the caps above (NULL: nothing), saying where they come from: " (the
	 * most manifest.yaml lists)". */
	const char *origin;
};

/* Lists the archive at path (opened with O_NOFOLLOW) without extracting it: tar in its ustar, pax and GNU
 * forms, plain or compressed with gzip, bzip2, xz or zstd, or zip (read whole into memory, at most
 * CRC_ARCHIVE_MAX_ZIP_SIZE bytes, and listed from its central directory). Entry names are normalized as the
 * writer does (leading "./" and trailing '/' dropped, a "./" root entry skipped; modes are as stored), with
 * the SHA-256 of every file's content; res->size and res->sha256 are those of the whole archive file, from
 * the same single read. Anything the writer would not produce and that could hurt whoever extracts it is
 * CRC_EVERIFY with a message naming the entry: an absolute path, a ".." or empty component, a
 * duplicate, a device, fifo or socket, a hard link, a symlink with an absolute target or one that leaves
 * the archive, an entry below a symlink or a file, an unreadable or corrupt archive, and going over a
 * cap. A file that cannot be opened or read is an OS error. */
int crc_archive_list(struct crc_archive_result *res, const char *path, struct crc_error *err);

/* Like crc_archive_list, reading fd (borrowed; a regular file, read from its current offset to the end);
 * name stands for it in messages. */
int crc_archive_list_fd(struct crc_archive_result *res, int fd, const char *name, struct crc_error *err);

/* How crc_archive_list_fd_with reads. */
struct crc_archive_read_options {
	/* The format the archive must have (an enum crc_archive_format), or -1 for any that crc_archive_list
	 * reads. */
	int format;
	/* Caps (NULL: the CRC_ARCHIVE_MAX_* defaults). A deep check passes what the manifest says the
	 * archive holds, so that a hostile archive costs no more to refuse than the honest one to check. */
	const struct crc_archive_limits *limits;
	/* Also hash the decompressed stream (res->stream_sha256) in the same read: format must be tar.gz or
	 * tar.zst (else CRC_EINVALID). */
	int stream_hash;
};

/* Like crc_archive_list_fd, as o says (NULL: as crc_archive_list_fd). Going over limits->max_archive_size
 * is CRC_EVERIFY "archive longer than N bytes (not read past that)". */
int crc_archive_list_fd_with(struct crc_archive_result *res, int fd, const char *name,
			     const struct crc_archive_read_options *o, struct crc_error *err);

/* Like crc_archive_list, over size bytes in memory (borrowed for the call). */
int crc_archive_list_memory(struct crc_archive_result *res, const void *data, size_t size,
			    struct crc_error *err);

/* Like crc_archive_list_memory with explicit caps (NULL: the defaults); tests and the fuzz target use
 * smaller ones. */
int crc_archive_list_memory_capped(struct crc_archive_result *res, const void *data, size_t size,
				   const struct crc_archive_limits *lim, struct crc_error *err);

/* What an extraction asks its caller; each function may be NULL (accept everything). A nonzero return
 * stops the extraction with that code, the hook having filled err. e and its strings are borrowed for the
 * call. */
struct crc_archive_hooks {
	/* Before an entry is written: e has its normalized path, type, mode (the archive's permission bits
	 * & 07777, not normalized; 'l' entries included), size (a file's header size) and link; sha256 is "".
	 */
	int (*check)(void *ctx, const struct crc_archive_entry *e, struct crc_error *err);
	/* After the entry is on disk: a file's size and sha256 are those of the content written. Checks that
	 * need the content (its hash) go here; the file is written by then, and stays when this refuses. */
	int (*written)(void *ctx, const struct crc_archive_entry *e, struct crc_error *err);
	void *ctx;
};

/* Extracts the archive at path (opened with O_NOFOLLOW, tar compressed as fmt says, nothing else: zip is
 * CRC_EINVALID) into the
 * existing directory dest, which should be empty: a name that exists already is refused, except a
 * directory. The archive is read once: its bytes are hashed as they are read, every header passes the
 * listing's checks (an absolute path, a ".." or empty component, a hard link, a device, fifo or socket, a
 * symlink with an absolute target or one that leaves the tree, a control character in a path, a cap of
 * crc_archive_list's defaults: CRC_EVERIFY naming the entry), then hooks->check, then the checks against
 * the entries before it and dest (an entry below a symlink or a file is CRC_EVERIFY "entry 'a/x' lies below
 * 'a', which is a symlink"; a name taken, in the archive or in dest, "entry 'x': a file is there already"),
 * and only then is the entry written, through libarchive's disk writer in its secure mode (no "..", no
 * absolute name, never through a symlink, no name replaced: a symlink planted in dest is CRC_EVERIFY
 * "cannot extract 'a/x' into DEST: Cannot extract through symlink a/x"). The writer needs relative names,
 * so the function changes the process's working directory to dest while it runs and restores it on every
 * return: it must not run while other threads use relative paths. No owners, times, xattrs or ACLs are
 * set; files and directories get the archive's permission bits without setuid, setgid and sticky,
 * whatever the umask (directories at the end, after the writer's own fixups, so that a read-only one can
 * be filled; directories only implied by a path get 0755, at most CRC_ARCHIVE_MAX_ENTRIES of them). Nothing
 * is fsync'ed. On success res holds the archive's size and SHA-256, read to its end, and the entries
 * written, sorted by path, with modes as in hooks->check; a directory listed twice is CRC_EVERIFY
 * "duplicate entry 'x'" at the end. On failure res is empty and what was written stays in dest
 * (directories with mode 0700 and the umask's), for the caller to remove. A corrupt archive is CRC_EVERIFY
 * (path: the archive); a failure to write is CRC_EIO "cannot extract 'x' into DEST: " and libarchive's
 * message, with strerror's. */
int crc_archive_extract(struct crc_archive_result *res, const char *path, const char *dest,
			enum crc_archive_format fmt, const struct crc_archive_hooks *hooks,
			struct crc_error *err);

/* Like crc_archive_extract, reading fd (borrowed; a regular file, read from its current offset to the
 * end); name stands for it in messages. */
int crc_archive_extract_fd(struct crc_archive_result *res, int fd, const char *name, const char *dest,
			   enum crc_archive_format fmt, const struct crc_archive_hooks *hooks,
			   struct crc_error *err);

/* Like crc_archive_extract_fd, into the directory destfd (borrowed) instead of one named by a path, so that
 * a directory renamed or swapped meanwhile does not matter; dest names it in messages. */
int crc_archive_extract_at(struct crc_archive_result *res, int fd, const char *name, int destfd,
			   const char *dest, enum crc_archive_format fmt,
			   const struct crc_archive_hooks *hooks, struct crc_error *err);

#endif
