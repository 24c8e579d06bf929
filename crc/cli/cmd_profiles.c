/* crc profiles [--json]: every profile under profiles/ with its description and targets. Each profile
 * is loaded in full, so a broken one is reported (and the exit code says so) while the rest still list. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "crc/gates.h"
#include "crc/json.h"
#include "crc/profile.h"
#include "exit.h"

static void print_text(const struct crc_profile *p)
{
	printf("%-10s %s\n%-10s targets: ", p->name, p->description, "");
	for (size_t i = 0; i < p->ntargets; i++)
		printf("%s%s", i ? ", " : "", p->targets[i].triple);
	putchar('\n');
}

int cmd_profiles(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	struct crc_error err;
	char **names;
	size_t n;
	int id, status = CLI_EXIT_OK;
	cli_parse_begin(cli, &op, argc, argv);
	while ((id = cli_next(cli, &op, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		return cli_usage(cli, "unexpected argument '%s'", op.arg);
	}
	struct crc_gates *gates = NULL;
	int rc = crc_gates_load(&gates, ".", &err);
	if (rc) {
		char msg[2 * CRC_ERROR_MSG_MAX];
		crc_error_format(&err, msg, sizeof msg);
		cli_error(cli, "%s", msg);
		return cli_exit_for(rc);
	}
	if ((rc = crc_profile_list(&names, &n, ".", &err)) != 0) {
		crc_gates_free(gates);
		cli_error(cli, "%s", err.msg);
		return cli_exit_for(rc);
	}
	struct crc_json *list = cli->json ? crc_json_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		struct crc_profile *p;
		char msg[2 * CRC_ERROR_MSG_MAX];
		rc = crc_profile_load(&p, ".", gates, names[i], NULL, 0, &err);
		if (rc) {
			crc_error_format(&err, msg, sizeof msg);
			cli_error(cli, "%s", msg);
			status = cli_exit_for(rc);
			continue;
		}
		if (!cli->json) {
			print_text(p);
		} else {
			struct crc_json *o = crc_json_object(), *t = crc_json_array();
			int bad = !o || crc_json_set(o, "targets", t) ||
				  crc_json_set_str(o, "name", p->name) ||
				  crc_json_set_str(o, "description", p->description);
			for (size_t k = 0; !bad && k < p->ntargets; k++)
				bad = crc_json_push_str(t, p->targets[k].triple);
			if (bad || crc_json_push(list, o))
				status = CLI_EXIT_IO;
		}
		crc_profile_free(p);
	}
	free(names);
	crc_gates_free(gates);
	if (cli->json) {
		struct crc_json *doc = crc_json_object();
		char *text = NULL;
		if (doc && crc_json_set_str(doc, "schema", "crc.profiles/v1") == 0 &&
		    crc_json_set(doc, "profiles", list) == 0)
			text = crc_json_render(doc, 1);
		else if (!doc)
			crc_json_free(list);
		crc_json_free(doc);
		int prc = cli_print_json(cli, text);
		if (status == CLI_EXIT_OK)
			status = prc;
	}
	return status;
}
