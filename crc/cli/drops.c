/* The DROP argument of verify, sign and deploy (drops.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "drops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crc/error.h"
#include "crc/plan.h"
#include "crc/sign.h"
#include "crc/store.h"
#include "crc/verify.h"
#include "crc/ids.h"
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
		if (crc_ids_check_drop_id(a->profile, &err))
			return cli_usage(cli, "bad profile name '%s': %s", a->profile, err.msg);
		if (crc_ids_check_drop_id(a->drop_id, &err))
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

int drop_load_pubkey(const struct cli *cli, const char *path, struct crc_sign_key **key)
{
	struct crc_error err;
	*key = NULL;
	if (!path)
		return CLI_EXIT_OK;
	int rc = crc_sign_key_load_public(key, path, &err);
	return rc ? cli_report(cli, rc, &err) : CLI_EXIT_OK;
}

/* The last component of the n bytes at path (no trailing '/'), and where it starts, into name. */
static const char *last_name(const char *path, size_t n, char *name, size_t size)
{
	size_t i = n;
	while (i > 0 && path[i - 1] != '/')
		i--;
	snprintf(name, size, "%.*s", (int)(n - i), path + i);
	return path + i;
}

/* Whether dir (a real path, n bytes) is a storage: the --storage given, or a directory holding a storage's
 * lock file. */
static int is_storage(const struct cli *cli, const char *dir, size_t n)
{
	char path[4096 + 32];
	struct stat st;
	char *storage = realpath(cli->storage ? cli->storage : "storage/artifacts", NULL);
	int same = storage && strlen(storage) == n && strncmp(storage, dir, n) == 0;
	free(storage);
	if (same)
		return 1;
	int w = snprintf(path, sizeof path, "%.*s/%s", (int)n, dir, CRC_STORE_LOCK_NAME);
	return w > 0 && (size_t)w < sizeof path && lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The identity a drop's path gives it: its directory's own name, and its folder's within a storage. A
 * path that does not resolve says nothing (verify reports the missing drop). */
static void path_identity(const struct cli *cli, struct drop_place *p)
{
	char *real = realpath(p->dir, NULL);
	if (!real || strcmp(real, "/") == 0) {
		free(real);
		return;
	}
	size_t n = strlen(real);
	const char *id = last_name(real, n, p->drop_id, sizeof p->drop_id);
	p->from = "its directory's name";
	size_t folder_end = (size_t)(id - real) - 1;
	if (folder_end > 0) {
		char profile[sizeof p->profile];
		const char *folder = last_name(real, folder_end, profile, sizeof profile);
		size_t storage_end = (size_t)(folder - real) - 1;
		if (storage_end > 0 && is_storage(cli, real, storage_end)) {
			memcpy(p->profile, profile, sizeof profile);
			p->from = "its place in the storage";
		}
	}
	free(real);
}

int drop_arg_place(const struct cli *cli, const struct drop_arg *a, struct drop_place *p)
{
	memset(p, 0, sizeof *p);
	int rc = drop_arg_dir(cli, a, p->dir, sizeof p->dir);
	if (rc)
		return rc;
	if (a->profile && a->drop_id) {
		snprintf(p->profile, sizeof p->profile, "%s", a->profile);
		snprintf(p->drop_id, sizeof p->drop_id, "%s", a->drop_id);
		p->from = "--profile and --drop-id";
	} else {
		path_identity(cli, p);
	}
	return 0;
}

void drop_place_expect(const struct drop_place *p, struct crc_verify_options *o)
{
	o->profile = p->profile[0] ? p->profile : NULL;
	o->drop_id = p->drop_id[0] ? p->drop_id : NULL;
	o->identity_from = p->from;
}
