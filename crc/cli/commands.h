/* The entry point of each subcommand; each lives in cmd_<name>.c and parses its own options. */
#ifndef CRC_CLI_COMMANDS_H
#define CRC_CLI_COMMANDS_H

struct cli;

int cmd_help(struct cli *cli, int argc, char **argv);
int cmd_profile(struct cli *cli, int argc, char **argv);
int cmd_profiles(struct cli *cli, int argc, char **argv);
int cmd_version(struct cli *cli, int argc, char **argv);

#endif
