/* libFuzzer target for the policy parsers of noa/policy.h: the YAML policy file reader and the --set
 * KEY=VALUE parser. The first byte's low two bits select the parser (0 and 3 the file reader, 1 a --set
 * argument, 2 noa_policy_set on "KEY\nVALUE") and its other bits the reason buffer's size; the rest is
 * the file text or the setting. Besides sanitizer reports, a result outside
 * what policy.h promises aborts. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "noa/error.h"
#include "noa/policy.h"

/* The entry point libFuzzer (or tests/fuzz/replay.c) calls once per input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The name policy file errors start with. */
#define NAME "fuzz.yaml"

/* Aborts unless every value of p is one a policy may hold. */
static void check_policy(const struct noa_policy *p)
{
	if ((p->prefer_gpu != 0 && p->prefer_gpu != 1) ||
	    (p->prefer_lightweight_python_on_low_memory != 0 &&
	     p->prefer_lightweight_python_on_low_memory != 1) ||
	    (p->allow_accelerator_experiments != 0 && p->allow_accelerator_experiments != 1))
		abort();
	if (!(p->min_gpu_memory_gb > 0 && p->min_gpu_memory_gb <= NOA_POLICY_MAX_GIB) ||
	    !(p->lightweight_memory_threshold_gb > 0 &&
	      p->lightweight_memory_threshold_gb <= NOA_POLICY_MAX_GIB) ||
	    !isfinite(p->min_gpu_memory_gb) || !isfinite(p->lightweight_memory_threshold_gb))
		abort();
}

/* Aborts unless err holds a complete message: terminated, not empty, and for a file starting with NAME. */
static void check_error(const struct noa_policy_error *err, const char *prefix)
{
	if (!memchr(err->msg, '\0', sizeof err->msg) || !err->msg[0])
		abort();
	if (strncmp(err->msg, prefix, strlen(prefix)) != 0)
		abort();
	if (err->line < 0 || err->col < 0 || (err->line == 0) != (err->col == 0))
		abort();
}

/* Reads text as a policy file; the copy is exactly len bytes so that a read past it is reported. */
static void fuzz_file(const uint8_t *text, size_t len)
{
	struct noa_policy p;
	struct noa_policy_error err;
	char *copy = malloc(len ? len : 1);
	if (!copy)
		return;
	if (len)
		memcpy(copy, text, len);
	noa_policy_defaults(&p);
	int rc = noa_policy_parse(&p, NAME, copy, len, &err);
	if (rc == 0) {
		check_policy(&p);
	} else {
		if (rc != NOA_EINVALID && rc != NOA_ENOMEM)
			abort();
		check_error(&err, NAME ":");
	}
	free(copy);
}

/* Applies text as one --set argument. */
static void fuzz_set_arg(const char *arg)
{
	struct noa_policy p;
	struct noa_policy_error err;
	noa_policy_defaults(&p);
	int rc = noa_policy_set_arg(&p, arg, &err);
	if (rc != 0 && rc != NOA_ENOTFOUND && rc != NOA_EINVALID)
		abort();
	if (rc != 0)
		check_error(&err, "--set '");
	check_policy(&p);
}

/* Sets key (text's first line) to value (the rest), with a reason buffer of reason_size bytes (none
 * when 0) so that a write past it is reported. */
static void fuzz_set(char *text, size_t len, size_t reason_size)
{
	struct noa_policy p;
	char *nl = memchr(text, '\n', len);
	const char *key = text, *value = "";
	char *reason = NULL;
	if (nl) {
		*nl = '\0';
		value = nl + 1;
	}
	if (reason_size) {
		reason = malloc(reason_size);
		if (!reason)
			return;
	}
	noa_policy_defaults(&p);
	const char *type = noa_policy_key_type(key);
	int rc = noa_policy_set(&p, key, value, reason, reason_size);
	if ((rc == NOA_ENOTFOUND) != (type == NULL) || (rc != 0 && rc != NOA_ENOTFOUND && rc != NOA_EINVALID))
		abort();
	if (rc != 0 && reason && !memchr(reason, '\0', reason_size))
		abort();
	check_policy(&p);
	free(reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	size_t len = size - 1;
	if ((sel & 3) == 0 || (sel & 3) == 3) {
		fuzz_file(data + 1, len);
		return 0;
	}
	/* The setting parsers take C strings: a private, NUL-terminated copy. */
	char *text = malloc(len + 1);
	if (!text)
		return 0;
	if (len)
		memcpy(text, data + 1, len);
	text[len] = '\0';
	if ((sel & 3) == 1)
		fuzz_set_arg(text);
	else
		fuzz_set(text, len, (size_t)(sel >> 2) * 9);
	free(text);
	return 0;
}
