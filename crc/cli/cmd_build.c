/* crc build --profile NAME [--target T]... [--set K=V]... [--drop-id ID] [-j N] [--force] [--json]:
 * plans, builds every target (crc_build_run), packs each staged install into a deterministic archive,
 * writes flags.txt, manifest.yaml and SHA256SUMS into a temporary directory of the storage, and renames it
 * into place. A drop that exists already and matches these inputs and its own hashes is "up to date". */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "crc/archive.h"
#include "crc/build.h"
#include "crc/digest.h"
#include "crc/dockerfile.h"
#include "crc/drop.h"
#include "crc/image.h"
#include "crc/json.h"
#include "crc/lambda.h"
#include "crc/manifest.h"
#include "crc/os.h"
#include "crc/sign.h"
#include "crc/store.h"
#include "crc/verify.h"
#include "crc/version.h"
#include "exit.h"
#include "planning.h"

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

/* Progress: live lines on a terminal (redrawn on every change and every tick, so that the elapsed time
 * runs), timestamped lines otherwise. */
struct progress {
	struct cli *cli;
	const struct crc_plan *plan;
	enum crc_build_phase phase[CRC_PROFILE_MAX_TARGETS];
	/* What crc itself does with the target after its build ("packing", "packed"), or NULL. */
	const char *label[CRC_PROFILE_MAX_TARGETS];
	/* When the target started, and when it stopped (0 while it runs). */
	double started[CRC_PROFILE_MAX_TARGETS], ended[CRC_PROFILE_MAX_TARGETS], t0;
	int live, drawn;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *state_name(const struct progress *pr, size_t i)
{
	return pr->label[i] ? pr->label[i] : crc_build_phase_name(pr->phase[i]);
}

static void draw(struct progress *pr)
{
	double t = now();
	if (pr->drawn)
		fprintf(stderr, "\033[%zuA", pr->plan->ntargets);
	for (size_t i = 0; i < pr->plan->ntargets; i++) {
		double el = pr->phase[i] == CRC_BUILD_QUEUED
				    ? 0
				    : (pr->ended[i] > 0 ? pr->ended[i] : t) - pr->started[i];
		fprintf(stderr, "\033[2K  %-22s %-14s %6.1fs\n", pr->plan->targets[i].toolchain->triple,
			state_name(pr, i), el);
	}
	pr->drawn = 1;
	fflush(stderr);
}

/* Shows that target i is in a new state: a redraw, or one timestamped line. */
static void show(struct progress *pr, size_t i)
{
	if (pr->cli->verbosity < 0)
		return;
	if (pr->live)
		draw(pr);
	else
		cli_info(pr->cli, "[%7.1fs] %s: %s", now() - pr->t0, pr->plan->targets[i].toolchain->triple,
			 state_name(pr, i));
}

static void on_phase(void *ctx, size_t i, enum crc_build_phase ph)
{
	struct progress *pr = ctx;
	if (pr->phase[i] == CRC_BUILD_QUEUED)
		pr->started[i] = now();
	if (ph == CRC_BUILD_DONE || ph == CRC_BUILD_FAILED)
		pr->ended[i] = now();
	pr->phase[i] = ph;
	show(pr, i);
}

static void on_tick(void *ctx)
{
	struct progress *pr = ctx;
	if (pr->live && pr->cli->verbosity >= 0)
		draw(pr);
}

/* crc's own work on target i after its build; the clock runs again until "packed". */
static void set_label(struct progress *pr, size_t i, const char *label)
{
	if (!pr)
		return;
	pr->ended[i] = strcmp(label, "packed") == 0 ? now() : 0;
	pr->label[i] = label;
	show(pr, i);
}

static void on_busy(void *ctx)
{
	struct cli *cli = ctx;
	cli_info(cli, "waiting for another crc that holds the storage's lock");
}

/* Under GITHUB_ACTIONS: each target's log in a collapsible group, on stderr (Actions reads workflow
 * commands from both streams, and stdout stays the result, --json included). */
static void github_groups(const struct planning *pl, const struct crc_build_target *res)
{
	for (size_t i = 0; i < pl->plan->ntargets; i++) {
		struct crc_buf log;
		struct crc_error err;
		char path[8192];
		if (!res[i].log[0])
			continue;
		crc_buf_init(&log);
		if (pathf(path, sizeof path, &err, "%s/%s", pl->root, res[i].log) == 0 &&
		    crc_os_read_file(&log, path, (size_t)64 << 20, &err) == 0) {
			fprintf(stderr, "::group::%s build log\n%s%s::endgroup::\n",
				pl->plan->targets[i].toolchain->triple, crc_buf_str(&log),
				log.len && log.data[log.len - 1] != '\n' ? "\n" : "");
		}
		crc_buf_free(&log);
	}
}

/* Writes the runtime policy the profile ships and a short README into the staged install. */
static int add_drop_files(const struct planning *pl, size_t i, struct crc_error *err)
{
	const struct crc_plan *plan = pl->plan;
	const struct crc_plan_target *t = &plan->targets[i];
	const struct crc_profile *p = plan->profile;
	const struct crc_profile_policy *pol = &p->policy;
	char dir[8192], path[8192];
	struct crc_buf b;
	int rc;
	if ((rc = pathf(dir, sizeof dir, err, "%s/%s/share/noa", pl->root, t->stage_dir)) ||
	    (rc = crc_os_mkdirs(dir, err)) || (rc = pathf(path, sizeof path, err, "%s/policy.yaml", dir)))
		return rc;
	crc_buf_init(&b);
	crc_buf_printf(
		&b,
		"# The runtime policy of profile %s (runtime/README.md): noa's default for this drop.\n"
		"prefer_gpu: %s\nmin_gpu_memory_gb: %g\nprefer_lightweight_python_on_low_memory: %s\n"
		"lightweight_memory_threshold_gb: %g\nallow_accelerator_experiments: %s\n",
		p->name, pol->prefer_gpu ? "true" : "false", pol->min_gpu_memory_gb,
		pol->prefer_lightweight_python_on_low_memory ? "true" : "false",
		pol->lightweight_memory_threshold_gb, pol->allow_accelerator_experiments ? "true" : "false");
	rc = crc_buf_error(&b) ? crc_err(err, CRC_ENOMEM, "out of memory")
			       : crc_os_write_file(path, b.data, b.len, 0644, err);
	crc_buf_free(&b);
	if (rc)
		return rc;
	crc_buf_init(&b);
	crc_buf_printf(
		&b,
		"The noa runtime for %s, profile %s, drop %s (built by crc %s).\n\n"
		"bin/noa%s            the runtime's program (noa --help)\n"
		"lib/libnoa.a, include/noa/  the runtime as a C library\n"
		"share/noa/policy.yaml   the runtime policy this profile ships\n\n"
		"The drop's manifest.yaml lists every file of this archive with its SHA-256, and flags.txt\n"
		"the exact flags it was built with.\n",
		t->toolchain->triple, p->name, plan->drop_id, crc_version(), t->toolchain->executable_suffix);
	rc = pathf(path, sizeof path, err, "%s/%s/README", pl->root, t->stage_dir);
	rc = rc                  ? rc
	     : crc_buf_error(&b) ? crc_err(err, CRC_ENOMEM, "out of memory")
				 : crc_os_write_file(path, b.data, b.len, 0644, err);
	crc_buf_free(&b);
	return rc;
}

static void rfc3339(char *out, size_t size, long long epoch)
{
	struct tm tm;
	time_t t = (time_t)epoch;
	if (!gmtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "1970-01-01T00:00:00Z");
}

/* Everything the drop's manifest holds, from the plan, the build results and the archives. */
struct drop {
	struct crc_manifest m;
	struct crc_manifest_target targets[CRC_PROFILE_MAX_TARGETS];
	/* Each target's tarball, then its Lambda package when it has one. */
	struct crc_manifest_artifact artifacts[2 * CRC_PROFILE_MAX_TARGETS];
	struct crc_archive_result archives[2 * CRC_PROFILE_MAX_TARGETS];
	const char *features[CRC_PROFILE_MAX_TARGETS][16];
	char created[32], flags_sha256[CRC_SHA256_HEX];
	/* What the metadata files hash to (m points into it once they are written). */
	struct crc_drop_sums sums;
	/* The image layout: what crc_image_write wrote (the targets' images point into it), and its files as
	 * the manifest lists them (m.files points into image_files). */
	struct crc_image_result image;
	struct crc_image_entry *image_entries;
	size_t nimage_entries;
	struct crc_manifest_file image_files[3 * CRC_IMAGE_MAX_TARGETS + 4];
	char dockerfile_sha256[CRC_SHA256_HEX];
	struct crc_arena arena;
};

static void drop_free(struct drop *d)
{
	for (size_t i = 0; i < d->m.nartifacts; i++) {
		free(d->artifacts[i].entries);
		crc_archive_result_free(&d->archives[i]);
	}
	crc_image_result_free(&d->image);
	crc_image_entries_free(d->image_entries, d->nimage_entries);
	crc_arena_free(&d->arena);
}

/* Fills d->m (without artifacts) from what is known before packing. */
static void describe(struct drop *d, const struct planning *pl, const struct crc_build_target *res)
{
	const struct crc_plan *plan = pl->plan;
	const struct crc_profile *p = plan->profile;
	struct crc_manifest *m = &d->m;
	rfc3339(d->created, sizeof d->created, pl->epoch);
	m->schema = CRC_MANIFEST_SCHEMA;
	m->drop_id = plan->drop_id;
	m->profile = p->name;
	m->created = d->created;
	m->crc_version = crc_version();
	m->source.commit = pl->source.commit;
	m->source.dirty = pl->source.dirty;
	m->source.tree_sha256 = pl->source.tree_sha256;
	m->source.url = pl->source.url;
	m->optimization.opt_level = p->optimization.opt_level;
	m->optimization.lto = p->optimization.lto;
	m->optimization.codegen_units = p->optimization.codegen_units;
	m->optimization.strip = p->optimization.strip;
	m->optimization.debug_info = p->optimization.debug_info;
	m->features = p->features;
	m->flags_sha256 = d->flags_sha256;
	m->ntargets = plan->ntargets;
	m->targets = d->targets;
	for (size_t i = 0; i < plan->ntargets; i++) {
		const struct crc_toolchain *tc = plan->targets[i].toolchain;
		const struct crc_build_smoke *s = &res[i].smoke;
		struct crc_manifest_target *t = &d->targets[i];
		t->triple = tc->triple;
		t->compiler = tc->compiler;
		t->compiler_version = pl->versions[i];
		t->dialect = crc_dialect_name(tc->dialect);
		t->emulator = tc->emulator;
		t->smoke.ok = 1;
		t->smoke.noa_version = s->noa_version;
		t->smoke.triple = s->triple;
		t->smoke.profile = s->profile;
		t->smoke.opt_level = s->opt_level;
		t->smoke.lto = s->lto;
		t->smoke.target_kind = s->target_kind;
		for (size_t k = 0; k < s->nfeatures; k++)
			d->features[i][k] = s->features[k];
		t->smoke.features.items = d->features[i];
		t->smoke.features.n = s->nfeatures;
		/* The optimize step's sizes, for the targets that had one. */
		if (plan->targets[i].optimize.argv.n) {
			t->wasm_opt.level = p->optimization.wasm_opt;
			t->wasm_opt.size_before = res[i].optimize_size_before;
			t->wasm_opt.size_after = res[i].optimize_size_after;
		}
	}
}

/* Adds the archive written into d->archives[d->m.nartifacts] to the manifest's artifacts (which then own
 * it, for drop_free). */
static int add_artifact(struct drop *d, const char *path, const char *triple, const char *format,
			struct crc_error *err)
{
	struct crc_archive_result *ar = &d->archives[d->m.nartifacts];
	struct crc_manifest_artifact *a = &d->artifacts[d->m.nartifacts];
	a->path = path;
	a->target = triple;
	a->format = format;
	a->size = ar->size;
	a->sha256 = ar->sha256;
	a->nentries = ar->nentries;
	a->entries = calloc(ar->nentries ? ar->nentries : 1, sizeof *a->entries);
	if (!a->entries) {
		/* Not counted yet, so drop_free would not see it. */
		crc_archive_result_free(ar);
		return crc_err(err, CRC_ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < ar->nentries; k++) {
		const struct crc_archive_entry *e = &ar->entries[k];
		a->entries[k].path = e->path;
		a->entries[k].type = e->type;
		a->entries[k].mode = e->mode;
		a->entries[k].size = e->size;
		a->entries[k].sha256 = e->sha256;
		a->entries[k].link = e->link ? e->link : "";
	}
	d->m.nartifacts++;
	return 0;
}

/* Stages the target's Lambda package, its installed bin/bootstrap alone, in <build_dir>/lambda (made
 * anew) and zips it to out. */
static int pack_lambda(struct drop *d, const struct planning *pl, const struct crc_plan_target *t,
		       const char *out, struct crc_error *err)
{
	char pkg[8192], from[8192], to[8192];
	struct stat st;
	int rc;
	if ((rc = pathf(pkg, sizeof pkg, err, "%s/%s/lambda", pl->root, t->build_dir)) ||
	    (rc = pathf(from, sizeof from, err, "%s/%s/bin/bootstrap", pl->root, t->stage_dir)) ||
	    (rc = pathf(to, sizeof to, err, "%s/bootstrap", pkg)))
		return rc;
	if (lstat(from, &st) != 0 || !S_ISREG(st.st_mode))
		return crc_err(err, CRC_EBUILD,
			       "%s: the lambda gate is on but the build installed no bin/bootstrap for %s "
			       "(see runtime/cmake/Lambda.cmake)",
			       t->stage_dir, t->toolchain->triple);
	if ((rc = crc_os_remove_tree(pkg, err)) || (rc = crc_os_mkdirs(pkg, err)))
		return rc;
	if (link(from, to) != 0)
		return crc_err_os(err, "cannot link bootstrap into", pkg, errno);
	if ((rc = crc_archive_write_tree(&d->archives[d->m.nartifacts], out, pkg, CRC_ARCHIVE_ZIP, pl->epoch,
					 err)))
		return rc;
	return add_artifact(d, t->lambda_zip, t->toolchain->triple, "zip", err);
}

/* Stages a root file system for each target with an image (its installed tree under usr/local, and the
 * host files its toolchain names) in <build_dir>/rootfs, writes the OCI image layout into tmp/image, and
 * records each image in the manifest's targets and the layout's files under "files". */
static int pack_image(struct drop *d, const struct planning *pl, struct progress *pr, const char *tmp,
		      struct crc_error *err)
{
	const struct crc_plan *plan = pl->plan;
	struct crc_image_target it[CRC_IMAGE_MAX_TARGETS];
	struct crc_image_file files[CRC_IMAGE_MAX_FILES];
	size_t of[CRC_IMAGE_MAX_TARGETS], n = 0;
	char dir[8192];
	int rc;
	for (size_t i = 0; i < plan->ntargets; i++) {
		const struct crc_plan_target *t = &plan->targets[i];
		const struct crc_toolchain *tc = t->toolchain;
		char rootfs[8192], installed[8192];
		if (!tc->image_architecture)
			continue;
		if (n == CRC_IMAGE_MAX_TARGETS || tc->image_files.n > CRC_IMAGE_MAX_FILES)
			return crc_err(err, CRC_EINVALID, "%s: too many images or image files", tc->triple);
		set_label(pr, i, "imaging");
		if ((rc = pathf(rootfs, sizeof rootfs, err, "%s/%s/rootfs", pl->root, t->build_dir)) ||
		    (rc = pathf(installed, sizeof installed, err, "%s/%s", pl->root, t->stage_dir)) ||
		    (rc = crc_os_remove_tree(rootfs, err)))
			return rc;
		for (size_t k = 0; k < tc->image_files.n; k++)
			files[k] = (struct crc_image_file){
				tc->image_files.items[k],
				k < tc->image_packages.n ? tc->image_packages.items[k] : "(unknown)"};
		if ((rc = crc_image_stage_rootfs(rootfs, installed, files, tc->image_files.n, err)))
			return rc;
		char *root = crc_arena_strndup(&d->arena, rootfs, strlen(rootfs));
		if (!root)
			return crc_err(err, CRC_ENOMEM, "out of memory");
		it[n] = (struct crc_image_target){tc->triple, tc->image_architecture, tc->image_variant,
						  root};
		of[n++] = i;
	}
	if (n == 0)
		return 0;
	struct crc_image_options o = {plan->drop_id,       plan->profile->name, pl->source.commit,
				      pl->source.url,      CRC_IMAGE_TITLE,     pl->epoch,
				      CRC_IMAGE_ENTRYPOINT};
	if ((rc = pathf(dir, sizeof dir, err, "%s/%s", tmp, CRC_IMAGE_DIR)) ||
	    (rc = crc_image_write(&d->image, dir, it, n, &o, err)))
		return rc;
	for (size_t k = 0; k < n; k++) {
		struct crc_manifest_target *t = &d->targets[of[k]];
		const struct crc_image_digests *g = &d->image.targets[k];
		t->image.architecture = it[k].architecture;
		t->image.variant = it[k].variant;
		t->image.layer_sha256 = g->layer, t->image.layer_size = g->layer_size;
		t->image.diff_id = g->diff_id;
		t->image.config_sha256 = g->config, t->image.config_size = g->config_size;
		t->image.manifest_sha256 = g->manifest, t->image.manifest_size = g->manifest_size;
		set_label(pr, of[k], "packed");
	}
	/* The manifest lists the layout as crc verify, crc merge and crc pull derive it from the targets. */
	struct crc_image_index x;
	if ((rc = crc_image_render_index(&x, &d->m, err)))
		return rc;
	if (strcmp(x.index_sha256, d->image.index) != 0)
		rc = crc_err(err, CRC_EINVALID, "the image index written is not the manifest's (%s, %s)",
			     d->image.index, x.index_sha256);
	if (!rc)
		rc = crc_image_layout_files(&d->image_entries, &d->nimage_entries, &d->m, &x, err);
	crc_image_index_free(&x);
	if (rc)
		return rc;
	if (d->nimage_entries + 1 > sizeof d->image_files / sizeof d->image_files[0])
		return crc_err(err, CRC_EINVALID, "the image layout has too many files");
	/* The Dockerfile that builds the same file systems with Docker, first ("D" sorts before "i"). */
	struct crc_buf text;
	crc_buf_init(&text);
	if (!pl->docker_template_path)
		rc = crc_err(err, CRC_EINVALID, "no Dockerfile template was read for the image");
	else if (!(rc = crc_dockerfile_render(&text, crc_buf_str(&pl->docker_template),
					      pl->docker_template.len, pl->docker_template_path, &d->m,
					      err)) &&
		 !(rc = crc_sha256_buf(d->dockerfile_sha256, crc_buf_str(&text), text.len, err)) &&
		 !(rc = pathf(dir, sizeof dir, err, "%s/%s", tmp, CRC_DOCKERFILE_FILE)))
		rc = crc_os_write_file(dir, crc_buf_str(&text), text.len, 0644, err);
	d->image_files[0] = (struct crc_manifest_file){CRC_DOCKERFILE_FILE, text.len, d->dockerfile_sha256};
	crc_buf_free(&text);
	if (rc)
		return rc;
	for (size_t k = 0; k < d->nimage_entries; k++) {
		const struct crc_image_entry *e = &d->image_entries[k];
		d->image_files[1 + k] = (struct crc_manifest_file){e->path, e->size, e->sha256};
	}
	d->m.files = d->image_files;
	d->m.nfiles = 1 + d->nimage_entries;
	return 0;
}

/* Packs each target's staged install into the drop's temporary directory, and its Lambda package. */
static int pack(struct drop *d, const struct planning *pl, struct progress *pr, const char *tmp,
		struct crc_error *err)
{
	const struct crc_plan *plan = pl->plan;
	int fmt = crc_archive_format_parse(plan->profile->archive);
	if (fmt < 0)
		return crc_err(err, CRC_EINVALID, "unknown archive format '%s'", plan->profile->archive);
	d->m.artifacts = d->artifacts;
	for (size_t i = 0; i < plan->ntargets; i++) {
		const struct crc_plan_target *t = &plan->targets[i];
		char out[8192], stage[8192];
		int rc = pathf(out, sizeof out, err, "%s/%s", tmp, t->archive);
		if (!rc)
			rc = pathf(stage, sizeof stage, err, "%s/%s", pl->root, t->stage_dir);
		if (!rc)
			rc = add_drop_files(pl, i, err);
		set_label(pr, i, "packing");
		if (!rc)
			rc = crc_archive_write_tree(&d->archives[d->m.nartifacts], out, stage,
						    (enum crc_archive_format)fmt, pl->epoch, err);
		if (!rc)
			rc = add_artifact(d, t->archive, t->toolchain->triple, plan->profile->archive, err);
		if (!rc && t->lambda_zip && !(rc = pathf(out, sizeof out, err, "%s/%s", tmp, t->lambda_zip)))
			rc = pack_lambda(d, pl, t, out, err);
		if (rc)
			return rc;
		set_label(pr, i, "packed");
	}
	return pack_image(d, pl, pr, tmp, err);
}

/* Whether the existing drop at dir was built from these inputs and still verifies against its manifest
 * (crc_verify_drop: every file, hash and SHA256SUMS line; nothing unlisted). Returns 1 (up to date), or 0
 * with why set. */
static int up_to_date(const struct planning *pl, const char *dir, size_t threads, char *why, size_t size)
{
	const struct crc_plan *plan = pl->plan;
	struct crc_verify_options vo = {.threads = threads};
	struct crc_verify_report r;
	struct crc_error err;
	char flags_sha[CRC_SHA256_HEX];
	int ok = 0;
	if (crc_verify_drop(&r, dir, &vo, &err)) {
		if (r.nproblems)
			snprintf(why, size, "%s: %s", r.problems[0].file, r.problems[0].msg);
		else
			snprintf(why, size, "%s", err.msg);
		goto out;
	}
	const struct crc_manifest *m = r.manifest;
	crc_sha256_buf(flags_sha, plan->flags_txt, strlen(plan->flags_txt), &err);
	if (strcmp(m->crc_version, crc_version()) != 0 ||
	    strcmp(m->source.tree_sha256, pl->source.tree_sha256) != 0 ||
	    strcmp(m->source.url ? m->source.url : "", pl->source.url) != 0 ||
	    strcmp(m->flags_sha256, flags_sha) != 0 || m->ntargets != plan->ntargets) {
		snprintf(why, size, "it was built from other inputs (crc version, source or flags)");
		goto out;
	}
	for (size_t i = 0; i < plan->ntargets; i++)
		if (strcmp(m->targets[i].triple, plan->targets[i].toolchain->triple) != 0 ||
		    strcmp(m->targets[i].compiler_version, pl->versions[i]) != 0) {
			snprintf(why, size, "it was built for other targets or with another compiler");
			goto out;
		}
	/* Its SAM template must be what this checkout's template renders for it. */
	if (pl->lambda_template_path) {
		struct crc_buf t;
		char sha[CRC_SHA256_HEX] = "";
		crc_buf_init(&t);
		int same = crc_lambda_render(&t, crc_buf_str(&pl->lambda_template), pl->lambda_template.len,
					     pl->lambda_template_path, m, &err) == 0 &&
			   crc_sha256_buf(sha, crc_buf_str(&t), t.len, &err) == 0 &&
			   strcmp(sha, m->template_sha256) == 0;
		crc_buf_free(&t);
		if (!same) {
			snprintf(why, size, "its template.yaml was not rendered from this checkout's %s",
				 pl->lambda_template_path);
			goto out;
		}
	}
	/* Its images and their Dockerfile likewise. */
	if ((crc_image_count(m) != 0) != (pl->docker_template_path != NULL)) {
		snprintf(why, size, "it has %s image", crc_image_count(m) ? "an" : "no");
		goto out;
	}
	if (pl->docker_template_path &&
	    crc_dockerfile_check(crc_buf_str(&pl->docker_template), pl->docker_template.len,
				 pl->docker_template_path, m, &err) != 0) {
		snprintf(why, size, "%s", err.msg);
		goto out;
	}
	ok = 1;
out:
	crc_verify_report_free(&r);
	return ok;
}

static int print_result(struct cli *cli, const struct planning *pl, const char *dir, const struct drop *d,
			int fresh)
{
	const struct crc_plan *plan = pl->plan;
	if (!cli->json) {
		printf("%s %s\n", fresh ? "built" : "up to date:", dir);
		for (size_t i = 0; d && i < d->m.nartifacts; i++)
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
	for (size_t i = 0; !bad && d && i < d->m.nartifacts; i++) {
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

/* Appends the artifacts table to $GITHUB_STEP_SUMMARY. */
static void github_summary(const char *file, const char *dir, const struct drop *d)
{
	FILE *f = fopen(file, "a");
	if (!f)
		return;
	fprintf(f, "### crc build: `%s`\n\n| artifact | target | bytes | sha256 |\n|---|---|---:|---|\n",
		dir);
	for (size_t i = 0; i < d->m.nartifacts; i++)
		fprintf(f, "| `%s` | %s | %llu | `%s` |\n", d->artifacts[i].path, d->artifacts[i].target,
			d->artifacts[i].size, d->artifacts[i].sha256);
	fputc('\n', f);
	fclose(f);
}

int cmd_build(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	struct planning_args a;
	struct planning pl;
	struct crc_store store;
	struct crc_error err;
	struct drop *d = NULL;
	struct crc_plan *plan = NULL;
	char dir[CRC_STORE_PATH_MAX], tmp[CRC_STORE_PATH_MAX] = "";
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
	plan = pl.plan;
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
	if ((rc = crc_plan_set_jobs(plan, jobs / (int)concurrency, &err))) {
		status = cli_report(cli, rc, &err);
		goto out;
	}
	if ((rc = crc_store_open(&store, cli->storage, plan->profile->name, on_busy, cli, &err))) {
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
		char why[1024];
		if (up_to_date(&pl, dir, (size_t)jobs, why, sizeof why)) {
			/* Signing an up-to-date drop replaces manifest.yaml.sig atomically, only when needed.
			 */
			if (key && crc_sign_verify_drop(dir, key, &err) != 0) {
				if ((rc = crc_sign_drop(dir, key, &err)) != 0) {
					status = cli_report(cli, rc, &err);
					goto out;
				}
				cli_info(cli, "signed %s/manifest.yaml (key %s)", dir, crc_sign_key_id(key));
			}
			status = print_result(cli, &pl, dir, NULL, 0);
			goto out;
		}
		cli_error(cli, "drop %s exists and is not this build's: %s (--force replaces it)", dir, why);
		status = CLI_EXIT_INPUT;
		goto out;
	}

	struct crc_build_target res[CRC_PROFILE_MAX_TARGETS];
	struct progress pr;
	memset(&pr, 0, sizeof pr);
	pr.cli = cli;
	pr.plan = plan;
	pr.t0 = now();
	pr.live = cli->verbosity >= 0 && isatty(STDERR_FILENO) && !getenv("GITHUB_ACTIONS") &&
		  !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0);
	cli_info(cli, "building %s for %zu target%s (drop %s)", plan->profile->name, plan->ntargets,
		 plan->ntargets == 1 ? "" : "s", plan->drop_id);
	if (pl.launcher)
		cli_info(cli, "compiling through %s (CMAKE_C_COMPILER_LAUNCHER)", pl.launcher);
	if (pr.live)
		draw(&pr);
	char sde[64];
	snprintf(sde, sizeof sde, "SOURCE_DATE_EPOCH=%lld", pl.epoch);
	/* ccache keys on paths below CCACHE_BASEDIR relatively, so checkouts at other paths share hits. */
	char basedir[sizeof pl.root + 32];
	snprintf(basedir, sizeof basedir, "CCACHE_BASEDIR=%s", pl.root);
	const char *env[] = {sde, "LC_ALL=C", "TZ=UTC", pl.launcher ? basedir : NULL, NULL};
	struct crc_build_options bo = {pl.root, concurrency, env, pl.launcher};
	struct crc_build_events ev = {on_phase, pr.live ? on_tick : NULL, &pr};
	rc = crc_build_run(res, plan, &bo, &ev, &err);
	if (getenv("GITHUB_ACTIONS"))
		github_groups(&pl, res);
	if (rc) {
		status = cli_report(cli, rc, &err);
		for (size_t i = 0; rc == CRC_EBUILD && i < plan->ntargets; i++) {
			if (!res[i].failed_step)
				continue;
			char path[8192];
			struct crc_buf tail;
			struct crc_error lerr;
			crc_buf_init(&tail);
			if (pathf(path, sizeof path, &lerr, "%s/%s", pl.root, res[i].log) == 0 &&
			    crc_build_log_tail(&tail, path, LOG_TAIL_BYTES, &lerr) == 0)
				fprintf(stderr, "--- last lines of %s ---\n%s%s---\n", res[i].log,
					crc_buf_str(&tail),
					tail.len && tail.data[tail.len - 1] != '\n' ? "\n" : "");
			crc_buf_free(&tail);
		}
		goto out;
	}

	if (!pr.live)
		cli_info(cli, "packing %s", dir);
	d = calloc(1, sizeof *d);
	if (!d) {
		cli_error(cli, "out of memory");
		status = CLI_EXIT_IO;
		goto out;
	}
	crc_arena_init(&d->arena, (size_t)1 << 20);
	describe(d, &pl, res);
	struct crc_drop_template tmpl = {crc_buf_str(&pl.lambda_template), pl.lambda_template.len,
					 pl.lambda_template_path};
	if ((rc = crc_sha256_buf(d->flags_sha256, plan->flags_txt, strlen(plan->flags_txt), &err)) ||
	    (rc = crc_store_begin(tmp, &store, plan->drop_id, &err)) || (rc = pack(d, &pl, &pr, tmp, &err)) ||
	    (rc = crc_drop_write_metadata(&d->sums, tmp, &d->m, plan->flags_txt, strlen(plan->flags_txt),
					  pl.lambda_template_path ? &tmpl : NULL, &err)) ||
	    (key && (rc = crc_sign_drop(tmp, key, &err))) ||
	    (rc = crc_store_publish(&store, tmp, plan->drop_id, force, &err))) {
		crc_store_abort(tmp);
		status = cli_report(cli, rc, &err);
		goto out;
	}
	if (key)
		cli_info(cli, "signed %s/manifest.yaml (key %s)", dir, crc_sign_key_id(key));
	const char *summary = getenv("GITHUB_STEP_SUMMARY");
	if (summary && *summary)
		github_summary(summary, dir, d);
	status = print_result(cli, &pl, dir, d, 1);
out:
	if (d) {
		drop_free(d);
		free(d);
	}
	crc_store_close(&store);
	crc_sign_key_free(key);
	planning_free(&pl);
	return status;
}
