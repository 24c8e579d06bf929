/* The manifest module: the writer against golden files (manifest.yaml and SHA256SUMS, byte for byte),
 * exact round trips, what the writer refuses, every parser error with its message and position (the
 * crafted files under tests/fixtures/manifests/, described in its README.md), and coreutils'
 * `sha256sum -c` accepting the SHA256SUMS we write. CRC_GOLDEN_UPDATE=1 rewrites the golden files. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/digest.h"
#include "crc/manifest.h"

#define FIXTURE(name) CRC_SOURCE_DIR "/tests/fixtures/manifests/" name

/* 64 copies of one hex digit: a SHA-256 that is obviously made up. */
#define H4(c) c c c c
#define H16(c) H4(c) H4(c) H4(c) H4(c)
#define H(c) H16(c) H16(c) H16(c) H16(c)
#define SHA_A "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define SHA_B "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"

/* Reads a whole file (NUL-terminated); *len its size. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	char *buf = malloc(1 << 20);
	cr_assert_not_null(buf);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void spill(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "cannot write %s", path);
	cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	cr_assert_eq(fclose(f), 0);
}

/* The text after the leading '#' comment lines (which say what a golden file is). */
static const char *after_comments(const char *text)
{
	while (text[0] == '#') {
		const char *nl = strchr(text, '\n');
		cr_assert_not_null(nl);
		text = nl + 1;
	}
	return text;
}

/* Compares text with a golden file (past its comment lines), or rewrites it under CRC_GOLDEN_UPDATE=1. */
static void golden_compare(const char *path, const char *text, const char *comment)
{
	const char *update = getenv("CRC_GOLDEN_UPDATE");
	if (update && strcmp(update, "1") == 0) {
		size_t n = strlen(comment) + strlen(text) + 1;
		char *all = malloc(n);
		cr_assert_not_null(all);
		memcpy(all, comment, strlen(comment));
		memcpy(all + strlen(comment), text, strlen(text) + 1);
		spill(path, all);
		free(all);
		return;
	}
	size_t len;
	char *want = slurp(path, &len);
	cr_assert_str_eq(text, after_comments(want),
			 "%s differs from the writer's output "
			 "(regenerate after a deliberate change: CRC_GOLDEN_UPDATE=1)",
			 path);
	free(want);
}

/* ---- A fixed drop: the edge profile, three targets (the example in docs/manifest.md) ---------------- */

static const char *features[] = {"low-power", "quantized-kernels"};
static const char *emu_aarch64[] = {"qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", "-E",
				    "LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib"};
static const char *emu_wasm[] = {"node", "runtime/cmake/wasi-run.mjs"};

static struct crc_manifest_entry entries_aarch64[] = {
	{"bin", 'd', 0755, 0, "", ""},
	{"bin/noa", 'f', 0755, 181288, H("a"), ""},
	{"include/noa", 'd', 0755, 0, "", ""},
	{"include/noa/noa.h", 'f', 0644, 2114, H("b"), ""},
	{"lib/libnoa.a", 'f', 0644, 94310, H("c"), ""},
	{"lib/libnoa.so", 'l', 0777, 0, "", "libnoa.a"},
};
static struct crc_manifest_entry entries_x86_64[] = {
	{"bin", 'd', 0755, 0, "", ""},
	{"bin/noa", 'f', 0755, 166400, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	 ""},
	{"include/noa/noa.h", 'f', 0644, 2114, H("b"), ""},
};
static struct crc_manifest_entry entries_wasm[] = {
	{"bin/noa.wasm", 'f', 0644, 120033, H("d"), ""},
	{"include/noa/noa.h", 'f', 0644, 2114, H("b"), ""},
};

#define SMOKE(triple, kind)                                                 \
	{                                                                   \
		1, "0.1.0", triple, "edge", "z", "fat", {2, features}, kind \
	}

static struct crc_manifest_target targets[] = {
	{"aarch64-linux-gnu",
	 "aarch64-linux-gnu-gcc",
	 "aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0",
	 "gcc",
	 {5, emu_aarch64},
	 SMOKE("aarch64-linux-gnu", "native"),
	 {NULL, 0, 0},
	 {NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0}},
	{"x86_64-linux-gnu",
	 "gcc",
	 "gcc (Debian 12.2.0-14) 12.2.0",
	 "gcc",
	 {0, NULL},
	 SMOKE("x86_64-linux-gnu", "native"),
	 {NULL, 0, 0},
	 {NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0}},
	{"wasm32-wasi",
	 "clang",
	 "Debian clang version 14.0.6",
	 "clang",
	 {2, emu_wasm},
	 SMOKE("wasm32-wasi", "wasm"),
	 {NULL, 0, 0},
	 {NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0}},
};

static struct crc_manifest_artifact artifacts[] = {
	{"noa-20261122-0123456789ab-5e1f0c2a-aarch64-linux-gnu.tar.zst", "aarch64-linux-gnu", "tar.zst",
	 98765, H("1"), 6, entries_aarch64},
	{"noa-20261122-0123456789ab-5e1f0c2a-x86_64-linux-gnu.tar.zst", "x86_64-linux-gnu", "tar.zst", 87654,
	 H("2"), 3, entries_x86_64},
	{"noa-20261122-0123456789ab-5e1f0c2a-wasm32-wasi.tar.zst", "wasm32-wasi", "tar.zst", 65432, H("3"), 2,
	 entries_wasm},
};

static struct crc_manifest golden(void)
{
	struct crc_manifest m;
	memset(&m, 0, sizeof m);
	m.schema = CRC_MANIFEST_SCHEMA;
	m.drop_id = "20261122-0123456789ab-5e1f0c2a";
	m.profile = "edge";
	m.created = "2026-11-22T10:00:00Z";
	m.crc_version = "0.1.0";
	m.source.commit = "0123456789abcdef0123456789abcdef01234567";
	m.source.dirty = 0;
	m.source.tree_sha256 = H("e");
	m.optimization.opt_level = "z";
	m.optimization.lto = "fat";
	m.optimization.codegen_units = 1;
	m.optimization.strip = 1;
	m.optimization.debug_info = 0;
	m.features = (struct crc_strlist){2, features};
	m.flags_sha256 = H("f");
	m.ntargets = 3;
	m.targets = targets;
	m.nartifacts = 3;
	m.artifacts = artifacts;
	return m;
}

static void list_eq(const struct crc_strlist *a, const struct crc_strlist *b, const char *what)
{
	cr_assert_eq(a->n, b->n, "%s: %zu items, not %zu", what, a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		cr_assert_str_eq(a->items[i], b->items[i], "%s[%zu]", what, i);
}

/* Every field of a and b equal. */
static void manifest_eq(const struct crc_manifest *a, const struct crc_manifest *b)
{
	cr_assert_str_eq(a->schema, b->schema);
	cr_assert_str_eq(a->drop_id, b->drop_id);
	cr_assert_str_eq(a->profile, b->profile);
	cr_assert_str_eq(a->created, b->created);
	cr_assert_str_eq(a->crc_version, b->crc_version);
	cr_assert_str_eq(a->source.commit, b->source.commit);
	cr_assert_eq(a->source.dirty, b->source.dirty);
	cr_assert_str_eq(a->source.tree_sha256, b->source.tree_sha256);
	cr_assert_str_eq(a->optimization.opt_level, b->optimization.opt_level);
	cr_assert_str_eq(a->optimization.lto, b->optimization.lto);
	cr_assert_eq(a->optimization.codegen_units, b->optimization.codegen_units);
	cr_assert_eq(a->optimization.strip, b->optimization.strip);
	cr_assert_eq(a->optimization.debug_info, b->optimization.debug_info);
	list_eq(&a->features, &b->features, "features");
	cr_assert_str_eq(a->flags_sha256, b->flags_sha256);
	cr_assert_eq(a->ntargets, b->ntargets);
	for (size_t i = 0; i < a->ntargets; i++) {
		const struct crc_manifest_target *x = &a->targets[i], *y = &b->targets[i];
		cr_assert_str_eq(x->triple, y->triple);
		cr_assert_str_eq(x->compiler, y->compiler);
		cr_assert_str_eq(x->compiler_version, y->compiler_version);
		cr_assert_str_eq(x->dialect, y->dialect);
		list_eq(&x->emulator, &y->emulator, "emulator");
		cr_assert_eq(x->smoke.ok, y->smoke.ok);
		cr_assert_str_eq(x->smoke.noa_version, y->smoke.noa_version);
		cr_assert_str_eq(x->smoke.triple, y->smoke.triple);
		cr_assert_str_eq(x->smoke.profile, y->smoke.profile);
		cr_assert_str_eq(x->smoke.opt_level, y->smoke.opt_level);
		cr_assert_str_eq(x->smoke.lto, y->smoke.lto);
		list_eq(&x->smoke.features, &y->smoke.features, "smoke.features");
		cr_assert_str_eq(x->smoke.target_kind, y->smoke.target_kind);
		cr_assert_str_eq(x->wasm_opt.level ? x->wasm_opt.level : "",
				 y->wasm_opt.level ? y->wasm_opt.level : "", "targets[%zu].wasm_opt", i);
		cr_assert_eq(x->wasm_opt.size_before, y->wasm_opt.size_before);
		cr_assert_eq(x->wasm_opt.size_after, y->wasm_opt.size_after);
	}
	cr_assert_eq(a->nartifacts, b->nartifacts);
	for (size_t i = 0; i < a->nartifacts; i++) {
		const struct crc_manifest_artifact *x = &a->artifacts[i], *y = &b->artifacts[i];
		cr_assert_str_eq(x->path, y->path);
		cr_assert_str_eq(x->target, y->target);
		cr_assert_str_eq(x->format, y->format);
		cr_assert_eq(x->size, y->size);
		cr_assert_str_eq(x->sha256, y->sha256);
		cr_assert_eq(x->nentries, y->nentries);
		for (size_t k = 0; k < x->nentries; k++) {
			const struct crc_manifest_entry *e = &x->entries[k], *f = &y->entries[k];
			cr_assert_str_eq(e->path, f->path);
			cr_assert_eq(e->type, f->type, "%s", e->path);
			cr_assert_eq(e->mode, f->mode, "%s", e->path);
			cr_assert_eq(e->size, f->size, "%s", e->path);
			cr_assert_str_eq(e->sha256, f->sha256, "%s", e->path);
			cr_assert_str_eq(e->link, f->link, "%s", e->path);
		}
	}
}

/* Writes m, which must succeed; the text is the caller's (free()). */
static char *write_ok(const struct crc_manifest *m)
{
	struct crc_buf b;
	struct crc_error err;
	crc_buf_init(&b);
	cr_assert_eq(crc_manifest_write(&b, m, &err), 0, "%s", err.msg);
	return crc_buf_take(&b);
}

static struct crc_manifest *parse_ok(const char *text)
{
	struct crc_manifest *m;
	struct crc_error err;
	char msg[2048];
	if (crc_manifest_parse(&m, "m.yaml", text, strlen(text), &err) != 0) {
		crc_error_format(&err, msg, sizeof msg);
		cr_assert_fail("%s", msg);
	}
	return m;
}

/* ---- Writing ----------------------------------------------------------------------------------------- */

Test(manifest, writes_golden_byte_for_byte)
{
	struct crc_manifest m = golden();
	char *text = write_ok(&m);
	golden_compare(FIXTURE("golden.yaml"), text,
		       "# What crc_manifest_write makes of the fixed edge drop in tests/unit/test_manifest.c "
		       "(three targets).\n# Compared byte for byte past these comment lines; regenerate with "
		       "CRC_GOLDEN_UPDATE=1.\n");
	free(text);
}

Test(manifest, golden_file_parses_back_to_the_struct)
{
	struct crc_manifest want = golden(), *m;
	struct crc_error err;
	cr_assert_eq(crc_manifest_load(&m, FIXTURE("golden.yaml"), &err), 0, "%s", err.msg);
	manifest_eq(m, &want);
	crc_manifest_free(m);
}

Test(manifest, round_trip_is_exact_and_writing_is_deterministic)
{
	struct crc_manifest m = golden();
	char *text = write_ok(&m), *again = write_ok(&m);
	cr_assert_str_eq(text, again, "the same struct gives the same bytes");
	struct crc_manifest *p = parse_ok(text);
	manifest_eq(p, &m);
	char *rewritten = write_ok(p);
	cr_assert_str_eq(rewritten, text, "write(parse(write(m))) == write(m)");
	crc_manifest_free(p);
	free(text);
	free(again);
	free(rewritten);
}

/* A Lambda drop: a zip artifact beside the target's tarball, and the SAM template pinned by hash. */
Test(manifest, zip_artifacts_and_the_template_hash_round_trip)
{
	struct crc_manifest m = golden();
	struct crc_manifest_entry boot[] = {{"bootstrap", 'f', 0755, 812345, H("b"), ""}};
	struct crc_manifest_artifact arts[4];
	memcpy(arts, artifacts, sizeof artifacts);
	arts[3] = (struct crc_manifest_artifact){
		"function-aarch64-linux-gnu.zip", "aarch64-linux-gnu", "zip", 300000, H("9"), 1, boot};
	m.artifacts = arts;
	m.nartifacts = 4;
	m.template_sha256 = H("7");
	char *text = write_ok(&m);
	cr_assert(strstr(text, "template_sha256: \"" H("7") "\"\n"), "%s", text);
	cr_assert(strstr(text, "  format: zip\n"), "%s", text);
	struct crc_manifest *back = parse_ok(text);
	manifest_eq(back, &m);
	cr_assert_str_eq(back->template_sha256, H("7"));
	crc_manifest_free(back);
	free(text);

	/* Without a template the key is absent, and a parsed manifest says "". */
	m.template_sha256 = NULL;
	text = write_ok(&m);
	cr_assert_null(strstr(text, "template_sha256"));
	back = parse_ok(text);
	cr_assert_str_eq(back->template_sha256, "");
	crc_manifest_free(back);
	free(text);
}

Test(manifest, strings_that_could_be_misread_are_quoted_and_round_trip)
{
	static const char *awkward[] = {
		"true", "off",  "Yes",        "n",     "null",   "~",     "3",
		"-1",   "0755", ".5",         "-L",    "a: b",   "#x",    "x #y",
		"[a]",  "{b}",  "&a",         "*b",    "!t",     "%p",    "@q",
		"`r",   "'s'",  "\"t\"",      " lead", "trail ", "ünï ✓", "x\xe2\x80\xa8y",
		"1e5",  ".inf", "2026-11-22", "a,b",   "<<"};
	struct crc_manifest m = golden();
	struct crc_manifest_target t[3];
	memcpy(t, targets, sizeof t);
	t[0].emulator = (struct crc_strlist){sizeof awkward / sizeof awkward[0], awkward};
	t[1].compiler_version = "gcc: 12 # not a comment";
	t[2].smoke = (struct crc_manifest_smoke){0, "", "", "", "", "", {0, NULL}, ""};
	m.targets = t;
	m.profile = "true";
	m.crc_version = "3";
	m.source.commit = "";
	char *text = write_ok(&m);
	cr_assert_not_null(strstr(text, "profile: \"true\"\n"));
	cr_assert_not_null(strstr(text, "crc_version: \"3\"\n"));
	cr_assert_not_null(strstr(text, "commit: \"\"\n"));
	cr_assert_not_null(strstr(text, "- \"off\"\n"));
	cr_assert_not_null(strstr(text, "- \"-L\"\n"));
	cr_assert_not_null(strstr(text, "- \"ünï ✓\"\n"), "UTF-8 is written as is");
	cr_assert_not_null(strstr(text, "compiler: clang\n"), "safe strings stay plain");
	struct crc_manifest *p = parse_ok(text);
	manifest_eq(p, &m);
	crc_manifest_free(p);
	free(text);
}

Test(manifest, writing_appends_and_leaves_the_buffer_alone_on_failure)
{
	struct crc_manifest m = golden();
	struct crc_buf b;
	struct crc_error err;
	crc_buf_init(&b);
	crc_buf_puts(&b, "prefix\n");
	cr_assert_eq(crc_manifest_write(&b, &m, &err), 0);
	cr_assert_eq(strncmp(crc_buf_str(&b), "prefix\nschema: crc.manifest/v1\n", 31), 0);
	size_t len = b.len;
	m.flags_sha256 = "nope";
	cr_assert_eq(crc_manifest_write(&b, &m, &err), CRC_EINVALID);
	cr_assert_eq(b.len, len);
	crc_buf_free(&b);
}

/* Writing m fails with exactly msg. */
static void write_fails(const struct crc_manifest *m, const char *msg)
{
	struct crc_buf b;
	struct crc_error err;
	crc_buf_init(&b);
	cr_assert_eq(crc_manifest_write(&b, m, &err), CRC_EINVALID, "expected: %s", msg);
	cr_assert_str_eq(err.msg, msg);
	cr_assert_eq(b.len, 0);
	crc_buf_free(&b);
}

/* An OCI image layout's files, pinned one by one under "files"; blobs are named by their hash. */
#define BLOB "image/blobs/sha256/" H("c")
Test(manifest, files_round_trip_and_are_checked)
{
	struct crc_manifest m = golden();
	struct crc_manifest_file files[] = {
		{"image/oci-layout", 30, H("d")},
		{"image/index.json", 400, H("e")},
		{BLOB, 1234, H("c")},
	};
	m.files = files;
	m.nfiles = 3;
	char *text = write_ok(&m);
	cr_assert(strstr(text, "files:\n- path: image/oci-layout\n  size: 30\n  sha256: \"" H("d") "\"\n"),
		  "%s", text);
	struct crc_manifest *back = parse_ok(text);
	cr_assert_eq(back->nfiles, 3);
	for (size_t i = 0; i < 3; i++) {
		cr_assert_str_eq(back->files[i].path, files[i].path);
		cr_assert_eq(back->files[i].size, files[i].size);
		cr_assert_str_eq(back->files[i].sha256, files[i].sha256);
	}
	crc_manifest_free(back);
	free(text);

	files[2].sha256 = H("b");
	write_fails(&m, "files[2].sha256 '" H("b") "' must be the blob's name, " H("c"));
	files[2].sha256 = H("c");
	files[1].path = "image//index.json";
	write_fails(&m, "files[1].path 'image//index.json' must not have empty components");
	files[1].path = "../index.json";
	write_fails(&m, "files[1].path '../index.json' must not contain '..'");
	files[1].path = "flags.txt/x";
	write_fails(&m, "files[1].path 'flags.txt/x' takes the name of another file of the drop");
	files[1].path = "noa-20261122-0123456789ab-5e1f0c2a-wasm32-wasi.tar.zst";
	write_fails(
		&m,
		"files[1].path 'noa-20261122-0123456789ab-5e1f0c2a-wasm32-wasi.tar.zst' takes the name of "
		"another file of the drop");
	files[1].path = "image/oci-layout";
	write_fails(&m, "files[1].path 'image/oci-layout' is listed twice (first as files[0])");
	files[1].path = "image/oci-layout/x";
	write_fails(&m, "files[1].path 'image/oci-layout/x' lies below files[0], which is a file");
	files[1].path = "image/index.json";
	files[1].sha256 = "E";
	write_fails(&m, "files[1].sha256 must be 64 lower-case hex digits");
}

/* source.url: optional, an https URL as crc_source_url_normalize makes them. */
Test(manifest, source_url_round_trips_and_is_checked)
{
	struct crc_manifest m = golden();
	m.source.url = "https://github.com/acme/noa";
	char *text = write_ok(&m);
	cr_assert(strstr(text, "\n  url: \"https://github.com/acme/noa\"\n"), "%s", text);
	struct crc_manifest *back = parse_ok(text);
	cr_assert_str_eq(back->source.url, "https://github.com/acme/noa");
	crc_manifest_free(back);
	free(text);
	m.source.url = NULL;
	text = write_ok(&m);
	cr_assert_null(strstr(text, "url:"), "absent when unknown");
	back = parse_ok(text);
	cr_assert(!back->source.url || !back->source.url[0]);
	crc_manifest_free(back);
	free(text);
	m.source.url = "https://user@github.com/acme/noa";
	write_fails(&m,
		    "source.url 'https://user@github.com/acme/noa' must be an https URL of letters, digits "
		    "and \"._~/%+-\" like https://github.com/acme/noa, or absent");
	m.source.url = "/srv/git/noa";
	write_fails(&m,
		    "source.url '/srv/git/noa' must be an https URL of letters, digits and \"._~/%+-\" like "
		    "https://github.com/acme/noa, or absent");
}

/* Each Linux target's image: its platform and blobs, which "files" must list with the same sizes. */
Test(manifest, target_images_round_trip_and_are_checked)
{
	struct crc_manifest m = golden();
	struct crc_manifest_file files[] = {
		{"image/blobs/sha256/" H("4"), 700, H("4")},   {"image/blobs/sha256/" H("5"), 1500, H("5")},
		{"image/blobs/sha256/" H("6"), 90000, H("6")}, {"image/blobs/sha256/" H("7"), 80000, H("7")},
		{"image/blobs/sha256/" H("8"), 600, H("8")},   {"image/blobs/sha256/" H("9"), 1400, H("9")},
	};
	m.files = files;
	m.nfiles = 6;
	struct crc_manifest_target *a = &m.targets[0], *x = &m.targets[1];
	a->image.architecture = "arm64", a->image.variant = "v8";
	a->image.layer_sha256 = H("6"), a->image.layer_size = 90000, a->image.diff_id = H("a");
	a->image.config_sha256 = H("5"), a->image.config_size = 1500;
	a->image.manifest_sha256 = H("4"), a->image.manifest_size = 700;
	x->image.architecture = "amd64";
	x->image.layer_sha256 = H("7"), x->image.layer_size = 80000, x->image.diff_id = H("b");
	x->image.config_sha256 = H("9"), x->image.config_size = 1400;
	x->image.manifest_sha256 = H("8"), x->image.manifest_size = 600;
	char *text = write_ok(&m);
	cr_assert(strstr(text, "  image:\n    architecture: arm64\n    variant: v8\n    layer_sha256: \"" H(
				       "6") "\"\n    layer_size: 90000\n"),
		  "%s", text);
	cr_assert(strstr(text, "  image:\n    architecture: amd64\n    layer_sha256: "), "no variant: %s",
		  text);
	struct crc_manifest *back = parse_ok(text);
	cr_assert_str_eq(back->targets[0].image.architecture, "arm64");
	cr_assert_str_eq(back->targets[0].image.variant, "v8");
	cr_assert_str_eq(back->targets[0].image.diff_id, H("a"));
	cr_assert_eq(back->targets[0].image.layer_size, 90000);
	cr_assert_str_eq(back->targets[1].image.variant, "");
	cr_assert_str_eq(back->targets[1].image.manifest_sha256, H("8"));
	cr_assert_eq(back->targets[1].image.config_size, 1400);
	cr_assert_str_eq(back->targets[2].image.architecture, "", "the wasm target has none");
	crc_manifest_free(back);
	free(text);

	x->image.variant = "v8";
	write_fails(&m, "targets[1].image.variant must be v8 (arm64 only) or absent");
	x->image.variant = NULL;
	x->image.architecture = "riscv64";
	write_fails(&m, "targets[1].image.architecture must be one of amd64, arm64");
	x->image.architecture = "arm64";
	write_fails(&m,
		    "targets[1].image.architecture 'arm64' is targets[0]'s too (one image per architecture)");
	x->image.architecture = "amd64";
	x->image.diff_id = "B";
	write_fails(&m, "targets[1].image.diff_id must be 64 lower-case hex digits");
	x->image.diff_id = H("b");
	x->image.config_size = 0;
	write_fails(&m, "targets[1].image.config_size must be a whole number from 1 to 9007199254740992");
	x->image.config_size = 1401;
	write_fails(&m, "targets[1].image.config_sha256 names a blob of another size than files[5]'s");
	x->image.config_size = 1400;
	x->image.layer_sha256 = H("3");
	write_fails(&m, "targets[1].image.layer_sha256 '" H("3") "' names a blob that files does not list");
}

Test(manifest, writer_refuses_what_the_parser_would)
{
	struct crc_manifest m = golden();
	struct crc_manifest_entry e[6];
	struct crc_manifest_artifact a[3];
	memcpy(e, entries_aarch64, sizeof e);
	memcpy(a, artifacts, sizeof a);
	m.artifacts = a;
	a[0].entries = e;

	m.schema = "crc.manifest/v2";
	write_fails(&m, "unsupported manifest schema 'crc.manifest/v2' (this crc reads crc.manifest/v1)");
	m.schema = CRC_MANIFEST_SCHEMA;
	m.drop_id = NULL;
	write_fails(&m, "drop_id '' must be 1 to 128 letters, digits, '.', '_' or '-' (not '.' or '..')");
	m.drop_id = "d";
	m.created = "2026-11-22 10:00:00";
	write_fails(&m,
		    "created '2026-11-22 10:00:00' must be an RFC 3339 UTC time like 2026-11-22T10:00:00Z");
	m.created = "2026-11-22T10:00:00Z";
	m.source.commit = "";
	m.source.dirty = 1;
	write_fails(&m, "source.dirty must be false when there is no commit");
	m.source.dirty = 2;
	m.source.commit = "0123456789abcdef0123456789abcdef01234567";
	write_fails(&m, "source.dirty must be true or false (0 or 1)");
	m.source.dirty = 0;
	m.optimization.codegen_units = 0;
	write_fails(&m, "optimization.codegen_units must be a whole number from 1 to 256");
	m.optimization.codegen_units = 1;
	m.crc_version = "0.1\n";
	write_fails(&m, "crc_version must not hold control characters");
	m.crc_version = "\xff";
	write_fails(&m, "crc_version must be valid UTF-8");
	m.crc_version = "0.1.0";
	e[1].type = 'x';
	write_fails(&m, "artifacts[0].entries[1].type must be one of file, dir, symlink");
	e[1].type = 'd';
	write_fails(&m, "artifacts[0].entries[1] is a dir: it must not have 'size'");
	e[1].size = 0;
	write_fails(&m, "artifacts[0].entries[1] is a dir: it must not have 'sha256'");
	e[1].sha256 = "";
	e[1].link = "x";
	write_fails(&m, "artifacts[0].entries[1] is a dir: it must not have 'link'");
	e[1] = entries_aarch64[1];
	e[1].mode = 04755;
	write_fails(&m, "artifacts[0].entries[1].mode must be a quoted octal mode from \"0000\" to \"0777\"");
	e[1].mode = 0755;
	e[1].size = 9007199254740993ULL;
	write_fails(&m, "artifacts[0].entries[1].size must be a whole number from 0 to 9007199254740992");
	e[1].size = 1;
	e[5].link = "/etc/passwd";
	write_fails(&m, "artifacts[0].entries[5].link '/etc/passwd' must be relative");
	e[5].link = "../../x";
	write_fails(&m, "artifacts[0].entries[5].link '../../x' points outside the archive");
	e[5].link = "../bin/noa";
	e[4].path = "lib//libnoa.a";
	write_fails(&m, "artifacts[0].entries[4].path 'lib//libnoa.a' must not have empty components");
	e[4].path = "lib/./libnoa.a";
	write_fails(&m, "artifacts[0].entries[4].path 'lib/./libnoa.a' must not have '.' components");
	e[4].path = "lib\\libnoa.a";
	write_fails(&m, "artifacts[0].entries[4].path 'lib\\libnoa.a' must not contain '\\'");
	e[4].path = "bin/noa/x";
	write_fails(&m, "artifacts[0].entries[4].path 'bin/noa/x' is inside entries[1], which is a file");
	e[4].path = "lib/libnoa.a";
	a[1].target = "riscv64-linux-gnu";
	write_fails(&m, "artifacts[1].target 'riscv64-linux-gnu' is not one of the manifest's targets");
	a[1].target = "x86_64-linux-gnu";
	a[2].format = "tar.xz";
	write_fails(&m, "artifacts[2].format must be one of tar.zst, tar.gz, zip");
	a[2].format = "zip";
	write_fails(&m,
		    "artifacts[2].path 'noa-20261122-0123456789ab-5e1f0c2a-wasm32-wasi.tar.zst' must end in "
		    "'.zip' (its format)");
	a[2].format = "tar.zst";
	m.template_sha256 = "abc";
	write_fails(&m, "template_sha256 must be 64 lower-case hex digits");
	m.template_sha256 = NULL;
	a[2].path = "..";
	write_fails(&m, "artifacts[2].path '..' must not be '.' or '..'");
	/* Values in messages stop after 64 bytes, at a character boundary. */
	a[2].path = "dir/ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé.tar.zst";
	write_fails(
		&m,
		"artifacts[2].path 'dir/éééééééééééééééééééééééééééééé...' must be a file name without '/'");
	a[2].path = a[0].path;
	write_fails(&m, "artifacts[2].path 'noa-20261122-0123456789ab-5e1f0c2a-aarch64-linux-gnu.tar.zst' is "
			"listed twice (first as artifacts[0])");
	m.nartifacts = 0;
	write_fails(&m, "artifacts must list at least one artifact");
}

Test(manifest, writer_checks_targets_and_lists)
{
	struct crc_manifest m = golden();
	struct crc_manifest_target t[3];
	static const char *twice[] = {"low-power", "throughput", "low-power"};
	memcpy(t, targets, sizeof t);
	m.targets = t;
	m.features = (struct crc_strlist){3, twice};
	write_fails(&m, "features[2] 'low-power' is listed twice (first as item 0)");
	m.features = (struct crc_strlist){2, features};
	t[2].triple = "x86_64-linux-gnu";
	write_fails(&m, "targets[2].triple 'x86_64-linux-gnu' is listed twice (first as targets[1])");
	t[2].triple = "wasm32-wasi";
	t[2].dialect = "msvc";
	write_fails(&m, "targets[2].dialect must be one of gcc, clang");
	t[2].dialect = "clang";
	t[2].smoke.target_kind = "";
	write_fails(&m, "targets[2].smoke.target_kind must not be empty");
	t[2].smoke.ok = 0;
	char *text = write_ok(&m);
	free(text);
	m.ntargets = 0;
	write_fails(&m, "targets must list at least one target");
}

Test(manifest, writer_enforces_the_caps)
{
	struct crc_manifest m = golden();
	size_t n = CRC_MANIFEST_MAX_TARGETS + 1;
	struct crc_manifest_target *t = calloc(n, sizeof *t);
	cr_assert_not_null(t);
	m.targets = t;
	m.ntargets = n;
	write_fails(&m, "targets lists more than 4096 targets");
	free(t);
	m = golden();
	struct crc_manifest_artifact a[2];
	memcpy(a, artifacts, sizeof a);
	a[0].nentries = CRC_MANIFEST_MAX_ENTRIES;
	m.artifacts = a;
	m.nartifacts = 2;
	write_fails(&m, "artifacts list more than 100000 entries in all");
}

/* ---- Parsing: every crafted bad file ----------------------------------------------------------------- */

struct bad_case {
	const char *file;
	/* "line:col: message" */
	const char *want;
};

static const struct bad_case bad_cases[] = {
	{"bad-schema.yaml",
	 "2:9: unsupported manifest schema 'crc.manifest/v2' (this crc reads crc.manifest/v1)"},
	{"bad-missing-key.yaml", "2:1: missing key 'flags_sha256'"},
	{"bad-missing-entry-key.yaml", "46:5: missing key 'mode' in artifacts[0].entries[1]"},
	{"bad-sha256.yaml", "41:11: artifacts[0].sha256 must be 64 lower-case hex digits"},
	{"bad-absolute-path.yaml", "46:11: artifacts[0].entries[1].path '/usr/bin/noa' must be relative"},
	{"bad-dotdot-path.yaml",
	 "46:11: artifacts[0].entries[1].path 'bin/../../etc/passwd' must not contain '..'"},
	{"bad-artifact-slash.yaml",
	 "37:9: artifacts[0].path "
	 "'sub/noa-20261122-0123456789ab-01234567-x86_64-linux-gnu.tar.zst' must be a file "
	 "name without '/'"},
	{"bad-negative-size.yaml",
	 "49:11: artifacts[0].entries[1].size must be a whole number from 0 to 9007199254740992"},
	{"bad-huge-size.yaml", "40:9: artifacts[0].size must be a whole number from 0 to 9007199254740992"},
	{"bad-mode-plain.yaml",
	 "48:11: artifacts[0].entries[1].mode must be a quoted octal mode from \"0000\" to \"0777\""},
	{"bad-mode-setuid.yaml",
	 "48:11: artifacts[0].entries[1].mode must be a quoted octal mode from \"0000\" to \"0777\""},
	{"bad-type.yaml", "44:11: artifacts[0].entries[0].type must be one of file, dir, symlink"},
	{"bad-duplicate-artifact.yaml",
	 "60:9: artifacts[1].path 'noa-20261122-0123456789ab-01234567-x86_64-linux-gnu.tar.zst' is listed "
	 "twice "
	 "(first as artifacts[0])"},
	{"bad-duplicate-entry.yaml",
	 "60:11: artifacts[0].entries[4].path 'bin/noa' is listed twice (first as "
	 "entries[1])"},
	{"bad-anchors.yaml", "17:11: anchors and aliases are not allowed"},
	{"bad-symlink-escape.yaml",
	 "54:11: artifacts[0].entries[2].link '../../etc/shadow' points outside the archive"},
	{"bad-inside-symlink.yaml", "60:11: artifacts[0].entries[4].path 'lib/libnoa.so/evil' is inside "
				    "entries[2], which is a symlink"},
	{"bad-unknown-target.yaml",
	 "38:11: artifacts[0].target 'aarch64-linux-gnu' is not one of the manifest's targets"},
	{"bad-created.yaml",
	 "5:10: created '2026-02-30T10:00:00Z' must be an RFC 3339 UTC time like 2026-11-22T10:00:00Z"},
	{"bad-plain-version.yaml",
	 "6:14: crc_version must be a string: YAML reads plain '0.1' as a number or date (quote it)"},
	{"bad-not-a-mapping.yaml", "2:1: a manifest must be a mapping, not a sequence"},
	{"bad-dir-with-sha256.yaml", "46:13: artifacts[0].entries[0] is a dir: it must not have 'sha256'"},
	{"bad-format-suffix.yaml",
	 "37:9: artifacts[0].path "
	 "'noa-20261122-0123456789ab-01234567-x86_64-linux-gnu.tar.zst' must end in "
	 "'.tar.gz' (its format)"},
};

Test(manifest, every_bad_fixture_fails_with_its_message_and_position)
{
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		char path[4096], got[2048];
		struct crc_manifest *m = (struct crc_manifest *)1;
		struct crc_error err;
		snprintf(path, sizeof path, FIXTURE("%s"), bad_cases[i].file);
		cr_assert_eq(crc_manifest_load(&m, path, &err), CRC_EINVALID, "%s", bad_cases[i].file);
		cr_assert_null(m);
		cr_assert_str_eq(err.path, path);
		snprintf(got, sizeof got, "%d:%d: %s", err.line, err.col, err.msg);
		cr_assert_str_eq(got, bad_cases[i].want, "%s", bad_cases[i].file);
	}
}

Test(manifest, minimal_fixture_is_valid)
{
	struct crc_manifest *m;
	struct crc_error err;
	cr_assert_eq(crc_manifest_load(&m, FIXTURE("minimal.yaml"), &err), 0, "%s", err.msg);
	cr_assert_eq(m->nartifacts, 1);
	cr_assert_eq(m->artifacts[0].nentries, 4);
	cr_assert_eq(m->artifacts[0].entries[2].type, 'l');
	cr_assert_str_eq(m->artifacts[0].entries[2].link, "libnoa.so.1");
	cr_assert_str_eq(m->artifacts[0].entries[2].sha256, "");
	cr_assert_eq(m->artifacts[0].entries[1].mode, 0755);
	crc_manifest_free(m);
}

/* The minimal fixture with the first `from` replaced by `to` fails with "line:col: want". */
static void mutation_fails(const char *from, const char *to, const char *want)
{
	size_t len;
	char *text = slurp(FIXTURE("minimal.yaml"), &len), *at = strstr(text, from), got[2048];
	cr_assert_not_null(at, "'%s' is not in minimal.yaml", from);
	size_t n = len - strlen(from) + strlen(to) + 1;
	char *out = malloc(n);
	cr_assert_not_null(out);
	memcpy(out, text, (size_t)(at - text));
	memcpy(out + (at - text), to, strlen(to));
	memcpy(out + (at - text) + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
	struct crc_manifest *m;
	struct crc_error err;
	cr_assert_eq(crc_manifest_parse(&m, "m.yaml", out, strlen(out), &err), CRC_EINVALID, "%s -> %s", from,
		     to);
	snprintf(got, sizeof got, "%d:%d: %s", err.line, err.col, err.msg);
	cr_assert_str_eq(got, want);
	free(out);
	free(text);
}

Test(manifest, parser_types_every_scalar)
{
	mutation_fails("dirty: false", "dirty: \"false\"", "9:10: source.dirty must be true or false");
	mutation_fails("dirty: false", "dirty: yes", "9:10: source.dirty must be true or false");
	mutation_fails("codegen_units: 1", "codegen_units: 01",
		       "14:18: optimization.codegen_units must be a whole "
		       "number from 1 to 256");
	mutation_fails("codegen_units: 1", "codegen_units: 257",
		       "14:18: optimization.codegen_units must be a whole number from 1 to 256");
	mutation_fails("size: 4096", "size: \"4096\"",
		       "40:9: artifacts[0].size must be a whole number from 0 to "
		       "9007199254740992");
	mutation_fails("profile: edge", "profile: yes",
		       "4:10: profile must be a string: YAML reads plain 'yes' as a boolean (quote it)");
	mutation_fails("profile: edge", "profile:",
		       "4:9: profile must be a string: YAML reads plain '' as null "
		       "(quote it)");
	mutation_fails("source:\n", "source: []\nx:\n", "7:9: source must be a mapping, not a sequence");
	mutation_fails("emulator: []", "emulator: [[a]]",
		       "25:14: targets[0].emulator[0] must be a scalar, not a "
		       "sequence");
	mutation_fails("opt_level: z\n  lto", "opt_level: q\n  lto",
		       "12:14: optimization.opt_level must be one of 0, 1, 2, 3, s, z");
	mutation_fails("    type: dir\n", "    type: [dir]\n",
		       "44:11: artifacts[0].entries[0].type must be a "
		       "scalar, not a sequence");
	mutation_fails("features:\n- low-power\n", "features:\n- low-power\n- low-power\n",
		       "19:3: features[1] 'low-power' is listed twice (first as item 0)");
	mutation_fails("targets:\n- triple", "targets:\n- x\n- triple",
		       "21:3: targets[0] must be a mapping, not a scalar");
	mutation_fails("  commit: \"0123456789abcdef0123456789abcdef01234567\"", "  commit: \"0123\"",
		       "8:11: source.commit must be 40 or 64 lower-case hex digits, or \"\" (no commit)");
	mutation_fails("    noa_version: \"0.1.0\"", "    noa_version: \"\"",
		       "28:18: targets[0].smoke.noa_version must not be empty");
	mutation_fails("    link: libnoa.so.1\n", "", "51:5: missing key 'link' in artifacts[0].entries[2]");
	mutation_fails("    mode: \"0755\"\n    size: 1024",
		       "    mode: \"0755\"\n    link: x\n    size: 1024",
		       "49:11: artifacts[0].entries[1] is a file: it must not have 'link'");
	mutation_fails("  entries:\n", "  entries: {}\n  old_entries:\n",
		       "42:12: artifacts[0].entries must be a sequence, not a "
		       "mapping");
}

Test(manifest, parser_ignores_unknown_keys)
{
	size_t len;
	char *text = slurp(FIXTURE("minimal.yaml"), &len);
	const char *extra = "\nsigned_by: someone\nlater_field: {a: [1, 2]}\n";
	char *more = malloc(len + strlen(extra) + 1);
	cr_assert_not_null(more);
	memcpy(more, text, len);
	memcpy(more + len, extra, strlen(extra) + 1);
	struct crc_manifest *m = parse_ok(more);
	cr_assert_str_eq(m->profile, "edge");
	crc_manifest_free(m);
	free(more);
	free(text);
}

Test(manifest, load_refuses_symlinks_and_reports_missing_files)
{
	char dir[] = "/tmp/crc-manifest-XXXXXX", link[4096];
	struct crc_manifest *m;
	struct crc_error err;
	cr_assert_not_null(mkdtemp(dir));
	snprintf(link, sizeof link, "%s/manifest.yaml", dir);
	cr_assert_eq(symlink(FIXTURE("minimal.yaml"), link), 0);
	cr_assert_eq(crc_manifest_load(&m, link, &err), CRC_EINVALID);
	cr_assert_null(m);
	cr_assert_str_eq(err.msg, "is a symbolic link (manifests are read without following links)");
	cr_assert_eq(unlink(link), 0);
	cr_assert_eq(crc_manifest_load(&m, link, &err), CRC_ENOTFOUND);
	cr_assert_eq(crc_manifest_load(&m, dir, &err), CRC_EIO);
	cr_assert_str_eq(err.msg, "not a regular file");
	cr_assert_eq(rmdir(dir), 0);
	cr_assert_eq(crc_manifest_load(&m, dir, &err), CRC_ENOTFOUND);
}

/* ---- SHA256SUMS ------------------------------------------------------------------------------------ */

static const char *const sum_names[] = {"noa-x86_64.tar.zst", "manifest.yaml", "flags.txt",
					"noa-aarch64.tar.zst"};
static const char *const sum_hashes[] = {H("1"), H("2"), H("3"), H("4")};

Test(manifest, writes_golden_sha256sums_sorted_by_name)
{
	struct crc_buf b;
	struct crc_error err;
	crc_buf_init(&b);
	cr_assert_eq(crc_manifest_sha256sums(&b, sum_names, sum_hashes, 4, &err), 0, "%s", err.msg);
	const char *update = getenv("CRC_GOLDEN_UPDATE");
	if (update && strcmp(update, "1") == 0) {
		spill(FIXTURE("golden.sha256sums"), crc_buf_str(&b));
	} else {
		size_t len;
		char *want = slurp(FIXTURE("golden.sha256sums"), &len);
		cr_assert_str_eq(crc_buf_str(&b), want);
		free(want);
	}
	crc_buf_free(&b);
}

Test(manifest, sha256sum_c_accepts_what_we_write)
{
	char dir[] = "/tmp/crc-sums-XXXXXX", path[4096], cmd[8192];
	static const char *const names[] = {"noa-edge.tar.zst", "flags.txt", "manifest.yaml",
					    "with space.txt", "ünïcødé.txt"};
	static const char *const bodies[] = {"archive bytes\n", "-Os\n", "schema: crc.manifest/v1\n", "",
					     "x\n"};
	char hex[5][CRC_SHA256_HEX];
	const char *hexes[5];
	struct crc_error err;
	struct crc_buf b;
	cr_assert_not_null(mkdtemp(dir));
	for (int i = 0; i < 5; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		spill(path, bodies[i]);
		cr_assert_eq(crc_sha256_buf(hex[i], bodies[i], strlen(bodies[i]), &err), 0);
		hexes[i] = hex[i];
	}
	crc_buf_init(&b);
	cr_assert_eq(crc_manifest_sha256sums(&b, names, hexes, 5, &err), 0, "%s", err.msg);
	snprintf(path, sizeof path, "%s/SHA256SUMS", dir);
	spill(path, crc_buf_str(&b));
	snprintf(cmd, sizeof cmd, "cd '%s' && sha256sum -c --strict --quiet SHA256SUMS", dir);
	cr_assert_eq(system(cmd), 0, "sha256sum -c rejected:\n%s", crc_buf_str(&b));
	/* Not vacuous: a changed file fails. */
	snprintf(path, sizeof path, "%s/flags.txt", dir);
	spill(path, "-O3\n");
	snprintf(cmd, sizeof cmd, "cd '%s' && sha256sum -c --strict --quiet SHA256SUMS >/dev/null 2>&1", dir);
	cr_assert_neq(system(cmd), 0);
	/* And what we write, we read. */
	struct crc_manifest_sums *s;
	cr_assert_eq(crc_manifest_parse_sha256sums(&s, "SHA256SUMS", b.data, b.len, &err), 0, "%s", err.msg);
	cr_assert_eq(s->n, 5);
	cr_assert_str_eq(s->items[0].name, "flags.txt");
	cr_assert_str_eq(s->items[0].sha256, hex[1]);
	cr_assert_str_eq(s->items[4].name, "ünïcødé.txt");
	crc_manifest_sums_free(s);
	crc_buf_free(&b);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(manifest, sha256sums_parser_reads_both_markers_in_file_order)
{
	const char *text = SHA_B " *b.bin\n" SHA_A "  a.txt\n";
	struct crc_manifest_sums *s;
	struct crc_error err;
	cr_assert_eq(crc_manifest_parse_sha256sums(&s, "SHA256SUMS", text, strlen(text), &err), 0, "%s",
		     err.msg);
	cr_assert_eq(s->n, 2);
	cr_assert_str_eq(s->items[0].name, "b.bin");
	cr_assert_str_eq(s->items[0].sha256, SHA_B);
	cr_assert_eq(s->items[0].binary, 1);
	cr_assert_eq(s->items[0].line, 1);
	cr_assert_str_eq(s->items[1].name, "a.txt");
	cr_assert_eq(s->items[1].binary, 0);
	cr_assert_eq(s->items[1].line, 2);
	crc_manifest_sums_free(s);
}

/* Parsing text as SHA256SUMS fails with "SHA256SUMS:<line>: <message>". */
static void sums_fail(const char *text, size_t len, const char *want)
{
	struct crc_manifest_sums *s = (struct crc_manifest_sums *)1;
	struct crc_error err;
	char got[2048];
	cr_assert_eq(crc_manifest_parse_sha256sums(&s, "SHA256SUMS", text, len, &err), CRC_EINVALID, "%s",
		     want);
	cr_assert_null(s);
	crc_error_format(&err, got, sizeof got);
	cr_assert_str_eq(got, want);
}

#define SUMS_FAIL(text, want) sums_fail(text, sizeof text - 1, want)

Test(manifest, sha256sums_parser_rejects_every_bad_line)
{
	/* Nothing at all. */
	SUMS_FAIL("", "SHA256SUMS:1: the file is empty");
	/* A blank line between two good ones. */
	SUMS_FAIL(SHA_A "  a\n\n" SHA_B "  b\n", "SHA256SUMS:2: empty line");
	/* Upper-case hex. */
	SUMS_FAIL("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08  a\n",
		  "SHA256SUMS:1: expected a SHA-256 of 64 lower-case hex digits at the start of the line");
	/* A hash one digit short. */
	SUMS_FAIL("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0  a\n",
		  "SHA256SUMS:1: expected a SHA-256 of 64 lower-case hex digits at the start of the line");
	/* A hash one digit long. */
	SUMS_FAIL(SHA_A "0  a\n", "SHA256SUMS:1: expected two spaces (or a space and '*') after the SHA-256, "
				  "then the file name");
	/* BSD-style "SHA256 (name) = hash". */
	SUMS_FAIL("SHA256 (a) = " SHA_A "\n",
		  "SHA256SUMS:1: expected a SHA-256 of 64 lower-case hex digits at the start of the line");
	/* One space only. */
	SUMS_FAIL(SHA_A " a\n", "SHA256SUMS:1: expected two spaces (or a space and '*') after the SHA-256, "
				"then the file name");
	/* A tab instead of the second space. */
	SUMS_FAIL(SHA_A " \ta\n", "SHA256SUMS:1: expected two spaces (or a space and '*') after the SHA-256, "
				  "then the file name");
	/* No name. */
	SUMS_FAIL(SHA_A "  \n", "SHA256SUMS:1: file name '' must not be empty");
	/* A path with a directory, "..", "." and a backslash. */
	SUMS_FAIL(SHA_A "  a\n" SHA_B "  dir//b\n",
		  "SHA256SUMS:2: file name 'dir//b' must not have empty components");
	SUMS_FAIL(SHA_A "  a\n" SHA_B "  ../b\n", "SHA256SUMS:2: file name '../b' must not contain '..'");
	SUMS_FAIL(SHA_A "  /abs\n", "SHA256SUMS:1: file name '/abs' must be relative");
	SUMS_FAIL(SHA_A "  ../a\n", "SHA256SUMS:1: file name '../a' must not contain '..'");
	SUMS_FAIL(SHA_A "  ..\n", "SHA256SUMS:1: file name '..' must not contain '..'");
	SUMS_FAIL(SHA_A "  .\n", "SHA256SUMS:1: file name '.' must not have '.' components");
	SUMS_FAIL(SHA_A "  a\\b\n", "SHA256SUMS:1: file name 'a\\b' must not contain '\\'");
	/* coreutils' escaped form for names with '\\' or '\n'. */
	SUMS_FAIL("\\" SHA_A "  a\\nb\n",
		  "SHA256SUMS:1: escaped file names (a line that starts with '\\') are not accepted");
	/* Windows line endings. */
	SUMS_FAIL(SHA_A "  a\r\n",
		  "SHA256SUMS:1: the line ends in a carriage return (CRLF line endings are not accepted)");
	/* A control character and a NUL in the name. */
	SUMS_FAIL(SHA_A "  a\tb\n", "SHA256SUMS:1: file name 'a?b' must not hold control characters");
	sums_fail(SHA_A "  a\0b\n", 64 + 2 + 4,
		  "SHA256SUMS:1: file name 'a' must not hold control characters");
	/* Bytes that are not UTF-8. */
	SUMS_FAIL(SHA_A "  a\xff\n", "SHA256SUMS:1: file name 'a?' must be valid UTF-8");
	/* No newline at the end. */
	SUMS_FAIL(SHA_A "  a\n" SHA_B "  b", "SHA256SUMS:2: the last line does not end in a newline");
	/* The same name twice. */
	SUMS_FAIL(SHA_A "  a\n" SHA_B "  b\n" SHA_B "  a\n",
		  "SHA256SUMS:3: 'a' is listed twice (first on line 1)");
}

Test(manifest, sha256sums_writer_rejects_bad_names_and_hashes)
{
	struct crc_buf b;
	struct crc_error err;
	const char *names[2] = {"a", "b\nc"}, *hashes[2] = {SHA_A, SHA_B};
	crc_buf_init(&b);
	cr_assert_eq(crc_manifest_sha256sums(&b, names, hashes, 2, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "SHA256SUMS: file name 'b?c' must not hold control characters");
	names[1] = "b\\c";
	cr_assert_eq(crc_manifest_sha256sums(&b, names, hashes, 2, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "SHA256SUMS: file name 'b\\c' must not contain '\\'");
	names[1] = "sub/./b";
	cr_assert_eq(crc_manifest_sha256sums(&b, names, hashes, 2, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "SHA256SUMS: file name 'sub/./b' must not have '.' components");
	names[1] = "a";
	cr_assert_eq(crc_manifest_sha256sums(&b, names, hashes, 2, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "SHA256SUMS: file name 'a' is listed twice");
	names[1] = "b";
	hashes[1] = "ABC";
	cr_assert_eq(crc_manifest_sha256sums(&b, names, hashes, 2, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "SHA256SUMS: the SHA-256 of 'b' must be 64 lower-case hex digits");
	cr_assert_eq(crc_manifest_sha256sums(&b, names, hashes, 0, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "SHA256SUMS: no files to list");
	cr_assert_eq(b.len, 0, "nothing appended on failure");
	crc_buf_free(&b);
}

/* ---- wasm_opt: the optional per-target key --------------------------------------------------------- */

/* The golden drop with its wasm32 target optimized (wasm_opt O3); targets is the caller's storage. */
static struct crc_manifest golden_wasm_opt(struct crc_manifest_target t[3])
{
	struct crc_manifest m = golden();
	memcpy(t, targets, sizeof targets);
	t[2].wasm_opt.level = "O3";
	t[2].wasm_opt.size_before = 130040;
	t[2].wasm_opt.size_after = 120033;
	m.targets = t;
	return m;
}

Test(manifest, wasm_opt_round_trips_and_is_written_only_when_set)
{
	struct crc_manifest_target t[3];
	struct crc_manifest m = golden_wasm_opt(t), plain = golden();
	char *text = write_ok(&m), *without = write_ok(&plain);
	cr_assert_not_null(strstr(text, "  wasm_opt:\n    level: O3\n    size_before: 130040\n"
					"    size_after: 120033\nartifacts:\n"),
			   "%s", text);
	cr_assert_null(strstr(strstr(text, "wasm_opt:") + 1, "wasm_opt:"), "only the wasm32 target has it");
	cr_assert_null(strstr(without, "wasm_opt"), "not written when unset");
	struct crc_manifest *p = parse_ok(text);
	manifest_eq(p, &m);
	cr_assert_str_eq(p->targets[0].wasm_opt.level, "", "absent: empty level");
	char *again = write_ok(p);
	cr_assert_str_eq(again, text);
	crc_manifest_free(p);
	p = parse_ok(without);
	cr_assert_str_eq(p->targets[2].wasm_opt.level, "", "older drops still parse");
	crc_manifest_free(p);
	free(text);
	free(without);
	free(again);
}

/* Parses the wasm_opt golden text with from replaced by to; expects CRC_EINVALID with want, dline lines
 * after the line of the replacement, at col. */
static void wasm_opt_rejects(const char *from, const char *to, int dline, int col, const char *want)
{
	struct crc_manifest_target t[3];
	struct crc_manifest m = golden_wasm_opt(t), *p = NULL;
	struct crc_error err;
	char *text = write_ok(&m);
	const char *at = strstr(text, from);
	cr_assert_not_null(at, "%s", from);
	int line = 1 + dline;
	for (const char *q = text; q < at; q++)
		line += *q == '\n';
	struct crc_buf b;
	crc_buf_init(&b);
	crc_buf_add(&b, text, (size_t)(at - text));
	crc_buf_puts(&b, to);
	crc_buf_puts(&b, at + strlen(from));
	cr_assert_eq(crc_manifest_parse(&p, "m.yaml", b.data, b.len, &err), CRC_EINVALID, "%s", want);
	cr_assert_null(p);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(err.line, line, "%s: line %d, want %d", want, err.line, line);
	cr_assert_eq(err.col, col, "%s: column %d, want %d", want, err.col, col);
	crc_buf_free(&b);
	free(text);
}

Test(manifest, wasm_opt_parser_is_strict)
{
	wasm_opt_rejects("level: O3", "level: O5", 0, 12,
			 "targets[2].wasm_opt.level must be one of O1, O2, O3, O4, Os, Oz");
	wasm_opt_rejects("size_after: 120033", "size_after: 0", 0, 17,
			 "targets[2].wasm_opt.size_after must be a whole number from 1 to 9007199254740992");
	wasm_opt_rejects("size_before: 130040", "size_before: -1", 0, 18,
			 "targets[2].wasm_opt.size_before must be a whole number from 0 to 9007199254740992");
	wasm_opt_rejects("size_after: 120033", "size_after: 9007199254740993", 0, 17,
			 "targets[2].wasm_opt.size_after must be a whole number from 1 to 9007199254740992");
	wasm_opt_rejects("    size_after: 120033\n", "", -2, 5,
			 "missing key 'size_after' in targets[2].wasm_opt");
	wasm_opt_rejects("wasm_opt:\n    level: O3\n    size_before: 130040\n    size_after: 120033",
			 "wasm_opt: O3", 0, 13, "targets[2].wasm_opt must be a mapping, not a scalar");
}

Test(manifest, writer_refuses_a_bad_wasm_opt)
{
	struct crc_manifest_target t[3];
	struct crc_manifest m = golden_wasm_opt(t);
	struct crc_buf b;
	struct crc_error err;
	crc_buf_init(&b);
	t[2].wasm_opt.size_after = 0;
	cr_assert_eq(crc_manifest_write(&b, &m, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg,
			 "targets[2].wasm_opt.size_after must be a whole number from 1 to 9007199254740992");
	t[2].wasm_opt.size_after = 1;
	t[2].wasm_opt.level = "-O3";
	cr_assert_eq(crc_manifest_write(&b, &m, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "targets[2].wasm_opt.level must be one of O1, O2, O3, O4, Os, Oz");
	cr_assert_eq(b.len, 0, "nothing written");
	crc_buf_free(&b);
}

/* ---- Nesting checks in path order ------------------------------------------------------------------- */

/* A file below a file is found whatever sorts between them in byte order ('.' and '-' come before '/'). */
Test(manifest, files_below_a_file_are_refused_past_siblings_that_sort_between)
{
	struct crc_manifest m = golden();
	struct crc_manifest_file files[] = {
		{"image/oci-layout", 30, H("d")},
		{"image/oci-layout.x", 30, H("d")},
		{"image/oci-layout-y", 30, H("d")},
		{"image/oci-layout/x", 30, H("d")},
	};
	m.files = files;
	m.nfiles = 4;
	write_fails(&m, "files[3].path 'image/oci-layout/x' lies below files[0], which is a file");
	files[3].path = "image/oci-layout.x/y";
	write_fails(&m, "files[3].path 'image/oci-layout.x/y' lies below files[1], which is a file");
	files[3].path = "image/oci-layout.y/z";
	char *text = write_ok(&m);
	free(text);
}

/* Each entry is checked against the outermost file or symlink it lies inside; the first such entry in
 * archive order is named, whatever order the paths sort in. */
Test(manifest, entries_inside_a_file_or_symlink_name_the_outermost_one)
{
	struct crc_manifest m = golden();
	struct crc_manifest_artifact a[1];
	struct crc_manifest_entry e[] = {
		{"lib/a.b/c", 'f', 0644, 1, H("a"), ""}, {"lib", 'd', 0755, 0, "", ""},
		{"lib/a.b", 'd', 0755, 0, "", ""},       {"lib/a", 'l', 0777, 0, "", "a.b"},
		{"lib/a-b", 'f', 0644, 1, H("a"), ""},   {"lib/a/x", 'f', 0644, 1, H("a"), ""},
		{"lib/a/x/y", 'f', 0644, 1, H("a"), ""},
	};
	memcpy(a, artifacts, sizeof a);
	a[0].entries = e;
	a[0].nentries = 7;
	m.artifacts = a;
	m.nartifacts = 1;
	m.ntargets = 1;
	write_fails(&m, "artifacts[0].entries[5].path 'lib/a/x' is inside entries[3], which is a symlink");
	e[3].type = 'f';
	e[3].link = "";
	e[3].size = 1;
	e[3].sha256 = H("a");
	write_fails(&m, "artifacts[0].entries[5].path 'lib/a/x' is inside entries[3], which is a file");
	e[3].type = 'd';
	e[3].size = 0;
	e[3].sha256 = "";
	write_fails(&m, "artifacts[0].entries[6].path 'lib/a/x/y' is inside entries[5], which is a file");
	e[5].type = 'd';
	e[5].size = 0;
	e[5].sha256 = "";
	char *text = write_ok(&m);
	free(text);
}

/* ---- Pathological sizes: linear or n log n work, bounded by the test harness (.timeout) ---------------- */

/* 120 bytes that long names of the cases below share, so that comparing two names costs the most. */
#define LONG_PREFIX                                                                                          \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xx"                                                                                                 \
	"xxxxxxxxxxxxxxxxxxxx"

/* minimal.yaml's drop-wide fields, then ntargets targets named LONG_PREFIX and 0, 1, ... (or
 * x86_64-linux-gnu alone when ntargets is 0), then "artifacts:". */
static void big_head(struct crc_buf *b, size_t ntargets)
{
	size_t len;
	char *text = slurp(FIXTURE("minimal.yaml"), &len), *at = strstr(text, "targets:\n");
	cr_assert_not_null(at);
	crc_buf_add(b, text, (size_t)(at - text));
	crc_buf_puts(b, "targets:\n");
	for (size_t i = 0; i < (ntargets ? ntargets : 1); i++) {
		char triple[160];
		if (ntargets)
			snprintf(triple, sizeof triple, "%s%zu", LONG_PREFIX, i);
		else
			snprintf(triple, sizeof triple, "x86_64-linux-gnu");
		crc_buf_printf(
			b,
			"- triple: %s\n  compiler: gcc\n  compiler_version: \"12\"\n  dialect: gcc\n"
			"  emulator: []\n  smoke: {ok: false, noa_version: \"\", triple: \"\", profile: "
			"\"\", opt_level: \"\", lto: \"\", features: [], target_kind: \"\"}\n",
			triple);
	}
	crc_buf_puts(b, "artifacts:\n");
	free(text);
}

/* One artifact's head, for target; its entries follow. */
static void big_artifact(struct crc_buf *b, const char *path, const char *target)
{
	crc_buf_printf(
		b, "- path: %s\n  target: %s\n  format: tar.zst\n  size: 1\n  sha256: \"%s\"\n  entries:\n",
		path, target, H("3"));
}

/* Parses b's text, which must fail with "line:col: want" (want NULL: must parse). */
static void big_parse(struct crc_buf *b, const char *want)
{
	struct crc_manifest *m = NULL;
	struct crc_error err;
	char got[2048];
	cr_assert(!crc_buf_error(b));
	cr_assert_leq(b->len, CRC_MANIFEST_MAX_BYTES, "the case fits the cap");
	int rc = crc_manifest_parse(&m, "m.yaml", b->data, b->len, &err);
	if (!want) {
		cr_assert_eq(rc, 0, "%d:%d: %s", err.line, err.col, err.msg);
		crc_manifest_free(m);
		return;
	}
	cr_assert_eq(rc, CRC_EINVALID, "expected: %s", want);
	snprintf(got, sizeof got, "%d:%d: %s", err.line, err.col, err.msg);
	cr_assert_str_eq(got, want);
}

/* Lines in b's text so far. */
static int lines_of(const struct crc_buf *b)
{
	int n = 0;
	for (size_t i = 0; i < b->len; i++)
		n += b->data[i] == '\n';
	return n;
}

/* Entries whose paths are 2000 components deep, near the byte cap: each prefix of each path used to be
 * searched for among the entries, 2000 binary searches per path. The last entry lies inside a file, which
 * the check finds once it has sorted and walked them all. */
#define DEEP_ENTRIES 12000
#define DEEP_LEVELS 2000
Test(manifest, deep_entry_paths_near_the_byte_cap_are_checked_in_n_log_n, .timeout = 10)
{
	struct crc_buf b, dirs;
	char want[512];
	crc_buf_init(&b);
	crc_buf_init(&dirs);
	for (size_t i = 0; i < DEEP_LEVELS; i++)
		crc_buf_puts(&dirs, "d/");
	big_head(&b, 0);
	big_artifact(&b, "noa.tar.zst", "x86_64-linux-gnu");
	int line = lines_of(&b) + 5 * DEEP_ENTRIES + 1;
	for (size_t i = 0; i < DEEP_ENTRIES; i++)
		crc_buf_printf(&b,
			       "  - path: %sf%05zu\n    type: file\n    mode: \"0644\"\n    size: 1\n"
			       "    sha256: \"%s\"\n",
			       dirs.data, DEEP_ENTRIES - i, H("4"));
	snprintf(want, sizeof want,
		 "%d:11: artifacts[0].entries[%d].path '%.64s...' is inside entries[%d], which is a file",
		 line, DEEP_ENTRIES, dirs.data, DEEP_ENTRIES - 1);
	crc_buf_printf(&b,
		       "  - path: %sf00001/x\n    type: file\n    mode: \"0644\"\n    size: 1\n"
		       "    sha256: \"%s\"\n",
		       dirs.data, H("4"));
	big_parse(&b, want);
	crc_buf_free(&dirs);
	crc_buf_free(&b);
}

/* The most artifacts and files: each file's first component used to be compared with every artifact's
 * name. The last file repeats the first, which sorting finds once every file was looked up. */
Test(manifest, files_at_the_cap_beside_the_most_artifacts_are_checked_in_n_log_n, .timeout = 10)
{
	struct crc_buf b;
	char name[300], want[256];
	crc_buf_init(&b);
	big_head(&b, 0);
	for (size_t i = 0; i < CRC_MANIFEST_MAX_ARTIFACTS; i++) {
		/* Names of 255 bytes, the most a name may have. */
		snprintf(name, sizeof name, "%s%s%04zu.tar.zst", LONG_PREFIX, LONG_PREFIX, i);
		big_artifact(&b, name, "x86_64-linux-gnu");
		crc_buf_puts(&b, "    []\n");
	}
	crc_buf_puts(&b, "files:\n");
	for (size_t i = 0; i + 1 < CRC_MANIFEST_MAX_FILES; i++)
		crc_buf_printf(&b, "- path: image/f%05zu\n  size: 1\n  sha256: \"%s\"\n", i, H("5"));
	snprintf(want, sizeof want,
		 "%d:9: files[59999].path 'image/f00000' is listed twice (first as files[0])",
		 lines_of(&b) + 1);
	crc_buf_printf(&b, "- path: image/f00000\n  size: 1\n  sha256: \"%s\"\n", H("5"));
	big_parse(&b, want);
	crc_buf_free(&b);
}

/* The most targets and artifacts: each artifact's target used to be searched for among all the targets. */
Test(manifest, artifacts_naming_the_most_targets_are_checked_in_n_log_n, .timeout = 10)
{
	struct crc_buf b, c;
	char name[64], triple[160], want[512];
	crc_buf_init(&b);
	crc_buf_init(&c);
	big_head(&b, CRC_MANIFEST_MAX_TARGETS);
	for (size_t i = 0; i + 1 < CRC_MANIFEST_MAX_ARTIFACTS; i++) {
		snprintf(name, sizeof name, "noa-%04zu.tar.zst", i);
		snprintf(triple, sizeof triple, "%s%zu", LONG_PREFIX, CRC_MANIFEST_MAX_TARGETS - 1 - i);
		big_artifact(&b, name, triple);
		crc_buf_puts(&b, "    []\n");
	}
	crc_buf_add(&c, b.data, b.len);
	snprintf(want, sizeof want,
		 "%d:11: artifacts[4095].target '%.64s...' is not one of the manifest's targets",
		 lines_of(&c) + 2, LONG_PREFIX);
	big_artifact(&b, "last.tar.zst", LONG_PREFIX "0");
	crc_buf_puts(&b, "    []\n");
	big_parse(&b, NULL);
	big_artifact(&c, "last.tar.zst", LONG_PREFIX "4096");
	crc_buf_puts(&c, "    []\n");
	big_parse(&c, want);
	crc_buf_free(&c);
	crc_buf_free(&b);
}

/* SHA256SUMS near the byte cap, of names as long as a path may be that share all but their last bytes:
 * names listed twice are found by sorting (n log n). */
Test(manifest, sha256sums_of_the_longest_names_near_the_byte_cap_parse_in_n_log_n, .timeout = 10)
{
	struct crc_buf b, name;
	struct crc_manifest_sums *s;
	struct crc_error err;
	size_t lines = 0;
	crc_buf_init(&b);
	crc_buf_init(&name);
	crc_buf_puts(&name, "image");
	while (name.len + 8 < CRC_MANIFEST_MAX_PATH)
		crc_buf_puts(&name, "/dddd");
	while (b.len + 66 + name.len + 16 < CRC_MANIFEST_MAX_BYTES)
		crc_buf_printf(&b, "%s  %s%06zu\n", H("a"), name.data, lines++);
	cr_assert(!crc_buf_error(&b));
	/* The last line names the first's file, which sorting finds. */
	b.len -= 66 + name.len + 7;
	lines--;
	crc_buf_printf(&b, "%s  %s%06d\n", H("a"), name.data, 0);
	cr_assert_eq(crc_manifest_parse_sha256sums(&s, "SHA256SUMS", b.data, b.len, &err), CRC_EINVALID);
	char want[256];
	snprintf(want, sizeof want, "'%.64s...' is listed twice (first on line 1)", name.data);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(err.line, (int)lines + 1);
	crc_buf_free(&name);
	crc_buf_free(&b);
}
