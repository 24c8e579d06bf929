/* For tests that select kernels: the CPU this test runs on, with its feature names as the probe reports
 * them (the real instructions, not a fixture). */
#ifndef NOA_TESTS_HOST_CPU_H
#define NOA_TESTS_HOST_CPU_H

#include <stddef.h>

#include "noa/hardware.h"

struct host {
	struct noa_cpu cpu;
	/* Borrowed from cpu. */
	const char *names[NOA_MAX_FEATURES];
	size_t n;
};

/* Probes the running CPU into h. */
void host_features(struct host *h);

#endif
