/* Deterministic archives of a directory tree, hashed while they are written, and listings of archives
 * read back without extracting them. libarchive (struct archive *) stays inside archive.c; callers see the
 * entries below. The same tree and mtime always give the same bytes: entries sorted by path, owner 0:0
 * without names, normalized modes, one fixed mtime, compression without timestamps or file names. */
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
};

/* Caps on what an archive may hold, written and read alike (an archive we write always lists back). */
#define CRC_ARCHIVE_MAX_ENTRIES 100000
#define CRC_ARCHIVE_MAX_PATH 1024
#define CRC_ARCHIVE_MAX_ENTRY_SIZE (4ULL << 30)
#define CRC_ARCHIVE_MAX_TOTAL_SIZE (8ULL << 30)

/* "tar.zst" or "tar.gz"; "?" for a value outside the enum. */
const char *crc_archive_format_name(enum crc_archive_format f);
/* The format for "tar.zst" or "tar.gz", or -1 for anything else. */
int crc_archive_format_parse(const char *name);

struct crc_archive_entry {
	/* Relative, '/'-separated, no leading "./", directories without a trailing '/'. */
	char *path;
	/* 'f' regular file, 'd' directory, 'l' symlink. */
	char type;
	/* Normalized: 0755 for directories and files with any execute bit, 0644 other files, 0777 symlinks.
	 */
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

/* Frees what res holds and empties it. Accepts NULL and a zeroed result. */
void crc_archive_result_free(struct crc_archive_result *res);

/* Caps for reading an untrusted archive; crc_archive_list uses the CRC_ARCHIVE_MAX_* values. */
struct crc_archive_limits {
	size_t max_entries;
	size_t max_path;
	unsigned long long max_entry_size;
	/* Bytes of content over all entries. */
	unsigned long long max_total_size;
};

/* Lists the archive at path (opened with O_NOFOLLOW) without extracting it: tar in its ustar, pax and GNU
 * forms, plain or compressed with gzip, bzip2, xz or zstd. Entries are normalized as the writer does
 * (leading "./" and trailing '/' dropped, a "./" root entry skipped, modes normalized), with the SHA-256
 * of every file's content; res->size and res->sha256 are those of the whole archive file, from the same
 * single read. Anything the writer would not produce and that could hurt whoever extracts it is
 * CRC_EVERIFY with a message naming the entry: an absolute path, a ".." or empty component, a
 * duplicate, a device, fifo or socket, a hard link, a symlink with an absolute target or one that leaves
 * the archive, an entry below a symlink or a file, an unreadable or corrupt archive, and going over a
 * cap. A file that cannot be opened or read is an OS error. */
int crc_archive_list(struct crc_archive_result *res, const char *path, struct crc_error *err);

/* Like crc_archive_list, reading fd (borrowed; a regular file, read from its current offset to the end);
 * name stands for it in messages. */
int crc_archive_list_fd(struct crc_archive_result *res, int fd, const char *name, struct crc_error *err);

/* Like crc_archive_list, over size bytes in memory (borrowed for the call). */
int crc_archive_list_memory(struct crc_archive_result *res, const void *data, size_t size,
			    struct crc_error *err);

/* Like crc_archive_list_memory with explicit caps (NULL: the defaults); tests and the fuzz target use
 * smaller ones. */
int crc_archive_list_memory_capped(struct crc_archive_result *res, const void *data, size_t size,
				   const struct crc_archive_limits *lim, struct crc_error *err);

#endif
