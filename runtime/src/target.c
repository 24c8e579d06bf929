/* Deploy target detection. The order is the design's: a WebAssembly build is wasm whatever its
 * environment says; then AWS_LAMBDA_FUNCTION_NAME (non-empty) means Lambda; then /.dockerenv under the
 * sysroot means Docker; then other container markers (/run/.containerenv, KUBERNETES_SERVICE_HOST) mean a
 * generic container; anything else is native. The capabilities are the design's fixed matrix; the
 * effective capabilities are the matrix narrowed by what the probe found and what was compiled in: no GPU
 * found or no gpu-offload gate built in, no SIMD unit, and the smallest memory bound among the matrix,
 * AWS_LAMBDA_FUNCTION_MEMORY_SIZE and the cgroup limit. */
#include "noa/target.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "noa/features.h"
#include "noa/json.h"
#include "target_arch.h"

/* Largest AWS_LAMBDA_FUNCTION_MEMORY_SIZE accepted, in MB (1 TiB); larger or malformed values are
 * ignored, since the design's Lambda bound (10240 MB) applies anyway. */
#define LAMBDA_MEMORY_CAP_MB 1048576

/* The design's capability matrix, one row per kind, in enum order. */
static const struct noa_capabilities matrix[] = {
	[NOA_TARGET_NATIVE] = {1, 1, 1, 1, 1, 0}, [NOA_TARGET_LAMBDA] = {1, 0, 1, 0, 1, 10240},
	[NOA_TARGET_DOCKER] = {1, 1, 1, 1, 1, 0}, [NOA_TARGET_CONTAINER] = {1, 1, 1, 1, 1, 0},
	[NOA_TARGET_WASM] = {0, 0, 0, 0, 1, 128},
};

/* Filesystem scope per kind, in enum order: Lambda may write /tmp only, wasm has no filesystem. */
static const char *const scopes[] = {"full", "tmp", "full", "full", "none"};

static const char *const kind_names[] = {"native", "lambda", "docker", "container", "wasm"};

const char *noa_target_kind_name(enum noa_target_kind kind)
{
	if ((unsigned)kind >= sizeof kind_names / sizeof kind_names[0])
		return "unknown";
	return kind_names[kind];
}

/* Whether the environment variable name is set to a non-empty value. */
static int env_set(const struct noa_env *env, const char *name)
{
	const char *v = noa_env_get(env, name);
	return v != NULL && v[0] != '\0';
}

/* Parses s as a positive decimal integer no larger than cap (digits only: no sign, space or suffix).
 * Returns the value, or 0 when s is not one. */
static int parse_mb(const char *s, int cap)
{
	long v = 0;
	if (s == NULL || s[0] == '\0')
		return 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (*p - '0');
		if (v > cap)
			return 0;
	}
	return (int)v;
}

/* Lowers *mb (0 = unlimited) to bound when bound is a tighter non-zero limit. */
static void lower_to(int *mb, int bound)
{
	if (bound > 0 && (*mb == 0 || bound < *mb))
		*mb = bound;
}

/* Sets t->kind and t->source from the compile-time answer, the environment and the marker files. */
static void detect_kind(struct noa_target *t, const struct noa_probe_source *src)
{
	if (noa_target_arch_is_wasm()) {
		t->kind = NOA_TARGET_WASM;
		t->source = "compile-time";
	} else if (env_set(&src->env, "AWS_LAMBDA_FUNCTION_NAME")) {
		t->kind = NOA_TARGET_LAMBDA;
		t->source = "AWS_LAMBDA_FUNCTION_NAME";
	} else if (noa_sysroot_exists(&src->root, "/.dockerenv")) {
		t->kind = NOA_TARGET_DOCKER;
		t->source = "/.dockerenv";
	} else if (noa_sysroot_exists(&src->root, "/run/.containerenv")) {
		t->kind = NOA_TARGET_CONTAINER;
		t->source = "/run/.containerenv";
	} else if (env_set(&src->env, "KUBERNETES_SERVICE_HOST")) {
		t->kind = NOA_TARGET_CONTAINER;
		t->source = "KUBERNETES_SERVICE_HOST";
	} else {
		t->kind = NOA_TARGET_NATIVE;
		t->source = "default";
	}
}

void noa_target_detect(struct noa_target *t, const struct noa_probe_source *src,
		       const struct noa_hardware *hw)
{
	memset(t, 0, sizeof *t);
	detect_kind(t, src);
	t->capabilities = matrix[t->kind];
	t->filesystem_scope = scopes[t->kind];

	struct noa_capabilities *e = &t->effective;
	*e = t->capabilities;
	if (hw->ngpus <= 0 || !noa_feature_enabled("gpu-offload"))
		e->supports_gpu = 0;
	if (!noa_cpu_has(&hw->cpu, "sse2") && !noa_cpu_has(&hw->cpu, "asimd") &&
	    !noa_cpu_has(&hw->cpu, "simd128"))
		e->supports_simd = 0;
	lower_to(&e->max_memory_mb,
		 parse_mb(noa_env_get(&src->env, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), LAMBDA_MEMORY_CAP_MB));
	if (hw->memory.limit_bytes > 0) {
		int64_t mb = hw->memory.limit_bytes / ((int64_t)1 << 20);
		if (mb > INT32_MAX)
			mb = INT32_MAX;
		lower_to(&e->max_memory_mb, mb > 0 ? (int)mb : 1);
	}
}

static void capabilities_json(struct noa_json *j, const struct noa_capabilities *c)
{
	noa_json_begin_object(j);
	noa_json_key(j, "supports_simd");
	noa_json_bool(j, c->supports_simd);
	noa_json_key(j, "supports_gpu");
	noa_json_bool(j, c->supports_gpu);
	noa_json_key(j, "supports_threads");
	noa_json_bool(j, c->supports_threads);
	noa_json_key(j, "supports_filesystem");
	noa_json_bool(j, c->supports_filesystem);
	noa_json_key(j, "supports_async_io");
	noa_json_bool(j, c->supports_async_io);
	noa_json_key(j, "max_memory_mb");
	noa_json_int(j, c->max_memory_mb);
	noa_json_end_object(j);
}

/* Writes the members of the target object (without its braces). */
static void target_members(struct noa_json *j, const struct noa_target *t)
{
	noa_json_key(j, "kind");
	noa_json_str(j, noa_target_kind_name(t->kind));
	noa_json_key(j, "source");
	noa_json_str(j, t->source ? t->source : "default");
	noa_json_key(j, "capabilities");
	capabilities_json(j, &t->capabilities);
	noa_json_key(j, "effective");
	capabilities_json(j, &t->effective);
	noa_json_key(j, "filesystem_scope");
	noa_json_str(j, t->filesystem_scope ? t->filesystem_scope : "full");
}

void noa_target_json(struct noa_json *j, const struct noa_target *t)
{
	noa_json_begin_object(j);
	target_members(j, t);
	noa_json_end_object(j);
}

void noa_target_json_document(struct noa_json *j, const struct noa_target *t)
{
	noa_json_begin_object(j);
	noa_json_key(j, "schema");
	noa_json_str(j, "noa.target/v1");
	target_members(j, t);
	noa_json_end_object(j);
}
