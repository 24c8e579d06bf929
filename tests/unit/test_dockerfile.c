/* The Dockerfile module: templates/docker/Dockerfile.in rendered for a drop with two images (a golden
 * file), the names it knows inside and outside its block, and every refusal with its message. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc/dockerfile.h"
#include "render_refuses.h"

#define H16(c) c c c c c c c c c c c c c c c c
#define H(c) H16(c) H16(c) H16(c) H16(c)
#define GOLDEN CRC_SOURCE_DIR "/tests/fixtures/docker/Dockerfile-two-images"
#define PLAIN "which is not a plain name (letters, digits, '.', '_', '-', '+')"

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

/* Three targets, two with an image: the wasm32 one has none and is skipped. */
static struct crc_manifest_target targets[3];

static struct crc_manifest drop(void)
{
	struct crc_manifest m;
	memset(targets, 0, sizeof targets);
	targets[0].triple = "x86_64-linux-gnu";
	targets[0].image.architecture = "amd64";
	targets[0].image.layer_sha256 = H("1");
	targets[0].image.diff_id = H("2");
	targets[1].triple = "wasm32-wasi";
	targets[2].triple = "aarch64-linux-gnu";
	targets[2].image.architecture = "arm64";
	targets[2].image.variant = "v8";
	targets[2].image.layer_sha256 = H("a");
	targets[2].image.diff_id = H("b");
	memset(&m, 0, sizeof m);
	m.drop_id = "20261130-0123456789ab-5e1f0c2a";
	m.profile = "server";
	m.created = "2026-11-22T10:00:00Z";
	m.crc_version = "0.1.0";
	m.source.commit = "0123456789abcdef0123456789abcdef01234567";
	m.source.url = "https://github.com/acme/noa";
	m.ntargets = 3;
	m.targets = targets;
	return m;
}

/* The shipped template for two images, byte for byte; regenerate with CRC_GOLDEN_UPDATE=1. */
Test(dockerfile, renders_the_shipped_template_for_each_image)
{
	size_t len, glen;
	char *text = slurp(CRC_SOURCE_DIR "/" CRC_DOCKERFILE_TEMPLATE, &len);
	struct crc_manifest m = drop();
	struct crc_buf out;
	struct crc_error err;
	crc_buf_init(&out);
	cr_assert_eq(crc_dockerfile_render(&out, text, len, CRC_DOCKERFILE_TEMPLATE, &m, &err), 0, "%s",
		     err.msg);
	const char *update = getenv("CRC_GOLDEN_UPDATE");
	if (update && strcmp(update, "1") == 0) {
		FILE *f = fopen(GOLDEN, "wb");
		cr_assert_not_null(f);
		fwrite(out.data, 1, out.len, f);
		fclose(f);
	}
	char *want = slurp(GOLDEN, &glen);
	cr_assert_str_eq(crc_buf_str(&out), want,
			 "%s differs (regenerate after a deliberate change: CRC_GOLDEN_UPDATE=1)", GOLDEN);
	const char *amd = strstr(want, "\nFROM scratch AS amd64\nADD image/blobs/sha256/" H("1") " /\n");
	const char *arm = strstr(want, "\nFROM scratch AS arm64\nADD image/blobs/sha256/" H("a") " /\n");
	const char *final = strstr(want, "\nFROM ${TARGETARCH}\n");
	cr_assert(amd && arm && final && amd < arm && arm < final,
		  "a stage per image in manifest order, then the final one");
	cr_assert(strstr(want, "LABEL org.crc.triple=\"aarch64-linux-gnu\"\n"));
	cr_assert(strstr(want, "\nENTRYPOINT [\"/usr/local/bin/noa\"]\n"));
	cr_assert(strstr(want, "org.opencontainers.image.created=\"2026-11-22T10:00:00Z\""));
	cr_assert(strstr(want,
			 "org.opencontainers.image.revision=\"0123456789abcdef0123456789abcdef01234567\""));
	cr_assert(strstr(want, "-t noa:20261130-0123456789ab-5e1f0c2a <drop-dir>\n"));
	cr_assert_null(strstr(want, "wasm32"), "a target without an image gets no stage");
	cr_assert_null(strstr(want, "@"), "no placeholder left");
	/* A source that is no checkout: an empty revision label. */
	m.source.commit = "";
	crc_buf_free(&out);
	cr_assert_eq(crc_dockerfile_render(&out, text, len, CRC_DOCKERFILE_TEMPLATE, &m, &err), 0, "%s",
		     err.msg);
	cr_assert(strstr(crc_buf_str(&out), "org.opencontainers.image.revision=\"\""));
	/* Only the targets with an image count: a drop with one gets one stage. */
	targets[0].image.architecture = "";
	crc_buf_free(&out);
	cr_assert_eq(crc_dockerfile_render(&out, text, len, CRC_DOCKERFILE_TEMPLATE, &m, &err), 0, "%s",
		     err.msg);
	cr_assert(strstr(crc_buf_str(&out), "FROM scratch AS arm64"));
	cr_assert_null(strstr(crc_buf_str(&out), "AS amd64"));
	crc_buf_free(&out);
	free(want);
	free(text);
}

static void renders(const struct crc_manifest *m, const char *tmpl, const char *want)
{
	struct crc_buf out;
	struct crc_error err;
	crc_buf_init(&out);
	cr_assert_eq(crc_dockerfile_render(&out, tmpl, strlen(tmpl), "t.in", m, &err), 0, "%s", err.msg);
	cr_assert_str_eq(crc_buf_str(&out), want);
	crc_buf_free(&out);
}

Test(dockerfile, placeholders_everywhere_and_in_the_block)
{
	struct crc_manifest m = drop();
	renders(&m, "@PROFILE@ @DROP_ID@ @CRC_VERSION@ @CREATED@ @REVISION@ @ENTRYPOINT@\n",
		"server 20261130-0123456789ab-5e1f0c2a 0.1.0 2026-11-22T10:00:00Z "
		"0123456789abcdef0123456789abcdef01234567 /usr/local/bin/noa\n");
	renders(&m, "${X} a@b @@\n@FOR_EACH_IMAGE@\n@ARCHITECTURE@ @TRIPLE@ @PROFILE@\n@END@\n",
		"${X} a@b @@\namd64 x86_64-linux-gnu server\narm64 aarch64-linux-gnu server\n");
	renders(&m, "@FOR_EACH_IMAGE@\n@LAYER@\n@END@", H("1") "\n" H("a") "\n");
}

/* Rendering tmpl fails with CRC_EINVALID and "line:col: want"; out is untouched (render_refuses.h). */
static void refuses(const char *tmpl, size_t len, const struct crc_manifest *m, const char *want)
{
	render_refuses(crc_dockerfile_render, tmpl, len, m, want);
}

#define REFUSES(t, want) refuses(t, strlen(t), &m, want)

Test(dockerfile, refuses_every_bad_template_at_its_position)
{
	struct crc_manifest m = drop();
	REFUSES("FROM scratch\nLABEL a=\"@PROFLE@\"\n", "2:10: unknown placeholder @PROFLE@");
	/* Lambda's names are not the Dockerfile's. */
	REFUSES("@FOR_EACH_IMAGE@\n  @CODE_URI@\n@END@\n", "2:3: unknown placeholder @CODE_URI@");
	REFUSES("@FOR_EACH_FUNCTION@\n@END@\n", "1:1: unknown placeholder @FOR_EACH_FUNCTION@");
	REFUSES("ADD image/blobs/sha256/@LAYER@ /\n",
		"1:24: @LAYER@ is only known inside @FOR_EACH_IMAGE@ ... @END@");
	REFUSES("x\nFROM scratch AS @ARCHITECTURE@\n",
		"2:17: @ARCHITECTURE@ is only known inside @FOR_EACH_IMAGE@ ... @END@");
	REFUSES("# @TRIPLE@\n", "1:3: @TRIPLE@ is only known inside @FOR_EACH_IMAGE@ ... @END@");
	REFUSES("@FOR_EACH_IMAGE@\n@FOR_EACH_IMAGE@\n@END@\n",
		"2:1: @FOR_EACH_IMAGE@ inside another (blocks do not nest)");
	REFUSES("a\n@END@\n", "2:1: @END@ without @FOR_EACH_IMAGE@");
	REFUSES("a\n@FOR_EACH_IMAGE@\nx\n", "2:1: @FOR_EACH_IMAGE@ without @END@");
	REFUSES("FROM @FOR_EACH_IMAGE@\n", "1:6: @FOR_EACH_IMAGE@ must be alone on its line");
	refuses("FROM\n\0", 6, &m, "2:1: NUL byte in the template");
	char *big = malloc(CRC_DOCKERFILE_TEMPLATE_MAX + 2);
	cr_assert_not_null(big);
	memset(big, '#', CRC_DOCKERFILE_TEMPLATE_MAX + 1);
	big[CRC_DOCKERFILE_TEMPLATE_MAX + 1] = '\0';
	REFUSES(big, "0:0: larger than 65536 bytes");
	free(big);
}

/* What goes into the Dockerfile comes from a manifest: plain names (a revision may be empty), a time. */
Test(dockerfile, refuses_values_that_are_not_of_their_kind)
{
	struct crc_manifest m = drop();
	m.profile = "a\nRUN evil";
	REFUSES("LABEL p=\"@PROFILE@\"\n", "1:10: @PROFILE@ would insert 'a\\x0aRUN evil', " PLAIN);
	m = drop();
	m.drop_id = "";
	REFUSES("\n@DROP_ID@", "2:1: @DROP_ID@ would insert '', " PLAIN);
	m = drop();
	m.source.commit = "abc\" \\";
	REFUSES("@REVISION@", "1:1: @REVISION@ would insert 'abc\" \\x5c', " PLAIN);
	m = drop();
	m.created = "2026-11-22T10:00:00Z\" x=\"y";
	REFUSES("@CREATED@",
		"1:1: @CREATED@ would insert '2026-11-22T10:00:00Z\" x=\"y', which is not an RFC 3339 "
		"UTC time like 2026-11-22T10:00:00Z");
	m = drop();
	targets[2].triple = "aarch64 linux";
	REFUSES("@FOR_EACH_IMAGE@\n@TRIPLE@\n@END@\n", "2:1: @TRIPLE@ would insert 'aarch64 linux', " PLAIN);
	m = drop();
	targets[0].image.architecture = "amd64/v2";
	REFUSES("@FOR_EACH_IMAGE@\nFROM scratch AS @ARCHITECTURE@\n@END@\n",
		"2:17: @ARCHITECTURE@ would insert 'amd64/v2', " PLAIN);
}

Test(dockerfile, refuses_a_drop_without_images_or_with_bad_ones)
{
	struct crc_manifest m = drop();
	targets[0].image.architecture = "";
	targets[2].image.architecture = NULL;
	REFUSES("x\n",
		"0:0: drop 20261130-0123456789ab-5e1f0c2a has no image (image/) to build a Dockerfile for");
	m.ntargets = 0;
	REFUSES("x\n",
		"0:0: drop 20261130-0123456789ab-5e1f0c2a has no image (image/) to build a Dockerfile for");
	m = drop();
	targets[2].image.layer_sha256 = "../../../etc/passwd";
	REFUSES("x\n", "0:0: targets[2].image.layer_sha256 must be 64 lower-case hex digits");
	targets[2].image.layer_sha256 = H("A");
	REFUSES("x\n", "0:0: targets[2].image.layer_sha256 must be 64 lower-case hex digits");
	targets[2].image.layer_sha256 = NULL;
	REFUSES("x\n", "0:0: targets[2].image.layer_sha256 must be 64 lower-case hex digits");
	m = drop();
	targets[2].image.architecture = "amd64";
	REFUSES("x\n", "0:0: targets[2].image.architecture 'amd64' is targets[0]'s too (one image per "
		       "architecture)");
	/* The template is checked before the drop. */
	m.ntargets = 0;
	refuses("\0", 1, &m, "1:1: NUL byte in the template");
}

/* A drop's Dockerfile is checked against what the template renders for it (crc build's up-to-date check,
 * crc merge's check of each part). */
Test(dockerfile, check_compares_the_listed_dockerfile_with_the_rendering)
{
	const char *tmpl = "FROM scratch\n# @DROP_ID@\n";
	const char *text = "FROM scratch\n# 20261130-0123456789ab-5e1f0c2a\n";
	struct crc_manifest m = drop();
	struct crc_manifest_file files[] = {
		{CRC_DOCKERFILE_FILE, strlen(text), NULL} /* its sha256 below */,
		{"image/oci-layout", 30, H("3")},
	};
	struct crc_error err;
	char sha[65];
	FILE *p = popen("printf 'FROM scratch\\n# 20261130-0123456789ab-5e1f0c2a\\n' | sha256sum", "r");
	cr_assert_not_null(p);
	cr_assert_eq(fread(sha, 1, 64, p), 64);
	sha[64] = '\0';
	pclose(p);
	files[0].sha256 = sha;
	m.files = files;
	m.nfiles = 2;
	cr_assert_eq(crc_dockerfile_check(tmpl, strlen(tmpl), "t.in", &m, &err), 0, "%s", err.msg);
	files[0].size++;
	cr_assert_eq(crc_dockerfile_check(tmpl, strlen(tmpl), "t.in", &m, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg, "Dockerfile was not rendered from this checkout's t.in");
	files[0].size--;
	const char *other = "FROM scratch\n#  @DROP_ID@\n";
	cr_assert_eq(crc_dockerfile_check(other, strlen(other), "t.in", &m, &err), CRC_EVERIFY);
	m.nfiles = 0;
	cr_assert_eq(crc_dockerfile_check(tmpl, strlen(tmpl), "t.in", &m, &err), CRC_EVERIFY);
	cr_assert_eq(crc_dockerfile_check("@NOPE@", 6, "t.in", &m, &err), CRC_EINVALID, "the renderer's own");
}

/* @SOURCE@: the source's https URL, or "" when the drop names none; nothing that could leave the quotes. */
Test(dockerfile, source_is_an_https_url_or_empty)
{
	struct crc_manifest m = drop();
	renders(&m, "LABEL s=\"@SOURCE@\"\n", "LABEL s=\"https://github.com/acme/noa\"\n");
	m.source.url = NULL;
	renders(&m, "LABEL s=\"@SOURCE@\"\n", "LABEL s=\"\"\n");
	static const char *const bad[] = {"https://github.com/acme/no\"a", "http://github.com/acme/noa",
					  "https://github.com/$HOME", "https://"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct crc_buf out;
		struct crc_error err;
		char want[256];
		m.source.url = bad[i];
		crc_buf_init(&out);
		cr_assert_eq(crc_dockerfile_render(&out, "@SOURCE@\n", 9, "t.in", &m, &err), CRC_EINVALID,
			     "%s", bad[i]);
		snprintf(want, sizeof want, "which is not an https URL of letters, digits and \"._~/:%%+-\"");
		cr_assert(strstr(err.msg, want), "%s", err.msg);
		cr_assert_eq(err.line, 1);
		crc_buf_free(&out);
	}
}
