/* The event reader of bootstrap's handler (noa/lambda.h): a small strict JSON reader for one event object,
 * which keeps only what the actions need (action, policy settings, model input, seed) and refuses
 * everything else with a message naming it. Caps: NOA_LAMBDA_MAX_EVENT bytes and NOA_LAMBDA_MAX_DEPTH
 * levels (noa/lambda.h); every string is read through and at most NOA_LAMBDA_EVENT_MAX_STR - 1 bytes of
 * it kept; the work is linear in the event's length (two passes). Internal to libnoa; fuzzed
 * (tests/fuzz/fuzz_lambda_event.c). */
#ifndef NOA_LAMBDA_EVENT_H
#define NOA_LAMBDA_EVENT_H

#include <stddef.h>

#include "noa/lambda.h"
#include "noa/model.h"

/* Most policy members an event may carry (each key once, and there are five). */
#define NOA_LAMBDA_EVENT_MAX_SETTINGS 8
/* Longest string kept from an event (actions, policy keys), with its NUL. */
#define NOA_LAMBDA_EVENT_MAX_STR 64

/* What an event asked for. */
struct noa_lambda_event {
	char action[NOA_LAMBDA_EVENT_MAX_STR];
	int have_action, have_policy, have_input, have_seed;
	/* The policy members in event order: each a key of noa_policy_key_type and its value's text. */
	int nsettings;
	char keys[NOA_LAMBDA_EVENT_MAX_SETTINGS][NOA_LAMBDA_EVENT_MAX_STR];
	char values[NOA_LAMBDA_EVENT_MAX_SETTINGS][NOA_LAMBDA_EVENT_MAX_STR];
	float input[NOA_MODEL_INPUTS];
	unsigned seed;
};

/* Parses and checks the len bytes at event (any bytes) into *ev; an event without "action" takes
 * default_action (NULL: "action" is required). Returns 0, or NOA_EINVALID with err filled (type
 * "InvalidEvent", "UnknownAction" or "InvalidPolicy"). */
int noa_lambda_event_parse(struct noa_lambda_event *ev, const char *event, size_t len,
			   const char *default_action, struct noa_lambda_error *err);

/* Fills err with type and the formatted message (cut with "..." when too long). Returns NOA_ENOMEM for
 * "HandlerFailed", else NOA_EINVALID. */
__attribute__((format(printf, 3, 4))) int noa_lambda_fail(struct noa_lambda_error *err, const char *type,
							  const char *fmt, ...);

#endif
