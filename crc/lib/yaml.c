/* The libyaml wrapper: an event loop that builds struct crc_yaml_node trees in an arena. libyaml's marks
 * are 0-based; ours are 1-based. Containers under construction keep their children in arena arrays that
 * double as they grow (the node cap bounds the waste). Work is linear in the input: a mapping's keys are
 * checked for duplicates through a hash set of its own once it has more than a few (a mapping of n keys
 * compared key by key would take n^2/2 comparisons: 100,000 keys took 43 s). */
#include "crc/yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

/* Bytes an arena may hold per input byte: nodes, arrays and strings; generous, and still a cap. */
#define ARENA_PER_BYTE 64
#define ARENA_MIN ((size_t)1 << 20)
/* Keys a mapping may hold before its duplicates are looked up in a hash set rather than by comparing. */
#define SCAN_KEYS 8

/* The keys of one mapping, open-addressed by hash (slots NULL when free; at most half full). */
struct keyset {
	const struct crc_yaml_node **slot;
	size_t size;
};

struct frame {
	struct crc_yaml_node *node;
	/* Allocated length of keys/values. */
	size_t cap;
	/* A map's key waiting for its value, or NULL. */
	struct crc_yaml_node *key;
	/* A map's keys once it has more than SCAN_KEYS (malloc'ed, freed when the map ends). */
	struct keyset set;
};

struct builder {
	struct crc_yaml_doc *doc;
	/* The path in errors, and its copy in the arena that nodes point to. */
	const char *path, *file;
	struct crc_error *err;
	struct frame stack[CRC_YAML_MAX_DEPTH];
	int depth;
	size_t nodes, max_nodes, max_scalar;
	int documents;
};

static int at(struct builder *b, yaml_mark_t m, int code, const char *what)
{
	return crc_err_at(b->err, code, b->path, (int)m.line + 1, (int)m.column + 1, "%s", what);
}

static struct crc_yaml_node *new_node(struct builder *b, enum crc_yaml_kind kind, yaml_mark_t m)
{
	if (++b->nodes > b->max_nodes)
		return NULL;
	struct crc_yaml_node *n = crc_arena_alloc(&b->doc->arena, sizeof *n);
	if (n) {
		n->kind = kind;
		n->file = b->file;
		n->line = (int)m.line + 1;
		n->col = (int)m.column + 1;
	}
	return n;
}

static size_t key_hash(const struct crc_yaml_node *k)
{
	/* FNV-1a. */
	size_t h = (size_t)14695981039346656037ULL;
	for (size_t i = 0; i < k->len; i++)
		h = (h ^ (unsigned char)k->value[i]) * (size_t)1099511628211ULL;
	return h;
}

static int same_key(const struct crc_yaml_node *a, const struct crc_yaml_node *b)
{
	return a->len == b->len && memcmp(a->value, b->value, a->len) == 0;
}

/* Puts k into s, which has room; *first is the key already there with k's text, or NULL. */
static void keyset_put(struct keyset *s, const struct crc_yaml_node *k, const struct crc_yaml_node **first)
{
	size_t i = key_hash(k) & (s->size - 1);
	*first = NULL;
	for (; s->slot[i]; i = (i + 1) & (s->size - 1))
		if (same_key(s->slot[i], k)) {
			*first = s->slot[i];
			return;
		}
	s->slot[i] = k;
}

/* Doubles s (or makes it) to hold the n keys of map, and more. */
static int keyset_grow(struct keyset *s, const struct crc_yaml_node *map, size_t n)
{
	size_t size = s->size ? s->size * 2 : 4 * SCAN_KEYS;
	const struct crc_yaml_node *dup;
	const struct crc_yaml_node **slot = calloc(size, sizeof *slot);
	if (!slot)
		return CRC_ENOMEM;
	free(s->slot);
	s->slot = slot;
	s->size = size;
	for (size_t i = 0; i < n; i++)
		keyset_put(s, map->keys[i], &dup);
	return 0;
}

/* Whether the map on f already has key k (*first: where); a few keys are compared, more looked up in the
 * frame's set, which then takes k. */
static int key_seen(struct builder *b, struct frame *f, const struct crc_yaml_node *k,
		    const struct crc_yaml_node **first)
{
	const struct crc_yaml_node *c = f->node;
	*first = NULL;
	if (c->n < SCAN_KEYS) {
		for (size_t i = 0; i < c->n; i++)
			if (same_key(c->keys[i], k)) {
				*first = c->keys[i];
				break;
			}
		return 0;
	}
	/* At most half full: grown (and filled with the keys so far) before the key that would pass that. */
	if (2 * (c->n + 1) > f->set.size && keyset_grow(&f->set, c, c->n))
		return crc_err_at(b->err, CRC_ENOMEM, b->path, k->line, k->col, "out of memory");
	keyset_put(&f->set, k, first);
	return 0;
}

static void frame_end(struct frame *f)
{
	free(f->set.slot);
	f->set.slot = NULL;
	f->set.size = 0;
}

/* Appends child to the container on top of the stack: a map's key, a map's value, or a sequence item. */
static int attach(struct builder *b, struct crc_yaml_node *child)
{
	if (b->depth == 0) {
		b->doc->root = child;
		return 0;
	}
	struct frame *f = &b->stack[b->depth - 1];
	struct crc_yaml_node *c = f->node;
	if (c->kind == CRC_YAML_MAP && !f->key) {
		if (child->kind != CRC_YAML_SCALAR)
			return crc_err_at(b->err, CRC_EINVALID, b->path, child->line, child->col,
					  "a key must be a plain string, not a %s",
					  crc_yaml_kind_name(child->kind));
		const struct crc_yaml_node *first = NULL;
		int rc = key_seen(b, f, child, &first);
		if (rc)
			return rc;
		if (first) {
			char sh[CRC_SHOWN_MAX];
			return crc_err_at(b->err, CRC_EINVALID, b->path, child->line, child->col,
					  "duplicate key '%s' (first at line %d, column %d)",
					  crc_shown(sh, sizeof sh, child->value), first->line, first->col);
		}
		f->key = child;
		return 0;
	}
	size_t kcap = f->cap;
	struct crc_yaml_node **values =
		crc_arena_grow(&b->doc->arena, c->values, c->n, &f->cap, c->n + 1, sizeof *values);
	struct crc_yaml_node **keys = NULL;
	if (values && c->kind == CRC_YAML_MAP)
		keys = crc_arena_grow(&b->doc->arena, c->keys, c->n, &kcap, c->n + 1, sizeof *keys);
	if (!values || (c->kind == CRC_YAML_MAP && !keys))
		return crc_err_at(b->err, CRC_ENOMEM, b->path, child->line, child->col,
				  "document too large to hold in memory");
	c->values = values;
	c->keys = keys;
	if (c->kind == CRC_YAML_MAP) {
		c->keys[c->n] = f->key;
		f->key = NULL;
	}
	c->values[c->n++] = child;
	return 0;
}

/* Rejects what the reader does not accept on any node: anchors and tags. */
static int plain_node(struct builder *b, yaml_mark_t m, const yaml_char_t *anchor, const yaml_char_t *tag,
		      int implicit_tag)
{
	if (anchor)
		return at(b, m, CRC_EINVALID, "anchors and aliases are not allowed");
	if (tag && !implicit_tag)
		return at(b, m, CRC_EINVALID, "tags are not allowed");
	return 0;
}

static int too_many(struct builder *b, yaml_mark_t m)
{
	return crc_err_at(b->err, CRC_EINVALID, b->path, (int)m.line + 1, (int)m.column + 1,
			  "more than %zu nodes in one document", b->max_nodes);
}

/* Handles one event; returns 0, 1 at the end of the stream, or an error code. */
static int event(struct builder *b, const yaml_event_t *e)
{
	struct crc_yaml_node *n;
	int rc;
	switch (e->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->documents > 1)
			return at(b, e->start_mark, CRC_EINVALID,
				  "only one YAML document is allowed per file");
		return 0;
	case YAML_ALIAS_EVENT:
		return at(b, e->start_mark, CRC_EINVALID, "anchors and aliases are not allowed");
	case YAML_SCALAR_EVENT:
		rc = plain_node(b, e->start_mark, e->data.scalar.anchor, e->data.scalar.tag,
				e->data.scalar.plain_implicit || e->data.scalar.quoted_implicit);
		if (rc)
			return rc;
		if (!(n = new_node(b, CRC_YAML_SCALAR, e->start_mark)))
			return b->nodes > b->max_nodes ? too_many(b, e->start_mark)
						       : at(b, e->start_mark, CRC_ENOMEM, "out of memory");
		if (e->data.scalar.length > b->max_scalar)
			return crc_err_at(b->err, CRC_EINVALID, b->path, (int)e->start_mark.line + 1,
					  (int)e->start_mark.column + 1, "a string longer than %zu bytes",
					  b->max_scalar);
		n->value = crc_arena_strndup(&b->doc->arena, (const char *)e->data.scalar.value,
					     e->data.scalar.length);
		if (!n->value)
			return at(b, e->start_mark, CRC_ENOMEM, "document too large to hold in memory");
		if (strlen(n->value) != e->data.scalar.length)
			return at(b, e->start_mark, CRC_EINVALID,
				  "a NUL character in a string is not allowed");
		n->len = e->data.scalar.length;
		n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		return attach(b, n);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		int map = e->type == YAML_MAPPING_START_EVENT;
		rc = map ? plain_node(b, e->start_mark, e->data.mapping_start.anchor,
				      e->data.mapping_start.tag, e->data.mapping_start.implicit)
			 : plain_node(b, e->start_mark, e->data.sequence_start.anchor,
				      e->data.sequence_start.tag, e->data.sequence_start.implicit);
		if (rc)
			return rc;
		if (b->depth >= CRC_YAML_MAX_DEPTH)
			return crc_err_at(b->err, CRC_EINVALID, b->path, (int)e->start_mark.line + 1,
					  (int)e->start_mark.column + 1, "nested deeper than %d levels",
					  CRC_YAML_MAX_DEPTH);
		if (!(n = new_node(b, map ? CRC_YAML_MAP : CRC_YAML_SEQ, e->start_mark)))
			return b->nodes > b->max_nodes ? too_many(b, e->start_mark)
						       : at(b, e->start_mark, CRC_ENOMEM, "out of memory");
		rc = attach(b, n);
		if (rc)
			return rc;
		b->stack[b->depth++] = (struct frame){n, 0, NULL, {NULL, 0}};
		return 0;
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		frame_end(&b->stack[--b->depth]);
		return 0;
	case YAML_STREAM_END_EVENT:
		return 1;
	default:
		return 0;
	}
}

/* Reports libyaml's error. Reader errors (bad UTF-8, control characters) come with a byte offset, the
 * others with a mark; the context, when there is one, has its own mark. */
static int parser_error(const yaml_parser_t *p, const char *path, const char *text, size_t len,
			struct crc_error *err)
{
	int code = p->error == YAML_MEMORY_ERROR ? CRC_ENOMEM : CRC_EINVALID;
	const char *problem = p->problem ? p->problem : "YAML syntax error";
	int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
	if (p->error == YAML_READER_ERROR) {
		line = col = 1;
		for (size_t i = 0; i < p->problem_offset && i < len; i++, col++)
			if (text[i] == '\n')
				line++, col = 0;
		return crc_err_at(err, code, path, line, col, "%s (byte 0x%02x)", problem,
				  p->problem_offset < len ? (unsigned char)text[p->problem_offset] : 0);
	}
	if (p->context)
		return crc_err_at(err, code, path, line, col, "%s (%s at line %d, column %d)", problem,
				  p->context, (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
	return crc_err_at(err, code, path, line, col, "%s", problem);
}

int crc_yaml_parse(struct crc_yaml_doc **out, const char *path, const char *text, size_t len,
		   struct crc_error *err)
{
	static const struct crc_yaml_limits defaults = {CRC_YAML_MAX_BYTES, CRC_YAML_MAX_NODES,
							CRC_YAML_MAX_SCALAR};
	return crc_yaml_parse_limited(out, path, text, len, &defaults, err);
}

int crc_yaml_parse_limited(struct crc_yaml_doc **out, const char *path, const char *text, size_t len,
			   const struct crc_yaml_limits *lim, struct crc_error *err)
{
	yaml_parser_t parser;
	yaml_event_t e;
	struct builder b;
	int rc = 0;
	*out = NULL;
	if (len > lim->max_bytes)
		return crc_err_at(err, CRC_EINVALID, path, 1, 1, "larger than %zu KiB", lim->max_bytes >> 10);
	struct crc_yaml_doc *doc = calloc(1, sizeof *doc);
	if (!doc)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	crc_arena_init(&doc->arena, len * ARENA_PER_BYTE > ARENA_MIN ? len * ARENA_PER_BYTE : ARENA_MIN);
	memset(&b, 0, sizeof b);
	b.doc = doc;
	b.max_nodes = lim->max_nodes;
	b.max_scalar = lim->max_scalar ? lim->max_scalar : CRC_YAML_MAX_SCALAR;
	b.path = path;
	b.file = crc_arena_strndup(&doc->arena, path, strlen(path));
	if (!b.file) {
		crc_yaml_free(doc);
		return crc_err(err, CRC_ENOMEM, "out of memory");
	}
	b.err = err;
	if (!yaml_parser_initialize(&parser)) {
		free(doc);
		return crc_err(err, CRC_ENOMEM, "cannot start the YAML parser: out of memory");
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &e)) {
			rc = parser_error(&parser, path, text, len, err);
			break;
		}
		rc = event(&b, &e);
		yaml_event_delete(&e);
		if (rc)
			break;
	}
	yaml_parser_delete(&parser);
	while (b.depth > 0)
		frame_end(&b.stack[--b.depth]);
	if (rc == 1) {
		rc = 0;
		if (!doc->root || (doc->root->kind == CRC_YAML_SCALAR && doc->root->plain &&
				   (doc->root->len == 0 || strcmp(doc->root->value, "~") == 0 ||
				    strcmp(doc->root->value, "null") == 0)))
			rc = crc_err_at(err, CRC_EINVALID, path, 1, 1,
					"the file is empty (no YAML document)");
	}
	if (rc) {
		crc_yaml_free(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

int crc_yaml_load(struct crc_yaml_doc **out, const char *path, struct crc_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int rc;
	*out = NULL;
	/* A FIFO, socket or device is refused without being opened; and not blocking, so that one swapped
	 * in meanwhile is refused by the fstat below instead of hanging the open. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return crc_err_at(err, CRC_EIO, path, 0, 0, "not a regular file");
	/* Not crc_os_open_regular: a profile is the user's own file, and may be a symlink into a profiles
	 * directory kept elsewhere; the rest of its policy is here. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return crc_err_os(err, "cannot open", path, errno);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = crc_err_at(err, CRC_EIO, path, 0, 0, "not a regular file");
		goto out;
	}
	if ((unsigned long long)st.st_size > CRC_YAML_MAX_BYTES) {
		rc = crc_err_at(err, CRC_EINVALID, path, 1, 1, "larger than %zu KiB",
				CRC_YAML_MAX_BYTES >> 10);
		goto out;
	}
	buf = malloc(CRC_YAML_MAX_BYTES + 1);
	if (!buf) {
		rc = crc_err(err, CRC_ENOMEM, "out of memory reading %s", path);
		goto out;
	}
	/* Read up to one byte past the cap: a file that grew since fstat is still caught. */
	for (;;) {
		ssize_t r = read(fd, buf + len, CRC_YAML_MAX_BYTES + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = crc_err_os(err, "cannot read", path, errno);
			goto out;
		}
		if (r == 0 || (len += (size_t)r) > CRC_YAML_MAX_BYTES)
			break;
	}
	rc = crc_yaml_parse(out, path, buf, len, err);
out:
	free(buf);
	close(fd);
	return rc;
}

void crc_yaml_free(struct crc_yaml_doc *doc)
{
	if (!doc)
		return;
	crc_arena_free(&doc->arena);
	free(doc);
}

const struct crc_yaml_node *crc_yaml_get(const struct crc_yaml_node *map, const char *key)
{
	if (!map || map->kind != CRC_YAML_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i]->value, key) == 0)
			return map->values[i];
	return NULL;
}

const char *crc_yaml_kind_name(enum crc_yaml_kind kind)
{
	switch (kind) {
	case CRC_YAML_MAP:
		return "mapping";
	case CRC_YAML_SEQ:
		return "sequence";
	default:
		return "scalar";
	}
}
