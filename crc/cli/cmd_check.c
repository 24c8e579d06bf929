/* crc check [--json]: validates the project's input files and reports every problem, not only the first,
 * like signify -C: every profile under profiles/ is checked in full (crc_profile_check), each problem is
 * one line on stderr (or one entry of the JSON report), and the exit code is 3 when any was found. Each
 * kind of file has its own section below (check_profiles, then the toolchain files), all reporting
 * through report(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "crc/diag.h"
#include "crc/gates.h"
#include "crc/json.h"
#include "crc/profile.h"
#include "crc/toolchain.h"
#include "exit.h"

/* The state of one run: what was found and how to report it. */
struct check {
	struct cli *cli;
	/* --json: the "problems" array; NULL for text output. */
	struct crc_json *problems;
	/* Problems reported so far, as formatted lines: a problem shared by several files (a base profile
	 * that others extend) is reported once. */
	char **seen;
	size_t nseen, capseen;
	/* Problems reported, and the files that had any, per kind. */
	size_t nproblems;
	size_t profiles, bad_profiles, toolchains, bad_toolchains;
	/* Profiles not checked because runtime/features.yaml has a problem. */
	size_t unchecked_profiles;
	/* The exit code so far: 3 once a file had a problem, 5 when checking itself failed (I/O, memory). */
	int status;
	/* The runtime's gates (runtime/features.yaml), read once; NULL when that file has a problem (then
	 * reported, and no profile can be checked). */
	struct crc_gates *gates;
};

/* Raises the exit code for a core error code (a system failure outranks bad input). */
static void note_code(struct check *c, int code)
{
	int e = cli_exit_for(code);
	if (e > c->status)
		c->status = e;
}

/* Whether line was reported already; remembers it otherwise. Out of memory counts as new. */
static int seen_before(struct check *c, const char *line)
{
	for (size_t i = 0; i < c->nseen; i++)
		if (strcmp(c->seen[i], line) == 0)
			return 1;
	if (c->nseen == c->capseen) {
		size_t cap = c->capseen ? 2 * c->capseen : 16;
		char **s = realloc(c->seen, cap * sizeof *s);
		if (!s)
			return 0;
		c->seen = s;
		c->capseen = cap;
	}
	size_t len = strlen(line) + 1;
	char *copy = malloc(len);
	if (copy) {
		memcpy(copy, line, len);
		c->seen[c->nseen++] = copy;
	}
	return 0;
}

static struct crc_json *problem_json(const struct crc_error *e)
{
	struct crc_json *o = crc_json_object();
	int bad = !o || (e->path[0] ? crc_json_set_str(o, "file", e->path) : crc_json_set_null(o, "file")) ||
		  crc_json_set_int(o, "line", e->line) || crc_json_set_int(o, "column", e->col) ||
		  crc_json_set_str(o, "message", e->msg);
	if (bad) {
		crc_json_free(o);
		return NULL;
	}
	return o;
}

/* Reports one problem: a line on stderr, or an entry of the JSON report. */
static void report(struct check *c, const struct crc_error *e)
{
	char line[2 * CRC_ERROR_MSG_MAX + 64];
	int w = crc_error_format(e, line, sizeof line);
	if (w < 0 || (size_t)w >= sizeof line)
		memcpy(line + sizeof line - 4, "...", 4);
	if (seen_before(c, line))
		return;
	c->nproblems++;
	if (!c->problems) {
		cli_error(c->cli, "%s", line);
		return;
	}
	if (crc_json_push(c->problems, problem_json(e)))
		note_code(c, CRC_ENOMEM);
}

/* Reports what one file's check recorded, and the problems the list had no room for. */
static void report_diags(struct check *c, const struct crc_diags *d, const char *file)
{
	for (size_t i = 0; i < d->n; i++)
		report(c, &d->items[i]);
	if (d->dropped) {
		struct crc_error e;
		crc_err_at(&e, CRC_EINVALID, file, 0, 0, "%zu more problems not listed", d->dropped);
		report(c, &e);
	}
}

/* Profiles: every profiles/<name>.yaml, each checked in full with what it extends. */
static void check_profiles(struct check *c, struct crc_diags *d)
{
	struct crc_error err;
	char **names, file[CRC_ERROR_PATH_MAX];
	size_t n;
	int rc = crc_profile_list(&names, &n, ".", &err);
	if (rc) {
		report(c, &err);
		note_code(c, rc);
		return;
	}
	/* Every profile's features are checked against them: a problem there is reported once, and no
	 * profile can be checked. */
	if ((rc = crc_gates_load(&c->gates, ".", &err)) != 0) {
		report(c, &err);
		note_code(c, rc);
		c->unchecked_profiles = n;
		free(names);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		crc_diags_clear(d);
		c->profiles++;
		rc = crc_profile_check(".", c->gates, names[i], d, &err);
		if (!rc)
			continue;
		int w = snprintf(file, sizeof file, "profiles/%s.yaml", names[i]);
		if (w < 0 || (size_t)w >= sizeof file)
			file[0] = '\0';
		c->bad_profiles++;
		report_diags(c, d, file);
		note_code(c, rc);
	}
	free(names);
}

/* Whether a valid profile under profiles/ has target triple and asks for its optimizer (wasm_opt). */
static int optimizer_wanted(const struct check *c, const char *triple)
{
	struct crc_error err;
	char **names;
	size_t n;
	int wanted = 0;
	if (!c->gates || crc_profile_list(&names, &n, ".", &err))
		return 0;
	for (size_t i = 0; i < n && !wanted; i++) {
		struct crc_profile *p;
		if (crc_profile_load(&p, ".", c->gates, names[i], NULL, 0, &err))
			continue;
		for (size_t t = 0; t < p->ntargets && strcmp(p->optimization.wasm_opt, "off") != 0; t++)
			wanted |= strcmp(p->targets[t].triple, triple) == 0;
		crc_profile_free(p);
	}
	free(names);
	return wanted;
}

/* Toolchains: every templates/toolchains/<triple>.yaml, checked in full; then its compiler and emulator
 * looked up on PATH, and its optimizer when a profile asks for it, reported with the Debian package that
 * provides them. */
static void check_toolchains(struct check *c, struct crc_diags *d)
{
	struct crc_error err;
	char **triples, file[CRC_ERROR_PATH_MAX];
	size_t n;
	int rc = crc_toolchain_list(&triples, &n, ".", &err);
	if (rc) {
		report(c, &err);
		note_code(c, rc);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct crc_toolchain *tc;
		crc_diags_clear(d);
		c->toolchains++;
		rc = crc_toolchain_check(".", triples[i], d);
		if (!rc && (rc = crc_toolchain_load(&tc, ".", triples[i], &err)) == 0) {
			rc = crc_toolchain_find_tools(tc, getenv("PATH"), &err);
			if (!rc && tc->optimizer && optimizer_wanted(c, triples[i]))
				rc = crc_toolchain_find_optimizer(tc, getenv("PATH"), &err);
			crc_toolchain_free(tc);
			if (rc) {
				rc = CRC_EINVALID;
				crc_diags_add(d, &err);
			}
		} else if (!rc) {
			crc_diags_add(d, &err);
		}
		if (!rc)
			continue;
		int w = snprintf(file, sizeof file, "templates/toolchains/%s.yaml", triples[i]);
		if (w < 0 || (size_t)w >= sizeof file)
			file[0] = '\0';
		c->bad_toolchains++;
		report_diags(c, d, file);
		note_code(c, rc);
	}
	free(triples);
}

/* The result: a summary line (text), or the JSON report. Returns the exit code. */
static int finish(struct check *c)
{
	if (c->problems) {
		struct crc_json *doc = crc_json_object();
		char *text = NULL;
		if (doc && crc_json_set_str(doc, "schema", "crc.check/v1") == 0 &&
		    crc_json_set_bool(doc, "ok", c->nproblems == 0) == 0 &&
		    crc_json_set(doc, "problems", c->problems) == 0)
			text = crc_json_render(doc, 1);
		else if (!doc)
			crc_json_free(c->problems);
		c->problems = NULL;
		crc_json_free(doc);
		int prc = cli_print_json(c->cli, text);
		return prc != CLI_EXIT_OK ? prc : c->status;
	}
	if (c->status && c->unchecked_profiles) {
		cli_error(c->cli,
			  "%zu problem%s: runtime/features.yaml (none of %zu profile%s checked) and %zu of "
			  "%zu toolchain%s",
			  c->nproblems, c->nproblems == 1 ? "" : "s", c->unchecked_profiles,
			  c->unchecked_profiles == 1 ? "" : "s", c->bad_toolchains, c->toolchains,
			  c->toolchains == 1 ? "" : "s");
		return c->status;
	}
	if (c->status && c->profiles + c->toolchains == 0) {
		cli_error(c->cli, "%zu problem%s", c->nproblems, c->nproblems == 1 ? "" : "s");
		return c->status;
	}
	if (c->status) {
		cli_error(c->cli, "%zu problem%s in %zu of %zu profile%s and %zu of %zu toolchain%s",
			  c->nproblems, c->nproblems == 1 ? "" : "s", c->bad_profiles, c->profiles,
			  c->profiles == 1 ? "" : "s", c->bad_toolchains, c->toolchains,
			  c->toolchains == 1 ? "" : "s");
		return c->status;
	}
	printf("ok: %zu profile%s, %zu toolchain%s\n", c->profiles, c->profiles == 1 ? "" : "s",
	       c->toolchains, c->toolchains == 1 ? "" : "s");
	return CLI_EXIT_OK;
}

int cmd_check(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	struct check c;
	int id, status;
	cli_parse_begin(cli, &op, argc, argv);
	while ((id = cli_next(cli, &op, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		return cli_usage(cli, "unexpected argument '%s'", op.arg);
	}
	memset(&c, 0, sizeof c);
	c.cli = cli;
	struct crc_diags *d = malloc(sizeof *d);
	if (!d || (cli->json && !(c.problems = crc_json_array()))) {
		free(d);
		cli_error(cli, "out of memory");
		return CLI_EXIT_IO;
	}
	check_profiles(&c, d);
	check_toolchains(&c, d);
	status = finish(&c);
	for (size_t i = 0; i < c.nseen; i++)
		free(c.seen[i]);
	free(c.seen);
	crc_gates_free(c.gates);
	free(d);
	return status;
}
