/* Deploy target detection: the design's order (wasm at compile time, Lambda, Docker, other containers,
 * native), the capability matrix per kind, the effective capabilities (no GPU, no SIMD, memory bounds
 * from AWS_LAMBDA_FUNCTION_MEMORY_SIZE and the cgroup limit), and the JSON shape. Marker files come from
 * the trees under tests/targets. On wasm32 every case is wasm, which the tests check instead. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_check.h"
#include "noa/json.h"
#include "noa/features.h"
#include "noa/target.h"

/* A source over tests/targets/<tree> with the given environment (NULL-terminated). */
static void source(struct noa_probe_source *src, const char *tree, const char *const *env)
{
	char dir[NOA_PATH_MAX];
	int n = snprintf(dir, sizeof dir, "%s/targets/%s", NOA_TEST_DIR, tree);
	cr_assert(n > 0 && (size_t)n < sizeof dir);
	memset(src, 0, sizeof *src);
	cr_assert_eq(noa_sysroot_init(&src->root, dir), 0);
	src->env.vars = env;
}

/* Hardware with one GPU, SSE2, and no cgroup limit. */
static void hardware(struct noa_hardware *hw)
{
	memset(hw, 0, sizeof *hw);
	hw->cpu.nfeatures = 1;
	strcpy(hw->cpu.features[0], "sse2");
	hw->memory.total_bytes = 64LL << 30;
	hw->memory.available_bytes = 60LL << 30;
	hw->memory.limit_bytes = -1;
	hw->ngpus = 1;
	hw->gpus[0].memory_bytes = 80LL << 30;
}

/* Detects with tree and env; returns 1 when this build is wasm (then t is wasm whatever the inputs). */
static int detect(struct noa_target *t, const char *tree, const char *const *env,
		  const struct noa_hardware *hw)
{
	struct noa_probe_source src;
	source(&src, tree, env);
	noa_target_detect(t, &src, hw);
	return t->kind == NOA_TARGET_WASM;
}

static const char *const no_env[] = {NULL};

Test(target, plain_root_is_native_with_the_full_matrix)
{
	struct noa_hardware hw;
	struct noa_target t;
	hardware(&hw);
	if (detect(&t, "plain", no_env, &hw)) {
		cr_assert_str_eq(t.source, "compile-time");
		return;
	}
	cr_assert_eq(t.kind, NOA_TARGET_NATIVE);
	cr_assert_str_eq(t.source, "default");
	cr_assert_str_eq(t.filesystem_scope, "full");
	cr_assert_eq(t.capabilities.supports_simd, 1);
	cr_assert_eq(t.capabilities.supports_gpu, 1);
	cr_assert_eq(t.capabilities.supports_threads, 1);
	cr_assert_eq(t.capabilities.supports_filesystem, 1);
	cr_assert_eq(t.capabilities.supports_async_io, 1);
	cr_assert_eq(t.capabilities.max_memory_mb, 0);
	cr_assert_eq(t.effective.supports_gpu, noa_feature_enabled("gpu-offload"),
		     "a GPU was found: effective only when gpu-offload is built in");
	cr_assert_eq(t.effective.max_memory_mb, 0);
}

Test(target, wasm_build_is_wasm_whatever_the_environment)
{
	static const char *const env[] = {"AWS_LAMBDA_FUNCTION_NAME=f", NULL};
	struct noa_hardware hw;
	struct noa_target t;
	hardware(&hw);
	if (!detect(&t, "docker", env, &hw)) {
		cr_assert_eq(t.kind, NOA_TARGET_LAMBDA);
		return;
	}
	cr_assert_str_eq(t.source, "compile-time");
	cr_assert_str_eq(t.filesystem_scope, "none");
	cr_assert_eq(t.capabilities.supports_simd, 0);
	cr_assert_eq(t.capabilities.supports_gpu, 0);
	cr_assert_eq(t.capabilities.supports_threads, 0);
	cr_assert_eq(t.capabilities.supports_filesystem, 0);
	cr_assert_eq(t.capabilities.supports_async_io, 1);
	cr_assert_eq(t.capabilities.max_memory_mb, 128);
}

Test(target, lambda_wins_over_dockerenv)
{
	static const char *const env[] = {"AWS_LAMBDA_FUNCTION_NAME=handler",
					  "KUBERNETES_SERVICE_HOST=10.0.0.1", NULL};
	struct noa_hardware hw;
	struct noa_target t;
	hardware(&hw);
	if (detect(&t, "docker", env, &hw))
		return;
	cr_assert_eq(t.kind, NOA_TARGET_LAMBDA);
	cr_assert_str_eq(t.source, "AWS_LAMBDA_FUNCTION_NAME");
	cr_assert_str_eq(t.filesystem_scope, "tmp");
	cr_assert_eq(t.capabilities.supports_gpu, 0);
	cr_assert_eq(t.capabilities.supports_filesystem, 0);
	cr_assert_eq(t.capabilities.max_memory_mb, 10240);
	cr_assert_eq(t.effective.supports_gpu, 0);
	cr_assert_eq(t.effective.max_memory_mb, 10240);
}

Test(target, empty_lambda_name_does_not_count)
{
	static const char *const env[] = {"AWS_LAMBDA_FUNCTION_NAME=", NULL};
	struct noa_hardware hw;
	struct noa_target t;
	hardware(&hw);
	if (detect(&t, "docker", env, &hw))
		return;
	cr_assert_eq(t.kind, NOA_TARGET_DOCKER);
}

Test(target, lambda_memory_size_lowers_the_bound)
{
	static const char *const env[] = {"AWS_LAMBDA_FUNCTION_NAME=f",
					  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=2048", NULL};
	struct noa_hardware hw;
	struct noa_target t;
	hardware(&hw);
	if (detect(&t, "plain", env, &hw))
		return;
	cr_assert_eq(t.capabilities.max_memory_mb, 10240);
	cr_assert_eq(t.effective.max_memory_mb, 2048);
}

Test(target, malformed_lambda_memory_size_is_ignored)
{
	static const char *const bad[] = {"-5", "0", "12abc", "", " 512", "99999999999999999999", "0x100"};
	struct noa_hardware hw;
	hardware(&hw);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char var[64];
		const char *const env[] = {"AWS_LAMBDA_FUNCTION_NAME=f", var, NULL};
		struct noa_target t;
		snprintf(var, sizeof var, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%s", bad[i]);
		if (detect(&t, "plain", env, &hw))
			return;
		cr_expect_eq(t.effective.max_memory_mb, 10240, "value '%s'", bad[i]);
	}
}

Test(target, cgroup_limit_and_lambda_size_smaller_wins)
{
	static const char *const env[] = {"AWS_LAMBDA_FUNCTION_NAME=f",
					  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=3008", NULL};
	struct noa_hardware hw;
	struct noa_target t;
	hardware(&hw);
	hw.memory.limit_bytes = 1024LL << 20;
	if (detect(&t, "plain", env, &hw))
		return;
	cr_assert_eq(t.effective.max_memory_mb, 1024);
}

Test(target, dockerenv_is_docker_with_cgroup_limit)
{
	struct noa_hardware hw;
	struct noa_target t;
	hardware(&hw);
	hw.memory.limit_bytes = 2147483648LL;
	if (detect(&t, "docker", no_env, &hw))
		return;
	cr_assert_eq(t.kind, NOA_TARGET_DOCKER);
	cr_assert_str_eq(t.source, "/.dockerenv");
	cr_assert_str_eq(t.filesystem_scope, "full");
	cr_assert_eq(t.capabilities.max_memory_mb, 0);
	cr_assert_eq(t.effective.max_memory_mb, 2048);
}

Test(target, dockerenv_wins_over_kubernetes)
{
	static const char *const env[] = {"KUBERNETES_SERVICE_HOST=10.0.0.1", NULL};
	struct noa_hardware hw;
	struct noa_target t;
	hardware(&hw);
	if (detect(&t, "docker", env, &hw))
		return;
	cr_assert_eq(t.kind, NOA_TARGET_DOCKER);
}

Test(target, containerenv_is_container)
{
	struct noa_hardware hw;
	struct noa_target t;
	hardware(&hw);
	if (detect(&t, "podman", no_env, &hw))
		return;
	cr_assert_eq(t.kind, NOA_TARGET_CONTAINER);
	cr_assert_str_eq(t.source, "/run/.containerenv");
	cr_assert_eq(t.capabilities.supports_gpu, 1);
}

Test(target, kubernetes_is_container)
{
	static const char *const env[] = {"KUBERNETES_SERVICE_HOST=10.0.0.1", NULL};
	struct noa_hardware hw;
	struct noa_target t;
	hardware(&hw);
	if (detect(&t, "plain", env, &hw))
		return;
	cr_assert_eq(t.kind, NOA_TARGET_CONTAINER);
	cr_assert_str_eq(t.source, "KUBERNETES_SERVICE_HOST");
}

Test(target, no_gpu_and_no_simd_narrow_the_effective_capabilities)
{
	struct noa_hardware hw;
	struct noa_target t;
	hardware(&hw);
	hw.ngpus = 0;
	hw.cpu.nfeatures = 1;
	strcpy(hw.cpu.features[0], "avx");
	detect(&t, "plain", no_env, &hw);
	cr_assert_eq(t.effective.supports_gpu, 0);
	cr_assert_eq(t.effective.supports_simd, 0);
	cr_assert_eq(t.effective.supports_async_io, 1);
}

Test(target, asimd_and_simd128_count_as_simd)
{
	static const char *const units[] = {"asimd", "simd128"};
	for (size_t i = 0; i < 2; i++) {
		struct noa_hardware hw;
		struct noa_target t;
		hardware(&hw);
		strcpy(hw.cpu.features[0], units[i]);
		if (detect(&t, "plain", no_env, &hw))
			return;
		cr_expect_eq(t.effective.supports_simd, 1, "%s", units[i]);
	}
}

Test(target, kind_names)
{
	cr_assert_str_eq(noa_target_kind_name(NOA_TARGET_NATIVE), "native");
	cr_assert_str_eq(noa_target_kind_name(NOA_TARGET_LAMBDA), "lambda");
	cr_assert_str_eq(noa_target_kind_name(NOA_TARGET_DOCKER), "docker");
	cr_assert_str_eq(noa_target_kind_name(NOA_TARGET_CONTAINER), "container");
	cr_assert_str_eq(noa_target_kind_name(NOA_TARGET_WASM), "wasm");
	cr_assert_str_eq(noa_target_kind_name((enum noa_target_kind)42), "unknown");
}

Test(target, json_document_has_the_fixed_shape)
{
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_json j;
	char *text;
	size_t len;
	hardware(&hw);
	detect(&t, "plain", no_env, &hw);
	noa_json_init(&j, 0);
	noa_target_json_document(&j, &t);
	cr_assert_eq(noa_json_finish(&j, &text, &len), 0);
	cr_assert(json_check(text, len));
	cr_assert_eq(strncmp(text, "{\"schema\":\"noa.target/v1\",\"kind\":", 33), 0, "%s", text);
	cr_assert_not_null(strstr(text, "\"capabilities\":{\"supports_simd\":"));
	cr_assert(strstr(text, ",\"max_memory_mb\":0},\"effective\":{") != NULL ||
		  strstr(text, ",\"max_memory_mb\":128},\"effective\":{") != NULL);
	cr_assert_not_null(strstr(text, "\"filesystem_scope\":"));
	free(text);
}
