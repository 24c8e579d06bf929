/* The SSE2 f32 kernels (x86_64 baseline): 4-float vectors, four independent accumulators in the dot
 * product so additions overlap, unaligned loads throughout, and a scalar tail. */
#include <emmintrin.h>

#include "kernels_arch.h"

void noa_vadd_sse2(float *out, const float *a, const float *b, size_t n)
{
	size_t i = 0;
	for (; i + 4 <= n; i += 4)
		_mm_storeu_ps(out + i, _mm_add_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(b + i)));
	for (; i < n; i++)
		out[i] = a[i] + b[i];
}

/* The sum of v's four lanes, in a fixed order. */
static float hsum(__m128 v)
{
	__m128 hi = _mm_movehl_ps(v, v);
	__m128 s = _mm_add_ps(v, hi);
	s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
	return _mm_cvtss_f32(s);
}

float noa_dot_sse2(const float *a, const float *b, size_t n)
{
	__m128 s0 = _mm_setzero_ps(), s1 = _mm_setzero_ps(), s2 = _mm_setzero_ps(), s3 = _mm_setzero_ps();
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		s0 = _mm_add_ps(s0, _mm_mul_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(b + i)));
		s1 = _mm_add_ps(s1, _mm_mul_ps(_mm_loadu_ps(a + i + 4), _mm_loadu_ps(b + i + 4)));
		s2 = _mm_add_ps(s2, _mm_mul_ps(_mm_loadu_ps(a + i + 8), _mm_loadu_ps(b + i + 8)));
		s3 = _mm_add_ps(s3, _mm_mul_ps(_mm_loadu_ps(a + i + 12), _mm_loadu_ps(b + i + 12)));
	}
	for (; i + 4 <= n; i += 4)
		s0 = _mm_add_ps(s0, _mm_mul_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(b + i)));
	float sum = hsum(_mm_add_ps(_mm_add_ps(s0, s1), _mm_add_ps(s2, s3)));
	for (; i < n; i++)
		sum += a[i] * b[i];
	return sum;
}

void noa_matvec_sse2(float *y, const float *w, const float *x, size_t rows, size_t cols)
{
	for (size_t r = 0; r < rows; r++)
		y[r] = noa_dot_sse2(w + r * cols, x, cols);
}
