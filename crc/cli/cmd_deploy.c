/* crc deploy DROP --to DIR [--target T] [--pubkey PUB | --require-signature] [--keep N] [--json] and
 * crc rollback --to DIR [--json]. Deploy verifies first, deeply, as crc verify --deep does (and the
 * signature when a key is given), and refuses on any problem; only then does the core (crc/deploy.h)
 * extract the target's archive into DIR/releases/<drop-id>/, check it again from disk, and switch
 * DIR/current to it with one rename. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "crc/deploy.h"
#include "crc/json.h"
#include "crc/sign.h"
#include "crc/verify.h"
#include "drops.h"
#include "exit.h"

enum { O_TO = 1, O_TARGET, O_PUBKEY, O_REQUIRE_SIG, O_KEEP };

const struct opt cmd_deploy_opts[] = {
	DROPS_OPTS,
	{O_TO, 0, "to", "DIR", "the deploy directory (releases/ and the current symlink)"},
	{O_TARGET, 0, "target", "T", "the target whose archive to install (default: this machine's)"},
	{O_PUBKEY, 0, "pubkey", "PUB", "require a valid signature by this public key"},
	{O_REQUIRE_SIG, 0, "require-signature", NULL, "require a signature by the key in $CRC_PUBKEY"},
	{O_KEEP, 0, "keep", "N", "releases kept before the current one (default 3, at least 1)"},
	{0, 0, NULL, NULL, NULL},
};

const struct opt cmd_rollback_opts[] = {
	{O_TO, 0, "to", "DIR", "the deploy directory"},
	{0, 0, NULL, NULL, NULL},
};

static void on_busy(void *ctx)
{
	cli_info(ctx, "waiting for another crc that is changing the deploy directory");
}

/* Verifies the drop deeply (and its signature when key is set) into r, holding the target's archive open
 * so that deploy extracts the bytes checked here; prints every problem and returns an exit code when the
 * drop must not be deployed. */
static int verify_first(struct cli *cli, struct crc_verify_report *r, const struct drop_place *place,
			const struct crc_sign_key *key, const char *target)
{
	struct crc_verify_options o = {
		.deep = 1, .threads = (size_t)cli_cpus(), .key = key, .hold_target = target};
	struct crc_error err;
	drop_place_expect(place, &o);
	int rc = crc_verify_drop(r, place->dir, &o, &err);
	if (rc == 0)
		return CLI_EXIT_OK;
	for (size_t i = 0; i < r->nproblems; i++)
		cli_error(cli, "%s: %s", r->problems[i].file, r->problems[i].msg);
	if (r->dropped)
		cli_error(cli, "%zu more problems not shown", r->dropped);
	cli_error(cli, "%s does not verify: nothing deployed", place->dir);
	return rc == CRC_EIO ? CLI_EXIT_INPUT : cli_exit_for(rc);
}

static int print_deploy(const struct cli *cli, const struct crc_deploy_result *res, const char *target,
			const char *to, const char *key_id)
{
	if (!cli->json) {
		if (res->unchanged)
			printf("already current: %s (%s) in %s\n", res->id, target, to);
		else
			printf("deployed %s (%s): %s/current -> releases/%s%s%s%s\n", res->id, target, to,
			       res->id, res->previous[0] ? " (was " : "", res->previous,
			       res->previous[0] ? ")" : "");
		for (size_t i = 0; i < res->npruned; i++)
			printf("pruned %s\n", res->pruned[i].s);
		return CLI_EXIT_OK;
	}
	struct crc_json *o = crc_json_object(), *pruned = crc_json_array();
	int bad = !o || !pruned;
	for (size_t i = 0; !bad && i < res->npruned; i++)
		bad = crc_json_push_str(pruned, res->pruned[i].s);
	bad = bad || crc_json_set_str(o, "schema", "crc.deploy/v1") || crc_json_set_str(o, "dir", to) ||
	      crc_json_set_str(o, "release", res->id) || crc_json_set_str(o, "target", target) ||
	      crc_json_set_str(o, "release_dir", res->release) ||
	      crc_json_set_str(o, "previous", res->previous[0] ? res->previous : NULL) ||
	      crc_json_set_bool(o, "unchanged", res->unchanged) ||
	      crc_json_set_bool(o, "reused", res->reused) || crc_json_set_str(o, "signed_by", key_id) ||
	      crc_json_set(o, "pruned", pruned);
	if (bad && !o)
		crc_json_free(pruned);
	char *text = bad ? NULL : crc_json_render(o, 1);
	crc_json_free(o);
	return cli_print_json(cli, text);
}

int cmd_deploy(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	struct drop_arg da = {NULL, NULL, NULL};
	struct drop_place place;
	struct crc_verify_report r;
	struct crc_deploy_result res;
	struct crc_sign_key *key = NULL;
	struct crc_error err;
	const char *to = NULL, *target = NULL, *pubkey = NULL;
	char triple[128];
	unsigned keep = 3;
	int id, status = CLI_EXIT_OK, require = 0;
	cli_parse_begin(cli, &op, argc, argv);
	while ((id = cli_next(cli, &op, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		int took = drop_arg_option(cli, &da, id, op.arg, &status);
		if (took == CLI_STOP)
			return status;
		if (took)
			continue;
		switch (id) {
		case O_TO:
			to = op.arg;
			break;
		case O_TARGET:
			target = op.arg;
			break;
		case O_PUBKEY:
			pubkey = op.arg;
			break;
		case O_REQUIRE_SIG:
			require = 1;
			break;
		case O_KEEP: {
			long v;
			if (cli_number(op.arg, 1, 1000, &v))
				return cli_usage(cli, "bad --keep value '%s' (expected 1 to 1000)", op.arg);
			keep = (unsigned)v;
			break;
		}
		}
	}
	if ((status = drop_arg_place(cli, &da, &place)) != 0)
		return status;
	if (!to || !*to)
		return cli_usage(cli, "where to? give the deploy directory with --to DIR");
	if ((status = drop_pubkey(cli, pubkey, require, &pubkey)) != 0)
		return status;
	if (!target) {
		int rc = crc_deploy_host_triple(triple, sizeof triple, &err);
		if (rc)
			return cli_report(cli, rc, &err);
		target = triple;
	}
	if ((status = drop_load_pubkey(cli, pubkey, &key)) != 0)
		return status;
	const char *dir = place.dir;
	if ((status = verify_first(cli, &r, &place, key, target)) != CLI_EXIT_OK)
		goto out;
	cli_info(cli, "%s verified%s; installing %s into %s", dir, key ? " and its signature checked" : "",
		 target, to);
	struct crc_deploy_options o = {
		dir,  r.manifest, target, to,
		keep, on_busy,    cli,    r.held && r.held_fd >= 0 ? &r.held_fd : NULL};
	int rc = crc_deploy_install(&res, &o, &err);
	const char *key_id = key ? crc_sign_key_id(key) : NULL;
	if (rc) {
		status = cli_report(cli, rc, &err);
		/* A failed prune comes after the switch: the release is deployed all the same. */
		if (res.id[0])
			print_deploy(cli, &res, target, to, key_id);
	} else {
		if (res.leftovers_removed)
			cli_info(cli, "removed %d leftover%s of interrupted deploys in %s",
				 res.leftovers_removed, res.leftovers_removed == 1 ? "" : "s", to);
		status = print_deploy(cli, &res, target, to, key_id);
	}
	crc_deploy_result_free(&res);
out:
	crc_verify_report_free(&r);
	crc_sign_key_free(key);
	return status;
}

int cmd_rollback(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	struct crc_deploy_rollback_result res;
	struct crc_error err;
	const char *to = NULL;
	int id, status = CLI_EXIT_OK;
	cli_parse_begin(cli, &op, argc, argv);
	while ((id = cli_next(cli, &op, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		if (id == O_TO)
			to = op.arg;
		else
			return cli_usage(cli, "unexpected argument '%s'", op.arg);
	}
	if (!to || !*to)
		return cli_usage(cli, "which deploy directory? give it with --to DIR");
	int rc = crc_deploy_rollback(&res, to, on_busy, cli, &err);
	if (rc)
		return cli_report(cli, rc, &err);
	if (res.leftovers_removed)
		cli_info(cli, "removed %d leftover%s of interrupted deploys in %s", res.leftovers_removed,
			 res.leftovers_removed == 1 ? "" : "s", to);
	if (!cli->json) {
		printf("rolled back %s: %s/current -> releases/%s (was %s)\n", to, to, res.to, res.from);
		return CLI_EXIT_OK;
	}
	struct crc_json *o = crc_json_object();
	int bad = !o || crc_json_set_str(o, "schema", "crc.rollback/v1") || crc_json_set_str(o, "dir", to) ||
		  crc_json_set_str(o, "from", res.from) || crc_json_set_str(o, "to", res.to) ||
		  crc_json_set_str(o, "release_dir", res.release);
	char *text = bad ? NULL : crc_json_render(o, 1);
	crc_json_free(o);
	return cli_print_json(cli, text);
}
