/* The bench's small fixed model (include/noa/model.h): a 64-128-16 perceptron with ReLU, weights from a
 * xorshift32 generator with a fixed seed, computed with the kernels' matvec and vadd. */
#include "noa/model.h"

#include <stdint.h>
#include <stdlib.h>

#include "noa/error.h"
#include "parallel.h"

/* The seeds of the model's parameters; any fixed values do. */
#define SEED_W1 0x9e3779b9u
#define SEED_B1 0x85ebca6bu
#define SEED_W2 0xc2b2ae35u
#define SEED_B2 0x27d4eb2fu

struct noa_model {
	const struct noa_kernels *k;
	/* Row-major: w1 is HIDDEN x INPUTS, w2 OUTPUTS x HIDDEN. */
	float w1[NOA_MODEL_HIDDEN * NOA_MODEL_INPUTS];
	float b1[NOA_MODEL_HIDDEN];
	float w2[NOA_MODEL_OUTPUTS * NOA_MODEL_HIDDEN];
	float b2[NOA_MODEL_OUTPUTS];
};

void noa_model_fill(float *x, size_t n, unsigned seed)
{
	uint32_t s = (uint32_t)seed ? (uint32_t)seed : 1u;
	for (size_t i = 0; i < n; i++) {
		s ^= s << 13;
		s ^= s >> 17;
		s ^= s << 5;
		/* The top 24 bits as a multiple of 2^-23 in [-1, 1): exact in float. */
		x[i] = (float)((int32_t)(s >> 8) - (1 << 23)) * (1.0f / 8388608.0f);
	}
}

/* Scales x[0..n) by s. */
static void scale(float *x, size_t n, float s)
{
	for (size_t i = 0; i < n; i++)
		x[i] *= s;
}

int noa_model_create(struct noa_model **out, const struct noa_kernels *k)
{
	struct noa_model *m = malloc(sizeof *m);
	if (m == NULL)
		return NOA_ENOMEM;
	m->k = k;
	/* Weights in [-1/sqrt(fan_in), 1/sqrt(fan_in)) keep activations of order 1: 1/8 and 1/11.3. */
	noa_model_fill(m->w1, sizeof m->w1 / sizeof m->w1[0], SEED_W1);
	scale(m->w1, sizeof m->w1 / sizeof m->w1[0], 0.125f);
	noa_model_fill(m->b1, NOA_MODEL_HIDDEN, SEED_B1);
	scale(m->b1, NOA_MODEL_HIDDEN, 0.1f);
	noa_model_fill(m->w2, sizeof m->w2 / sizeof m->w2[0], SEED_W2);
	scale(m->w2, sizeof m->w2 / sizeof m->w2[0], 0.088388f);
	noa_model_fill(m->b2, NOA_MODEL_OUTPUTS, SEED_B2);
	scale(m->b2, NOA_MODEL_OUTPUTS, 0.1f);
	*out = m;
	return 0;
}

void noa_model_free(struct noa_model *m)
{
	free(m);
}

void noa_model_infer(const struct noa_model *m, float *out, const float *in)
{
	float h[NOA_MODEL_HIDDEN];
	m->k->matvec(h, m->w1, in, NOA_MODEL_HIDDEN, NOA_MODEL_INPUTS);
	m->k->vadd(h, h, m->b1, NOA_MODEL_HIDDEN);
	for (size_t i = 0; i < NOA_MODEL_HIDDEN; i++)
		h[i] = h[i] > 0.0f ? h[i] : 0.0f;
	m->k->matvec(out, m->w2, h, NOA_MODEL_OUTPUTS, NOA_MODEL_HIDDEN);
	m->k->vadd(out, out, m->b2, NOA_MODEL_OUTPUTS);
}

/* One batch, shared by the worker threads; each runs its own inputs. */
struct batch {
	const struct noa_model *m;
	float *out;
	const float *in;
};

static void batch_chunk(void *ctx, size_t begin, size_t end)
{
	const struct batch *b = ctx;
	for (size_t i = begin; i < end; i++)
		noa_model_infer(b->m, b->out + i * NOA_MODEL_OUTPUTS, b->in + i * NOA_MODEL_INPUTS);
}

int noa_model_infer_batch(const struct noa_model *m, float *out, const float *in, size_t count, int nthreads)
{
	if (count > NOA_MODEL_MAX_BATCH)
		return NOA_EINVALID;
	struct batch b = {m, out, in};
	noa_parallel_for(count, nthreads, batch_chunk, &b);
	return 0;
}
