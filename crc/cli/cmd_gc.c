/* crc gc --keep N [--profile P] [--dry-run] [--json]: removes the drops of each profile beyond its newest
 * N, never a pinned one, and the leftovers of killed builds; crc pin / crc unpin --profile P --drop-id ID
 * edit the profile's pin file. Both hold the storage's lock (crc_store_open, which waits for a running
 * build and removes its leftovers), so they never race a build. The choice and the removal are the core's
 * (crc/store.h); this file prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "commands.h"
#include "crc/json.h"
#include "crc/plan.h"
#include "crc/store.h"
#include "crc/ids.h"
#include "exit.h"

enum { O_KEEP = 1, O_PROFILE, O_DRY_RUN, O_DROP_ID };

const struct opt cmd_gc_opts[] = {
	{O_KEEP, 0, "keep", "N", "drops kept per profile, newest first (at least 1); pinned ones also stay"},
	{O_PROFILE, 0, "profile", "NAME", "only this profile's drops (default: every profile)"},
	{O_DRY_RUN, 'n', "dry-run", NULL, "say what would be removed, remove nothing"},
	{0, 0, NULL, NULL, NULL},
};

const struct opt cmd_pin_opts[] = {
	{O_PROFILE, 0, "profile", "NAME", "the drop's profile"},
	{O_DROP_ID, 0, "drop-id", "ID", "the drop's id"},
	{0, 0, NULL, NULL, NULL},
};

static void on_busy(void *ctx)
{
	struct cli *cli = ctx;
	cli_info(cli, "waiting for another crc that holds the storage's lock");
}

/* Checks a --profile value; an exit code after reporting a bad one. */
static int check_profile(const struct cli *cli, const char *profile)
{
	char shown[CRC_SHOWN_MAX];
	if (!profile || crc_ids_check_drop_id(profile, NULL) == 0)
		return 0;
	cli_error(cli, "bad profile name '%s' (1 to 128 letters, digits, '.', '_' or '-')",
		  crc_shown(shown, sizeof shown, profile));
	return CLI_EXIT_INPUT;
}

/* What gc did, for the summary and --json. */
struct gc_run {
	struct cli *cli;
	int dry_run;
	size_t removed, kept, pinned, leftovers;
	struct crc_json *jremoved, *jpinned;
	/* A JSON allocation failed. */
	int bad;
};

static void add_json(struct gc_run *g, struct crc_json *arr, const struct crc_store_entry *e)
{
	struct crc_json *o = crc_json_object();
	g->bad |= !o || crc_json_set_str(o, "profile", e->profile) || crc_json_set_str(o, "id", e->id) ||
		  crc_json_set_str(o, "created", e->created[0] ? e->created : NULL) ||
		  crc_json_set_bool(o, "leftover", e->state == CRC_STORE_LEFTOVER) || crc_json_push(arr, o);
}

/* Reports one entry's fate (and counts it); a removal has already happened unless dry_run. */
static void tell(struct gc_run *g, const struct crc_store_entry *e)
{
	char id[CRC_SHOWN_MAX], created[CRC_SHOWN_MAX];
	const char *verb = g->dry_run ? "would remove" : "removed";
	int show = !g->cli->json;
	crc_shown(id, sizeof id, e->id);
	crc_shown(created, sizeof created, e->created[0] ? e->created : "broken");
	if (e->state == CRC_STORE_BUILDING) {
		if (show)
			printf("skipped %s/%s (a build is running)\n", e->profile, id);
		return;
	}
	if (e->state == CRC_STORE_LEFTOVER) {
		g->leftovers++;
		add_json(g, g->jremoved, e);
		if (show)
			printf("%s %s/%s (leftover of an interrupted build)\n", verb, e->profile, id);
		return;
	}
	switch (e->action) {
	case CRC_STORE_GC_KEEP:
		g->kept++;
		break;
	case CRC_STORE_GC_KEEP_PINNED:
		g->kept++, g->pinned++;
		add_json(g, g->jpinned, e);
		if (show)
			printf("kept %s/%s (%s): pinned\n", e->profile, id, created);
		break;
	default:
		g->removed++;
		add_json(g, g->jremoved, e);
		if (show)
			printf("%s %s/%s (%s)\n", verb, e->profile, id, created);
	}
}

/* Collects one profile under the lock: leftovers (removed by the open), then the drops beyond keep. */
static int gc_profile(struct gc_run *g, const char *profile, size_t keep)
{
	struct cli *cli = g->cli;
	struct crc_store s;
	struct crc_store_list *l = NULL;
	struct crc_error err;
	int rc = crc_store_open(&s, cli->storage, profile, on_busy, cli, &err);
	if (rc)
		return cli_report(cli, rc, &err);
	if (s.leftovers_removed) {
		g->leftovers += (size_t)s.leftovers_removed;
		if (!cli->json)
			printf("removed %d leftover%s of interrupted builds in %s\n", s.leftovers_removed,
			       s.leftovers_removed == 1 ? "" : "s", s.dir);
	}
	if ((rc = crc_store_list(&l, cli->storage, profile, &err))) {
		rc = cli_report(cli, rc, &err);
		goto out;
	}
	crc_store_gc_select(l, keep);
	for (size_t i = 0; i < l->n; i++) {
		const struct crc_store_entry *e = &l->entries[i];
		/* Leftovers that appear under the lock are a pin's or gc's own: not ours to take here. */
		if (e->state == CRC_STORE_LEFTOVER || e->state == CRC_STORE_BUILDING)
			continue;
		if (e->action == CRC_STORE_GC_REMOVE && (rc = crc_store_remove_drop(&s, e->id, &err))) {
			rc = cli_report(cli, rc, &err);
			goto out;
		}
		tell(g, e);
	}
out:
	crc_store_list_free(l);
	crc_store_close(&s);
	return rc;
}

static int gc_json(const struct gc_run *g, size_t keep, const char *storage)
{
	struct crc_json *j = crc_json_object();
	int bad = g->bad || !j || crc_json_set_str(j, "schema", "crc.gc/v1") ||
		  crc_json_set_str(j, "storage", storage) || crc_json_set_int(j, "keep", (int64_t)keep) ||
		  crc_json_set_bool(j, "dry_run", g->dry_run) || crc_json_set(j, "removed", g->jremoved) ||
		  crc_json_set(j, "kept_pinned", g->jpinned) ||
		  crc_json_set_int(j, "kept", (int64_t)g->kept) ||
		  crc_json_set_int(j, "leftovers_removed", (int64_t)g->leftovers);
	char *text = bad ? NULL : crc_json_render(j, 1);
	crc_json_free(j);
	return cli_print_json(g->cli, text);
}

int cmd_gc(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	struct crc_store_list *l = NULL;
	struct crc_error err;
	struct gc_run g;
	const char *profile = NULL, *keep_arg = NULL;
	int id, status = CLI_EXIT_OK, rc = 0;
	memset(&g, 0, sizeof g);
	g.cli = cli;
	cli_parse_begin(cli, &op, argc, argv);
	while ((id = cli_next(cli, &op, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		if (id == O_KEEP)
			keep_arg = op.arg;
		else if (id == O_PROFILE)
			profile = op.arg;
		else if (id == O_DRY_RUN)
			g.dry_run = 1;
		else
			return cli_usage(cli, "unexpected argument '%s'", op.arg);
	}
	if (!keep_arg)
		return cli_usage(cli, "how many drops to keep? give --keep N");
	long keep;
	if (cli_number(keep_arg, 1, 1000000, &keep))
		return cli_usage(cli, "bad --keep value '%s' (expected 1 to 1000000)", keep_arg);
	if ((status = check_profile(cli, profile)))
		return status;
	/* Everything is read first, so that a bad pin file stops gc before it removes anything. */
	if ((rc = crc_store_list(&l, cli->storage, profile, &err)))
		return cli_report(cli, rc, &err);
	g.jremoved = crc_json_array();
	g.jpinned = crc_json_array();
	g.bad = !g.jremoved || !g.jpinned;
	if (g.dry_run) {
		crc_store_gc_select(l, (size_t)keep);
		for (size_t i = 0; i < l->n; i++)
			tell(&g, &l->entries[i]);
	} else {
		for (size_t i = 0; !status && i < l->n; i++)
			if (i == 0 || strcmp(l->entries[i].profile, l->entries[i - 1].profile) != 0)
				status = gc_profile(&g, l->entries[i].profile, (size_t)keep);
	}
	crc_store_list_free(l);
	if (status) {
		crc_json_free(g.jremoved);
		crc_json_free(g.jpinned);
		return status;
	}
	if (cli->json)
		return gc_json(&g, (size_t)keep, cli->storage);
	crc_json_free(g.jremoved);
	crc_json_free(g.jpinned);
	printf("%s %zu drop%s, %s %zu%s", g.dry_run ? "would remove" : "removed", g.removed,
	       g.removed == 1 ? "" : "s", g.dry_run ? "keep" : "kept", g.kept, g.pinned ? " (" : "");
	if (g.pinned)
		printf("%zu pinned)", g.pinned);
	printf("\n");
	return CLI_EXIT_OK;
}

/* crc pin and crc unpin. */
static int pin_command(struct cli *cli, int argc, char **argv, int pin)
{
	struct opt_parser op;
	struct crc_error err;
	struct crc_store s;
	const char *profile = NULL, *drop_id = NULL;
	char dir[CRC_STORE_PATH_MAX], shown[CRC_SHOWN_MAX];
	struct stat st;
	int id, status = CLI_EXIT_OK, changed = 0;
	cli_parse_begin(cli, &op, argc, argv);
	while ((id = cli_next(cli, &op, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		if (id == O_PROFILE)
			profile = op.arg;
		else if (id == O_DROP_ID)
			drop_id = op.arg;
		else
			return cli_usage(cli, "unexpected argument '%s'", op.arg);
	}
	if (!profile || !drop_id)
		return cli_usage(cli, "which drop? give --profile NAME --drop-id ID");
	if ((status = check_profile(cli, profile)))
		return status;
	if (crc_ids_check_drop_id(drop_id, &err))
		return cli_report(cli, CRC_EINVALID, &err);
	int n = snprintf(dir, sizeof dir, "%s/%s/%s", cli->storage, profile, drop_id);
	if (n < 0 || (size_t)n >= sizeof dir) {
		cli_error(cli, "storage path too long: %s", crc_shown(shown, sizeof shown, cli->storage));
		return CLI_EXIT_INPUT;
	}
	int exists = lstat(dir, &st) == 0 && S_ISDIR(st.st_mode);
	if (pin && !exists) {
		cli_error(cli, "no drop %s (crc list shows the drops)", crc_shown(shown, sizeof shown, dir));
		return CLI_EXIT_INPUT;
	}
	/* Without the profile's folder there is nothing to unpin, and nothing to create. */
	*strrchr(dir, '/') = '\0';
	if (pin || (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode))) {
		int rc = crc_store_open(&s, cli->storage, profile, on_busy, cli, &err);
		if (rc)
			return cli_report(cli, rc, &err);
		rc = crc_store_pin(&s, drop_id, pin, &changed, &err);
		crc_store_close(&s);
		if (rc)
			return cli_report(cli, rc, &err);
	}
	if (!cli->json) {
		if (changed)
			printf("%s %s/%s\n", pin ? "pinned" : "unpinned", profile, drop_id);
		else
			printf("%s/%s was %s\n", profile, drop_id, pin ? "already pinned" : "not pinned");
		return CLI_EXIT_OK;
	}
	struct crc_json *o = crc_json_object();
	int bad = !o || crc_json_set_str(o, "schema", "crc.pin/v1") ||
		  crc_json_set_str(o, "profile", profile) || crc_json_set_str(o, "drop_id", drop_id) ||
		  crc_json_set_bool(o, "pinned", pin) || crc_json_set_bool(o, "changed", changed);
	char *text = bad ? NULL : crc_json_render(o, 1);
	crc_json_free(o);
	return cli_print_json(cli, text);
}

int cmd_pin(struct cli *cli, int argc, char **argv)
{
	return pin_command(cli, argc, argv, 1);
}

int cmd_unpin(struct cli *cli, int argc, char **argv)
{
	return pin_command(cli, argc, argv, 0);
}
