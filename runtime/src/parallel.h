/* Splitting a loop across worker threads, for the batched entry points. Two implementations exist and
 * cmake/Kernels.cmake builds one: src/kernels/parallel_pthread.c with the throughput gate where pthreads
 * exist (never wasm32), src/kernels/parallel_serial.c otherwise. */
#ifndef NOA_PARALLEL_H
#define NOA_PARALLEL_H

#include <stddef.h>

/* A chunk of work: the indices [begin, end) of the loop, with the caller's context. */
typedef void (*noa_parallel_fn)(void *ctx, size_t begin, size_t end);

/* Calls fn over [0, count) split into at most nthreads contiguous chunks (capped at
 * NOA_KERNELS_MAX_THREADS), each on its own thread where the build has threads, the first in the caller;
 * a chunk whose thread cannot start runs in the caller. Returns when every chunk is done. */
void noa_parallel_for(size_t count, int nthreads, noa_parallel_fn fn, void *ctx);

/* 1 when noa_parallel_for runs chunks on worker threads, else 0. */
int noa_parallel_threaded(void);

#endif
