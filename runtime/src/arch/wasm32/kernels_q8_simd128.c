/* The simd128 int8 dot product (quantized-kernels gate; compiled with -msimd128): 16 bytes at a time,
 * sign-extended to int16 and multiplied and pair-summed into int32 lanes with i32x4.dot_i16x8_s; exact,
 * like the scalar sum. */
#include <wasm_simd128.h>

#include "kernels_arch.h"

int32_t noa_q8_dot_simd128(const int8_t *a, const int8_t *b, size_t n)
{
	v128_t acc = wasm_i32x4_splat(0);
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		v128_t va = wasm_v128_load(a + i), vb = wasm_v128_load(b + i);
		acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(va),
							       wasm_i16x8_extend_low_i8x16(vb)));
		acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(va),
							       wasm_i16x8_extend_high_i8x16(vb)));
	}
	int32_t sum = wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) +
		      wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3);
	for (; i < n; i++)
		sum += (int32_t)a[i] * (int32_t)b[i];
	return sum;
}
