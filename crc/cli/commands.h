/* The entry point of each subcommand; each lives in cmd_<name>.c and parses its own options. */
#ifndef CRC_CLI_COMMANDS_H
#define CRC_CLI_COMMANDS_H

struct cli;
struct opt;

/* The option tables of the commands that define theirs beside their code. */
extern const struct opt cmd_build_opts[];
extern const struct opt cmd_deploy_opts[];
extern const struct opt cmd_gc_opts[];
extern const struct opt cmd_keygen_opts[];
extern const struct opt cmd_list_opts[];
extern const struct opt cmd_pin_opts[];
extern const struct opt cmd_merge_opts[];
extern const struct opt cmd_plan_opts[];
extern const struct opt cmd_pull_opts[];
extern const struct opt cmd_push_opts[];
extern const struct opt cmd_rollback_opts[];
extern const struct opt cmd_sign_opts[];
extern const struct opt cmd_verify_opts[];

int cmd_build(struct cli *cli, int argc, char **argv);
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_deploy(struct cli *cli, int argc, char **argv);
int cmd_gc(struct cli *cli, int argc, char **argv);
int cmd_help(struct cli *cli, int argc, char **argv);
int cmd_keygen(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_pin(struct cli *cli, int argc, char **argv);
int cmd_merge(struct cli *cli, int argc, char **argv);
int cmd_plan(struct cli *cli, int argc, char **argv);
int cmd_profile(struct cli *cli, int argc, char **argv);
int cmd_profiles(struct cli *cli, int argc, char **argv);
int cmd_pull(struct cli *cli, int argc, char **argv);
int cmd_push(struct cli *cli, int argc, char **argv);
int cmd_rollback(struct cli *cli, int argc, char **argv);
int cmd_sign(struct cli *cli, int argc, char **argv);
int cmd_unpin(struct cli *cli, int argc, char **argv);
int cmd_verify(struct cli *cli, int argc, char **argv);
int cmd_version(struct cli *cli, int argc, char **argv);

#endif
