/* The NEON int8 dot product (quantized-kernels gate): 16 bytes at a time, widening multiplies into int16
 * (an int8 product always fits) and pairwise accumulation into int32 lanes; exact, like the scalar sum. */
#include <arm_neon.h>

#include "kernels_arch.h"

int32_t noa_q8_dot_neon(const int8_t *a, const int8_t *b, size_t n)
{
	int32x4_t acc0 = vdupq_n_s32(0), acc1 = vdupq_n_s32(0);
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		int8x16_t va = vld1q_s8(a + i), vb = vld1q_s8(b + i);
		acc0 = vpadalq_s16(acc0, vmull_s8(vget_low_s8(va), vget_low_s8(vb)));
		acc1 = vpadalq_s16(acc1, vmull_high_s8(va, vb));
	}
	int32_t sum = vaddvq_s32(vaddq_s32(acc0, acc1));
	for (; i < n; i++)
		sum += (int32_t)a[i] * (int32_t)b[i];
	return sum;
}
