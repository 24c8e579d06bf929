/* crc plan --profile NAME [--target T]... [--set KEY.PATH=VALUE]... [--drop-id ID] [-j N] [--json]:
 * everything `crc build` would do, without doing it: targets and toolchains, resolved flags, the exact
 * cmake commands, the smoke commands through each emulator, and the drop it would write. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "crc/json.h"
#include "crc/plan.h"
#include "crc/profile.h"
#include "crc/toolchain.h"
#include "exit.h"
#include "planning.h"

enum { O_FLAGS_TXT = PLANNING_OPT_END };

const struct opt cmd_plan_opts[] = {
	PLANNING_OPTS,
	{O_FLAGS_TXT, 0, "flags-txt", NULL,
	 "print only the drop's flags.txt, exactly as the build writes it"},
	{0, 0, NULL, NULL, NULL},
};

static void print_cmd(const char *label, const struct crc_cmd *c)
{
	struct crc_buf b;
	crc_buf_init(&b);
	crc_cmd_line(&b, c);
	printf("  %-10s%s\n", label, crc_buf_str(&b));
	crc_buf_free(&b);
}

static void print_list(const char *label, const struct crc_strlist *l)
{
	printf("  %-10s", label);
	for (size_t i = 0; i < l->n; i++)
		printf("%s%s", i ? " " : "", l->items[i]);
	putchar('\n');
}

static void print_text(const struct crc_plan *plan)
{
	const struct crc_profile *p = plan->profile;
	printf("profile %s -> %s\n  ", p->name, plan->drop_dir);
	for (size_t i = 0; i < plan->vocabulary.n; i++)
		printf("%s%s", i ? ", " : "", plan->vocabulary.items[i]);
	printf("\n  features: ");
	for (size_t i = 0; i < p->features.n; i++)
		printf("%s%s", i ? ", " : "", p->features.items[i]);
	printf("%s\n", p->features.n ? "" : "-");
	for (size_t i = 0; i < plan->ntargets; i++) {
		const struct crc_plan_target *t = &plan->targets[i];
		const struct crc_toolchain *tc = t->toolchain;
		printf("\ntarget %s: %s (%s dialect, Debian package %s)\n", tc->triple, tc->compiler,
		       crc_dialect_name(tc->dialect), tc->debian_package);
		print_list("CFLAGS", &t->flags.cflags);
		print_list("LDFLAGS", &t->flags.ldflags);
		print_cmd("configure", &t->configure);
		print_cmd("build", &t->build);
		print_cmd("install", &t->install);
		if (t->optimize.argv.n)
			print_cmd("optimize", &t->optimize);
		print_cmd("smoke", &t->smoke_version);
		print_cmd("smoke", &t->smoke_target);
		printf("  %-10s%s/%s\n", "archive", plan->drop_dir, t->archive);
		if (t->lambda_zip)
			printf("  %-10s%s/%s (bin/bootstrap)\n", "lambda", plan->drop_dir, t->lambda_zip);
		for (size_t k = 0; k < t->flags.notes.n; k++)
			printf("  %-10s%s\n", "note", t->flags.notes.items[k]);
	}
}

int cmd_plan(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	struct planning_args a;
	struct planning pl;
	int id, status, flags_only = 0;
	memset(&a, 0, sizeof a);
	cli_parse_begin(cli, &op, argc, argv);
	while ((id = cli_next(cli, &op, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		if (id == O_FLAGS_TXT)
			flags_only = 1;
		else if ((status = planning_option(cli, &a, id, op.arg)) != 0)
			return status;
	}
	if (!a.name)
		return cli_usage(cli, "missing --profile NAME (crc profiles lists them)");
	if (flags_only && cli->json)
		return cli_usage(cli, "--flags-txt and --json exclude each other (--json holds flags.txt as "
				      "drop.flags_txt)");
	status = planning_load(cli, &pl, &a, 0, 0);
	if (status == CLI_EXIT_OK && flags_only) {
		fputs(pl.plan->flags_txt, stdout);
	} else if (status == CLI_EXIT_OK && cli->json) {
		struct crc_json *doc = crc_plan_json(pl.plan);
		status = cli_print_json(cli, doc ? crc_json_render(doc, 1) : NULL);
		crc_json_free(doc);
	} else if (status == CLI_EXIT_OK) {
		print_text(pl.plan);
	}
	planning_free(&pl);
	return status;
}
