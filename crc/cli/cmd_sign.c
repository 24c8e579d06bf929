/* crc sign (DROP | --profile NAME --drop-id ID) --key KEY [--json]: verifies the drop deeply (as crc
 * verify --deep does, its identity against its place included) and signs exactly the manifest.yaml bytes
 * that verification read with an Ed25519 private key into manifest.yaml.sig (crc_sign_drop_bytes),
 * replacing an earlier signature atomically. The manifest pins every other file of the drop, so the
 * signature covers the whole drop; a drop that does not verify is not signed. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "crc/json.h"
#include "crc/sign.h"
#include "crc/verify.h"
#include "drops.h"
#include "exit.h"

enum { O_KEY = 1 };

const struct opt cmd_sign_opts[] = {
	{O_KEY, 0, "key", "KEY", "the private key to sign with, from crc keygen (required)"},
	DROPS_OPTS,
	{0, 0, NULL, NULL, NULL},
};

static char *sign_json(const char *dir, const char *id)
{
	char manifest[PATH_MAX + 32], sig[PATH_MAX + 32];
	struct crc_json *o = crc_json_object();
	char *text = NULL;
	snprintf(manifest, sizeof manifest, "%s/%s", dir, CRC_SIGN_MANIFEST);
	snprintf(sig, sizeof sig, "%s/%s", dir, CRC_SIGN_SIGNATURE);
	if (o && crc_json_set_str(o, "schema", "crc.sign/v1") == 0 &&
	    crc_json_set_str(o, "drop_dir", dir) == 0 && crc_json_set_str(o, "manifest", manifest) == 0 &&
	    crc_json_set_str(o, "signature", sig) == 0 && crc_json_set_str(o, "key_id", id) == 0)
		text = crc_json_render(o, 1);
	crc_json_free(o);
	return text;
}

/* Verifies the drop deeply into r; prints its problems and returns an exit code when it does not hold. */
static int verify_first(const struct cli *cli, struct crc_verify_report *r, const struct drop_place *place)
{
	struct crc_verify_options o = {.deep = 1, .threads = (size_t)cli_cpus()};
	struct crc_error err;
	drop_place_expect(place, &o);
	int rc = crc_verify_drop(r, place->dir, &o, &err);
	if (rc == 0)
		return CLI_EXIT_OK;
	for (size_t i = 0; i < r->nproblems; i++)
		cli_error(cli, "%s: %s", r->problems[i].file, r->problems[i].msg);
	if (r->dropped)
		cli_error(cli, "%zu more problems not shown", r->dropped);
	cli_error(cli, "%s does not verify: nothing signed", place->dir);
	return rc == CRC_EIO ? CLI_EXIT_INPUT : cli_exit_for(rc);
}

int cmd_sign(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	struct drop_arg drop = {NULL, NULL, NULL};
	struct drop_place place;
	struct crc_verify_report r;
	struct crc_error err;
	struct crc_sign_key *key = NULL;
	const char *key_path = NULL;
	int id, status, rc;
	cli_parse_begin(cli, &op, argc, argv);
	while ((id = cli_next(cli, &op, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		if (id == O_KEY) {
			key_path = op.arg;
			continue;
		}
		rc = drop_arg_option(cli, &drop, id, op.arg, &status);
		if (rc == CLI_STOP)
			return status;
		if (rc == 0)
			return cli_usage(cli, "unexpected argument '%s'", op.arg);
	}
	if ((status = drop_arg_place(cli, &drop, &place)) != 0)
		return status;
	if (!key_path || !key_path[0])
		return cli_usage(cli, "missing --key KEY (the private key, from crc keygen)");
	const char *dir = place.dir;
	memset(&r, 0, sizeof r);
	if ((rc = crc_sign_key_load_private(&key, key_path, &err)) != 0) {
		status = cli_report(cli, rc, &err);
		goto out;
	}
	if ((status = verify_first(cli, &r, &place)) != CLI_EXIT_OK)
		goto out;
	if ((rc = crc_sign_drop_bytes(dir, key, r.manifest_text.data ? r.manifest_text.data : "",
				      r.manifest_text.len, &err)) != 0) {
		status = cli_report(cli, rc, &err);
		goto out;
	}
	status = CLI_EXIT_OK;
	if (cli->json)
		status = cli_print_json(cli, sign_json(dir, crc_sign_key_id(key)));
	else
		printf("signed %s/%s (key %s)\n", dir, CRC_SIGN_MANIFEST, crc_sign_key_id(key));
out:
	crc_verify_report_free(&r);
	crc_sign_key_free(key);
	return status;
}
