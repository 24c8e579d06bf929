/* The WebAssembly simd128 f32 kernels (this file alone is compiled with -msimd128): 4-float vectors, four
 * independent accumulators in the dot product (simd128 has no fused multiply-add), unaligned loads, and a
 * scalar tail. */
#include <wasm_simd128.h>

#include "kernels_arch.h"

void noa_vadd_simd128(float *out, const float *a, const float *b, size_t n)
{
	size_t i = 0;
	for (; i + 4 <= n; i += 4)
		wasm_v128_store(out + i, wasm_f32x4_add(wasm_v128_load(a + i), wasm_v128_load(b + i)));
	for (; i < n; i++)
		out[i] = a[i] + b[i];
}

static v128_t mul(const float *a, const float *b)
{
	return wasm_f32x4_mul(wasm_v128_load(a), wasm_v128_load(b));
}

float noa_dot_simd128(const float *a, const float *b, size_t n)
{
	v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		s0 = wasm_f32x4_add(s0, mul(a + i, b + i));
		s1 = wasm_f32x4_add(s1, mul(a + i + 4, b + i + 4));
		s2 = wasm_f32x4_add(s2, mul(a + i + 8, b + i + 8));
		s3 = wasm_f32x4_add(s3, mul(a + i + 12, b + i + 12));
	}
	for (; i + 4 <= n; i += 4)
		s0 = wasm_f32x4_add(s0, mul(a + i, b + i));
	v128_t s = wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3));
	float sum = (wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1)) +
		    (wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 3));
	for (; i < n; i++)
		sum += a[i] * b[i];
	return sum;
}

void noa_matvec_simd128(float *y, const float *w, const float *x, size_t rows, size_t cols)
{
	for (size_t r = 0; r < rows; r++)
		y[r] = noa_dot_simd128(w + r * cols, x, cols);
}
