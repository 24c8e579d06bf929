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
#include "crc/store.h"

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
	snprintf(path, sizeof path, "%s/edge/keep", root);
	cr_assert_eq(crc_os_mkdirs(path, &err), 0);
	cr_assert_eq(crc_store_open(&s, root, "edge", NULL, NULL, &err), 0);
	cr_assert_eq(s.leftovers_removed, 2);
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
	pid_t pid, got;
	int status;
	cr_assert_eq(crc_os_spawn(&pid, argv, root, env, fd, fd, &err), 0);
	cr_assert_eq(crc_os_wait_any(&got, &status, &err), 0);
	cr_assert_eq(got, pid);
	cr_assert_eq(status, 4);
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
	cr_assert_eq(crc_os_spawn(&pid, missing, NULL, NULL, fd, fd, &err), 0);
	cr_assert_eq(crc_os_wait_any(&got, &status, &err), 0);
	cr_assert_eq(status, 127, "a program that cannot start exits 127");
	close(fd);
	cr_assert_eq(crc_os_remove_tree(root, &err), 0);
}
