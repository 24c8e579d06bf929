/* The CLI's shared state and helpers: global options, diagnostics on stderr, the command table. Only the
 * CLI reads the environment, prints, and chooses exit codes. */
#ifndef CRC_CLI_CLI_H
#define CRC_CLI_CLI_H

#include "crc/error.h"
#include "opt.h"

enum cli_color_mode { CLI_COLOR_AUTO, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER };

struct command;

struct cli {
	/* The command being run, or NULL while the global options are parsed. */
	const struct command *cmd;
	/* -C DIR: the project root to change into before the command runs, or NULL. */
	const char *root;
	/* --storage DIR: where drops live, relative to the project root unless absolute. */
	const char *storage;
	/* --json: print results as JSON on stdout. */
	int json;
	/* -q lowers, -v raises: -1 errors only, 0 normal, 1 and up more detail. */
	int verbosity;
	enum cli_color_mode color;
};

/* A command reports results on stdout and accepts --json. */
#define CMD_JSON 0x1u

struct command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	/* What follows "crc <name>" in the usage line, e.g. "[--json]". */
	const char *usage;
	const char *summary;
	/* The command's own options, terminated by {0}; the global ones come on top. */
	const struct opt *opts;
	unsigned flags;
};

/* The command table, in the order --help lists it, and its length. */
extern const struct command cli_commands[];
extern const unsigned cli_ncommands;

/* Returns the command named name, or NULL. */
const struct command *cli_find_command(const char *name);

/* Options accepted before and after every command, and the ones only before a command. */
extern const struct opt cli_global_opts[];
extern const struct opt cli_top_opts[];

/* The ids of the global options, above every command's own ids. */
enum {
	GOPT_ROOT = 1000,
	GOPT_STORAGE,
	GOPT_JSON,
	GOPT_QUIET,
	GOPT_VERBOSE,
	GOPT_COLOR,
	GOPT_HELP,
	GOPT_VERSION,
};

/* cli_next() returns this when the command must stop: help was printed or a usage error reported; the
 * exit code is in *status. */
#define CLI_STOP (-100)

/* Starts parsing a command's arguments (argv[0] is the command name). */
void cli_parse_begin(struct cli *cli, struct opt_parser *p, int argc, char **argv);

/* Returns the command's next own option id, OPT_ARG for a positional argument, OPT_END when the
 * arguments are done and the global options applied (-C changes directory here), or CLI_STOP. Handles
 * the global options, -h/--help and usage errors itself. */
int cli_next(struct cli *cli, struct opt_parser *p, int *status);

/* Handles a global option's id: returns 1 when it was one, 0 when it was not, CLI_STOP (with *status)
 * for a bad value. */
int cli_global_option(struct cli *cli, const struct opt_parser *p, int id, int *status);

/* Reports an unknown command with the closest valid one (or the list of all) and returns
 * CLI_EXIT_USAGE. */
int cli_unknown_command(const struct cli *cli, const char *name);

/* Parses arg as a whole number from min to max written in plain decimal digits (no sign, no blanks):
 * returns 0 with *out set, or -1 (the caller reports the usage error in its own words). */
int cli_number(const char *arg, long min, long max, long *out);

/* The number of CPUs online, or 1 when the system does not say. */
long cli_cpus(void);

/* Reports a core error as one line, "crc: <cmd>: path:line:col: msg" (the parts known), and returns the
 * exit code for its code (cli_exit_for). */
int cli_report(const struct cli *cli, int rc, const struct crc_error *err);

/* Reports a usage error for the current command ("crc: <cmd>: <msg>") and returns CLI_EXIT_USAGE. */
__attribute__((format(printf, 2, 3))) int cli_usage(const struct cli *cli, const char *fmt, ...);

/* Diagnostics on stderr: "crc: <msg>", coloured on a terminal. Errors always print; warnings unless -q;
 * info unless -q; verbose only with -v. */
__attribute__((format(printf, 2, 3))) void cli_error(const struct cli *cli, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void cli_warn(const struct cli *cli, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void cli_info(const struct cli *cli, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void cli_verbose(const struct cli *cli, const char *fmt, ...);

/* Whether stderr gets colour: --color always, or auto on a terminal with NO_COLOR unset or empty and
 * TERM not "dumb". */
int cli_use_color(const struct cli *cli);

/* Prints the whole-program help, or one command's help. */
void cli_print_help(FILE *f);
void cli_print_command_help(FILE *f, const struct command *c);

/* Prints the text of a rendered JSON report on stdout, or reports an allocation failure; returns an exit
 * code. Frees text. */
int cli_print_json(const struct cli *cli, char *text);

#endif
