/* The kernels (include/noa/kernels.h): every variant compiled in and supported by this CPU against the
 * scalar one, at lengths that exercise every tail (0, 1, odd, 4096), on unaligned pointers; the choice of
 * variant, forcing one, and the batched matvec. f32 results use the header's documented tolerance, except
 * on small-integer data, where every summation order is exact. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "noa/error.h"
#include "noa/features.h"
#include "noa/hardware.h"
#include "host_cpu.h"
#include "noa/kernels.h"
#include "noa/model.h"

static const size_t lengths[] = {0,  1,  2,  3,  4,  5,  7,  8,   9,   15,   16,
				 17, 31, 32, 33, 63, 64, 65, 100, 257, 1023, 4096};
#define NLENGTHS (sizeof lengths / sizeof lengths[0])
/* Room for the longest length plus an offset that misaligns the data. */
#define MAXLEN 4100

/* Fills the variants compiled in and supported by the host into ks; returns their count. */
static int supported_variants(const struct noa_kernels **ks)
{
	struct host h;
	int n = 0;
	host_features(&h);
	for (int v = 0; v < NOA_KERNEL_NVARIANTS; v++) {
		const struct noa_kernels *k = noa_kernels_variant((enum noa_kernel_variant)v);
		if (k && noa_kernels_supported(k, h.names, h.n))
			ks[n++] = k;
	}
	return n;
}

static float *floats(size_t n)
{
	float *p = malloc(n * sizeof(float));
	cr_assert_not_null(p);
	return p;
}

/* Small integers in [-8, 8]: every product and partial sum below 2^24 is exact in f32. */
static void fill_small_ints(float *x, size_t n, unsigned seed)
{
	noa_model_fill(x, n, seed);
	for (size_t i = 0; i < n; i++)
		x[i] = floorf(x[i] * 8.5f);
}

/* The documented f32 bound for a dot of n terms. */
static double f32_tolerance(const float *a, const float *b, size_t n)
{
	double mag = 0.0;
	for (size_t i = 0; i < n; i++)
		mag += fabs((double)a[i] * (double)b[i]);
	return NOA_KERNELS_F32_RTOL * sqrt((double)n) * mag;
}

Test(kernels, scalar_is_always_compiled_and_needs_nothing)
{
	const struct noa_kernels *k = noa_kernels_variant(NOA_KERNEL_SCALAR);
	cr_assert_not_null(k);
	cr_assert_str_eq(k->name, "scalar");
	cr_assert_null(k->needs[0]);
	cr_assert(noa_kernels_supported(k, NULL, 0));
}

Test(kernels, variant_names_round_trip)
{
	const char *names[] = {"scalar", "sse2", "avx2", "neon", "simd128"};
	for (int v = 0; v < NOA_KERNEL_NVARIANTS; v++) {
		enum noa_kernel_variant got;
		cr_assert_eq(noa_kernel_variant_parse(&got, names[v]), 0);
		cr_assert_eq((int)got, v);
		const struct noa_kernels *k = noa_kernels_variant(got);
		if (k) {
			cr_expect_str_eq(k->name, names[v]);
			cr_expect_eq((int)k->variant, v);
			cr_expect_not_null(k->vadd);
			cr_expect_not_null(k->dot);
			cr_expect_not_null(k->matvec);
		}
	}
	enum noa_kernel_variant got;
	cr_expect_eq(noa_kernel_variant_parse(&got, "AVX2"), NOA_EINVALID);
	cr_expect_eq(noa_kernel_variant_parse(&got, ""), NOA_EINVALID);
	cr_expect_eq(noa_kernel_variant_parse(&got, NULL), NOA_EINVALID);
	cr_expect_null(noa_kernels_variant((enum noa_kernel_variant)NOA_KERNEL_NVARIANTS));
}

Test(kernels, the_target_has_a_simd_variant_the_host_supports)
{
	const struct noa_kernels *ks[NOA_KERNEL_NVARIANTS];
	int n = supported_variants(ks);
	cr_assert_geq(n, 2, "scalar and at least one SIMD variant on x86_64, aarch64 and wasm32");
	cr_assert_eq((int)ks[0]->variant, NOA_KERNEL_SCALAR);
}

Test(kernels, select_picks_the_fastest_supported_variant)
{
	struct host h;
	const struct noa_kernels *k = NULL;
	host_features(&h);
	cr_assert_eq(noa_kernels_select(&k, h.names, h.n, NULL), 0);
	cr_assert_not_null(k);
	cr_assert(noa_kernels_supported(k, h.names, h.n));
	cr_expect_neq((int)k->variant, NOA_KERNEL_SCALAR);
	const struct noa_kernels *again = NULL;
	cr_assert_eq(noa_kernels_select(&again, h.names, h.n, ""), 0, "an empty NOA_KERNEL means unset");
	cr_expect_eq(again, k);
	/* With no features only a variant that needs nothing qualifies. */
	cr_assert_eq(noa_kernels_select(&k, NULL, 0, NULL), 0);
	cr_expect_null(k->needs[0]);
	/* sse2 alone is not enough for AVX2, which also needs fma. */
	const char *sse2_only[] = {"sse2", "avx2"};
	cr_assert_eq(noa_kernels_select(&k, sse2_only, 2, NULL), 0);
	cr_expect_neq((int)k->variant, NOA_KERNEL_AVX2);
}

Test(kernels, select_honours_a_forced_variant)
{
	const struct noa_kernels *k = NULL;
	const char *all[] = {"sse2", "avx2", "fma", "asimd", "simd128"};
	cr_assert_eq(noa_kernels_select(&k, all, 5, "scalar"), 0);
	cr_expect_eq((int)k->variant, NOA_KERNEL_SCALAR);
	cr_expect_eq(noa_kernels_select(&k, all, 5, "sse3"), NOA_EINVALID);
	for (int v = 0; v < NOA_KERNEL_NVARIANTS; v++) {
		const struct noa_kernels *want = noa_kernels_variant((enum noa_kernel_variant)v);
		const char *names[] = {"scalar", "sse2", "avx2", "neon", "simd128"};
		int rc = noa_kernels_select(&k, all, 5, names[v]);
		if (want) {
			cr_expect_eq(rc, 0);
			cr_expect_eq(k, want);
		} else {
			cr_expect_eq(rc, NOA_ENOTFOUND, "%s is not compiled in", names[v]);
		}
	}
	/* Compiled in but not supported: AVX2 without fma, NEON without asimd. */
	const char *no_fma[] = {"sse2", "avx2"};
	cr_expect_eq(noa_kernels_select(&k, no_fma, 2, "avx2"), NOA_ENOTFOUND);
	cr_expect_eq(noa_kernels_select(&k, no_fma, 2, "neon"), NOA_ENOTFOUND);
}

Test(kernels, vadd_matches_scalar_exactly)
{
	const struct noa_kernels *ks[NOA_KERNEL_NVARIANTS];
	int nk = supported_variants(ks);
	float *a = floats(MAXLEN), *b = floats(MAXLEN), *want = floats(MAXLEN), *got = floats(MAXLEN);
	noa_model_fill(a, MAXLEN, 11);
	noa_model_fill(b, MAXLEN, 12);
	for (size_t li = 0; li < NLENGTHS; li++) {
		for (size_t off = 0; off < 3; off++) {
			size_t n = lengths[li];
			ks[0]->vadd(want, a + off, b + off, n);
			for (int v = 1; v < nk; v++) {
				got[n] = 42.0f;
				ks[v]->vadd(got + off, a + off, b + off, n);
				for (size_t i = 0; i < n; i++)
					cr_assert_eq(got[off + i], want[i], "%s n=%zu i=%zu", ks[v]->name, n,
						     i);
				if (off == 0)
					cr_assert_eq(got[n], 42.0f, "%s wrote past n=%zu", ks[v]->name, n);
			}
		}
	}
	/* In place: out is a. */
	for (int v = 0; v < nk; v++) {
		memcpy(got, a, 33 * sizeof(float));
		ks[v]->vadd(got + 1, got + 1, b + 1, 32);
		for (size_t i = 1; i < 33; i++)
			cr_assert_eq(got[i], a[i] + b[i], "%s in place i=%zu", ks[v]->name, i);
	}
	free(a);
	free(b);
	free(want);
	free(got);
}

Test(kernels, dot_matches_scalar_exactly_on_small_integers)
{
	const struct noa_kernels *ks[NOA_KERNEL_NVARIANTS];
	int nk = supported_variants(ks);
	float *a = floats(MAXLEN), *b = floats(MAXLEN);
	fill_small_ints(a, MAXLEN, 21);
	fill_small_ints(b, MAXLEN, 22);
	for (size_t li = 0; li < NLENGTHS; li++) {
		for (size_t off = 0; off < 4; off++) {
			size_t n = lengths[li];
			float want = ks[0]->dot(a + off, b + off, n);
			if (n == 0)
				cr_assert_eq(want, 0.0f);
			for (int v = 1; v < nk; v++)
				cr_assert_eq(ks[v]->dot(a + off, b + off, n), want, "%s n=%zu off=%zu",
					     ks[v]->name, n, off);
		}
	}
	free(a);
	free(b);
}

Test(kernels, dot_agrees_with_scalar_within_tolerance)
{
	const struct noa_kernels *ks[NOA_KERNEL_NVARIANTS];
	int nk = supported_variants(ks);
	float *a = floats(MAXLEN), *b = floats(MAXLEN);
	noa_model_fill(a, MAXLEN, 31);
	noa_model_fill(b, MAXLEN, 32);
	for (size_t li = 0; li < NLENGTHS; li++) {
		for (size_t off = 0; off < 4; off++) {
			size_t n = lengths[li];
			float want = ks[0]->dot(a + off, b + off, n);
			double tol = f32_tolerance(a + off, b + off, n);
			for (int v = 1; v < nk; v++)
				cr_assert_float_eq(ks[v]->dot(a + off, b + off, n), want, tol,
						   "%s n=%zu off=%zu", ks[v]->name, n, off);
		}
	}
	free(a);
	free(b);
}

/* Checks every variant's matvec of rows x cols against scalar; exact when ints is set. */
static void check_matvec(const struct noa_kernels *const *ks, int nk, size_t rows, size_t cols, int ints)
{
	float *w = floats(rows * cols + 1), *x = floats(cols + 1), *want = floats(rows + 1),
	      *got = floats(rows + 1);
	if (ints) {
		fill_small_ints(w, rows * cols + 1, 41);
		fill_small_ints(x, cols + 1, 42);
	} else {
		noa_model_fill(w, rows * cols + 1, 43);
		noa_model_fill(x, cols + 1, 44);
	}
	/* w and x start one float in, so neither is 16-byte aligned. */
	ks[0]->matvec(want, w + 1, x + 1, rows, cols);
	for (int v = 1; v < nk; v++) {
		got[rows] = 42.0f;
		ks[v]->matvec(got, w + 1, x + 1, rows, cols);
		cr_assert_eq(got[rows], 42.0f, "%s wrote past %zu rows", ks[v]->name, rows);
		for (size_t r = 0; r < rows; r++) {
			if (ints)
				cr_assert_eq(got[r], want[r], "%s %zux%zu row %zu", ks[v]->name, rows, cols,
					     r);
			else
				cr_assert_float_eq(got[r], want[r],
						   f32_tolerance(w + 1 + r * cols, x + 1, cols),
						   "%s %zux%zu row %zu", ks[v]->name, rows, cols, r);
		}
	}
	free(w);
	free(x);
	free(want);
	free(got);
}

Test(kernels, matvec_agrees_with_scalar)
{
	const struct noa_kernels *ks[NOA_KERNEL_NVARIANTS];
	int nk = supported_variants(ks);
	const size_t shapes[][2] = {{0, 5},  {3, 0},   {1, 1},    {3, 17},
				    {7, 33}, {16, 64}, {5, 4096}, {129, 255}};
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		check_matvec(ks, nk, shapes[s][0], shapes[s][1], 1);
		check_matvec(ks, nk, shapes[s][0], shapes[s][1], 0);
	}
}

Test(kernels, int8_kernels_exist_exactly_with_the_quantized_gate)
{
	const struct noa_kernels *ks[NOA_KERNEL_NVARIANTS];
	int nk = supported_variants(ks);
	int gate = noa_feature_enabled("quantized-kernels");
	for (int v = 0; v < nk; v++)
		cr_assert_eq(ks[v]->dot_q8 != NULL, gate, "%s", ks[v]->name);
	if (!gate) {
		float y = 0.0f, scale = 1.0f;
		int8_t w = 1, x = 1;
		cr_assert_eq(noa_kernels_matvec_q8(ks[0], &y, &w, &scale, &x, 1.0f, 1, 1), NOA_EINVALID);
	}
}

/* Deterministic int8 values over the whole range, -128 and 127 included. */
static void fill_q8(int8_t *q, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		q[i] = (int8_t)((int32_t)((seed >> 16) & 0xff) - 128);
	}
}

Test(kernels, int8_dot_matches_scalar_exactly)
{
	const struct noa_kernels *ks[NOA_KERNEL_NVARIANTS];
	int nk = supported_variants(ks);
	if (ks[0]->dot_q8 == NULL)
		return;
	int8_t *a = malloc(MAXLEN), *b = malloc(MAXLEN);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	fill_q8(a, MAXLEN, 51);
	fill_q8(b, MAXLEN, 52);
	for (size_t li = 0; li < NLENGTHS; li++) {
		for (size_t off = 0; off < 3; off++) {
			size_t n = lengths[li];
			int32_t want = ks[0]->dot_q8(a + off, b + off, n);
			for (int v = 1; v < nk; v++)
				cr_assert_eq(ks[v]->dot_q8(a + off, b + off, n), want, "%s n=%zu off=%zu",
					     ks[v]->name, n, off);
		}
	}
	free(a);
	free(b);
}

Test(kernels, int8_dot_is_exact_at_the_longest_extreme_input)
{
	const struct noa_kernels *ks[NOA_KERNEL_NVARIANTS];
	int nk = supported_variants(ks);
	if (ks[0]->dot_q8 == NULL)
		return;
	int8_t *a = malloc(NOA_KERNELS_Q8_MAX_N);
	cr_assert_not_null(a);
	memset(a, 0x80, NOA_KERNELS_Q8_MAX_N);
	for (int v = 0; v < nk; v++)
		cr_assert_eq(ks[v]->dot_q8(a, a, NOA_KERNELS_Q8_MAX_N), (int32_t)1 << 30, "%s", ks[v]->name);
	free(a);
}

Test(kernels, int8_matvec_is_bit_identical_across_variants)
{
	const struct noa_kernels *ks[NOA_KERNEL_NVARIANTS];
	int nk = supported_variants(ks);
	if (ks[0]->dot_q8 == NULL)
		return;
	const size_t rows = 37, cols = 301;
	int8_t *w = malloc(rows * cols + 1), *x = malloc(cols + 1);
	float *scale = floats(rows), want[37], got[37];
	cr_assert_not_null(w);
	cr_assert_not_null(x);
	fill_q8(w, rows * cols + 1, 61);
	fill_q8(x, cols + 1, 62);
	noa_model_fill(scale, rows, 63);
	cr_assert_eq(noa_kernels_matvec_q8(ks[0], want, w + 1, scale, x + 1, 0.0125f, rows, cols), 0);
	/* Row 0 by hand: the int32 sum, scaled. */
	int32_t acc = 0;
	for (size_t c = 0; c < cols; c++)
		acc += (int32_t)w[1 + c] * (int32_t)x[1 + c];
	cr_assert_eq(want[0], (float)acc * scale[0] * 0.0125f);
	for (int v = 1; v < nk; v++) {
		cr_assert_eq(noa_kernels_matvec_q8(ks[v], got, w + 1, scale, x + 1, 0.0125f, rows, cols), 0);
		cr_assert_eq(memcmp(got, want, sizeof want), 0, "%s", ks[v]->name);
	}
	cr_assert_eq(noa_kernels_matvec_q8(ks[0], got, w, scale, x, 1.0f, 1, NOA_KERNELS_Q8_MAX_N + 1),
		     NOA_EINVALID);
	free(w);
	free(x);
	free(scale);
}

Test(kernels, batched_matvec_equals_one_matvec_per_input)
{
	const struct noa_kernels *ks[NOA_KERNEL_NVARIANTS];
	int nk = supported_variants(ks);
	const size_t rows = 19, cols = 45, batch = 100;
	float *w = floats(rows * cols), *x = floats(batch * cols), *want = floats(batch * rows);
	float *got = floats(batch * rows);
	noa_model_fill(w, rows * cols, 71);
	noa_model_fill(x, batch * cols, 72);
	const int threads[] = {0, 1, 2, 3, 7, 100, 1000};
	for (int v = 0; v < nk; v++) {
		for (size_t b = 0; b < batch; b++)
			ks[v]->matvec(want + b * rows, w, x + b * cols, rows, cols);
		for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
			memset(got, 0, batch * rows * sizeof(float));
			cr_assert_eq(
				noa_kernels_matvec_batch(ks[v], got, w, x, rows, cols, batch, threads[t]), 0);
			cr_assert_eq(memcmp(got, want, batch * rows * sizeof(float)), 0, "%s threads=%d",
				     ks[v]->name, threads[t]);
		}
		cr_assert_eq(noa_kernels_matvec_batch(ks[v], got, w, x, rows, cols, 0, 4), 0);
	}
	cr_assert_eq(noa_kernels_matvec_batch(ks[0], got, w, x, 2, 1, SIZE_MAX, 4), NOA_EINVALID);
	free(w);
	free(x);
	free(want);
	free(got);
}

Test(kernels, threads_only_with_the_throughput_gate)
{
	if (!noa_feature_enabled("throughput"))
		cr_assert_eq(noa_kernels_threaded(), 0);
}

Test(kernels, default_threads_follow_the_low_power_gate)
{
	if (noa_feature_enabled("low-power")) {
		cr_expect_eq(noa_kernels_default_threads(8), 4);
		cr_expect_eq(noa_kernels_default_threads(7), 3);
		cr_expect_eq(noa_kernels_default_threads(1), 1);
	} else {
		cr_expect_eq(noa_kernels_default_threads(8), 8);
		cr_expect_eq(noa_kernels_default_threads(7), 7);
		cr_expect_eq(noa_kernels_default_threads(1), 1);
	}
	cr_expect_eq(noa_kernels_default_threads(0), 1);
	cr_expect_eq(noa_kernels_default_threads(-3), 1);
	cr_expect_eq(noa_kernels_default_threads(100000), NOA_KERNELS_MAX_THREADS);
}
