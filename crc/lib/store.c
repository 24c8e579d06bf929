/* Drops in storage (see crc/store.h). */
#include "crc/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/buf.h"
#include "crc/manifest.h"
#include "crc/os.h"
#include "crc/ids.h"

/* Bytes of strings one listing may hold. */
#define LIST_ARENA_MAX ((size_t)256 << 20)

static int join(char *out, size_t size, const char *a, const char *b, struct crc_error *err)
{
	return crc_os_join(out, size, a, b, err);
}

/* The temporary files crc_os_replace_file makes for .pins. */
#define PINS_TMP_PREFIX "..pins."

/* Removes .tmp-* and .old-* directories (assembled drops of builds that were killed) and temporary pin
 * files. */
static int remove_leftovers(struct crc_store *s, struct crc_error *err)
{
	char **names = NULL;
	size_t n = 0;
	int rc = crc_os_list_path(&names, &n, s->dir, err);
	for (size_t i = 0; !rc && i < n; i++) {
		if (strncmp(names[i], ".tmp-", 5) != 0 && strncmp(names[i], ".old-", 5) != 0 &&
		    strncmp(names[i], PINS_TMP_PREFIX, strlen(PINS_TMP_PREFIX)) != 0)
			continue;
		char path[CRC_STORE_PATH_MAX];
		if (!(rc = join(path, sizeof path, s->dir, names[i], err)) &&
		    !(rc = crc_os_remove_tree(path, err)))
			s->leftovers_removed++;
	}
	crc_os_names_free(names, n);
	return rc;
}

int crc_store_open(struct crc_store *s, const char *storage, const char *profile, void (*busy)(void *ctx),
		   void *ctx, struct crc_error *err)
{
	char lock[CRC_STORE_PATH_MAX];
	memset(s, 0, sizeof *s);
	s->lock_fd = -1;
	int rc = join(s->dir, sizeof s->dir, storage, profile, err);
	if (rc || (rc = crc_os_mkdirs(s->dir, err)) ||
	    (rc = join(lock, sizeof lock, storage, CRC_STORE_LOCK_NAME, err)) ||
	    (rc = crc_os_lock(&s->lock_fd, lock, busy, ctx, err)))
		return rc;
	if ((rc = remove_leftovers(s, err))) {
		crc_store_close(s);
		return rc;
	}
	return 0;
}

void crc_store_close(struct crc_store *s)
{
	crc_os_unlock(s->lock_fd);
	s->lock_fd = -1;
}

int crc_store_drop_path(char out[CRC_STORE_PATH_MAX], const struct crc_store *s, const char *drop_id,
			struct crc_error *err)
{
	return join(out, CRC_STORE_PATH_MAX, s->dir, drop_id, err);
}

int crc_store_drop_exists(const struct crc_store *s, const char *drop_id)
{
	char path[CRC_STORE_PATH_MAX];
	struct stat st;
	return crc_store_drop_path(path, s, drop_id, NULL) == 0 && lstat(path, &st) == 0;
}

int crc_store_begin(char tmp[CRC_STORE_PATH_MAX], const struct crc_store *s, const char *drop_id,
		    struct crc_error *err)
{
	char name[256];
	int w = snprintf(name, sizeof name, ".tmp-%s-%ld", drop_id, (long)getpid());
	if (w < 0 || (size_t)w >= sizeof name)
		return crc_err(err, CRC_EINVALID, "drop id too long: %s", drop_id);
	int rc = join(tmp, CRC_STORE_PATH_MAX, s->dir, name, err);
	if (rc)
		return rc;
	return crc_os_mkdir(tmp, 0755, 0, err);
}

struct sync_ctx {
	const char *dir;
};

/* fsyncs a directory of the drop once all in it is (the files were, as they were written). */
static int sync_leave(void *ctx, const struct crc_os_walk_entry *e, struct crc_error *err)
{
	const struct sync_ctx *c = ctx;
	char sh[CRC_SHOWN_MAX];
	if (fsync(e->fd) != 0)
		return crc_err(err, CRC_EIO, "cannot sync %s/%s: %s", c->dir,
			       crc_shown(sh, sizeof sh, e->path), strerror(errno));
	return 0;
}

static int sync_enter(void *ctx, const struct crc_os_walk_entry *e, struct crc_error *err)
{
	(void)ctx, (void)e, (void)err;
	return CRC_OS_WALK_NEXT;
}

/* fsyncs every directory below dir, then dir itself: the names of all a drop holds are on disk before it
 * is renamed into place. */
static int sync_tree(const char *dir, struct crc_error *err)
{
	struct sync_ctx c = {dir};
	struct crc_os_walker w = {sync_enter, sync_leave, &c, 0, 0};
	int fd, rc = crc_os_open_dir(&fd, AT_FDCWD, dir, 1, err);
	if (rc)
		return rc;
	rc = crc_os_walk(fd, dir, &w, err);
	if (!rc && fsync(fd) != 0)
		rc = crc_err_os(err, "cannot sync", dir, errno);
	close(fd);
	return rc;
}

int crc_store_publish(const struct crc_store *s, const char *tmp, const char *drop_id, int replace,
		      struct crc_error *err)
{
	char final[CRC_STORE_PATH_MAX];
	struct stat st;
	int rc = crc_store_drop_path(final, s, drop_id, err);
	if (rc || (rc = sync_tree(tmp, err)))
		return rc;
	if (lstat(final, &st) == 0) {
		if (!replace)
			return crc_err(err, CRC_EINVALID, "drop %s already exists (--force replaces it)",
				       final);
		/* Swap the two in one step, so that the drop's path always holds a whole drop. */
		if ((rc = crc_os_exchange(tmp, final, err)))
			return rc;
		crc_os_remove_tree(tmp, NULL);
		return crc_os_sync_dir(s->dir, err);
	}
	if ((rc = crc_os_rename(tmp, final, err)))
		return rc;
	return crc_os_sync_dir(s->dir, err);
}

void crc_store_abort(const char *tmp)
{
	if (tmp && tmp[0])
		crc_os_remove_tree(tmp, NULL);
}

static int is_leftover_name(const char *name)
{
	return strncmp(name, ".tmp-", 5) == 0 || strncmp(name, ".old-", 5) == 0;
}

/* Whether another process holds <storage>/.crc.lock (a missing lock file: nobody). */
static int lock_held(const char *storage)
{
	char lock[CRC_STORE_PATH_MAX];
	if (join(lock, sizeof lock, storage, CRC_STORE_LOCK_NAME, NULL))
		return 0;
	int fd;
	if (crc_os_open_regular(&fd, NULL, AT_FDCWD, lock, NULL, NULL) != 0)
		return 0;
	int held = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

/* A growing array of entries with an arena for their strings. */
struct lister {
	struct crc_store_list *l;
	size_t cap;
	const char *storage;
	/* -1 until a leftover asks, then whether the lock is held. */
	int held;
};

static char *dup_str(struct crc_store_list *l, const char *s, struct crc_error *err)
{
	char *d = crc_arena_strndup(&l->arena, s, strlen(s));
	if (!d)
		crc_err(err, CRC_ENOMEM, "out of memory listing drops");
	return d;
}

/* Appends an empty entry with the directory's name and path; NULL with *rc set on failure. */
static struct crc_store_entry *add_entry(int *rc, struct lister *ls, const char *name, const char *path,
					 struct crc_error *err)
{
	struct crc_store_list *l = ls->l;
	if (l->n == CRC_STORE_MAX_DROPS) {
		*rc = crc_err(err, CRC_EINVALID, "more than %d drops in %s", CRC_STORE_MAX_DROPS,
			      ls->storage);
		return NULL;
	}
	struct crc_store_entry *grown = crc_grow(l->entries, &ls->cap, l->n + 1, sizeof *grown);
	if (!grown) {
		*rc = crc_err(err, CRC_ENOMEM, "out of memory listing drops");
		return NULL;
	}
	l->entries = grown;
	struct crc_store_entry *e = &l->entries[l->n++];
	memset(e, 0, sizeof *e);
	e->created = "";
	if (!(e->id = dup_str(l, name, err)) || !(e->dir = dup_str(l, path, err))) {
		*rc = CRC_ENOMEM;
		return NULL;
	}
	return e;
}

/* Sums the sizes of the regular files directly in dir. */
static unsigned long long dir_size(const char *dir)
{
	unsigned long long total = 0;
	char **names = NULL;
	size_t n = 0;
	int fd;
	struct crc_error ignored;
	if (crc_os_open_dir(&fd, AT_FDCWD, dir, 1, &ignored) != 0)
		return 0;
	if (crc_os_list_dir(&names, &n, fd, "", dir, &ignored) == 0)
		for (size_t i = 0; i < n; i++) {
			struct stat st;
			if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
				total += (unsigned long long)st.st_size;
		}
	crc_os_names_free(names, n);
	close(fd);
	return total;
}

/* Fills a drop's entry from its manifest.yaml: complete, or broken with the reason. */
static int read_drop(struct lister *ls, struct crc_store_entry *e, struct crc_error *err)
{
	struct crc_store_list *l = ls->l;
	char path[CRC_STORE_PATH_MAX], msg[2 * CRC_ERROR_MSG_MAX];
	struct crc_manifest *m = NULL;
	struct crc_error merr;
	struct stat st;
	int rc = join(path, sizeof path, e->dir, "manifest.yaml.sig", err);
	if (rc)
		return rc;
	e->is_signed = lstat(path, &st) == 0 && S_ISREG(st.st_mode);
	if ((rc = join(path, sizeof path, e->dir, "manifest.yaml", err)))
		return rc;
	rc = crc_manifest_load(&m, path, &merr);
	if (rc == CRC_ENOMEM)
		return crc_err(err, rc, "%s", merr.msg);
	if (rc == 0 && (strcmp(m->drop_id, e->id) != 0 || strcmp(m->profile, e->profile) != 0)) {
		char id[CRC_SHOWN_MAX], prof[CRC_SHOWN_MAX];
		crc_err_at(&merr, CRC_EINVALID, path, 0, 0, "names drop '%s' of profile '%s'",
			   crc_shown(id, sizeof id, m->drop_id), crc_shown(prof, sizeof prof, m->profile));
		rc = CRC_EINVALID;
	}
	if (rc) {
		crc_manifest_free(m);
		e->state = CRC_STORE_BROKEN;
		if (rc == CRC_ENOTFOUND)
			crc_err_at(&merr, rc, path, 0, 0, "missing");
		crc_error_format(&merr, msg, sizeof msg);
		return (e->problem = dup_str(l, msg, err)) ? 0 : CRC_ENOMEM;
	}
	e->state = CRC_STORE_COMPLETE;
	rc = (e->created = dup_str(l, m->created, err)) ? 0 : CRC_ENOMEM;
	if (!rc && m->ntargets &&
	    !(e->targets = crc_arena_alloc(&l->arena, m->ntargets * sizeof *e->targets)))
		rc = crc_err(err, CRC_ENOMEM, "out of memory listing drops");
	for (size_t i = 0; !rc && i < m->ntargets; i++)
		if (!(e->targets[e->ntargets++] = dup_str(l, m->targets[i].triple, err)))
			rc = CRC_ENOMEM;
	crc_manifest_free(m);
	return rc;
}

/* Adds the drops and leftovers of one profile folder. */
static int list_profile(struct lister *ls, const char *profile, struct crc_error *err)
{
	struct crc_store_list *l = ls->l;
	struct crc_store_pins *pins = NULL;
	char dir[CRC_STORE_PATH_MAX];
	int rc = join(dir, sizeof dir, ls->storage, profile, err);
	if (rc)
		return rc;
	char **names = NULL;
	size_t n = 0;
	if ((rc = crc_os_list_path(&names, &n, dir, err)) != 0)
		return rc == CRC_ENOTFOUND ? 0 : rc;
	if ((rc = crc_store_pins_load(&pins, dir, err)))
		goto out;
	const char *prof = dup_str(l, profile, err);
	if (!prof) {
		rc = CRC_ENOMEM;
		goto out;
	}
	for (size_t i = 0; !rc && i < n; i++) {
		const char *name = names[i];
		char path[CRC_STORE_PATH_MAX];
		struct stat st;
		int leftover = is_leftover_name(name);
		if (name[0] == '.' && !leftover)
			continue;
		if ((rc = join(path, sizeof path, dir, name, err)))
			break;
		if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		struct crc_store_entry *e = add_entry(&rc, ls, name, path, err);
		if (!e)
			break;
		e->profile = prof;
		e->size = dir_size(path);
		if (leftover) {
			if (ls->held < 0)
				ls->held = lock_held(ls->storage);
			e->state = ls->held ? CRC_STORE_BUILDING : CRC_STORE_LEFTOVER;
			continue;
		}
		e->pinned = crc_store_pins_has(pins, name);
		rc = read_drop(ls, e, err);
	}
out:
	crc_os_names_free(names, n);
	crc_store_pins_free(pins);
	return rc;
}

static int entry_rank(const struct crc_store_entry *e)
{
	return e->state == CRC_STORE_COMPLETE ? 0 : e->state == CRC_STORE_BROKEN ? 1 : 2;
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct crc_store_entry *a = pa, *b = pb;
	int c = strcmp(a->profile, b->profile);
	if (c)
		return c;
	if ((c = entry_rank(a) - entry_rank(b)))
		return c;
	if (entry_rank(a) == 2)
		return strcmp(a->id, b->id);
	if ((c = strcmp(b->created, a->created)))
		return c;
	return strcmp(b->id, a->id);
}

int crc_store_list(struct crc_store_list **out, const char *storage, const char *profile,
		   struct crc_error *err)
{
	*out = NULL;
	struct crc_store_list *l = calloc(1, sizeof *l);
	if (!l)
		return crc_err(err, CRC_ENOMEM, "out of memory listing drops");
	crc_arena_init(&l->arena, LIST_ARENA_MAX);
	struct lister ls = {l, 0, storage, -1};
	int rc = 0;
	if (profile) {
		rc = list_profile(&ls, profile, err);
	} else {
		char **names = NULL;
		size_t n = 0;
		if ((rc = crc_os_list_path(&names, &n, storage, err)) == CRC_ENOTFOUND)
			rc = 0;
		for (size_t i = 0; !rc && i < n; i++) {
			char path[CRC_STORE_PATH_MAX];
			struct stat st;
			if (crc_ids_check_drop_id(names[i], NULL) != 0 || names[i][0] == '.')
				continue;
			if ((rc = join(path, sizeof path, storage, names[i], err)))
				break;
			if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
				rc = list_profile(&ls, names[i], err);
		}
		crc_os_names_free(names, n);
	}
	if (rc) {
		crc_store_list_free(l);
		return rc;
	}
	if (l->n)
		qsort(l->entries, l->n, sizeof *l->entries, entry_cmp);
	*out = l;
	return 0;
}

void crc_store_list_free(struct crc_store_list *l)
{
	if (!l)
		return;
	crc_arena_free(&l->arena);
	free(l->entries);
	free(l);
}

void crc_store_gc_select(struct crc_store_list *l, size_t keep)
{
	size_t kept = 0;
	for (size_t i = 0; i < l->n; i++) {
		struct crc_store_entry *e = &l->entries[i];
		if (i == 0 || strcmp(e->profile, l->entries[i - 1].profile) != 0)
			kept = 0;
		if (e->state == CRC_STORE_LEFTOVER)
			e->action = CRC_STORE_GC_REMOVE;
		else if (e->state == CRC_STORE_BUILDING)
			e->action = CRC_STORE_GC_KEEP;
		else if (kept < keep)
			e->action = CRC_STORE_GC_KEEP, kept++;
		else
			e->action = e->pinned ? CRC_STORE_GC_KEEP_PINNED : CRC_STORE_GC_REMOVE;
	}
}

int crc_store_remove_drop(const struct crc_store *s, const char *drop_id, struct crc_error *err)
{
	char path[CRC_STORE_PATH_MAX], old[CRC_STORE_PATH_MAX], name[256];
	struct stat st;
	int rc = crc_ids_check_drop_id(drop_id, err);
	if (rc || (rc = crc_store_drop_path(path, s, drop_id, err)))
		return rc;
	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return crc_err(err, CRC_ENOTFOUND, "no drop %s", path);
	int w = snprintf(name, sizeof name, ".old-%s-%ld", drop_id, (long)getpid());
	if (w < 0 || (size_t)w >= sizeof name)
		return crc_err(err, CRC_EINVALID, "drop id too long: %s", drop_id);
	if ((rc = join(old, sizeof old, s->dir, name, err)) || (rc = crc_os_remove_tree(old, err)))
		return rc;
	/* One rename hides the whole drop: from here on nobody sees it, whole or in part. */
	if ((rc = crc_os_rename(path, old, err)))
		return rc;
	if ((rc = crc_os_sync_dir(s->dir, err)))
		return rc;
	return crc_os_remove_tree(old, err);
}

/* The id on one line of a pin file: [start, end) after cutting the comment and the blanks around. */
static void pin_line_id(const char *line, size_t n, size_t *start, size_t *end)
{
	const char *hash = memchr(line, '#', n);
	size_t a = 0, b = hash ? (size_t)(hash - line) : n;
	while (a < b && (line[a] == ' ' || line[a] == '\t' || line[a] == '\r'))
		a++;
	while (b > a && (line[b - 1] == ' ' || line[b - 1] == '\t' || line[b - 1] == '\r'))
		b--;
	*start = a;
	*end = b;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int crc_store_pins_parse(struct crc_store_pins **out, const char *path, const char *text, size_t len,
			 struct crc_error *err)
{
	*out = NULL;
	if (len > CRC_STORE_PINS_MAX_BYTES)
		return crc_err_at(err, CRC_EINVALID, path, 0, 0, "larger than %zu bytes",
				  CRC_STORE_PINS_MAX_BYTES);
	struct crc_store_pins *p = calloc(1, sizeof *p);
	if (!p)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	crc_arena_init(&p->arena, 4 * CRC_STORE_PINS_MAX_BYTES);
	p->ids = crc_arena_alloc(&p->arena, CRC_STORE_MAX_PINS * sizeof *p->ids);
	int rc = p->ids ? 0 : crc_err(err, CRC_ENOMEM, "out of memory");
	int lineno = 0;
	for (size_t pos = 0; !rc && pos < len;) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos, a, b;
		pos += n + (nl != NULL);
		lineno++;
		pin_line_id(line, n, &a, &b);
		if (a == b)
			continue;
		struct crc_error id_err;
		char *id = crc_arena_strndup(&p->arena, line + a, b - a);
		if (!id)
			rc = crc_err(err, CRC_ENOMEM, "out of memory");
		else if (memchr(line + a, '\0', b - a))
			rc = crc_err_at(err, CRC_EINVALID, path, lineno, 0, "a NUL byte in a drop id");
		else if (crc_ids_check_drop_id(id, &id_err))
			rc = crc_err_at(err, CRC_EINVALID, path, lineno, 0, "bad pin: %s", id_err.msg);
		else if (p->n == CRC_STORE_MAX_PINS)
			rc = crc_err_at(err, CRC_EINVALID, path, lineno, 0, "more than %d pins",
					CRC_STORE_MAX_PINS);
		else
			p->ids[p->n++] = id;
	}
	if (!rc && !(p->sorted = crc_arena_alloc(&p->arena, (p->n ? p->n : 1) * sizeof *p->sorted)))
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
	if (rc) {
		crc_store_pins_free(p);
		return rc;
	}
	if (p->n)
		memcpy(p->sorted, p->ids, p->n * sizeof *p->sorted);
	qsort(p->sorted, p->n, sizeof *p->sorted, by_id);
	*out = p;
	return 0;
}

/* Reads <dir>/.pins into text (missing: empty). */
static int read_pins_text(struct crc_buf *text, char path[CRC_STORE_PATH_MAX], const char *dir,
			  struct crc_error *err)
{
	int rc = join(path, CRC_STORE_PATH_MAX, dir, ".pins", err);
	if (rc)
		return rc;
	rc = crc_os_read_file(text, path, CRC_STORE_PINS_MAX_BYTES, err);
	if (rc == CRC_ENOTFOUND) {
		crc_error_clear(err);
		return 0;
	}
	return rc;
}

int crc_store_pins_load(struct crc_store_pins **out, const char *profile_dir, struct crc_error *err)
{
	char path[CRC_STORE_PATH_MAX];
	struct crc_buf text;
	*out = NULL;
	crc_buf_init(&text);
	int rc = read_pins_text(&text, path, profile_dir, err);
	if (!rc)
		rc = crc_store_pins_parse(out, path, crc_buf_str(&text), text.len, err);
	crc_buf_free(&text);
	return rc;
}

int crc_store_pins_has(const struct crc_store_pins *pins, const char *drop_id)
{
	return pins && pins->n && bsearch(&drop_id, pins->sorted, pins->n, sizeof *pins->sorted, by_id);
}

void crc_store_pins_free(struct crc_store_pins *pins)
{
	if (!pins)
		return;
	crc_arena_free(&pins->arena);
	free(pins);
}

int crc_store_pin(const struct crc_store *s, const char *drop_id, int pin, int *changed,
		  struct crc_error *err)
{
	char path[CRC_STORE_PATH_MAX];
	struct crc_buf text, next;
	struct crc_store_pins *pins = NULL;
	*changed = 0;
	crc_buf_init(&text);
	crc_buf_init(&next);
	int rc = crc_ids_check_drop_id(drop_id, err);
	if (rc || (rc = read_pins_text(&text, path, s->dir, err)) ||
	    (rc = crc_store_pins_parse(&pins, path, crc_buf_str(&text), text.len, err)))
		goto out;
	if (crc_store_pins_has(pins, drop_id) == !!pin)
		goto out;
	if (pin) {
		crc_buf_add(&next, crc_buf_str(&text), text.len);
		if (text.len && text.data[text.len - 1] != '\n')
			crc_buf_putc(&next, '\n');
		crc_buf_printf(&next, "%s\n", drop_id);
	} else {
		const char *t = crc_buf_str(&text);
		for (size_t pos = 0; pos < text.len;) {
			const char *line = t + pos, *nl = memchr(line, '\n', text.len - pos);
			size_t n = nl ? (size_t)(nl - line) : text.len - pos, a, b;
			pos += n + (nl != NULL);
			pin_line_id(line, n, &a, &b);
			if (b - a == strlen(drop_id) && memcmp(line + a, drop_id, b - a) == 0)
				continue;
			crc_buf_add(&next, line, n);
			crc_buf_putc(&next, '\n');
		}
	}
	if ((rc = crc_buf_error(&next))) {
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
		goto out;
	}
	/* A killed crc's half-written temporary file is a leftover the next open removes. */
	if (!(rc = crc_os_replace_file(s->dir, ".pins", crc_buf_str(&next), next.len, 0644, err)))
		*changed = 1;
out:
	crc_store_pins_free(pins);
	crc_buf_free(&text);
	crc_buf_free(&next);
	return rc;
}
