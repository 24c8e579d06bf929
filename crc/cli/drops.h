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

/* A drop's directory and the identity its place gives it, which its manifest must name (a drop copied or
 * moved under another name is refused: a replay). */
struct drop_place {
	char dir[4096];
	/* The profile and drop id the manifest must name, "" when the place says nothing about one. */
	char profile[256], drop_id[256];
	/* Where they come from, for messages. */
	const char *from;
};

/* Resolves a into p: the directory as drop_arg_dir does, and the identity: with --profile and --drop-id,
 * those; for a path, its directory's own name as the drop id and, when it lies in a storage
 * (<storage>/<profile>/<id>, where <storage> is --storage or holds a storage's lock file), its folder's
 * name as the profile. Returns 0 or an exit code as drop_arg_dir. */
int drop_arg_place(const struct cli *cli, const struct drop_arg *a, struct drop_place *p);

struct crc_verify_options;

/* Sets o's expected identity from p. */
void drop_place_expect(const struct drop_place *p, struct crc_verify_options *o);

struct crc_sign_key;

/* The public key a command checks signatures with: pubkey (--pubkey) when set, else with require
 * (--require-signature) the file $CRC_PUBKEY names. Returns 0 with *out set (NULL: no signature
 * required), or a usage error's exit code after reporting it. */
int drop_pubkey(const struct cli *cli, const char *pubkey, int require, const char **out);

/* Loads the public key in the file path into *key (NULL path: *key NULL); an unreadable or malformed key
 * is reported and its exit code returned, else 0. */
int drop_load_pubkey(const struct cli *cli, const char *path, struct crc_sign_key **key);

#endif
