/* The kernels' benchmark (include/noa/bench.h). Each figure: a calibration run finds how many calls make
 * a repetition of at least min_rep_ns, then cfg->reps repetitions are timed and the median time per call
 * is kept. Results go to a sink the compiler must keep, so no call is optimized away. */
#include "noa/bench.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "noa/error.h"
#include "noa/json.h"
#include "noa/model.h"

/* Most calls one repetition makes, so a broken clock cannot loop for ever. */
#define MAX_ITERS ((long)1 << 30)

/* The operands of every kernel; one allocation each, filled once. */
struct operands {
	const struct noa_kernels *k;
	float *a, *b, *out, *w, *x, *y, *row_scale;
	int8_t *qw, *qx;
	struct noa_model *model;
	float *batch_in, *batch_out;
	int nthreads;
	/* Where results go so that calls cannot be elided. */
	float sink;
};

/* Runs iters calls of one benchmarked operation on o; returns 0 or an error code. */
typedef int (*bench_fn)(struct operands *o, long iters);

static int now_ns(int64_t *t)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return NOA_EIO;
	*t = (int64_t)ts.tv_sec * 1000000000 + (int64_t)ts.tv_nsec;
	return 0;
}

/* Times one run of iters calls into *ns. */
static int time_run(int64_t *ns, bench_fn fn, struct operands *o, long iters)
{
	int64_t t0, t1;
	int rc = now_ns(&t0);
	if (rc == 0)
		rc = fn(o, iters);
	if (rc == 0)
		rc = now_ns(&t1);
	if (rc == 0)
		*ns = t1 - t0;
	return rc;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return (a > b) - (a < b);
}

/* Sets *ns_per_call to the median over cfg->reps repetitions of fn's time per call. */
static int measure(double *ns_per_call, const struct noa_bench_config *cfg, bench_fn fn, struct operands *o)
{
	double samples[NOA_BENCH_MAX_REPS];
	int64_t ns = 0;
	long iters = 1;
	int rc;
	/* Calibrate: double the calls until a run takes a quarter of a repetition, then scale up. */
	for (;;) {
		rc = time_run(&ns, fn, o, iters);
		if (rc != 0)
			return rc;
		if (ns >= cfg->min_rep_ns / 4 || iters >= MAX_ITERS / 8)
			break;
		iters *= 2;
	}
	if (ns < cfg->min_rep_ns)
		iters = ns > 0 ? (long)((double)iters * (double)cfg->min_rep_ns / (double)ns) + 1 : iters * 4;
	if (iters > MAX_ITERS)
		iters = MAX_ITERS;
	for (int i = 0; i < cfg->reps; i++) {
		rc = time_run(&ns, fn, o, iters);
		if (rc != 0)
			return rc;
		samples[i] = (double)ns / (double)iters;
	}
	qsort(samples, (size_t)cfg->reps, sizeof samples[0], cmp_double);
	*ns_per_call = cfg->reps % 2 ? samples[cfg->reps / 2]
				     : (samples[cfg->reps / 2 - 1] + samples[cfg->reps / 2]) / 2.0;
	return 0;
}

static int run_vadd(struct operands *o, long iters)
{
	for (long i = 0; i < iters; i++)
		o->k->vadd(o->out, o->a, o->b, NOA_BENCH_N);
	o->sink += o->out[0];
	return 0;
}

static int run_dot(struct operands *o, long iters)
{
	for (long i = 0; i < iters; i++)
		o->sink += o->k->dot(o->a, o->b, NOA_BENCH_N);
	return 0;
}

static int run_matvec(struct operands *o, long iters)
{
	for (long i = 0; i < iters; i++)
		o->k->matvec(o->y, o->w, o->x, NOA_BENCH_ROWS, NOA_BENCH_COLS);
	o->sink += o->y[0];
	return 0;
}

static int run_matvec_q8(struct operands *o, long iters)
{
	for (long i = 0; i < iters; i++) {
		int rc = noa_kernels_matvec_q8(o->k, o->y, o->qw, o->row_scale, o->qx, 0.01f, NOA_BENCH_ROWS,
					       NOA_BENCH_COLS);
		if (rc != 0)
			return rc;
	}
	o->sink += o->y[0];
	return 0;
}

static int run_create(struct operands *o, long iters)
{
	for (long i = 0; i < iters; i++) {
		struct noa_model *m;
		int rc = noa_model_create(&m, o->k);
		if (rc != 0)
			return rc;
		noa_model_free(m);
	}
	return 0;
}

static int run_infer(struct operands *o, long iters)
{
	for (long i = 0; i < iters; i++)
		noa_model_infer(o->model, o->batch_out, o->batch_in);
	o->sink += o->batch_out[0];
	return 0;
}

static int run_batch(struct operands *o, long iters)
{
	for (long i = 0; i < iters; i++) {
		int rc = noa_model_infer_batch(o->model, o->batch_out, o->batch_in, NOA_BENCH_BATCH,
					       o->nthreads);
		if (rc != 0)
			return rc;
	}
	o->sink += o->batch_out[0];
	return 0;
}

static void free_operands(struct operands *o)
{
	free(o->a);
	free(o->b);
	free(o->out);
	free(o->w);
	free(o->x);
	free(o->y);
	free(o->row_scale);
	free(o->qw);
	free(o->qx);
	free(o->batch_in);
	free(o->batch_out);
	noa_model_free(o->model);
}

/* Fills q[0..n) with deterministic int8 values. */
static void fill_q8(int8_t *q, size_t n)
{
	uint32_t s = 12345u;
	for (size_t i = 0; i < n; i++) {
		s = s * 1103515245u + 12345u;
		q[i] = (int8_t)((int32_t)((s >> 16) & 0xff) - 128);
	}
}

static int alloc_operands(struct operands *o, const struct noa_kernels *chosen, int nthreads)
{
	const size_t mat = (size_t)NOA_BENCH_ROWS * NOA_BENCH_COLS;
	memset(o, 0, sizeof *o);
	o->nthreads = nthreads;
	o->a = malloc(NOA_BENCH_N * sizeof(float));
	o->b = malloc(NOA_BENCH_N * sizeof(float));
	o->out = malloc(NOA_BENCH_N * sizeof(float));
	o->w = malloc(mat * sizeof(float));
	o->x = malloc(NOA_BENCH_COLS * sizeof(float));
	o->y = malloc(NOA_BENCH_ROWS * sizeof(float));
	o->row_scale = malloc(NOA_BENCH_ROWS * sizeof(float));
	o->qw = malloc(mat);
	o->qx = malloc(NOA_BENCH_COLS);
	o->batch_in = malloc((size_t)NOA_BENCH_BATCH * NOA_MODEL_INPUTS * sizeof(float));
	o->batch_out = malloc((size_t)NOA_BENCH_BATCH * NOA_MODEL_OUTPUTS * sizeof(float));
	if (!o->a || !o->b || !o->out || !o->w || !o->x || !o->y || !o->row_scale || !o->qw || !o->qx ||
	    !o->batch_in || !o->batch_out)
		return NOA_ENOMEM;
	noa_model_fill(o->a, NOA_BENCH_N, 1);
	noa_model_fill(o->b, NOA_BENCH_N, 2);
	noa_model_fill(o->w, mat, 3);
	noa_model_fill(o->x, NOA_BENCH_COLS, 4);
	noa_model_fill(o->row_scale, NOA_BENCH_ROWS, 5);
	fill_q8(o->qw, mat);
	fill_q8(o->qx, NOA_BENCH_COLS);
	noa_model_fill(o->batch_in, (size_t)NOA_BENCH_BATCH * NOA_MODEL_INPUTS, 6);
	return noa_model_create(&o->model, chosen);
}

/* Appends one kernel's figure for o->k to r. */
static int bench_kernel(struct noa_bench_result *r, const struct noa_bench_config *cfg, struct operands *o,
			const char *kernel, bench_fn fn, int matrix)
{
	struct noa_bench_entry *e = &r->entries[r->nentries];
	e->kernel = kernel;
	e->variant = o->k->name;
	e->rows = matrix ? NOA_BENCH_ROWS : 0;
	e->cols = matrix ? NOA_BENCH_COLS : 0;
	e->n = matrix ? (size_t)NOA_BENCH_ROWS * NOA_BENCH_COLS : NOA_BENCH_N;
	int rc = measure(&e->ns_per_call, cfg, fn, o);
	if (rc == 0)
		r->nentries++;
	return rc;
}

void noa_bench_default_config(struct noa_bench_config *cfg, int nthreads)
{
	cfg->reps = 5;
	cfg->min_rep_ns = 2000000;
	cfg->nthreads = nthreads;
}

int noa_bench_run(struct noa_bench_result *r, const struct noa_bench_config *cfg,
		  const struct noa_kernels *chosen, const char *const *features, size_t nfeatures)
{
	struct operands o;
	double ns;
	int rc;
	if (cfg->reps < 1 || cfg->reps > NOA_BENCH_MAX_REPS || cfg->min_rep_ns < 0)
		return NOA_EINVALID;
	memset(r, 0, sizeof *r);
	r->chosen = chosen;
	r->threads = cfg->nthreads < 1 ? 1 : cfg->nthreads;
	r->threaded = noa_kernels_threaded();
	rc = alloc_operands(&o, chosen, r->threads);
	for (int v = 0; rc == 0 && v < NOA_KERNEL_NVARIANTS; v++) {
		o.k = noa_kernels_variant((enum noa_kernel_variant)v);
		if (o.k == NULL || !noa_kernels_supported(o.k, features, nfeatures))
			continue;
		rc = bench_kernel(r, cfg, &o, "vadd", run_vadd, 0);
		if (rc == 0)
			rc = bench_kernel(r, cfg, &o, "dot", run_dot, 0);
		if (rc == 0)
			rc = bench_kernel(r, cfg, &o, "matvec", run_matvec, 1);
		if (rc == 0 && o.k->dot_q8)
			rc = bench_kernel(r, cfg, &o, "matvec_q8", run_matvec_q8, 1);
	}
	o.k = chosen;
	if (rc == 0)
		rc = measure(&ns, cfg, run_create, &o);
	if (rc == 0) {
		r->handler_creation_us = ns / 1000.0;
		noa_model_infer(o.model, o.batch_out, o.batch_in);
		rc = measure(&r->warm_inference_ns, cfg, run_infer, &o);
	}
	if (rc == 0)
		rc = measure(&ns, cfg, run_batch, &o);
	if (rc == 0)
		r->batch100_us = ns / 1000.0;
	free_operands(&o);
	return rc;
}

void noa_bench_json(struct noa_json *j, const struct noa_bench_result *r)
{
	noa_json_begin_object(j);
	noa_json_key(j, "schema");
	noa_json_str(j, "noa.bench/v1");
	noa_json_key(j, "chosen");
	noa_json_begin_object(j);
	noa_json_key(j, "vadd");
	noa_json_str(j, r->chosen->name);
	noa_json_key(j, "dot");
	noa_json_str(j, r->chosen->name);
	noa_json_key(j, "matvec");
	noa_json_str(j, r->chosen->name);
	if (r->chosen->dot_q8) {
		noa_json_key(j, "matvec_q8");
		noa_json_str(j, r->chosen->name);
	}
	noa_json_end_object(j);
	noa_json_key(j, "threads");
	noa_json_int(j, r->threads);
	noa_json_key(j, "threaded");
	noa_json_bool(j, r->threaded);
	noa_json_key(j, "kernels");
	noa_json_begin_array(j);
	for (int i = 0; i < r->nentries; i++) {
		const struct noa_bench_entry *e = &r->entries[i];
		noa_json_begin_object(j);
		noa_json_key(j, "kernel");
		noa_json_str(j, e->kernel);
		noa_json_key(j, "variant");
		noa_json_str(j, e->variant);
		noa_json_key(j, "n");
		noa_json_uint(j, e->n);
		if (e->rows) {
			noa_json_key(j, "rows");
			noa_json_uint(j, e->rows);
			noa_json_key(j, "cols");
			noa_json_uint(j, e->cols);
		}
		noa_json_key(j, "ns_per_call");
		noa_json_double(j, e->ns_per_call, 1);
		noa_json_end_object(j);
	}
	noa_json_end_array(j);
	noa_json_key(j, "model");
	noa_json_begin_object(j);
	noa_json_key(j, "name");
	noa_json_str(j, "mlp-64-128-16-relu");
	noa_json_key(j, "handler_creation_us");
	noa_json_double(j, r->handler_creation_us, 3);
	noa_json_key(j, "warm_inference_ns");
	noa_json_double(j, r->warm_inference_ns, 1);
	noa_json_key(j, "batch100_us");
	noa_json_double(j, r->batch100_us, 3);
	noa_json_end_object(j);
	noa_json_end_object(j);
}
