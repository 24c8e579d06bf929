/* crc's entry point: global options, dispatch through the command table, and the final check that
 * stdout really was written. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "crc/version.h"
#include "exit.h"

/* Parses "crc [global options] <command>", then runs the command with argv starting at its name. */
static int run(struct cli *cli, int argc, char **argv)
{
	struct opt_parser p;
	int id, status = CLI_EXIT_OK;
	opt_init(&p, argc, (const char *const *)argv, 1, cli_top_opts, cli_global_opts, NULL);
	while ((id = opt_next(&p)) != OPT_ARG) {
		switch (id) {
		case OPT_END:
			return cli_usage(cli, "no command given; see 'crc --help'");
		case OPT_ERROR:
			return cli_usage(cli, "%s", p.err);
		case GOPT_HELP:
			cli_print_help(stdout);
			return CLI_EXIT_OK;
		case GOPT_VERSION:
			printf("crc %s\n", crc_version());
			return CLI_EXIT_OK;
		default:
			if (cli_global_option(cli, &p, id, &status) == CLI_STOP)
				return status;
		}
	}
	const struct command *cmd = cli_find_command(p.arg);
	if (!cmd)
		return cli_unknown_command(cli, p.arg);
	cli->cmd = cmd;
	return cmd->run(cli, argc - (p.i - 1), argv + (p.i - 1));
}

int main(int argc, char **argv)
{
	struct cli cli;
	memset(&cli, 0, sizeof cli);
	cli.storage = "storage/artifacts";
	int status = run(&cli, argc, argv);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli.cmd = NULL;
		cli_error(&cli, "cannot write standard output: %s", strerror(errno));
		return CLI_EXIT_IO;
	}
	return status;
}
