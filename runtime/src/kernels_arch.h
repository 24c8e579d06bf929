/* The kernel variants' functions, which src/kernels.c gathers into one table per variant. Each variant
 * lives in its own file (scalar in kernels.c, SIMD under arch/<arch>/, the int8 dots in their own files
 * built only with the quantized-kernels gate); cmake/Kernels.cmake adds the files this target has and
 * compiles each with the instruction set it needs. Contracts are those of struct noa_kernels. */
#ifndef NOA_KERNELS_ARCH_H
#define NOA_KERNELS_ARCH_H

#include <stddef.h>
#include <stdint.h>

/* The int8 scalar dot (src/kernels/q8_scalar.c). */
int32_t noa_q8_dot_scalar(const int8_t *a, const int8_t *b, size_t n);

/* x86_64: arch/x86_64/kernels_sse2.c, kernels_avx2.c, kernels_q8_sse2.c, kernels_q8_avx2.c. */
void noa_vadd_sse2(float *out, const float *a, const float *b, size_t n);
float noa_dot_sse2(const float *a, const float *b, size_t n);
void noa_matvec_sse2(float *y, const float *w, const float *x, size_t rows, size_t cols);
int32_t noa_q8_dot_sse2(const int8_t *a, const int8_t *b, size_t n);
void noa_vadd_avx2(float *out, const float *a, const float *b, size_t n);
float noa_dot_avx2(const float *a, const float *b, size_t n);
void noa_matvec_avx2(float *y, const float *w, const float *x, size_t rows, size_t cols);
int32_t noa_q8_dot_avx2(const int8_t *a, const int8_t *b, size_t n);

/* aarch64: arch/aarch64/kernels_neon.c, kernels_q8_neon.c. */
void noa_vadd_neon(float *out, const float *a, const float *b, size_t n);
float noa_dot_neon(const float *a, const float *b, size_t n);
void noa_matvec_neon(float *y, const float *w, const float *x, size_t rows, size_t cols);
int32_t noa_q8_dot_neon(const int8_t *a, const int8_t *b, size_t n);

/* wasm32: arch/wasm32/kernels_simd128.c, kernels_q8_simd128.c. */
void noa_vadd_simd128(float *out, const float *a, const float *b, size_t n);
float noa_dot_simd128(const float *a, const float *b, size_t n);
void noa_matvec_simd128(float *y, const float *w, const float *x, size_t rows, size_t cols);
int32_t noa_q8_dot_simd128(const int8_t *a, const int8_t *b, size_t n);

#endif
