/* noa plan: turns a policy (defaults, then --policy FILE, then each --set KEY=VALUE in order) and the
 * probed hardware and target into a plan: the llama.cpp backend, the Python runtime and experimental
 * accelerators, each with its reason; as text or as "noa.plan/v1" JSON. A bad policy is an input error
 * (exit 3) naming FILE:LINE:COLUMN or the --set argument. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "noa/error.h"
#include "noa/hardware.h"
#include "noa/json.h"
#include "noa/plan.h"
#include "noa/policy.h"
#include "noa/target.h"

/* Most --set arguments taken. */
#define MAX_SETS 32

struct plan_options {
	int json;
	/* NULL for the host's root. */
	const char *sysroot;
	/* NULL for no policy file. */
	const char *policy;
	int nsets;
	const char *sets[MAX_SETS];
};

static void plan_help(void)
{
	printf("Usage: noa plan [--policy FILE] [--set KEY=VALUE]... [--sysroot DIR] [--json]\n\n"
	       "Plan the llama.cpp backend, the Python runtime and experimental accelerators for this "
	       "machine.\n\n"
	       "Options:\n"
	       "  --policy FILE     read policy values from a YAML mapping (needs libyaml)\n"
	       "  --set KEY=VALUE   set one policy value, after the file (repeatable)\n"
	       "  --sysroot DIR     probe hardware under DIR instead of / (default: $NOA_SYSROOT)\n"
	       "  --json            print the plan as JSON (schema noa.plan/v1)\n"
	       "  -h, --help        show this help\n\n"
	       "Policy keys: prefer_gpu (true), min_gpu_memory_gb (8.0), "
	       "prefer_lightweight_python_on_low_memory (true),\n"
	       "lightweight_memory_threshold_gb (6.0), allow_accelerator_experiments (true). Booleans are "
	       "true or\n"
	       "false; sizes are GiB, more than 0 and at most 65536.\n");
}

/* Takes an option's value from "--opt VALUE" or "--opt=VALUE". Returns the value or NULL (not this
 * option), and sets *bad when the value is missing. */
static const char *option_value(int argc, char **argv, int *i, const char *opt, int *bad)
{
	size_t n = strlen(opt);
	if (strcmp(argv[*i], opt) == 0) {
		if (*i + 1 >= argc) {
			*bad = 1;
			return NULL;
		}
		return argv[++*i];
	}
	if (strncmp(argv[*i], opt, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	return NULL;
}

/* Parses argv into o. Returns -1 to go on, or the exit code to return now. */
static int parse_options(struct plan_options *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	o->sysroot = noa_env_get(&noa_cli_env, "NOA_SYSROOT");
	for (int i = 1; i < argc; i++) {
		const char *v;
		int bad = 0;
		if (strcmp(argv[i], "--json") == 0) {
			o->json = 1;
		} else if (noa_is_help(argv[i])) {
			plan_help();
			return EXIT_OK;
		} else if ((v = option_value(argc, argv, &i, "--sysroot", &bad)) != NULL) {
			o->sysroot = v;
		} else if ((v = option_value(argc, argv, &i, "--policy", &bad)) != NULL) {
			if (o->policy)
				return noa_usage_error("plan", "option '--policy' given twice");
			o->policy = v;
		} else if ((v = option_value(argc, argv, &i, "--set", &bad)) != NULL) {
			if (o->nsets >= MAX_SETS)
				return noa_usage_error("plan", "more than %d '--set' options", MAX_SETS);
			o->sets[o->nsets++] = v;
		} else if (bad) {
			return noa_usage_error("plan", "option '%s' needs a value", argv[i]);
		} else {
			return noa_usage_error("plan", "unknown option '%s'", argv[i]);
		}
	}
	if (o->sysroot && !o->sysroot[0])
		o->sysroot = NULL;
	return -1;
}

/* Reads the policy file into a new buffer (*text, free()), refusing files over the cap. Returns 0 or the
 * exit code after reporting. */
static int read_policy_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = NOA_POLICY_MAX_BYTES + 1, n;
	char *buf;
	if (f == NULL) {
		fprintf(stderr, "noa: plan: %s: %s\n", path, strerror(errno));
		return EXIT_INPUT;
	}
	buf = malloc(cap);
	if (buf == NULL) {
		fclose(f);
		fprintf(stderr, "noa: plan: %s: out of memory\n", path);
		return EXIT_IO;
	}
	n = fread(buf, 1, cap, f);
	if (ferror(f)) {
		fprintf(stderr, "noa: plan: %s: read error\n", path);
		fclose(f);
		free(buf);
		return EXIT_IO;
	}
	fclose(f);
	if (n > NOA_POLICY_MAX_BYTES) {
		fprintf(stderr, "noa: plan: %s: policy file is larger than %zu bytes\n", path,
			NOA_POLICY_MAX_BYTES);
		free(buf);
		return EXIT_INPUT;
	}
	*text = buf;
	*len = n;
	return 0;
}

/* Builds the policy from the defaults, the file and the settings. Returns 0 or the exit code. */
static int load_policy(struct noa_policy *p, const struct plan_options *o)
{
	struct noa_policy_error err;
	noa_policy_defaults(p);
	if (o->policy) {
		char *text;
		size_t len;
		int rc;
		if (!noa_policy_files_supported()) {
			fprintf(stderr,
				"noa: plan: %s: policy files need libyaml, which this build lacks; use "
				"--set\n",
				o->policy);
			return EXIT_INPUT;
		}
		rc = read_policy_file(o->policy, &text, &len);
		if (rc != 0)
			return rc;
		rc = noa_policy_parse(p, o->policy, text, len, &err);
		free(text);
		if (rc != 0) {
			fprintf(stderr, "noa: plan: %s\n", err.msg);
			return rc == NOA_ENOMEM ? EXIT_IO : EXIT_INPUT;
		}
	}
	for (int i = 0; i < o->nsets; i++) {
		if (noa_policy_set_arg(p, o->sets[i], &err) != 0) {
			fprintf(stderr, "noa: plan: %s\n", err.msg);
			return EXIT_INPUT;
		}
	}
	return 0;
}

static void print_choice(const char *label, const struct noa_plan_choice *c)
{
	printf("%-13s %s (options:", label, c->selected);
	for (int i = 0; i < c->noptions && i < 2; i++)
		printf(" %s", c->options[i]);
	printf(")\n              %s\n", c->reason);
}

static void print_plan(const struct noa_plan *plan, int threads, const char *why)
{
	print_choice("llama.cpp:", &plan->llama_cpp);
	print_choice("python:", &plan->python);
	printf("accelerators: ");
	for (int i = 0; i < plan->naccelerators && i < 2; i++)
		printf("%s%s (experimental%s%s)", i ? ", " : "", plan->accelerators[i].kind,
		       plan->accelerators[i].source[0] ? ", " : "", plan->accelerators[i].source);
	printf("%s\nthreads:      %d (%s)\n", plan->naccelerators ? "" : "none", threads, why);
}

int cmd_plan(int argc, char **argv)
{
	struct plan_options o;
	struct noa_probe_source src;
	struct noa_hardware hw;
	struct noa_target t;
	struct noa_policy policy;
	struct noa_gates gates;
	struct noa_plan plan;
	int rc = parse_options(&o, argc, argv);
	if (rc >= 0)
		return rc;
	rc = load_policy(&policy, &o);
	if (rc != 0)
		return rc;
	rc = noa_cli_probe_source(&src, "plan", o.sysroot);
	if (rc != 0)
		return rc;
	noa_probe(&hw, &src);
	noa_target_detect(&t, &src, &hw);
	noa_plan_gates(&gates);
	noa_plan_make(&plan, &policy, &hw, &t, &gates);
	if (!o.json) {
		char why[160];
		int threads = noa_plan_threads(&hw, &t, &gates, why, sizeof why);
		print_plan(&plan, threads, why);
		return EXIT_OK;
	}
	struct noa_json j;
	char *text;
	noa_json_init(&j, 1);
	noa_plan_json(&j, &plan);
	rc = noa_json_finish(&j, &text, NULL);
	return noa_print_json("plan", rc, text);
}
