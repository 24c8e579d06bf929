/* The entry point of each subcommand; each lives in cmd_<name>.c and parses its own options. */
#ifndef CRC_CLI_COMMANDS_H
#define CRC_CLI_COMMANDS_H

struct cli;
struct opt;

/* The option tables of the commands that define theirs beside their code. */
extern const struct opt cmd_build_opts[];
extern const struct opt cmd_plan_opts[];

int cmd_build(struct cli *cli, int argc, char **argv);
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_help(struct cli *cli, int argc, char **argv);
int cmd_plan(struct cli *cli, int argc, char **argv);
int cmd_profile(struct cli *cli, int argc, char **argv);
int cmd_profiles(struct cli *cli, int argc, char **argv);
int cmd_version(struct cli *cli, int argc, char **argv);

#endif
