/* The SSE2 int8 dot product (quantized-kernels gate): 16 bytes at a time, sign-extended to int16 by
 * unpacking and an arithmetic shift (SSE2 has no pmovsx), multiplied and pair-summed into int32 lanes
 * with pmaddwd; int8 products fit int16 pairs in int32 exactly, so the sum equals the scalar one. */
#include <emmintrin.h>

#include "kernels_arch.h"

int32_t noa_q8_dot_sse2(const int8_t *a, const int8_t *b, size_t n)
{
	__m128i acc = _mm_setzero_si128();
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m128i va = _mm_loadu_si128((const __m128i *)(const void *)(a + i));
		__m128i vb = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
		__m128i alo = _mm_srai_epi16(_mm_unpacklo_epi8(va, va), 8);
		__m128i ahi = _mm_srai_epi16(_mm_unpackhi_epi8(va, va), 8);
		__m128i blo = _mm_srai_epi16(_mm_unpacklo_epi8(vb, vb), 8);
		__m128i bhi = _mm_srai_epi16(_mm_unpackhi_epi8(vb, vb), 8);
		acc = _mm_add_epi32(acc, _mm_madd_epi16(alo, blo));
		acc = _mm_add_epi32(acc, _mm_madd_epi16(ahi, bhi));
	}
	acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, _MM_SHUFFLE(1, 0, 3, 2)));
	acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, _MM_SHUFFLE(2, 3, 0, 1)));
	int32_t sum = _mm_cvtsi128_si32(acc);
	for (; i < n; i++)
		sum += (int32_t)a[i] * (int32_t)b[i];
	return sum;
}
