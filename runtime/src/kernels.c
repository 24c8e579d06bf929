/* The kernels' dispatch: the scalar f32 variant, one table per variant compiled into this target, the
 * choice among them, and the entry points built on a table (int8 matvec, batched matvec). This file is
 * the one place that looks at the target's architecture and at the quantized-kernels and low-power
 * gates; cmake/Kernels.cmake compiles it without auto-vectorization so the scalar variant stays scalar. */
#include "noa/kernels.h"

#include <string.h>

#include "kernels_arch.h"
#include "noa/error.h"
#include "parallel.h"

/* Each gate as 0 or 1; a gate the build did not define counts as off. */
#if defined(NOA_FEATURE_QUANTIZED_KERNELS) && NOA_FEATURE_QUANTIZED_KERNELS
#define Q8(fn) (fn)
#else
#define Q8(fn) NULL
#endif
#if defined(NOA_FEATURE_LOW_POWER) && NOA_FEATURE_LOW_POWER
#define LOW_POWER 1
#else
#define LOW_POWER 0
#endif

static void vadd_scalar(float *out, const float *a, const float *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = a[i] + b[i];
}

static float dot_scalar(const float *a, const float *b, size_t n)
{
	float sum = 0.0f;
	for (size_t i = 0; i < n; i++)
		sum += a[i] * b[i];
	return sum;
}

static void matvec_scalar(float *y, const float *w, const float *x, size_t rows, size_t cols)
{
	for (size_t r = 0; r < rows; r++)
		y[r] = dot_scalar(w + r * cols, x, cols);
}

static const char *const needs_nothing[] = {NULL};

static const struct noa_kernels scalar = {
	NOA_KERNEL_SCALAR, "scalar",      needs_nothing,         vadd_scalar,
	dot_scalar,        matvec_scalar, Q8(noa_q8_dot_scalar),
};

#if defined(__x86_64__)
static const char *const needs_sse2[] = {"sse2", NULL};
static const char *const needs_avx2[] = {"avx2", "fma", NULL};
static const struct noa_kernels sse2 = {
	NOA_KERNEL_SSE2, "sse2",          needs_sse2,          noa_vadd_sse2,
	noa_dot_sse2,    noa_matvec_sse2, Q8(noa_q8_dot_sse2),
};
static const struct noa_kernels avx2 = {
	NOA_KERNEL_AVX2, "avx2",          needs_avx2,          noa_vadd_avx2,
	noa_dot_avx2,    noa_matvec_avx2, Q8(noa_q8_dot_avx2),
};
/* Per variant, the table or NULL when not compiled in. */
static const struct noa_kernels *const tables[NOA_KERNEL_NVARIANTS] = {&scalar, &sse2, &avx2, NULL, NULL};
#elif defined(__aarch64__)
static const char *const needs_asimd[] = {"asimd", NULL};
static const struct noa_kernels neon = {
	NOA_KERNEL_NEON, "neon",          needs_asimd,         noa_vadd_neon,
	noa_dot_neon,    noa_matvec_neon, Q8(noa_q8_dot_neon),
};
static const struct noa_kernels *const tables[NOA_KERNEL_NVARIANTS] = {&scalar, NULL, NULL, &neon, NULL};
#elif defined(__wasm32__)
static const struct noa_kernels simd128 = {
	NOA_KERNEL_SIMD128, "simd128",          needs_nothing,          noa_vadd_simd128,
	noa_dot_simd128,    noa_matvec_simd128, Q8(noa_q8_dot_simd128),
};
static const struct noa_kernels *const tables[NOA_KERNEL_NVARIANTS] = {&scalar, NULL, NULL, NULL, &simd128};
#else
static const struct noa_kernels *const tables[NOA_KERNEL_NVARIANTS] = {&scalar, NULL, NULL, NULL, NULL};
#endif

/* Names by variant, for noa_kernel_variant_parse. */
static const char *const variant_names[NOA_KERNEL_NVARIANTS] = {"scalar", "sse2", "avx2", "neon", "simd128"};

/* The order noa_kernels_select tries variants in, fastest first. */
static const enum noa_kernel_variant preference[NOA_KERNEL_NVARIANTS] = {
	NOA_KERNEL_AVX2, NOA_KERNEL_SSE2, NOA_KERNEL_NEON, NOA_KERNEL_SIMD128, NOA_KERNEL_SCALAR,
};

const struct noa_kernels *noa_kernels_variant(enum noa_kernel_variant v)
{
	if ((int)v < 0 || (int)v >= NOA_KERNEL_NVARIANTS)
		return NULL;
	return tables[v];
}

int noa_kernel_variant_parse(enum noa_kernel_variant *out, const char *name)
{
	if (name == NULL)
		return NOA_EINVALID;
	for (int v = 0; v < NOA_KERNEL_NVARIANTS; v++) {
		if (strcmp(variant_names[v], name) == 0) {
			*out = (enum noa_kernel_variant)v;
			return 0;
		}
	}
	return NOA_EINVALID;
}

static int has_feature(const char *const *features, size_t nfeatures, const char *name)
{
	for (size_t i = 0; i < nfeatures; i++)
		if (features[i] && strcmp(features[i], name) == 0)
			return 1;
	return 0;
}

int noa_kernels_supported(const struct noa_kernels *k, const char *const *features, size_t nfeatures)
{
	for (const char *const *need = k->needs; *need; need++)
		if (!has_feature(features, nfeatures, *need))
			return 0;
	return 1;
}

int noa_kernels_select(const struct noa_kernels **out, const char *const *features, size_t nfeatures,
		       const char *forced)
{
	if (forced && forced[0]) {
		enum noa_kernel_variant v;
		if (noa_kernel_variant_parse(&v, forced) != 0)
			return NOA_EINVALID;
		const struct noa_kernels *k = tables[v];
		if (k == NULL || !noa_kernels_supported(k, features, nfeatures))
			return NOA_ENOTFOUND;
		*out = k;
		return 0;
	}
	for (int i = 0; i < NOA_KERNEL_NVARIANTS; i++) {
		const struct noa_kernels *k = tables[preference[i]];
		if (k && noa_kernels_supported(k, features, nfeatures)) {
			*out = k;
			return 0;
		}
	}
	*out = &scalar;
	return 0;
}

int noa_kernels_matvec_q8(const struct noa_kernels *k, float *y, const int8_t *w, const float *row_scale,
			  const int8_t *x, float x_scale, size_t rows, size_t cols)
{
	if (k->dot_q8 == NULL || cols > NOA_KERNELS_Q8_MAX_N)
		return NOA_EINVALID;
	for (size_t r = 0; r < rows; r++)
		y[r] = (float)k->dot_q8(w + r * cols, x, cols) * row_scale[r] * x_scale;
	return 0;
}

/* One batched matvec, shared by the worker threads; each writes its own rows of y. */
struct matvec_batch {
	const struct noa_kernels *k;
	float *y;
	const float *w, *x;
	size_t rows, cols;
};

static void matvec_chunk(void *ctx, size_t begin, size_t end)
{
	const struct matvec_batch *m = ctx;
	for (size_t b = begin; b < end; b++)
		m->k->matvec(m->y + b * m->rows, m->w, m->x + b * m->cols, m->rows, m->cols);
}

int noa_kernels_matvec_batch(const struct noa_kernels *k, float *y, const float *w, const float *x,
			     size_t rows, size_t cols, size_t batch, int nthreads)
{
	if ((rows && batch > SIZE_MAX / rows) || (cols && batch > SIZE_MAX / cols))
		return NOA_EINVALID;
	struct matvec_batch m = {k, y, w, x, rows, cols};
	noa_parallel_for(batch, nthreads, matvec_chunk, &m);
	return 0;
}

int noa_kernels_threaded(void)
{
	return noa_parallel_threaded();
}

int noa_kernels_default_threads(int physical_cores)
{
	int n = physical_cores < 1 ? 1 : physical_cores;
	if (LOW_POWER)
		n /= 2;
	if (n < 1)
		n = 1;
	return n > NOA_KERNELS_MAX_THREADS ? NOA_KERNELS_MAX_THREADS : n;
}
