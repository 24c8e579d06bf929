/* The assembly module's shared steps: every image blob visited once (shared ones once), in target order;
 * the index written from the manifest; parts checked against the checkout's templates. Whole drops are
 * assembled by the drop tests (tests/drop: reproducible, merge, lambda, image, registry), which compare
 * builds, merges and pulls byte for byte. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/assemble.h"
#include "crc/image.h"
#include "crc/lambda.h"
#include "crc/os.h"

#define H16(c) c c c c c c c c c c c c c c c c
#define H(c) H16(c) H16(c) H16(c) H16(c)

static struct crc_manifest_target targets[3];

/* A drop of three targets: amd64 and arm64 images that share their config blob, and wasm32 without one. */
static struct crc_manifest drop(void)
{
	struct crc_manifest m;
	memset(&m, 0, sizeof m);
	memset(targets, 0, sizeof targets);
	m.drop_id = "20261130-0123456789ab-5e1f0c2a";
	m.profile = "edge";
	m.created = "2026-11-30T00:00:00Z";
	m.crc_version = "0.1.0";
	m.source.commit = "";
	targets[0].triple = "x86_64-linux-gnu";
	targets[0].image.architecture = "amd64";
	targets[0].image.layer_sha256 = H("1"), targets[0].image.layer_size = 100;
	targets[0].image.diff_id = H("4");
	targets[0].image.config_sha256 = H("2"), targets[0].image.config_size = 20;
	targets[0].image.manifest_sha256 = H("3"), targets[0].image.manifest_size = 30;
	targets[1].triple = "aarch64-linux-gnu";
	targets[1].image.architecture = "arm64";
	targets[1].image.variant = "v8";
	targets[1].image.layer_sha256 = H("5"), targets[1].image.layer_size = 101;
	targets[1].image.diff_id = H("6");
	targets[1].image.config_sha256 = H("2"), targets[1].image.config_size = 20;
	targets[1].image.manifest_sha256 = H("7"), targets[1].image.manifest_size = 31;
	targets[2].triple = "wasm32-wasi";
	m.ntargets = 3;
	m.targets = targets;
	return m;
}

struct visits {
	char seen[8][80];
	size_t n, stop_at;
};

static int visit(void *ctx, const struct crc_assemble_blob *b, struct crc_error *err)
{
	struct visits *v = ctx;
	cr_assert_lt(v->n, 8);
	snprintf(v->seen[v->n++], sizeof v->seen[0], "%zu %s %c %llu", b->target, b->kind, b->sha256[0],
		 b->size);
	return v->n == v->stop_at ? crc_err(err, CRC_EIO, "stopped at %zu", v->n) : 0;
}

Test(assemble, visits_each_image_blob_once_in_target_order)
{
	struct crc_manifest m = drop();
	struct visits v = {.stop_at = 0};
	struct crc_error err;
	static const char *const want[] = {"0 layer 1 100", "0 config 2 20", "0 manifest 3 30",
					   "1 layer 5 101", "1 manifest 7 31"};
	cr_assert_eq(crc_assemble_each_blob(&m, visit, &v, &err), 0, "%s", err.msg);
	cr_assert_eq(v.n, 5, "the config both images share is visited once");
	for (size_t i = 0; i < 5; i++)
		cr_assert_str_eq(v.seen[i], want[i]);
	/* The first refusal stops the walk and is returned. */
	v = (struct visits){.stop_at = 2};
	cr_assert_eq(crc_assemble_each_blob(&m, visit, &v, &err), CRC_EIO);
	cr_assert_str_eq(err.msg, "stopped at 2");
	cr_assert_eq(v.n, 2);
	/* No image, no visit. */
	m.ntargets = 0;
	v = (struct visits){.stop_at = 0};
	cr_assert_eq(crc_assemble_each_blob(&m, visit, &v, &err), 0);
	cr_assert_eq(v.n, 0);
}

static char *slurp(const char *path, size_t *len)
{
	struct crc_buf b;
	struct crc_error err;
	crc_buf_init(&b);
	cr_assert_eq(crc_os_read_file(&b, path, (size_t)1 << 24, &err), 0, "%s", err.msg);
	*len = b.len;
	return crc_buf_take(&b);
}

/* The index written is exactly the one the manifest renders, and index.json names it. */
Test(assemble, writes_the_index_the_manifest_renders)
{
	struct crc_manifest m = drop();
	struct crc_image_index x;
	struct crc_error err;
	char dir[] = "/tmp/crc-assemble-XXXXXX", layout[128], path[256];
	size_t len;
	cr_assert_not_null(mkdtemp(dir));
	snprintf(layout, sizeof layout, "%s/image", dir);
	cr_assert_eq(crc_assemble_index(layout, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(crc_image_render_index(&x, &m, &err), 0, "%s", err.msg);
	snprintf(path, sizeof path, "%s/blobs/sha256/%s", layout, x.index_sha256);
	char *index = slurp(path, &len);
	cr_assert_eq(len, x.index_len);
	cr_assert_eq(memcmp(index, x.index, len), 0);
	snprintf(path, sizeof path, "%s/index.json", layout);
	char *json = slurp(path, &len);
	cr_assert_eq(len, x.json_len);
	cr_assert_eq(memcmp(json, x.json, len), 0);
	cr_assert(strstr(json, x.index_sha256), "index.json names the index");
	free(index);
	free(json);
	crc_image_index_free(&x);
	/* A second time into the same layout: its files are new, never overwritten. */
	cr_assert_neq(crc_assemble_index(layout, &m, &err), 0);
	cr_assert_eq(crc_os_remove_tree(dir, &err), 0, "%s", err.msg);
}

/* A part whose template.yaml was rendered from another template than the checkout's is refused, naming it;
 * parts without packages, or without images, are not asked. */
Test(assemble, checks_parts_against_the_checkouts_templates)
{
	static struct crc_manifest_target tg[] = {{.triple = "aarch64-linux-gnu"}};
	static struct crc_manifest_artifact arts[] = {
		{"noa-d1-aarch64-linux-gnu.tar.gz", "aarch64-linux-gnu", "tar.gz", 1, H("1"), 0, NULL},
		{"function-aarch64-linux-gnu.zip", "aarch64-linux-gnu", "zip", 1, H("a"), 0, NULL},
	};
	struct crc_manifest m;
	struct crc_buf out;
	struct crc_error err;
	char sha[CRC_SHA256_HEX];
	size_t len;
	memset(&m, 0, sizeof m);
	m.drop_id = "d1";
	m.profile = "lambda";
	m.crc_version = "0.1.0";
	m.ntargets = 1;
	m.targets = tg;
	m.nartifacts = 2;
	m.artifacts = arts;
	char *text = slurp(CRC_SOURCE_DIR "/" CRC_LAMBDA_TEMPLATE, &len);
	const struct crc_drop_template lambda = {text, len, CRC_LAMBDA_TEMPLATE};
	crc_buf_init(&out);
	cr_assert_eq(crc_lambda_render(&out, text, len, CRC_LAMBDA_TEMPLATE, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(crc_sha256_buf(sha, out.data, out.len, &err), 0);
	crc_buf_free(&out);
	m.template_sha256 = sha;
	const struct crc_manifest *parts[] = {&m};
	const char *dirs[] = {"part-a/lambda/d1"};
	cr_assert_eq(crc_assemble_check_parts(parts, dirs, 1, &lambda, NULL, &err), 0, "%s", err.msg);
	m.template_sha256 = H("f");
	cr_assert_eq(crc_assemble_check_parts(parts, dirs, 1, &lambda, NULL, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg,
			 "part-a/lambda/d1/template.yaml was not rendered from this checkout's "
			 "templates/lambda/template.yaml.in: merge from the checkout that built the parts");
	/* Without packages there is nothing to compare; without a template, nothing is asked. */
	m.nartifacts = 1;
	cr_assert_eq(crc_assemble_check_parts(parts, dirs, 1, &lambda, NULL, &err), 0, "%s", err.msg);
	m.nartifacts = 2;
	cr_assert_eq(crc_assemble_check_parts(parts, dirs, 1, NULL, NULL, &err), 0, "%s", err.msg);
	free(text);
}
