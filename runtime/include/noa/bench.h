/* The kernels' benchmark behind `noa bench`: ns per call of every kernel in every variant compiled in and
 * supported by the CPU, at fixed sizes, and the design's three figures for the small fixed model
 * (include/noa/model.h): handler creation, one warm inference, a batch of 100. Each figure is the median
 * of several repetitions timed with CLOCK_MONOTONIC; it is a measurement, never a pass/fail check. */
#ifndef NOA_BENCH_H
#define NOA_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "noa/kernels.h"

/* The fixed sizes: vadd and dot on NOA_BENCH_N floats, matvec (f32 and int8) on ROWS x COLS. */
#define NOA_BENCH_N 4096
#define NOA_BENCH_ROWS 256
#define NOA_BENCH_COLS 256
/* The model batch's size. */
#define NOA_BENCH_BATCH 100
/* Most repetitions per figure. */
#define NOA_BENCH_MAX_REPS 31
/* vadd, dot, matvec, matvec_q8 for every variant. */
#define NOA_BENCH_MAX_ENTRIES (4 * NOA_KERNEL_NVARIANTS)

struct noa_bench_config {
	/* Repetitions per figure (1 to NOA_BENCH_MAX_REPS); the median is reported. */
	int reps;
	/* Each repetition repeats the call until it takes at least this long. */
	int64_t min_rep_ns;
	/* Worker threads for the model batch (noa_kernels_default_threads). */
	int nthreads;
};

struct noa_bench_entry {
	/* "vadd", "dot", "matvec" or "matvec_q8". */
	const char *kernel;
	/* The variant's name, as in struct noa_kernels. */
	const char *variant;
	/* Elements (vadd, dot) or matrix entries (rows * cols, matvecs); rows and cols are 0 for vectors. */
	size_t n, rows, cols;
	double ns_per_call;
};

struct noa_bench_result {
	/* The table the model ran with, and so the variant chosen for every kernel; borrowed. */
	const struct noa_kernels *chosen;
	/* Worker threads given to the batch, and whether this runtime runs batches on threads. */
	int threads, threaded;
	int nentries;
	struct noa_bench_entry entries[NOA_BENCH_MAX_ENTRIES];
	double handler_creation_us, warm_inference_ns, batch100_us;
};

/* The defaults noa bench uses: 5 repetitions of at least 2 ms, nthreads as given. */
void noa_bench_default_config(struct noa_bench_config *cfg, int nthreads);

/* Runs the benchmark: every variant compiled in and supported by features (see noa_kernels_supported),
 * and the model computed with chosen. Returns 0; NOA_EINVALID for a config out of range; NOA_ENOMEM;
 * NOA_EIO when the monotonic clock cannot be read. */
int noa_bench_run(struct noa_bench_result *r, const struct noa_bench_config *cfg,
		  const struct noa_kernels *chosen, const char *const *features, size_t nfeatures);

/* Writes r as the "noa.bench/v1" object `noa bench --json` prints. */
struct noa_json;
void noa_bench_json(struct noa_json *j, const struct noa_bench_result *r);

#endif
