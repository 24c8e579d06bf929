/* bootstrap's event handler (noa/lambda.h): the four actions on an event read by lambda_event.c, and the
 * error document Lambda takes. */
#include "noa/lambda.h"

#include <stdlib.h>
#include <string.h>

#include "lambda_event.h"
#include "noa/error.h"
#include "noa/json.h"
#include "noa/kernels.h"
#include "noa/model.h"
#include "noa/plan.h"
#include "noa/target.h"

/* The infer action's document. */
static void infer_json(struct noa_json *j, const struct noa_lambda_context *ctx,
		       const struct noa_lambda_event *ev)
{
	float in[NOA_MODEL_INPUTS], out[NOA_MODEL_OUTPUTS];
	if (ev->have_input)
		memcpy(in, ev->input, sizeof in);
	else
		noa_model_fill(in, NOA_MODEL_INPUTS, ev->have_seed ? ev->seed : 1u);
	noa_model_infer(ctx->model, out, in);
	noa_json_begin_object(j);
	noa_json_key(j, "schema");
	noa_json_str(j, "noa.infer/v1");
	noa_json_key(j, "kernel");
	noa_json_str(j, ctx->kernels->name);
	noa_json_key(j, "outputs");
	noa_json_begin_array(j);
	for (int i = 0; i < NOA_MODEL_OUTPUTS; i++)
		noa_json_double(j, (double)out[i], 7);
	noa_json_end_array(j);
	noa_json_end_object(j);
}

int noa_lambda_handle(char **out, size_t *out_len, const struct noa_lambda_context *ctx, const char *event,
		      size_t len, struct noa_lambda_error *err)
{
	struct noa_lambda_event *ev = malloc(sizeof *ev);
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_json j;
	int rc;
	*out = NULL;
	*out_len = 0;
	if (ev == NULL)
		return noa_lambda_fail(err, "HandlerFailed", "out of memory");
	rc = noa_lambda_event_parse(ev, event, len, ctx->default_action, err);
	if (rc != 0)
		goto out;
	noa_json_init(&j, 1);
	if (strcmp(ev->action, "infer") == 0) {
		infer_json(&j, ctx, ev);
	} else {
		noa_probe(&hw, &ctx->src);
		noa_target_detect(&t, &ctx->src, &hw);
		if (strcmp(ev->action, "probe") == 0) {
			noa_hardware_json(&j, &hw, &t);
		} else if (strcmp(ev->action, "target") == 0) {
			noa_target_json_document(&j, &t);
		} else {
			struct noa_policy p = ctx->policy;
			struct noa_gates g;
			struct noa_plan plan;
			char reason[256];
			for (int i = 0; i < ev->nsettings; i++) {
				if (noa_policy_set(&p, ev->keys[i], ev->values[i], reason, sizeof reason) !=
				    0) {
					noa_json_free(&j);
					rc = noa_lambda_fail(err, "InvalidPolicy", "policy key '%s': %s",
							     ev->keys[i], reason);
					goto out;
				}
			}
			noa_plan_gates(&g);
			noa_plan_make(&plan, &p, &hw, &t, &g);
			noa_plan_json(&j, &plan);
		}
	}
	rc = noa_json_finish(&j, out, out_len);
	if (rc != 0)
		rc = noa_lambda_fail(err, "HandlerFailed", "cannot write the response: %s", noa_strerror(rc));
out:
	free(ev);
	return rc;
}

int noa_lambda_error_json(char **out, size_t *out_len, const char *type, const char *msg)
{
	struct noa_json j;
	noa_json_init(&j, 0);
	noa_json_begin_object(&j);
	noa_json_key(&j, "errorMessage");
	noa_json_str(&j, msg);
	noa_json_key(&j, "errorType");
	noa_json_str(&j, type);
	noa_json_end_object(&j);
	return noa_json_finish(&j, out, out_len);
}
