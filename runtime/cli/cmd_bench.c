/* noa bench: times every kernel variant compiled in and supported by this CPU, and the small fixed model
 * with the variant chosen, as a table or as "noa.bench/v1" JSON. The CPU's features come from the probe;
 * NOA_KERNEL=scalar|sse2|avx2|neon|simd128 forces a variant (exit 3 when it is unknown, not compiled in or
 * not supported). The figures are measurements only. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "noa/bench.h"
#include "noa/error.h"
#include "noa/hardware.h"
#include "noa/json.h"
#include "noa/kernels.h"

static void bench_help(void)
{
	printf("Usage: noa bench [--json]\n\n"
	       "Time the compute kernels (vector add and dot on %d floats, matvec on %dx%d) in every "
	       "variant\n"
	       "compiled in and supported by this CPU, and a small fixed model (64-128-16 perceptron): "
	       "handler\n"
	       "creation, one warm inference and a batch of %d. Figures are medians of several runs.\n\n"
	       "Options:\n"
	       "  --json      print the report as JSON (schema noa.bench/v1)\n"
	       "  -h, --help  show this help\n\n"
	       "Environment:\n"
	       "  NOA_KERNEL  force a variant: scalar, sse2, avx2, neon or simd128\n",
	       NOA_BENCH_N, NOA_BENCH_ROWS, NOA_BENCH_COLS, NOA_BENCH_BATCH);
}

/* Reports why the variant NOA_KERNEL names cannot be used; returns EXIT_INPUT. */
static int forced_error(int rc, const char *forced)
{
	enum noa_kernel_variant v;
	const char *why = "is not supported by this CPU";
	if (rc == NOA_EINVALID)
		why = "is not a kernel variant (scalar, sse2, avx2, neon, simd128)";
	else if (noa_kernel_variant_parse(&v, forced) == 0 && noa_kernels_variant(v) == NULL)
		why = "is not compiled into this runtime";
	fprintf(stderr, "noa: bench: NOA_KERNEL=%s %s\n", forced, why);
	return EXIT_INPUT;
}

static void print_table(const struct noa_bench_result *r)
{
	printf("chosen: %s (%d worker thread%s%s)\n\n", r->chosen->name, r->threads,
	       r->threads == 1 ? "" : "s", r->threaded ? "" : ", batches run single-threaded");
	printf("%-10s %-8s %8s %14s\n", "kernel", "variant", "n", "ns/call");
	for (int i = 0; i < r->nentries; i++) {
		const struct noa_bench_entry *e = &r->entries[i];
		printf("%-10s %-8s %8zu %14.1f\n", e->kernel, e->variant, e->n, e->ns_per_call);
	}
	printf("\nmodel (64-128-16 perceptron, %s):\n", r->chosen->name);
	printf("  handler creation  %12.3f us\n", r->handler_creation_us);
	printf("  warm inference    %12.1f ns\n", r->warm_inference_ns);
	printf("  batch of %-3d      %12.3f us\n", NOA_BENCH_BATCH, r->batch100_us);
}

int cmd_bench(int argc, char **argv)
{
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (noa_is_help(argv[i])) {
			bench_help();
			return EXIT_OK;
		} else {
			return noa_usage_error("bench", "unknown option '%s'", argv[i]);
		}
	}

	struct noa_probe_source src;
	struct noa_cpu cpu;
	if (noa_cli_probe_source(&src, "bench", NULL) != 0)
		return EXIT_IO;
	noa_probe_cpu(&cpu, &src);
	const char *features[NOA_MAX_FEATURES];
	size_t nfeatures = noa_cpu_feature_names(&cpu, features, NOA_MAX_FEATURES);

	const char *forced = noa_env_get(&noa_cli_env, "NOA_KERNEL");
	const struct noa_kernels *k;
	int rc = noa_kernels_select(&k, features, nfeatures, forced);
	if (rc != 0)
		return forced_error(rc, forced);

	struct noa_bench_config cfg;
	struct noa_bench_result r;
	int cores = cpu.physical_cores > 0 ? cpu.physical_cores : cpu.logical_cores;
	noa_bench_default_config(&cfg, noa_kernels_default_threads(cores));
	rc = noa_bench_run(&r, &cfg, k, features, nfeatures);
	if (rc != 0) {
		fprintf(stderr, "noa: bench: %s\n", noa_strerror(rc));
		return rc == NOA_ENOMEM || rc == NOA_EIO ? EXIT_IO : EXIT_INPUT;
	}
	if (!json) {
		print_table(&r);
		return EXIT_OK;
	}
	struct noa_json j;
	char *text;
	noa_json_init(&j, 1);
	noa_bench_json(&j, &r);
	rc = noa_json_finish(&j, &text, NULL);
	return noa_print_json("bench", rc, text);
}
