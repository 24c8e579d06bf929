/* noa_parallel_for without threads (no throughput gate, or no pthreads as on wasm32): the whole loop
 * runs in the caller. */
#include "parallel.h"

void noa_parallel_for(size_t count, int nthreads, noa_parallel_fn fn, void *ctx)
{
	(void)nthreads;
	if (count > 0)
		fn(ctx, 0, count);
}

int noa_parallel_threaded(void)
{
	return 0;
}
