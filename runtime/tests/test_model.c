/* The small fixed model (include/noa/model.h) and the benchmark's report (include/noa/bench.h): the model
 * is deterministic, agrees across kernel variants, and its batch equals one inference per input on any
 * number of threads; the bench runs and writes valid "noa.bench/v1" JSON with its keys. Timings are never
 * checked. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_check.h"
#include "noa/bench.h"
#include "noa/error.h"
#include "noa/hardware.h"
#include "noa/json.h"
#include "host_cpu.h"
#include "noa/kernels.h"
#include "noa/model.h"

static struct noa_model *create(const struct noa_kernels *k)
{
	struct noa_model *m = NULL;
	cr_assert_eq(noa_model_create(&m, k), 0);
	cr_assert_not_null(m);
	return m;
}

Test(model, fill_is_deterministic_and_in_range)
{
	float a[257], b[257];
	noa_model_fill(a, 257, 7);
	noa_model_fill(b, 257, 7);
	cr_assert_eq(memcmp(a, b, sizeof a), 0);
	int negative = 0, positive = 0;
	for (size_t i = 0; i < 257; i++) {
		cr_assert(a[i] >= -1.0f && a[i] < 1.0f);
		negative += a[i] < 0.0f;
		positive += a[i] > 0.0f;
	}
	cr_expect_gt(negative, 64);
	cr_expect_gt(positive, 64);
	noa_model_fill(b, 257, 8);
	cr_expect_neq(memcmp(a, b, sizeof a), 0);
}

Test(model, inference_is_deterministic_and_not_trivial)
{
	const struct noa_kernels *k = noa_kernels_variant(NOA_KERNEL_SCALAR);
	struct noa_model *m1 = create(k), *m2 = create(k);
	float in[NOA_MODEL_INPUTS], o1[NOA_MODEL_OUTPUTS], o2[NOA_MODEL_OUTPUTS], o3[NOA_MODEL_OUTPUTS];
	noa_model_fill(in, NOA_MODEL_INPUTS, 3);
	noa_model_infer(m1, o1, in);
	noa_model_infer(m2, o2, in);
	cr_assert_eq(memcmp(o1, o2, sizeof o1), 0);
	in[0] += 0.5f;
	noa_model_infer(m1, o3, in);
	cr_expect_neq(memcmp(o1, o3, sizeof o1), 0, "the output depends on the input");
	int nonzero = 0;
	for (size_t i = 0; i < NOA_MODEL_OUTPUTS; i++) {
		cr_assert(isfinite(o1[i]));
		cr_assert_lt(fabsf(o1[i]), 100.0f);
		nonzero += o1[i] != 0.0f;
	}
	cr_expect_gt(nonzero, NOA_MODEL_OUTPUTS / 2);
	noa_model_free(m1);
	noa_model_free(m2);
	noa_model_free(NULL);
}

Test(model, every_supported_variant_agrees_with_scalar)
{
	struct host h;
	host_features(&h);
	struct noa_model *ref = create(noa_kernels_variant(NOA_KERNEL_SCALAR));
	float in[NOA_MODEL_INPUTS], want[NOA_MODEL_OUTPUTS], got[NOA_MODEL_OUTPUTS];
	noa_model_fill(in, NOA_MODEL_INPUTS, 4);
	noa_model_infer(ref, want, in);
	for (int v = 1; v < NOA_KERNEL_NVARIANTS; v++) {
		const struct noa_kernels *k = noa_kernels_variant((enum noa_kernel_variant)v);
		if (k == NULL || !noa_kernels_supported(k, h.names, h.n))
			continue;
		struct noa_model *m = create(k);
		noa_model_infer(m, got, in);
		/* Two layers of f32 dots of at most 128 terms of order 1: 1e-4 is far above their rounding.
		 */
		for (size_t i = 0; i < NOA_MODEL_OUTPUTS; i++)
			cr_assert_float_eq(got[i], want[i], 1e-4, "%s output %zu", k->name, i);
		noa_model_free(m);
	}
	noa_model_free(ref);
}

Test(model, batch_equals_one_inference_per_input)
{
	struct host h;
	const struct noa_kernels *k;
	host_features(&h);
	cr_assert_eq(noa_kernels_select(&k, h.names, h.n, NULL), 0);
	struct noa_model *m = create(k);
	const size_t count = 37;
	float *in = malloc(count * NOA_MODEL_INPUTS * sizeof(float));
	float *want = malloc(count * NOA_MODEL_OUTPUTS * sizeof(float));
	float *got = malloc(count * NOA_MODEL_OUTPUTS * sizeof(float));
	cr_assert(in && want && got);
	noa_model_fill(in, count * NOA_MODEL_INPUTS, 5);
	for (size_t i = 0; i < count; i++)
		noa_model_infer(m, want + i * NOA_MODEL_OUTPUTS, in + i * NOA_MODEL_INPUTS);
	const int threads[] = {1, 2, 4, 37, 64};
	for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
		memset(got, 0, count * NOA_MODEL_OUTPUTS * sizeof(float));
		cr_assert_eq(noa_model_infer_batch(m, got, in, count, threads[t]), 0);
		cr_assert_eq(memcmp(got, want, count * NOA_MODEL_OUTPUTS * sizeof(float)), 0, "threads=%d",
			     threads[t]);
	}
	cr_assert_eq(noa_model_infer_batch(m, got, in, 0, 4), 0);
	cr_assert_eq(noa_model_infer_batch(m, got, in, NOA_MODEL_MAX_BATCH + 1, 4), NOA_EINVALID);
	free(in);
	free(want);
	free(got);
	noa_model_free(m);
}

Test(bench, rejects_a_bad_config)
{
	struct noa_bench_config cfg;
	struct noa_bench_result *r = malloc(sizeof *r);
	cr_assert_not_null(r);
	noa_bench_default_config(&cfg, 1);
	cfg.reps = 0;
	cr_expect_eq(noa_bench_run(r, &cfg, noa_kernels_variant(NOA_KERNEL_SCALAR), NULL, 0), NOA_EINVALID);
	cfg.reps = NOA_BENCH_MAX_REPS + 1;
	cr_expect_eq(noa_bench_run(r, &cfg, noa_kernels_variant(NOA_KERNEL_SCALAR), NULL, 0), NOA_EINVALID);
	free(r);
}

Test(bench, reports_every_supported_variant_as_json)
{
	struct host h;
	const struct noa_kernels *k;
	struct noa_bench_config cfg;
	struct noa_bench_result *r = malloc(sizeof *r);
	cr_assert_not_null(r);
	host_features(&h);
	cr_assert_eq(noa_kernels_select(&k, h.names, h.n, NULL), 0);
	/* One quick repetition: this checks the report, not the timings. */
	noa_bench_default_config(&cfg, 2);
	cfg.reps = 1;
	cfg.min_rep_ns = 0;
	cr_assert_eq(noa_bench_run(r, &cfg, k, h.names, h.n), 0);
	int variants = 0;
	for (int v = 0; v < NOA_KERNEL_NVARIANTS; v++) {
		const struct noa_kernels *kv = noa_kernels_variant((enum noa_kernel_variant)v);
		variants += kv && noa_kernels_supported(kv, h.names, h.n);
	}
	int per_variant = k->dot_q8 ? 4 : 3;
	cr_assert_eq(r->nentries, variants * per_variant);
	cr_assert_eq(r->chosen, k);
	for (int i = 0; i < r->nentries; i++) {
		cr_expect_geq(r->entries[i].ns_per_call, 0.0);
		if (strcmp(r->entries[i].kernel, "dot") == 0)
			cr_expect_eq(r->entries[i].n, (size_t)NOA_BENCH_N);
	}

	struct noa_json j;
	char *text;
	size_t len;
	noa_json_init(&j, 1);
	noa_bench_json(&j, r);
	cr_assert_eq(noa_json_finish(&j, &text, &len), 0);
	cr_assert(json_check(text, len));
	const char *keys[] = {"\"schema\": \"noa.bench/v1\"",
			      "\"chosen\"",
			      "\"vadd\"",
			      "\"dot\"",
			      "\"matvec\"",
			      "\"kernels\"",
			      "\"kernel\"",
			      "\"variant\"",
			      "\"n\"",
			      "\"ns_per_call\"",
			      "\"model\"",
			      "\"handler_creation_us\"",
			      "\"warm_inference_ns\"",
			      "\"batch100_us\""};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		cr_expect_not_null(strstr(text, keys[i]), "%s", keys[i]);
	cr_expect_eq(strstr(text, "\"matvec_q8\"") != NULL, k->dot_q8 != NULL);
	free(text);
	free(r);
}
