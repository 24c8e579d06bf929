/* crc keygen --out KEY [--json]: a new Ed25519 key pair for signing drops (crc_sign_keygen): the private
 * key at KEY (mode 0600) and the public key at KEY.pub. An existing file is never overwritten. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "crc/json.h"
#include "crc/sign.h"
#include "exit.h"

enum { O_OUT = 1 };

const struct opt cmd_keygen_opts[] = {
	{O_OUT, 0, "out", "KEY", "write the private key to KEY and the public key to KEY.pub (required)"},
	{0, 0, NULL, NULL, NULL},
};

static char *keygen_json(const char *key, const char *pub, const char *id)
{
	struct crc_json *o = crc_json_object();
	char *text = NULL;
	if (o && crc_json_set_str(o, "schema", "crc.keygen/v1") == 0 &&
	    crc_json_set_str(o, "private_key", key) == 0 && crc_json_set_str(o, "public_key", pub) == 0 &&
	    crc_json_set_str(o, "key_id", id) == 0)
		text = crc_json_render(o, 1);
	crc_json_free(o);
	return text;
}

int cmd_keygen(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	struct crc_error err;
	const char *key = NULL;
	char id[CRC_SIGN_KEY_ID_SIZE], pub[4096];
	int id_opt, status, rc;
	cli_parse_begin(cli, &op, argc, argv);
	while ((id_opt = cli_next(cli, &op, &status)) != OPT_END) {
		if (id_opt == CLI_STOP)
			return status;
		if (id_opt == O_OUT)
			key = op.arg;
		else
			return cli_usage(cli, "unexpected argument '%s'", op.arg);
	}
	if (!key || !key[0])
		return cli_usage(cli, "missing --out KEY (where the private key goes; the public key goes to "
				      "KEY.pub)");
	int w = snprintf(pub, sizeof pub, "%s.pub", key);
	if (w < 0 || (size_t)w >= sizeof pub)
		return cli_usage(cli, "--out path too long");
	if ((rc = crc_sign_keygen(id, key, &err)))
		return cli_report(cli, rc, &err);
	if (cli->json)
		return cli_print_json(cli, keygen_json(key, pub, id));
	printf("private key: %s (mode 0600: keep it secret)\npublic key:  %s\nkey id:      %s\n", key, pub,
	       id);
	return CLI_EXIT_OK;
}
