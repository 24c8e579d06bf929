/* Assembling drops (crc/assemble.h): a build's drop from its staged installs, a merged drop from verified
 * parts, and the image layout both share with a pull. The manifest is filled as each file is written, then
 * crc_drop_write_metadata writes it with the other metadata files; the layout's index and the Dockerfile
 * are functions of the manifest (crc_image_render_index, crc_dockerfile_render), so that every way of
 * assembling a drop gives the same bytes. */
#include "crc/assemble.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crc/archive.h"
#include "crc/arena.h"
#include "crc/buf.h"
#include "crc/digest.h"
#include "crc/dockerfile.h"
#include "crc/ids.h"
#include "crc/image.h"
#include "crc/lambda.h"
#include "crc/os.h"
#include "crc/version.h"

/* Files of a layout in a manifest: the Dockerfile and each image's blobs, the index, index.json and
 * oci-layout. */
#define LAYOUT_FILES (3 * CRC_IMAGE_MAX_TARGETS + 4)

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

static void label(const struct crc_assemble_events *ev, size_t i, const char *what)
{
	if (ev && ev->label)
		ev->label(ev->ctx, i, what);
}

/* ---- The image layout's blobs, index and Dockerfile --------------------------------------------------- */

int crc_assemble_each_blob(const struct crc_manifest *m,
			   int (*fn)(void *ctx, const struct crc_assemble_blob *b, struct crc_error *err),
			   void *ctx, struct crc_error *err)
{
	static const char *const kinds[] = {"layer", "config", "manifest"};
	/* The blobs visited: at most three per image, and at most CRC_IMAGE_MAX_TARGETS images. */
	const char *seen[3 * CRC_IMAGE_MAX_TARGETS];
	size_t nseen = 0;
	for (size_t t = 0; t < m->ntargets; t++) {
		const struct crc_manifest_target *g = &m->targets[t];
		if (!g->image.architecture || !g->image.architecture[0])
			continue;
		const char *hex[] = {g->image.layer_sha256, g->image.config_sha256, g->image.manifest_sha256};
		const unsigned long long size[] = {g->image.layer_size, g->image.config_size,
						   g->image.manifest_size};
		for (size_t k = 0; k < 3; k++) {
			size_t i = 0;
			while (i < nseen && strcmp(seen[i], hex[k]) != 0)
				i++;
			if (i < nseen)
				continue; /* a blob two images share */
			if (nseen == sizeof seen / sizeof seen[0])
				return crc_err(err, CRC_EINVALID, "more than %d images",
					       CRC_IMAGE_MAX_TARGETS);
			seen[nseen++] = hex[k];
			const struct crc_assemble_blob b = {hex[k], size[k], kinds[k], t};
			int rc = fn(ctx, &b, err);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int crc_assemble_index(const char *layout, const struct crc_manifest *m, struct crc_error *err)
{
	struct crc_image_index x;
	int rc = crc_image_render_index(&x, m, err);
	if (rc)
		return rc;
	rc = crc_image_write_index(layout, &x, err);
	crc_image_index_free(&x);
	return rc;
}

/* The layout's files as the manifest lists them, and the Dockerfile's hash they point into. */
struct layout {
	struct crc_image_entry *entries;
	size_t nentries;
	struct crc_manifest_file files[LAYOUT_FILES];
	char dockerfile_sha256[CRC_SHA256_HEX];
};

static void layout_free(struct layout *l)
{
	crc_image_entries_free(l->entries, l->nentries);
	l->entries = NULL;
	l->nentries = 0;
}

/* The step every drop with images ends with: the index over m's images (written into tmp/image when
 * write_index, else the one written there must be it), the Dockerfile rendered from docker and written
 * into tmp, and m->files set to the layout's files, the Dockerfile first ("D" sorts before "i"). m->files
 * then points into l. */
static int finish_layout(struct layout *l, struct crc_manifest *m, const char *tmp, int write_index,
			 const char *written_index, const struct crc_drop_template *docker,
			 struct crc_error *err)
{
	struct crc_image_index x;
	struct crc_buf text;
	char path[8192];
	int rc;
	memset(l, 0, sizeof *l);
	if ((rc = crc_image_render_index(&x, m, err)))
		return rc;
	if (written_index && strcmp(x.index_sha256, written_index) != 0)
		rc = crc_err(err, CRC_EINVALID, "the image index written is not the manifest's (%s, %s)",
			     written_index, x.index_sha256);
	if (!rc && write_index && !(rc = pathf(path, sizeof path, err, "%s/%s", tmp, CRC_IMAGE_DIR)))
		rc = crc_image_write_index(path, &x, err);
	if (!rc)
		rc = crc_image_layout_files(&l->entries, &l->nentries, m, &x, err);
	crc_image_index_free(&x);
	if (rc)
		return rc;
	if (l->nentries + 1 > LAYOUT_FILES)
		return crc_err(err, CRC_EINVALID, "the image layout has too many files");
	crc_buf_init(&text);
	if (!docker)
		rc = crc_err(err, CRC_EINVALID, "no Dockerfile template was read for the image");
	else if (!(rc = crc_dockerfile_render(&text, docker->text, docker->len, docker->path, m, err)) &&
		 !(rc = crc_sha256_buf(l->dockerfile_sha256, crc_buf_str(&text), text.len, err)) &&
		 !(rc = pathf(path, sizeof path, err, "%s/%s", tmp, CRC_DOCKERFILE_FILE)))
		rc = crc_os_write_file(path, crc_buf_str(&text), text.len, 0644, err);
	l->files[0] = (struct crc_manifest_file){CRC_DOCKERFILE_FILE, text.len, l->dockerfile_sha256};
	crc_buf_free(&text);
	if (rc)
		return rc;
	for (size_t k = 0; k < l->nentries; k++) {
		const struct crc_image_entry *e = &l->entries[k];
		l->files[1 + k] = (struct crc_manifest_file){e->path, e->size, e->sha256};
	}
	m->files = l->files;
	m->nfiles = 1 + l->nentries;
	return 0;
}

/* ---- A build's drop ----------------------------------------------------------------------------------- */

struct crc_assembly {
	struct crc_manifest m;
	struct crc_manifest_target targets[CRC_PROFILE_MAX_TARGETS];
	/* Each target's tarball, then its Lambda package when it has one. */
	struct crc_manifest_artifact artifacts[2 * CRC_PROFILE_MAX_TARGETS];
	struct crc_archive_result archives[2 * CRC_PROFILE_MAX_TARGETS];
	const char *features[CRC_PROFILE_MAX_TARGETS][16];
	char created[CRC_IDS_TIME_SIZE], flags_sha256[CRC_SHA256_HEX];
	/* What the metadata files hash to (m points into it once they are written). */
	struct crc_drop_sums sums;
	/* The image layout: what crc_image_write wrote (the targets' images point into it), and its files as
	 * the manifest lists them. */
	struct crc_image_result image;
	struct layout layout;
	struct crc_arena arena;
};

const struct crc_manifest *crc_assembly_manifest(const struct crc_assembly *a)
{
	return &a->m;
}

const char *crc_assembly_manifest_sha256(const struct crc_assembly *a)
{
	return a->sums.manifest;
}

void crc_assembly_free(struct crc_assembly *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->m.nartifacts; i++) {
		free(a->artifacts[i].entries);
		crc_archive_result_free(&a->archives[i]);
	}
	crc_image_result_free(&a->image);
	layout_free(&a->layout);
	crc_arena_free(&a->arena);
	free(a);
}

/* Writes the runtime policy the profile ships and a short README into the staged install of target i. */
static int add_drop_files(const struct crc_assemble_inputs *in, size_t i, struct crc_error *err)
{
	const struct crc_plan *plan = in->plan;
	const struct crc_plan_target *t = &plan->targets[i];
	const struct crc_profile *p = plan->profile;
	const struct crc_profile_policy *pol = &p->policy;
	char dir[8192], path[8192];
	struct crc_buf b;
	int rc;
	if ((rc = pathf(dir, sizeof dir, err, "%s/%s/share/noa", in->root, t->stage_dir)) ||
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
	rc = pathf(path, sizeof path, err, "%s/%s/README", in->root, t->stage_dir);
	rc = rc                  ? rc
	     : crc_buf_error(&b) ? crc_err(err, CRC_ENOMEM, "out of memory")
				 : crc_os_write_file(path, b.data, b.len, 0644, err);
	crc_buf_free(&b);
	return rc;
}

/* Fills a->m (without artifacts) from what is known before packing. */
static void describe(struct crc_assembly *a, const struct crc_assemble_inputs *in,
		     const struct crc_build_target *res)
{
	const struct crc_plan *plan = in->plan;
	const struct crc_profile *p = plan->profile;
	struct crc_manifest *m = &a->m;
	/* The epoch was checked when the inputs were: out of range cannot happen here. */
	if (crc_ids_time_format(a->created, in->epoch) != 0)
		snprintf(a->created, sizeof a->created, "1970-01-01T00:00:00Z");
	m->schema = CRC_MANIFEST_SCHEMA;
	m->drop_id = plan->drop_id;
	m->profile = p->name;
	m->created = a->created;
	m->crc_version = crc_version();
	m->source.commit = in->source->commit;
	m->source.dirty = in->source->dirty;
	m->source.tree_sha256 = in->source->tree_sha256;
	m->source.url = in->source->url;
	m->optimization.opt_level = p->optimization.opt_level;
	m->optimization.lto = p->optimization.lto;
	m->optimization.codegen_units = p->optimization.codegen_units;
	m->optimization.strip = p->optimization.strip;
	m->optimization.debug_info = p->optimization.debug_info;
	m->features = p->features;
	m->flags_sha256 = a->flags_sha256;
	m->ntargets = plan->ntargets;
	m->targets = a->targets;
	for (size_t i = 0; i < plan->ntargets; i++) {
		const struct crc_toolchain *tc = plan->targets[i].toolchain;
		const struct crc_build_smoke *s = &res[i].smoke;
		struct crc_manifest_target *t = &a->targets[i];
		t->triple = tc->triple;
		t->compiler = tc->compiler;
		t->compiler_version = in->versions[i];
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
			a->features[i][k] = s->features[k];
		t->smoke.features.items = a->features[i];
		t->smoke.features.n = s->nfeatures;
		/* The optimize step's sizes, for the targets that had one. */
		if (plan->targets[i].optimize.argv.n) {
			t->wasm_opt.level = p->optimization.wasm_opt;
			t->wasm_opt.size_before = res[i].optimize_size_before;
			t->wasm_opt.size_after = res[i].optimize_size_after;
		}
	}
}

/* Adds the archive written into a->archives[a->m.nartifacts] to the manifest's artifacts (which then own
 * it, for crc_assembly_free). */
static int add_artifact(struct crc_assembly *a, const char *path, const char *triple, const char *format,
			struct crc_error *err)
{
	struct crc_archive_result *ar = &a->archives[a->m.nartifacts];
	struct crc_manifest_artifact *art = &a->artifacts[a->m.nartifacts];
	art->path = path;
	art->target = triple;
	art->format = format;
	art->size = ar->size;
	art->sha256 = ar->sha256;
	art->nentries = ar->nentries;
	art->entries = calloc(ar->nentries ? ar->nentries : 1, sizeof *art->entries);
	if (!art->entries) {
		/* Not counted yet, so crc_assembly_free would not see it. */
		crc_archive_result_free(ar);
		return crc_err(err, CRC_ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < ar->nentries; k++) {
		const struct crc_archive_entry *e = &ar->entries[k];
		art->entries[k].path = e->path;
		art->entries[k].type = e->type;
		art->entries[k].mode = e->mode;
		art->entries[k].size = e->size;
		art->entries[k].sha256 = e->sha256;
		art->entries[k].link = e->link ? e->link : "";
	}
	a->m.nartifacts++;
	return 0;
}

/* Stages the target's Lambda package, its installed bin/bootstrap alone, in <build_dir>/lambda (made
 * anew) and zips it to out. */
static int pack_lambda(struct crc_assembly *a, const struct crc_assemble_inputs *in,
		       const struct crc_plan_target *t, const char *out, struct crc_error *err)
{
	char pkg[8192], from[8192], to[8192];
	struct stat st;
	int rc;
	if ((rc = pathf(pkg, sizeof pkg, err, "%s/%s/lambda", in->root, t->build_dir)) ||
	    (rc = pathf(from, sizeof from, err, "%s/%s/bin/bootstrap", in->root, t->stage_dir)) ||
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
	if ((rc = crc_archive_write_tree(&a->archives[a->m.nartifacts], out, pkg, CRC_ARCHIVE_ZIP, in->epoch,
					 err)))
		return rc;
	return add_artifact(a, t->lambda_zip, t->toolchain->triple, "zip", err);
}

/* Stages a root file system for each target with an image (its installed tree under usr/local, and the
 * host files its toolchain names) in <build_dir>/rootfs, writes the OCI image layout into tmp/image,
 * records each image in the manifest's targets, and finishes the layout (the Dockerfile, the files). */
static int pack_image(struct crc_assembly *a, const struct crc_assemble_inputs *in,
		      const struct crc_assemble_events *ev, const char *tmp, struct crc_error *err)
{
	const struct crc_plan *plan = in->plan;
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
		label(ev, i, "imaging");
		if ((rc = pathf(rootfs, sizeof rootfs, err, "%s/%s/rootfs", in->root, t->build_dir)) ||
		    (rc = pathf(installed, sizeof installed, err, "%s/%s", in->root, t->stage_dir)) ||
		    (rc = crc_os_remove_tree(rootfs, err)))
			return rc;
		for (size_t k = 0; k < tc->image_files.n; k++)
			files[k] = (struct crc_image_file){
				tc->image_files.items[k],
				k < tc->image_packages.n ? tc->image_packages.items[k] : "(unknown)"};
		if ((rc = crc_image_stage_rootfs(rootfs, installed, files, tc->image_files.n, err)))
			return rc;
		char *root = crc_arena_strndup(&a->arena, rootfs, strlen(rootfs));
		if (!root)
			return crc_err(err, CRC_ENOMEM, "out of memory");
		it[n] = (struct crc_image_target){tc->triple, tc->image_architecture, tc->image_variant,
						  root};
		of[n++] = i;
	}
	if (n == 0)
		return 0;
	struct crc_image_options o = {plan->drop_id,       plan->profile->name, in->source->commit,
				      in->source->url,     CRC_IMAGE_TITLE,     in->epoch,
				      CRC_IMAGE_ENTRYPOINT};
	if ((rc = pathf(dir, sizeof dir, err, "%s/%s", tmp, CRC_IMAGE_DIR)) ||
	    (rc = crc_image_write(&a->image, dir, it, n, &o, err)))
		return rc;
	for (size_t k = 0; k < n; k++) {
		struct crc_manifest_target *t = &a->targets[of[k]];
		const struct crc_image_digests *g = &a->image.targets[k];
		t->image.architecture = it[k].architecture;
		t->image.variant = it[k].variant;
		t->image.layer_sha256 = g->layer, t->image.layer_size = g->layer_size;
		t->image.diff_id = g->diff_id;
		t->image.config_sha256 = g->config, t->image.config_size = g->config_size;
		t->image.manifest_sha256 = g->manifest, t->image.manifest_size = g->manifest_size;
		label(ev, of[k], "packed");
	}
	/* The manifest lists the layout as crc verify, crc merge and crc pull derive it from the targets. */
	return finish_layout(&a->layout, &a->m, tmp, 0, a->image.index, in->docker, err);
}

/* Packs each target's staged install into tmp, and its Lambda package, then the images. */
static int pack(struct crc_assembly *a, const struct crc_assemble_inputs *in,
		const struct crc_assemble_events *ev, const char *tmp, struct crc_error *err)
{
	const struct crc_plan *plan = in->plan;
	int fmt = crc_archive_format_parse(plan->profile->archive);
	if (fmt < 0)
		return crc_err(err, CRC_EINVALID, "unknown archive format '%s'", plan->profile->archive);
	a->m.artifacts = a->artifacts;
	for (size_t i = 0; i < plan->ntargets; i++) {
		const struct crc_plan_target *t = &plan->targets[i];
		char out[8192], stage[8192];
		int rc = pathf(out, sizeof out, err, "%s/%s", tmp, t->archive);
		if (!rc)
			rc = pathf(stage, sizeof stage, err, "%s/%s", in->root, t->stage_dir);
		if (!rc)
			rc = add_drop_files(in, i, err);
		label(ev, i, "packing");
		if (!rc)
			rc = crc_archive_write_tree(&a->archives[a->m.nartifacts], out, stage,
						    (enum crc_archive_format)fmt, in->epoch, err);
		if (!rc)
			rc = add_artifact(a, t->archive, t->toolchain->triple, plan->profile->archive, err);
		if (!rc && t->lambda_zip && !(rc = pathf(out, sizeof out, err, "%s/%s", tmp, t->lambda_zip)))
			rc = pack_lambda(a, in, t, out, err);
		if (rc)
			return rc;
		label(ev, i, "packed");
	}
	return pack_image(a, in, ev, tmp, err);
}

int crc_assemble_build(struct crc_assembly **out, const struct crc_assemble_inputs *in,
		       const struct crc_build_target *res, const char *tmp,
		       const struct crc_assemble_events *ev, struct crc_error *err)
{
	const struct crc_plan *plan = in->plan;
	*out = NULL;
	struct crc_assembly *a = calloc(1, sizeof *a);
	if (!a)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	crc_arena_init(&a->arena, (size_t)1 << 20);
	describe(a, in, res);
	int rc = crc_sha256_buf(a->flags_sha256, plan->flags_txt, strlen(plan->flags_txt), err);
	if (!rc)
		rc = pack(a, in, ev, tmp, err);
	if (!rc)
		rc = crc_drop_write_metadata(&a->sums, tmp, &a->m, plan->flags_txt, strlen(plan->flags_txt),
					     in->lambda, err);
	if (rc) {
		crc_assembly_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

int crc_assemble_matches(const struct crc_manifest *m, const struct crc_assemble_inputs *in,
			 struct crc_error *err)
{
	const struct crc_plan *plan = in->plan;
	char flags_sha[CRC_SHA256_HEX];
	int rc = crc_sha256_buf(flags_sha, plan->flags_txt, strlen(plan->flags_txt), err);
	if (rc)
		return rc;
	if (strcmp(m->crc_version, crc_version()) != 0 ||
	    strcmp(m->source.tree_sha256, in->source->tree_sha256) != 0 ||
	    strcmp(m->source.url ? m->source.url : "", in->source->url) != 0 ||
	    strcmp(m->flags_sha256, flags_sha) != 0 || m->ntargets != plan->ntargets)
		return crc_err(err, CRC_EVERIFY,
			       "it was built from other inputs (crc version, source or flags)");
	for (size_t i = 0; i < plan->ntargets; i++)
		if (strcmp(m->targets[i].triple, plan->targets[i].toolchain->triple) != 0 ||
		    strcmp(m->targets[i].compiler_version, in->versions[i]) != 0)
			return crc_err(err, CRC_EVERIFY,
				       "it was built for other targets or with another compiler");
	/* Its SAM template must be what this checkout's template renders for it. */
	if (in->lambda) {
		struct crc_buf t;
		char sha[CRC_SHA256_HEX] = "";
		struct crc_error e;
		crc_buf_init(&t);
		int same = crc_lambda_render(&t, in->lambda->text, in->lambda->len, in->lambda->path, m,
					     &e) == 0 &&
			   crc_sha256_buf(sha, crc_buf_str(&t), t.len, &e) == 0 &&
			   strcmp(sha, m->template_sha256) == 0;
		crc_buf_free(&t);
		if (!same)
			return crc_err(err, CRC_EVERIFY,
				       "its template.yaml was not rendered from this checkout's %s",
				       in->lambda->path);
	}
	/* Its images and their Dockerfile likewise. */
	if ((crc_image_count(m) != 0) != (in->docker != NULL))
		return crc_err(err, CRC_EVERIFY, "it has %s image", crc_image_count(m) ? "an" : "no");
	if (in->docker &&
	    (rc = crc_dockerfile_check(in->docker->text, in->docker->len, in->docker->path, m, err)) != 0 &&
	    rc != CRC_ENOMEM)
		rc = err->code = CRC_EVERIFY; /* the check's own message says what differs */
	return rc;
}

/* ---- A merged drop ------------------------------------------------------------------------------------ */

/* Whether m has a Lambda package (a zip artifact). */
static int has_zip(const struct crc_manifest *m)
{
	for (size_t i = 0; i < m->nartifacts; i++)
		if (strcmp(m->artifacts[i].format, "zip") == 0)
			return 1;
	return 0;
}

int crc_assemble_check_parts(const struct crc_manifest *const *parts, const char *const *dirs, size_t n,
			     const struct crc_drop_template *lambda, const struct crc_drop_template *docker,
			     struct crc_error *err)
{
	int rc = 0;
	for (size_t i = 0; !rc && lambda && i < n; i++) {
		struct crc_buf b;
		char hex[CRC_SHA256_HEX];
		crc_buf_init(&b);
		if (!has_zip(parts[i]))
			; /* targets without a package (not Linux) */
		else if ((rc = crc_lambda_render(&b, lambda->text, lambda->len, lambda->path, parts[i],
						 err)) == 0 &&
			 (rc = crc_sha256_buf(hex, crc_buf_str(&b), b.len, err)) == 0 &&
			 strcmp(hex, parts[i]->template_sha256) != 0)
			rc = crc_err(
				err, CRC_EINVALID,
				"%s/%s was not rendered from this checkout's %s: merge from the checkout "
				"that built the parts",
				dirs[i], CRC_LAMBDA_TEMPLATE_FILE, lambda->path);
		crc_buf_free(&b);
	}
	for (size_t i = 0; !rc && docker && i < n; i++) {
		if (crc_image_count(parts[i]) == 0)
			continue;
		rc = crc_dockerfile_check(docker->text, docker->len, docker->path, parts[i], err);
		if (rc == CRC_EVERIFY)
			rc = crc_err(
				err, CRC_EINVALID,
				"%s/%s was not rendered from this checkout's %s: merge from the checkout "
				"that built the parts",
				dirs[i], CRC_DOCKERFILE_FILE, docker->path);
	}
	return rc;
}

/* What copy_blob needs: where the blobs go and which part holds each target's. */
struct merge_copy {
	const char *tmp;
	const struct crc_merge *mg;
	const char *const *dirs;
};

static int copy_blob(void *ctx, const struct crc_assemble_blob *b, struct crc_error *err)
{
	const struct merge_copy *c = ctx;
	char rel[128];
	snprintf(rel, sizeof rel, "%s/blobs/sha256/%.64s", CRC_IMAGE_DIR, b->sha256);
	return crc_drop_copy_file(c->dirs[c->mg->part_of[b->target]], c->tmp, rel, b->size, b->sha256, err);
}

/* The merged image layout: each target's blobs copied from its part, then the index and the Dockerfile
 * (finish_layout). */
static int merge_image(struct layout *l, const char *tmp, struct crc_merge *mg, const char *const *dirs,
		       const struct crc_drop_template *docker, struct crc_error *err)
{
	char blobs[4096];
	struct merge_copy c = {tmp, mg, dirs};
	int rc;
	if (crc_image_count(&mg->m) == 0)
		return 0;
	if ((rc = pathf(blobs, sizeof blobs, err, "%s/%s/blobs/sha256", tmp, CRC_IMAGE_DIR)) ||
	    (rc = crc_os_mkdirs(blobs, err)) || (rc = crc_assemble_each_blob(&mg->m, copy_blob, &c, err)))
		return rc;
	return finish_layout(l, &mg->m, tmp, 1, NULL, docker, err);
}

int crc_assemble_merge(const char *tmp, struct crc_merge *mg, const char *const *dirs,
		       const struct crc_drop_template *lambda, const struct crc_drop_template *docker,
		       struct crc_error *err)
{
	struct crc_drop_sums sums;
	struct crc_buf flags;
	struct layout l;
	char path[4096], hex[CRC_SHA256_HEX];
	int rc = 0;
	memset(&l, 0, sizeof l);
	for (size_t i = 0; !rc && i < mg->m.nartifacts; i++) {
		const struct crc_manifest_artifact *a = &mg->m.artifacts[i];
		size_t t = 0;
		while (strcmp(mg->m.targets[t].triple, a->target) != 0)
			t++;
		rc = crc_drop_copy_file(dirs[mg->part_of[t]], tmp, a->path, a->size, a->sha256, err);
	}
	if (!rc)
		rc = merge_image(&l, tmp, mg, dirs, docker, err);
	if (rc) {
		layout_free(&l);
		return rc;
	}
	/* flags.txt is the same in every part (its hash was compared); the first part's, checked again. */
	crc_buf_init(&flags);
	if ((rc = pathf(path, sizeof path, err, "%s/flags.txt", dirs[0])) == 0 &&
	    (rc = crc_os_read_file(&flags, path, (size_t)1 << 20, err)) == 0 &&
	    (rc = crc_sha256_buf(hex, flags.data ? flags.data : "", flags.len, err)) == 0 &&
	    strcmp(hex, mg->m.flags_sha256) != 0)
		rc = crc_err_at(err, CRC_EVERIFY, path, 0, 0, "changed since it was verified");
	if (!rc)
		rc = crc_drop_write_metadata(&sums, tmp, &mg->m, flags.data ? flags.data : "", flags.len,
					     has_zip(&mg->m) ? lambda : NULL, err);
	crc_buf_free(&flags);
	mg->m.files = NULL;
	mg->m.nfiles = 0;
	layout_free(&l);
	return rc;
}
