/* The Lambda module: the architecture of a triple, and the SAM template rendered from
 * templates/lambda/template.yaml.in for a drop (a golden file), with every refusal of the template language
 * at its line and column. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc/lambda.h"
#include "render_refuses.h"

#define H16(c) c c c c c c c c c c c c c c c c
#define H(c) H16(c) H16(c) H16(c) H16(c)
#define GOLDEN CRC_SOURCE_DIR "/tests/fixtures/lambda/template-two-targets.yaml"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	char *buf = malloc(1 << 20);
	cr_assert_not_null(buf);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static struct crc_manifest_target targets[] = {
	{.triple = "aarch64-linux-gnu"},
	{.triple = "x86_64-linux-gnu"},
};
static struct crc_manifest_artifact artifacts[] = {
	{"noa-d1-aarch64-linux-gnu.tar.gz", "aarch64-linux-gnu", "tar.gz", 1, H("1"), 0, NULL},
	{"function-aarch64-linux-gnu.zip", "aarch64-linux-gnu", "zip", 1, H("a"), 0, NULL},
	{"noa-d1-x86_64-linux-gnu.tar.gz", "x86_64-linux-gnu", "tar.gz", 1, H("2"), 0, NULL},
	{"function-x86_64-linux-gnu.zip", "x86_64-linux-gnu", "zip", 1, H("b"), 0, NULL},
};

static struct crc_manifest drop(void)
{
	struct crc_manifest m;
	memset(&m, 0, sizeof m);
	m.drop_id = "20261130-0123456789ab-5e1f0c2a";
	m.profile = "lambda";
	m.crc_version = "0.1.0";
	m.ntargets = 2;
	m.targets = targets;
	m.nartifacts = 4;
	m.artifacts = artifacts;
	return m;
}

Test(lambda, architectures)
{
	cr_assert_str_eq(crc_lambda_architecture("aarch64-linux-gnu"), "arm64");
	cr_assert_str_eq(crc_lambda_architecture("x86_64-linux-gnu"), "x86_64");
	cr_assert_null(crc_lambda_architecture("wasm32-wasi"));
	cr_assert_null(crc_lambda_architecture("aarch64"));
	cr_assert_null(crc_lambda_architecture(""));
}

/* The shipped template for two packages, byte for byte; regenerate with CRC_GOLDEN_UPDATE=1. */
Test(lambda, renders_the_shipped_template_for_each_zip)
{
	size_t len, glen;
	char *text = slurp(CRC_SOURCE_DIR "/" CRC_LAMBDA_TEMPLATE, &len);
	struct crc_manifest m = drop();
	struct crc_buf out;
	struct crc_error err;
	crc_buf_init(&out);
	cr_assert_eq(crc_lambda_render(&out, text, len, CRC_LAMBDA_TEMPLATE, &m, &err), 0, "%s", err.msg);
	const char *update = getenv("CRC_GOLDEN_UPDATE");
	if (update && strcmp(update, "1") == 0) {
		FILE *f = fopen(GOLDEN, "wb");
		cr_assert_not_null(f);
		fwrite(out.data, 1, out.len, f);
		fclose(f);
	}
	char *want = slurp(GOLDEN, &glen);
	cr_assert_str_eq(crc_buf_str(&out), want,
			 "%s differs (regenerate after a deliberate change: "
			 "CRC_GOLDEN_UPDATE=1)",
			 GOLDEN);
	cr_assert(strstr(want, "  NoaArm64:\n"));
	cr_assert(strstr(want, "  NoaX8664:\n"));
	cr_assert(strstr(want, "      CodeUri: function-aarch64-linux-gnu.zip\n"));
	cr_assert(strstr(want, "      Architectures: [x86_64]\n"));
	cr_assert(strstr(want, "      Runtime: provided.al2023\n"));
	cr_assert_null(strstr(want, "@"), "no placeholder left");
	/* Only the zips count: a drop with one gets one function. */
	m.nartifacts = 2;
	crc_buf_free(&out);
	cr_assert_eq(crc_lambda_render(&out, text, len, CRC_LAMBDA_TEMPLATE, &m, &err), 0, "%s", err.msg);
	cr_assert(strstr(crc_buf_str(&out), "NoaArm64"));
	cr_assert_null(strstr(crc_buf_str(&out), "NoaX8664"));
	crc_buf_free(&out);
	free(want);
	free(text);
}

static void renders(const char *tmpl, const char *want)
{
	struct crc_manifest m = drop();
	struct crc_buf out;
	struct crc_error err;
	crc_buf_init(&out);
	cr_assert_eq(crc_lambda_render(&out, tmpl, strlen(tmpl), "t.in", &m, &err), 0, "%s", err.msg);
	cr_assert_str_eq(crc_buf_str(&out), want);
	crc_buf_free(&out);
}

Test(lambda, placeholders_blocks_and_plain_at_signs)
{
	renders("p @PROFILE@ d @DROP_ID@ v @CRC_VERSION@\n",
		"p lambda d 20261130-0123456789ab-5e1f0c2a v 0.1.0\n");
	renders("a@b @@ @x@ @ @P\n", "a@b @@ @x@ @ @P\n");
	renders("top\n@FOR_EACH_FUNCTION@\n- @RESOURCE@ @TRIPLE@ @ARCHITECTURE@ @CODE_URI@\n@END@\nend",
		"top\n- NoaArm64 aarch64-linux-gnu arm64 function-aarch64-linux-gnu.zip\n"
		"- NoaX8664 x86_64-linux-gnu x86_64 function-x86_64-linux-gnu.zip\nend");
	renders("@FOR_EACH_FUNCTION@\n@SHA256@\n@END@\n", H("a") "\n" H("b") "\n");
}

/* Rendering tmpl fails with CRC_EINVALID and "line:col: want"; out is untouched (render_refuses.h). */
static void refuses(const char *tmpl, size_t len, const struct crc_manifest *m, const char *want)
{
	render_refuses(crc_lambda_render, tmpl, len, m, want);
}

#define REFUSES(t, want) refuses(t, strlen(t), &m, want)

Test(lambda, refuses_every_bad_template_at_its_position)
{
	struct crc_manifest m = drop();
	REFUSES("ok\n  x: @PROFLE@\n", "2:6: unknown placeholder @PROFLE@");
	REFUSES("CodeUri: @CODE_URI@\n",
		"1:10: @CODE_URI@ is only known inside @FOR_EACH_FUNCTION@ ... @END@");
	REFUSES("@FOR_EACH_FUNCTION@\n@FOR_EACH_FUNCTION@\n@END@\n",
		"2:1: @FOR_EACH_FUNCTION@ inside another (blocks do not nest)");
	REFUSES("a\n@END@\n", "2:1: @END@ without @FOR_EACH_FUNCTION@");
	REFUSES("a\n@FOR_EACH_FUNCTION@\nx\n", "2:1: @FOR_EACH_FUNCTION@ without @END@");
	REFUSES("@FOR_EACH_FUNCTION@\n @NOPE@\n@END@\n", "2:2: unknown placeholder @NOPE@");
	/* The marker lines must be exactly the word. */
	REFUSES("@FOR_EACH_FUNCTION@ \nx\n@END@\n", "1:1: @FOR_EACH_FUNCTION@ must be alone on its line");
	REFUSES("@FOR_EACH_FUNCTION@\nx\n  @END@\n", "1:1: @FOR_EACH_FUNCTION@ without @END@");
	REFUSES("x @END@\n", "1:3: @END@ must be alone on its line");
	refuses("a\nb\0c", 5, &m, "2:2: NUL byte in the template");
	char *big = malloc(CRC_LAMBDA_TEMPLATE_MAX + 2);
	cr_assert_not_null(big);
	memset(big, 'x', CRC_LAMBDA_TEMPLATE_MAX + 1);
	big[CRC_LAMBDA_TEMPLATE_MAX + 1] = '\0';
	REFUSES(big, "0:0: larger than 65536 bytes");
	free(big);
}

/* What goes into the YAML comes from a manifest: only plain names, never YAML syntax. */
Test(lambda, refuses_values_that_are_not_plain_names)
{
	struct crc_manifest m = drop();
	m.crc_version = "1\nEvil: true";
	REFUSES("a\n# @CRC_VERSION@\n",
		"2:3: @CRC_VERSION@ would insert '1\\x0aEvil: true', which is not a plain name "
		"(letters, digits, '.', '_', '-', '+')");
	m.crc_version = "";
	REFUSES("@CRC_VERSION@",
		"1:1: @CRC_VERSION@ would insert '', which is not a plain name (letters, digits, "
		"'.', '_', '-', '+')");
}

Test(lambda, refuses_a_drop_without_packages_or_with_a_foreign_one)
{
	struct crc_manifest m = drop();
	m.nartifacts = 1;
	REFUSES("x\n", "0:0: drop 20261130-0123456789ab-5e1f0c2a has no Lambda package "
		       "(function-<triple>.zip) to deploy");
	struct crc_manifest_artifact odd[] = {
		{"function-riscv64-linux-gnu.zip", "riscv64-linux-gnu", "zip", 1, H("c"), 0, NULL}};
	m.artifacts = odd;
	REFUSES("x\n", "0:0: function-riscv64-linux-gnu.zip: Lambda runs no riscv64-linux-gnu (only aarch64 "
		       "and x86_64 Linux)");
}

/* The most zips a manifest may list, each a function of a template whose block is as large as a template
 * may be: the rendering used to write every function (about 750 MB) before its size was checked, and now
 * stops at the cap. Bounded by the test harness (.timeout). */
Test(lambda, the_most_packages_and_the_largest_block_stop_at_the_rendering_cap, .timeout = 10)
{
	size_t n = CRC_MANIFEST_MAX_ARTIFACTS;
	struct crc_manifest_artifact *zips = calloc(n, sizeof *zips);
	char(*names)[40] = calloc(n, sizeof *names);
	struct crc_manifest m = drop();
	struct crc_buf tmpl;
	cr_assert(zips && names);
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof names[i], "function-%04zu-x86_64-linux-gnu.zip", i);
		zips[i] = (struct crc_manifest_artifact){names[i], "x86_64-linux-gnu", "zip", 1, H("b"), 0,
							 NULL};
	}
	m.artifacts = zips;
	m.nartifacts = n;
	crc_buf_init(&tmpl);
	crc_buf_puts(&tmpl, "@FOR_EACH_FUNCTION@\n");
	while (tmpl.len + 11 + 6 <= CRC_LAMBDA_TEMPLATE_MAX)
		crc_buf_puts(&tmpl, "@CODE_URI@\n");
	crc_buf_puts(&tmpl, "@END@\n");
	refuses(tmpl.data, tmpl.len, &m, "0:0: renders to more than 1048576 bytes");
	crc_buf_free(&tmpl);
	free(names);
	free(zips);
}
