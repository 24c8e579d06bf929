/* Registry options and credentials for push and pull (remote.h). */
#include "remote.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exit.h"

int remote_option(const struct cli *cli, struct crc_registry_options *o, int id, const char *value,
		  int *status)
{
	long v;
	switch (id) {
	case REMOTE_OPT_PLAIN_HTTP:
		o->plain_http = 1;
		return 1;
	case REMOTE_OPT_CHUNK:
		if (cli_number(value, 1, 1L << 30, &v)) {
			*status = cli_usage(cli, "bad --chunk-size '%s' (expected 1 to 1073741824 bytes)",
					    value);
			return CLI_STOP;
		}
		o->chunk_threshold = o->chunk_size = (unsigned long long)v;
		return 1;
	default:
		return 0;
	}
}

/* Reads the credentials file at path into text (at most the core's cap); a missing file is *missing. */
static int read_auth_file(const struct cli *cli, const char *path, char **text, size_t *len, int *missing)
{
	*text = NULL;
	*len = 0;
	*missing = 0;
	/* Not blocking, and a regular file only: a FIFO or device there is refused, not waited on. It may be
	 * a symlink (credential helpers keep the file elsewhere). */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		cli_error(cli, "credentials file %s: not a regular file", path);
		return CLI_EXIT_INPUT;
	}
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			*missing = 1;
			return 0;
		}
		cli_error(cli, "cannot open credentials file %s: %s", path, strerror(errno));
		return CLI_EXIT_INPUT;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		cli_error(cli, "credentials file %s: not a regular file", path);
		close(fd);
		return CLI_EXIT_INPUT;
	}
	char *buf = malloc(CRC_REGISTRY_AUTH_FILE_MAX + 1);
	size_t n = 0;
	ssize_t r = 0;
	while (buf && n <= CRC_REGISTRY_AUTH_FILE_MAX &&
	       (r = read(fd, buf + n, CRC_REGISTRY_AUTH_FILE_MAX + 1 - n)) > 0)
		n += (size_t)r;
	int e = errno;
	close(fd);
	if (!buf) {
		cli_error(cli, "out of memory");
		return CLI_EXIT_IO;
	}
	if (r < 0) {
		free(buf);
		cli_error(cli, "cannot read credentials file %s: %s", path, strerror(e));
		return CLI_EXIT_INPUT;
	}
	*text = buf;
	*len = n;
	return 0;
}

int remote_open(const struct cli *cli, struct crc_registry **out, const char *host,
		struct crc_registry_options *o)
{
	struct crc_registry_creds creds;
	struct crc_error err;
	char path[4096];
	int status = 0, found = 0, missing = 0;
	char *text = NULL;
	size_t len = 0;
	const char *user = getenv("CRC_REGISTRY_USERNAME"), *pass = getenv("CRC_REGISTRY_PASSWORD");
	const char *file = getenv("CRC_REGISTRY_AUTH"), *home = getenv("HOME");
	memset(&creds, 0, sizeof creds);
	if (user && *user) {
		if (!pass || strlen(user) >= sizeof creds.username || strlen(pass) >= sizeof creds.password) {
			cli_error(
				cli,
				"CRC_REGISTRY_USERNAME needs CRC_REGISTRY_PASSWORD (and both must be shorter "
				"than 256 and 512 bytes)");
			return CLI_EXIT_INPUT;
		}
		memcpy(creds.username, user, strlen(user) + 1);
		memcpy(creds.password, pass, strlen(pass) + 1);
		found = 1;
	} else {
		int n = file && *file   ? snprintf(path, sizeof path, "%s", file)
			: home && *home ? snprintf(path, sizeof path, "%s/.config/crc/auth.json", home)
					: -1;
		if (n >= 0 && (size_t)n >= sizeof path) {
			cli_error(cli, "credentials file path too long");
			return CLI_EXIT_INPUT;
		}
		if (n >= 0 && (status = read_auth_file(cli, path, &text, &len, &missing)) != 0)
			return status;
		if (missing && file && *file) {
			cli_error(cli, "credentials file %s (CRC_REGISTRY_AUTH) does not exist", path);
			return CLI_EXIT_INPUT;
		}
		if (text) {
			int rc = crc_registry_auth_parse(&creds, &found, path, text, len, host, &err);
			memset(text, 0, len);
			free(text);
			if (rc) {
				char msg[2 * CRC_ERROR_MSG_MAX];
				crc_error_format(&err, msg, sizeof msg);
				cli_error(cli, "%s", msg);
				return cli_exit_for(rc);
			}
		}
	}
	o->creds = found ? &creds : NULL;
	int rc = crc_registry_open(out, host, o, &err);
	o->creds = NULL;
	crc_registry_creds_wipe(&creds);
	if (rc) {
		cli_error(cli, "%s", err.msg);
		return cli_exit_for(rc);
	}
	return 0;
}
