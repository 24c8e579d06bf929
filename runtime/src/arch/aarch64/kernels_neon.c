/* The NEON (Advanced SIMD) f32 kernels, baseline on aarch64: 4-float vectors, four independent fused
 * multiply-add accumulators in the dot product, unaligned loads, and a scalar tail. */
#include <arm_neon.h>

#include "kernels_arch.h"

void noa_vadd_neon(float *out, const float *a, const float *b, size_t n)
{
	size_t i = 0;
	for (; i + 4 <= n; i += 4)
		vst1q_f32(out + i, vaddq_f32(vld1q_f32(a + i), vld1q_f32(b + i)));
	for (; i < n; i++)
		out[i] = a[i] + b[i];
}

float noa_dot_neon(const float *a, const float *b, size_t n)
{
	float32x4_t s0 = vdupq_n_f32(0.0f), s1 = vdupq_n_f32(0.0f);
	float32x4_t s2 = vdupq_n_f32(0.0f), s3 = vdupq_n_f32(0.0f);
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
		s1 = vfmaq_f32(s1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
		s2 = vfmaq_f32(s2, vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
		s3 = vfmaq_f32(s3, vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
	}
	for (; i + 4 <= n; i += 4)
		s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
	float sum = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
	for (; i < n; i++)
		sum += a[i] * b[i];
	return sum;
}

void noa_matvec_neon(float *y, const float *w, const float *x, size_t rows, size_t cols)
{
	for (size_t r = 0; r < rows; r++)
		y[r] = noa_dot_neon(w + r * cols, x, cols);
}
