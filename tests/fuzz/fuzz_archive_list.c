/* libFuzzer target for the archive listing (crc_archive_list_memory_capped): any bytes must give a
 * listing or one error, never a crash, a leak, undefined behaviour or a hang. The caps are smaller than
 * the defaults so that a decompression bomb costs milliseconds; every promise about an accepted listing
 * is checked (sorted unique normalized paths, types, modes as stored (at most 07777), hashes, links that
 * stay inside). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crc/archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct crc_archive_limits limits = {
	1000, CRC_ARCHIVE_MAX_PATH, 4u << 20, 16u << 20, 0, NULL,
};

/* Whether path is relative, non-empty and free of empty, "." and ".." components. */
static int normalized(const char *path)
{
	if (path[0] == '\0' || path[0] == '/')
		return 0;
	for (const char *p = path;;) {
		size_t len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!p[len])
			return 1;
		p += len + 1;
	}
}

static void check(const struct crc_archive_result *res, size_t size)
{
	unsigned long long total = 0;
	if (res->nentries > limits.max_entries || res->size != size || strlen(res->sha256) != 64)
		__builtin_trap();
	for (size_t i = 0; i < res->nentries; i++) {
		const struct crc_archive_entry *e = &res->entries[i];
		if (!normalized(e->path) || strlen(e->path) > limits.max_path)
			__builtin_trap();
		if (i > 0 && strcmp(res->entries[i - 1].path, e->path) >= 0)
			__builtin_trap();
		switch (e->type) {
		case 'f':
			if (e->mode > 07777 || strlen(e->sha256) != 64 || e->link ||
			    e->size > limits.max_entry_size)
				__builtin_trap();
			total += e->size;
			break;
		case 'd':
			if (e->mode > 07777 || e->size || e->sha256[0] || e->link)
				__builtin_trap();
			break;
		case 'l':
			if (e->mode > 07777 || e->size || e->sha256[0] || !e->link || e->link[0] == '\0' ||
			    e->link[0] == '/')
				__builtin_trap();
			break;
		default:
			__builtin_trap();
		}
	}
	if (total > limits.max_total_size)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crc_archive_result res;
	struct crc_error err;
	int rc = crc_archive_list_memory_capped(&res, data, size, &limits, &err);
	if (rc == 0) {
		check(&res, size);
		crc_archive_result_free(&res);
	} else if (res.entries || res.nentries || err.msg[0] == '\0' ||
		   (rc != CRC_EVERIFY && rc != CRC_ENOMEM && rc != CRC_EIO)) {
		__builtin_trap();
	}
	return 0;
}
