/* crc end to end: the built binary is run as a child process, on pipes or on a pseudo-terminal, and its
 * exit code, stdout and stderr are checked. Covers what golden files cannot: JSON parsed for real, a full
 * stdout, and the colour rules (terminal, NO_COLOR, TERM=dumb, --color). */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crc/version.h"

struct result {
	int rc;
	char out[16384];
	char err[16384];
};

/* Child side: applies "NAME=value" (set) or "NAME" (unset) environment edits, then runs crc. */
static void exec_crc(const char *const *env, const char *const *args)
{
	char *argv[32];
	int n = 0;
	argv[n++] = strdup(CRC_BIN); /* execv wants mutable strings; the copies die with exec */
	for (; args && *args && n < 31; args++)
		argv[n++] = strdup(*args);
	argv[n] = NULL;
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	for (; env && *env; env++) {
		const char *eq = strchr(*env, '=');
		if (eq) {
			char name[64];
			snprintf(name, sizeof name, "%.*s", (int)(eq - *env), *env);
			setenv(name, eq + 1, 1);
		} else {
			unsetenv(*env);
		}
	}
	execv(CRC_BIN, argv);
	_exit(127);
}

static void slurp(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t r;
	while (len < size - 1 && ((r = read(fd, buf + len, size - 1 - len)) > 0 || (r < 0 && errno == EINTR)))
		if (r > 0)
			len += (size_t)r;
	buf[len] = '\0';
}

static int wait_rc(pid_t pid)
{
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st), "crc did not exit normally (status %d)", st);
	return WEXITSTATUS(st);
}

/* Runs crc with stdout and stderr captured through temporary files (stdout_path overrides stdout). */
static void run(struct result *r, const char *const *env, const char *const *args, const char *stdout_path)
{
	char out_name[] = "/tmp/crc-e2e-out-XXXXXX", err_name[] = "/tmp/crc-e2e-err-XXXXXX";
	int ofd = mkstemp(out_name), efd = mkstemp(err_name);
	cr_assert(ofd >= 0 && efd >= 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int fd = stdout_path ? open(stdout_path, O_WRONLY) : ofd;
		dup2(fd, 1);
		dup2(efd, 2);
		exec_crc(env, args);
	}
	r->rc = wait_rc(pid);
	lseek(ofd, 0, SEEK_SET);
	lseek(efd, 0, SEEK_SET);
	slurp(ofd, r->out, sizeof r->out);
	slurp(efd, r->err, sizeof r->err);
	close(ofd);
	close(efd);
	unlink(out_name);
	unlink(err_name);
}

/* Runs crc on a pseudo-terminal; stdout and stderr both land in r->out. */
static void run_pty(struct result *r, const char *const *env, const char *const *args)
{
	int master;
	pid_t pid = forkpty(&master, NULL, NULL, NULL);
	cr_assert(pid >= 0, "forkpty: %s", strerror(errno));
	if (pid == 0)
		exec_crc(env, args);
	slurp(master, r->out, sizeof r->out); /* ends with EIO once the child has gone */
	close(master);
	r->err[0] = '\0';
	r->rc = wait_rc(pid);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define RED_CRC "\033[1;31mcrc:\033[0m"

Test(e2e, version_json_parses_and_matches_the_library)
{
	struct result r;
	run(&r, NULL, ARGS("version", "--json"), NULL);
	cr_assert_eq(r.rc, 0, "stderr: %s", r.err);
	cr_assert_str_empty(r.err);
	cJSON *doc = cJSON_Parse(r.out);
	cr_assert_not_null(doc, "not JSON: %s", r.out);
	cr_assert_str_eq(cJSON_GetObjectItem(doc, "schema")->valuestring, "crc.version/v1");
	cr_assert_str_eq(cJSON_GetObjectItem(doc, "version")->valuestring, crc_version());
	cr_assert_str_eq(cJSON_GetObjectItem(doc, "revision")->valuestring, crc_revision());
	cJSON *libs = cJSON_GetObjectItem(doc, "libraries");
	cr_assert_eq(cJSON_GetArraySize(libs), 4);
	for (cJSON *l = libs->child; l; l = l->next)
		cr_expect(cJSON_IsString(l) && l->valuestring[0], "library %s has no version", l->string);
	cJSON_Delete(doc);
}

Test(e2e, global_options_work_after_the_command)
{
	struct result r;
	run(&r, NULL, ARGS("-q", "version", "-v", "--json", "--color=never", "-C", "/"), NULL);
	cr_assert_eq(r.rc, 0, "stderr: %s", r.err);
	cr_assert_not_null(strstr(r.out, "\"name\": \"crc\""));
}

Test(e2e, full_stdout_is_an_io_error)
{
	struct result r;
	run(&r, NULL, ARGS("--help"), "/dev/full");
	cr_assert_eq(r.rc, 5);
	cr_assert_str_eq(r.err, "crc: cannot write standard output: No space left on device\n");
}

Test(e2e, errors_are_red_on_a_terminal)
{
	struct result r;
	run_pty(&r, NULL, ARGS("nosuch"));
	cr_assert_eq(r.rc, 2);
	static const char want[] = RED_CRC " unknown command 'nosuch'";
	cr_assert(strncmp(r.out, want, sizeof want - 1) == 0, "got %s", r.out);
}

Test(e2e, no_colour_when_NO_COLOR_is_set)
{
	struct result r;
	run_pty(&r, ARGS("NO_COLOR=1"), ARGS("nosuch"));
	cr_assert_eq(r.rc, 2);
	cr_assert_null(strchr(r.out, '\033'), "got %s", r.out);
	/* An empty NO_COLOR does not count (no-color.org). */
	run_pty(&r, ARGS("NO_COLOR="), ARGS("nosuch"));
	cr_assert_not_null(strchr(r.out, '\033'), "got %s", r.out);
}

Test(e2e, no_colour_for_dumb_terminals_or_never)
{
	struct result r;
	run_pty(&r, ARGS("TERM=dumb"), ARGS("nosuch"));
	cr_assert_null(strchr(r.out, '\033'), "got %s", r.out);
	run_pty(&r, NULL, ARGS("--color=never", "nosuch"));
	cr_assert_null(strchr(r.out, '\033'), "got %s", r.out);
}

Test(e2e, no_colour_on_a_pipe_unless_forced)
{
	struct result r;
	run(&r, NULL, ARGS("nosuch"), NULL);
	cr_assert_str_eq(
		r.err,
		"crc: unknown command 'nosuch' (commands: help, profiles, profile, plan, "
		"build, merge, keygen, sign, verify, deploy, push, pull, rollback, list, gc, pin, unpin, "
		"check, "
		"version)\n");
	run(&r, NULL, ARGS("--color", "always", "nosuch"), NULL);
	cr_assert_str_eq(
		r.err, RED_CRC
		" unknown command 'nosuch' (commands: help, profiles, profile, plan, "
		"build, merge, keygen, sign, verify, deploy, push, pull, rollback, list, gc, pin, unpin, "
		"check, "
		"version)\n");
	/* NO_COLOR does not override an explicit request. */
	run(&r, ARGS("NO_COLOR=1"), ARGS("--color=always", "nosuch"), NULL);
	cr_assert_not_null(strchr(r.err, '\033'));
}

Test(e2e, quiet_still_prints_errors)
{
	struct result r;
	run(&r, NULL, ARGS("-q", "nosuch"), NULL);
	cr_assert_eq(r.rc, 2);
	cr_assert_str_eq(
		r.err,
		"crc: unknown command 'nosuch' (commands: help, profiles, profile, plan, "
		"build, merge, keygen, sign, verify, deploy, push, pull, rollback, list, gc, pin, unpin, "
		"check, "
		"version)\n");
}
