/* The event handler of bootstrap, noa's AWS Lambda custom runtime: one invocation's event (a JSON object
 * {"action": "probe"|"target"|"plan"|"infer", ...}) in, the JSON document the matching noa command prints
 * out, or an error with a Lambda error type. The Runtime API loop, HTTP and the environment belong to
 * the program (runtime/bootstrap/); this module is pure apart from the probe's reads through src.
 *
 * Events (at most NOA_LAMBDA_MAX_EVENT bytes, strict RFC 8259 JSON, unknown members refused):
 *   {"action": "probe"}                      -> noa.hardware/v1, as `noa probe --json`
 *   {"action": "target"}                     -> noa.target/v1, as `noa target --json`
 *   {"action": "plan", "policy": {KEY: V}}   -> noa.plan/v1, as `noa plan --json --set KEY=V ...`
 *   {"action": "infer", "input": [64 numbers]} or {"action": "infer", "seed": N}
 *                                            -> {"schema": "noa.infer/v1", "kernel", "outputs": [16]}
 * "action" may be left out when the context has a default action (bootstrap takes it from _HANDLER). */
#ifndef NOA_LAMBDA_H
#define NOA_LAMBDA_H

#include <stddef.h>

#include "noa/hardware.h"
#include "noa/policy.h"

/* Largest event accepted (Lambda's synchronous payload limit). */
#define NOA_LAMBDA_MAX_EVENT ((size_t)6 * 1024 * 1024)
/* Deepest nesting accepted in an event. */
#define NOA_LAMBDA_MAX_DEPTH 32

struct noa_model;
struct noa_kernels;

/* What the handler works with; filled once at start-up by the program and shared by every invocation. */
struct noa_lambda_context {
	/* Where the probe reads files and the environment (borrowed). */
	struct noa_probe_source src;
	/* The kernel table the model computes with, and the model (both borrowed). */
	const struct noa_kernels *kernels;
	const struct noa_model *model;
	/* The policy plan events start from, before their "policy" member. */
	struct noa_policy policy;
	/* The action of events without "action"; NULL when "action" is required. */
	const char *default_action;
};

/* Why an invocation failed: type is a Lambda errorType ("InvalidEvent", "UnknownAction",
 * "InvalidPolicy", "HandlerFailed"), msg the errorMessage. */
struct noa_lambda_error {
	char type[32];
	char msg[512];
};

/* Returns 1 when name is an action ("probe", "target", "plan", "infer"), else 0. */
int noa_lambda_action_valid(const char *name);

/* Handles one event (len bytes at event, any bytes). On success *out is the response document (owned by
 * the caller, free()) and *out_len its length; returns 0. Otherwise returns NOA_EINVALID (a bad event:
 * malformed JSON, wrong members or values) or NOA_ENOMEM with err filled. */
int noa_lambda_handle(char **out, size_t *out_len, const struct noa_lambda_context *ctx, const char *event,
		      size_t len, struct noa_lambda_error *err);

/* Renders {"errorMessage": msg, "errorType": type} (owned by the caller, free()). Returns 0 or
 * NOA_ENOMEM. */
int noa_lambda_error_json(char **out, size_t *out_len, const char *type, const char *msg);

#endif
