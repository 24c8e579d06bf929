/* The file-system layer: checked path joins, writing all of a buffer, atomic replacement, the one tree
 * walker (order, skipping, stopping, leaving, caps, never through a symlink, a directory swapped while it is
 * walked), removing a tree without following its links, and the one growth rule for arrays. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/buf.h"
#include "crc/os.h"

static char *scratch(void)
{
	static char dir[64];
	snprintf(dir, sizeof dir, "/tmp/crc-os-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	return dir;
}

static void put(const char *dir, const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f, "%s", p);
	fputs(text, f);
	fclose(f);
}

static void mkdir_(const char *dir, const char *rel)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	cr_assert_eq(mkdir(p, 0755), 0, "%s", p);
}

Test(os, join_refuses_what_does_not_fit)
{
	char out[8];
	struct crc_error err;
	cr_assert_eq(crc_os_join(out, sizeof out, "ab", "cd", &err), 0);
	cr_assert_str_eq(out, "ab/cd");
	cr_assert_eq(crc_os_join(out, sizeof out, "abc", "defg", &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "path too long: abc/defg");
}

Test(os, replace_file_is_atomic_with_the_exact_mode)
{
	char *dir = scratch(), path[256];
	struct crc_error err;
	struct stat st;
	snprintf(path, sizeof path, "%s/state", dir);
	put(dir, "state", "old\n");
	mode_t old = umask(077);
	cr_assert_eq(crc_os_replace_file(dir, "state", "new\n", 4, 0644, &err), 0, "%s", err.msg);
	umask(old);
	struct crc_buf b;
	crc_buf_init(&b);
	cr_assert_eq(crc_os_read_file(&b, path, 100, &err), 0);
	cr_assert_str_eq(crc_buf_str(&b), "new\n");
	crc_buf_free(&b);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644, "the mode asked for, whatever the umask");
	/* No temporary file stays; into a missing directory nothing is written. */
	char **names;
	size_t n;
	cr_assert_eq(crc_os_list_dir(&names, &n, AT_FDCWD, dir, NULL, &err), 0);
	cr_assert_eq(n, 1);
	crc_os_names_free(names, n);
	char missing[256];
	snprintf(missing, sizeof missing, "%s/none", dir);
	cr_assert_eq(crc_os_replace_file(missing, "state", "x", 1, 0644, &err), CRC_ENOTFOUND);
	cr_assert_eq(crc_os_remove_tree(dir, &err), 0);
}

/* What a walk saw, one line per call. */
struct seen {
	struct crc_buf log;
	const char *skip, *stop, *swap_root;
};

static int on_enter(void *ctx, const struct crc_os_walk_entry *e, struct crc_error *err)
{
	struct seen *s = ctx;
	(void)err;
	crc_buf_printf(&s->log, "+%s%s ", e->path,
		       S_ISLNK(e->st->st_mode)   ? "@"
		       : S_ISDIR(e->st->st_mode) ? "/"
						 : "");
	cr_assert_eq(e->fd, -1);
	if (s->swap_root && strcmp(e->path, "a") == 0) {
		/* A writer swaps the directory just reported for another one. */
		char from[256], to[256];
		snprintf(from, sizeof from, "%s/a", s->swap_root);
		snprintf(to, sizeof to, "%s/a-old", s->swap_root);
		cr_assert_eq(rename(from, to), 0);
		cr_assert_eq(mkdir(from, 0755), 0);
	}
	if (s->skip && strcmp(e->path, s->skip) == 0)
		return CRC_OS_WALK_SKIP;
	if (s->stop && strcmp(e->path, s->stop) == 0)
		return CRC_OS_WALK_STOP;
	return CRC_OS_WALK_NEXT;
}

static int on_leave(void *ctx, const struct crc_os_walk_entry *e, struct crc_error *err)
{
	struct seen *s = ctx;
	struct stat st;
	(void)err;
	cr_assert_geq(e->fd, 0, "a directory is left open");
	cr_assert_eq(fstat(e->fd, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	crc_buf_printf(&s->log, "-%s ", e->path);
	return 0;
}

static const char *walk(const char *dir, struct seen *s, size_t depth, size_t entries, int *rc,
			struct crc_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(fd, 0);
	const struct crc_os_walker w = {on_enter, on_leave, s, depth, entries};
	crc_buf_free(&s->log);
	crc_buf_init(&s->log);
	*rc = crc_os_walk(fd, "T", &w, err);
	close(fd);
	return crc_buf_str(&s->log);
}

Test(os, walk_visits_in_order_and_never_follows_a_symlink)
{
	char dir[64], outside[64];
	snprintf(dir, sizeof dir, "%s", scratch());
	struct seen s = {{NULL, 0, 0, 0}, NULL, NULL, NULL};
	struct crc_error err;
	int rc;
	mkdir_(dir, "b");
	mkdir_(dir, "a");
	mkdir_(dir, "a/c");
	put(dir, "a/c/f", "x");
	put(dir, "z", "y");
	snprintf(outside, sizeof outside, "%s", scratch());
	put(outside, "secret", "s");
	char link[256];
	snprintf(link, sizeof link, "%s/l", dir);
	cr_assert_eq(symlink(outside, link), 0);
	cr_assert_str_eq(walk(dir, &s, 0, 0, &rc, &err), "+a/ +a/c/ +a/c/f -a/c -a +b/ -b +l@ +z ");
	cr_assert_eq(rc, 0, "%s", err.msg);
	s.skip = "a";
	cr_assert_str_eq(walk(dir, &s, 0, 0, &rc, &err), "+a/ +b/ -b +l@ +z ",
			 "a skipped directory is not entered");
	s.skip = NULL;
	s.stop = "a/c/f";
	cr_assert_str_eq(walk(dir, &s, 0, 0, &rc, &err), "+a/ +a/c/ +a/c/f ");
	cr_assert_eq(rc, 0, "a stop is not an error");
	s.stop = NULL;
	/* Caps. */
	walk(dir, &s, 1, 0, &rc, &err);
	cr_assert_eq(rc, CRC_EINVALID);
	cr_assert_str_eq(err.msg, "T/a: nested deeper than 1 levels");
	walk(dir, &s, 0, 3, &rc, &err);
	cr_assert_eq(rc, CRC_EINVALID);
	cr_assert_str_eq(err.msg, "T: more than 3 entries");
	/* A directory swapped for another between its lstat and its open is refused. */
	s.swap_root = dir;
	walk(dir, &s, 0, 0, &rc, &err);
	cr_assert_eq(rc, CRC_EVERIFY);
	cr_assert_str_eq(err.msg, "T/a: replaced while it was read");
	crc_buf_free(&s.log);
	/* Removing the tree removes the link, not what it points to. */
	cr_assert_eq(crc_os_remove_tree(dir, &err), 0, "%s", err.msg);
	cr_assert_neq(access(dir, F_OK), 0);
	char secret[256];
	snprintf(secret, sizeof secret, "%s/secret", outside);
	cr_assert_eq(access(secret, F_OK), 0, "nothing outside the tree is removed");
	cr_assert_eq(crc_os_remove_tree(outside, &err), 0);
}

Test(os, grow_doubles_and_refuses_an_overflow)
{
	int *v = NULL, *p;
	size_t cap = 0;
	cr_assert_not_null(v = crc_grow(v, &cap, 1, sizeof *v));
	cr_assert_eq(cap, 16);
	cr_assert_eq(crc_grow(v, &cap, 16, sizeof *v), v, "room enough: nothing to do");
	cr_assert_eq(cap, 16);
	cr_assert_not_null(v = crc_grow(v, &cap, 17, sizeof *v));
	cr_assert_eq(cap, 32);
	cr_assert_not_null(v = crc_grow(v, &cap, 1000, sizeof *v));
	cr_assert_eq(cap, 1024);
	v[1023] = 7;
	cr_assert_null(p = crc_grow(v, &cap, SIZE_MAX / 2, sizeof *v));
	cr_assert_eq(cap, 1024, "unchanged on failure");
	cr_assert_eq(v[1023], 7);
	cr_assert_null(crc_grow(v, &cap, 1025, 0), "a zero size is refused");
	free(v);
}
