/* What push and pull share: the registry options, and the credentials the CLI reads for the core (from
 * CRC_REGISTRY_USERNAME and CRC_REGISTRY_PASSWORD, else the Docker-style file $CRC_REGISTRY_AUTH or
 * ~/.config/crc/auth.json; never from the command line). */
#ifndef CRC_CLI_REMOTE_H
#define CRC_CLI_REMOTE_H

#include "cli.h"
#include "crc/registry.h"

#define REMOTE_OPT_PLAIN_HTTP 910
#define REMOTE_OPT_CHUNK 911
/* The options of both commands, and push's own. */
#define REMOTE_OPTS                                                                         \
	{                                                                                   \
		REMOTE_OPT_PLAIN_HTTP, 0, "plain-http", NULL,                               \
			"speak plain HTTP to a registry that is not loopback (like skopeo " \
			"--tls-verify=false)"                                               \
	}
#define REMOTE_PUSH_OPTS                                                                                   \
	REMOTE_OPTS,                                                                                       \
	{                                                                                                  \
		REMOTE_OPT_CHUNK, 0, "chunk-size", "BYTES",                                                \
			"upload blobs larger than BYTES in chunks of BYTES (default: 16 MiB above 32 MiB)" \
	}

/* Takes a REMOTE_OPTS or REMOTE_PUSH_OPTS option into o (returns 1), 0 for any other id, CLI_STOP with
 * *status for a bad value. */
int remote_option(const struct cli *cli, struct crc_registry_options *o, int id, const char *value,
		  int *status);

/* Opens the registry of host with o and the credentials the environment gives for it. Returns 0, or an
 * exit code after reporting the problem. */
int remote_open(const struct cli *cli, struct crc_registry **out, const char *host,
		struct crc_registry_options *o);

#endif
