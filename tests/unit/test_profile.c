/* The profile loader on the shipped files: resolved values, defaults, --set overrides and their errors,
 * and the listing; loading from memory (crc_profile_parse); and collect mode (crc_profile_check), which
 * must report every problem with its position. The crafted bad profiles are covered end to end by the
 * golden cases (tests/cli/cases/profile-*, check-*). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crc/buf.h"
#include "crc/diag.h"
#include "crc/gates.h"
#include "crc/json.h"
#include "crc/profile.h"
#include "crc/yaml.h"

/* The runtime's gates, read once per test. */
static const struct crc_gates *source_gates(void)
{
	static struct crc_gates *g;
	struct crc_error err;
	if (!g)
		cr_assert_eq(crc_gates_load(&g, CRC_SOURCE_DIR, &err), 0, "%s", err.msg);
	return g;
}

static struct crc_profile *load(const char *name, const char *const *sets, size_t nsets)
{
	struct crc_profile *p;
	struct crc_error err;
	int rc = crc_profile_load(&p, CRC_SOURCE_DIR, source_gates(), name, sets, nsets, &err);
	cr_assert_eq(rc, 0, "%s:%d:%d: %s", err.path, err.line, err.col, err.msg);
	return p;
}

Test(profile, edge_resolves_as_shipped)
{
	struct crc_profile *p = load("edge", NULL, 0);
	cr_assert_str_eq(p->name, "edge");
	cr_assert_eq(p->ntargets, 3);
	cr_assert_str_eq(p->targets[0].triple, "aarch64-linux-gnu");
	cr_assert_str_eq(p->targets[2].triple, "wasm32-wasi");
	cr_assert_str_eq(p->optimization.opt_level, "z");
	cr_assert_str_eq(p->optimization.lto, "fat");
	cr_assert_eq(p->optimization.codegen_units, 1);
	cr_assert_eq(p->features.n, 2);
	cr_assert_str_eq(p->features.items[0], "low-power");
	cr_assert_eq(p->policy.prefer_gpu, 0);
	cr_assert_float_eq(p->policy.min_gpu_memory_gb, 8.0, 1e-12, "runtime default kept");
	cr_assert_str_eq(p->archive, "tar.zst");
	cr_assert_eq(p->nchain, 1);
	crc_profile_free(p);
}

/* Lambda: the server build for aarch64, with the lambda gate and without gpu-offload (Lambda has no GPU). */
Test(profile, lambda_extends_server_without_a_gpu)
{
	struct crc_profile *p = load("lambda", NULL, 0);
	cr_assert_str_eq(p->name, "lambda");
	cr_assert_eq(p->ntargets, 1);
	cr_assert_str_eq(p->targets[0].triple, "aarch64-linux-gnu");
	cr_assert_str_eq(p->optimization.opt_level, "3", "the server's optimization");
	cr_assert_str_eq(p->optimization.lto, "thin");
	cr_assert_eq(p->features.n, 2);
	cr_assert_str_eq(p->features.items[0], "throughput");
	cr_assert_str_eq(p->features.items[1], "lambda");
	cr_assert_eq(p->policy.prefer_gpu, 0);
	cr_assert_str_eq(p->archive, "tar.gz");
	cr_assert_eq(p->nchain, 2, "lambda extends server");
	crc_profile_free(p);
}

Test(profile, set_overrides_after_merging)
{
	const char *sets[] = {"optimization.opt_level=s", "targets=[x86_64-linux-gnu]",
			      "extra.cmake={FOO: bar}"};
	struct crc_profile *p = load("server", sets, 3);
	cr_assert_str_eq(p->optimization.opt_level, "s");
	cr_assert_str_eq(p->optimization.lto, "thin", "siblings of an overridden key stay");
	cr_assert_eq(p->ntargets, 1);
	cr_assert_eq(p->extra.cmake.n, 1);
	cr_assert_str_eq(p->extra.cmake.keys[0], "FOO");
	cr_assert_str_eq(p->extra.cmake.values[0], "bar");
	crc_profile_free(p);
}

Test(profile, bad_overrides_name_the_argument)
{
	struct crc_profile *p;
	struct crc_error err;
	const char *bad[] = {"policy.prefer_gpu=yes"};
	cr_assert_eq(crc_profile_load(&p, CRC_SOURCE_DIR, source_gates(), "server", bad, 1, &err),
		     CRC_EINVALID);
	cr_assert_null(p);
	cr_assert_str_eq(err.path, "--set policy.prefer_gpu=yes");
	cr_assert_str_eq(err.msg, "prefer_gpu must be true or false");
	const char *into_scalar[] = {"archive.x=1"};
	cr_assert_eq(crc_profile_load(&p, CRC_SOURCE_DIR, source_gates(), "server", into_scalar, 1, &err),
		     CRC_EINVALID);
	cr_assert_str_eq(err.msg, "'x' is inside a scalar, not a mapping");
	cr_assert_eq(crc_profile_load(&p, CRC_SOURCE_DIR, source_gates(), "../profiles/edge", NULL, 0, &err),
		     CRC_EINVALID);
	cr_assert_eq(crc_profile_load(&p, CRC_SOURCE_DIR, source_gates(), "nope", NULL, 0, &err),
		     CRC_ENOTFOUND);
}

Test(profile, list_and_json)
{
	char **names;
	size_t n;
	struct crc_error err;
	cr_assert_eq(crc_profile_list(&names, &n, CRC_SOURCE_DIR, &err), 0);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(names[0], "edge");
	cr_assert_str_eq(names[1], "lambda");
	cr_assert_str_eq(names[2], "server");
	free(names);
	struct crc_profile *p = load("server", NULL, 0);
	struct crc_json *j = crc_profile_json(p);
	char *text = crc_json_render(j, 0);
	cr_assert_not_null(strstr(text, "\"schema\":\"crc.profile/v1\",\"name\":\"server\""));
	cr_assert_not_null(strstr(text, "\"features\":[\"throughput\",\"gpu-offload\"]"));
	free(text);
	crc_json_free(j);
	crc_profile_free(p);
	crc_profile_free(NULL);
}

Test(profile, parse_reads_the_document_from_memory_and_the_rest_under_root)
{
	static const char text[] = "name: mem\ndescription: d\nextends: edge\nfeatures: [throughput]\n";
	const char *sets[] = {"archive=tar.gz"};
	struct crc_profile *p;
	struct crc_error err;
	int rc = crc_profile_parse(&p, CRC_SOURCE_DIR, source_gates(), "mem", "in-memory.yaml", text,
				   sizeof text - 1, sets, 1, &err);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_str_eq(p->name, "mem");
	cr_assert_eq(p->nchain, 2);
	cr_assert_str_eq(p->chain[1], "edge");
	cr_assert_eq(p->ntargets, 3, "targets come from edge.yaml");
	cr_assert_str_eq(p->features.items[0], "throughput");
	cr_assert_str_eq(p->archive, "tar.gz");
	crc_profile_free(p);
}

Test(profile, parse_names_the_given_path_in_errors)
{
	static const char text[] = "name: mem\ndescription: d\ntargets: [x86_64-linux-gnu]\narchive: zip\n";
	struct crc_profile *p;
	struct crc_error err;
	cr_assert_eq(crc_profile_parse(&p, CRC_SOURCE_DIR, source_gates(), "mem", "buf.yaml", text,
				       sizeof text - 1, NULL, 0, &err),
		     CRC_EINVALID);
	cr_assert_null(p);
	cr_assert_str_eq(err.path, "buf.yaml");
	cr_assert_eq(err.line, 4);
	cr_assert_eq(err.col, 10);
	cr_assert_str_eq(err.msg, "archive must be one of tar.zst, tar.gz");
	cr_assert_eq(crc_profile_parse(&p, CRC_SOURCE_DIR, source_gates(), "mem", "buf.yaml", "a: [", 4, NULL,
				       0, &err),
		     CRC_EINVALID);
	cr_assert_str_eq(err.path, "buf.yaml");
	cr_assert_eq(crc_profile_parse(&p, CRC_SOURCE_DIR, source_gates(), "../x", "buf.yaml", text,
				       sizeof text - 1, NULL, 0, &err),
		     CRC_EINVALID);
	cr_assert_str_eq(err.msg,
			 "invalid profile name '../x' (lower-case letters, digits, '-', '_' and '.')");
}

/* Checks text as profile "p" from buffer "p.yaml"; the diags list is heap-allocated (it is large). */
static int check_text(struct crc_diags **d, const char *text, struct crc_error *err)
{
	*d = calloc(1, sizeof **d);
	cr_assert_not_null(*d);
	return crc_profile_check_text(CRC_SOURCE_DIR, source_gates(), "p", "p.yaml", text, strlen(text), *d,
				      err);
}

static void expect_diag(const struct crc_diags *d, size_t i, int line, int col, const char *msg)
{
	cr_assert_lt(i, d->n, "only %zu problems", d->n);
	cr_expect_str_eq(d->items[i].path, "p.yaml");
	cr_expect_eq(d->items[i].line, line, "problem %zu: line %d, want %d", i, d->items[i].line, line);
	cr_expect_eq(d->items[i].col, col, "problem %zu: column %d, want %d", i, d->items[i].col, col);
	cr_expect_str_eq(d->items[i].msg, msg);
	cr_expect_eq(d->items[i].code, CRC_EINVALID);
}

Test(profile, check_passes_a_valid_profile_and_appends_nothing)
{
	struct crc_diags *d = calloc(1, sizeof *d);
	struct crc_error err;
	cr_assert_eq(crc_profile_check(CRC_SOURCE_DIR, source_gates(), "edge", d, &err), 0);
	cr_assert_eq(crc_profile_check(CRC_SOURCE_DIR, source_gates(), "server", d, NULL), 0);
	cr_assert_eq(d->n, 0);
	cr_assert_eq(d->dropped, 0);
	free(d);
}

Test(profile, check_reports_every_problem_in_every_section_sorted_by_position)
{
	static const char text[] = "name: q\n"
				   "description: \"\"\n"
				   "targets: [x86_64-linux-gnu, riscv64-linux-gnu, x86_64-linux-gnu, [a]]\n"
				   "optimisation: {}\n"
				   "optimization:\n"
				   "  opt_level: fast\n"
				   "  lto: full\n"
				   "  codegen_units: 0\n"
				   "  strip: yes\n"
				   "  debug_infos: true\n"
				   "features: [low_power, gpu-offload, low_power]\n"
				   "policy:\n"
				   "  prefer_gpu: maybe\n"
				   "  min_gpu_memory_gb: -1\n"
				   "  prefer_gpu_always: true\n"
				   "archive: zip\n"
				   "extra:\n"
				   "  cflags: -O2\n"
				   "  ldflags: [-s, \"\"]\n"
				   "  cmake:\n"
				   "    NOA_FEATURE_X: \"1\"\n"
				   "    1BAD: x\n"
				   "    OK: [a]\n"
				   "  cxxflags: []\n"
				   "per_target:\n"
				   "  riscv64-linux-gnu:\n"
				   "    cflags: [-march=rv64gc]\n"
				   "  x86_64-linux-gnu:\n"
				   "    cflagz: []\n";
	struct crc_diags *d;
	struct crc_error err;
	cr_assert_eq(check_text(&d, text, &err), CRC_EINVALID);
	expect_diag(d, 0, 1, 7, "name 'q' differs from the file name 'p.yaml'");
	expect_diag(d, 1, 2, 14, "description must not be empty");
	expect_diag(
		d, 2, 3, 29,
		"unknown target triple 'riscv64-linux-gnu' (no templates/toolchains/riscv64-linux-gnu.yaml)");
	expect_diag(d, 3, 3, 48, "'x86_64-linux-gnu' is listed twice in targets");
	expect_diag(d, 4, 3, 66, "targets must be a scalar, not a sequence");
	expect_diag(d, 5, 4, 1, "unknown key 'optimisation' in the profile (did you mean 'optimization'?)");
	expect_diag(d, 6, 6, 14, "opt_level must be one of 0, 1, 2, 3, s, z");
	expect_diag(d, 7, 7, 8, "lto must be one of off, thin, fat");
	expect_diag(d, 8, 8, 18, "codegen_units must be a whole number from 1 to 256");
	expect_diag(d, 9, 9, 10, "strip must be true or false");
	expect_diag(d, 10, 10, 3, "unknown key 'debug_infos' in optimization (did you mean 'debug_info'?)");
	expect_diag(d, 11, 11, 12, "unknown feature gate 'low_power' (did you mean 'low-power'?)");
	expect_diag(d, 12, 11, 36, "'low_power' is listed twice in features");
	expect_diag(d, 13, 13, 15, "prefer_gpu must be true or false");
	expect_diag(d, 14, 14, 22, "min_gpu_memory_gb must be a number of GiB above 0 and at most 65536");
	expect_diag(d, 15, 15, 3, "unknown key 'prefer_gpu_always' in policy");
	expect_diag(d, 16, 16, 10, "archive must be one of tar.zst, tar.gz");
	expect_diag(d, 17, 18, 11, "cflags must be a sequence, not a scalar");
	expect_diag(d, 18, 19, 17, "ldflags must not be empty");
	expect_diag(d, 19, 21, 5,
		    "'NOA_FEATURE_X' is set by crc itself (use features or the toolchain files)");
	expect_diag(d, 20, 22, 5, "CMake variable '1BAD' must be letters, digits and '_'");
	expect_diag(d, 21, 23, 9, "OK must be a scalar, not a sequence");
	expect_diag(d, 22, 24, 3, "unknown key 'cxxflags' in extra (did you mean 'cflags'?)");
	/* riscv64-linux-gnu was a bad target, so per_target keys are not matched (no second report); what
	 * they hold is still checked. */
	expect_diag(d, 23, 29, 5, "unknown key 'cflagz' in x86_64-linux-gnu (did you mean 'cflags'?)");
	cr_assert_eq(d->n, 24);
	cr_assert_eq(d->dropped, 0);
	cr_assert_str_eq(err.msg, d->items[0].msg, "err is the first problem listed");
	/* Stop mode gives the first problem it meets, which is among them. */
	struct crc_profile *p;
	struct crc_error first;
	cr_assert_eq(crc_profile_parse(&p, CRC_SOURCE_DIR, source_gates(), "p", "p.yaml", text, strlen(text),
				       NULL, 0, &first),
		     CRC_EINVALID);
	cr_assert_str_eq(first.msg, d->items[5].msg);
	free(d);
}

Test(profile, check_missing_names_and_unmatched_per_target)
{
	struct crc_diags *d;
	struct crc_error err;
	cr_assert_eq(
		check_text(&d, "targets: [x86_64-linux-gnu]\nper_target:\n  riscv64-linux-gnu: {}\n", &err),
		CRC_EINVALID);
	expect_diag(d, 0, 1, 1, "the profile has no 'name'");
	expect_diag(d, 1, 1, 1, "the profile has no 'description'");
	expect_diag(d, 2, 3, 3, "per_target 'riscv64-linux-gnu' is not one of the profile's targets");
	cr_assert_eq(d->n, 3);
	free(d);
	cr_assert_eq(check_text(&d, "name: p\ndescription: d\ntargets: []\nper_target: [a]\n", &err),
		     CRC_EINVALID);
	expect_diag(d, 0, 3, 10, "targets must list at least one target triple");
	expect_diag(d, 1, 4, 13, "per_target must be a mapping, not a sequence");
	cr_assert_eq(d->n, 2);
	free(d);
	cr_assert_eq(check_text(&d, "name: p\ndescription: d\n", &err), CRC_EINVALID);
	expect_diag(d, 0, 1, 1, "the profile has no 'targets'");
	cr_assert_eq(d->n, 1);
	free(d);
}

Test(profile, check_stops_at_a_broken_document_or_chain)
{
	struct crc_diags *d;
	struct crc_error err;
	cr_assert_eq(check_text(&d, "name: p\ntargets: [a\nfoo: 1\n", &err), CRC_EINVALID);
	cr_assert_eq(d->n, 1, "a YAML error is the only problem of its file");
	expect_diag(d, 0, 3, 4,
		    "did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 10)");
	cr_assert_str_eq(err.msg, d->items[0].msg);
	free(d);
	cr_assert_eq(check_text(&d, "name: p\ndescription: d\nextends: p\nbogus: 1\n", &err), CRC_EINVALID);
	expect_diag(d, 0, 3, 10, "extends cycle: p -> p");
	cr_assert_eq(d->n, 1);
	free(d);
	cr_assert_eq(check_text(&d, "- a\n", &err), CRC_EINVALID);
	expect_diag(d, 0, 1, 1, "a profile must be a mapping, not a sequence");
	free(d);
}

Test(profile, check_reports_a_missing_profile_or_a_bad_name)
{
	struct crc_diags *d = calloc(1, sizeof *d);
	struct crc_error err;
	cr_assert_eq(crc_profile_check(CRC_SOURCE_DIR, source_gates(), "nope", d, &err), CRC_ENOTFOUND);
	cr_assert_eq(d->n, 1);
	cr_assert_not_null(strstr(d->items[0].msg, "no profile 'nope' ("));
	cr_assert_str_eq(err.msg, d->items[0].msg);
	cr_assert_eq(crc_profile_check(CRC_SOURCE_DIR, source_gates(), "Bad/Name", d, NULL), CRC_EINVALID);
	cr_assert_eq(d->n, 2, "problems are appended");
	cr_assert_str_eq(d->items[1].msg,
			 "invalid profile name 'Bad/Name' (lower-case letters, digits, '-', '_' and '.')");
	free(d);
}

Test(profile, check_counts_the_problems_the_list_has_no_room_for)
{
	struct crc_diags *d;
	struct crc_error err;
	char text[4096];
	size_t len =
		(size_t)snprintf(text, sizeof text, "name: p\ndescription: d\ntargets: [x86_64-linux-gnu]\n");
	for (int i = 0; i < CRC_DIAG_MAX + 6; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "bogus%d: 1\n", i);
	cr_assert_lt(len, sizeof text);
	cr_assert_eq(check_text(&d, text, &err), CRC_EINVALID);
	cr_assert_eq(d->n, CRC_DIAG_MAX);
	cr_assert_eq(d->dropped, 6);
	expect_diag(d, 0, 4, 1, "unknown key 'bogus0' in the profile");
	free(d);
}

Test(profile, wasm_opt_is_off_by_default_o3_in_edge_and_kept_by_extends)
{
	struct crc_profile *p = load("edge", NULL, 0);
	cr_assert_str_eq(p->optimization.wasm_opt, "O3");
	crc_profile_free(p);
	p = load("server", NULL, 0);
	cr_assert_str_eq(p->optimization.wasm_opt, "off", "the default");
	crc_profile_free(p);
	const char *sets[] = {"optimization.wasm_opt=Oz"};
	p = load("edge", sets, 1);
	cr_assert_str_eq(p->optimization.wasm_opt, "Oz");
	cr_assert_str_eq(p->optimization.opt_level, "z", "siblings stay");
	crc_profile_free(p);
	static const char child[] =
		"name: small\ndescription: d\nextends: edge\noptimization:\n  strip: false\n";
	struct crc_error err;
	cr_assert_eq(crc_profile_parse(&p, CRC_SOURCE_DIR, source_gates(), "small", "small.yaml", child,
				       sizeof child - 1, NULL, 0, &err),
		     0, "%s", err.msg);
	cr_assert_str_eq(p->optimization.wasm_opt, "O3", "merged key by key from edge");
	struct crc_json *j = crc_profile_json(p);
	char *text = crc_json_render(j, 0);
	cr_assert_not_null(strstr(text, "\"wasm_opt\":\"O3\""), "%s", text);
	free(text);
	crc_json_free(j);
	crc_profile_free(p);
}

Test(profile, wasm_opt_rejects_other_levels_with_position_and_suggests_the_key)
{
	static const char bad_level[] = "name: p\ndescription: d\ntargets: [wasm32-wasi]\noptimization:\n"
					"  wasm_opt: O5\n";
	static const char misspelt[] = "name: p\ndescription: d\ntargets: [wasm32-wasi]\noptimization:\n"
				       "  wasm_op: O3\n";
	struct crc_profile *p;
	struct crc_error err;
	cr_assert_eq(crc_profile_parse(&p, CRC_SOURCE_DIR, source_gates(), "p", "p.yaml", bad_level,
				       sizeof bad_level - 1, NULL, 0, &err),
		     CRC_EINVALID);
	cr_assert_eq(err.line, 5);
	cr_assert_eq(err.col, 13);
	cr_assert_str_eq(err.msg, "wasm_opt must be one of off, O1, O2, O3, O4, Os, Oz");
	cr_assert_eq(crc_profile_parse(&p, CRC_SOURCE_DIR, source_gates(), "p", "p.yaml", misspelt,
				       sizeof misspelt - 1, NULL, 0, &err),
		     CRC_EINVALID);
	cr_assert_eq(err.line, 5);
	cr_assert_eq(err.col, 3);
	cr_assert_str_eq(err.msg, "unknown key 'wasm_op' in optimization (did you mean 'wasm_opt'?)");
	const char *sets[] = {"optimization.wasm_opt=3"};
	cr_assert_eq(crc_profile_load(&p, CRC_SOURCE_DIR, source_gates(), "edge", sets, 1, &err),
		     CRC_EINVALID);
	cr_assert_str_eq(err.path, "--set optimization.wasm_opt=3");
	cr_assert_str_eq(err.msg, "wasm_opt must be one of off, O1, O2, O3, O4, Os, Oz");
	struct crc_diags *d;
	cr_assert_eq(check_text(&d, bad_level, &err), CRC_EINVALID);
	expect_diag(d, 0, 5, 13, "wasm_opt must be one of off, O1, O2, O3, O4, Os, Oz");
	free(d);
}

/* ---- Pathological sizes: n log n work, bounded by the test harness (.timeout) ----------------------------
 */

/* Writes text to root/rel (whose directories exist). */
static void put(const char *root, const char *rel, const char *text, size_t len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/* Copies CRC_SOURCE_DIR/rel to root/rel. */
static void copy_in(const char *root, const char *rel)
{
	char path[4096], buf[1 << 16];
	snprintf(path, sizeof path, "%s/%s", CRC_SOURCE_DIR, rel);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	put(root, rel, buf, n);
}

/* A project root of its own: the runtime's gates, the x86_64 toolchain file, and profiles/. */
static char *scratch_root(void)
{
	static char root[64];
	char dir[4096];
	snprintf(root, sizeof root, "/tmp/crc-profile-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	const char *const dirs[] = {"runtime", "templates", "templates/toolchains", "profiles"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(dir, sizeof dir, "%s/%s", root, dirs[i]);
		cr_assert_eq(mkdir(dir, 0755), 0, "%s", dir);
	}
	copy_in(root, "runtime/features.yaml");
	copy_in(root, "templates/toolchains/x86_64-linux-gnu.yaml");
	return root;
}

/* Keys of extra.cmake per file of the chain below, as many as the YAML reader's node cap lets one file
 * hold: half shared by every file, half its own. */
#define CHAIN_KEYS 4990

/* A profile named name extending base (none when NULL), whose extra.cmake holds CHAIN_KEYS / 2 keys every
 * file has (C_0000, ...; value name) and as many of its own (<name>_0000, ...). */
static void chain_link(struct crc_buf *b, const char *name, const char *base)
{
	crc_buf_printf(b, "name: %s\ndescription: a link of a long chain\n", name);
	if (base)
		crc_buf_printf(b, "extends: %s\n", base);
	crc_buf_puts(b, "targets: [x86_64-linux-gnu]\nextra:\n  cmake:\n");
	for (int i = 0; i < CHAIN_KEYS / 2; i++)
		crc_buf_printf(b, "    C_%04d: %s\n    %s_%04d: x\n", i, name, name, i);
	cr_assert(!crc_buf_error(b) && b->len <= CRC_YAML_MAX_BYTES);
}

/* The longest extends chain, every file with the largest map: each key used to be looked up in the other
 * map of each merge, and the merged map grows with every link. */
Test(profile, the_longest_chain_of_the_largest_maps_merges_in_n_log_n, .timeout = 10)
{
	char *root = scratch_root(), name[16], base[16], rel[64];
	struct crc_buf b;
	struct crc_profile *p;
	struct crc_error err;
	for (int k = 1; k < CRC_PROFILE_MAX_CHAIN; k++) {
		crc_buf_init(&b);
		snprintf(name, sizeof name, "b%d", k);
		snprintf(base, sizeof base, "b%d", k + 1);
		chain_link(&b, name, k + 1 < CRC_PROFILE_MAX_CHAIN ? base : NULL);
		snprintf(rel, sizeof rel, "profiles/%s.yaml", name);
		put(root, rel, b.data, b.len);
		crc_buf_free(&b);
	}
	crc_buf_init(&b);
	chain_link(&b, "p", "b1");
	cr_assert_eq(crc_profile_parse(&p, root, source_gates(), "p", "p.yaml", b.data, b.len, NULL, 0, &err),
		     0, "%s:%d:%d: %s", err.path, err.line, err.col, err.msg);
	cr_assert_eq(p->nchain, CRC_PROFILE_MAX_CHAIN);
	cr_assert_eq(p->extra.cmake.n, (size_t)(CHAIN_KEYS / 2) * (CRC_PROFILE_MAX_CHAIN + 1));
	/* The chain's root first, each shared key with the last child's value; each file's own keys in
	 * the order of the chain. */
	cr_assert_str_eq(p->extra.cmake.keys[0], "C_0000");
	cr_assert_str_eq(p->extra.cmake.values[0], "p");
	cr_assert_str_eq(p->extra.cmake.keys[1], "b7_0000");
	cr_assert_str_eq(p->extra.cmake.keys[CHAIN_KEYS], "b6_0000");
	cr_assert_str_eq(p->extra.cmake.keys[p->extra.cmake.n - 1], "p_2494");
	crc_profile_free(p);
	crc_buf_free(&b);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	cr_assert_eq(system(cmd), 0);
}

/* The longest list the YAML reader lets a profile hold, with long items that share most of their bytes:
 * each item used to be compared with every earlier one. */
Test(profile, the_longest_list_is_checked_for_repeats_in_n_log_n, .timeout = 10)
{
	struct crc_buf b;
	struct crc_profile *p;
	struct crc_error err;
	char want[256];
	const int n = 9900;
	crc_buf_init(&b);
	crc_buf_puts(&b, "name: p\ndescription: d\ntargets:\n");
	for (int i = 0; i < n - 1; i++)
		crc_buf_printf(&b, "- xxxxxxxxxxxxxxxxxx%04d\n", i);
	size_t before_last = b.len;
	crc_buf_puts(&b, "- xxxxxxxxxxxxxxxxxx9899\n");
	cr_assert(b.len <= CRC_YAML_MAX_BYTES);
	cr_assert_eq(crc_profile_parse(&p, CRC_SOURCE_DIR, source_gates(), "p", "p.yaml", b.data, b.len, NULL,
				       0, &err),
		     CRC_EINVALID);
	cr_assert_str_eq(err.msg, "at most 16 targets");
	b.len = before_last;
	crc_buf_puts(&b, "- xxxxxxxxxxxxxxxxxx0000\n");
	cr_assert_eq(crc_profile_parse(&p, CRC_SOURCE_DIR, source_gates(), "p", "p.yaml", b.data, b.len, NULL,
				       0, &err),
		     CRC_EINVALID);
	snprintf(want, sizeof want, "%d:3: 'xxxxxxxxxxxxxxxxxx0000' is listed twice in targets", n + 3);
	char got[2048];
	snprintf(got, sizeof got, "%d:%d: %s", err.line, err.col, err.msg);
	cr_assert_str_eq(got, want);
	crc_buf_free(&b);
}
