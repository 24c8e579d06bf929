/* crc version [--json]: crc's version and revision, and the library versions it runs with. */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "crc/json.h"
#include "crc/version.h"
#include "exit.h"

static char *version_json(const struct crc_library_versions *lv)
{
	struct crc_json *root = crc_json_object(), *libs = crc_json_object();
	char *text = NULL;
	if (!root || !libs) {
		crc_json_free(libs);
		goto out;
	}
	if (crc_json_set_str(libs, "libyaml", lv->libyaml) ||
	    crc_json_set_str(libs, "libarchive", lv->libarchive) ||
	    crc_json_set_str(libs, "openssl", lv->openssl) || crc_json_set_str(libs, "cjson", lv->cjson)) {
		crc_json_free(libs);
		goto out;
	}
	if (crc_json_set_str(root, "schema", "crc.version/v1") || crc_json_set_str(root, "name", "crc") ||
	    crc_json_set_str(root, "version", crc_version()) ||
	    crc_json_set_str(root, "revision", crc_revision()) || crc_json_set(root, "libraries", libs))
		goto out;
	text = crc_json_render(root, 1);
out:
	crc_json_free(root);
	return text;
}

int cmd_version(struct cli *cli, int argc, char **argv)
{
	struct opt_parser p;
	struct crc_library_versions lv;
	int id, status;
	cli_parse_begin(cli, &p, argc, argv);
	while ((id = cli_next(cli, &p, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		return cli_usage(cli, "unexpected argument '%s'", p.arg);
	}
	crc_library_versions(&lv);
	if (cli->json)
		return cli_print_json(cli, version_json(&lv));
	printf("crc %s (revision %s)\n", crc_version(), crc_revision());
	printf("libraries: libyaml %s, %s, %s, cJSON %s\n", lv.libyaml, lv.libarchive, lv.openssl, lv.cjson);
	return CLI_EXIT_OK;
}
