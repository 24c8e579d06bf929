/* The runtime's feature gates, as runtime/features.yaml declares them: read and checked once per run
 * (crc_gates_load), then given to the profile loader (which checks a profile's features against them) and
 * to the planner (which turns the profile's features into CMake options). */
#ifndef CRC_GATES_H
#define CRC_GATES_H

#include <stddef.h>

#include "crc/arena.h"
#include "crc/error.h"

/* At most this many gates; a name is at most this long. */
#define CRC_GATES_MAX 64
#define CRC_GATES_NAME_MAX 64

struct crc_gates {
	/* The gates in declaration order: each name (lower-case letters, digits and '-', starting with a
	 * letter; no two alike) and its CMake option, NOA_FEATURE_ + the name upper-cased with '-' as '_'. */
	size_t n;
	const char **names, **options;
	/* Owns the strings. */
	struct crc_arena arena;
};

/* Reads <root>/runtime/features.yaml. On success *out is owned by the caller (crc_gates_free). Errors name
 * file:line:column: a missing file is CRC_ENOTFOUND, a document that breaks the format (see the file's
 * header) CRC_EINVALID. */
int crc_gates_load(struct crc_gates **out, const char *root, struct crc_error *err);

/* Like crc_gates_load, from the len bytes at text (path names them in errors). */
int crc_gates_parse(struct crc_gates **out, const char *path, const char *text, size_t len,
		    struct crc_error *err);

/* Whether name is one of the gates; its index, or -1. */
int crc_gates_find(const struct crc_gates *g, const char *name);

/* Frees the gates. Accepts NULL. */
void crc_gates_free(struct crc_gates *g);

#endif
