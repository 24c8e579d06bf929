/* Shared CLI machinery: global options, per-command parsing with help and usage errors, diagnostics and
 * their colour, and the help text. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc/buf.h"
#include "crc/error.h"
#include "crc/suggest.h"
#include "crc/version.h"
#include "exit.h"

const struct opt cli_global_opts[] = {
	{GOPT_ROOT, 'C', NULL, "DIR", "run in project root DIR (default: the current directory)"},
	{GOPT_STORAGE, 0, "storage", "DIR", "where drops are kept (default: storage/artifacts)"},
	{GOPT_JSON, 0, "json", NULL, "print results as JSON (commands that report results)"},
	{GOPT_QUIET, 'q', "quiet", NULL, "print errors only"},
	{GOPT_VERBOSE, 'v', "verbose", NULL, "print more detail (repeat for more)"},
	{GOPT_COLOR, 0, "color", "WHEN", "colour diagnostics: auto (default), always, never"},
	{0, 0, NULL, NULL, NULL},
};

const struct opt cli_top_opts[] = {
	{GOPT_HELP, 'h', "help", NULL, "show this help"},
	{GOPT_VERSION, 'V', "version", NULL, "print crc's version"},
	{0, 0, NULL, NULL, NULL},
};

static const struct opt command_help_opt[] = {
	{GOPT_HELP, 'h', "help", NULL, "show this command's help"},
	{0, 0, NULL, NULL, NULL},
};

const struct command *cli_find_command(const char *name)
{
	for (unsigned i = 0; i < cli_ncommands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

int cli_use_color(const struct cli *cli)
{
	if (cli->color != CLI_COLOR_AUTO)
		return cli->color == CLI_COLOR_ALWAYS;
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
	if (no && no[0])
		return 0;
	if (term && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(STDERR_FILENO);
}

/* Whether crc runs as a step of GitHub Actions, whose runner sets GITHUB_ACTIONS=true. */
static int in_github_actions(void)
{
	const char *v = getenv("GITHUB_ACTIONS");
	return v && strcmp(v, "true") == 0;
}

/* Appends the n bytes at s escaped as GitHub's workflow commands require: % CR LF in the message, and
 * also : and , in a property's value. */
static void add_escaped(struct crc_buf *b, const char *s, size_t n, int property)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%')
			crc_buf_puts(b, "%25");
		else if (s[i] == '\r')
			crc_buf_puts(b, "%0D");
		else if (s[i] == '\n')
			crc_buf_puts(b, "%0A");
		else if (property && s[i] == ':')
			crc_buf_puts(b, "%3A");
		else if (property && s[i] == ',')
			crc_buf_puts(b, "%2C");
		else
			crc_buf_putc(b, s[i]);
	}
}

/* Reads 1 to 9 decimal digits at p into *v; returns the end, or NULL when p holds no number. */
static const char *number(const char *p, long *v)
{
	const char *start = p;
	*v = 0;
	while (*p >= '0' && *p <= '9' && p - start < 9)
		*v = *v * 10 + (*p++ - '0');
	return p == start ? NULL : p;
}

/* When msg starts with "file:line:col: " (a file without ':' or blanks), returns the length of file, sets
 * *line and *col, and points *rest after the position; otherwise returns 0. */
static size_t file_position(const char *msg, long *line, long *col, const char **rest)
{
	size_t len = strcspn(msg, ": \t");
	const char *p;
	if (len == 0 || msg[len] != ':')
		return 0;
	p = number(msg + len + 1, line);
	if (!p || *p != ':')
		return 0;
	p = number(p + 1, col);
	if (!p || p[0] != ':' || p[1] != ' ')
		return 0;
	*rest = p + 2;
	return len;
}

/* Prints msg as a GitHub annotation on stderr, "::error file=F,line=L,col=C,title=crc <cmd>::<msg>", the
 * position only when msg starts with one. A relative file under -C DIR is named from the directory crc
 * started in, where the runner resolves it. */
static void github_error(const struct cli *cli, const char *msg)
{
	struct crc_buf b;
	long line = 0, col = 0;
	const char *rest = msg;
	size_t flen = file_position(msg, &line, &col, &rest);
	crc_buf_init(&b);
	crc_buf_puts(&b, "::error ");
	if (flen) {
		crc_buf_puts(&b, "file=");
		if (cli->root && msg[0] != '/') {
			add_escaped(&b, cli->root, strlen(cli->root), 1);
			crc_buf_putc(&b, '/');
		}
		add_escaped(&b, msg, flen, 1);
		crc_buf_printf(&b, ",line=%ld,col=%ld,", line, col);
	}
	crc_buf_puts(&b, "title=crc");
	if (cli->cmd) {
		crc_buf_putc(&b, ' ');
		add_escaped(&b, cli->cmd->name, strlen(cli->cmd->name), 1);
	}
	crc_buf_puts(&b, "::");
	add_escaped(&b, rest, strlen(rest), 0);
	crc_buf_putc(&b, '\n');
	if (!crc_buf_error(&b))
		fputs(crc_buf_str(&b), stderr);
	crc_buf_free(&b);
}

/* Prints "crc: [<cmd>: ]<msg>\n" to stderr, the "crc:" in the given SGR colour when colour is on. Under
 * GitHub Actions an error is repeated as an annotation (without the memory for it, it is printed only). */
static void vdiag(const struct cli *cli, const char *sgr, int error, const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (error && in_github_actions()) {
		va_list again;
		va_copy(again, ap);
		int n = vsnprintf(NULL, 0, fmt, again);
		va_end(again);
		if (n >= 0 && (msg = malloc((size_t)n + 1)) != NULL)
			vsnprintf(msg, (size_t)n + 1, fmt, ap);
	}
	if (sgr && cli_use_color(cli))
		fprintf(stderr, "\033[%sm%s\033[0m ", sgr, "crc:");
	else
		fputs("crc: ", stderr);
	if (cli->cmd)
		fprintf(stderr, "%s: ", cli->cmd->name);
	if (msg)
		fputs(msg, stderr);
	else
		vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	if (msg)
		github_error(cli, msg);
	free(msg);
}

void cli_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(cli, "1;31", 1, fmt, ap);
	va_end(ap);
}

void cli_warn(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	if (cli->verbosity < 0)
		return;
	va_start(ap, fmt);
	vdiag(cli, "1;33", 0, fmt, ap);
	va_end(ap);
}

void cli_info(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	if (cli->verbosity < 0)
		return;
	va_start(ap, fmt);
	vdiag(cli, NULL, 0, fmt, ap);
	va_end(ap);
}

void cli_verbose(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	if (cli->verbosity < 1)
		return;
	va_start(ap, fmt);
	vdiag(cli, NULL, 0, fmt, ap);
	va_end(ap);
}

int cli_report(const struct cli *cli, int rc, const struct crc_error *err)
{
	char msg[2 * CRC_ERROR_MSG_MAX];
	crc_error_format(err, msg, sizeof msg);
	cli_error(cli, "%s", msg);
	return cli_exit_for(rc);
}

int cli_usage(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(cli, "1;31", 1, fmt, ap);
	va_end(ap);
	return CLI_EXIT_USAGE;
}

int cli_unknown_command(const struct cli *cli, const char *name)
{
	const char *names[64] = {NULL};
	unsigned n = cli_ncommands < 64 ? cli_ncommands : 64;
	for (unsigned i = 0; i < n; i++)
		names[i] = cli_commands[i].name;
	const char *best = crc_suggest(name, names, n);
	if (best)
		return cli_usage(cli, "unknown command '%s' (did you mean '%s'?)", name, best);
	char list[512];
	size_t len = 0;
	list[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		int w = snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", names[i]);
		if (w < 0 || (size_t)w >= sizeof list - len)
			return cli_usage(cli, "unknown command '%s'; see 'crc --help'", name);
		len += (size_t)w;
	}
	return cli_usage(cli, "unknown command '%s' (commands: %s)", name, list);
}

int cli_global_option(struct cli *cli, const struct opt_parser *p, int id, int *status)
{
	switch (id) {
	case GOPT_ROOT:
		cli->root = p->arg;
		return 1;
	case GOPT_STORAGE:
		cli->storage = p->arg;
		return 1;
	case GOPT_JSON:
		cli->json = 1;
		return 1;
	case GOPT_QUIET:
		cli->verbosity = -1;
		return 1;
	case GOPT_VERBOSE:
		if (cli->verbosity < 0)
			cli->verbosity = 0;
		if (cli->verbosity < 9)
			cli->verbosity++;
		return 1;
	case GOPT_COLOR:
		if (strcmp(p->arg, "auto") == 0) {
			cli->color = CLI_COLOR_AUTO;
		} else if (strcmp(p->arg, "always") == 0) {
			cli->color = CLI_COLOR_ALWAYS;
		} else if (strcmp(p->arg, "never") == 0) {
			cli->color = CLI_COLOR_NEVER;
		} else {
			*status = cli_usage(cli, "invalid value '%s' for --color (use auto, always or never)",
					    p->arg);
			return CLI_STOP;
		}
		return 1;
	default:
		return 0;
	}
}

void cli_parse_begin(struct cli *cli, struct opt_parser *p, int argc, char **argv)
{
	opt_init(p, argc, (const char *const *)argv, 1, cli->cmd->opts, command_help_opt, cli_global_opts,
		 NULL);
}

/* Applies what the global options ask for once a command's arguments are all read. */
static int finish_globals(struct cli *cli, int *status)
{
	if (cli->json && !(cli->cmd->flags & CMD_JSON)) {
		*status = cli_usage(cli, "--json is not supported by this command");
		return CLI_STOP;
	}
	if (cli->root && chdir(cli->root) != 0) {
		struct crc_error err;
		int code = crc_err_os(&err, "-C: cannot enter", cli->root, errno);
		cli_error(cli, "%s", err.msg);
		*status = cli_exit_for(code);
		return CLI_STOP;
	}
	return OPT_END;
}

int cli_next(struct cli *cli, struct opt_parser *p, int *status)
{
	for (;;) {
		int id = opt_next(p), g;
		if (id == OPT_ERROR) {
			*status = cli_usage(cli, "%s", p->err);
			return CLI_STOP;
		}
		if (id == OPT_END)
			return finish_globals(cli, status);
		if (id == GOPT_HELP) {
			cli_print_command_help(stdout, cli->cmd);
			*status = CLI_EXIT_OK;
			return CLI_STOP;
		}
		g = cli_global_option(cli, p, id, status);
		if (g == CLI_STOP)
			return CLI_STOP;
		if (g == 0)
			return id;
	}
}

static void print_exit_codes(FILE *f)
{
	fputs("\nExit codes:\n", f);
	for (const struct cli_exit_doc *d = cli_exit_docs; d->meaning; d++)
		fprintf(f, "  %d  %s\n", d->code, d->meaning);
}

void cli_print_help(FILE *f)
{
	fprintf(f, "Usage: crc [global options] <command> [options]\n\n"
		   "crc builds, verifies and deploys release drops of the noa runtime.\n\n"
		   "Commands:\n");
	for (unsigned i = 0; i < cli_ncommands; i++)
		fprintf(f, "  %-12s %s\n", cli_commands[i].name, cli_commands[i].summary);
	fputs("\nOptions:\n", f);
	opt_print_table(f, cli_top_opts);
	fputs("\nGlobal options (before or after the command):\n", f);
	opt_print_table(f, cli_global_opts);
	print_exit_codes(f);
	fputs("\nRun 'crc help <command>' for a command's options. Documentation: docs/cli.md\n", f);
}

void cli_print_command_help(FILE *f, const struct command *c)
{
	fprintf(f, "Usage: crc %s%s%s\n\n%s\n", c->name, c->usage[0] ? " " : "", c->usage, c->summary);
	fputs("\nOptions:\n", f);
	opt_print_table(f, c->opts);
	opt_print_table(f, command_help_opt);
	fputs("\nGlobal options:\n", f);
	opt_print_table(f, cli_global_opts);
	if (!(c->flags & CMD_JSON))
		fprintf(f, "  (--json is not supported by '%s')\n", c->name);
	print_exit_codes(f);
}

int cli_print_json(const struct cli *cli, char *text)
{
	if (!text) {
		cli_error(cli, "out of memory while writing JSON");
		return CLI_EXIT_IO;
	}
	fputs(text, stdout);
	fputc('\n', stdout);
	free(text);
	return CLI_EXIT_OK;
}

int cli_number(const char *arg, long min, long max, long *out)
{
	char *end;
	if (*arg < '0' || *arg > '9')
		return -1;
	long v = strtol(arg, &end, 10);
	if (*end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

long cli_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}
