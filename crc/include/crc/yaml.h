/* Reading YAML documents (profiles, toolchains, the runtime's features.yaml) into a tree whose nodes
 * remember their line and column, so that every later check can say file:line:column. libyaml stays
 * inside yaml.c. The reader is strict, because its input is hostile: one document only; no anchors,
 * aliases or tags (aliases are how "billion laughs" documents blow up); no duplicate keys; keys are
 * scalars; caps on size, depth and node count. */
#ifndef CRC_YAML_H
#define CRC_YAML_H

#include <stddef.h>

#include "crc/arena.h"
#include "crc/error.h"

/* Limits on one document: bytes, nesting, nodes (scalars, mappings and sequences) and bytes of one
 * scalar. Parsing takes time linear in the bytes (duplicate keys are found through a hash set). */
#define CRC_YAML_MAX_BYTES ((size_t)256 << 10)
#define CRC_YAML_MAX_DEPTH 32
#define CRC_YAML_MAX_NODES 10000
#define CRC_YAML_MAX_SCALAR ((size_t)64 << 10)

enum crc_yaml_kind { CRC_YAML_SCALAR, CRC_YAML_MAP, CRC_YAML_SEQ };

struct crc_yaml_node {
	enum crc_yaml_kind kind;
	/* The file the node was read from, and the 1-based position of its first character; trees merged
	 * from several files (profiles that extend others) keep each node's own origin. */
	const char *file;
	int line, col;
	/* Scalars: the text (NUL-terminated; len excludes the NUL) and whether it was written plain, without
	 * quotes or block style (only plain scalars may be numbers, booleans or null). */
	const char *value;
	size_t len;
	int plain;
	/* Maps: n pairs keys[i] → values[i], in document order. Sequences: n items in values[]. */
	size_t n;
	struct crc_yaml_node **keys;
	struct crc_yaml_node **values;
};

struct crc_yaml_doc {
	/* Owns every node and string of the document. */
	struct crc_arena arena;
	/* The document's root node; never NULL (an empty document is an error). */
	struct crc_yaml_node *root;
};

/* Parses the len bytes at text; path names them in errors. On success *out is the document, owned by the
 * caller (crc_yaml_free). Errors (CRC_EINVALID, CRC_ENOMEM) carry path:line:column. */
int crc_yaml_parse(struct crc_yaml_doc **out, const char *path, const char *text, size_t len,
		   struct crc_error *err);

/* Caps for a kind of document larger than the defaults allow (a drop's manifest lists every file of every
 * archive); the depth cap stays CRC_YAML_MAX_DEPTH. max_scalar 0 means CRC_YAML_MAX_SCALAR. */
struct crc_yaml_limits {
	size_t max_bytes, max_nodes, max_scalar;
};

/* Like crc_yaml_parse, with the caps in lim instead of CRC_YAML_MAX_BYTES, CRC_YAML_MAX_NODES and
 * CRC_YAML_MAX_SCALAR. */
int crc_yaml_parse_limited(struct crc_yaml_doc **out, const char *path, const char *text, size_t len,
			   const struct crc_yaml_limits *lim, struct crc_error *err);

/* Reads the file at path (at most CRC_YAML_MAX_BYTES) and parses it. A missing file is CRC_ENOTFOUND, an
 * unreadable one CRC_EIO. */
int crc_yaml_load(struct crc_yaml_doc **out, const char *path, struct crc_error *err);

/* Frees a document. Accepts NULL. */
void crc_yaml_free(struct crc_yaml_doc *doc);

/* The value for key in a map node (borrowed), or NULL when the key is absent or node is not a map. */
const struct crc_yaml_node *crc_yaml_get(const struct crc_yaml_node *map, const char *key);

/* "mapping", "sequence" or "scalar", for messages. */
const char *crc_yaml_kind_name(enum crc_yaml_kind kind);

#endif
