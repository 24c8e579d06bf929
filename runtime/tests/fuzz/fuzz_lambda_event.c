/* libFuzzer target for the Lambda handler's event reader (src/lambda_event.h), whose input is whatever
 * invokes the function. The first byte selects the default action (bit 0: none, so "action" is required;
 * else "probe"); the rest is the event, copied to exactly its length so that a read past it is reported.
 * Besides sanitizer reports, a result outside what lambda_event.h promises aborts: a refusal has one of
 * the three error types and a terminated, non-empty message; an accepted event has a known action, known
 * policy keys each once (for the plan action only), input or seed for the infer action only. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lambda_event.h"
#include "noa/error.h"
#include "noa/policy.h"

/* The entry point libFuzzer (or tests/fuzz/replay.c) calls once per input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void check_event(const struct noa_lambda_event *ev)
{
	if (!terminated(ev->action, sizeof ev->action) || !noa_lambda_action_valid(ev->action))
		abort();
	if (ev->nsettings < 0 || ev->nsettings > NOA_LAMBDA_EVENT_MAX_SETTINGS)
		abort();
	if ((ev->nsettings || ev->have_policy) && strcmp(ev->action, "plan") != 0)
		abort();
	if ((ev->have_input || ev->have_seed) && strcmp(ev->action, "infer") != 0)
		abort();
	if (ev->have_input && ev->have_seed)
		abort();
	for (int i = 0; i < ev->nsettings; i++) {
		if (!terminated(ev->keys[i], sizeof ev->keys[i]) ||
		    !terminated(ev->values[i], sizeof ev->values[i]))
			abort();
		if (!noa_policy_key_type(ev->keys[i]))
			abort();
		for (int k = 0; k < i; k++)
			if (strcmp(ev->keys[i], ev->keys[k]) == 0)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct noa_lambda_event ev;
	struct noa_lambda_error err;
	if (size == 0)
		return 0;
	const char *default_action = (data[0] & 1) ? NULL : "probe";
	size_t len = size - 1;
	char *copy = malloc(len ? len : 1);
	if (!copy)
		return 0;
	if (len)
		memcpy(copy, data + 1, len);
	memset(&err, 0, sizeof err);
	int rc = noa_lambda_event_parse(&ev, copy, len, default_action, &err);
	if (rc == 0) {
		check_event(&ev);
	} else {
		if (rc != NOA_EINVALID || !terminated(err.msg, sizeof err.msg) || !err.msg[0])
			abort();
		if (strcmp(err.type, "InvalidEvent") != 0 && strcmp(err.type, "UnknownAction") != 0 &&
		    strcmp(err.type, "InvalidPolicy") != 0)
			abort();
	}
	free(copy);
	return 0;
}
