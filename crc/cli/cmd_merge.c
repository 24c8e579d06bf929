/* crc merge PARTIAL_DIR... [--force] [-j N] [--json]: combines partial drops (crc build --target T on
 * several machines, same drop id) into the drop <storage>/<profile>/<drop-id>/ one machine would have
 * built. Each part is verified deeply first; their manifests must agree (crc/merge.h); the archives are
 * copied (hashed again while copied), the metadata written anew (crc/drop.h), and the drop published like
 * a build's (crc/store.h: under the storage lock, assembled in a hidden directory, renamed into place). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "crc/digest.h"
#include "crc/dockerfile.h"
#include "crc/drop.h"
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
/* Files of a merged image layout: three blobs per image, the index, index.json and oci-layout; and the
 * Dockerfile. */
#define MAX_IMAGE_FILES (3 * CRC_IMAGE_MAX_TARGETS + 4)

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

/* The merged drop's SAM template is rendered again, from this checkout's template: it must be the one
 * each part with packages was rendered from, so that the merge gives what one machine would have built. */
static int lambda_template(struct crc_buf *text, const struct crc_manifest *const *parts,
			   const char *const *dirs, size_t n, struct crc_error *err)
{
	int rc = crc_os_read_file(text, CRC_LAMBDA_TEMPLATE, CRC_LAMBDA_TEMPLATE_MAX, err);
	for (size_t i = 0; !rc && i < n; i++) {
		struct crc_buf b;
		char hex[CRC_SHA256_HEX];
		crc_buf_init(&b);
		if (!has_zip(parts[i]))
			; /* targets without a package (not Linux) */
		else if ((rc = crc_lambda_render(&b, crc_buf_str(text), text->len, CRC_LAMBDA_TEMPLATE,
						 parts[i], err)) == 0 &&
			 (rc = crc_sha256_buf(hex, crc_buf_str(&b), b.len, err)) == 0 &&
			 strcmp(hex, parts[i]->template_sha256) != 0)
			rc = crc_err(
				err, CRC_EINVALID,
				"%s/%s was not rendered from this checkout's %s: merge from the checkout "
				"that built the parts",
				dirs[i], CRC_LAMBDA_TEMPLATE_FILE, CRC_LAMBDA_TEMPLATE);
		crc_buf_free(&b);
	}
	return rc;
}

/* The merged drop's Dockerfile is rendered again from this checkout's template, which must be the one
 * each part with images was rendered from (as for the SAM template). */
static int docker_template(struct crc_buf *text, const struct crc_manifest *const *parts,
			   const char *const *dirs, size_t n, struct crc_error *err)
{
	int rc = crc_os_read_file(text, CRC_DOCKERFILE_TEMPLATE, CRC_DOCKERFILE_TEMPLATE_MAX, err);
	for (size_t i = 0; !rc && i < n; i++) {
		if (crc_image_count(parts[i]) == 0)
			continue;
		rc = crc_dockerfile_check(crc_buf_str(text), text->len, CRC_DOCKERFILE_TEMPLATE, parts[i],
					  err);
		if (rc == CRC_EVERIFY)
			rc = crc_err(
				err, CRC_EINVALID,
				"%s/%s was not rendered from this checkout's %s: merge from the checkout "
				"that built the parts",
				dirs[i], CRC_DOCKERFILE_FILE, CRC_DOCKERFILE_TEMPLATE);
	}
	return rc;
}

/* The merged image layout: each target's blobs copied from its part, the index over all of them
 * written anew, and the Dockerfile rendered from dockerfile_in; its files become the merged manifest's
 * files (which then point into files and sha). */
static int merge_image(const char *tmp, struct crc_merge *mg, const char *const *dirs,
		       const struct crc_buf *dockerfile_in, struct crc_manifest_file *files,
		       char sha[CRC_SHA256_HEX], struct crc_image_entry **e, size_t *ne,
		       struct crc_error *err)
{
	struct crc_image_index x;
	struct crc_buf text;
	char blobs[4096], layout[4096];
	int rc;
	if (crc_image_count(&mg->m) == 0)
		return 0;
	int w = snprintf(blobs, sizeof blobs, "%s/%s/blobs/sha256", tmp, CRC_IMAGE_DIR);
	if (w < 0 || (size_t)w >= sizeof blobs)
		return crc_err(err, CRC_EINVALID, "path too long: %.200s", tmp);
	snprintf(layout, sizeof layout, "%s/%s", tmp, CRC_IMAGE_DIR);
	if ((rc = crc_os_mkdirs(blobs, err)))
		return rc;
	for (size_t t = 0; t < mg->m.ntargets; t++) {
		const struct crc_manifest_target *g = &mg->m.targets[t];
		if (!g->image.architecture || !g->image.architecture[0])
			continue;
		const char *hex[] = {g->image.layer_sha256, g->image.config_sha256, g->image.manifest_sha256};
		const unsigned long long size[] = {g->image.layer_size, g->image.config_size,
						   g->image.manifest_size};
		for (size_t k = 0; k < 3; k++) {
			char rel[128], dst[4200];
			struct stat st;
			snprintf(rel, sizeof rel, "%s/blobs/sha256/%.64s", CRC_IMAGE_DIR, hex[k]);
			snprintf(dst, sizeof dst, "%s/%s", tmp, rel);
			/* A blob two images share is there already. */
			if (lstat(dst, &st) == 0)
				continue;
			if ((rc = crc_drop_copy_file(dirs[mg->part_of[t]], tmp, rel, size[k], hex[k], err)))
				return rc;
		}
	}
	if ((rc = crc_image_render_index(&x, &mg->m, err)))
		return rc;
	rc = crc_image_write_index(layout, &x, err);
	if (!rc)
		rc = crc_image_layout_files(e, ne, &mg->m, &x, err);
	crc_image_index_free(&x);
	if (rc)
		return rc;
	if (*ne + 1 > MAX_IMAGE_FILES)
		return crc_err(err, CRC_EINVALID, "the merged image layout has too many files");
	crc_buf_init(&text);
	rc = crc_dockerfile_render(&text, crc_buf_str(dockerfile_in), dockerfile_in->len,
				   CRC_DOCKERFILE_TEMPLATE, &mg->m, err);
	if (!rc)
		rc = crc_sha256_buf(sha, crc_buf_str(&text), text.len, err);
	w = rc ? 0 : snprintf(layout, sizeof layout, "%s/%s", tmp, CRC_DOCKERFILE_FILE);
	if (!rc && (w < 0 || (size_t)w >= sizeof layout))
		rc = crc_err(err, CRC_EINVALID, "path too long: %.200s", tmp);
	if (!rc)
		rc = crc_os_write_file(layout, crc_buf_str(&text), text.len, 0644, err);
	files[0] = (struct crc_manifest_file){CRC_DOCKERFILE_FILE, text.len, sha};
	crc_buf_free(&text);
	if (rc)
		return rc;
	for (size_t k = 0; k < *ne; k++)
		files[1 + k] = (struct crc_manifest_file){(*e)[k].path, (*e)[k].size, (*e)[k].sha256};
	mg->m.files = files;
	mg->m.nfiles = 1 + *ne;
	return 0;
}

/* Copies the artifacts and flags.txt of every part into tmp, makes the image layout, and writes the
 * merged metadata. */
static int assemble(const char *tmp, struct crc_merge *mg, const char *const *dirs,
		    const struct crc_drop_template *tmpl, const struct crc_buf *dockerfile_in,
		    struct crc_error *err)
{
	struct crc_drop_sums sums;
	struct crc_buf flags;
	struct crc_manifest_file files[MAX_IMAGE_FILES];
	char dockerfile_sha[CRC_SHA256_HEX];
	struct crc_image_entry *e = NULL;
	size_t ne = 0;
	char path[4096], hex[CRC_SHA256_HEX];
	int rc = 0;
	for (size_t i = 0; !rc && i < mg->m.nartifacts; i++) {
		const struct crc_manifest_artifact *a = &mg->m.artifacts[i];
		size_t t = 0;
		while (strcmp(mg->m.targets[t].triple, a->target) != 0)
			t++;
		rc = crc_drop_copy_file(dirs[mg->part_of[t]], tmp, a->path, a->size, a->sha256, err);
	}
	if (!rc)
		rc = merge_image(tmp, mg, dirs, dockerfile_in, files, dockerfile_sha, &e, &ne, err);
	if (rc) {
		crc_image_entries_free(e, ne);
		return rc;
	}
	/* flags.txt is the same in every part (its hash was compared); the first part's, checked again. */
	crc_buf_init(&flags);
	int w = snprintf(path, sizeof path, "%s/flags.txt", dirs[0]);
	if (w < 0 || (size_t)w >= sizeof path)
		rc = crc_err(err, CRC_EINVALID, "path too long: %.200s", dirs[0]);
	else if ((rc = crc_os_read_file(&flags, path, (size_t)1 << 20, err)) == 0 &&
		 (rc = crc_sha256_buf(hex, flags.data ? flags.data : "", flags.len, err)) == 0 &&
		 strcmp(hex, mg->m.flags_sha256) != 0)
		rc = crc_err_at(err, CRC_EVERIFY, path, 0, 0, "changed since it was verified");
	if (!rc)
		rc = crc_drop_write_metadata(&sums, tmp, &mg->m, flags.data ? flags.data : "", flags.len,
					     tmpl, err);
	crc_buf_free(&flags);
	mg->m.files = NULL;
	mg->m.nfiles = 0;
	crc_image_entries_free(e, ne);
	return rc;
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
	if ((rc = crc_profile_load(&profile, ".", parts[0]->profile, NULL, 0, &err)) != 0) {
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
	struct crc_drop_template tmpl = {NULL, 0, CRC_LAMBDA_TEMPLATE};
	if (has_zip(&mg.m)) {
		if ((rc = lambda_template(&template_text, parts, dirs, n, &err)) != 0) {
			status = cli_report(cli, rc, &err);
			goto out;
		}
		tmpl.text = crc_buf_str(&template_text);
		tmpl.len = template_text.len;
	}
	if (crc_image_count(&mg.m) && (rc = docker_template(&dockerfile_in, parts, dirs, n, &err)) != 0) {
		status = cli_report(cli, rc, &err);
		goto out;
	}
	if ((rc = crc_store_begin(tmp, &store, mg.m.drop_id, &err)) != 0 ||
	    (rc = assemble(tmp, &mg, dirs, tmpl.text ? &tmpl : NULL, &dockerfile_in, &err)) != 0 ||
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
	for (size_t i = 0; i < nverified; i++)
		crc_verify_report_free(&reports[i]);
	return status;
}
