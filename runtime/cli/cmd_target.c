/* noa target: prints the deploy target (native, lambda, docker, container, wasm), what detected it, and
 * its capabilities (the design's matrix) next to the effective ones (what was detected and compiled in),
 * as a table or as "noa.target/v1" JSON. --sysroot DIR (or NOA_SYSROOT) looks for marker files under DIR. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "noa/error.h"
#include "noa/hardware.h"
#include "noa/json.h"
#include "noa/target.h"

static void target_help(void)
{
	printf("Usage: noa target [--json] [--sysroot DIR]\n\n"
	       "Report the deploy target (native, lambda, docker, container, wasm) and its capabilities.\n"
	       "Detection order: wasm (compile time), AWS_LAMBDA_FUNCTION_NAME, /.dockerenv,\n"
	       "/run/.containerenv or KUBERNETES_SERVICE_HOST (container), else native.\n\n"
	       "Options:\n"
	       "  --json          print the report as JSON (schema noa.target/v1)\n"
	       "  --sysroot DIR   look for /.dockerenv and probe hardware under DIR (default: $NOA_SYSROOT)\n"
	       "  -h, --help      show this help\n");
}

static const char *yes_no(int v)
{
	return v ? "yes" : "no";
}

/* Formats a memory bound as the table shows it (0 is unlimited) into buf. */
static const char *memory(char *buf, size_t size, int mb)
{
	if (mb == 0)
		snprintf(buf, size, "unlimited");
	else
		snprintf(buf, size, "%d", mb);
	return buf;
}

static void print_table(const struct noa_target *t)
{
	const struct noa_capabilities *c = &t->capabilities, *e = &t->effective;
	char m1[16], m2[16];
	printf("target:      %s (%s)\nfilesystem:  %s\n\n", noa_target_kind_name(t->kind),
	       t->source ? t->source : "default", t->filesystem_scope);
	printf("%-20s  %-11s  %s\n", "capability", "matrix", "effective");
	printf("%-20s  %-11s  %s\n", "supports_simd", yes_no(c->supports_simd), yes_no(e->supports_simd));
	printf("%-20s  %-11s  %s\n", "supports_gpu", yes_no(c->supports_gpu), yes_no(e->supports_gpu));
	printf("%-20s  %-11s  %s\n", "supports_threads", yes_no(c->supports_threads),
	       yes_no(e->supports_threads));
	printf("%-20s  %-11s  %s\n", "supports_filesystem", yes_no(c->supports_filesystem),
	       yes_no(e->supports_filesystem));
	printf("%-20s  %-11s  %s\n", "supports_async_io", yes_no(c->supports_async_io),
	       yes_no(e->supports_async_io));
	printf("%-20s  %-11s  %s\n", "max_memory_mb", memory(m1, sizeof m1, c->max_memory_mb),
	       memory(m2, sizeof m2, e->max_memory_mb));
}

int cmd_target(int argc, char **argv)
{
	struct noa_probe_source src;
	struct noa_hardware hw;
	struct noa_target t;
	const char *sysroot = noa_env_get(&noa_cli_env, "NOA_SYSROOT");
	int json = 0, rc;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--sysroot") == 0) {
			if (i + 1 >= argc)
				return noa_usage_error("target", "option '--sysroot' needs a directory");
			sysroot = argv[++i];
		} else if (strncmp(argv[i], "--sysroot=", 10) == 0) {
			sysroot = argv[i] + 10;
		} else if (noa_is_help(argv[i])) {
			target_help();
			return EXIT_OK;
		} else {
			return noa_usage_error("target", "unknown option '%s'", argv[i]);
		}
	}
	rc = noa_cli_probe_source(&src, "target", sysroot);
	if (rc != 0)
		return rc;
	noa_probe(&hw, &src);
	noa_target_detect(&t, &src, &hw);
	if (!json) {
		print_table(&t);
		return EXIT_OK;
	}
	struct noa_json j;
	char *text;
	noa_json_init(&j, 1);
	noa_target_json_document(&j, &t);
	rc = noa_json_finish(&j, &text, NULL);
	return noa_print_json("target", rc, text);
}
