/* noa: the runtime's command-line program. It owns argv, output and exit codes; everything it reports
 * comes from libnoa. Exit codes: 0 ok, 2 usage, 3 input, 5 I/O (documented in runtime/README.md). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "noa/error.h"
#include "noa/hardware.h"
#include "noa/json.h"
#include "noa/version.h"

extern char **environ;
struct noa_env noa_cli_env;

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
	const char *summary;
};

static const struct command commands[] = {
	{"help", cmd_help, "help [COMMAND]", "show help for noa or one command"},
	{"version", cmd_version, "version [--json]", "print the version, target and build settings"},
	{"probe", cmd_probe, "probe [--json] [--sysroot DIR]",
	 "report the CPU, memory, GPUs and accelerators"},
	{"bench", cmd_bench, "bench [--json]", "time the compute kernels and a small fixed model"},
	{"target", cmd_target, "target [--json] [--sysroot DIR]",
	 "report the deploy target and its capabilities"},
	{"plan", cmd_plan, "plan [--policy FILE] [--set KEY=VALUE]... [--sysroot DIR] [--json]",
	 "plan the runtime for a policy"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: noa <command> [options]\n\n"
		   "noa reports the hardware and deploy target it runs on and plans the runtime to use.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nExit codes: 0 success, 2 usage error, 3 input error, 5 I/O or system error.\n"
		   "Run 'noa help <command>' for a command's options.\n");
}

int noa_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "noa: %s%s", cmd ? cmd : "", cmd ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see 'noa help%s%s'\n", cmd ? " " : "", cmd ? cmd : "");
	return EXIT_USAGE;
}

/* Prints one command's usage; c comes from find_command(), so NULL (a name not in the table) prints the
 * overall usage instead. */
static void command_help(const struct command *c)
{
	if (!c) {
		usage(stdout);
		return;
	}
	printf("Usage: noa %s\n\n%s\n", c->usage, c->summary);
}

int noa_is_help(const char *a)
{
	return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

int cmd_help(int argc, char **argv)
{
	if (argc > 2)
		return noa_usage_error("help", "unexpected argument '%s'", argv[2]);
	if (argc == 2 && !noa_is_help(argv[1])) {
		const struct command *c = find_command(argv[1]);
		if (!c)
			return noa_usage_error("help", "unknown command '%s'", argv[1]);
		command_help(c);
		return EXIT_OK;
	}
	usage(stdout);
	return EXIT_OK;
}

int cmd_version(int argc, char **argv)
{
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (noa_is_help(argv[i])) {
			command_help(find_command("version"));
			return EXIT_OK;
		} else
			return noa_usage_error("version", "unknown option '%s'", argv[i]);
	}
	const struct noa_build_info *bi = noa_build_info();
	if (!json) {
		printf("noa %s\ntarget:   %s\nrevision: %s\ncompiler: %s\n", bi->version, bi->target,
		       bi->revision, bi->compiler);
		return EXIT_OK;
	}
	struct noa_json j;
	char *text;
	noa_json_init(&j, 1);
	noa_build_info_json(&j, bi);
	int rc = noa_json_finish(&j, &text, NULL);
	return noa_print_json("version", rc, text);
}

int noa_cli_probe_source(struct noa_probe_source *src, const char *cmd, const char *sysroot)
{
	memset(src, 0, sizeof *src);
	if (sysroot && !sysroot[0])
		sysroot = NULL;
	int rc = noa_sysroot_init(&src->root, sysroot);
	if (rc != 0) {
		fprintf(stderr, "noa: %s: sysroot '%s': %s\n", cmd, sysroot,
			rc == NOA_ENOTFOUND ? "not an existing directory" : "path too long");
		return EXIT_INPUT;
	}
	src->env = noa_cli_env;
	src->nvml_library = noa_env_get(&noa_cli_env, "NOA_NVML_LIBRARY");
	if (src->nvml_library && !src->nvml_library[0])
		src->nvml_library = NULL;
	src->host = sysroot == NULL;
	return 0;
}

int noa_print_json(const char *cmd, int rc, char *text)
{
	if (rc != 0) {
		fprintf(stderr, "noa: %s: cannot write JSON: %s\n", cmd, noa_strerror(rc));
		return EXIT_IO;
	}
	fputs(text, stdout);
	fputc('\n', stdout);
	free(text);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	int rc;
	noa_cli_env.vars = (const char *const *)environ;
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (noa_is_help(argv[1])) {
		usage(stdout);
		rc = EXIT_OK;
	} else if (strcmp(argv[1], "--version") == 0) {
		printf("noa %s\n", noa_build_info()->version);
		rc = EXIT_OK;
	} else if (argv[1][0] == '-') {
		rc = noa_usage_error(NULL, "unknown option '%s'", argv[1]);
	} else {
		const struct command *c = find_command(argv[1]);
		rc = c ? c->run(argc - 1, argv + 1) : noa_usage_error(NULL, "unknown command '%s'", argv[1]);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("noa: writing standard output");
		return EXIT_IO;
	}
	return rc;
}
