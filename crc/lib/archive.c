/* Deterministic archives (see crc/archive.h), the only user of libarchive's read and write interfaces, in
 * four files: this one (format names, results, the rules for paths and symlink targets every reading and
 * writing applies), archive_write.c, archive_read.c (reading and listing) and archive_extract.c. */
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

#include "archive_int.h"
#include "crc/buf.h"
#include "crc/os.h"

const struct crc_archive_limits arc_default_limits = {
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

int arc_by_path(const void *a, const void *b)
{
	return strcmp(((const struct crc_archive_entry *)a)->path,
		      ((const struct crc_archive_entry *)b)->path);
}

/* Appends a zeroed entry to res (growing by doubling); NULL when out of memory. */
struct crc_archive_entry *arc_add_entry(struct crc_archive_result *res, size_t *cap)
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
const char *arc_nesting_problem(const struct crc_archive_result *res, const char **bad, const char **parent,
				struct crc_buf *scratch)
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

/* Why the components of a non-empty relative path are refused ('..', an empty or '.' one), or NULL. */
const char *arc_components_problem(const char *p)
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
	return arc_components_problem(path);
}
