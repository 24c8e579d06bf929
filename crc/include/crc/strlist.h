/* Lists of strings that live in an arena (a parsed document's or a plan's), the one shape profiles,
 * toolchains, flags, plans and manifests share. The lists borrow their strings and arrays. */
#ifndef CRC_STRLIST_H
#define CRC_STRLIST_H

#include <stddef.h>

struct crc_json;

struct crc_strlist {
	size_t n;
	const char **items;
};

/* Pairs KEY → value (CMake definitions), in the order given. */
struct crc_kvlist {
	size_t n;
	const char **keys, **values;
};

/* l as a JSON array of strings (owned by the caller), or NULL when out of memory. */
struct crc_json *crc_strlist_json(const struct crc_strlist *l);

#endif
