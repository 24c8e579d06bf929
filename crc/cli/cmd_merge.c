/* crc merge PARTIAL_DIR... [--force] [-j N] [--json]: combines partial drops (crc build --target T on
 * several machines, same drop id) into the drop <storage>/<profile>/<drop-id>/ one machine would have
 * built. Each part is verified deeply first; their manifests must agree (crc/merge.h); the drop is
 * assembled from them (crc/assemble.h: archives and image blobs copied, hashed again while copied, the
 * index, Dockerfile and metadata written anew) and published like a build's (crc/store.h: under the
 * storage lock, assembled in a hidden directory, renamed into place). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "crc/assemble.h"
#include "crc/dockerfile.h"
#include "crc/gates.h"
#include "crc/image.h"
#include "crc/json.h"
#include "crc/lambda.h"
#include "crc/merge.h"
#include "crc/os.h"
#include "crc/profile.h"
#include "crc/store.h"
#include "crc/verify.h"
#include "exit.h"

enum { O_FORCE = 1, O_JOBS };

const struct opt cmd_merge_opts[] = {
	{O_FORCE, 0, "force", NULL, "replace an existing drop of the same id"},
	{O_JOBS, 'j', "jobs", "N", "files hashed at once while verifying (default: the number of CPUs)"},
	{0, 0, NULL, NULL, NULL},
};

/* Most parts in one merge: one per target at most. */
#define MAX_PARTS CRC_PROFILE_MAX_TARGETS

static void on_busy(void *ctx)
{
	cli_info(ctx, "waiting for another crc that holds the storage's lock");
}

/* Verifies part dir deeply into r; prints its problems and returns an exit code when it does not hold. */
static int verify_part(const struct cli *cli, struct crc_verify_report *r, const char *dir, size_t threads)
{
	struct crc_verify_options o = {.deep = 1, .threads = threads};
	struct crc_error err;
	int rc = crc_verify_drop(r, dir, &o, &err);
	if (rc == 0)
		return CLI_EXIT_OK;
	for (size_t i = 0; i < r->nproblems; i++)
		cli_error(cli, "%s: %s: %s", dir, r->problems[i].file, r->problems[i].msg);
	cli_error(cli, "%s does not verify: nothing merged", dir);
	return rc == CRC_EIO ? CLI_EXIT_INPUT : cli_exit_for(rc);
}

static int print_result(const struct cli *cli, const char *dir, const struct crc_manifest *m, size_t nparts)
{
	if (!cli->json) {
		printf("merged %zu part%s into %s\n", nparts, nparts == 1 ? "" : "s", dir);
		for (size_t i = 0; i < m->nartifacts; i++)
			printf("  %-48s %10llu  %s\n", m->artifacts[i].path, m->artifacts[i].size,
			       m->artifacts[i].sha256);
		return CLI_EXIT_OK;
	}
	struct crc_json *o = crc_json_object(), *arts = crc_json_array();
	int bad = !o || crc_json_set_str(o, "schema", "crc.merge/v1") ||
		  crc_json_set_str(o, "profile", m->profile) || crc_json_set_str(o, "drop_id", m->drop_id) ||
		  crc_json_set_str(o, "drop_dir", dir) || crc_json_set_int(o, "parts", (int64_t)nparts) ||
		  crc_json_set(o, "artifacts", arts);
	if (!o)
		crc_json_free(arts);
	for (size_t i = 0; !bad && i < m->nartifacts; i++) {
		struct crc_json *a = crc_json_object();
		bad = !a || crc_json_push(arts, a) || crc_json_set_str(a, "path", m->artifacts[i].path) ||
		      crc_json_set_str(a, "target", m->artifacts[i].target) ||
		      crc_json_set_int(a, "size", (int64_t)m->artifacts[i].size) ||
		      crc_json_set_str(a, "sha256", m->artifacts[i].sha256);
	}
	char *text = bad ? NULL : crc_json_render(o, 1);
	crc_json_free(o);
	return cli_print_json(cli, text);
}

/* Whether m has a Lambda package (a zip artifact). */
static int has_zip(const struct crc_manifest *m)
{
	for (size_t i = 0; i < m->nartifacts; i++)
		if (strcmp(m->artifacts[i].format, "zip") == 0)
			return 1;
	return 0;
}

int cmd_merge(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	const char *dirs[MAX_PARTS];
	const struct crc_manifest *parts[MAX_PARTS];
	struct crc_verify_report reports[MAX_PARTS];
	struct crc_merge mg;
	struct crc_buf template_text, dockerfile_in;
	struct crc_store store;
	struct crc_profile *profile = NULL;
	struct crc_gates *gates = NULL;
	struct crc_error err;
	char dir[CRC_STORE_PATH_MAX], tmp[CRC_STORE_PATH_MAX] = "";
	const char *order[CRC_PROFILE_MAX_TARGETS];
	size_t n = 0, nverified = 0;
	int id, status = CLI_EXIT_OK, force = 0, rc;
	size_t threads = (size_t)cli_cpus();
	memset(&mg, 0, sizeof mg);
	crc_buf_init(&template_text);
	crc_buf_init(&dockerfile_in);
	store.lock_fd = -1;
	cli_parse_begin(cli, &op, argc, argv);
	while ((id = cli_next(cli, &op, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		if (id == O_FORCE) {
			force = 1;
		} else if (id == O_JOBS) {
			long v;
			if (cli_number(op.arg, 1, 64, &v))
				return cli_usage(cli, "bad -j value '%s' (expected 1 to 64)", op.arg);
			threads = (size_t)v;
		} else if (n == MAX_PARTS) {
			return cli_usage(cli, "too many parts (at most %d)", MAX_PARTS);
		} else {
			dirs[n++] = op.arg;
		}
	}
	if (n == 0)
		return cli_usage(cli, "which drops? give the directories of the partial drops to merge");
	for (; nverified < n; nverified++) {
		if ((status = verify_part(cli, &reports[nverified], dirs[nverified], threads)) !=
		    CLI_EXIT_OK) {
			nverified++;
			goto out;
		}
		parts[nverified] = reports[nverified].manifest;
	}
	/* The profile gives the order one machine would build the targets in. */
	if ((rc = crc_gates_load(&gates, ".", &err)) != 0 ||
	    (rc = crc_profile_load(&profile, ".", gates, parts[0]->profile, NULL, 0, &err)) != 0) {
		status = cli_report(cli, rc, &err);
		goto out;
	}
	for (size_t i = 0; i < profile->ntargets; i++)
		order[i] = profile->targets[i].triple;
	if ((rc = crc_merge_manifests(&mg, parts, dirs, n, order, profile->ntargets, &err)) != 0 ||
	    (rc = crc_store_open(&store, cli->storage, mg.m.profile, on_busy, cli, &err)) != 0 ||
	    (rc = crc_store_drop_path(dir, &store, mg.m.drop_id, &err)) != 0) {
		status = cli_report(cli, rc, &err);
		goto out;
	}
	if (crc_store_drop_exists(&store, mg.m.drop_id) && !force) {
		cli_error(cli, "drop %s exists already (--force replaces it)", dir);
		status = CLI_EXIT_INPUT;
		goto out;
	}
	if (mg.m.ntargets < profile->ntargets)
		cli_info(cli, "%zu of the %zu targets of profile %s: the drop is partial", mg.m.ntargets,
			 profile->ntargets, profile->name);
	/* The SAM template and the Dockerfile are rendered again from this checkout's templates, which must
	 * be the ones each part was rendered from, so that the merge gives what one machine would have built.
	 */
	struct crc_drop_template lambda = {NULL, 0, CRC_LAMBDA_TEMPLATE};
	struct crc_drop_template docker = {NULL, 0, CRC_DOCKERFILE_TEMPLATE};
	if (has_zip(&mg.m) &&
	    (rc = crc_os_read_file(&template_text, CRC_LAMBDA_TEMPLATE, CRC_LAMBDA_TEMPLATE_MAX, &err)) == 0)
		lambda.text = crc_buf_str(&template_text), lambda.len = template_text.len;
	if (!rc && crc_image_count(&mg.m) &&
	    (rc = crc_os_read_file(&dockerfile_in, CRC_DOCKERFILE_TEMPLATE, CRC_DOCKERFILE_TEMPLATE_MAX,
				   &err)) == 0)
		docker.text = crc_buf_str(&dockerfile_in), docker.len = dockerfile_in.len;
	if (!rc)
		rc = crc_assemble_check_parts(parts, dirs, n, lambda.text ? &lambda : NULL,
					      docker.text ? &docker : NULL, &err);
	if (rc) {
		status = cli_report(cli, rc, &err);
		goto out;
	}
	if ((rc = crc_store_begin(tmp, &store, mg.m.drop_id, &err)) != 0 ||
	    (rc = crc_assemble_merge(tmp, &mg, dirs, lambda.text ? &lambda : NULL,
				     docker.text ? &docker : NULL, &err)) != 0 ||
	    (rc = crc_store_publish(&store, tmp, mg.m.drop_id, force, &err)) != 0) {
		if (tmp[0])
			crc_store_abort(tmp);
		status = cli_report(cli, rc, &err);
		goto out;
	}
	status = print_result(cli, dir, &mg.m, n);
out:
	crc_merge_free(&mg);
	crc_buf_free(&template_text);
	crc_buf_free(&dockerfile_in);
	crc_store_close(&store);
	crc_profile_free(profile);
	crc_gates_free(gates);
	for (size_t i = 0; i < nverified; i++)
		crc_verify_report_free(&reports[i]);
	return status;
}
