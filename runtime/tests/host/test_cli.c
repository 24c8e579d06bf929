/* The noa program end to end: it is run as a child process and its output and exit codes are checked. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "json_check.h"
#include "noa/version.h"

struct run {
	int rc;
	char out[8192];
	size_t len;
};

/* Runs NOA_BIN with the shell-quoted arguments, stderr folded into the captured output. */
static void run(struct run *r, const char *args)
{
	char cmd[1024];
	int n = snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", NOA_BIN, args);
	cr_assert(n > 0 && (size_t)n < sizeof cmd);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	r->len = fread(r->out, 1, sizeof r->out - 1, p);
	r->out[r->len] = '\0';
	int st = pclose(p);
	cr_assert(WIFEXITED(st), "noa %s did not exit normally", args);
	r->rc = WEXITSTATUS(st);
}

Test(noa_cli, version_json_is_valid_and_matches_library)
{
	struct run r;
	run(&r, "version --json");
	cr_assert_eq(r.rc, 0, "%s", r.out);
	cr_assert(json_check(r.out, r.len), "invalid JSON: %s", r.out);
	const struct noa_build_info *bi = noa_build_info();
	char want[256];
	snprintf(want, sizeof want, "\"target\": \"%s\"", bi->target);
	cr_assert_not_null(strstr(r.out, want), "%s lacks %s", r.out, want);
	cr_assert_not_null(strstr(r.out, "\"schema\": \"noa.version/v1\""));
}

Test(noa_cli, version_text_names_target)
{
	struct run r;
	run(&r, "version");
	cr_assert_eq(r.rc, 0);
	cr_assert_not_null(strstr(r.out, noa_build_info()->target));
}

Test(noa_cli, unknown_command_is_usage_error)
{
	struct run r;
	run(&r, "frobnicate");
	cr_assert_eq(r.rc, 2);
	cr_assert_str_eq(r.out, "noa: unknown command 'frobnicate'; see 'noa help'\n");
}

Test(noa_cli, unknown_option_is_usage_error)
{
	struct run r;
	run(&r, "version --jsn");
	cr_assert_eq(r.rc, 2);
	cr_assert_str_eq(r.out, "noa: version: unknown option '--jsn'; see 'noa help version'\n");
}

Test(noa_cli, no_arguments_prints_usage_to_stderr)
{
	struct run r;
	run(&r, "");
	cr_assert_eq(r.rc, 2);
	cr_assert_not_null(strstr(r.out, "Usage: noa"));
}

Test(noa_cli, full_stdout_is_an_io_error)
{
	struct run r;
	run(&r, "--help >/dev/full");
	cr_assert_eq(r.rc, 5, "rc %d: %s", r.rc, r.out);
}
