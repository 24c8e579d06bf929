/* The command table: every subcommand crc has, in the order `crc --help` lists them. */
#include "cli.h"
#include "commands.h"

static const struct opt no_opts[] = {{0, 0, NULL, NULL, NULL}};
static const struct opt profile_opts[] = {
	{1, 0, "set", "KEY.PATH=VALUE", "override a value (YAML syntax; repeatable)"},
	{0, 0, NULL, NULL, NULL},
};

const struct command cli_commands[] = {
	{"help", cmd_help, "[COMMAND]", "show help for crc or for one command", no_opts, 0},
	{"profiles", cmd_profiles, "[--json]", "list the profiles with their descriptions and targets",
	 no_opts, CMD_JSON},
	{"profile", cmd_profile, "show NAME [--set KEY.PATH=VALUE]... [--json]",
	 "show one profile fully resolved (extends, defaults, overrides)", profile_opts, CMD_JSON},
	{"plan", cmd_plan,
	 "--profile NAME [--target T]... [--set KEY.PATH=VALUE]... [--drop-id ID] [-j N] [--flags-txt] "
	 "[--json]",
	 "show everything a build would do: toolchains, flags, commands, the drop", cmd_plan_opts, CMD_JSON},
	{"build", cmd_build,
	 "--profile NAME [--target T]... [--set KEY.PATH=VALUE]... [--drop-id ID] [-j N] [--force] "
	 "[--sign-key KEY] "
	 "[--json]",
	 "build a drop: every target, smoke-tested, packed, hashed, published whole", cmd_build_opts,
	 CMD_JSON},
	{"merge", cmd_merge, "PARTIAL_DIR... [--force] [-j N] [--json]",
	 "merge partial drops of one drop id, built on several machines, into the whole drop", cmd_merge_opts,
	 CMD_JSON},
	{"keygen", cmd_keygen, "--out KEY [--json]", "generate an Ed25519 key pair for signing drops",
	 cmd_keygen_opts, CMD_JSON},
	{"sign", cmd_sign, "(DROP | --profile NAME --drop-id ID) --key KEY [--json]",
	 "sign a drop's manifest.yaml with an Ed25519 key (manifest.yaml.sig)", cmd_sign_opts, CMD_JSON},
	{"verify", cmd_verify,
	 "(DROP | --profile NAME --drop-id ID) [--deep] [--pubkey PUB | --require-signature] [--allow-extra] "
	 "[-j N] [--json]",
	 "check a drop against its manifest: every file, hash and (with --deep) archive entry",
	 cmd_verify_opts, CMD_JSON},
	{"deploy", cmd_deploy,
	 "(DROP | --profile NAME --drop-id ID) --to DIR [--target T] [--pubkey PUB | --require-signature] "
	 "[--keep N] [--json]",
	 "verify a drop, install it into DIR/releases/ and switch DIR/current atomically", cmd_deploy_opts,
	 CMD_JSON},
	{"push", cmd_push,
	 "(DROP | --profile NAME --drop-id ID) REF [--plain-http] [--chunk-size BYTES] [--json]",
	 "push a drop (and its OCI image) to a registry: REF is host[:port]/repo:tag", cmd_push_opts,
	 CMD_JSON},
	{"pull", cmd_pull, "REF [--pubkey PUB | --require-signature] [--force] [--plain-http] [--json]",
	 "fetch a drop from a registry, verify it deeply, and publish it into storage", cmd_pull_opts,
	 CMD_JSON},
	{"rollback", cmd_rollback, "--to DIR [--json]",
	 "switch DIR/current back to the release deployed before it", cmd_rollback_opts, CMD_JSON},
	{"list", cmd_list, "[--profile NAME] [--verify] [--json]",
	 "list the drops in storage, newest first, with their state", cmd_list_opts, CMD_JSON},
	{"gc", cmd_gc, "--keep N [--profile NAME] [--dry-run] [--json]",
	 "remove the drops beyond the newest N of each profile (never pinned ones)", cmd_gc_opts, CMD_JSON},
	{"pin", cmd_pin, "--profile NAME --drop-id ID [--json]", "keep a drop from gc (the profile's .pins)",
	 cmd_pin_opts, CMD_JSON},
	{"unpin", cmd_unpin, "--profile NAME --drop-id ID [--json]", "let gc remove a pinned drop again",
	 cmd_pin_opts, CMD_JSON},
	{"check", cmd_check, "[--json]", "check every profile and toolchain file, and report every problem",
	 no_opts, CMD_JSON},
	{"version", cmd_version, "[--json]", "print crc's version, source revision and library versions",
	 no_opts, CMD_JSON},
};

const unsigned cli_ncommands = sizeof cli_commands / sizeof cli_commands[0];
