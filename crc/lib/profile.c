/* Profile loading: read each file of the extends chain with the YAML reader, merge the trees (the child
 * wins; maps merge key by key; sequences and scalars are replaced), graft the --set overrides on, then
 * validate the one merged tree against the schema. Merged nodes keep the file and position they came
 * from, so every message points at the right file, or at the --set argument. */
#include "crc/profile.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crc/diag.h"
#include "crc/gates.h"
#include "crc/json.h"
#include "crc/os.h"
#include "crc/suggest.h"
#include "crc/yaml.h"

/* The profile's arena holds its documents' copies and the merged tree. */
#define PROFILE_ARENA_MAX ((size_t)64 << 20)
#define NAME_MAX_LEN 64

/* What a validation step returns in collect mode when it recorded a problem and validation may go on
 * (negative codes always stop). */
enum { RECORDED = 1 };

struct loader {
	struct crc_profile *p;
	const char *root;
	struct crc_error *err;
	/* The runtime's gates (the caller's). */
	const struct crc_gates *gates;
	/* The profile's own document from memory (crc_profile_parse), named path in messages; NULL to read
	 * profiles/<name>.yaml. */
	const char *text, *path;
	size_t len;
	/* Collect mode (crc_profile_check): bad() records each problem in diags and returns RECORDED, and
	 * validation goes on with the field's default; problems counts them all, also those diags had no
	 * room for. */
	int collect;
	struct crc_diags *diags;
	size_t problems;
	/* Every target was valid, so per_target keys can be matched against them. */
	int targets_ok;
};

/* A schema problem at node n: the error (stop mode), or one more recorded problem (collect mode). */
__attribute__((format(printf, 3, 4))) static int bad(struct loader *l, const struct crc_yaml_node *n,
						     const char *fmt, ...)
{
	char msg[CRC_ERROR_MSG_MAX];
	struct crc_error e;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof msg)
		memcpy(msg + sizeof msg - 4, "...", 4);
	if (!l->collect)
		return crc_err_at(l->err, CRC_EINVALID, n->file, n->line, n->col, "%s", msg);
	crc_err_at(&e, CRC_EINVALID, n->file, n->line, n->col, "%s", msg);
	if (l->problems++ == 0)
		*l->err = e;
	crc_diags_add(l->diags, &e);
	return RECORDED;
}

static int in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* Whether s is a safe name for a file: [a-z0-9][a-z0-9._-]*, at most NAME_MAX_LEN bytes, no "..". */
static int safe_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > NAME_MAX_LEN || strstr(s, ".."))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			 (i > 0 && (c == '-' || c == '_' || c == '.'));
		if (!ok)
			return 0;
	}
	return 1;
}

static int path_of(struct loader *l, char *out, size_t size, const char *dir, const char *name,
		   const char *ext)
{
	int w = strcmp(l->root, ".") == 0 ? snprintf(out, size, "%s/%s%s", dir, name, ext)
					  : snprintf(out, size, "%s/%s/%s%s", l->root, dir, name, ext);
	if (w < 0 || (size_t)w >= size)
		return crc_err(l->err, CRC_EINVALID, "path too long: %s/%s/%s%s", l->root, dir, name, ext);
	return 0;
}

/* Reads a document; the profile owns it from then on. */
static int read_doc(struct loader *l, const char *path, struct crc_yaml_doc **doc)
{
	if (l->p->ndocs >= sizeof l->p->docs / sizeof l->p->docs[0])
		return crc_err(l->err, CRC_EINVALID, "too many files");
	int rc = crc_yaml_load(doc, path, l->err);
	if (rc == 0)
		l->p->docs[l->p->ndocs++] = *doc;
	return rc;
}

static struct crc_yaml_node *new_map(struct loader *l, const struct crc_yaml_node *like, size_t cap)
{
	struct crc_yaml_node *m = crc_arena_alloc(&l->p->arena, sizeof *m);
	if (!m)
		return NULL;
	*m = *like;
	m->kind = CRC_YAML_MAP;
	m->n = 0;
	m->keys = crc_arena_alloc(&l->p->arena, (cap ? cap : 1) * sizeof *m->keys);
	m->values = crc_arena_alloc(&l->p->arena, (cap ? cap : 1) * sizeof *m->values);
	return m->keys && m->values ? m : NULL;
}

/* A scalar's text and its place in a list or map, for matching equal texts by sorting. */
struct text_at {
	const char *text;
	size_t len, index;
};

/* By text (bytes, then length), then place. */
static int by_text(const void *a, const void *b)
{
	const struct text_at *x = a, *y = b;
	int r = memcmp(x->text, y->text, x->len < y->len ? x->len : y->len);
	if (r)
		return r;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int same_text(const struct text_at *x, const struct text_at *y)
{
	return x->len == y->len && memcmp(x->text, y->text, x->len) == 0;
}

/* The keys of map sorted by text (malloc'd; NULL when out of memory). */
static struct text_at *sorted_keys(const struct crc_yaml_node *map)
{
	struct text_at *k = malloc((map->n ? map->n : 1) * sizeof *k);
	if (!k)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		k[i] = (struct text_at){map->keys[i]->value, map->keys[i]->len, i};
	qsort(k, map->n, sizeof *k, by_text);
	return k;
}

/* The child's value over the base's: maps merge key by key, anything else is replaced. The keys of each
 * map (distinct, as the YAML reader and the merge keep them) are matched by sorting both: n log n. */
static struct crc_yaml_node *merge(struct loader *l, struct crc_yaml_node *base, struct crc_yaml_node *child)
{
	if (!base)
		return child;
	if (base->kind != CRC_YAML_MAP || child->kind != CRC_YAML_MAP)
		return child;
	struct crc_yaml_node *m = new_map(l, child, base->n + child->n);
	struct text_at *kb = sorted_keys(base), *kc = sorted_keys(child);
	/* For each base key, the child's value for it (or NULL); for each child key, whether base has it. */
	struct crc_yaml_node **over = calloc(base->n ? base->n : 1, sizeof *over);
	unsigned char *in_base = calloc(child->n ? child->n : 1, 1);
	if (!m || !kb || !kc || !over || !in_base) {
		m = NULL;
		goto out;
	}
	for (size_t i = 0, j = 0; i < base->n && j < child->n;) {
		int r = by_text(&kb[i], &kc[j]);
		if (same_text(&kb[i], &kc[j])) {
			over[kb[i].index] = child->values[kc[j].index];
			in_base[kc[j].index] = 1;
			i++, j++;
		} else if (r < 0) {
			i++;
		} else {
			j++;
		}
	}
	for (size_t i = 0; i < base->n; i++) {
		m->keys[m->n] = base->keys[i];
		m->values[m->n] = over[i] ? merge(l, base->values[i], over[i]) : base->values[i];
		if (!m->values[m->n++]) {
			m = NULL;
			goto out;
		}
	}
	for (size_t i = 0; i < child->n; i++)
		if (!in_base[i]) {
			m->keys[m->n] = child->keys[i];
			m->values[m->n++] = child->values[i];
		}
out:
	free(kb);
	free(kc);
	free(over);
	free(in_base);
	return m;
}

/* Reads profile `name` and what it extends, returning the merged tree in *tree. */
static int load_chain(struct loader *l, const char *name, const struct crc_yaml_node *from,
		      struct crc_yaml_node **tree)
{
	char path[4096];
	struct crc_yaml_doc *doc;
	struct crc_profile *p = l->p;
	for (size_t i = 0; i < p->nchain; i++)
		if (strcmp(p->chain[i], name) == 0) {
			char chain[512] = "";
			size_t len = 0;
			for (size_t k = 0; k < p->nchain; k++) {
				int w = snprintf(chain + len, sizeof chain - len, "%s -> ", p->chain[k]);
				if (w < 0 || (size_t)w >= sizeof chain - len)
					break;
				len += (size_t)w;
			}
			return bad(l, from, "extends cycle: %s%s", chain, name);
		}
	if (p->nchain >= CRC_PROFILE_MAX_CHAIN)
		return bad(l, from, "extends chain longer than %d profiles", CRC_PROFILE_MAX_CHAIN);
	int rc = path_of(l, path, sizeof path, "profiles", name, ".yaml");
	if (rc)
		return rc;
	if (!from && l->text) {
		/* The profile's own document, from memory. */
		if (p->ndocs >= sizeof p->docs / sizeof p->docs[0])
			return crc_err(l->err, CRC_EINVALID, "too many files");
		rc = crc_yaml_parse(&doc, l->path, l->text, l->len, l->err);
		if (rc == 0)
			p->docs[p->ndocs++] = doc;
	} else {
		rc = read_doc(l, path, &doc);
	}
	if (rc == CRC_ENOTFOUND && from)
		return bad(l, from, "extends '%s': no such profile (%s)", name, path);
	if (rc == CRC_ENOTFOUND)
		return crc_err(l->err, CRC_ENOTFOUND, "no profile '%s' (%s); 'crc profiles' lists them", name,
			       path);
	if (rc)
		return rc;
	if (doc->root->kind != CRC_YAML_MAP)
		return bad(l, doc->root, "a profile must be a mapping, not a %s",
			   crc_yaml_kind_name(doc->root->kind));
	p->chain[p->nchain++] = crc_arena_strndup(&p->arena, name, strlen(name));
	const struct crc_yaml_node *ext = crc_yaml_get(doc->root, "extends");
	if (!ext) {
		*tree = doc->root;
		return 0;
	}
	if (ext->kind != CRC_YAML_SCALAR || !safe_name(ext->value))
		return bad(l, ext, "extends must name a profile (lower-case letters, digits, '-', '_', '.')");
	struct crc_yaml_node *base;
	rc = load_chain(l, ext->value, ext, &base);
	if (rc)
		return rc;
	*tree = merge(l, base, doc->root);
	return *tree ? 0 : crc_err(l->err, CRC_ENOMEM, "out of memory merging %s", path);
}

/* Gives every node of a --set value the argument as its origin, without a position. */
static void mark_set(struct crc_yaml_node *n, const char *origin)
{
	n->file = origin;
	n->line = n->col = 0;
	for (size_t i = 0; n->kind != CRC_YAML_SCALAR && i < n->n; i++) {
		if (n->keys)
			mark_set(n->keys[i], origin);
		mark_set(n->values[i], origin);
	}
}

/* Applies "key.path=value": the value is YAML, grafted on the tree at the dotted path. */
static int apply_set(struct loader *l, struct crc_yaml_node *tree, const char *set)
{
	const char *eq = strchr(set, '=');
	char origin[512];
	int w = snprintf(origin, sizeof origin, "--set %s", set);
	if (w < 0 || (size_t)w >= sizeof origin)
		return crc_err(l->err, CRC_EINVALID, "--set argument too long");
	const char *o = crc_arena_strndup(&l->p->arena, origin, strlen(origin));
	if (!o)
		return crc_err(l->err, CRC_ENOMEM, "out of memory");
	if (!eq || eq == set || !eq[1])
		return crc_err_at(l->err, CRC_EINVALID, o, 0, 0, "expected key.path=value");
	struct crc_yaml_doc *doc;
	if (l->p->ndocs >= sizeof l->p->docs / sizeof l->p->docs[0])
		return crc_err(l->err, CRC_EINVALID, "too many --set options");
	int rc = crc_yaml_parse(&doc, o, eq + 1, strlen(eq + 1), l->err);
	if (rc)
		return rc;
	l->p->docs[l->p->ndocs++] = doc;
	mark_set(doc->root, o);
	char key[256];
	size_t klen = (size_t)(eq - set);
	if (klen >= sizeof key)
		return crc_err_at(l->err, CRC_EINVALID, o, 0, 0, "key path too long");
	memcpy(key, set, klen);
	key[klen] = '\0';
	struct crc_yaml_node *cur = tree;
	for (char *part = key, *dot; part; part = dot ? dot + 1 : NULL) {
		dot = strchr(part, '.');
		if (dot)
			*dot = '\0';
		if (!*part)
			return crc_err_at(l->err, CRC_EINVALID, o, 0, 0, "empty part in key path '%.*s'",
					  (int)klen, set);
		if (cur->kind != CRC_YAML_MAP)
			return crc_err_at(l->err, CRC_EINVALID, o, 0, 0, "'%s' is inside a %s, not a mapping",
					  part, crc_yaml_kind_name(cur->kind));
		size_t i = 0;
		while (i < cur->n && strcmp(cur->keys[i]->value, part) != 0)
			i++;
		if (i == cur->n) {
			/* A new key: grow the map by copying it (merged maps are arena-owned and small). */
			struct crc_yaml_node *m = new_map(l, cur, cur->n + 1),
					     *k = crc_arena_alloc(&l->p->arena, sizeof *k);
			if (!m || !k)
				return crc_err(l->err, CRC_ENOMEM, "out of memory");
			memcpy(m->keys, cur->keys, cur->n * sizeof *m->keys);
			memcpy(m->values, cur->values, cur->n * sizeof *m->values);
			m->n = cur->n;
			*k = *doc->root;
			k->kind = CRC_YAML_SCALAR;
			k->value = crc_arena_strndup(&l->p->arena, part, strlen(part));
			k->len = strlen(part);
			k->plain = 1;
			m->keys[m->n] = k;
			m->values[m->n++] = NULL;
			*cur = *m;
		}
		if (!dot) {
			cur->values[i] = doc->root;
			return 0;
		}
		if (!cur->values[i]) {
			struct crc_yaml_node *m = new_map(l, doc->root, 0);
			if (!m)
				return crc_err(l->err, CRC_ENOMEM, "out of memory");
			cur->values[i] = m;
		}
		cur = cur->values[i];
	}
	return 0;
}

/* Reports every key that is not in the schema, with the closest valid one. */
static int check_keys(struct loader *l, const struct crc_yaml_node *map, const char *where,
		      const char *const *valid, size_t nvalid)
{
	int found = 0;
	for (size_t i = 0; i < map->n; i++) {
		const char *k = map->keys[i]->value;
		if (in_list(k, valid, nvalid))
			continue;
		const char *best = crc_suggest(k, valid, nvalid);
		int rc = best ? bad(l, map->keys[i], "unknown key '%s' in %s (did you mean '%s'?)", k, where,
				    best)
			      : bad(l, map->keys[i], "unknown key '%s' in %s", k, where);
		if (rc < 0)
			return rc;
		found = RECORDED;
	}
	return found;
}

static int want_kind(struct loader *l, const struct crc_yaml_node *n, enum crc_yaml_kind kind,
		     const char *what)
{
	if (n->kind != kind)
		return bad(l, n, "%s must be a %s, not a %s", what, crc_yaml_kind_name(kind),
			   crc_yaml_kind_name(n->kind));
	return 0;
}

/* A non-empty string without control characters. */
static int get_string(struct loader *l, const struct crc_yaml_node *n, const char *what, const char **out)
{
	int rc = want_kind(l, n, CRC_YAML_SCALAR, what);
	if (rc)
		return rc;
	if (n->len == 0)
		return bad(l, n, "%s must not be empty", what);
	for (size_t i = 0; i < n->len; i++)
		if ((unsigned char)n->value[i] < 0x20 || n->value[i] == 0x7f)
			return bad(l, n, "%s must not hold control characters", what);
	*out = n->value;
	return 0;
}

static int get_bool(struct loader *l, const struct crc_yaml_node *n, const char *what, int *out)
{
	if (n->kind == CRC_YAML_SCALAR && n->plain && strcmp(n->value, "true") == 0)
		*out = 1;
	else if (n->kind == CRC_YAML_SCALAR && n->plain && strcmp(n->value, "false") == 0)
		*out = 0;
	else
		return bad(l, n, "%s must be true or false", what);
	return 0;
}

static int get_choice(struct loader *l, const struct crc_yaml_node *n, const char *what,
		      const char *const *choices, size_t nchoices, const char *list, const char **out)
{
	if (n->kind == CRC_YAML_SCALAR)
		for (size_t i = 0; i < nchoices; i++)
			if (strcmp(n->value, choices[i]) == 0) {
				*out = choices[i];
				return 0;
			}
	return bad(l, n, "%s must be one of %s", what, list);
}

static int get_int(struct loader *l, const struct crc_yaml_node *n, const char *what, long min, long max,
		   int *out)
{
	long v = 0;
	int ok = n->kind == CRC_YAML_SCALAR && n->plain && n->len > 0 && n->len <= 9;
	for (size_t i = 0; ok && i < n->len; i++) {
		ok = n->value[i] >= '0' && n->value[i] <= '9';
		v = v * 10 + (n->value[i] - '0');
	}
	if (!ok || v < min || v > max)
		return bad(l, n, "%s must be a whole number from %ld to %ld", what, min, max);
	*out = (int)v;
	return 0;
}

/* A plain number with digits and an optional fraction, in (0, 65536]. */
static int get_gib(struct loader *l, const struct crc_yaml_node *n, const char *what, double *out)
{
	int ok = n->kind == CRC_YAML_SCALAR && n->plain && n->len > 0 && n->len <= 20;
	int dots = 0, digits = 0;
	for (size_t i = 0; ok && i < n->len; i++) {
		if (n->value[i] == '.')
			ok = ++dots == 1 && digits > 0;
		else if (n->value[i] >= '0' && n->value[i] <= '9')
			digits++;
		else
			ok = 0;
	}
	double v = ok ? strtod(n->value, NULL) : 0;
	if (!ok || n->value[n->len - 1] == '.' || !isfinite(v) || v <= 0 || v > 65536)
		return bad(l, n, "%s must be a number of GiB above 0 and at most 65536", what);
	*out = v;
	return 0;
}

/* A list of distinct strings. In collect mode a bad or repeated item is reported and left out. An item
 * repeats one kept before it with the same text: the items are sorted by text once, and each group of
 * equal texts remembers the one it kept (n log n). */
static int get_strlist(struct loader *l, const struct crc_yaml_node *n, const char *what,
		       struct crc_strlist *out)
{
	int rc = want_kind(l, n, CRC_YAML_SEQ, what), found = 0;
	if (rc)
		return rc;
	out->items = crc_arena_alloc(&l->p->arena, (n->n ? n->n : 1) * sizeof *out->items);
	if (!out->items)
		return crc_err(l->err, CRC_ENOMEM, "out of memory");
	out->n = 0;
	/* For item i: its group of equal texts (scalars only), and per group the text kept, or NULL. */
	struct text_at *t = malloc((n->n ? n->n : 1) * sizeof *t);
	size_t *group = malloc((n->n ? n->n : 1) * sizeof *group), nt = 0;
	const char **kept = calloc(n->n ? n->n : 1, sizeof *kept);
	if (!t || !group || !kept) {
		rc = crc_err(l->err, CRC_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n->n; i++)
		if (n->values[i]->kind == CRC_YAML_SCALAR)
			t[nt++] = (struct text_at){n->values[i]->value, n->values[i]->len, i};
	qsort(t, nt, sizeof *t, by_text);
	for (size_t k = 0, g = 0; k < nt; k++) {
		if (k && !same_text(&t[k - 1], &t[k]))
			g++;
		group[t[k].index] = g;
	}
	for (size_t i = 0; i < n->n; i++) {
		rc = get_string(l, n->values[i], what, &out->items[out->n]);
		if (!rc && kept[group[i]])
			rc = bad(l, n->values[i], "'%s' is listed twice in %s", kept[group[i]], what);
		else if (!rc)
			kept[group[i]] = out->items[out->n];
		if (rc < 0)
			goto out;
		if (rc)
			found = RECORDED;
		else
			out->n++;
	}
	rc = found;
out:
	free(t);
	free(group);
	free(kept);
	return rc;
}

/* A list of strings that may repeat (flags, where order matters). */
static int get_flags(struct loader *l, const struct crc_yaml_node *v, const char *what,
		     struct crc_strlist *out)
{
	int rc = want_kind(l, v, CRC_YAML_SEQ, what), found = 0;
	if (rc)
		return rc;
	out->items = crc_arena_alloc(&l->p->arena, (v->n ? v->n : 1) * sizeof *out->items);
	if (!out->items)
		return crc_err(l->err, CRC_ENOMEM, "out of memory");
	out->n = 0;
	for (size_t i = 0; i < v->n; i++) {
		if ((rc = get_string(l, v->values[i], what, &out->items[out->n])) < 0)
			return rc;
		if (rc)
			found = RECORDED;
		else
			out->n++;
	}
	return found;
}

/* One CMake definition of extra.cmake: a valid variable name that is not crc's own, and a string. */
static int get_define(struct loader *l, const struct crc_yaml_node *key, const struct crc_yaml_node *val,
		      struct crc_kvlist *out)
{
	const char *k = key->value;
	int ok = (k[0] >= 'A' && k[0] <= 'Z') || (k[0] >= 'a' && k[0] <= 'z') || k[0] == '_';
	for (const char *q = k; ok && *q; q++)
		ok = (*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
		     *q == '_';
	if (!ok)
		return bad(l, key, "CMake variable '%s' must be letters, digits and '_'", k);
	if (strncmp(k, "NOA_FEATURE_", 12) == 0 || strcmp(k, "CMAKE_TOOLCHAIN_FILE") == 0)
		return bad(l, key, "'%s' is set by crc itself (use features or the toolchain files)", k);
	int rc = get_string(l, val, k, &out->values[out->n]);
	if (rc == 0)
		out->keys[out->n++] = k;
	return rc;
}

/* extra / per_target.<triple>: cflags, ldflags and cmake definitions. Flags may repeat (order matters). */
static int get_extra(struct loader *l, const struct crc_yaml_node *n, const char *where,
		     struct crc_profile_extra *x)
{
	static const char *const keys[] = {"cflags", "ldflags", "cmake"};
	int rc = want_kind(l, n, CRC_YAML_MAP, where), found;
	if (rc)
		return rc;
	if ((found = check_keys(l, n, where, keys, 3)) < 0)
		return found;
	const char *const names[] = {"cflags", "ldflags"};
	struct crc_strlist *lists[] = {&x->cflags, &x->ldflags};
	for (int k = 0; k < 2; k++) {
		const struct crc_yaml_node *v = crc_yaml_get(n, names[k]);
		if (v && (rc = get_flags(l, v, names[k], lists[k])) < 0)
			return rc;
		found |= rc;
	}
	const struct crc_yaml_node *c = crc_yaml_get(n, "cmake");
	if (!c)
		return found;
	if ((rc = want_kind(l, c, CRC_YAML_MAP, "cmake")))
		return rc;
	x->cmake.keys = crc_arena_alloc(&l->p->arena, (c->n ? c->n : 1) * sizeof *x->cmake.keys);
	x->cmake.values = crc_arena_alloc(&l->p->arena, (c->n ? c->n : 1) * sizeof *x->cmake.values);
	if (!x->cmake.keys || !x->cmake.values)
		return crc_err(l->err, CRC_ENOMEM, "out of memory");
	for (size_t i = 0; i < c->n; i++) {
		if ((rc = get_define(l, c->keys[i], c->values[i], &x->cmake)) < 0)
			return rc;
		found |= rc;
	}
	return found;
}

/* The targets list: each triple needs a toolchain file. In collect mode every bad triple is reported; the
 * targets are then incomplete, which targets_ok records. */
static int validate_targets(struct loader *l, const struct crc_yaml_node *n)
{
	struct crc_strlist list = {0, NULL};
	char path[4096];
	struct stat st;
	int rc = get_strlist(l, n, "targets", &list), found = rc;
	if (rc < 0 || (rc && n->kind != CRC_YAML_SEQ))
		return rc;
	if (list.n == 0 && !found)
		return bad(l, n, "targets must list at least one target triple");
	if (list.n > CRC_PROFILE_MAX_TARGETS)
		return bad(l, n, "at most %d targets", CRC_PROFILE_MAX_TARGETS);
	/* list.items are the values of the items that were valid strings, in order. */
	for (size_t i = 0, k = 0; i < n->n && k < list.n; i++) {
		if (n->values[i]->value != list.items[k])
			continue;
		const char *t = list.items[k++];
		if (!safe_name(t) || path_of(l, path, sizeof path, "templates/toolchains", t, ".yaml") != 0 ||
		    stat(path, &st) != 0) {
			rc = bad(l, n->values[i],
				 "unknown target triple '%s' (no templates/toolchains/%s.yaml)", t, t);
			if (rc < 0)
				return rc;
			found = RECORDED;
			continue;
		}
		l->p->targets[l->p->ntargets++].triple = t;
	}
	l->targets_ok = !found;
	return found;
}

static int validate_policy(struct loader *l, const struct crc_yaml_node *n)
{
	static const char *const keys[] = {
		"prefer_gpu", "min_gpu_memory_gb", "prefer_lightweight_python_on_low_memory",
		"lightweight_memory_threshold_gb", "allow_accelerator_experiments"};
	struct crc_profile_policy *p = &l->p->policy;
	int rc = want_kind(l, n, CRC_YAML_MAP, "policy"), found;
	if (rc)
		return rc;
	if ((found = check_keys(l, n, "policy", keys, 5)) < 0)
		return found;
	for (size_t i = 0; i < n->n && rc >= 0; i++) {
		const char *k = n->keys[i]->value;
		const struct crc_yaml_node *v = n->values[i];
		if (strcmp(k, keys[0]) == 0)
			rc = get_bool(l, v, k, &p->prefer_gpu);
		else if (strcmp(k, keys[1]) == 0)
			rc = get_gib(l, v, k, &p->min_gpu_memory_gb);
		else if (strcmp(k, keys[2]) == 0)
			rc = get_bool(l, v, k, &p->prefer_lightweight_python_on_low_memory);
		else if (strcmp(k, keys[3]) == 0)
			rc = get_gib(l, v, k, &p->lightweight_memory_threshold_gb);
		else if (strcmp(k, keys[4]) == 0)
			rc = get_bool(l, v, k, &p->allow_accelerator_experiments);
		found |= rc;
	}
	return rc < 0 ? rc : found;
}

static int validate_optimization(struct loader *l, const struct crc_yaml_node *n)
{
	static const char *const keys[] = {"opt_level", "lto",        "codegen_units",
					   "strip",     "debug_info", "wasm_opt"};
	static const char *const levels[] = {"0", "1", "2", "3", "s", "z"}, *const ltos[] = {"off", "thin",
											     "fat"};
	static const char *const wasm_levels[] = {"off", "O1", "O2", "O3", "O4", "Os", "Oz"};
	int rc = want_kind(l, n, CRC_YAML_MAP, "optimization"), found;
	if (rc)
		return rc;
	if ((found = check_keys(l, n, "optimization", keys, 6)) < 0)
		return found;
	for (size_t i = 0; i < n->n && rc >= 0; i++) {
		const char *k = n->keys[i]->value;
		const struct crc_yaml_node *v = n->values[i];
		if (strcmp(k, "opt_level") == 0)
			rc = get_choice(l, v, k, levels, 6, "0, 1, 2, 3, s, z",
					&l->p->optimization.opt_level);
		else if (strcmp(k, "lto") == 0)
			rc = get_choice(l, v, k, ltos, 3, "off, thin, fat", &l->p->optimization.lto);
		else if (strcmp(k, "codegen_units") == 0)
			rc = get_int(l, v, k, 1, 256, &l->p->optimization.codegen_units);
		else if (strcmp(k, "strip") == 0)
			rc = get_bool(l, v, k, &l->p->optimization.strip);
		else if (strcmp(k, "debug_info") == 0)
			rc = get_bool(l, v, k, &l->p->optimization.debug_info);
		else if (strcmp(k, "wasm_opt") == 0)
			rc = get_choice(l, v, k, wasm_levels, 7, "off, O1, O2, O3, O4, Os, Oz",
					&l->p->optimization.wasm_opt);
		found |= rc;
	}
	return rc < 0 ? rc : found;
}

static int validate_features(struct loader *l, const struct crc_yaml_node *n)
{
	struct crc_strlist *f = &l->p->features;
	int rc = get_strlist(l, n, "features", f), found = rc;
	if (rc < 0 || (rc && n->kind != CRC_YAML_SEQ))
		return rc;
	/* f->items are the values of the items that were valid strings, in order. */
	for (size_t i = 0, k = 0; i < n->n && k < f->n; i++) {
		if (n->values[i]->value != f->items[k])
			continue;
		const char *g = f->items[k++];
		if (crc_gates_find(l->gates, g) >= 0)
			continue;
		const char *best = crc_suggest(g, l->gates->names, l->gates->n);
		rc = best ? bad(l, n->values[i], "unknown feature gate '%s' (did you mean '%s'?)", g, best)
			  : bad(l, n->values[i],
				"unknown feature gate '%s' (runtime/features.yaml declares the gates)", g);
		if (rc < 0)
			return rc;
		found = RECORDED;
	}
	return found;
}

/* per_target: each key one of the profile's targets. When the targets had problems (collect mode), the
 * keys cannot be matched, and only what each holds is checked. */
static int validate_per_target(struct loader *l, const struct crc_yaml_node *n)
{
	int rc = want_kind(l, n, CRC_YAML_MAP, "per_target"), found = 0;
	for (size_t i = 0; !rc && i < n->n; i++) {
		struct crc_profile_extra scratch = {{0, NULL}, {0, NULL}, {0, NULL, NULL}}, *x = &scratch;
		size_t t = 0;
		while (t < l->p->ntargets && strcmp(l->p->targets[t].triple, n->keys[i]->value) != 0)
			t++;
		if (t < l->p->ntargets)
			x = &l->p->targets[t].extra;
		else if (l->targets_ok)
			rc = bad(l, n->keys[i], "per_target '%s' is not one of the profile's targets",
				 n->keys[i]->value);
		if (rc == 0)
			rc = get_extra(l, n->values[i], n->keys[i]->value, x);
		if (rc > 0)
			found = RECORDED, rc = 0;
	}
	return rc ? rc : found;
}

/* Validates the merged tree into l->p. Returns a negative code for the first problem, or, in collect
 * mode, RECORDED when it recorded any (and 0 when there were none). */
static int validate(struct loader *l, const struct crc_yaml_node *tree, const char *name)
{
	static const char *const keys[] = {"name",           "description", "extends",   "targets",
					   "optimization",   "features",    "policy",    "archive",
					   "compiler_cache", "extra",       "per_target"};
	static const char *const archives[] = {"tar.zst", "tar.gz"};
	static const char *const caches[] = {"auto", "ccache", "off"};
	struct crc_profile *p = l->p;
	const struct crc_yaml_node *v;
	int rc, found = check_keys(l, tree, "the profile", keys, 11);
	if (found < 0)
		return found;
	if (!(v = crc_yaml_get(tree, "name")))
		rc = bad(l, tree, "the profile has no 'name'");
	else if ((rc = get_string(l, v, "name", &p->name)) == 0 && strcmp(p->name, name) != 0)
		rc = bad(l, v, "name '%s' differs from the file name '%s.yaml'", p->name, name);
	if (rc < 0)
		return rc;
	found |= rc;
	if (!(v = crc_yaml_get(tree, "description")))
		rc = bad(l, tree, "the profile has no 'description'");
	else
		rc = get_string(l, v, "description", &p->description);
	if (rc < 0)
		return rc;
	found |= rc;
	if (!(v = crc_yaml_get(tree, "targets")))
		rc = bad(l, tree, "the profile has no 'targets'");
	else
		rc = validate_targets(l, v);
	if (rc < 0)
		return rc;
	found |= rc;
	if ((v = crc_yaml_get(tree, "optimization")) && (rc = validate_optimization(l, v)) < 0)
		return rc;
	found |= v ? rc : 0;
	if ((v = crc_yaml_get(tree, "features")) && (rc = validate_features(l, v)) < 0)
		return rc;
	found |= v ? rc : 0;
	if ((v = crc_yaml_get(tree, "policy")) && (rc = validate_policy(l, v)) < 0)
		return rc;
	found |= v ? rc : 0;
	if ((v = crc_yaml_get(tree, "archive")) &&
	    (rc = get_choice(l, v, "archive", archives, 2, "tar.zst, tar.gz", &p->archive)) < 0)
		return rc;
	found |= v ? rc : 0;
	if ((v = crc_yaml_get(tree, "compiler_cache")) &&
	    (rc = get_choice(l, v, "compiler_cache", caches, 3, "auto, ccache, off", &p->compiler_cache)) < 0)
		return rc;
	found |= v ? rc : 0;
	if ((v = crc_yaml_get(tree, "extra")) && (rc = get_extra(l, v, "extra", &p->extra)) < 0)
		return rc;
	found |= v ? rc : 0;
	if ((v = crc_yaml_get(tree, "per_target")) && (rc = validate_per_target(l, v)) < 0)
		return rc;
	found |= v ? rc : 0;
	return found;
}

static void defaults(struct crc_profile *p)
{
	p->optimization.opt_level = "2";
	p->optimization.lto = "off";
	p->optimization.codegen_units = 16;
	p->optimization.wasm_opt = "off";
	p->archive = "tar.zst";
	p->compiler_cache = "auto";
	/* The runtime's own policy defaults (runtime/README.md). */
	p->policy.prefer_gpu = 1;
	p->policy.min_gpu_memory_gb = 8.0;
	p->policy.prefer_lightweight_python_on_low_memory = 1;
	p->policy.lightweight_memory_threshold_gb = 6.0;
	p->policy.allow_accelerator_experiments = 1;
}

/* Loads and validates profile `name` into a new l->p (which the caller frees). Returns 0, a negative
 * code (l->err set), or RECORDED when collect mode recorded problems. */
static int load(struct loader *l, const char *name, const char *const *sets, size_t nsets)
{
	struct crc_yaml_node *tree = NULL;
	if (!safe_name(name))
		return crc_err(l->err, CRC_EINVALID,
			       "invalid profile name '%s' (lower-case letters, digits, '-', '_' and '.')",
			       name);
	l->p = calloc(1, sizeof *l->p);
	if (!l->p)
		return crc_err(l->err, CRC_ENOMEM, "out of memory");
	crc_arena_init(&l->p->arena, PROFILE_ARENA_MAX);
	defaults(l->p);
	int rc = load_chain(l, name, NULL, &tree);
	for (size_t i = 0; !rc && i < nsets; i++)
		rc = apply_set(l, tree, sets[i]);
	if (!rc)
		rc = validate(l, tree, name);
	return rc;
}

/* Loads in stop mode: the first problem ends it and is the error. */
static int load_one(struct crc_profile **out, struct loader *l, const char *name, const char *const *sets,
		    size_t nsets)
{
	*out = NULL;
	int rc = load(l, name, sets, nsets);
	if (rc) {
		crc_profile_free(l->p);
		return rc;
	}
	*out = l->p;
	return 0;
}

int crc_profile_load(struct crc_profile **out, const char *root, const struct crc_gates *gates,
		     const char *name, const char *const *sets, size_t nsets, struct crc_error *err)
{
	struct loader l;
	memset(&l, 0, sizeof l);
	l.root = root;
	l.gates = gates;
	l.err = err;
	return load_one(out, &l, name, sets, nsets);
}

int crc_profile_parse(struct crc_profile **out, const char *root, const struct crc_gates *gates,
		      const char *name, const char *path, const char *text, size_t len,
		      const char *const *sets, size_t nsets, struct crc_error *err)
{
	struct loader l;
	memset(&l, 0, sizeof l);
	l.root = root;
	l.gates = gates;
	l.err = err;
	l.text = text;
	l.len = len;
	l.path = path;
	return load_one(out, &l, name, sets, nsets);
}

static int diag_before(const struct crc_error *a, const struct crc_error *b)
{
	return a->line != b->line ? a->line < b->line : a->col < b->col;
}

/* Sorts the problems recorded from index `from` on by file (in the order the files were first met), then
 * by line and column; stable, in place. */
static void sort_diags(struct crc_diags *d, size_t from)
{
	size_t rank[CRC_DIAG_MAX];
	for (size_t i = from; i < d->n; i++) {
		rank[i] = i;
		for (size_t k = from; k < i; k++)
			if (strcmp(d->items[k].path, d->items[i].path) == 0) {
				rank[i] = rank[k];
				break;
			}
	}
	for (size_t i = from + 1; i < d->n; i++) {
		struct crc_error e = d->items[i];
		size_t r = rank[i], j = i;
		while (j > from &&
		       (rank[j - 1] > r || (rank[j - 1] == r && diag_before(&e, &d->items[j - 1])))) {
			d->items[j] = d->items[j - 1];
			rank[j] = rank[j - 1];
			j--;
		}
		d->items[j] = e;
		rank[j] = r;
	}
}

/* Loads in collect mode; see crc_profile_check. */
static int check_one(struct loader *l, const char *name, struct crc_diags *diags, struct crc_error *err)
{
	struct crc_error stop;
	size_t from = diags->n;
	crc_error_clear(&stop);
	l->err = &stop;
	l->collect = 1;
	l->diags = diags;
	int rc = load(l, name, NULL, 0);
	crc_profile_free(l->p);
	l->p = NULL;
	if (rc < 0) {
		/* The problem that stopped the check (a YAML error, a missing file, out of memory). */
		crc_diags_add(diags, &stop);
		l->problems++;
	}
	if (!l->problems)
		return 0;
	sort_diags(diags, from);
	if (err)
		*err = rc >= 0 && diags->n > from ? diags->items[from] : stop;
	return rc < 0 ? rc : CRC_EINVALID;
}

int crc_profile_check(const char *root, const struct crc_gates *gates, const char *name,
		      struct crc_diags *diags, struct crc_error *err)
{
	struct loader l;
	memset(&l, 0, sizeof l);
	l.root = root;
	l.gates = gates;
	return check_one(&l, name, diags, err);
}

int crc_profile_check_text(const char *root, const struct crc_gates *gates, const char *name,
			   const char *path, const char *text, size_t len, struct crc_diags *diags,
			   struct crc_error *err)
{
	struct loader l;
	memset(&l, 0, sizeof l);
	l.root = root;
	l.gates = gates;
	l.text = text;
	l.len = len;
	l.path = path;
	return check_one(&l, name, diags, err);
}

void crc_profile_free(struct crc_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ndocs; i++)
		crc_yaml_free(p->docs[i]);
	crc_arena_free(&p->arena);
	free(p);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int crc_profile_list(char ***names, size_t *n, const char *root, struct crc_error *err)
{
	enum { MAX_PROFILES = 256 };
	char dirpath[4096], found[MAX_PROFILES][NAME_MAX_LEN + 1];
	size_t count = 0, bytes = 0;
	*names = NULL;
	*n = 0;
	int w = snprintf(dirpath, sizeof dirpath, "%s/profiles", root);
	if (w < 0 || (size_t)w >= sizeof dirpath)
		return crc_err(err, CRC_EINVALID, "path too long: %s/profiles", root);
	char **all;
	size_t nall;
	int rc = crc_os_list_path(&all, &nall, dirpath, err);
	if (rc)
		return rc;
	/* The first MAX_PROFILES in name order. */
	for (size_t i = 0; i < nall && count < MAX_PROFILES; i++) {
		size_t len = strlen(all[i]);
		if (len <= 5 || strcmp(all[i] + len - 5, ".yaml") != 0 || len - 5 > NAME_MAX_LEN)
			continue;
		memcpy(found[count], all[i], len - 5);
		found[count][len - 5] = '\0';
		if (safe_name(found[count]))
			bytes += len - 4, count++;
	}
	crc_os_names_free(all, nall);
	/* One block: the pointer array, then the names. */
	char **out = malloc(count * sizeof *out + bytes + 1);
	if (!out)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	char *q = (char *)(out + count);
	for (size_t i = 0; i < count; i++) {
		size_t len = strlen(found[i]) + 1;
		memcpy(q, found[i], len);
		out[i] = q;
		q += len;
	}
	qsort(out, count, sizeof *out, by_name);
	*names = out;
	*n = count;
	return 0;
}

static struct crc_json *extra_json(const struct crc_profile_extra *x)
{
	struct crc_json *o = crc_json_object(), *c = crc_json_object();
	if (!o || !c || crc_json_set(o, "cflags", crc_strlist_json(&x->cflags)) ||
	    crc_json_set(o, "ldflags", crc_strlist_json(&x->ldflags)))
		goto fail;
	for (size_t i = 0; i < x->cmake.n; i++)
		if (crc_json_set_str(c, x->cmake.keys[i], x->cmake.values[i]))
			goto fail;
	if (crc_json_set(o, "cmake", c)) {
		c = NULL;
		goto fail;
	}
	return o;
fail:
	crc_json_free(c);
	crc_json_free(o);
	return NULL;
}

struct crc_json *crc_profile_json(const struct crc_profile *p)
{
	struct crc_json *o = crc_json_object(), *chain = crc_json_array(), *targets = crc_json_array(),
			*opt = crc_json_object(), *pol = crc_json_object(), *per = crc_json_object();
	/* Containers are attached first (crc_json_set owns its child even when it fails), then filled. */
	int rc = !o || crc_json_set_str(o, "schema", "crc.profile/v1") ||
		 crc_json_set_str(o, "name", p->name) || crc_json_set_str(o, "description", p->description) ||
		 crc_json_set(o, "extends", chain) || crc_json_set(o, "targets", targets) ||
		 crc_json_set(o, "optimization", opt) ||
		 crc_json_set(o, "features", crc_strlist_json(&p->features)) ||
		 crc_json_set(o, "policy", pol) || crc_json_set_str(o, "archive", p->archive) ||
		 crc_json_set_str(o, "compiler_cache", p->compiler_cache) ||
		 crc_json_set(o, "extra", extra_json(&p->extra)) || crc_json_set(o, "per_target", per);
	for (size_t i = 1; !rc && i < p->nchain; i++)
		rc = crc_json_push_str(chain, p->chain[i]);
	for (size_t i = 0; !rc && i < p->ntargets; i++)
		rc = crc_json_push_str(targets, p->targets[i].triple) ||
		     crc_json_set(per, p->targets[i].triple, extra_json(&p->targets[i].extra));
	rc = rc || crc_json_set_str(opt, "opt_level", p->optimization.opt_level) ||
	     crc_json_set_str(opt, "lto", p->optimization.lto) ||
	     crc_json_set_int(opt, "codegen_units", p->optimization.codegen_units) ||
	     crc_json_set_bool(opt, "strip", p->optimization.strip) ||
	     crc_json_set_bool(opt, "debug_info", p->optimization.debug_info) ||
	     crc_json_set_str(opt, "wasm_opt", p->optimization.wasm_opt);
	rc = rc || crc_json_set_bool(pol, "prefer_gpu", p->policy.prefer_gpu) ||
	     crc_json_set_number(pol, "min_gpu_memory_gb", p->policy.min_gpu_memory_gb) ||
	     crc_json_set_bool(pol, "prefer_lightweight_python_on_low_memory",
			       p->policy.prefer_lightweight_python_on_low_memory) ||
	     crc_json_set_number(pol, "lightweight_memory_threshold_gb",
				 p->policy.lightweight_memory_threshold_gb) ||
	     crc_json_set_bool(pol, "allow_accelerator_experiments", p->policy.allow_accelerator_experiments);
	if (rc) {
		if (!o) {
			crc_json_free(chain);
			crc_json_free(targets);
			crc_json_free(opt);
			crc_json_free(pol);
			crc_json_free(per);
		}
		crc_json_free(o);
		return NULL;
	}
	return o;
}
