/* provenance.json and merging partial drops' manifests: the provenance of the fixture manifest against a
 * golden file (byte for byte; CRC_GOLDEN_UPDATE=1 rewrites it), its shape as in-toto and SLSA define it;
 * the manifest's optional provenance_sha256 round trip; and every refusal of crc_merge_manifests with its
 * message, the overlap, and the profile's order in the result. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc/json.h"
#include "crc/manifest.h"
#include "crc/merge.h"
#include "crc/provenance.h"

#define FIXTURE(dir, name) CRC_SOURCE_DIR "/tests/fixtures/" dir "/" name

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

static struct crc_manifest *load(const char *text)
{
	struct crc_manifest *m;
	struct crc_error err;
	cr_assert_eq(crc_manifest_parse(&m, "m.yaml", text, strlen(text), &err), 0, "%s", err.msg);
	return m;
}

static struct crc_manifest *minimal(void)
{
	size_t n;
	char *text = slurp(FIXTURE("manifests", "minimal.yaml"), &n);
	struct crc_manifest *m = load(text);
	free(text);
	return m;
}

Test(provenance, minimal_manifest_matches_golden)
{
	struct crc_manifest *m = minimal();
	struct crc_buf b;
	struct crc_error err;
	size_t n;
	crc_buf_init(&b);
	cr_assert_eq(crc_provenance_write(&b, m, &err), 0, "%s", err.msg);
	const char *golden = FIXTURE("provenance", "minimal.json");
	if (getenv("CRC_GOLDEN_UPDATE")) {
		FILE *f = fopen(golden, "wb");
		cr_assert_not_null(f);
		fwrite(b.data, 1, b.len, f);
		fclose(f);
	}
	char *want = slurp(golden, &n);
	cr_assert_eq(b.len, n);
	cr_assert_eq(memcmp(b.data, want, n), 0, "provenance differs from %s:\n%s", golden, crc_buf_str(&b));
	free(want);
	crc_buf_free(&b);
	crc_manifest_free(m);
}

Test(provenance, is_an_in_toto_statement_of_slsa_provenance_over_the_artifacts)
{
	struct crc_manifest *m = minimal();
	struct crc_buf b;
	struct crc_error err;
	crc_buf_init(&b);
	cr_assert_eq(crc_provenance_write(&b, m, &err), 0);
	struct crc_json *j = crc_json_parse(b.data, b.len);
	cr_assert_not_null(j);
	cr_assert_str_eq(crc_json_string(crc_json_get(j, "_type")), "https://in-toto.io/Statement/v1");
	cr_assert_str_eq(crc_json_string(crc_json_get(j, "predicateType")), "https://slsa.dev/provenance/v1");
	const struct crc_json *subj = crc_json_get(j, "subject");
	cr_assert_eq(crc_json_count(subj), m->nartifacts);
	cr_assert_str_eq(crc_json_string(crc_json_get(crc_json_item(subj, 0), "name")), m->artifacts[0].path);
	cr_assert_str_eq(
		crc_json_string(crc_json_get(crc_json_get(crc_json_item(subj, 0), "digest"), "sha256")),
		m->artifacts[0].sha256);
	const struct crc_json *pred = crc_json_get(j, "predicate");
	const struct crc_json *bd = crc_json_get(pred, "buildDefinition");
	cr_assert_str_eq(crc_json_string(crc_json_get(crc_json_get(bd, "externalParameters"), "drop_id")),
			 m->drop_id);
	const struct crc_json *dep = crc_json_item(crc_json_get(bd, "resolvedDependencies"), 0);
	cr_assert_str_eq(crc_json_string(crc_json_get(crc_json_get(dep, "digest"), "gitCommit")),
			 m->source.commit);
	cr_assert_str_eq(crc_json_string(crc_json_get(
				 crc_json_get(crc_json_get(pred, "runDetails"), "builder"), "id")),
			 "urn:crc:builder");
	/* Nothing of the build machine or the clock. */
	cr_assert_null(strstr(b.data, "startedOn"));
	cr_assert_null(strstr(b.data, "finishedOn"));
	crc_json_free(j);
	crc_buf_free(&b);
	crc_manifest_free(m);
}

Test(provenance, source_without_a_commit_is_named_by_its_tree_hash)
{
	struct crc_manifest *m = minimal();
	struct crc_buf b;
	struct crc_error err;
	m->source.commit = "";
	crc_buf_init(&b);
	cr_assert_eq(crc_provenance_write(&b, m, &err), 0);
	cr_assert_null(strstr(b.data, "gitCommit"));
	cr_assert_not_null(strstr(b.data, "\"uri\": \"urn:crc:source:runtime\""));
	cr_assert_not_null(strstr(b.data, m->source.tree_sha256));
	crc_buf_free(&b);
	crc_manifest_free(m);
}

Test(manifest_provenance, sha256_is_optional_and_round_trips)
{
	struct crc_manifest *m = minimal();
	struct crc_buf b;
	struct crc_error err;
	cr_assert_str_eq(m->provenance_sha256, "");
	m->provenance_sha256 = "5555555555555555555555555555555555555555555555555555555555555555";
	crc_buf_init(&b);
	cr_assert_eq(crc_manifest_write(&b, m, &err), 0, "%s", err.msg);
	cr_assert_not_null(strstr(b.data, "\nprovenance_sha256: \"5555"));
	struct crc_manifest *back = load(b.data);
	cr_assert_str_eq(back->provenance_sha256, m->provenance_sha256);
	crc_manifest_free(back);
	crc_buf_free(&b);
	m->provenance_sha256 = "not-hex";
	crc_buf_init(&b);
	cr_assert_eq(crc_manifest_write(&b, m, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "provenance_sha256 must be 64 lower-case hex digits");
	crc_buf_free(&b);
	crc_manifest_free(m);
}

/* ---- merge ---------------------------------------------------------------------------------------- */

/* Two parts of one drop: part 0 holds x86_64-linux-gnu, part 1 aarch64-linux-gnu (copies of the minimal
 * fixture with the target renamed). */
static struct crc_manifest *part(const char *triple)
{
	size_t n;
	char *text = slurp(FIXTURE("manifests", "minimal.yaml"), &n);
	struct crc_buf b;
	crc_buf_init(&b);
	/* Every x86_64-linux-gnu (target, smoke triple, artifact target and name) becomes triple. */
	for (const char *p = text; *p;) {
		const char *hit = strstr(p, "x86_64-linux-gnu");
		if (!hit) {
			crc_buf_puts(&b, p);
			break;
		}
		crc_buf_add(&b, p, (size_t)(hit - p));
		crc_buf_puts(&b, triple);
		p = hit + strlen("x86_64-linux-gnu");
	}
	struct crc_manifest *m = load(crc_buf_str(&b));
	crc_buf_free(&b);
	free(text);
	return m;
}

static const char *const order[] = {"aarch64-linux-gnu", "x86_64-linux-gnu", "wasm32-wasi"};
static const char *const names[] = {"a/part", "b/part", "c/part"};

Test(merge, combines_parts_in_the_profiles_order)
{
	struct crc_manifest *x = part("x86_64-linux-gnu"), *a = part("aarch64-linux-gnu");
	const struct crc_manifest *parts[] = {x, a};
	struct crc_merge mg;
	struct crc_error err;
	cr_assert_eq(crc_merge_manifests(&mg, parts, names, 2, order, 3, &err), 0, "%s", err.msg);
	cr_assert_eq(mg.m.ntargets, 2);
	cr_assert_str_eq(mg.m.targets[0].triple, "aarch64-linux-gnu");
	cr_assert_str_eq(mg.m.targets[1].triple, "x86_64-linux-gnu");
	cr_assert_eq(mg.part_of[0], 1);
	cr_assert_eq(mg.part_of[1], 0);
	cr_assert_eq(mg.m.nartifacts, 2);
	cr_assert_str_eq(mg.m.artifacts[0].target, "aarch64-linux-gnu");
	cr_assert_null(mg.m.provenance_sha256);
	/* The merged manifest is a valid one. */
	struct crc_buf b;
	crc_buf_init(&b);
	cr_assert_eq(crc_manifest_write(&b, &mg.m, &err), 0, "%s", err.msg);
	crc_buf_free(&b);
	crc_merge_free(&mg);
	crc_merge_free(NULL);
	crc_manifest_free(x);
	crc_manifest_free(a);
}

/* Parts' image layouts are made anew by the caller (the merged files list is empty here); a part listing
 * anything else is refused, not merged into a drop that would lose it. */
Test(merge, takes_images_with_their_targets_and_refuses_other_files)
{
	struct crc_manifest *x = part("x86_64-linux-gnu"), *a = part("aarch64-linux-gnu");
	struct crc_manifest_file files[] = {
		{"image/oci-layout", 30, "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"},
		{"Dockerfile", 30, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"},
		{"notes.txt", 30, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"}};
	a->files = files;
	a->nfiles = 2;
	a->targets[0].image.architecture = "arm64";
	a->targets[0].image.manifest_sha256 =
		"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
	const struct crc_manifest *parts[] = {x, a};
	struct crc_merge mg;
	struct crc_error err;
	cr_assert_eq(crc_merge_manifests(&mg, parts, names, 2, order, 3, &err), 0, "%s", err.msg);
	cr_assert_eq(mg.m.nfiles, 0);
	cr_assert_null(mg.m.files);
	cr_assert_str_eq(mg.m.targets[0].image.architecture, "arm64");
	cr_assert_str_eq(mg.m.targets[0].image.manifest_sha256, a->targets[0].image.manifest_sha256);
	crc_merge_free(&mg);
	a->nfiles = 3;
	cr_assert_eq(crc_merge_manifests(&mg, parts, names, 2, order, 3, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "b/part lists notes.txt, which is neither part of its image layout nor its "
				  "Dockerfile: merging such drops is not supported");
	a->nfiles = 0;
	crc_manifest_free(x);
	crc_manifest_free(a);
}

/* Changes one field of part 1 and expects the refusal naming it. */
static void disagree(void (*change)(struct crc_manifest *), const char *want)
{
	struct crc_manifest *x = part("x86_64-linux-gnu"), *a = part("aarch64-linux-gnu");
	const struct crc_manifest *parts[] = {x, a};
	struct crc_merge mg;
	struct crc_error err;
	change(a);
	cr_assert_eq(crc_merge_manifests(&mg, parts, names, 2, order, 3, &err), CRC_EINVALID);
	cr_assert_not_null(strstr(err.msg, want), "%s (want %s)", err.msg, want);
	cr_assert(strncmp(err.msg, "a/part and b/part disagree on ", 30) == 0, "%s", err.msg);
	crc_manifest_free(x);
	crc_manifest_free(a);
}

static void set_profile(struct crc_manifest *m)
{
	m->profile = "server";
}
static void set_drop_id(struct crc_manifest *m)
{
	m->drop_id = "other";
}
static void set_created(struct crc_manifest *m)
{
	m->created = "2026-11-23T10:00:00Z";
}
static void set_version(struct crc_manifest *m)
{
	m->crc_version = "0.2.0";
}
static void set_commit(struct crc_manifest *m)
{
	m->source.commit = "1123456789abcdef0123456789abcdef01234567";
}
static void set_dirty(struct crc_manifest *m)
{
	m->source.dirty = 1;
}
static void set_url(struct crc_manifest *m)
{
	m->source.url = "https://github.com/acme/noa";
}
static void set_opt(struct crc_manifest *m)
{
	m->optimization.opt_level = "s";
}
static void set_features(struct crc_manifest *m)
{
	m->features.n = 0;
}
static void set_flags(struct crc_manifest *m)
{
	m->flags_sha256 = "2222222222222222222222222222222222222222222222222222222222222223";
}

Test(merge, refuses_parts_that_disagree)
{
	disagree(set_profile, "disagree on profile ('edge' and 'server')");
	disagree(set_drop_id, "disagree on drop_id");
	disagree(set_created, "disagree on created ('2026-11-22T10:00:00Z' and '2026-11-23T10:00:00Z')");
	disagree(set_version, "disagree on crc_version ('0.1.0' and '0.2.0')");
	disagree(set_commit, "disagree on source");
	disagree(set_dirty, "disagree on source");
	disagree(set_url, "disagree on source");
	disagree(set_opt, "disagree on optimization ('z' and 's')");
	disagree(set_features, "disagree on features");
	disagree(set_flags, "disagree on flags.txt (flags_sha256)");
}

Test(merge, refuses_overlapping_parts)
{
	struct crc_manifest *x = part("x86_64-linux-gnu"), *y = part("x86_64-linux-gnu");
	const struct crc_manifest *parts[] = {x, y};
	struct crc_merge mg;
	struct crc_error err;
	cr_assert_eq(crc_merge_manifests(&mg, parts, names, 2, order, 3, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "a/part and b/part both hold target x86_64-linux-gnu (the parts overlap)");
	crc_manifest_free(x);
	crc_manifest_free(y);
}

Test(merge, refuses_a_target_the_profile_does_not_build)
{
	struct crc_manifest *x = part("x86_64-linux-gnu");
	const struct crc_manifest *parts[] = {x};
	struct crc_merge mg;
	struct crc_error err;
	cr_assert_eq(crc_merge_manifests(&mg, parts, names, 1, order, 1, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "a/part holds target x86_64-linux-gnu, which profile edge does not build");
	cr_assert_eq(crc_merge_manifests(&mg, parts, names, 0, order, 3, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "nothing to merge");
	crc_manifest_free(x);
}

Test(merge, carries_each_targets_wasm_opt_through)
{
	struct crc_manifest *x = part("x86_64-linux-gnu"), *w = part("wasm32-wasi");
	w->targets[0].wasm_opt.level = "O3";
	w->targets[0].wasm_opt.size_before = 105137;
	w->targets[0].wasm_opt.size_after = 90318;
	const struct crc_manifest *parts[] = {w, x};
	struct crc_merge mg;
	struct crc_error err;
	cr_assert_eq(crc_merge_manifests(&mg, parts, names, 2, order, 3, &err), 0, "%s", err.msg);
	cr_assert_str_eq(mg.m.targets[0].triple, "x86_64-linux-gnu");
	cr_assert_str_eq(mg.m.targets[0].wasm_opt.level, "", "none on the native target");
	cr_assert_str_eq(mg.m.targets[1].triple, "wasm32-wasi");
	cr_assert_str_eq(mg.m.targets[1].wasm_opt.level, "O3");
	cr_assert_eq(mg.m.targets[1].wasm_opt.size_before, 105137);
	cr_assert_eq(mg.m.targets[1].wasm_opt.size_after, 90318);
	struct crc_buf b;
	crc_buf_init(&b);
	cr_assert_eq(crc_manifest_write(&b, &mg.m, &err), 0, "%s", err.msg);
	cr_assert_not_null(strstr(crc_buf_str(&b), "  wasm_opt:\n    level: O3\n    size_before: 105137\n"
						   "    size_after: 90318\n"));
	crc_buf_free(&b);
	crc_merge_free(&mg);
	crc_manifest_free(x);
	crc_manifest_free(w);
}
