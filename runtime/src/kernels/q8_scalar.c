/* The scalar int8 dot product (quantized-kernels gate), the reference the SIMD int8 dots must match
 * exactly. Compiled without auto-vectorization (cmake/Kernels.cmake). */
#include "kernels_arch.h"

int32_t noa_q8_dot_scalar(const int8_t *a, const int8_t *b, size_t n)
{
	int32_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (int32_t)a[i] * (int32_t)b[i];
	return sum;
}
