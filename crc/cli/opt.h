/* Command-line options from tables. One table per command gives both the parsing and the --help text.
 * Accepted forms: --name, --name=VALUE, --name VALUE, -x, -xVALUE, -x VALUE, clustered flags (-qv), and
 * "--" to end options. */
#ifndef CRC_CLI_OPT_H
#define CRC_CLI_OPT_H

#include <stdio.h>

struct opt {
	/* Returned by opt_next(); positive. 0 ends a table. */
	int id;
	/* Single-letter form, or 0 for none. */
	char short_name;
	/* Long form without the dashes, or NULL for none. */
	const char *long_name;
	/* Name of the value in help (e.g. "DIR"); NULL when the option takes no value. */
	const char *metavar;
	const char *help;
};

/* What opt_next() returns besides option ids. */
enum {
	OPT_END = 0,
	/* A positional argument, in parser.arg. */
	OPT_ARG = -1,
	/* A usage error, described in parser.err. */
	OPT_ERROR = -2,
};

#define OPT_MAX_TABLES 4

struct opt_parser {
	int argc;
	const char *const *argv;
	/* Index of the next argv element to read. */
	int i;
	/* The rest of a cluster of short options ("-qv" after reading q), or NULL. */
	const char *cluster;
	/* After "--": everything is positional. */
	int args_only;
	/* NULL-terminated list of tables, searched in order. */
	const struct opt *tables[OPT_MAX_TABLES + 1];
	/* The option matched by the last call, or NULL. */
	const struct opt *hit;
	/* Its value, or the positional argument. */
	const char *arg;
	/* One-line description of a usage error. */
	char err[256];
};

/* Starts parsing argv[first..argc) against up to OPT_MAX_TABLES tables (NULL-terminated varargs). */
void opt_init(struct opt_parser *p, int argc, const char *const *argv, int first, ...);

/* Returns the next option's id, OPT_ARG, OPT_END or OPT_ERROR. */
int opt_next(struct opt_parser *p);

/* Prints a table's options as help lines ("  -C DIR           help"). */
void opt_print_table(FILE *f, const struct opt *table);

#endif
