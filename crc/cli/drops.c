/* The DROP argument of verify, sign and deploy (drops.h). */
#include "drops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc/error.h"
#include "crc/plan.h"
#include "crc/sign.h"
#include "crc/verify.h"
#include "exit.h"

int drop_arg_option(struct cli *cli, struct drop_arg *a, int id, const char *value, int *status)
{
	switch (id) {
	case DROPS_OPT_PROFILE:
		a->profile = value;
		return 1;
	case DROPS_OPT_DROP_ID:
		a->drop_id = value;
		return 1;
	case OPT_ARG:
		if (a->path) {
			*status = cli_usage(cli, "unexpected argument '%s' (one DROP at a time)", value);
			return CLI_STOP;
		}
		a->path = value;
		return 1;
	default:
		return 0;
	}
}

int drop_arg_dir(const struct cli *cli, const struct drop_arg *a, char *out, size_t size)
{
	struct crc_error err;
	int n;
	if (a->path && (a->profile || a->drop_id))
		return cli_usage(cli, "give DROP or --profile and --drop-id, not both");
	if (a->path) {
		size_t len = strlen(a->path);
		/* A path to the manifest names its drop. */
		if (len >= 13 && strcmp(a->path + len - 13, "manifest.yaml") == 0 &&
		    (len == 13 || a->path[len - 14] == '/'))
			n = len == 13 ? snprintf(out, size, ".")
				      : snprintf(out, size, "%.*s", (int)(len - 14), a->path);
		else
			n = snprintf(out, size, "%s", a->path);
		if (n == 0)
			n = snprintf(out, size, "/");
	} else if (a->profile && a->drop_id) {
		if (crc_plan_check_drop_id(a->profile, &err))
			return cli_usage(cli, "bad profile name '%s': %s", a->profile, err.msg);
		if (crc_plan_check_drop_id(a->drop_id, &err))
			return cli_usage(cli, "bad drop id '%s': %s", a->drop_id, err.msg);
		n = snprintf(out, size, "%s/%s/%s", cli->storage ? cli->storage : "storage/artifacts",
			     a->profile, a->drop_id);
	} else if (a->profile || a->drop_id) {
		return cli_usage(cli, "--profile and --drop-id go together (or give the drop's directory)");
	} else {
		return cli_usage(cli, "which drop? give its directory, or --profile NAME --drop-id ID");
	}
	if (n < 0 || (size_t)n >= size) {
		cli_error(cli, "drop path too long");
		return CLI_EXIT_USAGE;
	}
	return 0;
}

int drop_pubkey(const struct cli *cli, const char *pubkey, int require, const char **out)
{
	*out = pubkey;
	if (pubkey || !require)
		return 0;
	const char *env = getenv("CRC_PUBKEY");
	if (!env || !*env)
		return cli_usage(cli, "--require-signature needs a public key: set CRC_PUBKEY to its file, "
				      "or give --pubkey PUB");
	*out = env;
	return 0;
}

int drop_check_signature(struct crc_verify_report *r, const char *dir, const char *pubkey, char *key_id,
			 size_t key_id_size)
{
	struct crc_sign_key *key = NULL;
	struct crc_error err;
	char msg[2 * CRC_ERROR_MSG_MAX];
	int rc = crc_sign_key_load_public(&key, pubkey, &err);
	if (rc) {
		/* The key is the caller's input, not part of the drop: name its file. */
		crc_error_format(&err, msg, sizeof msg);
		return crc_verify_add_problem(r, "manifest.yaml.sig", CRC_EIO, msg) ? CRC_ENOMEM : 0;
	}
	snprintf(key_id, key_id_size, "%s", crc_sign_key_id(key));
	rc = crc_sign_verify_drop(dir, key, &err);
	crc_sign_key_free(key);
	if (rc == 0)
		return 0;
	/* A missing, malformed or wrong signature fails verification; only an unreadable one is not. */
	int code = rc == CRC_EIO || rc == CRC_ENOMEM ? CRC_EIO : CRC_EVERIFY;
	return crc_verify_add_problem(r, "manifest.yaml.sig", code, err.msg) ? CRC_ENOMEM : 0;
}
