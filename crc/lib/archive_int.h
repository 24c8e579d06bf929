/* What the files of the archive module share (archive.c: formats, results, the path rules; archive_write.c;
 * archive_read.c: reading and listing; archive_extract.c): the reading's input and state, and the
 * functions one file calls in another. Not a public header: crc/archive.h is the module's interface. */
#ifndef CRC_ARCHIVE_INT_H
#define CRC_ARCHIVE_INT_H

#include <archive.h>
#include <archive_entry.h>
#include <stddef.h>

#include "crc/archive.h"
#include "crc/buf.h"
#include "crc/digest.h"

/* Bytes moved per read() or archive_read_data(). */
#define ARC_CHUNK ((size_t)1 << 17)

/* The caps when the caller gives none. */
extern const struct crc_archive_limits arc_default_limits;

struct node;

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
	/* What each entry and the end of the reading do: listing's when NULL (archive_read.c), extraction's
	 * when it sets them (archive_extract.c). */
	int (*entry)(struct lister *l, struct archive *a, const struct source *src, struct archive_entry *ae);
	int (*finish)(struct lister *l);
};

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

/* Sorts entries by path (qsort). */
int arc_by_path(const void *a, const void *b);

/* Appends a zeroed entry to res (cap: its array's capacity); NULL when out of memory. */
struct crc_archive_entry *arc_add_entry(struct crc_archive_result *res, size_t *cap);

/* Why the entries of res (sorted, without duplicates) are refused, or NULL: an entry below a symlink or
 * a file; *bad and *parent name the two entries (see archive.c). */
const char *arc_nesting_problem(const struct crc_archive_result *res, const char **bad, const char **parent,
				struct crc_buf *scratch);

/* Why the components of a non-empty relative path are refused ('..', an empty or '.' one), or NULL. */
const char *arc_components_problem(const char *p);

/* A hostile entry: CRC_EVERIFY naming the archive. */
__attribute__((format(printf, 2, 3))) int arc_bad(struct lister *l, const char *fmt, ...);

/* " (in LAYER)" when the reading has an origin, else "". */
const char *arc_origin(const struct lister *l);

/* The error for a failed libarchive read of a (from src, NULL for memory). */
int arc_read_failed(struct lister *l, struct archive *a, const struct source *src);

/* Checks one header into h: the caps, the name, hard links, the type, a symlink's target. */
int arc_read_header(struct lister *l, struct archive_entry *ae, struct header *h);

/* Reads the data of the file entry e, hashing it within the caps, and hands it to the disk writer when
 * extracting. */
int arc_read_data(struct lister *l, struct archive *a, const struct source *src, struct archive_entry *ae,
		  struct crc_archive_entry *e);

/* Reads fd (a regular file, from its current offset) through a hashing source, every entry through
 * l->entry (or listed); with stream set, also hashing the decompressed stream. */
int arc_read_fd(struct lister *l, int fd, int fmt, int stream);

/* The errors of an extraction: a failed write under the destination (errnum), and one of libarchive's
 * disk writer naming the entry (NULL: the end). */
int arc_disk_failed(struct lister *l, const char *path, int errnum);
int arc_disk_refused(struct lister *l, const char *path);

#endif
