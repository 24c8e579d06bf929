/* noa_parallel_for on POSIX threads (throughput gate): one thread per chunk, started per call and joined
 * before returning, so no thread outlives the call and nothing is shared between calls. */
#include "parallel.h"

#include <pthread.h>

#include "noa/kernels.h"

struct chunk {
	noa_parallel_fn fn;
	void *ctx;
	size_t begin, end;
	pthread_t thread;
	/* 1 when thread was started and must be joined. */
	int started;
};

static void *run_chunk(void *arg)
{
	struct chunk *c = arg;
	c->fn(c->ctx, c->begin, c->end);
	return NULL;
}

void noa_parallel_for(size_t count, int nthreads, noa_parallel_fn fn, void *ctx)
{
	struct chunk chunks[NOA_KERNELS_MAX_THREADS];
	size_t n = nthreads < 1 ? 1 : (size_t)nthreads;
	if (n > NOA_KERNELS_MAX_THREADS)
		n = NOA_KERNELS_MAX_THREADS;
	if (n > count)
		n = count;
	if (n <= 1) {
		if (count > 0)
			fn(ctx, 0, count);
		return;
	}
	/* Chunk i gets count / n indices, and the first count % n chunks one more. */
	size_t base = count / n, extra = count % n, begin = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = base + (i < extra ? 1 : 0);
		chunks[i] = (struct chunk){.fn = fn, .ctx = ctx, .begin = begin, .end = begin + len};
		begin += len;
	}
	for (size_t i = 1; i < n; i++)
		chunks[i].started = pthread_create(&chunks[i].thread, NULL, run_chunk, &chunks[i]) == 0;
	run_chunk(&chunks[0]);
	for (size_t i = 1; i < n; i++) {
		if (chunks[i].started)
			pthread_join(chunks[i].thread, NULL);
		else
			run_chunk(&chunks[i]);
	}
}

int noa_parallel_threaded(void)
{
	return 1;
}
