/* bootstrap: noa as an AWS Lambda custom runtime. It owns the environment, stderr and exit codes; the
 * Runtime API loop lives here, HTTP framing in libnoa's noa/http.h, sockets in conn.c and event handling
 * in libnoa's noa/lambda.h. Start-up reads AWS_LAMBDA_RUNTIME_API (exit 3 when it is unusable: there is
 * nowhere to report), then _HANDLER, NOA_KERNEL and NOA_SYSROOT; a bad one is posted to init/error and
 * exits 3. Each invocation is answered on /response or /error; when the API goes away (connection
 * refused, reset, closed) bootstrap exits 5. Routes and error types are listed in runtime/README.md. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "noa/error.h"
#include "noa/hardware.h"
#include "noa/http.h"
#include "noa/kernels.h"
#include "noa/lambda.h"
#include "noa/model.h"
#include "noa/sysroot.h"

extern char **environ;

enum { EXIT_OK = 0, EXIT_INPUT = 3, EXIT_IO = 5 };

#define API_PREFIX "/2018-06-01/runtime"
/* Seconds a POST may take; the next-invocation GET waits for ever. */
#define POST_TIMEOUT_S 30
/* Longest request id kept. */
#define MAX_REQUEST_ID 128

/* Everything the loop needs. */
struct runtime {
	struct conn_addr api;
	struct noa_lambda_context ctx;
	struct noa_model *model;
};

static void die_message(const char *what)
{
	fprintf(stderr, "bootstrap: %s\n", what);
}

/* POSTs an error document to path. Returns 0, CONN_EGONE or CONN_EFAIL (reported). */
static int post_error(const struct conn_addr *api, const char *path, const char *type, const char *msg)
{
	struct noa_http_header h = {"Lambda-Runtime-Function-Error-Type", type};
	struct noa_http_parser *p = malloc(sizeof *p);
	char *body = NULL, why[512];
	size_t len;
	int rc = CONN_EFAIL;
	if (p == NULL || noa_lambda_error_json(&body, &len, type, msg) != 0) {
		die_message("out of memory writing an error document");
		goto out;
	}
	noa_http_parser_init(p, NULL);
	rc = conn_exchange(p, api, "POST", path, &h, 1, body, len, POST_TIMEOUT_S, why, sizeof why);
	if (rc != 0)
		die_message(why);
	else if (noa_http_status(p) / 100 != 2)
		fprintf(stderr, "bootstrap: POST %s: status %d\n", path, noa_http_status(p));
	noa_http_parser_free(p);
out:
	free(p);
	free(body);
	return rc;
}

/* Reports a start-up failure on stderr and to init/error; returns the exit code. */
static int init_error(const struct conn_addr *api, const char *type, const char *msg)
{
	fprintf(stderr, "bootstrap: init: %s: %s\n", type, msg);
	post_error(api, API_PREFIX "/init/error", type, msg);
	return EXIT_INPUT;
}

/* Reads the configuration the handler needs from the environment into rt. Returns 0 or the exit code. */
static int init(struct runtime *rt)
{
	struct noa_env env = {(const char *const *)environ};
	struct noa_cpu cpu;
	const char *features[NOA_MAX_FEATURES];
	char msg[512];
	memset(&rt->ctx, 0, sizeof rt->ctx);
	const char *handler = noa_env_get(&env, "_HANDLER");
	if (handler && handler[0] && strcmp(handler, "noa") != 0 && strcmp(handler, "bootstrap") != 0) {
		if (!noa_lambda_action_valid(handler)) {
			snprintf(msg, sizeof msg,
				 "_HANDLER '%.100s' is not noa, bootstrap or an action (probe, target, plan, "
				 "infer)",
				 handler);
			return init_error(&rt->api, "Runtime.InvalidHandler", msg);
		}
		rt->ctx.default_action = handler;
	}
	const char *sysroot = noa_env_get(&env, "NOA_SYSROOT");
	if (noa_sysroot_init(&rt->ctx.src.root, sysroot) != 0) {
		snprintf(msg, sizeof msg, "NOA_SYSROOT '%.100s' is not an existing directory", sysroot);
		return init_error(&rt->api, "Runtime.InvalidSysroot", msg);
	}
	rt->ctx.src.env = env;
	rt->ctx.src.host = sysroot == NULL || sysroot[0] == '\0';
	noa_probe_cpu(&cpu, &rt->ctx.src);
	size_t nfeatures = noa_cpu_feature_names(&cpu, features, NOA_MAX_FEATURES);
	const char *forced = noa_env_get(&env, "NOA_KERNEL");
	if (noa_kernels_select(&rt->ctx.kernels, features, nfeatures, forced) != 0) {
		snprintf(msg, sizeof msg, "NOA_KERNEL '%.32s' is unknown, not compiled in or not supported",
			 forced);
		return init_error(&rt->api, "Runtime.InvalidKernel", msg);
	}
	if (noa_model_create(&rt->model, rt->ctx.kernels) != 0)
		return init_error(&rt->api, "Runtime.InitFailed", "out of memory creating the model");
	rt->ctx.model = rt->model;
	noa_policy_defaults(&rt->ctx.policy);
	return 0;
}

/* Milliseconds since the epoch. */
static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Parses a deadline in epoch milliseconds: digits only. Returns -1 when malformed. */
static int64_t parse_deadline(const char *s)
{
	int64_t v = 0;
	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* Whether id is a usable request id: letters, digits and '-', at most MAX_REQUEST_ID long. */
static int request_id_ok(const char *id)
{
	size_t n = 0;
	if (!id || !*id)
		return 0;
	for (; *id; id++, n++)
		if (!((*id >= '0' && *id <= '9') || (*id >= 'a' && *id <= 'z') ||
		      (*id >= 'A' && *id <= 'Z') || *id == '-') ||
		    n >= MAX_REQUEST_ID)
			return 0;
	return 1;
}

/* Answers one invocation whose event is in p. Returns 0 or a CONN_* code. */
static int invoke(struct runtime *rt, const char *id, struct noa_http_parser *next)
{
	char path[256], msg[600];
	struct noa_lambda_error err;
	const char *trace = noa_http_header_get(next, "Lambda-Runtime-Trace-Id");
	const char *deadline_s = noa_http_header_get(next, "Lambda-Runtime-Deadline-Ms");
	int64_t deadline = parse_deadline(deadline_s);
	char *out = NULL;
	size_t out_len, event_len;
	const char *event = noa_http_body(next, &event_len);
	int rc;

	/* The X-Ray trace id of this invocation, for whatever the handler runs. */
	if (trace && trace[0])
		rc = setenv("_X_AMZN_TRACE_ID", trace, 1);
	else
		rc = unsetenv("_X_AMZN_TRACE_ID");
	if (rc != 0)
		fprintf(stderr, "bootstrap: %s: _X_AMZN_TRACE_ID: %s\n", id, strerror(errno));
	/* setenv may move environ. */
	rt->ctx.src.env.vars = (const char *const *)environ;

	snprintf(path, sizeof path, API_PREFIX "/invocation/%s/error", id);
	if (deadline_s && deadline < 0) {
		snprintf(msg, sizeof msg, "malformed Lambda-Runtime-Deadline-Ms '%.40s'", deadline_s);
		fprintf(stderr, "bootstrap: %s: %s\n", id, msg);
		return post_error(&rt->api, path, "Runtime.InvalidDeadline", msg);
	}
	if (deadline_s && now_ms() >= deadline) {
		snprintf(msg, sizeof msg, "deadline %s ms has passed; the invocation was not run",
			 deadline_s);
		fprintf(stderr, "bootstrap: %s: %s\n", id, msg);
		return post_error(&rt->api, path, "DeadlineExceeded", msg);
	}
	if (noa_lambda_handle(&out, &out_len, &rt->ctx, event, event_len, &err) != 0) {
		fprintf(stderr, "bootstrap: %s: %s: %s\n", id, err.type, err.msg);
		return post_error(&rt->api, path, err.type, err.msg);
	}
	struct noa_http_parser *p = malloc(sizeof *p);
	if (p == NULL) {
		free(out);
		return post_error(&rt->api, path, "HandlerFailed", "out of memory");
	}
	noa_http_parser_init(p, NULL);
	snprintf(path, sizeof path, API_PREFIX "/invocation/%s/response", id);
	rc = conn_exchange(p, &rt->api, "POST", path, NULL, 0, out, out_len, POST_TIMEOUT_S, msg, sizeof msg);
	if (rc != 0)
		die_message(msg);
	else if (noa_http_status(p) / 100 != 2)
		fprintf(stderr, "bootstrap: %s: POST %s: status %d\n", id, path, noa_http_status(p));
	noa_http_parser_free(p);
	free(p);
	free(out);
	return rc;
}

/* Serves invocations until the API goes away or misbehaves. Returns the exit code. */
static int serve(struct runtime *rt)
{
	struct noa_http_parser *p = malloc(sizeof *p);
	char why[512];
	int rc = EXIT_IO;
	if (p == NULL) {
		die_message("out of memory");
		return EXIT_IO;
	}
	for (;;) {
		noa_http_parser_init(p, NULL);
		int c = conn_exchange(p, &rt->api, "GET", API_PREFIX "/invocation/next", NULL, 0, NULL, 0, 0,
				      why, sizeof why);
		if (c != 0) {
			fprintf(stderr, "bootstrap: %s%s\n",
				c == CONN_EGONE ? "the Runtime API went away: " : "", why);
			break;
		}
		if (noa_http_status(p) != 200) {
			fprintf(stderr, "bootstrap: GET next invocation: status %d\n", noa_http_status(p));
			break;
		}
		const char *id = noa_http_header_get(p, "Lambda-Runtime-Aws-Request-Id");
		if (!request_id_ok(id)) {
			fprintf(stderr, "bootstrap: next invocation has a missing or malformed request id\n");
			break;
		}
		char idbuf[MAX_REQUEST_ID + 1];
		snprintf(idbuf, sizeof idbuf, "%s", id);
		c = invoke(rt, idbuf, p);
		noa_http_parser_free(p);
		if (c == CONN_EGONE) {
			fprintf(stderr, "bootstrap: the Runtime API went away\n");
			break;
		}
	}
	noa_http_parser_free(p);
	free(p);
	return rc;
}

int main(void)
{
	struct runtime rt;
	char why[256];
	memset(&rt, 0, sizeof rt);
	if (conn_addr_parse(&rt.api, getenv("AWS_LAMBDA_RUNTIME_API"), why, sizeof why) != 0) {
		fprintf(stderr, "bootstrap: %s; cannot reach the Runtime API\n", why);
		return EXIT_INPUT;
	}
	int rc = init(&rt);
	if (rc == 0)
		rc = serve(&rt);
	noa_model_free(rt.model);
	return rc;
}
