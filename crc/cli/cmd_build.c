/* crc build --profile NAME [--target T]... [--set K=V]... [--drop-id ID] [-j N] [--force] [--json]:
 * plans, builds every target (crc_build_run), assembles the drop in a temporary directory of the storage
 * (crc_assemble_build: archives, images, metadata), signs it when asked, and renames it into place,
 * showing progress as it goes. A drop that exists already, verifies, and was assembled from these inputs
 * is "up to date". */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "crc/assemble.h"
#include "crc/build.h"
#include "crc/json.h"
#include "crc/manifest.h"
#include "crc/os.h"
#include "crc/sign.h"
#include "crc/store.h"
#include "crc/verify.h"
#include "exit.h"
#include "github.h"
#include "planning.h"
#include "progress.h"

enum { O_FORCE = PLANNING_OPT_END, O_SIGN_KEY };

const struct opt cmd_build_opts[] = {
	PLANNING_OPTS,
	{O_FORCE, 0, "force", NULL, "rebuild, and replace an existing drop of the same id"},
	{O_SIGN_KEY, 0, "sign-key", "KEY", "sign the drop's manifest.yaml with this key (from crc keygen)"},
	{0, 0, NULL, NULL, NULL},
};

/* Formats a path into out; CRC_EINVALID (with err) when it does not fit. */
__attribute__((format(printf, 4, 5))) static int pathf(char *out, size_t size, struct crc_error *err,
						       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= size)
		return crc_err(err, CRC_EINVALID, "path too long: %.200s...", out);
	return 0;
}

/* Lines of a failed target's log printed with the error. */
#define LOG_TAIL_BYTES 4000

static void on_busy(void *ctx)
{
	struct cli *cli = ctx;
	cli_info(cli, "waiting for another crc that holds the storage's lock");
}

static int print_result(struct cli *cli, const struct planning *pl, const char *dir,
			const struct crc_manifest *d, int fresh)
{
	const struct crc_plan *plan = pl->plan;
	if (!cli->json) {
		printf("%s %s\n", fresh ? "built" : "up to date:", dir);
		for (size_t i = 0; d && i < d->nartifacts; i++)
			printf("  %-48s %10llu  %s\n", d->artifacts[i].path, d->artifacts[i].size,
			       d->artifacts[i].sha256);
		return CLI_EXIT_OK;
	}
	struct crc_json *o = crc_json_object(), *arts = crc_json_array();
	int bad = !o || crc_json_set_str(o, "schema", "crc.build/v1") ||
		  crc_json_set_str(o, "profile", plan->profile->name) ||
		  crc_json_set_str(o, "drop_id", plan->drop_id) ||
		  crc_json_set_str(o, "drop_dir", plan->drop_dir) ||
		  crc_json_set_bool(o, "up_to_date", !fresh) || crc_json_set(o, "artifacts", arts);
	if (!o)
		crc_json_free(arts);
	for (size_t i = 0; !bad && d && i < d->nartifacts; i++) {
		struct crc_json *a = crc_json_object();
		bad = !a || crc_json_push(arts, a) || crc_json_set_str(a, "path", d->artifacts[i].path) ||
		      crc_json_set_str(a, "target", d->artifacts[i].target) ||
		      crc_json_set_int(a, "size", (int64_t)d->artifacts[i].size) ||
		      crc_json_set_str(a, "sha256", d->artifacts[i].sha256);
	}
	char *text = bad ? NULL : crc_json_render(o, 1);
	crc_json_free(o);
	return cli_print_json(cli, text);
}

/* An existing drop of this id: reused when up to date (and signed with key when its signature is not
 * key's: exactly the manifest bytes verified), refused otherwise. Returns an exit code. */
static int reuse(struct cli *cli, const struct planning *pl, const struct crc_assemble_inputs *in,
		 const char *dir, size_t threads, const struct crc_sign_key *key)
{
	struct crc_verify_options vo = {.threads = threads,
					.profile = in->plan->profile->name,
					.drop_id = in->plan->drop_id,
					.identity_from = "its place in the storage"};
	struct crc_verify_report r;
	struct crc_error err;
	char why[4096];
	int rc = crc_verify_drop(&r, dir, &vo, &err), status = CLI_EXIT_OK;
	if (rc)
		snprintf(why, sizeof why, "%s%s%s", r.nproblems ? r.problems[0].file : "",
			 r.nproblems ? ": " : "", r.nproblems ? r.problems[0].msg : err.msg);
	else if ((rc = crc_assemble_matches(r.manifest, in, &err)) != 0)
		snprintf(why, sizeof why, "%s", err.msg);
	if (rc) {
		cli_error(cli, "drop %s exists and is not this build's: %s (--force replaces it)", dir, why);
		crc_verify_report_free(&r);
		return CLI_EXIT_INPUT;
	}
	/* Signing an up-to-date drop replaces manifest.yaml.sig atomically, only when needed. */
	if (key && crc_sign_verify_drop(dir, key, &err) != 0) {
		if ((rc = crc_sign_drop_bytes(dir, key, r.manifest_text.data ? r.manifest_text.data : "",
					      r.manifest_text.len, &err)) != 0)
			status = cli_report(cli, rc, &err);
		else
			cli_info(cli, "signed %s/manifest.yaml (key %s)", dir, crc_sign_key_id(key));
	}
	crc_verify_report_free(&r);
	return status ? status : print_result(cli, pl, dir, NULL, 0);
}

/* Builds every target (crc_build_run), showing pr, concurrency at once; on failure reports it with the
 * last lines of each failed target's log. Returns an exit code. */
static int build_targets(struct cli *cli, const struct planning *pl, struct progress *pr, size_t concurrency,
			 struct crc_build_target *res)
{
	struct crc_error err;
	char sde[64], basedir[sizeof pl->root + 32];
	snprintf(sde, sizeof sde, "SOURCE_DATE_EPOCH=%lld", pl->epoch);
	/* ccache keys on paths below CCACHE_BASEDIR relatively, so checkouts at other paths share hits. */
	snprintf(basedir, sizeof basedir, "CCACHE_BASEDIR=%s", pl->root);
	const char *env[] = {sde, "LC_ALL=C", "TZ=UTC", pl->launcher ? basedir : NULL, NULL};
	struct crc_build_options bo = {pl->root, concurrency, env, pl->launcher, NULL};
	struct crc_build_events ev = progress_build_events(pr);
	int rc = crc_build_run(res, pl->plan, &bo, &ev, &err);
	if (getenv("GITHUB_ACTIONS"))
		github_groups(pl->root, pl->plan, res);
	if (!rc)
		return CLI_EXIT_OK;
	int status = cli_report(cli, rc, &err);
	for (size_t i = 0; rc == CRC_EBUILD && i < pl->plan->ntargets; i++) {
		char path[8192];
		struct crc_buf tail;
		struct crc_error lerr;
		if (!res[i].failed_step)
			continue;
		crc_buf_init(&tail);
		if (pathf(path, sizeof path, &lerr, "%s/%s", pl->root, res[i].log) == 0 &&
		    crc_build_log_tail(&tail, path, LOG_TAIL_BYTES, &lerr) == 0)
			fprintf(stderr, "--- last lines of %s ---\n%s%s---\n", res[i].log, crc_buf_str(&tail),
				tail.len && tail.data[tail.len - 1] != '\n' ? "\n" : "");
		crc_buf_free(&tail);
	}
	return status;
}

/* Assembles the drop in a temporary directory of the store, signs it with key (exactly the manifest
 * written), and publishes it. Returns an exit code. */
static int assemble_and_publish(struct cli *cli, const struct planning *pl,
				const struct crc_assemble_inputs *in, struct crc_store *store,
				struct progress *pr, const struct crc_build_target *res, const char *dir,
				const struct crc_sign_key *key, int force)
{
	struct crc_assembly *d = NULL;
	struct crc_error err;
	char tmp[CRC_STORE_PATH_MAX] = "";
	const char *drop_id = pl->plan->drop_id;
	struct crc_assemble_events aev = progress_assemble_events(pr);
	int rc, status;
	if (!pr->live)
		cli_info(cli, "packing %s", dir);
	if ((rc = crc_store_begin(tmp, store, drop_id, &err)) ||
	    (rc = crc_assemble_build(&d, in, res, tmp, &aev, &err)) ||
	    (key && (rc = crc_sign_drop_pinned(tmp, key, crc_assembly_manifest_sha256(d), &err))) ||
	    (rc = crc_store_publish(store, tmp, drop_id, force, &err))) {
		crc_store_abort(tmp);
		crc_assembly_free(d);
		return cli_report(cli, rc, &err);
	}
	if (key)
		cli_info(cli, "signed %s/manifest.yaml (key %s)", dir, crc_sign_key_id(key));
	const char *summary = getenv("GITHUB_STEP_SUMMARY");
	if (summary && *summary)
		github_summary(summary, dir, crc_assembly_manifest(d));
	status = print_result(cli, pl, dir, crc_assembly_manifest(d), 1);
	crc_assembly_free(d);
	return status;
}

int cmd_build(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	struct planning_args a;
	struct planning pl;
	struct crc_store store;
	struct crc_error err;
	char dir[CRC_STORE_PATH_MAX];
	struct crc_sign_key *key = NULL;
	const char *sign_key = NULL;
	int id, status, force = 0, rc;
	memset(&a, 0, sizeof a);
	store.lock_fd = -1;
	cli_parse_begin(cli, &op, argc, argv);
	while ((id = cli_next(cli, &op, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		if (id == O_FORCE)
			force = 1;
		else if (id == O_SIGN_KEY)
			sign_key = op.arg;
		else if ((status = planning_option(cli, &a, id, op.arg)) != 0)
			return status;
	}
	if ((status = planning_load(cli, &pl, &a, 0, 1)) != CLI_EXIT_OK)
		goto out;
	const struct crc_plan *plan = pl.plan;
	const struct crc_assemble_inputs *in = planning_assemble_inputs(&pl);
	/* Zip keeps local times: packing runs in UTC (as the build's commands do), so a Lambda package has
	 * the same bytes wherever it is built. */
	if (setenv("TZ", "UTC0", 1) != 0) {
		cli_error(cli, "cannot set TZ=UTC0: %s", strerror(errno));
		status = CLI_EXIT_IO;
		goto out;
	}
	tzset();
	/* A bad key stops the build before it starts. */
	if (sign_key && (rc = crc_sign_key_load_private(&key, sign_key, &err))) {
		status = cli_report(cli, rc, &err);
		goto out;
	}
	/* Targets in parallel, the CPUs shared among them. */
	int jobs = a.jobs;
	if (!jobs) {
		long ncpu = cli_cpus();
		jobs = ncpu <= 1024 ? (int)ncpu : 1;
	}
	size_t concurrency = plan->ntargets < (size_t)jobs ? plan->ntargets : (size_t)jobs;
	if ((rc = crc_plan_set_jobs(pl.plan, jobs / (int)concurrency, &err)) ||
	    (rc = crc_store_open(&store, cli->storage, plan->profile->name, on_busy, cli, &err))) {
		status = cli_report(cli, rc, &err);
		goto out;
	}
	if (store.leftovers_removed)
		cli_info(cli, "removed %d leftover%s of interrupted builds in %s", store.leftovers_removed,
			 store.leftovers_removed == 1 ? "" : "s", store.dir);
	if ((rc = crc_store_drop_path(dir, &store, plan->drop_id, &err))) {
		status = cli_report(cli, rc, &err);
		goto out;
	}
	if (crc_store_drop_exists(&store, plan->drop_id) && !force) {
		status = reuse(cli, &pl, in, dir, (size_t)jobs, key);
		goto out;
	}
	struct crc_build_target res[CRC_PROFILE_MAX_TARGETS];
	struct progress pr;
	cli_info(cli, "building %s for %zu target%s (drop %s)", plan->profile->name, plan->ntargets,
		 plan->ntargets == 1 ? "" : "s", plan->drop_id);
	if (pl.launcher)
		cli_info(cli, "compiling through %s (CMAKE_C_COMPILER_LAUNCHER)", pl.launcher);
	progress_start(&pr, cli, plan);
	if ((status = build_targets(cli, &pl, &pr, concurrency, res)) == CLI_EXIT_OK)
		status = assemble_and_publish(cli, &pl, in, &store, &pr, res, dir, key, force);
out:
	crc_store_close(&store);
	crc_sign_key_free(key);
	planning_free(&pl);
	return status;
}
