/* The policy file reader for builds without libyaml (wasm32): there are no policy files, only --set. */
#include "noa/policy.h"

#include <stdio.h>

#include "noa/error.h"

int noa_policy_files_supported(void)
{
	return 0;
}

int noa_policy_parse(struct noa_policy *p, const char *name, const char *text, size_t len,
		     struct noa_policy_error *err)
{
	(void)p;
	(void)text;
	(void)len;
	err->line = err->col = 0;
	snprintf(err->msg, sizeof err->msg,
		 "%.256s: policy files need libyaml, which this build lacks; use --set", name);
	return NOA_EINVALID;
}
