/* The AVX2 int8 dot product (quantized-kernels gate; compiled with -mavx2): 32 bytes at a time,
 * sign-extended to int16 with vpmovsxbw, multiplied and pair-summed into int32 lanes with vpmaddwd;
 * exact, like the scalar sum. */
#include <immintrin.h>

#include "kernels_arch.h"

/* The int32 products of the 16 int8 pairs at a and b, pair-summed into eight lanes. */
static __m256i madd16(const int8_t *a, const int8_t *b)
{
	__m256i va = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)a));
	__m256i vb = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)b));
	return _mm256_madd_epi16(va, vb);
}

int32_t noa_q8_dot_avx2(const int8_t *a, const int8_t *b, size_t n)
{
	__m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		acc0 = _mm256_add_epi32(acc0, madd16(a + i, b + i));
		acc1 = _mm256_add_epi32(acc1, madd16(a + i + 16, b + i + 16));
	}
	for (; i + 16 <= n; i += 16)
		acc0 = _mm256_add_epi32(acc0, madd16(a + i, b + i));
	__m256i acc = _mm256_add_epi32(acc0, acc1);
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
	int32_t sum = _mm_cvtsi128_si32(s);
	for (; i < n; i++)
		sum += (int32_t)a[i] * (int32_t)b[i];
	return sum;
}
