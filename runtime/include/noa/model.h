/* The small fixed model noa bench measures: a two-layer perceptron, 64 inputs -> 128 hidden units (ReLU)
 * -> 16 outputs, whose weights and biases come from a fixed-seed integer generator (no files), computed
 * with a chosen kernel table. Creating it is "handler creation"; one forward pass is "inference". A
 * created model is read-only, so threads may run inferences on it at once. */
#ifndef NOA_MODEL_H
#define NOA_MODEL_H

#include <stddef.h>

#include "noa/kernels.h"

#define NOA_MODEL_INPUTS 64
#define NOA_MODEL_HIDDEN 128
#define NOA_MODEL_OUTPUTS 16
/* Most inputs one noa_model_infer_batch call takes. */
#define NOA_MODEL_MAX_BATCH ((size_t)1 << 20)

struct noa_model;

/* Allocates the model and generates its weights; it computes with k (borrowed, must outlive it). *out
 * belongs to the caller (noa_model_free). Returns 0 or NOA_ENOMEM. */
int noa_model_create(struct noa_model **out, const struct noa_kernels *k);
/* Frees m; NULL is allowed. */
void noa_model_free(struct noa_model *m);

/* One forward pass: out (NOA_MODEL_OUTPUTS floats) from in (NOA_MODEL_INPUTS floats). */
void noa_model_infer(const struct noa_model *m, float *out, const float *in);

/* count forward passes: out + i * NOA_MODEL_OUTPUTS from in + i * NOA_MODEL_INPUTS. With the throughput
 * gate and threads the inputs are split across at most nthreads worker threads; every output equals what
 * noa_model_infer gives. Returns 0, or NOA_EINVALID when count exceeds NOA_MODEL_MAX_BATCH. */
int noa_model_infer_batch(const struct noa_model *m, float *out, const float *in, size_t count, int nthreads);

/* Fills x[0..n) with deterministic values in [-1, 1) from the seed, for inputs and tests. */
void noa_model_fill(float *x, size_t n, unsigned seed);

#endif
