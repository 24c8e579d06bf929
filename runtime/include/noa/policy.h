/* The deployment policy the plan (noa/plan.h) follows: five keys with defaults, read from a YAML policy
 * file and from key=value settings (noa plan --policy FILE --set key=value). Every value is validated:
 * booleans are exactly `true` or `false` (not yes/no/on/off), memory sizes are decimal numbers of GiB
 * (2^30 bytes) with 0 < x <= 65536 (digits with an optional fraction: no sign, exponent or suffix).
 * A policy file is one YAML mapping of these keys, at most NOA_POLICY_MAX_BYTES long; an empty file (or
 * one holding only comments, or an empty document) means all defaults. Unknown keys, duplicate keys,
 * wrong types (a quoted scalar, a sequence or a mapping where a boolean or number is due), out-of-range
 * numbers, anchors, aliases, tags, more than one document and YAML syntax errors are all errors naming
 * FILE:LINE:COLUMN. */
#ifndef NOA_POLICY_H
#define NOA_POLICY_H

#include <stddef.h>

/* Longest policy file accepted. */
#define NOA_POLICY_MAX_BYTES ((size_t)64 * 1024)
/* Largest memory size accepted, in GiB. */
#define NOA_POLICY_MAX_GIB 65536.0

struct noa_policy {
	/* Offload llama.cpp to a GPU when one is big enough (and the build has gpu-offload). */
	int prefer_gpu;
	/* The least GPU memory, in GiB, that llama.cpp offload needs. Default 8.0. */
	double min_gpu_memory_gb;
	/* Pick the lightweight Python runtime when memory is below lightweight_memory_threshold_gb. */
	int prefer_lightweight_python_on_low_memory;
	/* In GiB. Default 6.0. */
	double lightweight_memory_threshold_gb;
	/* List a detected TPU or NPU as an experimental offload target. */
	int allow_accelerator_experiments;
};

/* Where and why a policy was rejected. msg is complete: "FILE:LINE:COLUMN: reason" for a file,
 * "--set 'KEY=VALUE': reason" for a setting. */
struct noa_policy_error {
	/* 1-based; 0 when the error has no position (settings, oversized files). */
	int line, col;
	char msg[1024];
};

/* Fills p with the defaults: prefer_gpu true, min_gpu_memory_gb 8.0,
 * prefer_lightweight_python_on_low_memory true, lightweight_memory_threshold_gb 6.0,
 * allow_accelerator_experiments true. */
void noa_policy_defaults(struct noa_policy *p);

/* Sets key to the textual value. Returns 0, NOA_ENOTFOUND for an unknown key or NOA_EINVALID for a value
 * of the wrong type or out of range; reason (size bytes, may be NULL) then gets why, without position. */
int noa_policy_set(struct noa_policy *p, const char *key, const char *value, char *reason, size_t size);

/* Returns "boolean" or "number", the type key takes, or NULL when key is not a policy key. */
const char *noa_policy_key_type(const char *key);

/* Applies one "KEY=VALUE" setting (as given to --set). Returns 0, NOA_ENOTFOUND or NOA_EINVALID with
 * err->msg naming the setting. */
int noa_policy_set_arg(struct noa_policy *p, const char *arg, struct noa_policy_error *err);

/* Whether this build can read policy files (it has libyaml): 1 or 0. */
int noa_policy_files_supported(void);

/* Applies the policy file text (len bytes, named name in messages) on top of p. Returns 0, or
 * NOA_EINVALID with err filled (p may then be partly updated). Without libyaml it always fails with
 * "policy files need libyaml, which this build lacks; use --set". */
int noa_policy_parse(struct noa_policy *p, const char *name, const char *text, size_t len,
		     struct noa_policy_error *err);

/* Writes the policy's values as one JSON object, keys in the order above. */
struct noa_json;
void noa_policy_json(struct noa_json *j, const struct noa_policy *p);

#endif
