/* manifest.yaml and SHA256SUMS (see crc/manifest.h, docs/manifest.md). One set of rules serves both
 * directions: validate() checks a struct crc_manifest against everything the schema promises, and runs
 * before the writer emits (so what is written always parses back to the same struct) and after the parser
 * has turned the YAML tree into a struct (so what is read keeps the promises). The parser's own part is
 * the YAML-level typing: which keys exist, kinds, plain versus quoted scalars, numbers and booleans.
 * Fields are named in messages by their place, "artifacts[0].entries[3].path"; parse errors also carry
 * file:line:col, found again in the tree from that place. libyaml's emitter stays in this file. */
#include "crc/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "crc/ids.h"
#include "crc/yaml.h"

#define NO_INDEX ((size_t)-1)
#define MAX_STEPS 4

/* ---- Where a field is, for messages and for finding its node again ---------------------------------- */

/* A field's place: steps from the root (a key, then an item index or NO_INDEX), then a key or NULL. */
struct where {
	int n;
	struct {
		const char *key;
		size_t index;
	} step[MAX_STEPS];
};

static struct where root_where(void)
{
	struct where w;
	w.n = 0;
	return w;
}

/* w with one more step. */
static struct where down(const struct where *w, const char *key, size_t index)
{
	struct where d = *w;
	if (d.n < MAX_STEPS) {
		d.step[d.n].key = key;
		d.step[d.n].index = index;
		d.n++;
	}
	return d;
}

/* Formats "targets[0].smoke.features[2]" (key appended when not NULL) into buf. */
static const char *field_name(char *buf, size_t size, const struct where *w, const char *key)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i <= w->n; i++) {
		const char *k = i < w->n ? w->step[i].key : key;
		size_t index = i < w->n ? w->step[i].index : NO_INDEX;
		if (!k)
			break;
		int r = index == NO_INDEX
				? snprintf(buf + len, size - len, "%s%s", len ? "." : "", k)
				: snprintf(buf + len, size - len, "%s%s[%zu]", len ? "." : "", k, index);
		if (r < 0 || (size_t)r >= size - len)
			return buf; /* cannot happen: keys are ours and short; the name stops where it ran out
				     */
		len += (size_t)r;
	}
	return buf;
}

/* The node at w (and key) in a parsed tree, or the deepest ancestor that exists; NULL without a tree. */
static const struct crc_yaml_node *locate(const struct crc_yaml_node *root, const struct where *w,
					  const char *key)
{
	const struct crc_yaml_node *n = root, *next;
	for (int i = 0; n && i <= w->n; i++) {
		const char *k = i < w->n ? w->step[i].key : key;
		if (!k)
			break;
		if (!(next = crc_yaml_get(n, k)))
			return n;
		n = next;
		size_t index = i < w->n ? w->step[i].index : NO_INDEX;
		if (index != NO_INDEX) {
			if (n->kind != CRC_YAML_SEQ || index >= n->n)
				return n;
			n = n->values[index];
		}
	}
	return n;
}

/* ---- Errors ------------------------------------------------------------------------------------------ */

struct ctx {
	/* The file in messages; NULL when writing. */
	const char *path;
	struct crc_error *err;
	/* The parsed tree (NULL when writing) and the arena the parsed manifest lives in. */
	const struct crc_yaml_node *root;
	struct crc_arena *arena;
};

/* Formats into msg (CRC_ERROR_MSG_MAX bytes), marking a cut message with "...". */
static void vformat(char *msg, const char *fmt, va_list ap)
{
	int w = vsnprintf(msg, CRC_ERROR_MSG_MAX, fmt, ap);
	if (w < 0)
		memcpy(msg, "(message could not be formatted)", sizeof "(message could not be formatted)");
	else if ((size_t)w >= CRC_ERROR_MSG_MAX)
		memcpy(msg + CRC_ERROR_MSG_MAX - 4, "...", 4);
}

/* Records CRC_EINVALID "<prefix><message>" at the position of node n (when there is one). */
static int vbad(const struct ctx *c, const struct crc_yaml_node *n, const char *prefix, const char *fmt,
		va_list ap)
{
	char msg[CRC_ERROR_MSG_MAX];
	vformat(msg, fmt, ap);
	if (c->path)
		return crc_err_at(c->err, CRC_EINVALID, c->path, n ? n->line : 0, n ? n->col : 0, "%s%s",
				  prefix, msg);
	return crc_err(c->err, CRC_EINVALID, "%s%s", prefix, msg);
}

__attribute__((format(printf, 3, 4))) static int bad(const struct ctx *c, const struct crc_yaml_node *n,
						     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vbad(c, n, "", fmt, ap);
	va_end(ap);
	return rc;
}

static int nomem(const struct ctx *c)
{
	return crc_err(c->err, CRC_ENOMEM, "out of memory");
}

/* ---- Value rules, shared by the writer and the parser ------------------------------------------------ */

static const char *S(const char *s)
{
	return s ? s : "";
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned cp;
	size_t len;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Why the n bytes at s are not acceptable text (valid UTF-8 without C0 or C1 control characters or
 * DEL), or NULL. */
static const char *text_problem(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_len(u + i, n - i);
		if (len == 0)
			return "must be valid UTF-8";
		if ((len == 1 && (u[i] < 0x20 || u[i] == 0x7f)) ||
		    (len == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0))
			return "must not hold control characters";
		i += len;
	}
	return NULL;
}

/* A value for a message: at most 64 bytes (whole characters, then "..." when cut), with control
 * characters and bytes that are not UTF-8 shown as '?'. */
static const char *show(char *buf, size_t size, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), max = size - 4 < 64 ? size - 4 : 64, out = 0, i = 0;
	while (i < n) {
		size_t len = utf8_len(u + i, n - i);
		int bad = len == 0 || (len == 1 && (u[i] < 0x20 || u[i] == 0x7f)) ||
			  (len == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0);
		size_t w = bad ? 1 : len;
		if (out + w > max)
			break;
		if (bad)
			buf[out] = '?';
		else
			memcpy(buf + out, s + i, len);
		out += w;
		i += bad ? (len ? len : 1) : len;
	}
	memcpy(buf + out, i < n ? "..." : "", i < n ? 4 : 1);
	return buf;
}

/* Why the n bytes at s are not a file name of the drop (an artifact, a SHA256SUMS name), or NULL. */
static const char *file_name_problem(const char *s, size_t n)
{
	if (n == 0)
		return "must not be empty";
	if (memchr(s, '/', n))
		return "must be a file name without '/'";
	if (memchr(s, '\\', n))
		return "must not contain '\\'";
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return "must not be '.' or '..'";
	if (n > CRC_MANIFEST_MAX_NAME)
		return "must be at most 255 bytes";
	return text_problem(s, n);
}

/* The length of the component at p: up to the next '/' before end, or to end. Paths are walked by length,
 * never with strcspn or strchr on the rest of the string, which ASan's strict string checks (the test
 * builds) read whole on every call: one pass over a path costs its length in every build. */
static size_t component(const char *p, const char *end)
{
	const char *slash = memchr(p, '/', (size_t)(end - p));
	return slash ? (size_t)(slash - p) : (size_t)(end - p);
}

/* Why s is not a path inside an archive, or NULL. */
static const char *rel_path_problem(const char *s)
{
	size_t n = strlen(s);
	if (n == 0)
		return "must not be empty";
	if (s[0] == '/')
		return "must be relative";
	if (strchr(s, '\\'))
		return "must not contain '\\'";
	if (n > CRC_MANIFEST_MAX_PATH)
		return "must be at most 4096 bytes";
	for (const char *p = s, *end = s + n;;) {
		size_t len = component(p, end);
		if (len == 0)
			return "must not have empty components";
		if (len == 1 && p[0] == '.')
			return "must not have '.' components";
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return "must not contain '..'";
		if (len > CRC_MANIFEST_MAX_NAME)
			return "must not have components longer than 255 bytes";
		if (p + len == end)
			break;
		p += len + 1;
	}
	return text_problem(s, n);
}

/* Why a symlink at path pointing to link is not acceptable (relative, and inside the archive when read
 * component by component from the link's directory), or NULL. */
static const char *link_problem(const char *path, const char *link)
{
	size_t n = strlen(link), depth = 0;
	if (n == 0)
		return "must not be empty";
	if (link[0] == '/')
		return "must be relative";
	if (strchr(link, '\\'))
		return "must not contain '\\'";
	if (n > CRC_MANIFEST_MAX_PATH)
		return "must be at most 4096 bytes";
	const char *problem = text_problem(link, n);
	if (problem)
		return problem;
	for (const char *p = path; *p; p++)
		depth += *p == '/';
	for (const char *p = link, *end = link + n;;) {
		size_t len = component(p, end);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (depth == 0)
				return "points outside the archive";
			depth--;
		} else if (len > 0 && !(len == 1 && p[0] == '.')) {
			depth++;
		}
		if (p + len == end)
			break;
		p += len + 1;
	}
	return NULL;
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static const char *const opt_levels[] = {"0", "1", "2", "3", "s", "z", NULL};
static const char *const ltos[] = {"off", "thin", "fat", NULL};
static const char *const dialects[] = {"gcc", "clang", NULL};
static const char *const wasm_opt_levels[] = {"O1", "O2", "O3", "O4", "Os", "Oz", NULL};
static const char *const formats[] = {"tar.zst", "tar.gz", "zip", NULL};

/* ---- Duplicates and lookups by sorting ------------------------------------------------------------- */

/* Every check over a list an attacker writes is n log n in its length: keys are sorted once (with their
 * original index, so that messages still name the first of two items), then neighbours are compared or
 * looked up by binary search. */
struct keyed {
	const char *key;
	size_t len, index;
};

static int by_key(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int r = strcmp(x->key, y->key);
	if (r)
		return r;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Path order: byte order with '/' before every other byte (a path holds no byte below 0x20), so that the
 * paths below a directory come right after it, before a sibling its name is a prefix of ("a", "a/b",
 * "a.txt"). The bytes both share are skipped 16 at a time. */
static int by_path(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len, i = 0;
	while (i + 16 <= n && memcmp(x->key + i, y->key + i, 16) == 0)
		i += 16;
	while (i < n && x->key[i] == y->key[i])
		i++;
	if (i < n) {
		unsigned char p = x->key[i] == '/' ? 0 : (unsigned char)x->key[i],
			      q = y->key[i] == '/' ? 0 : (unsigned char)y->key[i];
		return p < q ? -1 : 1;
	}
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* The n keys sorted by (key, index) in byte order, or in path order (by_path), malloc'd; NULL when out of
 * memory. */
static struct keyed *sorted_by(const char *const *keys, size_t n, int (*cmp)(const void *, const void *))
{
	struct keyed *k = malloc((n ? n : 1) * sizeof *k);
	if (!k)
		return NULL;
	for (size_t i = 0; i < n; i++)
		k[i] = (struct keyed){S(keys[i]), strlen(S(keys[i])), i};
	qsort(k, n, sizeof *k, cmp);
	return k;
}

static struct keyed *sorted(const char *const *keys, size_t n)
{
	return sorted_by(keys, n, by_key);
}

/* In sorted keys (either order), the first item in original order whose key an earlier item has: returns
 * 1 and sets *dup and *first, or 0 when the keys are distinct. */
static int first_duplicate(const struct keyed *k, size_t n, size_t *first, size_t *dup)
{
	int found = 0;
	for (size_t i = 1, start = 0; i < n; i++) {
		if (k[i].len != k[start].len || memcmp(k[i].key, k[start].key, k[i].len) != 0) {
			start = i;
			continue;
		}
		if (!found || k[i].index < *dup) {
			*dup = k[i].index;
			*first = k[start].index;
			found = 1;
		}
	}
	return found;
}

/* The index in keys sorted in byte order of the key equal to the len bytes at p, or NO_INDEX. */
static size_t find_key(const struct keyed *k, size_t n, const char *p, size_t len)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strncmp(k[mid].key, p, len);
		if (r == 0)
			r = k[mid].key[len] != '\0';
		if (r == 0) {
			while (mid > lo && strcmp(k[mid - 1].key, k[mid].key) == 0)
				mid--;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NO_INDEX;
}

/* Whether path y lies below path x (x, then '/', then more). */
static int is_below(const struct keyed *x, const struct keyed *y)
{
	return x->len < y->len && y->key[x->len] == '/' && memcmp(x->key, y->key, x->len) == 0;
}

/* ---- validate(): every rule of the schema, on the struct ------------------------------------------ */

/* Reports "<field> <message>" at the field's node. */
__attribute__((format(printf, 4, 5))) static int bad_field(const struct ctx *c, const struct where *w,
							   const char *key, const char *fmt, ...)
{
	char prefix[300];
	size_t n = strlen(field_name(prefix, sizeof prefix - 1, w, key));
	va_list ap;
	prefix[n] = ' ';
	prefix[n + 1] = '\0';
	va_start(ap, fmt);
	int rc = vbad(c, locate(c->root, w, key), prefix, fmt, ap);
	va_end(ap);
	return rc;
}

/* Reports "<field> '<value>' <message>". */
__attribute__((format(printf, 5, 6))) static int bad_value(const struct ctx *c, const struct where *w,
							   const char *key, const char *value,
							   const char *fmt, ...)
{
	char name[256], v[80], prefix[sizeof name + sizeof v + 4];
	va_list ap;
	field_name(name, sizeof name, w, key);
	show(v, sizeof v, value);
	memcpy(prefix, name, strlen(name));
	size_t n = strlen(name);
	memcpy(prefix + n, " '", 2);
	memcpy(prefix + n + 2, v, strlen(v));
	n += 2 + strlen(v);
	memcpy(prefix + n, "' ", 3);
	va_start(ap, fmt);
	int rc = vbad(c, locate(c->root, w, key), prefix, fmt, ap);
	va_end(ap);
	return rc;
}

static int check_text(const struct ctx *c, const struct where *w, const char *key, const char *s,
		      int may_be_empty)
{
	const char *problem =
		!S(s)[0] ? (may_be_empty ? NULL : "must not be empty") : text_problem(s, strlen(s));
	return problem ? bad_field(c, w, key, "%s", problem) : 0;
}

static int check_hex(const struct ctx *c, const struct where *w, const char *key, const char *s)
{
	return crc_ids_hex64_ok(S(s)) ? 0 : bad_field(c, w, key, "must be 64 lower-case hex digits");
}

static int check_ident(const struct ctx *c, const struct where *w, const char *key, const char *s)
{
	if (crc_ids_name_ok(S(s)))
		return 0;
	return bad_value(c, w, key, S(s),
			 "must be 1 to 128 letters, digits, '.', '_' or '-' (not '.' or '..')");
}

static int check_choice(const struct ctx *c, const struct where *w, const char *key, const char *s,
			const char *const *choices, const char *list)
{
	return in_list(S(s), choices) ? 0 : bad_field(c, w, key, "must be one of %s", list);
}

static int check_flag(const struct ctx *c, const struct where *w, const char *key, int v)
{
	return v == 0 || v == 1 ? 0 : bad_field(c, w, key, "must be true or false (0 or 1)");
}

static int check_size(const struct ctx *c, const struct where *w, const char *key, unsigned long long v)
{
	return v <= CRC_MANIFEST_MAX_SIZE
		       ? 0
		       : bad_field(c, w, key, "must be a whole number from 0 to 9007199254740992");
}

/* A list of strings: at most CRC_MANIFEST_MAX_LIST items, each non-empty text; distinct when unique. */
static int check_list(const struct ctx *c, const struct where *w, const char *key,
		      const struct crc_strlist *l, int unique)
{
	struct where lw = down(w, key, NO_INDEX);
	int rc = 0;
	if (l->n > CRC_MANIFEST_MAX_LIST)
		return bad_field(c, w, key, "lists more than 4096 items");
	if (l->n && !l->items)
		return bad_field(c, w, key, "has items but no array");
	for (size_t i = 0; i < l->n && !rc; i++) {
		lw.step[lw.n - 1].index = i;
		rc = check_text(c, &lw, NULL, l->items[i], 0);
	}
	if (rc || !unique || l->n < 2)
		return rc;
	struct keyed *k = sorted(l->items, l->n);
	size_t first, dup;
	if (!k)
		return nomem(c);
	if (first_duplicate(k, l->n, &first, &dup)) {
		lw.step[lw.n - 1].index = dup;
		rc = bad_value(c, &lw, NULL, l->items[dup], "is listed twice (first as item %zu)", first);
	}
	free(k);
	return rc;
}

static int check_smoke(const struct ctx *c, const struct where *tw, const struct crc_manifest_smoke *s)
{
	struct where w = down(tw, "smoke", NO_INDEX);
	int rc = check_flag(c, &w, "ok", s->ok), empty = !s->ok;
	if (!rc)
		rc = check_text(c, &w, "noa_version", s->noa_version, empty);
	if (!rc)
		rc = check_text(c, &w, "triple", s->triple, empty);
	if (!rc)
		rc = check_text(c, &w, "profile", s->profile, empty);
	if (!rc)
		rc = check_text(c, &w, "opt_level", s->opt_level, empty);
	if (!rc)
		rc = check_text(c, &w, "lto", s->lto, empty);
	if (!rc)
		rc = check_list(c, &w, "features", &s->features, 0);
	if (!rc)
		rc = check_text(c, &w, "target_kind", s->target_kind, empty);
	return rc;
}

/* The optional wasm_opt of a target: checked only when it has a level. */
static int check_wasm_opt(const struct ctx *c, const struct where *tw, const struct crc_manifest_target *t)
{
	struct where w = down(tw, "wasm_opt", NO_INDEX);
	if (!S(t->wasm_opt.level)[0])
		return 0;
	int rc = check_choice(c, &w, "level", t->wasm_opt.level, wasm_opt_levels, "O1, O2, O3, O4, Os, Oz");
	if (!rc)
		rc = check_size(c, &w, "size_before", t->wasm_opt.size_before);
	if (!rc && (t->wasm_opt.size_after == 0 || t->wasm_opt.size_after > CRC_MANIFEST_MAX_SIZE))
		rc = bad_field(c, &w, "size_after", "must be a whole number from 1 to 9007199254740992");
	return rc;
}

static const char *const image_architectures[] = {"amd64", "arm64", NULL};

/* The optional image of a target: checked only when it has an architecture. */
static int check_image(const struct ctx *c, const struct where *tw, const struct crc_manifest_target *t)
{
	struct where w = down(tw, "image", NO_INDEX);
	if (!S(t->image.architecture)[0])
		return 0;
	int rc = check_choice(c, &w, "architecture", t->image.architecture, image_architectures,
			      "amd64, arm64");
	if (!rc && S(t->image.variant)[0] &&
	    (strcmp(t->image.architecture, "arm64") != 0 || strcmp(t->image.variant, "v8") != 0))
		rc = bad_field(c, &w, "variant", "must be v8 (arm64 only) or absent");
	if (!rc)
		rc = check_hex(c, &w, "layer_sha256", t->image.layer_sha256);
	if (!rc)
		rc = check_hex(c, &w, "diff_id", t->image.diff_id);
	if (!rc)
		rc = check_hex(c, &w, "config_sha256", t->image.config_sha256);
	if (!rc)
		rc = check_hex(c, &w, "manifest_sha256", t->image.manifest_sha256);
	static const char *const size_keys[] = {"layer_size", "config_size", "manifest_size"};
	const unsigned long long sizes[] = {t->image.layer_size, t->image.config_size,
					    t->image.manifest_size};
	for (size_t i = 0; i < 3 && !rc; i++)
		if (sizes[i] == 0 || sizes[i] > CRC_MANIFEST_MAX_SIZE)
			rc = bad_field(c, &w, size_keys[i],
				       "must be a whole number from 1 to 9007199254740992");
	return rc;
}

/* Each image blob of a target is listed in "files" as image/blobs/sha256/<hex>, with its size; at most
 * one target per architecture. */
static int check_image_files(const struct ctx *c, const struct crc_manifest *m)
{
	struct where top = root_where();
	for (size_t i = 0; i < m->ntargets; i++) {
		const struct crc_manifest_target *t = &m->targets[i];
		if (!S(t->image.architecture)[0])
			continue;
		struct where tw = down(&top, "targets", i), w = down(&tw, "image", NO_INDEX);
		for (size_t j = 0; j < i; j++)
			if (strcmp(S(m->targets[j].image.architecture), t->image.architecture) == 0)
				return bad_value(c, &w, "architecture", t->image.architecture,
						 "is targets[%zu]'s too (one image per architecture)", j);
		static const char *const keys[] = {"layer_sha256", "config_sha256", "manifest_sha256"};
		const char *hex[] = {t->image.layer_sha256, t->image.config_sha256, t->image.manifest_sha256};
		const unsigned long long size[] = {t->image.layer_size, t->image.config_size,
						   t->image.manifest_size};
		for (size_t k = 0; k < 3; k++) {
			char path[96];
			snprintf(path, sizeof path, "image/blobs/sha256/%s", hex[k]);
			size_t f = 0;
			while (f < m->nfiles && strcmp(S(m->files[f].path), path) != 0)
				f++;
			if (f == m->nfiles)
				return bad_value(c, &w, keys[k], hex[k],
						 "names a blob that files does not list");
			if (m->files[f].size != size[k])
				return bad_field(c, &w, keys[k],
						 "names a blob of another size than files[%zu]'s", f);
		}
	}
	return 0;
}

static int check_targets(const struct ctx *c, const struct crc_manifest *m)
{
	struct where top = root_where();
	int rc = 0;
	if (m->ntargets == 0 || !m->targets)
		return bad_field(c, &top, "targets", "must list at least one target");
	if (m->ntargets > CRC_MANIFEST_MAX_TARGETS)
		return bad_field(c, &top, "targets", "lists more than 4096 targets");
	for (size_t i = 0; i < m->ntargets && !rc; i++) {
		const struct crc_manifest_target *t = &m->targets[i];
		struct where w = down(&top, "targets", i);
		rc = check_ident(c, &w, "triple", t->triple);
		if (!rc)
			rc = check_text(c, &w, "compiler", t->compiler, 0);
		if (!rc)
			rc = check_text(c, &w, "compiler_version", t->compiler_version, 0);
		if (!rc)
			rc = check_choice(c, &w, "dialect", t->dialect, dialects, "gcc, clang");
		if (!rc)
			rc = check_list(c, &w, "emulator", &t->emulator, 0);
		if (!rc)
			rc = check_smoke(c, &w, &t->smoke);
		if (!rc)
			rc = check_wasm_opt(c, &w, t);
		if (!rc)
			rc = check_image(c, &w, t);
	}
	if (rc)
		return rc;
	const char **triples = malloc(m->ntargets * sizeof *triples);
	if (!triples)
		return nomem(c);
	for (size_t i = 0; i < m->ntargets; i++)
		triples[i] = m->targets[i].triple;
	struct keyed *k = sorted(triples, m->ntargets);
	size_t first, dup;
	if (!k)
		rc = nomem(c);
	else if (first_duplicate(k, m->ntargets, &first, &dup)) {
		struct where w = down(&top, "targets", dup);
		rc = bad_value(c, &w, "triple", triples[dup], "is listed twice (first as targets[%zu])",
			       first);
	}
	free(k);
	free(triples);
	return rc;
}

static int check_entry(const struct ctx *c, const struct where *w, const struct crc_manifest_entry *e)
{
	const char *problem = rel_path_problem(S(e->path));
	if (problem)
		return bad_value(c, w, "path", S(e->path), "%s", problem);
	if (e->type != 'f' && e->type != 'd' && e->type != 'l')
		return bad_field(c, w, "type", "must be one of file, dir, symlink");
	if (e->mode > 0777)
		return bad_field(c, w, "mode", "must be a quoted octal mode from \"0000\" to \"0777\"");
	const char *kind = e->type == 'f' ? "a file" : e->type == 'd' ? "a dir" : "a symlink";
	if (e->type == 'f') {
		int rc = check_size(c, w, "size", e->size);
		if (!rc)
			rc = check_hex(c, w, "sha256", e->sha256);
		if (rc)
			return rc;
	} else if (e->size != 0 || S(e->sha256)[0]) {
		return bad_field(c, w, NULL, "is %s: it must not have '%s'", kind,
				 e->size ? "size" : "sha256");
	}
	if (e->type == 'l') {
		problem = link_problem(e->path, S(e->link));
		return problem ? bad_value(c, w, "link", S(e->link), "%s", problem) : 0;
	}
	return S(e->link)[0] ? bad_field(c, w, NULL, "is %s: it must not have 'link'", kind) : 0;
}

/* The entries of one artifact: each on its own, then no path twice and nothing inside a file or symlink.
 * Sorted in path order, the entries below an entry come right after it: one pass with a stack of the
 * current entry's ancestors (each with the outermost file or symlink among them and itself) finds, for
 * every entry, the outermost file or symlink it lies inside. */
static int check_entries(const struct ctx *c, const struct where *aw, const struct crc_manifest_artifact *a)
{
	struct where w = down(aw, "entries", NO_INDEX);
	int rc = 0;
	if (a->nentries && !a->entries)
		return bad_field(c, aw, "entries", "has items but no array");
	for (size_t i = 0; i < a->nentries && !rc; i++) {
		w.step[w.n - 1].index = i;
		rc = check_entry(c, &w, &a->entries[i]);
	}
	if (rc || a->nentries == 0)
		return rc;
	size_t n = a->nentries, first, dup, depth = 0, inside = NO_INDEX, at = 0;
	const char **paths = malloc(n * sizeof *paths);
	size_t *stack = malloc(2 * n * sizeof *stack), *outer = stack + n;
	struct keyed *k = NULL;
	if (paths && stack) {
		for (size_t i = 0; i < n; i++)
			paths[i] = a->entries[i].path;
		k = sorted_by(paths, n, by_path);
	}
	if (!paths || !stack || !k) {
		rc = nomem(c);
		goto out;
	}
	if (first_duplicate(k, n, &first, &dup)) {
		w.step[w.n - 1].index = dup;
		rc = bad_value(c, &w, "path", paths[dup], "is listed twice (first as entries[%zu])", first);
		goto out;
	}
	for (size_t s = 0; s < n; s++) {
		while (depth && !is_below(&k[stack[depth - 1]], &k[s]))
			depth--;
		size_t o = depth ? outer[depth - 1] : NO_INDEX;
		if (o != NO_INDEX && (inside == NO_INDEX || k[s].index < inside)) {
			inside = k[s].index;
			at = o;
		}
		stack[depth] = s;
		outer[depth++] = o != NO_INDEX || a->entries[k[s].index].type == 'd' ? o : k[s].index;
	}
	if (inside != NO_INDEX) {
		w.step[w.n - 1].index = inside;
		rc = bad_value(c, &w, "path", paths[inside], "is inside entries[%zu], which is %s", at,
			       a->entries[at].type == 'f' ? "a file" : "a symlink");
	}
out:
	free(k);
	free(stack);
	free(paths);
	return rc;
}

/* The manifest's items (n of elem bytes from base) by the string at offset off of each, sorted in byte
 * order; NULL when out of memory. */
static struct keyed *sorted_field(const void *base, size_t n, size_t elem, size_t off)
{
	const char **keys = malloc((n ? n : 1) * sizeof *keys);
	struct keyed *k = NULL;
	if (!keys)
		return NULL;
	for (size_t i = 0; i < n; i++)
		memcpy(&keys[i], (const char *)base + i * elem + off, sizeof keys[i]);
	k = sorted(keys, n);
	free(keys);
	return k;
}

static int check_artifacts(const struct ctx *c, const struct crc_manifest *m)
{
	struct where top = root_where();
	size_t total = 0, first, dup;
	struct keyed *triples = NULL, *k = NULL;
	int rc = 0;
	if (m->nartifacts == 0 || !m->artifacts)
		return bad_field(c, &top, "artifacts", "must list at least one artifact");
	if (m->nartifacts > CRC_MANIFEST_MAX_ARTIFACTS)
		return bad_field(c, &top, "artifacts", "lists more than 4096 artifacts");
	for (size_t i = 0; i < m->nartifacts; i++) {
		if (m->artifacts[i].nentries > CRC_MANIFEST_MAX_ENTRIES - total)
			return bad_field(c, &top, "artifacts", "list more than 100000 entries in all");
		total += m->artifacts[i].nentries;
	}
	/* Each artifact's target is looked up among the (distinct) triples by binary search. */
	if (!(triples = sorted_field(m->targets, m->ntargets, sizeof *m->targets,
				     offsetof(struct crc_manifest_target, triple))))
		return nomem(c);
	for (size_t i = 0; i < m->nartifacts && !rc; i++) {
		const struct crc_manifest_artifact *a = &m->artifacts[i];
		struct where w = down(&top, "artifacts", i);
		const char *problem = file_name_problem(S(a->path), strlen(S(a->path)));
		if (problem) {
			rc = bad_value(c, &w, "path", S(a->path), "%s", problem);
			break;
		}
		if (find_key(triples, m->ntargets, S(a->target), strlen(S(a->target))) == NO_INDEX) {
			rc = bad_value(c, &w, "target", S(a->target), "is not one of the manifest's targets");
			break;
		}
		rc = check_choice(c, &w, "format", a->format, formats, "tar.zst, tar.gz, zip");
		size_t plen = strlen(a->path), flen = strlen(S(a->format));
		if (!rc && (plen <= flen + 1 || a->path[plen - flen - 1] != '.' ||
			    strcmp(a->path + plen - flen, a->format) != 0)) {
			rc = bad_value(c, &w, "path", a->path, "must end in '.%s' (its format)", a->format);
		}
		if (!rc)
			rc = check_size(c, &w, "size", a->size);
		if (!rc)
			rc = check_hex(c, &w, "sha256", a->sha256);
		if (!rc)
			rc = check_entries(c, &w, a);
	}
	if (rc)
		goto out;
	if (!(k = sorted_field(m->artifacts, m->nartifacts, sizeof *m->artifacts,
			       offsetof(struct crc_manifest_artifact, path)))) {
		rc = nomem(c);
	} else if (first_duplicate(k, m->nartifacts, &first, &dup)) {
		struct where w = down(&top, "artifacts", dup);
		rc = bad_value(c, &w, "path", m->artifacts[dup].path,
			       "is listed twice (first as artifacts[%zu])", first);
	}
out:
	free(k);
	free(triples);
	return rc;
}

/* Whether path ends in "blobs/sha256/<64 hex>" (a content-addressed blob); *hex points at the hex. */
static int is_blob_path(const char *path, const char **hex)
{
	size_t n = strlen(path);
	const char *tail = "blobs/sha256/";
	size_t t = strlen(tail);
	if (n < t + 64)
		return 0;
	const char *h = path + n - 64, *b = h - t;
	if (strncmp(b, tail, t) != 0 || (b != path && b[-1] != '/') || !crc_ids_hex64_ok(h))
		return 0;
	*hex = h;
	return 1;
}

/* The names a listed file must not take, nor have as its first component: the drop's own files. */
static const char *const reserved_names[] = {
	"manifest.yaml",   "manifest.yaml.sig", "SHA256SUMS", "flags.txt",
	"provenance.json", "template.yaml",     NULL};

static int check_files(const struct ctx *c, const struct crc_manifest *m)
{
	struct where top = root_where();
	struct keyed *names = NULL, *k = NULL;
	const char **paths = NULL;
	int rc = 0;
	if (m->nfiles > CRC_MANIFEST_MAX_FILES)
		return bad_field(c, &top, "files", "lists more than 60000 files");
	if (m->nfiles && !m->files)
		return bad_field(c, &top, "files", "is missing");
	if (!m->nfiles)
		return 0;
	/* A path's first component is looked up among the artifacts' names by binary search. */
	if (!(names = sorted_field(m->artifacts, m->nartifacts, sizeof *m->artifacts,
				   offsetof(struct crc_manifest_artifact, path))))
		return nomem(c);
	for (size_t i = 0; i < m->nfiles && !rc; i++) {
		const struct crc_manifest_file *f = &m->files[i];
		struct where w = down(&top, "files", i);
		const char *problem = rel_path_problem(S(f->path)), *hex;
		if (problem) {
			rc = bad_value(c, &w, "path", S(f->path), "%s", problem);
			break;
		}
		size_t first = strcspn(f->path, "/");
		int taken = find_key(names, m->nartifacts, f->path, first) != NO_INDEX;
		for (size_t r = 0; reserved_names[r]; r++)
			taken |= strlen(reserved_names[r]) == first &&
				 strncmp(f->path, reserved_names[r], first) == 0;
		if (taken) {
			rc = bad_value(c, &w, "path", f->path, "takes the name of another file of the drop");
			break;
		}
		if ((rc = check_size(c, &w, "size", f->size)) || (rc = check_hex(c, &w, "sha256", f->sha256)))
			break;
		if (is_blob_path(f->path, &hex) && strcmp(hex, f->sha256) != 0)
			rc = bad_value(c, &w, "sha256", f->sha256, "must be the blob's name, %.64s", hex);
	}
	if (rc)
		goto out;
	if (!(paths = malloc(m->nfiles * sizeof *paths))) {
		rc = nomem(c);
		goto out;
	}
	for (size_t i = 0; i < m->nfiles; i++)
		paths[i] = m->files[i].path;
	size_t first, dup;
	if (!(k = sorted_by(paths, m->nfiles, by_path))) {
		rc = nomem(c);
	} else if (first_duplicate(k, m->nfiles, &first, &dup)) {
		struct where w = down(&top, "files", dup);
		rc = bad_value(c, &w, "path", paths[dup], "is listed twice (first as files[%zu])", first);
	} else {
		/* In path order, a path that is a directory of another comes right before the first one
		 * below it. */
		for (size_t i = 0; i + 1 < m->nfiles && !rc; i++) {
			if (is_below(&k[i], &k[i + 1])) {
				struct where w = down(&top, "files", k[i + 1].index);
				rc = bad_value(c, &w, "path", k[i + 1].key,
					       "lies below files[%zu], which is a file", k[i].index);
			}
		}
	}
out:
	free(k);
	free(paths);
	free(names);
	return rc;
}

static int validate(const struct ctx *c, const struct crc_manifest *m)
{
	struct where top = root_where(), src = down(&top, "source", NO_INDEX),
		     opt = down(&top, "optimization", NO_INDEX);
	char v[80];
	int rc;
	if (strcmp(S(m->schema), CRC_MANIFEST_SCHEMA) != 0)
		return bad(c, locate(c->root, &top, "schema"),
			   "unsupported manifest schema '%s' (this crc reads " CRC_MANIFEST_SCHEMA ")",
			   show(v, sizeof v, S(m->schema)));
	if ((rc = check_ident(c, &top, "drop_id", m->drop_id)) ||
	    (rc = check_ident(c, &top, "profile", m->profile)))
		return rc;
	if (!crc_ids_time_ok(S(m->created)))
		return bad_value(c, &top, "created", S(m->created),
				 "must be an RFC 3339 UTC time like 2026-11-22T10:00:00Z");
	if ((rc = check_text(c, &top, "crc_version", m->crc_version, 0)))
		return rc;
	size_t clen = strlen(S(m->source.commit));
	if (clen && ((clen != 40 && clen != 64) || strspn(m->source.commit, "0123456789abcdef") != clen))
		return bad_field(c, &src, "commit",
				 "must be 40 or 64 lower-case hex digits, or \"\" (no commit)");
	if ((rc = check_flag(c, &src, "dirty", m->source.dirty)))
		return rc;
	if (m->source.dirty && !clen)
		return bad_field(c, &src, "dirty", "must be false when there is no commit");
	if (S(m->source.url)[0] && !crc_ids_url_ok(m->source.url))
		return bad_value(c, &src, "url", m->source.url,
				 "must be an https URL of letters, digits and \"._~/%%+-\" like "
				 "https://github.com/acme/noa, or absent");
	if ((rc = check_hex(c, &src, "tree_sha256", m->source.tree_sha256)) ||
	    (rc = check_choice(c, &opt, "opt_level", m->optimization.opt_level, opt_levels,
			       "0, 1, 2, 3, s, z")) ||
	    (rc = check_choice(c, &opt, "lto", m->optimization.lto, ltos, "off, thin, fat")))
		return rc;
	if (m->optimization.codegen_units < 1 || m->optimization.codegen_units > 256)
		return bad_field(c, &opt, "codegen_units", "must be a whole number from 1 to 256");
	if ((rc = check_flag(c, &opt, "strip", m->optimization.strip)) ||
	    (rc = check_flag(c, &opt, "debug_info", m->optimization.debug_info)) ||
	    (rc = check_list(c, &top, "features", &m->features, 1)) ||
	    (rc = check_hex(c, &top, "flags_sha256", m->flags_sha256)) ||
	    (S(m->provenance_sha256)[0] &&
	     (rc = check_hex(c, &top, "provenance_sha256", m->provenance_sha256))) ||
	    (S(m->template_sha256)[0] && (rc = check_hex(c, &top, "template_sha256", m->template_sha256))) ||
	    (rc = check_targets(c, m)) || (rc = check_artifacts(c, m)))
		return rc;
	if ((rc = check_files(c, m)))
		return rc;
	return check_image_files(c, m);
}

/* ---- Writing ----------------------------------------------------------------------------------------- */

struct emit {
	yaml_emitter_t y;
	const struct ctx *c;
	int rc;
};

static int write_out(void *data, unsigned char *p, size_t n)
{
	struct crc_buf *b = data;
	crc_buf_add(b, p, n);
	return !crc_buf_error(b);
}

/* ASCII case-insensitive equality. */
static int same_word(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if ((*a | 0x20) != (*b | 0x20) || !is_alpha(*a))
			return 0;
	return *a == *b;
}

/* YAML 1.1 and 1.2 read these plain words as null or booleans. */
static const char *const null_words[] = {"null", NULL};
static const char *const bool_words[] = {"true", "false", "yes", "no", "on", "off", "y", "n", NULL};

static int any_word(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (same_word(s, *words))
			return 1;
	return 0;
}

/* Whether s may be written plain: it begins with a letter, '/' or '_', holds only ASCII letters, digits,
 * spaces and "._/+-()", does not end in a space, and is not a null or boolean word. Everything else is
 * double-quoted, so no reader takes a string for a number, date, boolean or null. */
static int plain_safe(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || !(is_alpha(s[0]) || s[0] == '/' || s[0] == '_') || s[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && !strchr("._/+-() ", s[i]))
			return 0;
	return !any_word(s, null_words) && !any_word(s, bool_words);
}

static int emitted(struct emit *e, yaml_event_t *ev, int initialized)
{
	if (e->rc)
		return e->rc;
	if (!initialized)
		return e->rc = crc_err(e->c->err, CRC_ENOMEM, "cannot write the manifest: out of memory");
	if (!yaml_emitter_emit(&e->y, ev))
		return e->rc = crc_err(e->c->err, e->y.error == YAML_MEMORY_ERROR ? CRC_ENOMEM : CRC_EINVALID,
				       "cannot write the manifest: %s",
				       e->y.problem ? e->y.problem : "libyaml's emitter failed");
	return 0;
}

/* Emits a scalar: plain when asked and safe, else double-quoted. */
static int scalar(struct emit *e, const char *s, int plain)
{
	yaml_event_t ev;
	size_t n = strlen(s);
	if (e->rc)
		return e->rc;
	if (n > INT_MAX)
		return e->rc = crc_err(e->c->err, CRC_EINVALID,
				       "cannot write the manifest: a string is too long");
	yaml_scalar_style_t style = plain ? YAML_PLAIN_SCALAR_STYLE : YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	return emitted(e, &ev,
		       yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)(uintptr_t)s, (int)n, 1,
						    1, style));
}

static int str(struct emit *e, const char *key, const char *s)
{
	scalar(e, key, 1);
	return scalar(e, S(s), plain_safe(S(s)));
}

/* Hashes and modes: always double-quoted, so that every one reads the same and none is a number. */
static int quoted(struct emit *e, const char *key, const char *s)
{
	scalar(e, key, 1);
	return scalar(e, s, 0);
}

static int number(struct emit *e, const char *key, unsigned long long v)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%llu", v);
	if (n < 0 || (size_t)n >= sizeof buf)
		return e->rc = crc_err(e->c->err, CRC_EINVALID, "cannot write the manifest: %s is too large",
				       key);
	scalar(e, key, 1);
	return scalar(e, buf, 1);
}

static int boolean(struct emit *e, const char *key, int v)
{
	scalar(e, key, 1);
	return scalar(e, v ? "true" : "false", 1);
}

static int map_start(struct emit *e)
{
	yaml_event_t ev;
	return emitted(e, &ev,
		       yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE));
}

static int map_end(struct emit *e)
{
	yaml_event_t ev;
	return emitted(e, &ev, yaml_mapping_end_event_initialize(&ev));
}

static int seq_start(struct emit *e, const char *key)
{
	yaml_event_t ev;
	scalar(e, key, 1);
	return emitted(e, &ev,
		       yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE));
}

static int seq_end(struct emit *e)
{
	yaml_event_t ev;
	return emitted(e, &ev, yaml_sequence_end_event_initialize(&ev));
}

static int map_key(struct emit *e, const char *key)
{
	scalar(e, key, 1);
	return map_start(e);
}

static int strlist(struct emit *e, const char *key, const struct crc_strlist *l)
{
	seq_start(e, key);
	for (size_t i = 0; i < l->n; i++)
		scalar(e, l->items[i], plain_safe(l->items[i]));
	return seq_end(e);
}

static void emit_target(struct emit *e, const struct crc_manifest_target *t)
{
	const struct crc_manifest_smoke *s = &t->smoke;
	map_start(e);
	str(e, "triple", t->triple);
	str(e, "compiler", t->compiler);
	str(e, "compiler_version", t->compiler_version);
	str(e, "dialect", t->dialect);
	strlist(e, "emulator", &t->emulator);
	map_key(e, "smoke");
	boolean(e, "ok", s->ok);
	str(e, "noa_version", s->noa_version);
	str(e, "triple", s->triple);
	str(e, "profile", s->profile);
	str(e, "opt_level", s->opt_level);
	str(e, "lto", s->lto);
	strlist(e, "features", &s->features);
	str(e, "target_kind", s->target_kind);
	map_end(e);
	if (S(t->wasm_opt.level)[0]) {
		map_key(e, "wasm_opt");
		str(e, "level", t->wasm_opt.level);
		number(e, "size_before", t->wasm_opt.size_before);
		number(e, "size_after", t->wasm_opt.size_after);
		map_end(e);
	}
	if (S(t->image.architecture)[0]) {
		map_key(e, "image");
		str(e, "architecture", t->image.architecture);
		if (S(t->image.variant)[0])
			str(e, "variant", t->image.variant);
		quoted(e, "layer_sha256", t->image.layer_sha256);
		number(e, "layer_size", t->image.layer_size);
		quoted(e, "diff_id", t->image.diff_id);
		quoted(e, "config_sha256", t->image.config_sha256);
		number(e, "config_size", t->image.config_size);
		quoted(e, "manifest_sha256", t->image.manifest_sha256);
		number(e, "manifest_size", t->image.manifest_size);
		map_end(e);
	}
	map_end(e);
}

static void emit_artifact(struct emit *e, const struct crc_manifest_artifact *a)
{
	char mode[8];
	map_start(e);
	str(e, "path", a->path);
	str(e, "target", a->target);
	str(e, "format", a->format);
	number(e, "size", a->size);
	quoted(e, "sha256", S(a->sha256));
	seq_start(e, "entries");
	for (size_t i = 0; i < a->nentries && !e->rc; i++) {
		const struct crc_manifest_entry *x = &a->entries[i];
		int n = snprintf(mode, sizeof mode, "%04o", x->mode);
		if (n < 0 || (size_t)n >= sizeof mode) {
			e->rc = crc_err(e->c->err, CRC_EINVALID,
					"cannot write the manifest: a mode is too large");
			return;
		}
		map_start(e);
		str(e, "path", x->path);
		str(e, "type", x->type == 'f' ? "file" : x->type == 'd' ? "dir" : "symlink");
		quoted(e, "mode", mode);
		if (x->type == 'f') {
			number(e, "size", x->size);
			quoted(e, "sha256", S(x->sha256));
		} else if (x->type == 'l') {
			str(e, "link", x->link);
		}
		map_end(e);
	}
	seq_end(e);
	map_end(e);
}

static int emit_manifest(struct emit *e, const struct crc_manifest *m)
{
	yaml_event_t ev;
	emitted(e, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	emitted(e, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	map_start(e);
	str(e, "schema", m->schema);
	str(e, "drop_id", m->drop_id);
	str(e, "profile", m->profile);
	str(e, "created", m->created);
	str(e, "crc_version", m->crc_version);
	map_key(e, "source");
	quoted(e, "commit", S(m->source.commit));
	boolean(e, "dirty", m->source.dirty);
	quoted(e, "tree_sha256", S(m->source.tree_sha256));
	if (S(m->source.url)[0])
		str(e, "url", m->source.url);
	map_end(e);
	map_key(e, "optimization");
	str(e, "opt_level", m->optimization.opt_level);
	str(e, "lto", m->optimization.lto);
	number(e, "codegen_units", (unsigned long long)m->optimization.codegen_units);
	boolean(e, "strip", m->optimization.strip);
	boolean(e, "debug_info", m->optimization.debug_info);
	map_end(e);
	strlist(e, "features", &m->features);
	quoted(e, "flags_sha256", S(m->flags_sha256));
	if (S(m->provenance_sha256)[0])
		quoted(e, "provenance_sha256", m->provenance_sha256);
	if (S(m->template_sha256)[0])
		quoted(e, "template_sha256", m->template_sha256);
	seq_start(e, "targets");
	for (size_t i = 0; i < m->ntargets && !e->rc; i++)
		emit_target(e, &m->targets[i]);
	seq_end(e);
	seq_start(e, "artifacts");
	for (size_t i = 0; i < m->nartifacts && !e->rc; i++)
		emit_artifact(e, &m->artifacts[i]);
	seq_end(e);
	if (m->nfiles) {
		seq_start(e, "files");
		for (size_t i = 0; i < m->nfiles && !e->rc; i++) {
			map_start(e);
			str(e, "path", m->files[i].path);
			number(e, "size", m->files[i].size);
			quoted(e, "sha256", m->files[i].sha256);
			map_end(e);
		}
		seq_end(e);
	}
	map_end(e);
	emitted(e, &ev, yaml_document_end_event_initialize(&ev, 1));
	emitted(e, &ev, yaml_stream_end_event_initialize(&ev));
	if (!e->rc && !yaml_emitter_flush(&e->y))
		e->rc = crc_err(e->c->err, CRC_ENOMEM, "cannot write the manifest: out of memory");
	return e->rc;
}

int crc_manifest_write(struct crc_buf *out, const struct crc_manifest *m, struct crc_error *err)
{
	struct ctx c = {NULL, err, NULL, NULL};
	struct crc_buf text;
	struct emit e;
	int rc = validate(&c, m);
	if (rc)
		return rc;
	crc_buf_init(&text);
	memset(&e, 0, sizeof e);
	e.c = &c;
	if (!yaml_emitter_initialize(&e.y))
		return crc_err(err, CRC_ENOMEM, "cannot start the YAML emitter: out of memory");
	yaml_emitter_set_output(&e.y, write_out, &text);
	yaml_emitter_set_encoding(&e.y, YAML_UTF8_ENCODING);
	yaml_emitter_set_unicode(&e.y, 1);
	yaml_emitter_set_indent(&e.y, 2);
	yaml_emitter_set_width(&e.y, -1);
	yaml_emitter_set_break(&e.y, YAML_LN_BREAK);
	rc = emit_manifest(&e, m);
	yaml_emitter_delete(&e.y);
	if (!rc && crc_buf_error(&text))
		rc = crc_err(err, CRC_ENOMEM, "cannot write the manifest: out of memory");
	if (!rc) {
		crc_buf_add(out, text.data, text.len);
		if (crc_buf_error(out))
			rc = crc_err(err, CRC_ENOMEM, "cannot write the manifest: out of memory");
	}
	crc_buf_free(&text);
	return rc;
}

/* ---- Parsing: the YAML tree into the struct ------------------------------------------------------ */

/* What plain scalar n would be read as by YAML 1.1 or 1.2 if not a string ("null", "a boolean", "a
 * number or date"), or NULL when it is a string to every reader. */
static const char *misread_as(const struct crc_yaml_node *n)
{
	const char *s = n->value;
	if (!n->plain)
		return NULL;
	if (n->len == 0 || strcmp(s, "~") == 0 || any_word(s, null_words))
		return "null";
	if (any_word(s, bool_words))
		return "a boolean";
	if (*s == '-' || *s == '+')
		s++;
	if (is_digit(*s) ||
	    (*s == '.' && (is_digit(s[1]) || same_word(s + 1, "inf") || same_word(s + 1, "nan"))))
		return "a number or date";
	return NULL;
}

/* The value for key in map (must be there, of kind); errors name the field. */
static int get_node(const struct ctx *c, const struct crc_yaml_node *map, const struct where *w,
		    const char *key, enum crc_yaml_kind kind, const struct crc_yaml_node **out)
{
	char name[256];
	const struct crc_yaml_node *n = crc_yaml_get(map, key);
	if (!n) {
		if (w->n == 0)
			return bad(c, map, "missing key '%s'", key);
		return bad(c, map, "missing key '%s' in %s", key, field_name(name, sizeof name, w, NULL));
	}
	if (n->kind != kind)
		return bad(c, n, "%s must be a %s, not a %s", field_name(name, sizeof name, w, key),
			   crc_yaml_kind_name(kind), crc_yaml_kind_name(n->kind));
	*out = n;
	return 0;
}

/* A scalar that must be a string to every YAML reader, copied into the arena. */
static int scalar_string(const struct ctx *c, const struct crc_yaml_node *n, const struct where *w,
			 const char *key, const char **out)
{
	char name[256], v[80];
	const char *as = misread_as(n);
	if (as)
		return bad(c, n, "%s must be a string: YAML reads plain '%s' as %s (quote it)",
			   field_name(name, sizeof name, w, key), show(v, sizeof v, n->value), as);
	if (!(*out = crc_arena_strndup(c->arena, n->value, n->len)))
		return nomem(c);
	return 0;
}

static int get_str(const struct ctx *c, const struct crc_yaml_node *map, const struct where *w,
		   const char *key, const char **out)
{
	const struct crc_yaml_node *n;
	int rc = get_node(c, map, w, key, CRC_YAML_SCALAR, &n);
	return rc ? rc : scalar_string(c, n, w, key, out);
}

static int get_bool(const struct ctx *c, const struct crc_yaml_node *map, const struct where *w,
		    const char *key, int *out)
{
	char name[256];
	const struct crc_yaml_node *n;
	int rc = get_node(c, map, w, key, CRC_YAML_SCALAR, &n);
	if (rc)
		return rc;
	if (n->plain && (strcmp(n->value, "true") == 0 || strcmp(n->value, "false") == 0)) {
		*out = n->value[0] == 't';
		return 0;
	}
	return bad(c, n, "%s must be true or false", field_name(name, sizeof name, w, key));
}

/* A plain whole number without sign or leading zeros, at most max. */
static int get_uint(const struct ctx *c, const struct crc_yaml_node *map, const struct where *w,
		    const char *key, unsigned long long min, unsigned long long max, unsigned long long *out)
{
	char name[256];
	const struct crc_yaml_node *n;
	unsigned long long v = 0;
	int rc = get_node(c, map, w, key, CRC_YAML_SCALAR, &n);
	if (rc)
		return rc;
	int ok = n->plain && n->len > 0 && n->len <= 16 && (n->len == 1 || n->value[0] != '0');
	for (size_t i = 0; ok && i < n->len; i++) {
		ok = is_digit(n->value[i]);
		v = v * 10 + (unsigned)(n->value[i] - '0');
	}
	if (!ok || v < min || v > max)
		return bad(c, n, "%s must be a whole number from %llu to %llu",
			   field_name(name, sizeof name, w, key), min, max);
	*out = v;
	return 0;
}

static int get_strlist(const struct ctx *c, const struct crc_yaml_node *map, const struct where *w,
		       const char *key, struct crc_strlist *out)
{
	const struct crc_yaml_node *n;
	char name[256];
	int rc = get_node(c, map, w, key, CRC_YAML_SEQ, &n);
	if (rc)
		return rc;
	if (n->n > CRC_MANIFEST_MAX_LIST)
		return bad(c, n, "%s lists more than 4096 items", field_name(name, sizeof name, w, key));
	if (!(out->items = crc_arena_alloc(c->arena, (n->n ? n->n : 1) * sizeof *out->items)))
		return nomem(c);
	struct where iw = down(w, key, 0);
	for (size_t i = 0; i < n->n; i++) {
		iw.step[iw.n - 1].index = i;
		if (n->values[i]->kind != CRC_YAML_SCALAR)
			return bad(c, n->values[i], "%s must be a scalar, not a %s",
				   field_name(name, sizeof name, &iw, NULL),
				   crc_yaml_kind_name(n->values[i]->kind));
		if ((rc = scalar_string(c, n->values[i], &iw, NULL, &out->items[i])))
			return rc;
	}
	out->n = n->n;
	return 0;
}

/* The items of a sequence of mappings, allocated in the arena (elem bytes each), at most max. */
static int get_maps(const struct ctx *c, const struct crc_yaml_node *map, const struct where *w,
		    const char *key, size_t max, const char *what, size_t elem,
		    const struct crc_yaml_node **seq, void **items)
{
	char name[256];
	int rc = get_node(c, map, w, key, CRC_YAML_SEQ, seq);
	if (rc)
		return rc;
	if ((*seq)->n > max)
		return bad(c, *seq, "%s lists more than %zu %s", field_name(name, sizeof name, w, key), max,
			   what);
	struct where iw = down(w, key, 0);
	for (size_t i = 0; i < (*seq)->n; i++)
		if ((*seq)->values[i]->kind != CRC_YAML_MAP) {
			iw.step[iw.n - 1].index = i;
			return bad(c, (*seq)->values[i], "%s must be a mapping, not a %s",
				   field_name(name, sizeof name, &iw, NULL),
				   crc_yaml_kind_name((*seq)->values[i]->kind));
		}
	if (!(*items = crc_arena_alloc(c->arena, ((*seq)->n ? (*seq)->n : 1) * elem)))
		return nomem(c);
	return 0;
}

/* Rejects key in an entry of the given type, which does not have it. */
static int absent(const struct ctx *c, const struct crc_yaml_node *map, const struct where *w,
		  const char *key, const char *type)
{
	char name[256];
	const struct crc_yaml_node *n = crc_yaml_get(map, key);
	if (!n)
		return 0;
	return bad(c, n, "%s is a %s: it must not have '%s'", field_name(name, sizeof name, w, NULL), type,
		   key);
}

static int parse_entry(const struct ctx *c, const struct crc_yaml_node *map, const struct where *w,
		       struct crc_manifest_entry *e)
{
	const struct crc_yaml_node *n;
	const char *type;
	char name[256];
	unsigned long long size;
	int rc = get_str(c, map, w, "path", &e->path);
	if (rc || (rc = get_node(c, map, w, "type", CRC_YAML_SCALAR, &n)))
		return rc;
	type = n->value;
	if (strcmp(type, "file") == 0)
		e->type = 'f';
	else if (strcmp(type, "dir") == 0)
		e->type = 'd';
	else if (strcmp(type, "symlink") == 0)
		e->type = 'l';
	else
		return bad(c, n, "%s must be one of file, dir, symlink",
			   field_name(name, sizeof name, w, "type"));
	if ((rc = get_node(c, map, w, "mode", CRC_YAML_SCALAR, &n)))
		return rc;
	if (n->plain || n->len != 4 || n->value[0] != '0' || strspn(n->value, "01234567") != 4)
		return bad(c, n, "%s must be a quoted octal mode from \"0000\" to \"0777\"",
			   field_name(name, sizeof name, w, "mode"));
	e->mode = (unsigned)strtoul(n->value, NULL, 8);
	e->sha256 = e->link = "";
	if (e->type == 'f') {
		if ((rc = get_uint(c, map, w, "size", 0, CRC_MANIFEST_MAX_SIZE, &size)) ||
		    (rc = get_str(c, map, w, "sha256", &e->sha256)))
			return rc;
		e->size = size;
		return absent(c, map, w, "link", "file");
	}
	type = e->type == 'd' ? "dir" : "symlink";
	if ((rc = absent(c, map, w, "size", type)) || (rc = absent(c, map, w, "sha256", type)))
		return rc;
	if (e->type == 'd')
		return absent(c, map, w, "link", type);
	return get_str(c, map, w, "link", &e->link);
}

static int parse_artifact(const struct ctx *c, const struct crc_yaml_node *map, const struct where *w,
			  struct crc_manifest_artifact *a, size_t *total)
{
	const struct crc_yaml_node *seq;
	unsigned long long size;
	void *items;
	int rc;
	if ((rc = get_str(c, map, w, "path", &a->path)) || (rc = get_str(c, map, w, "target", &a->target)) ||
	    (rc = get_str(c, map, w, "format", &a->format)) ||
	    (rc = get_uint(c, map, w, "size", 0, CRC_MANIFEST_MAX_SIZE, &size)) ||
	    (rc = get_str(c, map, w, "sha256", &a->sha256)) ||
	    (rc = get_maps(c, map, w, "entries", CRC_MANIFEST_MAX_ENTRIES, "entries", sizeof *a->entries,
			   &seq, &items)))
		return rc;
	a->size = size;
	if (seq->n > CRC_MANIFEST_MAX_ENTRIES - *total)
		return bad(c, seq, "artifacts list more than 100000 entries in all");
	*total += seq->n;
	a->entries = items;
	struct where ew = down(w, "entries", 0);
	for (size_t i = 0; i < seq->n; i++) {
		ew.step[ew.n - 1].index = i;
		if ((rc = parse_entry(c, seq->values[i], &ew, &a->entries[i])))
			return rc;
	}
	a->nentries = seq->n;
	return 0;
}

static int parse_target(const struct ctx *c, const struct crc_yaml_node *map, const struct where *w,
			struct crc_manifest_target *t)
{
	const struct crc_yaml_node *sm;
	struct crc_manifest_smoke *s = &t->smoke;
	struct where sw = down(w, "smoke", NO_INDEX);
	int rc;
	if ((rc = get_str(c, map, w, "triple", &t->triple)) ||
	    (rc = get_str(c, map, w, "compiler", &t->compiler)) ||
	    (rc = get_str(c, map, w, "compiler_version", &t->compiler_version)) ||
	    (rc = get_str(c, map, w, "dialect", &t->dialect)) ||
	    (rc = get_strlist(c, map, w, "emulator", &t->emulator)) ||
	    (rc = get_node(c, map, w, "smoke", CRC_YAML_MAP, &sm)))
		return rc;
	if ((rc = get_bool(c, sm, &sw, "ok", &s->ok)) ||
	    (rc = get_str(c, sm, &sw, "noa_version", &s->noa_version)) ||
	    (rc = get_str(c, sm, &sw, "triple", &s->triple)) ||
	    (rc = get_str(c, sm, &sw, "profile", &s->profile)) ||
	    (rc = get_str(c, sm, &sw, "opt_level", &s->opt_level)) ||
	    (rc = get_str(c, sm, &sw, "lto", &s->lto)) ||
	    (rc = get_strlist(c, sm, &sw, "features", &s->features)) ||
	    (rc = get_str(c, sm, &sw, "target_kind", &s->target_kind)))
		return rc;
	/* Optional: targets without an optimize step, and drops written before it, have none. */
	t->wasm_opt.level = "";
	if (crc_yaml_get(map, "wasm_opt")) {
		const struct crc_yaml_node *wo;
		struct where ww = down(w, "wasm_opt", NO_INDEX);
		if ((rc = get_node(c, map, w, "wasm_opt", CRC_YAML_MAP, &wo)) ||
		    (rc = get_str(c, wo, &ww, "level", &t->wasm_opt.level)) ||
		    (rc = get_uint(c, wo, &ww, "size_before", 0, CRC_MANIFEST_MAX_SIZE,
				   &t->wasm_opt.size_before)) ||
		    (rc = get_uint(c, wo, &ww, "size_after", 1, CRC_MANIFEST_MAX_SIZE,
				   &t->wasm_opt.size_after)))
			return rc;
	}
	/* Optional: targets without an image (not Linux), and drops written before images, have none. */
	t->image.architecture = t->image.variant = "";
	if (!crc_yaml_get(map, "image"))
		return 0;
	const struct crc_yaml_node *im;
	struct where iw = down(w, "image", NO_INDEX);
	if ((rc = get_node(c, map, w, "image", CRC_YAML_MAP, &im)) ||
	    (rc = get_str(c, im, &iw, "architecture", &t->image.architecture)) ||
	    (crc_yaml_get(im, "variant") && (rc = get_str(c, im, &iw, "variant", &t->image.variant))) ||
	    (rc = get_str(c, im, &iw, "layer_sha256", &t->image.layer_sha256)) ||
	    (rc = get_uint(c, im, &iw, "layer_size", 1, CRC_MANIFEST_MAX_SIZE, &t->image.layer_size)) ||
	    (rc = get_str(c, im, &iw, "diff_id", &t->image.diff_id)) ||
	    (rc = get_str(c, im, &iw, "config_sha256", &t->image.config_sha256)) ||
	    (rc = get_uint(c, im, &iw, "config_size", 1, CRC_MANIFEST_MAX_SIZE, &t->image.config_size)) ||
	    (rc = get_str(c, im, &iw, "manifest_sha256", &t->image.manifest_sha256)))
		return rc;
	return get_uint(c, im, &iw, "manifest_size", 1, CRC_MANIFEST_MAX_SIZE, &t->image.manifest_size);
}

static int parse_tree(const struct ctx *c, struct crc_manifest *m, const struct crc_yaml_node *root)
{
	struct where top = root_where(), src = down(&top, "source", NO_INDEX),
		     opt = down(&top, "optimization", NO_INDEX);
	const struct crc_yaml_node *n, *seq;
	unsigned long long units;
	size_t total = 0;
	void *items;
	char v[80];
	int rc;
	if (root->kind != CRC_YAML_MAP)
		return bad(c, root, "a manifest must be a mapping, not a %s", crc_yaml_kind_name(root->kind));
	/* The schema first: a document of another version is told so, whatever else it holds. */
	if ((rc = get_node(c, root, &top, "schema", CRC_YAML_SCALAR, &n)))
		return rc;
	if (strcmp(n->value, CRC_MANIFEST_SCHEMA) != 0)
		return bad(c, n, "unsupported manifest schema '%s' (this crc reads " CRC_MANIFEST_SCHEMA ")",
			   show(v, sizeof v, n->value));
	if ((rc = get_str(c, root, &top, "schema", &m->schema)) ||
	    (rc = get_str(c, root, &top, "drop_id", &m->drop_id)) ||
	    (rc = get_str(c, root, &top, "profile", &m->profile)) ||
	    (rc = get_str(c, root, &top, "created", &m->created)) ||
	    (rc = get_str(c, root, &top, "crc_version", &m->crc_version)) ||
	    (rc = get_node(c, root, &top, "source", CRC_YAML_MAP, &n)) ||
	    (rc = get_str(c, n, &src, "commit", &m->source.commit)) ||
	    (rc = get_bool(c, n, &src, "dirty", &m->source.dirty)) ||
	    (rc = get_str(c, n, &src, "tree_sha256", &m->source.tree_sha256)) ||
	    (crc_yaml_get(n, "url") && (rc = get_str(c, n, &src, "url", &m->source.url))) ||
	    (rc = get_node(c, root, &top, "optimization", CRC_YAML_MAP, &n)) ||
	    (rc = get_str(c, n, &opt, "opt_level", &m->optimization.opt_level)) ||
	    (rc = get_str(c, n, &opt, "lto", &m->optimization.lto)) ||
	    (rc = get_uint(c, n, &opt, "codegen_units", 1, 256, &units)) ||
	    (rc = get_bool(c, n, &opt, "strip", &m->optimization.strip)) ||
	    (rc = get_bool(c, n, &opt, "debug_info", &m->optimization.debug_info)) ||
	    (rc = get_strlist(c, root, &top, "features", &m->features)) ||
	    (rc = get_str(c, root, &top, "flags_sha256", &m->flags_sha256)))
		return rc;
	/* Optional: drops written before provenance.json have none. */
	m->provenance_sha256 = "";
	if (crc_yaml_get(root, "provenance_sha256") &&
	    (rc = get_str(c, root, &top, "provenance_sha256", &m->provenance_sha256)))
		return rc;
	/* Optional: only drops with Lambda packages have a SAM template. */
	m->template_sha256 = "";
	if (crc_yaml_get(root, "template_sha256") &&
	    (rc = get_str(c, root, &top, "template_sha256", &m->template_sha256)))
		return rc;
	m->optimization.codegen_units = (int)units;
	if ((rc = get_maps(c, root, &top, "targets", CRC_MANIFEST_MAX_TARGETS, "targets", sizeof *m->targets,
			   &seq, &items)))
		return rc;
	m->targets = items;
	for (size_t i = 0; i < seq->n; i++) {
		struct where w = down(&top, "targets", i);
		if ((rc = parse_target(c, seq->values[i], &w, &m->targets[i])))
			return rc;
	}
	m->ntargets = seq->n;
	if ((rc = get_maps(c, root, &top, "artifacts", CRC_MANIFEST_MAX_ARTIFACTS, "artifacts",
			   sizeof *m->artifacts, &seq, &items)))
		return rc;
	m->artifacts = items;
	for (size_t i = 0; i < seq->n; i++) {
		struct where w = down(&top, "artifacts", i);
		if ((rc = parse_artifact(c, seq->values[i], &w, &m->artifacts[i], &total)))
			return rc;
	}
	m->nartifacts = seq->n;
	/* Optional: only drops with an OCI image list files one by one. */
	if (!crc_yaml_get(root, "files"))
		return 0;
	if ((rc = get_maps(c, root, &top, "files", CRC_MANIFEST_MAX_FILES, "files", sizeof *m->files, &seq,
			   &items)))
		return rc;
	m->files = items;
	for (size_t i = 0; i < seq->n; i++) {
		struct where w = down(&top, "files", i);
		struct crc_manifest_file *f = &m->files[i];
		unsigned long long size;
		if ((rc = get_str(c, seq->values[i], &w, "path", &f->path)) ||
		    (rc = get_uint(c, seq->values[i], &w, "size", 0, CRC_MANIFEST_MAX_SIZE, &size)) ||
		    (rc = get_str(c, seq->values[i], &w, "sha256", &f->sha256)))
			return rc;
		f->size = size;
	}
	m->nfiles = seq->n;
	return 0;
}

/* The YAML reader's caps for a manifest: its own byte cap, room for the most entries it may list (a file
 * entry is a mapping of five keys and values: 11 nodes) plus everything else, and the longest string. */
static const struct crc_yaml_limits yaml_limits = {CRC_MANIFEST_MAX_BYTES, CRC_MANIFEST_MAX_NODES,
						   CRC_MANIFEST_MAX_SCALAR};

int crc_manifest_parse(struct crc_manifest **out, const char *path, const char *text, size_t len,
		       struct crc_error *err)
{
	struct crc_yaml_doc *doc;
	*out = NULL;
	if (len > CRC_MANIFEST_MAX_BYTES)
		return crc_err_at(err, CRC_EINVALID, path, 1, 1, "larger than %zu MiB",
				  CRC_MANIFEST_MAX_BYTES >> 20);
	int rc = crc_yaml_parse_limited(&doc, path, text, len, &yaml_limits, err);
	if (rc)
		return rc;
	struct crc_manifest *m = calloc(1, sizeof *m);
	if (!m) {
		crc_yaml_free(doc);
		return crc_err(err, CRC_ENOMEM, "out of memory");
	}
	/* Strings, pointers and structs: bounded by the document's size, generously. */
	size_t cap = len <= (SIZE_MAX - ((size_t)1 << 20)) / 64 ? 64 * len + ((size_t)1 << 20) : SIZE_MAX;
	crc_arena_init(&m->arena, cap);
	struct ctx c = {path, err, doc->root, &m->arena};
	rc = parse_tree(&c, m, doc->root);
	if (!rc)
		rc = validate(&c, m);
	crc_yaml_free(doc);
	if (rc) {
		crc_manifest_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int crc_manifest_load(struct crc_manifest **out, const char *path, struct crc_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, size;
	int rc;
	*out = NULL;
	/* crc_os_open_regular's policy, with the messages and codes docs/manifest.md gives (a symlink is
	 * invalid input, anything else that is no regular file an I/O error). A FIFO, socket or device is
	 * refused without being opened; not blocking, so that one swapped in meanwhile is refused by the
	 * fstat below instead of hanging the open. */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return crc_err_at(err, CRC_EIO, path, 0, 0, "not a regular file");
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP)
		return crc_err_at(err, CRC_EINVALID, path, 0, 0,
				  "is a symbolic link (manifests are read without following links)");
	if (fd < 0)
		return crc_err_os(err, "cannot open", path, errno);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = crc_err_at(err, CRC_EIO, path, 0, 0, "not a regular file");
		goto out;
	}
	if ((unsigned long long)st.st_size > CRC_MANIFEST_MAX_BYTES) {
		rc = crc_err_at(err, CRC_EINVALID, path, 1, 1, "larger than %zu MiB",
				CRC_MANIFEST_MAX_BYTES >> 20);
		goto out;
	}
	size = (size_t)st.st_size;
	if (!(buf = malloc(size + 1))) {
		rc = crc_err(err, CRC_ENOMEM, "out of memory reading %s", path);
		goto out;
	}
	/* Read up to one byte past the size fstat gave: a file that grows meanwhile is caught. */
	for (;;) {
		ssize_t r = read(fd, buf + len, size + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = crc_err_os(err, "cannot read", path, errno);
			goto out;
		}
		if (r == 0 || (len += (size_t)r) > size)
			break;
	}
	if (len != size) {
		rc = crc_err_at(err, CRC_EIO, path, 0, 0, "changed while it was read");
		goto out;
	}
	rc = crc_manifest_parse(out, path, buf, len, err);
out:
	free(buf);
	close(fd);
	return rc;
}

void crc_manifest_free(struct crc_manifest *m)
{
	if (!m)
		return;
	crc_arena_free(&m->arena);
	free(m);
}

const struct crc_manifest_artifact *crc_manifest_installable(const struct crc_manifest *m, const char *target)
{
	for (size_t i = 0; i < m->nartifacts; i++) {
		const struct crc_manifest_artifact *a = &m->artifacts[i];
		if (a->target && strcmp(a->target, target) == 0 &&
		    !(a->format && strcmp(a->format, "zip") == 0))
			return a;
	}
	return NULL;
}

/* ---- SHA256SUMS -------------------------------------------------------------------------------------- */

/* Why the n bytes at s are not a name SHA256SUMS may list, or NULL: a path relative to the drop, as
 * "files" has them (a file of the drop itself, or below image/). */
static const char *sums_name_problem(const char *s, size_t n)
{
	char buf[CRC_MANIFEST_MAX_PATH + 2];
	if (n == 0)
		return "must not be empty";
	if (memchr(s, '\0', n))
		return "must not hold control characters";
	if (n > CRC_MANIFEST_MAX_PATH)
		return "must be at most 4096 bytes";
	memcpy(buf, s, n);
	buf[n] = '\0';
	return rel_path_problem(buf);
}

int crc_manifest_sha256sums(struct crc_buf *out, const char *const *names, const char *const *sha256s,
			    size_t n, struct crc_error *err)
{
	char v[80];
	int rc = 0;
	if (n == 0)
		return crc_err(err, CRC_EINVALID, "SHA256SUMS: no files to list");
	for (size_t i = 0; i < n; i++) {
		const char *problem = sums_name_problem(S(names[i]), strlen(S(names[i])));
		if (problem)
			return crc_err(err, CRC_EINVALID, "SHA256SUMS: file name '%s' %s",
				       show(v, sizeof v, S(names[i])), problem);
		if (!crc_ids_hex64_ok(S(sha256s[i])))
			return crc_err(err, CRC_EINVALID,
				       "SHA256SUMS: the SHA-256 of '%s' must be 64 lower-case hex digits",
				       show(v, sizeof v, names[i]));
	}
	struct keyed *k = sorted(names, n);
	size_t first, dup;
	struct crc_buf text;
	if (!k)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	if (first_duplicate(k, n, &first, &dup)) {
		free(k);
		return crc_err(err, CRC_EINVALID, "SHA256SUMS: file name '%s' is listed twice",
			       show(v, sizeof v, names[dup]));
	}
	crc_buf_init(&text);
	for (size_t i = 0; i < n; i++)
		crc_buf_printf(&text, "%s  %s\n", sha256s[k[i].index], k[i].key);
	crc_buf_add(out, text.data, text.len);
	if (crc_buf_error(&text) || crc_buf_error(out))
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
	crc_buf_free(&text);
	free(k);
	return rc;
}

/* Checks one line (len bytes at p, without its '\n'); fills *item. */
static int sums_line(const char *path, int line, const char *p, size_t len, struct crc_manifest_sum *item,
		     struct crc_arena *arena, struct crc_error *err)
{
	char v[80];
	if (len == 0)
		return crc_err_at(err, CRC_EINVALID, path, line, 0, "empty line");
	if (p[0] == '\\')
		return crc_err_at(err, CRC_EINVALID, path, line, 0,
				  "escaped file names (a line that starts with '\\') are not accepted");
	if (p[len - 1] == '\r')
		return crc_err_at(err, CRC_EINVALID, path, line, 0,
				  "the line ends in a carriage return (CRLF line endings are not accepted)");
	size_t hex = 0;
	while (hex < len && hex < 64 && p[hex] && strchr("0123456789abcdef", p[hex]))
		hex++;
	if (hex != 64)
		return crc_err_at(err, CRC_EINVALID, path, line, 0,
				  "expected a SHA-256 of 64 lower-case hex digits at the start of the line");
	if (len < 66 || p[64] != ' ' || (p[65] != ' ' && p[65] != '*'))
		return crc_err_at(
			err, CRC_EINVALID, path, line, 0,
			"expected two spaces (or a space and '*') after the SHA-256, then the file name");
	const char *name = p + 66;
	size_t nlen = len - 66;
	const char *problem = sums_name_problem(name, nlen);
	if (problem) {
		char *copy = crc_arena_strndup(arena, name, nlen);
		if (!copy)
			return crc_err(err, CRC_ENOMEM, "out of memory");
		return crc_err_at(err, CRC_EINVALID, path, line, 0, "file name '%s' %s",
				  show(v, sizeof v, copy), problem);
	}
	item->sha256 = crc_arena_strndup(arena, p, 64);
	item->name = crc_arena_strndup(arena, name, nlen);
	if (!item->sha256 || !item->name)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	item->binary = p[65] == '*';
	item->line = line;
	return 0;
}

int crc_manifest_parse_sha256sums(struct crc_manifest_sums **out, const char *path, const char *text,
				  size_t len, struct crc_error *err)
{
	size_t lines = 0, cap = 0;
	char v[80];
	int rc = 0;
	*out = NULL;
	if (len == 0)
		return crc_err_at(err, CRC_EINVALID, path, 1, 0, "the file is empty");
	if (len > CRC_MANIFEST_MAX_BYTES)
		return crc_err_at(err, CRC_EINVALID, path, 1, 0, "larger than %zu MiB",
				  CRC_MANIFEST_MAX_BYTES >> 20);
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	if (text[len - 1] != '\n')
		lines++;
	if (lines > CRC_MANIFEST_MAX_SUMS)
		return crc_err_at(err, CRC_EINVALID, path, CRC_MANIFEST_MAX_SUMS + 1, 0, "more than %d lines",
				  CRC_MANIFEST_MAX_SUMS);
	struct crc_manifest_sums *s = calloc(1, sizeof *s);
	if (!s)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	crc_arena_init(&s->arena, 2 * len + lines * (sizeof *s->items + 64) + ((size_t)1 << 16));
	cap = lines;
	if (!(s->items = crc_arena_alloc(&s->arena, cap * sizeof *s->items))) {
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
		goto out;
	}
	for (const char *p = text, *end = text + len; p < end && !rc;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		int line = (int)s->n + 1;
		if (!nl) {
			rc = crc_err_at(err, CRC_EINVALID, path, line, 0,
					"the last line does not end in a newline");
			break;
		}
		rc = sums_line(path, line, p, (size_t)(nl - p), &s->items[s->n], &s->arena, err);
		if (!rc)
			s->n++;
		p = nl + 1;
	}
	if (rc)
		goto out;
	const char **names = malloc(s->n * sizeof *names);
	struct keyed *k = NULL;
	size_t first, dup;
	if (names) {
		for (size_t i = 0; i < s->n; i++)
			names[i] = s->items[i].name;
		k = sorted(names, s->n);
	}
	if (!names || !k)
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
	else if (first_duplicate(k, s->n, &first, &dup))
		rc = crc_err_at(err, CRC_EINVALID, path, s->items[dup].line, 0,
				"'%s' is listed twice (first on line %d)",
				show(v, sizeof v, s->items[dup].name), s->items[first].line);
	free(k);
	free(names);
out:
	if (rc) {
		crc_manifest_sums_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void crc_manifest_sums_free(struct crc_manifest_sums *s)
{
	if (!s)
		return;
	crc_arena_free(&s->arena);
	free(s);
}
