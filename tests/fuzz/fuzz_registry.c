/* libFuzzer target for the registry's parsers of untrusted text (crc/registry.h): every input is read as a
 * reference (what a user or a script passes to crc push and pull), as a WWW-Authenticate header (what a
 * registry sends) and as a credentials file for two hosts. A rejection must carry a message; an accepted
 * reference must have a host and a repository that parse again to the same parts, and a tag or digest of
 * the documented shape; an accepted Bearer challenge must have an http(s) realm. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "crc/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void fuzz_ref(const char *text)
{
	struct crc_registry_ref r, again;
	struct crc_error err;
	char back[1200];
	err.msg[0] = '\0';
	if (crc_registry_ref_parse(&r, text, &err)) {
		check(err.msg[0] != '\0');
		return;
	}
	check(r.host[0] && r.repo[0] && strlen(r.tag) <= CRC_REGISTRY_TAG_MAX);
	check(!r.digest[0] || strlen(r.digest) == 71);
	snprintf(back, sizeof back, "%s/%s%s%s%s%s", r.host, r.repo, r.tag[0] ? ":" : "", r.tag,
		 r.digest[0] ? "@" : "", r.digest);
	check(strcmp(back, text) == 0);
	check(crc_registry_ref_parse(&again, back, &err) == 0 && memcmp(&r, &again, sizeof r) == 0);
}

static void fuzz_challenge(const char *text)
{
	struct crc_registry_challenge c;
	struct crc_error err;
	err.msg[0] = '\0';
	if (crc_registry_challenge_parse(&c, text, &err)) {
		check(err.msg[0] != '\0');
		return;
	}
	check(c.scheme == CRC_REGISTRY_BASIC || c.scheme == CRC_REGISTRY_BEARER);
	if (c.scheme == CRC_REGISTRY_BEARER)
		check(strncmp(c.realm, "http://", 7) == 0 || strncmp(c.realm, "https://", 8) == 0);
}

static void fuzz_auth(const char *text, size_t size)
{
	struct crc_registry_creds c;
	struct crc_error err;
	int found = 7;
	static const char *hosts[] = {"127.0.0.1:5000", "h"};
	char line[64];
	for (size_t i = 0; i < 2; i++) {
		err.msg[0] = '\0';
		if (crc_registry_auth_parse(&c, &found, "auth.json", text, size, hosts[i], &err)) {
			check(err.msg[0] != '\0' && found == 0 && c.password[0] == '\0');
			continue;
		}
		check(found == 0 || found == 1);
		check(!found || c.username[0]);
	}
	crc_registry_error_text(line, sizeof line, text, size);
	check(strlen(line) < sizeof line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_ref(text);
	fuzz_challenge(text);
	fuzz_auth(text, size);
	free(text);
	return 0;
}
