/* crc plan --profile NAME [--target T]... [--set KEY.PATH=VALUE]... [--drop-id ID] [-j N] [--json]:
 * everything `crc build` would do, without doing it: targets and toolchains, resolved flags, the exact
 * cmake commands, the smoke commands through each emulator, and the drop it would write. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "crc/json.h"
#include "crc/plan.h"
#include "crc/profile.h"
#include "crc/source.h"
#include "crc/toolchain.h"
#include "crc/version.h"
#include "exit.h"

enum { O_PROFILE = 1, O_TARGET, O_SET, O_DROP_ID, O_JOBS, O_FLAGS_TXT };

const struct opt cmd_plan_opts[] = {
	{O_PROFILE, 0, "profile", "NAME", "the profile to plan (required)"},
	{O_TARGET, 't', "target", "TRIPLE",
	 "plan only this target (repeatable; default: all of the profile's)"},
	{O_SET, 0, "set", "KEY.PATH=VALUE", "override a profile value (YAML syntax; repeatable)"},
	{O_DROP_ID, 0, "drop-id", "ID", "the drop id (default: <date>-<commit>-<inputs hash>)"},
	{O_JOBS, 'j', "jobs", "N", "parallel jobs for each build (default: the number of CPUs)"},
	{O_FLAGS_TXT, 0, "flags-txt", NULL,
	 "print only the drop's flags.txt, exactly as the build writes it"},
	{0, 0, NULL, NULL, NULL},
};

/* Prints one argument so that a POSIX shell reads it back as it is. */
static void print_arg(const char *s)
{
	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+=.,/:@%") ==
			  strlen(s)) {
		fputs(s, stdout);
		return;
	}
	putchar('\'');
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	putchar('\'');
}

static void print_cmd(const char *label, const struct crc_cmd *c)
{
	printf("  %-10s", label);
	for (size_t i = 0; i < c->argv.n; i++) {
		if (i)
			putchar(' ');
		print_arg(c->argv.items[i]);
	}
	putchar('\n');
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
		print_cmd("smoke", &t->smoke_version);
		print_cmd("smoke", &t->smoke_target);
		printf("  %-10s%s/%s\n", "archive", plan->drop_dir, t->archive);
		for (size_t k = 0; k < t->flags.notes.n; k++)
			printf("  %-10s%s\n", "note", t->flags.notes.items[k]);
	}
}

static int report(const struct cli *cli, int rc, const struct crc_error *err)
{
	char msg[2 * CRC_ERROR_MSG_MAX];
	crc_error_format(err, msg, sizeof msg);
	cli_error(cli, "%s", msg);
	return cli_exit_for(rc);
}

/* The default drop id: from SOURCE_DATE_EPOCH (else the commit time), the commit and the inputs hash. */
static int default_drop_id(const struct cli *cli, struct crc_plan *plan, const char *root,
			   struct crc_error *err)
{
	struct crc_source src;
	const char *versions[CRC_PROFILE_MAX_TARGETS];
	char vbuf[CRC_PROFILE_MAX_TARGETS][256], hex[CRC_SHA256_HEX], id[128];
	int rc = crc_source_read(&src, root, err);
	for (size_t i = 0; !rc && i < plan->ntargets; i++) {
		rc = crc_toolchain_version(vbuf[i], sizeof vbuf[i], plan->targets[i].toolchain, err);
		versions[i] = vbuf[i];
	}
	if (!rc)
		rc = crc_plan_inputs_hash(hex, plan, crc_version(), src.tree_sha256, versions, err);
	if (rc)
		return rc;
	long long epoch = src.commit_time;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde) {
		char *end;
		long long v = strtoll(sde, &end, 10);
		if (*end || v < 0 || sde[0] == '-' || sde[0] == '+')
			return crc_err(err, CRC_EINVALID,
				       "SOURCE_DATE_EPOCH='%s' is not a number of seconds since 1970", sde);
		epoch = v;
	}
	if (!src.commit[0])
		cli_verbose(cli, "no git commit for %s: the drop id says 'nogit'", root);
	crc_source_drop_id(id, sizeof id, epoch, &src, hex);
	return crc_plan_set_drop_id(plan, id, err);
}

int cmd_plan(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	struct crc_error err;
	const char *sets[CRC_PROFILE_MAX_SETS], *triples[CRC_PROFILE_MAX_TARGETS], *name = NULL,
										   *drop_id = NULL;
	size_t nsets = 0, ntriples = 0;
	int id, status, jobs = 0, flags_only = 0;
	cli_parse_begin(cli, &op, argc, argv);
	while ((id = cli_next(cli, &op, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		if (id == O_PROFILE) {
			name = op.arg;
		} else if (id == O_TARGET) {
			if (ntriples == CRC_PROFILE_MAX_TARGETS)
				return cli_usage(cli, "at most %d --target options", CRC_PROFILE_MAX_TARGETS);
			for (size_t k = 0; k < ntriples; k++)
				if (strcmp(triples[k], op.arg) == 0)
					return cli_usage(cli, "--target %s is given twice", op.arg);
			triples[ntriples++] = op.arg;
		} else if (id == O_SET) {
			if (nsets == CRC_PROFILE_MAX_SETS)
				return cli_usage(cli, "at most %d --set options", CRC_PROFILE_MAX_SETS);
			sets[nsets++] = op.arg;
		} else if (id == O_DROP_ID) {
			if (crc_plan_check_drop_id(op.arg, &err))
				return cli_usage(cli, "%s", err.msg);
			drop_id = op.arg;
		} else if (id == O_FLAGS_TXT) {
			flags_only = 1;
		} else if (id == O_JOBS) {
			char *end;
			long v = strtol(op.arg, &end, 10);
			if (!*op.arg || *end || v < 1 || v > 1024)
				return cli_usage(cli, "--jobs must be a number from 1 to 1024, not '%s'",
						 op.arg);
			jobs = (int)v;
		} else {
			return cli_usage(cli, "unexpected argument '%s'", op.arg);
		}
	}
	if (!name)
		return cli_usage(cli, "missing --profile NAME (crc profiles lists them)");
	if (flags_only && cli->json)
		return cli_usage(cli, "--flags-txt and --json exclude each other (--json holds flags.txt as "
				      "drop.flags_txt)");
	if (!jobs) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = n > 0 && n <= 1024 ? (int)n : 1;
	}
	char root[PATH_MAX];
	if (!getcwd(root, sizeof root)) {
		cli_error(cli, "cannot tell the current directory");
		return CLI_EXIT_IO;
	}

	struct crc_profile *p = NULL;
	struct crc_toolchain *tcs[CRC_PROFILE_MAX_TARGETS] = {NULL};
	struct crc_plan *plan = NULL;
	struct crc_arena arena;
	struct crc_gates gates;
	crc_arena_init(&arena, (size_t)1 << 20);
	int rc = crc_profile_load(&p, ".", name, sets, nsets, &err);
	if (rc) {
		status = report(cli, rc, &err);
		goto out;
	}
	for (size_t k = 0; k < ntriples; k++) {
		size_t i = 0;
		while (i < p->ntargets && strcmp(p->targets[i].triple, triples[k]) != 0)
			i++;
		if (i == p->ntargets) {
			status = cli_usage(cli, "target '%s' is not one of profile %s's targets", triples[k],
					   p->name);
			goto out;
		}
	}
	if (!ntriples)
		for (size_t i = 0; i < p->ntargets; i++)
			triples[ntriples++] = p->targets[i].triple;
	for (size_t i = 0; i < p->ntargets; i++)
		if ((rc = crc_toolchain_load(&tcs[i], ".", p->targets[i].triple, &err))) {
			status = report(cli, rc, &err);
			goto out;
		}
	/* The planned targets' tools must be installed: a plan that cannot run is an error. */
	for (size_t k = 0; k < ntriples; k++)
		for (size_t i = 0; i < p->ntargets; i++)
			if (strcmp(p->targets[i].triple, triples[k]) == 0 &&
			    (rc = crc_toolchain_find_tools(tcs[i], getenv("PATH"), &err))) {
				status = report(cli, CRC_EINVALID, &err);
				goto out;
			}
	if ((rc = crc_plan_load_gates(&gates, &arena, ".", &err))) {
		status = report(cli, rc, &err);
		goto out;
	}
	struct crc_plan_options o = {root, cli->storage, drop_id ? drop_id : "pending", jobs};
	if ((rc = crc_plan_make(&plan, p, (const struct crc_toolchain *const *)tcs, triples, ntriples, &gates,
				&o, &err)) ||
	    (!drop_id && (rc = default_drop_id(cli, plan, root, &err)))) {
		status = report(cli, rc, &err);
		goto out;
	}
	if (flags_only) {
		fputs(plan->flags_txt, stdout);
		status = CLI_EXIT_OK;
	} else if (cli->json) {
		struct crc_json *doc = crc_plan_json(plan);
		status = cli_print_json(cli, doc ? crc_json_render(doc, 1) : NULL);
		crc_json_free(doc);
	} else {
		print_text(plan);
		status = CLI_EXIT_OK;
	}
out:
	crc_plan_free(plan);
	for (size_t i = 0; i < CRC_PROFILE_MAX_TARGETS; i++)
		crc_toolchain_free(tcs[i]);
	crc_profile_free(p);
	crc_arena_free(&arena);
	return status;
}
