/* The option parser: every accepted form, and every usage error with its message. */
#include <criterion/criterion.h>
#include <string.h>

#include "cli.h"
#include "opt.h"

enum { A_FLAG = 1, A_DIR, A_JOBS };
static const struct opt table[] = {
	{A_FLAG, 'f', "flag", NULL, "a flag"},
	{A_DIR, 'C', NULL, "DIR", "a short-only value"},
	{A_JOBS, 'j', "jobs", "N", "a value"},
	{0, 0, NULL, NULL, NULL},
};

static void init(struct opt_parser *p, int argc, const char **argv)
{
	opt_init(p, argc, argv, 0, table, NULL);
}

Test(opt, parses_every_form)
{
	const char *argv[] = {"--flag", "-f",   "--jobs=4", "--jobs", "5",  "-j6",   "-j",
			      "7",      "-fj8", "-Cdir",    "pos",    "--", "--flag"};
	struct opt_parser p;
	init(&p, 13, argv);
	cr_assert_eq(opt_next(&p), A_FLAG);
	cr_assert_eq(opt_next(&p), A_FLAG);
	cr_assert_eq(opt_next(&p), A_JOBS);
	cr_assert_str_eq(p.arg, "4");
	cr_assert_eq(opt_next(&p), A_JOBS);
	cr_assert_str_eq(p.arg, "5");
	cr_assert_eq(opt_next(&p), A_JOBS);
	cr_assert_str_eq(p.arg, "6");
	cr_assert_eq(opt_next(&p), A_JOBS);
	cr_assert_str_eq(p.arg, "7");
	cr_assert_eq(opt_next(&p), A_FLAG);
	cr_assert_eq(opt_next(&p), A_JOBS);
	cr_assert_str_eq(p.arg, "8");
	cr_assert_eq(opt_next(&p), A_DIR);
	cr_assert_str_eq(p.arg, "dir");
	cr_assert_eq(opt_next(&p), OPT_ARG);
	cr_assert_str_eq(p.arg, "pos");
	cr_assert_eq(opt_next(&p), OPT_ARG, "after -- everything is positional");
	cr_assert_str_eq(p.arg, "--flag");
	cr_assert_eq(opt_next(&p), OPT_END);
}

Test(opt, single_dash_is_positional)
{
	const char *argv[] = {"-"};
	struct opt_parser p;
	init(&p, 1, argv);
	cr_assert_eq(opt_next(&p), OPT_ARG);
	cr_assert_str_eq(p.arg, "-");
}

static void expect_error(int argc, const char **argv, const char *msg)
{
	struct opt_parser p;
	int id;
	init(&p, argc, argv);
	while ((id = opt_next(&p)) > 0 || id == OPT_ARG)
		;
	cr_assert_eq(id, OPT_ERROR, "expected an error for %s", argv[argc - 1]);
	cr_assert_str_eq(p.err, msg);
}

Test(opt, reports_usage_errors)
{
	expect_error(1, (const char *[]){"--flg"}, "unknown option '--flg' (did you mean '--flag'?)");
	expect_error(1, (const char *[]){"--zzzzzz"}, "unknown option '--zzzzzz'");
	expect_error(1, (const char *[]){"-x"}, "unknown option '-x'");
	expect_error(1, (const char *[]){"-fx"}, "unknown option '-x'");
	expect_error(1, (const char *[]){"--jobs"}, "option '--jobs' needs a value (N)");
	expect_error(1, (const char *[]){"-C"}, "option '-C' needs a value (DIR)");
	expect_error(1, (const char *[]){"--flag=1"}, "option '--flag' takes no value");
}

Test(opt, help_lists_options_aligned)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	opt_print_table(f, table);
	fclose(f);
	cr_assert_str_eq(buf, "  -f, --flag               a flag\n"
			      "  -C DIR                   a short-only value\n"
			      "  -j, --jobs N             a value\n");
	free(buf);
}

Test(opt, numbers_are_plain_decimal_within_bounds)
{
	long v = 0;
	cr_assert_eq(cli_number("1", 1, 64, &v), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(cli_number("64", 1, 64, &v), 0);
	cr_assert_eq(v, 64);
	const char *bad[] = {"0", "65", "", "-1", "+5", " 5", "5 ", "5x", "0x10", "99999999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_eq(cli_number(bad[i], 1, 64, &v), -1, "'%s'", bad[i]);
	cr_assert_geq(cli_cpus(), 1);
}
