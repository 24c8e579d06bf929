/* crc list [--profile P] [--verify] [--json]: the drops in storage, newest first per profile, with their
 * date, targets, size, signature and pin, and what state each is in (complete, broken, a leftover of a
 * killed build or a build running now). With --verify each complete drop is checked as a shallow
 * `crc verify` checks it, and the exit code is 1 when any fails. The listing is the core's
 * (crc_store_list); verification is crc/verify.h's, called from here so that the store stays before
 * verify in the flow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "crc/buf.h"
#include "crc/json.h"
#include "crc/plan.h"
#include "crc/store.h"
#include "crc/verify.h"
#include "crc/ids.h"
#include "exit.h"

enum { O_PROFILE = 1, O_VERIFY };

const struct opt cmd_list_opts[] = {
	{O_PROFILE, 0, "profile", "NAME", "only this profile's drops (default: every profile)"},
	{O_VERIFY, 0, "verify", NULL, "check every drop against its manifest (exit 1 when any fails)"},
	{0, 0, NULL, NULL, NULL},
};

/* What --verify found for one entry. */
struct checked {
	/* 1 verified, 0 failed, -1 not checked. */
	int ok;
	/* The first problem, "file: message" (heap), or NULL. */
	char *problem;
};

static const char *state_name(const struct crc_store_entry *e, const struct checked *c, int json)
{
	if (c->ok == 1)
		return "verified";
	if (c->ok == 0)
		return json ? "failed" : "FAILED";
	switch (e->state) {
	case CRC_STORE_COMPLETE:
		return "complete";
	case CRC_STORE_BROKEN:
		return "broken";
	case CRC_STORE_LEFTOVER:
		return json ? "leftover" : "leftover (interrupted build)";
	default:
		return "building";
	}
}

/* Verifies a complete drop into c; returns 0 or CRC_ENOMEM. */
static int verify_entry(struct checked *c, const struct crc_store_entry *e)
{
	/* A drop is valid only under its own profile and id: the folder and directory it sits in. */
	struct crc_verify_options o = {.threads = (size_t)cli_cpus(),
				       .profile = e->profile,
				       .drop_id = e->id,
				       .identity_from = "its place in the storage"};
	struct crc_verify_report r;
	struct crc_error err;
	int rc = crc_verify_drop(&r, e->dir, &o, &err);
	c->ok = rc == 0;
	if (rc && r.nproblems) {
		struct crc_buf b;
		crc_buf_init(&b);
		crc_buf_printf(&b, "%s: %s", r.problems[0].file, r.problems[0].msg);
		c->problem = crc_buf_take(&b);
	} else if (rc) {
		c->problem = strdup(err.msg);
	}
	crc_verify_report_free(&r);
	return rc && !c->problem ? CRC_ENOMEM : 0;
}

/* "12 B", "69.0 KiB", "1.5 MiB", ... */
static void human_size(char *out, size_t size, unsigned long long n)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
	if (n < 1024) {
		snprintf(out, size, "%llu B", n);
		return;
	}
	double v = (double)n / 1024.0;
	size_t u = 0;
	while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0])
		v /= 1024.0, u++;
	snprintf(out, size, "%.1f %s", v, units[u]);
}

/* One table cell per column, as shown (escaped), built for measuring and printing. */
enum { COL_PROFILE, COL_DROP, COL_CREATED, COL_TARGETS, COL_SIZE, COL_SIGNED, COL_PINNED, COL_STATE, NCOLS };

static char *cell(const struct crc_store_entry *e, const struct checked *c, int col)
{
	char shown[CRC_SHOWN_MAX];
	struct crc_buf b;
	crc_buf_init(&b);
	int leftover = e->state == CRC_STORE_LEFTOVER || e->state == CRC_STORE_BUILDING;
	switch (col) {
	case COL_PROFILE:
		crc_buf_puts(&b, crc_shown(shown, sizeof shown, e->profile));
		break;
	case COL_DROP:
		crc_buf_puts(&b, crc_shown(shown, sizeof shown, e->id));
		break;
	case COL_CREATED:
		crc_buf_puts(&b, e->created[0] ? crc_shown(shown, sizeof shown, e->created) : "-");
		break;
	case COL_TARGETS:
		for (size_t i = 0; i < e->ntargets; i++)
			crc_buf_printf(&b, "%s%s", i ? "," : "",
				       crc_shown(shown, sizeof shown, e->targets[i]));
		if (!e->ntargets)
			crc_buf_puts(&b, "-");
		break;
	case COL_SIZE:
		human_size(shown, sizeof shown, e->size);
		crc_buf_puts(&b, shown);
		break;
	case COL_SIGNED:
		crc_buf_puts(&b, leftover ? "-" : e->is_signed ? "yes" : "no");
		break;
	case COL_PINNED:
		crc_buf_puts(&b, leftover ? "-" : e->pinned ? "yes" : "no");
		break;
	default:
		crc_buf_puts(&b, state_name(e, c, 0));
		if (c->problem)
			crc_buf_printf(&b, ": %s", crc_shown(shown, sizeof shown, c->problem));
		else if (e->problem)
			crc_buf_printf(&b, ": %s", crc_shown(shown, sizeof shown, e->problem));
		break;
	}
	return crc_buf_take(&b);
}

static int print_table(const struct crc_store_list *l, const struct checked *checks)
{
	static const char *const heads[NCOLS] = {"PROFILE", "DROP",   "CREATED", "TARGETS",
						 "SIZE",    "SIGNED", "PINNED",  "STATE"};
	size_t width[NCOLS];
	char **cells = calloc(l->n * NCOLS + 1, sizeof *cells);
	int rc = cells ? 0 : CRC_ENOMEM;
	for (int c = 0; c < NCOLS; c++)
		width[c] = strlen(heads[c]);
	for (size_t i = 0; !rc && i < l->n; i++)
		for (int c = 0; !rc && c < NCOLS; c++) {
			char *s = cells[i * NCOLS + (size_t)c] = cell(&l->entries[i], &checks[i], c);
			if (!s)
				rc = CRC_ENOMEM;
			else if (strlen(s) > width[c])
				width[c] = strlen(s);
		}
	for (size_t i = 0; !rc && i <= l->n; i++)
		for (int c = 0; c < NCOLS; c++) {
			const char *s = i == 0 ? heads[c] : cells[(i - 1) * NCOLS + (size_t)c];
			if (c == NCOLS - 1)
				printf("%s\n", s);
			else
				printf("%-*s  ", (int)width[c], s);
		}
	for (size_t i = 0; cells && i < l->n * NCOLS; i++)
		free(cells[i]);
	free(cells);
	return rc;
}

static struct crc_json *list_json(const struct crc_store_list *l, const struct checked *checks,
				  const char *storage, int verify)
{
	struct crc_json *j = crc_json_object(), *drops = crc_json_array();
	int bad = !j || !drops || crc_json_set_str(j, "schema", "crc.list/v1") ||
		  crc_json_set_str(j, "storage", storage) || crc_json_set_bool(j, "verified", verify);
	for (size_t i = 0; i < l->n; i++) {
		const struct crc_store_entry *e = &l->entries[i];
		const struct checked *c = &checks[i];
		struct crc_json *d = crc_json_object(), *targets = crc_json_array();
		int leftover = e->state == CRC_STORE_LEFTOVER || e->state == CRC_STORE_BUILDING;
		bad |= !d || !targets || crc_json_set_str(d, "profile", e->profile) ||
		       crc_json_set_str(d, "id", e->id) || crc_json_set_str(d, "dir", e->dir) ||
		       crc_json_set_str(d, "state", state_name(e, c, 1)) ||
		       crc_json_set_str(d, "created", e->created[0] ? e->created : NULL);
		for (size_t t = 0; t < e->ntargets; t++)
			bad |= crc_json_push_str(targets, e->targets[t]);
		bad |= crc_json_set(d, "targets", targets) || crc_json_set_int(d, "size", (int64_t)e->size);
		if (leftover)
			bad |= crc_json_set_null(d, "signed") || crc_json_set_null(d, "pinned");
		else
			bad |= crc_json_set_bool(d, "signed", e->is_signed) ||
			       crc_json_set_bool(d, "pinned", e->pinned);
		bad |= crc_json_set_str(d, "problem", c->problem ? c->problem : e->problem) ||
		       crc_json_push(drops, d);
	}
	bad |= crc_json_set(j, "drops", drops);
	if (bad) {
		crc_json_free(j);
		return NULL;
	}
	return j;
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	struct crc_store_list *l = NULL;
	struct crc_error err;
	struct checked *checks = NULL;
	const char *profile = NULL;
	int id, status = CLI_EXIT_OK, verify = 0, failed = 0;
	cli_parse_begin(cli, &op, argc, argv);
	while ((id = cli_next(cli, &op, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		if (id == O_PROFILE)
			profile = op.arg;
		else if (id == O_VERIFY)
			verify = 1;
		else
			return cli_usage(cli, "unexpected argument '%s'", op.arg);
	}
	if (profile && crc_ids_check_drop_id(profile, &err)) {
		char shown[CRC_SHOWN_MAX];
		cli_error(cli, "bad profile name '%s' (1 to 128 letters, digits, '.', '_' or '-')",
			  crc_shown(shown, sizeof shown, profile));
		return CLI_EXIT_INPUT;
	}
	int rc = crc_store_list(&l, cli->storage, profile, &err);
	if (rc) {
		char msg[2 * CRC_ERROR_MSG_MAX];
		crc_error_format(&err, msg, sizeof msg);
		cli_error(cli, "%s", msg);
		return cli_exit_for(rc);
	}
	if (!(checks = calloc(l->n + 1, sizeof *checks))) {
		rc = CRC_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < l->n; i++) {
		checks[i].ok = -1;
		if (verify && l->entries[i].state == CRC_STORE_COMPLETE &&
		    (rc = verify_entry(&checks[i], &l->entries[i])))
			goto out;
		failed |= verify && (checks[i].ok == 0 || l->entries[i].state == CRC_STORE_BROKEN);
	}
	if (cli->json) {
		struct crc_json *j = list_json(l, checks, cli->storage, verify);
		char *text = j ? crc_json_render(j, 1) : NULL;
		crc_json_free(j);
		status = cli_print_json(cli, text);
	} else if (l->n == 0) {
		char shown[CRC_SHOWN_MAX];
		printf("no drops in %s%s%s\n", crc_shown(shown, sizeof shown, cli->storage),
		       profile ? "/" : "", profile ? profile : "");
	} else {
		rc = print_table(l, checks);
	}
out:
	for (size_t i = 0; checks && i < l->n; i++)
		free(checks[i].problem);
	free(checks);
	crc_store_list_free(l);
	if (rc) {
		cli_error(cli, "out of memory");
		return CLI_EXIT_IO;
	}
	if (status != CLI_EXIT_OK)
		return status;
	return failed ? CLI_EXIT_VERIFY : CLI_EXIT_OK;
}
