/* crc profile show NAME [--set key.path=value]... [--json]: one profile fully resolved, after extends,
 * defaults and overrides. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "crc/gates.h"
#include "crc/json.h"
#include "crc/profile.h"
#include "exit.h"

enum { O_SET = 1 };

static void print_list(const char *label, const struct crc_strlist *l)
{
	printf("%-14s", label);
	for (size_t i = 0; i < l->n; i++)
		printf("%s%s", i ? ", " : "", l->items[i]);
	printf("%s\n", l->n ? "" : "-");
}

static void print_extra(const char *label, const struct crc_profile_extra *x)
{
	if (!x->cflags.n && !x->ldflags.n && !x->cmake.n)
		return;
	printf("%s\n", label);
	print_list("  cflags:", &x->cflags);
	print_list("  ldflags:", &x->ldflags);
	for (size_t i = 0; i < x->cmake.n; i++)
		printf("  cmake:      -D%s=%s\n", x->cmake.keys[i], x->cmake.values[i]);
}

static void print_text(const struct crc_profile *p)
{
	printf("%-14s%s\n%-14s%s\n%-14s", "name:", p->name, "description:", p->description, "extends:");
	for (size_t i = 1; i < p->nchain; i++)
		printf("%s%s", i > 1 ? " -> " : "", p->chain[i]);
	printf("%s\n%-14s", p->nchain > 1 ? "" : "-", "targets:");
	for (size_t i = 0; i < p->ntargets; i++)
		printf("%s%s", i ? ", " : "", p->targets[i].triple);
	printf("\n%-14sopt_level=%s lto=%s codegen_units=%d strip=%s debug_info=%s\n",
	       "optimization:", p->optimization.opt_level, p->optimization.lto, p->optimization.codegen_units,
	       p->optimization.strip ? "true" : "false", p->optimization.debug_info ? "true" : "false");
	print_list("features:", &p->features);
	printf("%-14sprefer_gpu=%s min_gpu_memory_gb=%g prefer_lightweight_python_on_low_memory=%s\n"
	       "%-14slightweight_memory_threshold_gb=%g allow_accelerator_experiments=%s\n",
	       "policy:", p->policy.prefer_gpu ? "true" : "false", p->policy.min_gpu_memory_gb,
	       p->policy.prefer_lightweight_python_on_low_memory ? "true" : "false", "",
	       p->policy.lightweight_memory_threshold_gb,
	       p->policy.allow_accelerator_experiments ? "true" : "false");
	printf("%-14s%s\n", "archive:", p->archive);
	print_extra("extra:", &p->extra);
	for (size_t i = 0; i < p->ntargets; i++)
		print_extra(p->targets[i].triple, &p->targets[i].extra);
}

int cmd_profile(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	struct crc_error err;
	const char *sets[CRC_PROFILE_MAX_SETS], *action = NULL, *name = NULL;
	size_t nsets = 0;
	int id, status;
	cli_parse_begin(cli, &op, argc, argv);
	while ((id = cli_next(cli, &op, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		if (id == O_SET) {
			if (nsets == CRC_PROFILE_MAX_SETS)
				return cli_usage(cli, "at most %d --set options", CRC_PROFILE_MAX_SETS);
			sets[nsets++] = op.arg;
		} else if (!action) {
			action = op.arg;
		} else if (!name) {
			name = op.arg;
		} else {
			return cli_usage(cli, "unexpected argument '%s'", op.arg);
		}
	}
	if (!action)
		return cli_usage(cli, "missing action (use: crc profile show NAME)");
	if (strcmp(action, "show") != 0)
		return cli_usage(cli, "unknown action '%s' (use: crc profile show NAME)", action);
	if (!name)
		return cli_usage(cli, "missing profile name (crc profiles lists them)");
	struct crc_profile *p = NULL;
	struct crc_gates *gates = NULL;
	int rc = crc_gates_load(&gates, ".", &err);
	if (!rc)
		rc = crc_profile_load(&p, ".", gates, name, sets, nsets, &err);
	crc_gates_free(gates); /* the profile keeps nothing of them */
	if (rc) {
		char msg[2 * CRC_ERROR_MSG_MAX];
		crc_error_format(&err, msg, sizeof msg);
		cli_error(cli, "%s", msg);
		return cli_exit_for(rc);
	}
	if (cli->json) {
		struct crc_json *doc = crc_profile_json(p);
		status = cli_print_json(cli, doc ? crc_json_render(doc, 1) : NULL);
		crc_json_free(doc);
	} else {
		print_text(p);
		status = CLI_EXIT_OK;
	}
	crc_profile_free(p);
	return status;
}
