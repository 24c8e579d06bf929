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
	 "--profile NAME [--target T]... [--set KEY.PATH=VALUE]... [--drop-id ID] [-j N] [--force] [--json]",
	 "build a drop: every target, smoke-tested, packed, hashed, published whole", cmd_build_opts,
	 CMD_JSON},
	{"check", cmd_check, "[--json]", "check every profile and toolchain file, and report every problem",
	 no_opts, CMD_JSON},
	{"version", cmd_version, "[--json]", "print crc's version, source revision and library versions",
	 no_opts, CMD_JSON},
};

const unsigned cli_ncommands = sizeof cli_commands / sizeof cli_commands[0];
