/* Deploying one target of a drop (see crc/deploy.h). The artifact's manifest entries are validated and
 * indexed by path first; crc_archive_extract then reads the archive once, hashing its bytes, and asks
 * our hooks about every entry: before it is written (against the index: path, type, mode, size, link,
 * seen once) and after (its content's size and hash), while it writes into the staging directory itself
 * without ever following a symlink. The tree is then walked again from disk, without following symlinks,
 * hashing every file and fsync'ing files and directories, before one rename publishes it. current and the
 * state file are only ever replaced by rename(2). */
#include "crc/deploy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "crc/archive.h"
#include "crc/buf.h"
#include "crc/digest.h"
#include "crc/os.h"
#include "crc/ids.h"

/* Bytes moved per read() when checking a tree. */
#define CHUNK ((size_t)1 << 17)
#define STATE_SCHEMA "crc.deploy-state/v1"
#define STATE_NAME ".crc-deploy.state"
/* The temporary files crc_os_replace_file makes for the state file ("." + its name + ".XXXXXX"), and those
 * earlier revisions made (a deploy directory may still hold one from a killed run). */
#define STATE_TMP_PREFIX "." STATE_NAME "."
#define STATE_OLD_TMP_PREFIX ".crc-deploy.state.tmp-"
#define CURRENT_TMP_PREFIX ".current-"
#define STAGING_PREFIX ".tmp-"

/* ---- Small helpers ------------------------------------------------------------------------------------- */

/* A verification failure about path (an archive or a tree): CRC_EVERIFY with the message. */
__attribute__((format(printf, 3, 4))) static int mismatch(struct crc_error *err, const char *path,
							  const char *fmt, ...)
{
	char msg[CRC_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		snprintf(msg, sizeof msg, "(message could not be formatted)");
	else if ((size_t)n >= sizeof msg)
		memcpy(msg + sizeof msg - 4, "...", 4);
	return crc_err_at(err, CRC_EVERIFY, path, 0, 0, "%s", msg);
}

/* Whether two hex digests are equal, in a time that does not depend on where they differ. */
static int same_hex(const char *a, const char *b)
{
	size_t n = strlen(a);
	unsigned char d = 0;
	if (n != strlen(b))
		return 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* A release id: a drop id not starting with '.', which deploy keeps for its temporary names. */
static int id_ok(const char *s)
{
	return s[0] != '.' && crc_ids_check_drop_id(s, NULL) == 0;
}

static const char *kind_name(char type)
{
	return type == 'f' ? "a file" : type == 'd' ? "a directory" : "a symlink";
}

/* ---- Lists of release ids ------------------------------------------------------------------------------ */

struct ids {
	size_t n, cap;
	struct crc_deploy_id *v;
};

/* Appends id (a valid release id); 0 or CRC_ENOMEM. */
static int ids_push(struct ids *l, const char *id, struct crc_error *err)
{
	struct crc_deploy_id *v = crc_grow(l->v, &l->cap, l->n + 1, sizeof *v);
	if (!v)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	l->v = v;
	snprintf(l->v[l->n].s, sizeof l->v[l->n].s, "%s", id);
	l->n++;
	return 0;
}

static const char *ids_last(const struct ids *l)
{
	return l->n ? l->v[l->n - 1].s : "";
}

static void ids_free(struct ids *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct crc_deploy_id *)a)->s, ((const struct crc_deploy_id *)b)->s);
}

/* ---- The deploy directory ------------------------------------------------------------------------------ */

struct layout {
	char dir[CRC_DEPLOY_PATH_MAX], releases[CRC_DEPLOY_PATH_MAX], current[CRC_DEPLOY_PATH_MAX];
	char lock[CRC_DEPLOY_PATH_MAX], state[CRC_DEPLOY_PATH_MAX];
	int lock_fd;
};

static int layout_init(struct layout *l, const char *dir, struct crc_error *err)
{
	memset(l, 0, sizeof *l);
	l->lock_fd = -1;
	if (!dir || !dir[0])
		return crc_err(err, CRC_EINVALID, "no deploy directory given");
	int w = snprintf(l->dir, sizeof l->dir, "%s", dir);
	if (w < 0 || (size_t)w >= sizeof l->dir)
		return crc_err(err, CRC_EINVALID, "path too long: %s", dir);
	int rc = crc_os_join(l->releases, sizeof l->releases, dir, "releases", err);
	if (!rc)
		rc = crc_os_join(l->current, sizeof l->current, dir, "current", err);
	if (!rc)
		rc = crc_os_join(l->lock, sizeof l->lock, dir, ".crc-deploy.lock", err);
	if (!rc)
		rc = crc_os_join(l->state, sizeof l->state, dir, STATE_NAME, err);
	return rc;
}

/* Removes the entries of dir whose names start with prefix (recursively, never following symlinks). A
 * missing dir has none. */
static int remove_prefixed(const char *dir, const char *prefix, int *count, struct crc_error *err)
{
	char **names;
	size_t n;
	int rc = crc_os_list_dir(&names, &n, AT_FDCWD, dir, NULL, err);
	if (rc)
		return rc == CRC_ENOTFOUND ? 0 : rc;
	for (size_t i = 0; !rc && i < n; i++) {
		char path[CRC_DEPLOY_PATH_MAX];
		if (strncmp(names[i], prefix, strlen(prefix)) != 0)
			continue;
		if (!(rc = crc_os_join(path, sizeof path, dir, names[i], err)) &&
		    !(rc = crc_os_remove_tree(path, err)))
			(*count)++;
	}
	crc_os_names_free(names, n);
	return rc;
}

/* Takes dir's lock (dir must exist) and removes what killed runs left. */
static int layout_lock(struct layout *l, void (*busy)(void *ctx), void *ctx, int *leftovers,
		       struct crc_error *err)
{
	int rc = crc_os_lock(&l->lock_fd, l->lock, busy, ctx, err);
	if (rc)
		return rc;
	*leftovers = 0;
	if ((rc = remove_prefixed(l->releases, STAGING_PREFIX, leftovers, err)) ||
	    (rc = remove_prefixed(l->dir, CURRENT_TMP_PREFIX, leftovers, err)) ||
	    (rc = remove_prefixed(l->dir, STATE_TMP_PREFIX, leftovers, err)) ||
	    (rc = remove_prefixed(l->dir, STATE_OLD_TMP_PREFIX, leftovers, err))) {
		crc_os_unlock(l->lock_fd);
		l->lock_fd = -1;
	}
	return rc;
}

/* The release current points to, into id; "" when there is no current. */
static int read_current(char id[CRC_DEPLOY_ID_MAX + 1], const struct layout *l, struct crc_error *err)
{
	char buf[CRC_DEPLOY_ID_MAX + 32], sh[CRC_ARCHIVE_SHOWN_MAX];
	id[0] = '\0';
	ssize_t n = readlink(l->current, buf, sizeof buf - 1);
	if (n < 0 && errno == ENOENT)
		return 0;
	if (n < 0 && errno == EINVAL)
		return crc_err(err, CRC_EINVALID,
			       "%s is not a symlink (crc keeps it as a link to releases/<id>; move it away)",
			       l->current);
	if (n < 0)
		return crc_err_os(err, "cannot read", l->current, errno);
	buf[n] = '\0';
	if (strncmp(buf, "releases/", 9) != 0 || !id_ok(buf + 9))
		return crc_err(err, CRC_EINVALID,
			       "%s points to '%s', not to releases/<id> (crc did not write it; move it away)",
			       l->current, crc_shown(sh, sizeof sh, buf));
	memcpy(id, buf + 9, strlen(buf + 9) + 1);
	return 0;
}

/* Whether DIR/releases/<id> is a directory. */
static int release_exists(const struct layout *l, const char *id)
{
	char path[CRC_DEPLOY_PATH_MAX];
	struct stat st;
	return crc_os_join(path, sizeof path, l->releases, id, NULL) == 0 && lstat(path, &st) == 0 &&
	       S_ISDIR(st.st_mode);
}

/* The ids of one list of the state file, open-addressed by hash (slots hold index + 1 into the list; at
 * most half full: the list holds at most CRC_DEPLOY_MAX_HISTORY), so that finding one listed twice is linear
 * in the file. */
#define IDSET_SLOTS 32768

static size_t id_hash(const char *s)
{
	size_t h = (size_t)14695981039346656037ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
	return h & (IDSET_SLOTS - 1);
}

/* Whether list (whose ids are all in set) has id; else puts the index it is about to get into set. */
static int idset_seen(unsigned *set, const struct ids *list, const char *id)
{
	size_t i = id_hash(id);
	for (; set[i]; i = (i + 1) & (IDSET_SLOTS - 1))
		if (strcmp(list->v[set[i] - 1].s, id) == 0)
			return 1;
	set[i] = (unsigned)list->n + 1;
	return 0;
}

static int parse_lines(struct ids *prev, struct ids *next, unsigned *prev_set, unsigned *next_set,
		       const char *path, const char *text, size_t len, struct crc_error *err);

/* Parses the state file's text (path names it in messages) into the history after the last change (next)
 * and before it (prev). */
static int parse_state(struct ids *prev, struct ids *next, const char *path, const char *text, size_t len,
		       struct crc_error *err)
{
	unsigned *sets = calloc(2 * IDSET_SLOTS, sizeof *sets);
	if (!sets)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	int rc = parse_lines(prev, next, sets, sets + IDSET_SLOTS, path, text, len, err);
	free(sets);
	return rc;
}

static int parse_lines(struct ids *prev, struct ids *next, unsigned *prev_set, unsigned *next_set,
		       const char *path, const char *text, size_t len, struct crc_error *err)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	int line = 0;
	if (len > CRC_DEPLOY_MAX_STATE)
		return crc_err_at(err, CRC_EINVALID, path, 0, 0, "state file larger than %zu bytes",
				  CRC_DEPLOY_MAX_STATE);
	for (size_t at = 0; at < len; line++) {
		const char *s = text + at, *nl = memchr(s, '\n', len - at);
		if (!nl)
			return crc_err_at(err, CRC_EINVALID, path, line + 1, 0, "last line has no newline");
		size_t n = (size_t)(nl - s);
		char word[CRC_DEPLOY_ID_MAX + 16];
		at += n + 1;
		if (n >= sizeof word || memchr(s, '\0', n))
			return crc_err_at(err, CRC_EINVALID, path, line + 1, 0, "line not understood");
		memcpy(word, s, n);
		word[n] = '\0';
		if (line == 0) {
			if (strcmp(word, STATE_SCHEMA) != 0)
				return crc_err_at(err, CRC_EINVALID, path, 1, 0,
						  "not a deploy state file (expected '" STATE_SCHEMA
						  "', got '%s')",
						  crc_shown(sh, sizeof sh, word));
			continue;
		}
		struct ids *list = strncmp(word, "release ", 8) == 0  ? next
				   : strncmp(word, "before ", 7) == 0 ? prev
								      : NULL;
		if (!list)
			return crc_err_at(
				err, CRC_EINVALID, path, line + 1, 0,
				"line not understood: '%s' (expected 'release <id>' or 'before <id>')",
				crc_shown(sh, sizeof sh, word));
		const char *id = list == next ? word + 8 : word + 7;
		if (!id_ok(id))
			return crc_err_at(err, CRC_EINVALID, path, line + 1, 0, "'%s' is not a release id",
					  crc_shown(sh, sizeof sh, id));
		if (idset_seen(list == next ? next_set : prev_set, list, id))
			return crc_err_at(err, CRC_EINVALID, path, line + 1, 0, "release %s listed twice",
					  id);
		if (list->n >= CRC_DEPLOY_MAX_HISTORY)
			return crc_err_at(err, CRC_EINVALID, path, line + 1, 0, "more than %d releases",
					  CRC_DEPLOY_MAX_HISTORY);
		int rc = ids_push(list, id, err);
		if (rc)
			return rc;
	}
	if (line == 0)
		return crc_err_at(err, CRC_EINVALID, path, 1, 0, "empty state file");
	return 0;
}

int crc_deploy_state_parse(struct crc_deploy_state *st, const char *path, const char *text, size_t len,
			   struct crc_error *err)
{
	struct ids prev = {0}, next = {0};
	memset(st, 0, sizeof *st);
	int rc = parse_state(&prev, &next, path, text, len, err);
	if (rc) {
		ids_free(&prev);
		ids_free(&next);
		return rc;
	}
	st->nreleases = next.n;
	st->releases = next.v;
	st->nbefore = prev.n;
	st->before = prev.v;
	return 0;
}

void crc_deploy_state_free(struct crc_deploy_state *st)
{
	if (!st)
		return;
	free(st->releases);
	free(st->before);
	memset(st, 0, sizeof *st);
}

/* The history in force, oldest first, given the release current points to: the history after the last
 * change when current is its last release; the one before it when current is that one's last (the change
 * was interrupted before its switch); else (current was changed by hand, or there is no state file) the
 * later one with current moved to its end. Releases whose directory is gone are left out, except current. */
static int resolve_history(struct ids *out, const struct layout *l, const char *cur, struct crc_error *err)
{
	struct ids prev = {0}, next = {0};
	struct crc_buf b;
	crc_buf_init(&b);
	memset(out, 0, sizeof *out);
	int rc = crc_os_read_file(&b, l->state, CRC_DEPLOY_MAX_STATE, err);
	if (rc == CRC_ENOTFOUND) {
		crc_error_clear(err);
		rc = 0;
	} else if (!rc) {
		rc = parse_state(&prev, &next, l->state, crc_buf_str(&b), b.len, err);
	}
	crc_buf_free(&b);
	const struct ids *src = &next;
	int by_hand = 0;
	if (strcmp(cur, ids_last(&next)) == 0)
		src = &next;
	else if (strcmp(cur, ids_last(&prev)) == 0)
		src = &prev;
	else
		by_hand = 1;
	for (size_t i = 0; !rc && i < src->n; i++) {
		const char *id = src->v[i].s;
		int is_cur = strcmp(id, cur) == 0;
		if ((by_hand && is_cur) || (!is_cur && !release_exists(l, id)))
			continue;
		rc = ids_push(out, id, err);
	}
	if (!rc && by_hand && cur[0])
		rc = ids_push(out, cur, err);
	ids_free(&prev);
	ids_free(&next);
	if (rc)
		ids_free(out);
	return rc;
}

/* Replaces the state file with the history after this change (next) and before it (prev). */
static int write_state(const struct layout *l, const struct ids *prev, const struct ids *next,
		       struct crc_error *err)
{
	struct crc_buf b;
	crc_buf_init(&b);
	crc_buf_puts(&b, STATE_SCHEMA "\n");
	for (size_t i = 0; i < next->n; i++)
		crc_buf_printf(&b, "release %s\n", next->v[i].s);
	for (size_t i = 0; i < prev->n; i++)
		crc_buf_printf(&b, "before %s\n", prev->v[i].s);
	int rc = crc_buf_error(&b) ? crc_err(err, CRC_ENOMEM, "out of memory")
				   : crc_os_replace_file(l->dir, STATE_NAME, b.data, b.len, 0644, err);
	crc_buf_free(&b);
	return rc;
}

/* Points current at releases/<id> in one step: a new symlink renamed over it, then DIR synced. */
static int switch_current(const struct layout *l, const char *id, struct crc_error *err)
{
	char target[CRC_DEPLOY_ID_MAX + 16];
	snprintf(target, sizeof target, "releases/%s", id);
	return crc_os_replace_symlink(l->dir, "current", target, CURRENT_TMP_PREFIX, err);
}

/* Release directories under DIR/releases that are not in keep, sorted by name. */
static int list_strays(struct ids *out, const struct layout *l, const struct ids *keep, struct crc_error *err)
{
	struct ids sorted = {0};
	memset(out, 0, sizeof *out);
	/* keep, sorted, for lookups in log time whatever the directory holds. */
	for (size_t i = 0; i < keep->n; i++)
		if (ids_push(&sorted, keep->v[i].s, err)) {
			ids_free(&sorted);
			return CRC_ENOMEM;
		}
	if (sorted.n > 1)
		qsort(sorted.v, sorted.n, sizeof *sorted.v, by_id);
	char **names;
	size_t n;
	int rc = crc_os_list_dir(&names, &n, AT_FDCWD, l->releases, NULL, err);
	if (rc) {
		ids_free(&sorted);
		return rc == CRC_ENOTFOUND ? 0 : rc;
	}
	for (size_t i = 0; !rc && i < n; i++) {
		struct crc_deploy_id key;
		size_t len = strlen(names[i]);
		if (len >= sizeof key.s || !id_ok(names[i]))
			continue;
		memcpy(key.s, names[i], len + 1);
		if ((sorted.n && bsearch(&key, sorted.v, sorted.n, sizeof *sorted.v, by_id)) ||
		    !release_exists(l, names[i]))
			continue;
		if (out->n >= CRC_DEPLOY_MAX_HISTORY)
			rc = crc_err(err, CRC_EINVALID, "%s: more than %d releases", l->releases,
				     CRC_DEPLOY_MAX_HISTORY);
		else
			rc = ids_push(out, names[i], err);
	}
	crc_os_names_free(names, n);
	ids_free(&sorted);
	if (!rc && out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, by_id);
	if (rc)
		ids_free(out);
	return rc;
}

/* ---- The artifact's entries, validated and indexed by path --------------------------------------------- */

struct index {
	/* The entries sorted by path, and which of them were met (by the extraction, then by the check). */
	const struct crc_manifest_entry **v;
	unsigned char *seen;
	size_t n;
};

static int by_entry_path(const void *a, const void *b)
{
	return strcmp((*(const struct crc_manifest_entry *const *)a)->path,
		      (*(const struct crc_manifest_entry *const *)b)->path);
}

/* The entry at path, its place in *at; NULL when the manifest does not list it. */
static const struct crc_manifest_entry *index_find(const struct index *x, const char *path, size_t *at)
{
	size_t lo = 0, hi = x->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(x->v[mid]->path, path);
		if (c == 0) {
			*at = mid;
			return x->v[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The first entry below dir (whose path starts with "dir/"), or NULL. */
static const struct crc_manifest_entry *index_below(const struct index *x, const char *dir)
{
	char prefix[CRC_MANIFEST_MAX_PATH + 2];
	size_t n = strlen(dir), lo = 0, hi = x->n;
	if (n + 2 > sizeof prefix)
		return NULL;
	memcpy(prefix, dir, n);
	prefix[n] = '/';
	prefix[n + 1] = '\0';
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(x->v[mid]->path, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->n && strncmp(x->v[lo]->path, prefix, n + 1) == 0 ? x->v[lo] : NULL;
}

/* Why a manifest entry's path is refused, or NULL: what crc_archive_path_problem refuses, a control
 * character, or more than the manifest's cap. */
static const char *path_problem(const char *s)
{
	if (strlen(s) > CRC_MANIFEST_MAX_PATH)
		return "path too long";
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "path holds a control character";
	return crc_archive_path_problem(s);
}

/* Why a manifest entry's symlink target is refused, or NULL: what the archive module refuses (see
 * crc_archive_link_problem), or more than the manifest's cap. */
static const char *link_problem(const char *path, const char *target)
{
	if (strlen(target) > CRC_MANIFEST_MAX_PATH)
		return "symlink target too long";
	return crc_archive_link_problem(path, target);
}

__attribute__((format(printf, 3, 4))) static int
bad_artifact(struct crc_error *err, const struct crc_manifest_artifact *a, const char *fmt, ...)
{
	char msg[CRC_ERROR_MSG_MAX], sh[CRC_ARCHIVE_SHOWN_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		snprintf(msg, sizeof msg, "(message could not be formatted)");
	else if ((size_t)n >= sizeof msg)
		memcpy(msg + sizeof msg - 4, "...", 4);
	return crc_err(err, CRC_EINVALID, "manifest artifact %s: %s", crc_shown(sh, sizeof sh, a->path), msg);
}

/* Checks the artifact's entries as the tree they describe (each path and link safe, modes and hashes well
 * formed, no path twice, nothing below a file or symlink) and indexes them. */
static int index_build(struct index *x, const struct crc_manifest_artifact *a, struct crc_error *err)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX], st[CRC_ARCHIVE_SHOWN_MAX];
	const char *why;
	memset(x, 0, sizeof *x);
	if (a->nentries > CRC_MANIFEST_MAX_ENTRIES)
		return bad_artifact(err, a, "more than %d entries", CRC_MANIFEST_MAX_ENTRIES);
	if (a->nentries == 0)
		return 0;
	if (!a->entries)
		return bad_artifact(err, a, "entries missing");
	x->v = malloc(a->nentries * sizeof *x->v);
	x->seen = calloc(a->nentries, 1);
	if (!x->v || !x->seen)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	x->n = a->nentries;
	for (size_t i = 0; i < a->nentries; i++) {
		const struct crc_manifest_entry *e = &a->entries[i];
		x->v[i] = e;
		if (!e->path)
			return bad_artifact(err, a, "entry %zu has no path", i);
		if ((why = path_problem(e->path)) != NULL)
			return bad_artifact(err, a, "entry '%s': %s", crc_shown(sh, sizeof sh, e->path), why);
		if (e->type != 'f' && e->type != 'd' && e->type != 'l')
			return bad_artifact(err, a, "entry '%s': unknown type",
					    crc_shown(sh, sizeof sh, e->path));
		if (e->mode > 0777)
			return bad_artifact(err, a, "entry '%s': mode %o out of range",
					    crc_shown(sh, sizeof sh, e->path), e->mode);
		if (e->type == 'f' && (!e->sha256 || !crc_ids_hex64_ok(e->sha256)))
			return bad_artifact(err, a, "entry '%s': sha256 is not 64 lower-case hex digits",
					    crc_shown(sh, sizeof sh, e->path));
		if (e->type == 'l' && !e->link)
			return bad_artifact(err, a, "entry '%s': symlink without a target",
					    crc_shown(sh, sizeof sh, e->path));
		if (e->type == 'l' && (why = link_problem(e->path, e->link)) != NULL)
			return bad_artifact(err, a, "entry '%s' -> '%s': %s",
					    crc_shown(sh, sizeof sh, e->path),
					    crc_shown(st, sizeof st, e->link), why);
	}
	qsort(x->v, x->n, sizeof *x->v, by_entry_path);
	for (size_t i = 1; i < x->n; i++)
		if (strcmp(x->v[i - 1]->path, x->v[i]->path) == 0)
			return bad_artifact(err, a, "entry '%s' listed twice",
					    crc_shown(sh, sizeof sh, x->v[i]->path));
	for (size_t i = 0; i < x->n; i++) {
		const struct crc_manifest_entry *below;
		if (x->v[i]->type != 'd' && (below = index_below(x, x->v[i]->path)) != NULL)
			return bad_artifact(err, a, "entry '%s' lies below '%s', which is %s",
					    crc_shown(sh, sizeof sh, below->path),
					    crc_shown(st, sizeof st, x->v[i]->path),
					    kind_name(x->v[i]->type));
	}
	return 0;
}

static void index_free(struct index *x)
{
	free(x->v);
	free(x->seen);
	memset(x, 0, sizeof *x);
}

/* ---- Extraction ---------------------------------------------------------------------------------------- */

/* What the extraction hooks check against. */
struct unpack {
	/* The archive's path, for messages. */
	const char *archive;
	struct index *idx;
};

/* Before an entry is written: it must be in the manifest, met once, and of the manifest's type, mode, size
 * and link. */
static int unpack_check(void *ctx, const struct crc_archive_entry *e, struct crc_error *err)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX], st[CRC_ARCHIVE_SHOWN_MAX], sm[CRC_ARCHIVE_SHOWN_MAX];
	const struct unpack *u = ctx;
	size_t at;
	const struct crc_manifest_entry *m = index_find(u->idx, e->path, &at);
	if (!m)
		return mismatch(err, u->archive, "entry '%s': not in the manifest",
				crc_shown(sh, sizeof sh, e->path));
	if (u->idx->seen[at])
		return mismatch(err, u->archive, "entry '%s': appears twice in the archive",
				crc_shown(sh, sizeof sh, e->path));
	u->idx->seen[at] = 1;
	if (e->type != m->type)
		return mismatch(err, u->archive, "entry '%s': is %s in the archive, the manifest says %s",
				crc_shown(sh, sizeof sh, e->path), kind_name(e->type), kind_name(m->type));
	if (e->type != 'l' && e->mode != m->mode)
		return mismatch(err, u->archive,
				"entry '%s': mode %04o in the archive, the manifest says %04o",
				crc_shown(sh, sizeof sh, e->path), e->mode, m->mode);
	if (e->type == 'f' && e->size != m->size)
		return mismatch(err, u->archive,
				"entry '%s': %llu bytes in the archive, the manifest says %llu",
				crc_shown(sh, sizeof sh, e->path), e->size, m->size);
	if (e->type == 'l' && strcmp(e->link, m->link) != 0)
		return mismatch(err, u->archive, "entry '%s' -> '%s': the manifest says -> '%s'",
				crc_shown(sh, sizeof sh, e->path), crc_shown(st, sizeof st, e->link),
				crc_shown(sm, sizeof sm, m->link));
	return 0;
}

/* After a file is written: its content must be the manifest's. */
static int unpack_written(void *ctx, const struct crc_archive_entry *e, struct crc_error *err)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	const struct unpack *u = ctx;
	size_t at;
	const struct crc_manifest_entry *m = index_find(u->idx, e->path, &at);
	if (e->type != 'f' || !m)
		return 0;
	if (e->size != m->size)
		return mismatch(err, u->archive, "entry '%s': %llu bytes of content, the manifest says %llu",
				crc_shown(sh, sizeof sh, e->path), e->size, m->size);
	if (!same_hex(e->sha256, m->sha256))
		return mismatch(err, u->archive, "entry '%s': content has sha256 %s, the manifest says %s",
				crc_shown(sh, sizeof sh, e->path), e->sha256, m->sha256);
	return 0;
}

/* Extracts the artifact at archive_path (read from *archive_fd when given: the descriptor the
 * verification read) into staging: its size checked first, its bytes hashed as they are read and checked
 * at the end, every manifest entry met once. */
static int unpack(int stagingfd, const char *staging, const char *archive_path, const int *archive_fd,
		  const struct crc_manifest_artifact *a, struct index *idx, struct crc_error *err)
{
	struct unpack u = {archive_path, idx};
	const struct crc_archive_hooks hooks = {unpack_check, unpack_written, &u};
	struct crc_archive_result res;
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	struct stat st;
	int rc = 0, fd;
	memset(&res, 0, sizeof res);
	if (idx->n)
		memset(idx->seen, 0, idx->n);
	if (archive_fd) {
		if ((fd = dup(*archive_fd)) < 0)
			return crc_err_os(err, "cannot use the descriptor of", archive_path, errno);
		if (lseek(fd, 0, SEEK_SET) != 0)
			rc = crc_err_os(err, "cannot seek in", archive_path, errno);
	} else if ((rc = crc_os_open_regular(&fd, NULL, AT_FDCWD, archive_path, NULL, err)) != 0) {
		return rc == CRC_EINVALID ? mismatch(err, archive_path, "%s", err->msg) : rc;
	}
	if (rc)
		;
	else if (fstat(fd, &st) != 0)
		rc = crc_err_os(err, "cannot stat", archive_path, errno);
	else if (!S_ISREG(st.st_mode))
		rc = mismatch(err, archive_path, "not a regular file");
	else if ((unsigned long long)st.st_size != a->size)
		rc = mismatch(err, archive_path, "archive is %lld bytes, the manifest says %llu",
			      (long long)st.st_size, a->size);
	else
		rc = crc_archive_extract_at(&res, fd, archive_path, stagingfd, staging,
					    (enum crc_archive_format)crc_archive_format_parse(a->format),
					    &hooks, err);
	if (!rc && (res.size != a->size || !same_hex(res.sha256, a->sha256)))
		rc = mismatch(err, archive_path,
			      "archive has sha256 %s (%llu bytes), the manifest says %s (%llu bytes)",
			      res.sha256, res.size, a->sha256, a->size);
	for (size_t i = 0; !rc && i < idx->n; i++)
		if (!idx->seen[i])
			rc = mismatch(err, archive_path, "entry '%s': in the manifest but not in the archive",
				      crc_shown(sh, sizeof sh, idx->v[i]->path));
	crc_archive_result_free(&res);
	close(fd);
	return rc;
}

/* ---- Checking a tree on disk against the manifest ------------------------------------------------------ */

struct check {
	/* The tree, for messages; every path is relative to it. */
	const char *root;
	struct index *idx;
	/* fsync every file and directory as it is checked. */
	int sync;
	unsigned char *buf;
};

/* Hashes (and syncs) the regular file w (lstat'ed through its directory), entry e of the manifest. */
static int check_file(const struct check *c, const struct crc_os_walk_entry *w,
		      const struct crc_manifest_entry *e, struct crc_error *err)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX], hex[CRC_SHA256_HEX];
	unsigned char md[CRC_SHA256_LEN];
	unsigned long long size = 0;
	struct stat fst;
	const char *rel = w->path;
	/* Through the walk's descriptor of its directory, not by path (see crc_os_walk). */
	int fd = openat(w->parentfd, w->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return crc_err(err, errno == ENOMEM ? CRC_ENOMEM : CRC_EIO, "cannot open %s/%s: %s", c->root,
			       crc_shown(sh, sizeof sh, rel), strerror(errno));
	struct crc_sha256 *h = crc_sha256_new();
	int rc = h ? 0 : crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	if (!rc && (fstat(fd, &fst) != 0 || fst.st_ino != w->st->st_ino || fst.st_dev != w->st->st_dev))
		rc = mismatch(err, c->root, "entry '%s': changed while it was being checked",
			      crc_shown(sh, sizeof sh, rel));
	while (!rc) {
		ssize_t n = read(fd, c->buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = crc_err(err, CRC_EIO, "cannot read %s/%s: %s", c->root,
				     crc_shown(sh, sizeof sh, rel), strerror(errno));
		else if (n == 0)
			break;
		else if (crc_sha256_update(h, c->buf, (size_t)n))
			rc = crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
		else if ((size += (unsigned long long)n) > e->size)
			break; /* longer than the manifest says: not read on */
	}
	if (!rc && size > e->size)
		size = (unsigned long long)fst.st_size; /* what the file holds, for the message */
	else if (!rc && crc_sha256_final(h, md, hex))
		rc = crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	if (!rc && size != e->size)
		rc = mismatch(err, c->root, "entry '%s': %llu bytes, the manifest says %llu",
			      crc_shown(sh, sizeof sh, rel), size, e->size);
	if (!rc && !same_hex(hex, e->sha256))
		rc = mismatch(err, c->root, "entry '%s': content has sha256 %s, the manifest says %s",
			      crc_shown(sh, sizeof sh, rel), hex, e->sha256);
	if (!rc && c->sync && fsync(fd) != 0)
		rc = crc_err(err, CRC_EIO, "cannot sync %s/%s: %s", c->root, crc_shown(sh, sizeof sh, rel),
			     strerror(errno));
	crc_sha256_free(h);
	close(fd);
	return rc;
}

/* Checks the entry w of the tree against the manifest (crc_os_walk's enter): a directory it lists or
 * implies is walked into, anything else is checked and not. */
static int check_entry(void *ctx, const struct crc_os_walk_entry *w, struct crc_error *err)
{
	const struct check *c = ctx;
	char sh[CRC_ARCHIVE_SHOWN_MAX], st1[CRC_ARCHIVE_SHOWN_MAX], st2[CRC_ARCHIVE_SHOWN_MAX],
		target[CRC_MANIFEST_MAX_PATH + 2];
	const struct stat *st = w->st;
	const char *rel = w->path;
	size_t at;
	const struct crc_manifest_entry *e = index_find(c->idx, rel, &at);
	if (!e && S_ISDIR(st->st_mode) && index_below(c->idx, rel))
		return CRC_OS_WALK_NEXT; /* a directory the manifest implies but does not list */
	const char *what = S_ISREG(st->st_mode) ? "a file" : crc_os_file_kind(st->st_mode);
	if (!e)
		return mismatch(err, c->root, "entry '%s': %s not in the manifest",
				crc_shown(sh, sizeof sh, rel), what);
	char type = S_ISREG(st->st_mode)   ? 'f'
		    : S_ISDIR(st->st_mode) ? 'd'
		    : S_ISLNK(st->st_mode) ? 'l'
					   : '?';
	if (type != e->type)
		return mismatch(err, c->root, "entry '%s': is %s, the manifest says %s",
				crc_shown(sh, sizeof sh, rel), what, kind_name(e->type));
	c->idx->seen[at] = 1;
	unsigned mode = (unsigned)(st->st_mode & 07777);
	if (type != 'l' && mode != e->mode)
		return mismatch(err, c->root, "entry '%s': mode %04o, the manifest says %04o",
				crc_shown(sh, sizeof sh, rel), mode, e->mode);
	if (type == 'd')
		return CRC_OS_WALK_NEXT;
	if (type == 'f') {
		if (st->st_nlink != 1)
			return mismatch(err, c->root, "entry '%s': has %lu hard links (must be 1)",
					crc_shown(sh, sizeof sh, rel), (unsigned long)st->st_nlink);
		int rc = check_file(c, w, e, err);
		return rc ? rc : CRC_OS_WALK_SKIP;
	}
	ssize_t n = readlinkat(w->parentfd, w->name, target, sizeof target - 1);
	if (n < 0)
		return crc_err(err, CRC_EIO, "cannot read symlink %s/%s: %s", c->root,
			       crc_shown(sh, sizeof sh, rel), strerror(errno));
	target[n] = '\0';
	if (strcmp(target, e->link) != 0)
		return mismatch(err, c->root, "entry '%s' -> '%s': the manifest says -> '%s'",
				crc_shown(sh, sizeof sh, rel), crc_shown(st1, sizeof st1, target),
				crc_shown(st2, sizeof st2, e->link));
	return CRC_OS_WALK_SKIP;
}

/* After a directory's entries (crc_os_walk's leave): syncs it when asked. */
static int check_left(void *ctx, const struct crc_os_walk_entry *w, struct crc_error *err)
{
	const struct check *c = ctx;
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	if (c->sync && fsync(w->fd) != 0 && errno != EINVAL)
		return crc_err(err, CRC_EIO, "cannot sync %s/%s: %s", c->root,
			       crc_shown(sh, sizeof sh, w->path), strerror(errno));
	return 0;
}

/* Checks that the tree at root is exactly the artifact's entries (read back without following symlinks),
 * fsync'ing everything when sync is set. */
static int check_tree_at(int rootfd, const char *root, struct index *idx, int sync, struct crc_error *err);

static int check_tree(const char *root, struct index *idx, int sync, struct crc_error *err)
{
	int fd;
	int rc = crc_os_open_dir(&fd, AT_FDCWD, root, 1, err);
	if (rc)
		return rc;
	rc = check_tree_at(fd, root, idx, sync, err);
	close(fd);
	return rc;
}

/* check_tree of the directory rootfd (borrowed); root names it in messages. */
static int check_tree_at(int rootfd, const char *root, struct index *idx, int sync, struct crc_error *err)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	struct check c = {root, idx, sync, NULL};
	const struct crc_os_walker w = {check_entry, check_left, &c, 0, 0};
	if (idx->n)
		memset(idx->seen, 0, idx->n);
	int rc = (c.buf = malloc(CHUNK)) ? crc_os_walk(rootfd, root, &w, err)
					 : crc_err(err, CRC_ENOMEM, "out of memory");
	if (!rc && sync && fsync(rootfd) != 0 && errno != EINVAL)
		rc = crc_err(err, CRC_EIO, "cannot sync %s: %s", root, strerror(errno));
	for (size_t i = 0; !rc && i < idx->n; i++)
		if (!idx->seen[i])
			rc = mismatch(err, root, "entry '%s': in the manifest but missing",
				      crc_shown(sh, sizeof sh, idx->v[i]->path));
	free(c.buf);
	return rc;
}

/* ---- Deploy -------------------------------------------------------------------------------------------- */

static int is_package(const struct crc_manifest_artifact *a)
{
	return a->format && strcmp(a->format, "zip") == 0;
}

/* The artifact for target into *out, its installed tree: the Lambda package (a zip) is for Lambda, not
 * for deploying here. CRC_ENOTFOUND listing the targets the drop has. */
static int find_artifact(const struct crc_manifest_artifact **out, const struct crc_manifest *m,
			 const char *target, struct crc_error *err)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	if ((*out = crc_manifest_installable(m, target)) != NULL)
		return 0;
	struct crc_buf b;
	crc_buf_init(&b);
	for (size_t i = 0, n = 0; i < m->nartifacts; i++) {
		if (is_package(&m->artifacts[i]))
			continue;
		crc_buf_puts(&b, n++ ? ", " : "");
		crc_buf_puts(&b,
			     m->artifacts[i].target ? crc_shown(sh, sizeof sh, m->artifacts[i].target) : "?");
	}
	int rc;
	if (crc_buf_error(&b))
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
	else
		rc = crc_err(err, CRC_ENOTFOUND, "no artifact for target %s in drop %s (it has: %s)",
			     crc_shown(sh, sizeof sh, target), m->drop_id, b.len ? crc_buf_str(&b) : "none");
	crc_buf_free(&b);
	return rc;
}

/* Creates dir (and its parents) when missing; anything but a directory there is an error. */
static int prepare_dir(const struct layout *l, struct crc_error *err)
{
	struct stat st;
	if (stat(l->dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return crc_err(err, CRC_EIO, "cannot deploy into %s: not a directory", l->dir);
		return 0;
	}
	if (errno != ENOENT)
		return crc_err_os(err, "cannot stat", l->dir, errno);
	return crc_os_mkdirs(l->dir, err);
}

/* Creates DIR/releases when missing (syncing DIR). */
static int prepare_releases(const struct layout *l, struct crc_error *err)
{
	struct stat st;
	/* mkdir itself, not crc_os_mkdirs: whether it was made decides whether DIR is synced. */
	if (mkdir(l->releases, 0755) == 0)
		return crc_os_sync_dir(l->dir, err);
	if (errno != EEXIST)
		return crc_err_os(err, "cannot create", l->releases, errno);
	/* Not followed: releases land where current points, in DIR itself. */
	if (lstat(l->releases, &st) != 0)
		return crc_err_os(err, "cannot stat", l->releases, errno);
	if (!S_ISDIR(st.st_mode))
		return crc_err(err, CRC_EIO, "cannot deploy into %s: %s is %s, not a directory", l->dir,
			       l->releases, crc_os_file_kind(st.st_mode));
	return 0;
}

/* Whether the directory at path (not followed through a symlink) is the one st describes. */
static int same_dir(const char *path, const struct stat *st)
{
	struct stat now;
	return lstat(path, &now) == 0 && S_ISDIR(now.st_mode) && now.st_dev == st->st_dev &&
	       now.st_ino == st->st_ino;
}

/* Whether name in the directory dirfd (not followed through a symlink) is the directory st describes. */
static int same_dir_at(int dirfd, const char *name, const struct stat *st)
{
	struct stat now;
	return fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(now.st_mode) &&
	       now.st_dev == st->st_dev && now.st_ino == st->st_ino;
}

/* Extracts and checks the release in a staging directory, then renames it to release. Everything happens
 * through descriptors of DIR/releases (relfd, as it was when the deploy began) and of the staging
 * directory, which is this user's alone (0700) until it is checked, so that a path swapped meanwhile (the
 * staging directory, or releases/ itself) is never followed; the name renamed into place must still be
 * the directory extracted and checked, or nothing is installed. */
static int install_fresh(const struct layout *l, int relfd, const char *id, const char *release,
			 const char *archive_path, const int *archive_fd,
			 const struct crc_manifest_artifact *a, struct index *idx, struct crc_error *err)
{
	char name[CRC_DEPLOY_ID_MAX + 64], staging[CRC_DEPLOY_PATH_MAX];
	struct stat st;
	snprintf(name, sizeof name, STAGING_PREFIX "%s-%ld", id, (long)getpid());
	int rc = crc_os_join(staging, sizeof staging, l->releases, name, err);
	if (rc)
		return rc;
	/* Directly, through relfd and the staging directory's own descriptor: never by a path that someone
	 * writing the deploy directory could swap (see above). */
	if (mkdirat(relfd, name, 0700) != 0)
		return crc_err_os(err, "cannot create", staging, errno);
	int fd = openat(relfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0)
		rc = crc_err_os(err, "cannot open", staging, errno);
	else if (st.st_uid != geteuid())
		rc = mismatch(err, staging, "not the directory this deploy created (owned by uid %ld)",
			      (long)st.st_uid);
	if (!rc)
		rc = unpack(fd, staging, archive_path, archive_fd, a, idx, err);
	if (!rc)
		rc = check_tree_at(fd, staging, idx, 1, err);
	if (!rc && !same_dir_at(relfd, name, &st))
		rc = mismatch(err, staging, "replaced while it was being installed: nothing deployed");
	/* 0755 whatever the umask, once checked: the release's root is what current points to. */
	if (!rc && fchmod(fd, 0755) != 0)
		rc = crc_err_os(err, "cannot set the mode of", staging, errno);
	if (!rc && renameat(relfd, name, relfd, id) != 0)
		rc = crc_err_os(err, "cannot rename into place", release, errno);
	if (!rc && !same_dir_at(relfd, id, &st)) {
		/* What lies there now is not ours to remove; ours, wherever it went, is left too. */
		rc = mismatch(err, release, "replaced while it was being installed: nothing deployed");
		close(fd);
		return rc;
	}
	if (!rc && fsync(relfd) != 0 && errno != EINVAL)
		rc = crc_err_os(err, "cannot sync", l->releases, errno);
	if (fd >= 0)
		close(fd);
	/* Removed by its path only while that path still leads to it. */
	if (rc && same_dir(staging, &st))
		crc_os_remove_tree(staging, NULL);
	return rc;
}

/* Checks an existing release against the manifest; a difference is CRC_EVERIFY saying so. */
static int reuse_existing(const char *release, const char *drop_id, struct index *idx, struct crc_error *err)
{
	struct stat st;
	if (lstat(release, &st) != 0)
		return crc_err_os(err, "cannot stat", release, errno);
	if (!S_ISDIR(st.st_mode))
		return mismatch(err, release, "exists and is not a directory (move it away to deploy %s)",
				drop_id);
	int rc = check_tree(release, idx, 0, err);
	if (rc == CRC_EVERIFY && err) {
		char msg[CRC_ERROR_MSG_MAX];
		memcpy(msg, err->msg, sizeof msg);
		return mismatch(err, release,
				"release exists and differs from drop %s: %s (remove it to deploy again)",
				drop_id, msg);
	}
	return rc;
}

/* Checks the options and finds, validates and indexes the artifact. */
static int install_inputs(const struct crc_manifest_artifact **out, struct index *idx,
			  const struct crc_deploy_options *o, struct crc_error *err)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	*out = NULL;
	if (!o || !o->drop_dir || !o->manifest || !o->target || !o->dir)
		return crc_err(err, CRC_EINVALID,
			       "deploy needs a drop directory, a manifest, a target and a directory");
	const struct crc_manifest *m = o->manifest;
	if (!m->drop_id)
		return crc_err(err, CRC_EINVALID, "the manifest has no drop id");
	int rc = crc_ids_check_drop_id(m->drop_id, err);
	if (rc)
		return rc;
	if (m->drop_id[0] == '.')
		return crc_err(err, CRC_EINVALID,
			       "drop id '%s' starts with '.', which deploy keeps for temporary names",
			       m->drop_id);
	if (m->nartifacts && !m->artifacts)
		return crc_err(err, CRC_EINVALID, "the manifest lists artifacts but has none");
	const struct crc_manifest_artifact *a = NULL;
	if ((rc = find_artifact(&a, m, o->target, err)))
		return rc;
	if (!a->path || !a->path[0] || strchr(a->path, '/') || strcmp(a->path, ".") == 0 ||
	    strcmp(a->path, "..") == 0)
		return crc_err(err, CRC_EINVALID, "manifest artifact '%s': not a file name of the drop",
			       a->path ? crc_shown(sh, sizeof sh, a->path) : "");
	if (!a->format || (strcmp(a->format, "tar.zst") != 0 && strcmp(a->format, "tar.gz") != 0))
		return bad_artifact(err, a, "format '%s' is not tar.zst or tar.gz",
				    a->format ? crc_shown(sh, sizeof sh, a->format) : "");
	if (!a->sha256 || !crc_ids_hex64_ok(a->sha256))
		return bad_artifact(err, a, "sha256 is not 64 lower-case hex digits");
	if ((rc = index_build(idx, a, err)))
		return rc;
	*out = a;
	return 0;
}

/* The history after deploying id (moved or added to the end), cut to the last keep + 1 releases; the
 * releases cut off go to pruned, followed by the release directories outside it. */
static int plan_prune(struct ids *kept, struct ids *pruned, const struct layout *l, const struct ids *hist,
		      const char *id, unsigned keep, struct crc_error *err)
{
	struct ids all = {0}, strays = {0};
	size_t k = (size_t)(keep ? keep : 1) + 1;
	int rc = 0;
	memset(kept, 0, sizeof *kept);
	memset(pruned, 0, sizeof *pruned);
	for (size_t i = 0; !rc && i < hist->n; i++)
		if (strcmp(hist->v[i].s, id) != 0)
			rc = ids_push(&all, hist->v[i].s, err);
	if (!rc)
		rc = ids_push(&all, id, err);
	for (size_t i = 0; !rc && i < all.n; i++)
		rc = ids_push(i + k < all.n ? pruned : kept, all.v[i].s, err);
	if (!rc)
		rc = list_strays(&strays, l, &all, err);
	for (size_t i = 0; !rc && i < strays.n; i++)
		rc = ids_push(pruned, strays.v[i].s, err);
	ids_free(&all);
	ids_free(&strays);
	return rc;
}

/* Removes the pruned releases (never id or previous), recording those removed in res. A failure is
 * reported after trying the others: the deploy itself is done. */
static int prune(struct crc_deploy_result *res, const struct layout *l, const struct ids *pruned,
		 struct crc_error *err)
{
	int rc = 0;
	if (pruned->n && !(res->pruned = calloc(pruned->n, sizeof *res->pruned)))
		return crc_err(err, CRC_ENOMEM, "deployed %s, but out of memory while pruning", res->id);
	for (size_t i = 0; i < pruned->n; i++) {
		const char *id = pruned->v[i].s;
		char path[CRC_DEPLOY_PATH_MAX];
		struct crc_error e;
		if (strcmp(id, res->id) == 0 || strcmp(id, res->previous) == 0)
			continue;
		char name[CRC_DEPLOY_ID_MAX + 64], doomed[CRC_DEPLOY_PATH_MAX];
		snprintf(name, sizeof name, STAGING_PREFIX "prune-%s-%ld", id, (long)getpid());
		/* Renamed out of the way first, so that a run killed while removing it leaves a leftover that
		 * the next run removes, never a half-removed release under its own name. */
		int r = crc_os_join(path, sizeof path, l->releases, id, &e);
		if (!r)
			r = crc_os_join(doomed, sizeof doomed, l->releases, name, &e);
		if (!r)
			r = crc_os_rename(path, doomed, &e);
		if (!r)
			r = crc_os_remove_tree(doomed, &e);
		if (!r)
			res->pruned[res->npruned++] = pruned->v[i];
		else if (!rc)
			rc = crc_err(err, r, "deployed %s, but cannot prune release %s: %s", res->id, id,
				     e.msg);
	}
	return rc;
}

int crc_deploy_install(struct crc_deploy_result *res, const struct crc_deploy_options *o,
		       struct crc_error *err)
{
	const struct crc_manifest_artifact *a = NULL;
	struct index idx;
	struct layout l = {.lock_fd = -1};
	struct ids hist = {0}, kept = {0}, pruned = {0};
	char cur[CRC_DEPLOY_ID_MAX + 1], archive_path[CRC_DEPLOY_PATH_MAX], release[CRC_DEPLOY_PATH_MAX];
	int leftovers = 0, reused = 0, relfd = -1;
	struct stat rst;
	memset(res, 0, sizeof *res);
	memset(&idx, 0, sizeof idx);
	int rc = install_inputs(&a, &idx, o, err);
	if (rc)
		goto out;
	const char *id = o->manifest->drop_id;
	if ((rc = layout_init(&l, o->dir, err)) ||
	    (rc = crc_os_join(archive_path, sizeof archive_path, o->drop_dir, a->path, err)) ||
	    (rc = crc_os_join(release, sizeof release, l.releases, id, err)) || (rc = prepare_dir(&l, err)) ||
	    (rc = prepare_releases(&l, err)) || (rc = layout_lock(&l, o->busy, o->ctx, &leftovers, err)))
		goto out;
	if ((rc = read_current(cur, &l, err)) || (rc = resolve_history(&hist, &l, cur, err)))
		goto out;
	/* releases/ as it is now: the release goes there, and it must still be there when current switches.
	 */
	if ((rc = crc_os_open_dir(&relfd, AT_FDCWD, l.releases, 1, err)))
		goto out;
	if (fstat(relfd, &rst) != 0) {
		rc = crc_err_os(err, "cannot stat", l.releases, errno);
		goto out;
	}
	struct stat st;
	if (fstatat(relfd, id, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		reused = 1;
		rc = reuse_existing(release, id, &idx, err);
	} else if (errno == ENOENT) {
		rc = install_fresh(&l, relfd, id, release, archive_path, o->archive_fd, a, &idx, err);
	} else {
		rc = crc_err_os(err, "cannot stat", release, errno);
	}
	if (!rc && !same_dir(l.releases, &rst))
		rc = mismatch(err, l.releases, "replaced while it was being installed: nothing deployed");
	if (rc || (rc = plan_prune(&kept, &pruned, &l, &hist, id, o->keep, err)) ||
	    (rc = write_state(&l, &hist, &kept, err)) || (rc = switch_current(&l, id, err)))
		goto out;
	snprintf(res->id, sizeof res->id, "%s", id);
	snprintf(res->release, sizeof res->release, "%s", release);
	snprintf(res->previous, sizeof res->previous, "%s", cur);
	res->reused = reused;
	res->unchanged = strcmp(cur, id) == 0;
	res->leftovers_removed = leftovers;
	rc = prune(res, &l, &pruned, err);
out:
	if (relfd >= 0)
		close(relfd);
	crc_os_unlock(l.lock_fd);
	index_free(&idx);
	ids_free(&hist);
	ids_free(&kept);
	ids_free(&pruned);
	return rc;
}

void crc_deploy_result_free(struct crc_deploy_result *res)
{
	if (!res)
		return;
	free(res->pruned);
	memset(res, 0, sizeof *res);
}

/* ---- Rollback and status ------------------------------------------------------------------------------- */

/* dir must exist: CRC_ENOTFOUND "no deployment in DIR: ..." otherwise. */
static int existing_dir(const struct layout *l, struct crc_error *err)
{
	struct stat st;
	if (stat(l->dir, &st) != 0)
		return crc_err_os(err, "no deployment in", l->dir, errno);
	if (!S_ISDIR(st.st_mode))
		return crc_err_os(err, "no deployment in", l->dir, ENOTDIR);
	return 0;
}

int crc_deploy_rollback(struct crc_deploy_rollback_result *res, const char *dir, void (*busy)(void *ctx),
			void *ctx, struct crc_error *err)
{
	struct layout l;
	struct ids hist = {0}, next = {0};
	char cur[CRC_DEPLOY_ID_MAX + 1];
	int leftovers = 0;
	memset(res, 0, sizeof *res);
	int rc = layout_init(&l, dir, err);
	if (rc || (rc = existing_dir(&l, err)) || (rc = layout_lock(&l, busy, ctx, &leftovers, err)))
		return rc;
	if ((rc = read_current(cur, &l, err)) || (rc = resolve_history(&hist, &l, cur, err)))
		goto out;
	if (!cur[0]) {
		rc = crc_err(err, CRC_ENOTFOUND, "nothing is deployed in %s (no %s)", l.dir, l.current);
		goto out;
	}
	if (hist.n < 2) {
		rc = crc_err(
			err, CRC_ENOTFOUND,
			"no earlier release to roll back to (%s is the first release in the history of %s)",
			cur, l.dir);
		goto out;
	}
	const char *to = hist.v[hist.n - 2].s;
	for (size_t i = 0; !rc && i + 1 < hist.n; i++)
		rc = ids_push(&next, hist.v[i].s, err);
	if (rc || (rc = write_state(&l, &hist, &next, err)) || (rc = switch_current(&l, to, err)))
		goto out;
	snprintf(res->from, sizeof res->from, "%s", cur);
	snprintf(res->to, sizeof res->to, "%s", to);
	rc = crc_os_join(res->release, sizeof res->release, l.releases, to, err);
	res->leftovers_removed = leftovers;
out:
	crc_os_unlock(l.lock_fd);
	ids_free(&hist);
	ids_free(&next);
	return rc;
}

int crc_deploy_status(struct crc_deploy_status *st, const char *dir, struct crc_error *err)
{
	struct layout l;
	struct ids hist = {0}, strays = {0};
	memset(st, 0, sizeof *st);
	int rc = layout_init(&l, dir, err);
	if (rc || (rc = existing_dir(&l, err)) || (rc = read_current(st->current, &l, err)) ||
	    (rc = resolve_history(&hist, &l, st->current, err)) ||
	    (rc = list_strays(&strays, &l, &hist, err))) {
		ids_free(&hist);
		memset(st, 0, sizeof *st);
		return rc;
	}
	st->nreleases = hist.n;
	st->releases = hist.v;
	st->nstray = strays.n;
	st->stray = strays.v;
	return 0;
}

void crc_deploy_status_free(struct crc_deploy_status *st)
{
	if (!st)
		return;
	free(st->releases);
	free(st->stray);
	memset(st, 0, sizeof *st);
}

/* ---- The host's target triple -------------------------------------------------------------------------- */

int crc_deploy_triple_for_machine(char *out, size_t n, const char *machine, struct crc_error *err)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX];
	const char *triple = NULL;
	if (strcmp(machine, "x86_64") == 0)
		triple = "x86_64-linux-gnu";
	else if (strcmp(machine, "aarch64") == 0 || strcmp(machine, "arm64") == 0)
		triple = "aarch64-linux-gnu";
	if (!triple)
		return crc_err(err, CRC_ENOTFOUND,
			       "no target triple known for this machine (%s); pass --target",
			       crc_shown(sh, sizeof sh, machine));
	int w = snprintf(out, n, "%s", triple);
	if (w < 0 || (size_t)w >= n)
		return crc_err(err, CRC_EINVALID, "no room for the target triple %s", triple);
	return 0;
}

int crc_deploy_host_triple(char *out, size_t n, struct crc_error *err)
{
	struct utsname u;
	if (uname(&u) != 0)
		return crc_err(err, CRC_EIO, "uname failed: %s", strerror(errno));
	return crc_deploy_triple_for_machine(out, n, u.machine, err);
}
