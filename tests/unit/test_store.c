/* Storage and the os module under it: the lock (and that a second holder waits), leftovers of killed
 * builds removed, publication that never overwrites and, with replace, swaps whole drops; new files
 * that never clobber; spawning with an environment, a log and a directory. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crc/build.h"
#include "crc/os.h"
#include "crc/proc.h"
#include "crc/store.h"
#include "crc/buf.h"

static char *scratch(void)
{
	static char dir[64];
	snprintf(dir, sizeof dir, "/tmp/crc-store-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	return dir;
}

static void write_text(const char *path, const char *text)
{
	struct crc_error err;
	unlink(path);
	cr_assert_eq(crc_os_write_file(path, text, strlen(text), 0644, &err), 0, "%s", err.msg);
}

static int busy_calls;
static void on_busy(void *ctx)
{
	(void)ctx;
	busy_calls++;
}

Test(store, publishes_whole_and_never_overwrites)
{
	char *root = scratch(), tmp[CRC_STORE_PATH_MAX], path[CRC_STORE_PATH_MAX + 64];
	struct crc_store s;
	struct crc_error err;
	cr_assert_eq(crc_store_open(&s, root, "edge", NULL, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(crc_store_drop_exists(&s, "d1"), 0);
	cr_assert_eq(crc_store_begin(tmp, &s, "d1", &err), 0);
	cr_assert(strstr(tmp, "/edge/.tmp-d1-"), "%s", tmp);
	snprintf(path, sizeof path, "%s/flags.txt", tmp);
	write_text(path, "one\n");
	cr_assert_eq(crc_store_publish(&s, tmp, "d1", 0, &err), 0, "%s", err.msg);
	cr_assert_eq(crc_store_drop_exists(&s, "d1"), 1);
	/* A second drop of the same id: refused without replace, and the first stays. */
	cr_assert_eq(crc_store_begin(tmp, &s, "d1", &err), 0);
	snprintf(path, sizeof path, "%s/flags.txt", tmp);
	write_text(path, "two\n");
	cr_assert_eq(crc_store_publish(&s, tmp, "d1", 0, &err), CRC_EINVALID);
	cr_assert(strstr(err.msg, "already exists (--force replaces it)"), "%s", err.msg);
	struct crc_buf b;
	crc_buf_init(&b);
	snprintf(path, sizeof path, "%s/edge/d1/flags.txt", root);
	cr_assert_eq(crc_os_read_file(&b, path, 100, &err), 0);
	cr_assert_str_eq(crc_buf_str(&b), "one\n");
	crc_buf_free(&b);
	/* With replace: swapped in, the old one gone, no leftover. */
	cr_assert_eq(crc_store_publish(&s, tmp, "d1", 1, &err), 0, "%s", err.msg);
	crc_buf_init(&b);
	cr_assert_eq(crc_os_read_file(&b, path, 100, &err), 0);
	cr_assert_str_eq(crc_buf_str(&b), "two\n");
	crc_buf_free(&b);
	struct stat st;
	cr_assert_neq(lstat(tmp, &st), 0, "the replaced drop is removed");
	crc_store_close(&s);
	cr_assert_eq(crc_os_remove_tree(root, &err), 0);
}

Test(store, open_removes_leftovers_of_killed_builds)
{
	char *root = scratch(), path[512];
	struct crc_store s;
	struct crc_error err;
	snprintf(path, sizeof path, "%s/edge/.tmp-x-1/sub", root);
	cr_assert_eq(crc_os_mkdirs(path, &err), 0);
	snprintf(path, sizeof path, "%s/edge/.old-y-2", root);
	cr_assert_eq(crc_os_mkdirs(path, &err), 0);
	snprintf(path, sizeof path, "%s/edge/..pins.Ab12Cd", root);
	cr_assert_eq(crc_os_write_file(path, "d1\n", 3, 0644, &err), 0, "a killed pin's temporary file");
	snprintf(path, sizeof path, "%s/edge/keep", root);
	cr_assert_eq(crc_os_mkdirs(path, &err), 0);
	cr_assert_eq(crc_store_open(&s, root, "edge", NULL, NULL, &err), 0);
	cr_assert_eq(s.leftovers_removed, 3);
	struct stat st;
	cr_assert_eq(lstat(path, &st), 0, "drops are kept");
	crc_store_close(&s);
	cr_assert_eq(crc_os_remove_tree(root, &err), 0);
}

Test(store, a_second_opener_waits_for_the_lock)
{
	char *root = scratch(), lock[512], done[512];
	struct crc_store s;
	struct crc_error err;
	cr_assert_eq(crc_store_open(&s, root, "edge", NULL, NULL, &err), 0);
	snprintf(lock, sizeof lock, "%s/.crc.lock", root);
	snprintf(done, sizeof done, "%s/child-done", root);
	pid_t pid = fork();
	if (pid == 0) {
		/* The child tries to take it: it must be told that it waits. */
		struct crc_store c;
		/* fork copied the parent's descriptor, and a flock belongs to the open file: drop it. */
		close(s.lock_fd);
		busy_calls = 0;
		int rc = crc_store_open(&c, root, "edge", on_busy, NULL, &err);
		int fd = open(done, O_CREAT | O_WRONLY, 0644);
		close(fd);
		_exit(rc == 0 && busy_calls == 1 ? 0 : 1);
	}
	struct timespec ts = {0, 300000000};
	nanosleep(&ts, NULL);
	struct stat st;
	cr_assert_neq(lstat(done, &st), 0, "the child got the lock while it was held");
	crc_store_close(&s);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child waited, was told, then got it");
	cr_assert_eq(crc_os_remove_tree(root, &err), 0);
}

Test(os, write_file_never_clobbers_and_read_file_caps)
{
	char *root = scratch(), path[512];
	struct crc_error err;
	struct crc_buf b;
	snprintf(path, sizeof path, "%s/f", root);
	cr_assert_eq(crc_os_write_file(path, "abc", 3, 0600, &err), 0);
	cr_assert_neq(crc_os_write_file(path, "xyz", 3, 0600, &err), 0, "O_EXCL");
	crc_buf_init(&b);
	cr_assert_eq(crc_os_read_file(&b, path, 2, &err), CRC_EINVALID, "over the cap");
	crc_buf_free(&b);
	crc_buf_init(&b);
	cr_assert_eq(crc_os_read_file(&b, path, 3, &err), 0);
	cr_assert_str_eq(crc_buf_str(&b), "abc");
	crc_buf_free(&b);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(crc_os_remove_tree(root, &err), 0);
}

Test(os, spawn_with_environment_directory_and_log)
{
	char *root = scratch(), log[512];
	struct crc_error err;
	snprintf(log, sizeof log, "%s/log", root);
	int fd = open(log, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	const char *argv[] = {"sh", "-c", "echo \"$CRC_T\" $(pwd); echo err >&2; exit 4", NULL};
	const char *env[] = {"CRC_T=hello", NULL};
	struct crc_proc p;
	struct crc_proc_spec s = {argv, root, env, fd, fd, 1};
	cr_assert_eq(crc_proc_start(&p, &s, &err), 0);
	cr_assert_eq(crc_proc_wait(&p, &err), 0);
	cr_assert(p.done);
	cr_assert_eq(p.status, 4);
	crc_proc_release(&p);
	close(fd);
	struct crc_buf b, tail;
	crc_buf_init(&b);
	cr_assert_eq(crc_os_read_file(&b, log, 1000, &err), 0);
	char want[600];
	snprintf(want, sizeof want, "hello %s\nerr\n", root);
	cr_assert_str_eq(crc_buf_str(&b), want);
	crc_buf_free(&b);
	crc_buf_init(&tail);
	cr_assert_eq(crc_build_log_tail(&tail, log, 5, &err), 0);
	cr_assert_str_eq(crc_buf_str(&tail), "err\n", "whole lines only");
	crc_buf_free(&tail);
	const char *missing[] = {"crc-no-such-program", NULL};
	fd = open(log, O_WRONLY | O_TRUNC);
	s = (struct crc_proc_spec){missing, NULL, NULL, fd, fd, 1};
	cr_assert_eq(crc_proc_start(&p, &s, &err), 0);
	cr_assert_eq(crc_proc_wait(&p, &err), 0);
	cr_assert_eq(p.status, 127, "a program that cannot start exits 127");
	crc_proc_release(&p);
	close(fd);
	cr_assert_eq(crc_os_remove_tree(root, &err), 0);
}

/* The fixture drop's manifest (tests/fixtures/drops/d2: drop d2 of profile edge), found beside this
 * file, rewritten as drop id of profile, created at created, into <root>/<profile>/<id>/manifest.yaml. */
static void make_drop(const char *root, const char *profile, const char *id, const char *created)
{
	char src[1024], dir[512], path[600];
	const char *slash = strrchr(__FILE__, '/');
	snprintf(src, sizeof src, "%.*s/../fixtures/drops/d2/manifest.yaml", (int)(slash - __FILE__),
		 __FILE__);
	struct crc_buf in, out;
	struct crc_error err;
	crc_buf_init(&in);
	crc_buf_init(&out);
	cr_assert_eq(crc_os_read_file(&in, src, 1 << 20, &err), 0, "%s", err.msg);
	const char *t = crc_buf_str(&in);
	const char *a = strstr(t, "drop_id: d2\nprofile: edge\ncreated: \"2026-11-23T01:06:31Z\"\n");
	cr_assert_not_null(a);
	crc_buf_add(&out, t, (size_t)(a - t));
	crc_buf_printf(&out, "drop_id: %s\nprofile: %s\ncreated: \"%s\"\n", id, profile, created);
	crc_buf_puts(&out, a + strlen("drop_id: d2\nprofile: edge\ncreated: \"2026-11-23T01:06:31Z\"\n"));
	snprintf(dir, sizeof dir, "%s/%s/%s", root, profile, id);
	cr_assert_eq(crc_os_mkdirs(dir, &err), 0);
	snprintf(path, sizeof path, "%s/manifest.yaml", dir);
	write_text(path, crc_buf_str(&out));
	crc_buf_free(&in);
	crc_buf_free(&out);
}

static void make_dir(const char *root, const char *sub)
{
	char path[512];
	struct crc_error err;
	snprintf(path, sizeof path, "%s/%s", root, sub);
	cr_assert_eq(crc_os_mkdirs(path, &err), 0);
}

static void write_at(const char *root, const char *sub, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", root, sub);
	write_text(path, text);
}

static int exists_at(const char *root, const char *sub)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", root, sub);
	return lstat(path, &st) == 0;
}

/* The storage most list and gc tests use: edge has d1 (oldest), d2 and d3 (same date), d0 (pinned, older
 * still), a drop without a manifest, one whose manifest names another drop, a leftover, and things that
 * are not drops; server has s1. */
static char *storage_with_drops(void)
{
	char *root = scratch();
	make_drop(root, "edge", "d1", "2026-11-20T00:00:00Z");
	make_drop(root, "edge", "d2", "2026-11-23T00:00:00Z");
	make_drop(root, "edge", "d3", "2026-11-23T00:00:00Z");
	make_drop(root, "edge", "d0", "2026-11-01T00:00:00Z");
	make_drop(root, "edge", "moved", "2026-11-25T00:00:00Z");
	char from[512], to[512];
	snprintf(from, sizeof from, "%s/edge/moved", root);
	snprintf(to, sizeof to, "%s/edge/dx", root);
	cr_assert_eq(rename(from, to), 0);
	make_dir(root, "edge/empty");
	make_dir(root, "edge/.tmp-d4-123/sub");
	make_dir(root, "edge/.hidden");
	write_at(root, "edge/stray-file", "x");
	write_at(root, "edge/.pins", "# pinned\nd0\n");
	make_drop(root, "server", "s1", "2026-11-21T00:00:00Z");
	make_dir(root, ".not-a-profile/x");
	return root;
}

static const struct crc_store_entry *entry(const struct crc_store_list *l, size_t i, const char *profile,
					   const char *id, enum crc_store_state state)
{
	cr_assert_lt(i, l->n);
	const struct crc_store_entry *e = &l->entries[i];
	cr_assert_str_eq(e->profile, profile, "entry %zu", i);
	cr_assert_str_eq(e->id, id, "entry %zu", i);
	cr_assert_eq(e->state, state, "entry %zu (%s)", i, id);
	return e;
}

Test(store, list_orders_newest_first_and_tells_states)
{
	char *root = storage_with_drops();
	struct crc_store_list *l;
	struct crc_error err;
	cr_assert_eq(crc_store_list(&l, root, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(l->n, 8);
	const struct crc_store_entry *e = entry(l, 0, "edge", "d3", CRC_STORE_COMPLETE);
	cr_assert_str_eq(e->created, "2026-11-23T00:00:00Z");
	cr_assert_eq(e->ntargets, 1);
	cr_assert_str_eq(e->targets[0], "x86_64-linux-gnu");
	cr_assert_gt(e->size, 0);
	cr_assert_eq(e->pinned, 0);
	cr_assert_eq(e->is_signed, 0);
	entry(l, 1, "edge", "d2", CRC_STORE_COMPLETE);
	entry(l, 2, "edge", "d1", CRC_STORE_COMPLETE);
	cr_assert_eq(entry(l, 3, "edge", "d0", CRC_STORE_COMPLETE)->pinned, 1);
	/* Broken ones have no date: after the dated ones, by id, newest-first rule aside. */
	e = entry(l, 4, "edge", "empty", CRC_STORE_BROKEN);
	cr_assert(strstr(e->problem, "/edge/empty/manifest.yaml: missing"), "%s", e->problem);
	e = entry(l, 5, "edge", "dx", CRC_STORE_BROKEN);
	cr_assert(strstr(e->problem, "names drop 'moved' of profile 'edge'"), "%s", e->problem);
	entry(l, 6, "edge", ".tmp-d4-123", CRC_STORE_LEFTOVER);
	entry(l, 7, "server", "s1", CRC_STORE_COMPLETE);
	crc_store_list_free(l);
	/* One profile only. */
	cr_assert_eq(crc_store_list(&l, root, "server", &err), 0, "%s", err.msg);
	cr_assert_eq(l->n, 1);
	crc_store_list_free(l);
	cr_assert_eq(crc_os_remove_tree(root, &err), 0);
}

Test(store, list_of_a_missing_storage_or_profile_is_empty)
{
	struct crc_store_list *l;
	struct crc_error err;
	cr_assert_eq(crc_store_list(&l, "/nonexistent/crc-storage", NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(l->n, 0);
	crc_store_list_free(l);
	char *root = scratch();
	cr_assert_eq(crc_store_list(&l, root, "edge", &err), 0, "%s", err.msg);
	cr_assert_eq(l->n, 0);
	crc_store_list_free(l);
	crc_store_list_free(NULL);
	cr_assert_eq(crc_os_remove_tree(root, &err), 0);
}

Test(store, leftovers_are_building_while_a_build_holds_the_lock)
{
	char *root = storage_with_drops();
	struct crc_store s;
	struct crc_store_list *l;
	struct crc_error err;
	cr_assert_eq(crc_store_open(&s, root, "edge", NULL, NULL, &err), 0);
	/* The open removed the old leftover; this one is the running build's. */
	make_dir(root, "edge/.tmp-d5-456");
	cr_assert_eq(crc_store_list(&l, root, "edge", &err), 0, "%s", err.msg);
	entry(l, l->n - 1, "edge", ".tmp-d5-456", CRC_STORE_BUILDING);
	crc_store_list_free(l);
	crc_store_close(&s);
	cr_assert_eq(crc_store_list(&l, root, "edge", &err), 0, "%s", err.msg);
	entry(l, l->n - 1, "edge", ".tmp-d5-456", CRC_STORE_LEFTOVER);
	crc_store_list_free(l);
	cr_assert_eq(crc_os_remove_tree(root, &err), 0);
}

Test(store, list_refuses_a_bad_pin_file_with_its_line)
{
	char *root = storage_with_drops();
	struct crc_store_list *l;
	struct crc_error err;
	write_at(root, "edge/.pins", "d0\n\n# x\nd/1\n");
	cr_assert_eq(crc_store_list(&l, root, NULL, &err), CRC_EINVALID);
	cr_assert_null(l);
	char msg[2048];
	crc_error_format(&err, msg, sizeof msg);
	cr_assert(strstr(msg, "/edge/.pins:4: bad pin: drop id 'd/1' has a character"), "%s", msg);
	cr_assert_eq(crc_os_remove_tree(root, &err), 0);
}

Test(pins, parse_skips_comments_and_blanks)
{
	struct crc_store_pins *p;
	struct crc_error err;
	const char *text = "# pinned releases\n\n  d1  \nd2 # the field release\r\n\t#\td9\nd1\nlast";
	cr_assert_eq(crc_store_pins_parse(&p, ".pins", text, strlen(text), &err), 0, "%s", err.msg);
	cr_assert_eq(p->n, 4);
	cr_assert_str_eq(p->ids[0], "d1");
	cr_assert_str_eq(p->ids[1], "d2");
	cr_assert_str_eq(p->ids[3], "last");
	cr_assert(crc_store_pins_has(p, "d2"));
	cr_assert_not(crc_store_pins_has(p, "d9"));
	cr_assert_not(crc_store_pins_has(NULL, "d2"));
	crc_store_pins_free(p);
	crc_store_pins_free(NULL);
	cr_assert_eq(crc_store_pins_parse(&p, ".pins", "", 0, &err), 0);
	cr_assert_eq(p->n, 0);
	crc_store_pins_free(p);
}

static void pins_refused(const char *text, size_t len, int line, const char *msg)
{
	struct crc_store_pins *p = (struct crc_store_pins *)1;
	struct crc_error err;
	cr_assert_eq(crc_store_pins_parse(&p, "P", text, len, &err), CRC_EINVALID);
	cr_assert_null(p);
	cr_assert_str_eq(err.path, "P");
	cr_assert_eq(err.line, line);
	cr_assert(strstr(err.msg, msg), "%s", err.msg);
}

Test(pins, parse_refuses_bad_ids_with_their_line)
{
	pins_refused("d1\nd 2\n", 6, 2, "drop id 'd 2' has a character");
	pins_refused("d1\n..\n", 6, 2, "drop id '..' is not allowed");
	pins_refused("a\0b\n", 4, 1, "a NUL byte");
	char *big = calloc(CRC_STORE_PINS_MAX_BYTES + 2, 1);
	memset(big, 'a', CRC_STORE_PINS_MAX_BYTES + 1);
	pins_refused(big, CRC_STORE_PINS_MAX_BYTES + 1, 0, "larger than");
	struct crc_buf many;
	crc_buf_init(&many);
	for (int i = 0; i <= CRC_STORE_MAX_PINS; i++)
		crc_buf_puts(&many, "d\n");
	pins_refused(crc_buf_str(&many), many.len, CRC_STORE_MAX_PINS + 1, "more than 10000 pins");
	crc_buf_free(&many);
	free(big);
}

/* gc asks once per drop (up to CRC_STORE_MAX_DROPS) whether the most pins name it: each question used to
 * compare the id with every pin. Bounded by the test harness (.timeout). */
Test(pins, has_answers_for_the_most_drops_against_the_most_pins, .timeout = 10)
{
	struct crc_store_pins *p;
	struct crc_error err;
	struct crc_buf text;
	char id[64];
	crc_buf_init(&text);
	for (int i = 0; i < CRC_STORE_MAX_PINS; i++)
		crc_buf_printf(&text, "20261122-0123456789ab-%08d # kept\n", 2 * i);
	cr_assert_leq(text.len, CRC_STORE_PINS_MAX_BYTES);
	cr_assert_eq(crc_store_pins_parse(&p, ".pins", crc_buf_str(&text), text.len, &err), 0, "%s", err.msg);
	cr_assert_eq(p->n, CRC_STORE_MAX_PINS);
	size_t pinned = 0;
	for (int i = 0; i < CRC_STORE_MAX_DROPS; i++) {
		snprintf(id, sizeof id, "20261122-0123456789ab-%08d", i);
		pinned += (size_t)crc_store_pins_has(p, id);
	}
	cr_assert_eq(pinned, CRC_STORE_MAX_PINS, "the even ids below 20000 are pinned");
	cr_assert(crc_store_pins_has(p, "20261122-0123456789ab-00019998"));
	cr_assert_not(crc_store_pins_has(p, "20261122-0123456789ab-00019999"));
	cr_assert_str_eq(p->ids[0], "20261122-0123456789ab-00000000", "ids stay in file order");
	crc_store_pins_free(p);
	crc_buf_free(&text);
}

Test(store, gc_keeps_the_newest_and_the_pinned)
{
	char *root = storage_with_drops();
	struct crc_store_list *l;
	struct crc_error err;
	cr_assert_eq(crc_store_list(&l, root, NULL, &err), 0, "%s", err.msg);
	crc_store_gc_select(l, 2);
	static const enum crc_store_gc_action want[] = {
		CRC_STORE_GC_KEEP,   CRC_STORE_GC_KEEP,   CRC_STORE_GC_REMOVE, CRC_STORE_GC_KEEP_PINNED,
		CRC_STORE_GC_REMOVE, CRC_STORE_GC_REMOVE, CRC_STORE_GC_REMOVE, CRC_STORE_GC_KEEP};
	for (size_t i = 0; i < l->n; i++)
		cr_assert_eq(l->entries[i].action, want[i], "entry %zu (%s)", i, l->entries[i].id);
	/* A newest drop that is pinned counts among the kept. */
	crc_store_gc_select(l, 4);
	cr_assert_eq(l->entries[3].action, CRC_STORE_GC_KEEP);
	cr_assert_eq(l->entries[4].action, CRC_STORE_GC_REMOVE);
	crc_store_list_free(l);
	cr_assert_eq(crc_os_remove_tree(root, &err), 0);
}

Test(store, gc_removes_drops_hidden_first_and_cleans_old_leftovers)
{
	char *root = storage_with_drops();
	struct crc_store s;
	struct crc_store_list *l;
	struct crc_error err;
	char old[64];
	/* What a killed gc leaves: a hidden .old- copy, half removed. */
	make_dir(root, "edge/.old-d7-99/part");
	cr_assert_eq(crc_store_open(&s, root, "edge", NULL, NULL, &err), 0);
	cr_assert_eq(s.leftovers_removed, 2);
	cr_assert_not(exists_at(root, "edge/.old-d7-99"));
	/* A stale .old- of this very process and id does not stop the removal. */
	snprintf(old, sizeof old, "edge/.old-d1-%ld/x", (long)getpid());
	make_dir(root, old);
	cr_assert_eq(crc_store_remove_drop(&s, "d1", &err), 0, "%s", err.msg);
	cr_assert_not(exists_at(root, "edge/d1"));
	cr_assert_not(exists_at(root, old));
	cr_assert_eq(crc_store_remove_drop(&s, "d1", &err), CRC_ENOTFOUND);
	cr_assert_eq(crc_store_remove_drop(&s, "../server", &err), CRC_EINVALID);
	cr_assert(exists_at(root, "server/s1"));
	crc_store_close(&s);
	cr_assert_eq(crc_store_list(&l, root, "edge", &err), 0, "%s", err.msg);
	for (size_t i = 0; i < l->n; i++)
		cr_assert_str_neq(l->entries[i].id, "d1");
	crc_store_list_free(l);
	cr_assert_eq(crc_os_remove_tree(root, &err), 0);
}

static void pins_text_is(const char *root, const char *want)
{
	char path[512];
	struct crc_buf b;
	struct crc_error err;
	snprintf(path, sizeof path, "%s/edge/.pins", root);
	crc_buf_init(&b);
	cr_assert_eq(crc_os_read_file(&b, path, 1000, &err), 0, "%s", err.msg);
	cr_assert_str_eq(crc_buf_str(&b), want);
	crc_buf_free(&b);
}

Test(store, pin_and_unpin_rewrite_the_pin_file_whole)
{
	char *root = storage_with_drops();
	struct crc_store s;
	struct crc_error err;
	int changed;
	write_at(root, "edge/.pins", "# pinned\nd0 # field\n# end");
	cr_assert_eq(crc_store_open(&s, root, "edge", NULL, NULL, &err), 0);
	cr_assert_eq(crc_store_pin(&s, "d1", 1, &changed, &err), 0, "%s", err.msg);
	cr_assert_eq(changed, 1);
	pins_text_is(root, "# pinned\nd0 # field\n# end\nd1\n");
	cr_assert_eq(crc_store_pin(&s, "d1", 1, &changed, &err), 0);
	cr_assert_eq(changed, 0);
	cr_assert_eq(crc_store_pin(&s, "d0", 0, &changed, &err), 0, "%s", err.msg);
	cr_assert_eq(changed, 1);
	pins_text_is(root, "# pinned\n# end\nd1\n");
	cr_assert_eq(crc_store_pin(&s, "d0", 0, &changed, &err), 0);
	cr_assert_eq(changed, 0);
	cr_assert_eq(crc_store_pin(&s, "a b", 1, &changed, &err), CRC_EINVALID);
	/* A malformed pin file is never rewritten. */
	write_at(root, "edge/.pins", "d/0\n");
	cr_assert_eq(crc_store_pin(&s, "d1", 1, &changed, &err), CRC_EINVALID);
	cr_assert_eq(err.line, 1);
	pins_text_is(root, "d/0\n");
	crc_store_close(&s);
	/* No temporary file is left behind (crc_os_replace_file's "..pins.XXXXXX", or an older ".tmp-"). */
	char edge[4096];
	snprintf(edge, sizeof edge, "%s/edge", root);
	char **names;
	size_t n;
	cr_assert_eq(crc_os_list_path(&names, &n, edge, &err), 0, "%s", err.msg);
	for (size_t i = 0; i < n; i++)
		cr_assert(strncmp(names[i], "..pins.", 7) != 0 && strncmp(names[i], ".tmp-", 5) != 0,
			  "left behind: %s", names[i]);
	crc_os_names_free(names, n);
	cr_assert_eq(crc_os_remove_tree(root, &err), 0);
}
