/* The adaptive compute kernels: f32 vector add, dot product and matrix-vector product, and (in a runtime
 * built with the quantized-kernels gate) an int8 dot product behind an int8 matrix-vector product with
 * per-row f32 scales. Each comes in a scalar variant and the SIMD variants the target has: SSE2 and
 * AVX2+FMA on x86_64, NEON on aarch64, simd128 on wasm32; one read-only table per variant. The caller
 * picks a table from the CPU features it detected (noa_kernels_select), so libnoa depends neither on the
 * probe nor on the environment. The scalar variant is compiled without auto-vectorization, so it is
 * honestly scalar.
 *
 * How far the variants agree with the scalar one:
 * - vadd is exact in every variant (one IEEE addition per element);
 * - dot_q8 sums int8 products exactly in int32 in every variant (see NOA_KERNELS_Q8_MAX_N), and
 *   noa_kernels_matvec_q8 scales each sum with the same f32 operations, so its outputs are bit-identical;
 * - dot and matvec (per row) add in another order, and AVX2/NEON fuse multiply-adds, so they differ by
 *   rounding only: |v - s| <= NOA_KERNELS_F32_RTOL * sqrt(n) * sum|a[i]*b[i]| for n terms. Each order's
 *   rounding error behaves like a random walk of about u * sqrt(n) * sum|a[i]*b[i]| (u = 2^-24, about
 *   6e-8; Higham's probabilistic bound), so 1e-6 (about 16u) leaves a wide margin while staying far below
 *   the size of a wrong or missing term. Inputs whose products and sums are small integers are exact in
 *   any order and agree exactly. */
#ifndef NOA_KERNELS_H
#define NOA_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* The f32 tolerance described above, relative to sqrt(n) * sum|a[i]*b[i]|. */
#define NOA_KERNELS_F32_RTOL 1e-6
/* Longest dot_q8 (and matvec_q8 row): 65536 products of at most 128*128 = 2^14 fit in int32. */
#define NOA_KERNELS_Q8_MAX_N ((size_t)65536)
/* Most worker threads a batched entry point starts. */
#define NOA_KERNELS_MAX_THREADS 256

enum noa_kernel_variant {
	NOA_KERNEL_SCALAR,
	NOA_KERNEL_SSE2,
	NOA_KERNEL_AVX2,
	NOA_KERNEL_NEON,
	NOA_KERNEL_SIMD128,
};
#define NOA_KERNEL_NVARIANTS 5

struct noa_kernels {
	enum noa_kernel_variant variant;
	/* "scalar", "sse2", "avx2", "neon" or "simd128": the names NOA_KERNEL and noa bench use. */
	const char *name;
	/* The CPU features (lower-case, as the probe reports them) the variant needs, NULL-terminated. */
	const char *const *needs;
	/* out[i] = a[i] + b[i] for i < n; out may be a or b. No alignment is required anywhere. */
	void (*vadd)(float *out, const float *a, const float *b, size_t n);
	/* The sum of a[i] * b[i] for i < n (0 for n = 0). */
	float (*dot)(const float *a, const float *b, size_t n);
	/* y[r] = dot(w + r * cols, x, cols) for r < rows; w is row-major; y must not overlap w or x. */
	void (*matvec)(float *y, const float *w, const float *x, size_t rows, size_t cols);
	/* The exact int32 sum of a[i] * b[i] for i < n <= NOA_KERNELS_Q8_MAX_N; NULL in a runtime built
	 * without the quantized-kernels gate. */
	int32_t (*dot_q8)(const int8_t *a, const int8_t *b, size_t n);
};

/* Returns the table of variant v, borrowed and static, or NULL when v is not compiled into this runtime
 * (or is out of range). */
const struct noa_kernels *noa_kernels_variant(enum noa_kernel_variant v);

/* Sets *out to the variant named name ("scalar", "sse2", "avx2", "neon", "simd128"). Returns 0, or
 * NOA_EINVALID for any other name (NULL included). */
int noa_kernel_variant_parse(enum noa_kernel_variant *out, const char *name);

/* Returns 1 when every feature k needs is among the nfeatures names in features, else 0. The simd128
 * variant needs nothing: a WebAssembly module holding simd128 code only instantiates where the engine
 * runs it, so being loaded proves support. */
int noa_kernels_supported(const struct noa_kernels *k, const char *const *features, size_t nfeatures);

/* Picks the table to use: the variant named forced when forced is neither NULL nor "" (how NOA_KERNEL
 * reaches libnoa), else the fastest variant compiled in and supported by features (AVX2, then SSE2,
 * NEON, simd128, scalar). *out gets a borrowed static table. Returns 0; NOA_EINVALID when forced names
 * no variant; NOA_ENOTFOUND when the forced variant is not compiled in or the features lack what it
 * needs (tell the two apart with noa_kernels_variant). */
int noa_kernels_select(const struct noa_kernels **out, const char *const *features, size_t nfeatures,
		       const char *forced);

/* y[r] = (float)dot_q8(w + r * cols, x, cols) * row_scale[r] * x_scale for r < rows, with k's dot_q8.
 * Returns 0, or NOA_EINVALID when k has no dot_q8 (no quantized-kernels gate) or cols exceeds
 * NOA_KERNELS_Q8_MAX_N. */
int noa_kernels_matvec_q8(const struct noa_kernels *k, float *y, const int8_t *w, const float *row_scale,
			  const int8_t *x, float x_scale, size_t rows, size_t cols);

/* The batched matrix-vector product: for each b < batch, y + b * rows gets k->matvec(w, x + b * cols).
 * With the throughput gate and threads (pthreads, never on wasm32) the batch is split across at most
 * nthreads worker threads; otherwise, or with nthreads <= 1, it runs in the caller. The results are the
 * same either way. Returns 0, or NOA_EINVALID when batch * rows or batch * cols overflows. */
int noa_kernels_matvec_batch(const struct noa_kernels *k, float *y, const float *w, const float *x,
			     size_t rows, size_t cols, size_t batch, int nthreads);

/* Returns 1 when batched entry points can run on worker threads in this runtime, else 0. */
int noa_kernels_threaded(void);

/* The default worker thread count for physical_cores physical cores (<= 0: unknown, taken as 1): all of
 * them, or with the low-power gate at most half of them; never less than 1 nor more than
 * NOA_KERNELS_MAX_THREADS. */
int noa_kernels_default_threads(int physical_cores);

#endif
