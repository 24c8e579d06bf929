/* crc help [COMMAND]: the whole-program help, or one command's. */
#include "cli.h"
#include "commands.h"
#include "exit.h"

int cmd_help(struct cli *cli, int argc, char **argv)
{
	struct opt_parser p;
	const char *topic = NULL;
	int id, status;
	cli_parse_begin(cli, &p, argc, argv);
	while ((id = cli_next(cli, &p, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		if (topic)
			return cli_usage(cli, "unexpected argument '%s' (help takes one command)", p.arg);
		topic = p.arg;
	}
	if (!topic) {
		cli_print_help(stdout);
		return CLI_EXIT_OK;
	}
	const struct command *c = cli_find_command(topic);
	if (!c)
		return cli_unknown_command(cli, topic);
	cli_print_command_help(stdout, c);
	return CLI_EXIT_OK;
}
