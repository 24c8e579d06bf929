/* The entry points of noa's subcommands, one cmd_<name>.c each, and what they share: exit codes, usage
 * errors, and the environment snapshot main() takes. Commands receive argv starting at their own name. */
#ifndef NOA_CLI_COMMANDS_H
#define NOA_CLI_COMMANDS_H

#include "noa/sysroot.h"

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_INPUT = 3, EXIT_IO = 5 };

/* The process environment as libnoa takes it (libnoa never calls getenv itself). */
extern struct noa_env noa_cli_env;

/* Prints "noa: <cmd>: <message>; see 'noa help <cmd>'" to stderr and returns EXIT_USAGE. */
__attribute__((format(printf, 2, 3))) int noa_usage_error(const char *cmd, const char *fmt, ...);

struct noa_probe_source;

/* Fills src for probing under sysroot (NULL or "" for the host's own root), with the process environment
 * and NOA_NVML_LIBRARY. Reports an unusable sysroot for cmd and returns EXIT_INPUT; else 0. */
int noa_cli_probe_source(struct noa_probe_source *src, const char *cmd, const char *sysroot);

/* Whether a is -h or --help. */
int noa_is_help(const char *a);

/* Prints a rendered JSON document and a newline on stdout, or reports the writer's error; frees text. */
int noa_print_json(const char *cmd, int rc, char *text);

int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_target(int argc, char **argv);
int cmd_plan(int argc, char **argv);

#endif
