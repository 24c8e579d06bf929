/* libFuzzer target for deploy's state-file parser (crc_deploy_state_parse, the text of
 * DIR/.crc-deploy.state): any bytes must give the two histories or one error, never a crash, a leak,
 * undefined behaviour or a hang. Every promise about an accepted text is checked (release ids only, none
 * twice in a list, within the cap), and the histories written back in crc's own form must parse to the
 * same lists. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc/deploy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A release id: [A-Za-z0-9._-], 1 to CRC_DEPLOY_ID_MAX bytes, not starting with '.'. */
static int release_id(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
	return n > 0 && n <= CRC_DEPLOY_ID_MAX && s[n] == '\0' && s[0] != '.';
}

static void check_list(const struct crc_deploy_id *v, size_t n)
{
	if (n > CRC_DEPLOY_MAX_HISTORY || (n && !v))
		__builtin_trap();
	for (size_t i = 0; i < n; i++) {
		if (!release_id(v[i].s))
			__builtin_trap();
		for (size_t j = 0; j < i; j++)
			if (strcmp(v[i].s, v[j].s) == 0)
				__builtin_trap();
	}
}

static int same_list(const struct crc_deploy_id *a, size_t na, const struct crc_deploy_id *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i].s, b[i].s) != 0)
			return 0;
	return 1;
}

/* Writes st back as crc writes a state file and parses that again. */
static void round_trip(const struct crc_deploy_state *st)
{
	size_t cap = 32 + (st->nreleases + st->nbefore) * (CRC_DEPLOY_ID_MAX + 16), len = 0;
	char *text = malloc(cap);
	struct crc_deploy_state again;
	struct crc_error err;
	if (!text)
		return;
	len += (size_t)snprintf(text + len, cap - len, "crc.deploy-state/v1\n");
	for (size_t i = 0; i < st->nreleases; i++)
		len += (size_t)snprintf(text + len, cap - len, "release %s\n", st->releases[i].s);
	for (size_t i = 0; i < st->nbefore; i++)
		len += (size_t)snprintf(text + len, cap - len, "before %s\n", st->before[i].s);
	if (crc_deploy_state_parse(&again, "state", text, len, &err) != 0 ||
	    !same_list(again.releases, again.nreleases, st->releases, st->nreleases) ||
	    !same_list(again.before, again.nbefore, st->before, st->nbefore))
		__builtin_trap();
	crc_deploy_state_free(&again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crc_deploy_state st;
	struct crc_error err;
	int rc = crc_deploy_state_parse(&st, "state", (const char *)data, size, &err);
	if (rc == 0) {
		check_list(st.releases, st.nreleases);
		check_list(st.before, st.nbefore);
		round_trip(&st);
		crc_deploy_state_free(&st);
	} else if (st.releases || st.before || st.nreleases || st.nbefore || err.msg[0] == '\0' ||
		   strcmp(err.path, "state") != 0 || (rc != CRC_EINVALID && rc != CRC_ENOMEM)) {
		__builtin_trap();
	}
	crc_deploy_state_free(&st);
	return 0;
}
