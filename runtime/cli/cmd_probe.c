/* noa probe: prints the hardware profile (CPU, memory, GPUs, accelerators) and the deploy target, as a
 * short summary or as "noa.hardware/v1" JSON. --sysroot DIR (or NOA_SYSROOT) reads every file under DIR
 * instead of "/", and then takes CPU features from DIR/proc/cpuinfo only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "noa/error.h"
#include "noa/hardware.h"
#include "noa/json.h"
#include "noa/target.h"

struct probe_options {
	int json;
	/* NULL for the host's root. */
	const char *sysroot;
};

static void probe_help(void)
{
	printf("Usage: noa probe [--json] [--sysroot DIR]\n\n"
	       "Report the CPU, memory, GPUs, accelerators and deploy target this program runs on.\n\n"
	       "Options:\n"
	       "  --json          print the report as JSON (schema noa.hardware/v1)\n"
	       "  --sysroot DIR   read /proc, /sys and /dev under DIR instead of / (default: $NOA_SYSROOT);\n"
	       "                  CPU features then come from DIR/proc/cpuinfo only\n"
	       "  -h, --help      show this help\n");
}

/* Parses argv into o. Returns -1 to go on, or the exit code to return now. */
static int parse_options(struct probe_options *o, int argc, char **argv)
{
	o->json = 0;
	o->sysroot = noa_env_get(&noa_cli_env, "NOA_SYSROOT");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			o->json = 1;
		} else if (strcmp(argv[i], "--sysroot") == 0) {
			if (i + 1 >= argc)
				return noa_usage_error("probe", "option '--sysroot' needs a directory");
			o->sysroot = argv[++i];
		} else if (strncmp(argv[i], "--sysroot=", 10) == 0) {
			o->sysroot = argv[i] + 10;
		} else if (noa_is_help(argv[i])) {
			probe_help();
			return EXIT_OK;
		} else {
			return noa_usage_error("probe", "unknown option '%s'", argv[i]);
		}
	}
	if (o->sysroot && !o->sysroot[0])
		o->sysroot = NULL;
	return -1;
}

/* Prints a byte count in GiB, or "unknown". */
static void print_gib(const char *label, int64_t bytes, const char *unknown)
{
	if (bytes < 0)
		printf("%s %s", label, unknown);
	else
		printf("%s %.1f GiB", label, noa_bytes_to_gib(bytes));
}

static const char *or_unknown(const char *s)
{
	return s[0] ? s : "unknown";
}

static void print_summary(const struct noa_hardware *hw, const struct noa_target *t)
{
	const struct noa_cpu *cpu = &hw->cpu;
	printf("cpu:          %s, %s, %s\n", or_unknown(cpu->arch), or_unknown(cpu->vendor),
	       or_unknown(cpu->brand));
	printf("cores:        ");
	if (cpu->logical_cores > 0)
		printf("%d logical", cpu->logical_cores);
	else
		printf("unknown logical");
	if (cpu->physical_cores > 0)
		printf(", %d physical", cpu->physical_cores);
	if (cpu->base_frequency_mhz > 0)
		printf(", base %d MHz", cpu->base_frequency_mhz);
	printf("\nfeatures:    ");
	for (int i = 0; i < cpu->nfeatures && i < NOA_MAX_FEATURES; i++)
		printf(" %.*s", NOA_FEATURE_NAME_MAX, cpu->features[i]);
	printf("%s\n", cpu->nfeatures ? "" : " none");
	print_gib("memory:      ", hw->memory.total_bytes, "unknown");
	print_gib(" total,", hw->memory.available_bytes, "unknown");
	print_gib(" available, limit", hw->memory.limit_bytes, "none");
	printf("\ngpus:         ");
	if (hw->ngpus == 0)
		printf("none");
	for (int i = 0; i < hw->ngpus && i < NOA_MAX_GPUS; i++)
		printf("%s%.*s", i ? "; " : "", (int)sizeof hw->gpus[i].name,
		       hw->gpus[i].name[0] ? hw->gpus[i].name : hw->gpus[i].pci_id);
	printf("\naccelerators: %s%s%s\n", hw->accelerators.tpu ? "tpu " : "",
	       hw->accelerators.npu ? "npu" : "", hw->accelerators.tpu || hw->accelerators.npu ? "" : "none");
	printf("target:       %s (%s)\n", noa_target_kind_name(t->kind), t->source ? t->source : "default");
}

int cmd_probe(int argc, char **argv)
{
	struct probe_options o;
	struct noa_probe_source src;
	struct noa_hardware hw;
	struct noa_target t;
	int rc = parse_options(&o, argc, argv);
	if (rc >= 0)
		return rc;
	rc = noa_cli_probe_source(&src, "probe", o.sysroot);
	if (rc != 0)
		return rc;
	noa_probe(&hw, &src);
	noa_target_detect(&t, &src, &hw);
	if (!o.json) {
		print_summary(&hw, &t);
		return EXIT_OK;
	}
	struct noa_json j;
	char *text;
	noa_json_init(&j, 1);
	noa_hardware_json(&j, &hw, &t);
	rc = noa_json_finish(&j, &text, NULL);
	return noa_print_json("probe", rc, text);
}
