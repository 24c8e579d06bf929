/* The DROP argument that verify, sign and deploy share: a drop directory, its manifest.yaml, or
 * --profile P --drop-id ID naming <storage>/<P>/<ID>/. */
#ifndef CRC_CLI_DROPS_H
#define CRC_CLI_DROPS_H

#include <stddef.h>

#include "cli.h"

/* The options that name a drop by profile and id, for a command's option table. */
#define DROPS_OPT_PROFILE 900
#define DROPS_OPT_DROP_ID 901
#define DROPS_OPTS                                                                               \
	{DROPS_OPT_PROFILE, 0, "profile", "NAME", "with --drop-id: the drop <storage>/NAME/ID"}, \
	{                                                                                        \
		DROPS_OPT_DROP_ID, 0, "drop-id", "ID", "with --profile: the drop's id"           \
	}

/* What the command line said about the drop. */
struct drop_arg {
	/* The positional DROP, or NULL. */
	const char *path;
	const char *profile, *drop_id;
};

/* Takes a DROPS_OPTS option (returns 1) or a positional argument (OPT_ARG, returns 1 the first time,
 * a usage error after) into a; returns 0 for any other id. A usage error sets *status and returns
 * CLI_STOP. */
int drop_arg_option(struct cli *cli, struct drop_arg *a, int id, const char *value, int *status);

/* Resolves a into the drop's directory (out, size bytes). Returns 0, or an exit code after reporting the
 * problem (usage: neither or both forms, only one of --profile/--drop-id, a bad name). */
int drop_arg_dir(const struct cli *cli, const struct drop_arg *a, char *out, size_t size);

struct crc_verify_report;

/* The public key a command checks signatures with: pubkey (--pubkey) when set, else with require
 * (--require-signature) the file $CRC_PUBKEY names. Returns 0 with *out set (NULL: no signature
 * required), or a usage error's exit code after reporting it. */
int drop_pubkey(const struct cli *cli, const char *pubkey, int require, const char **out);

/* Checks dir/manifest.yaml.sig with the public key in the file pubkey and adds what is wrong to r (a
 * missing, malformed or wrong signature as a mismatch; an unreadable key or signature as unreadable). On
 * success the key's id goes into key_id. Returns 0, or CRC_ENOMEM. */
int drop_check_signature(struct crc_verify_report *r, const char *dir, const char *pubkey, char *key_id,
			 size_t key_id_size);

#endif
