/* The running CPU's features for kernel-selection tests. */
#include "host_cpu.h"

#include <criterion/criterion.h>
#include <string.h>

void host_features(struct host *h)
{
	struct noa_probe_source src;
	memset(&src, 0, sizeof src);
	cr_assert_eq(noa_sysroot_init(&src.root, NULL), 0);
	src.host = 1;
	noa_probe_cpu(&h->cpu, &src);
	h->n = noa_cpu_feature_names(&h->cpu, h->names, NOA_MAX_FEATURES);
}
