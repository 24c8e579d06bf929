/* The policy: defaults, --set validation and its messages, and the YAML reader on in-memory documents and
 * on the crafted files in tests/policies (each error with its FILE:LINE:COLUMN). Builds without libyaml
 * (wasm32) check that every file is refused with the "needs libyaml" message instead. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_check.h"
#include "noa/error.h"
#include "noa/json.h"
#include "noa/policy.h"
#include "noa/sysroot.h"

Test(policy, defaults)
{
	struct noa_policy p;
	noa_policy_defaults(&p);
	cr_assert_eq(p.prefer_gpu, 1);
	cr_assert_float_eq(p.min_gpu_memory_gb, 8.0, 1e-12);
	cr_assert_eq(p.prefer_lightweight_python_on_low_memory, 1);
	cr_assert_float_eq(p.lightweight_memory_threshold_gb, 6.0, 1e-12);
	cr_assert_eq(p.allow_accelerator_experiments, 1);
}

Test(policy, key_types)
{
	cr_assert_str_eq(noa_policy_key_type("prefer_gpu"), "boolean");
	cr_assert_str_eq(noa_policy_key_type("min_gpu_memory_gb"), "number");
	cr_assert_null(noa_policy_key_type("prefer_cpu"));
	cr_assert_null(noa_policy_key_type(NULL));
}

Test(policy, set_accepts_valid_values)
{
	struct noa_policy p;
	struct noa_policy_error err;
	noa_policy_defaults(&p);
	cr_assert_eq(noa_policy_set_arg(&p, "prefer_gpu=false", &err), 0);
	cr_assert_eq(noa_policy_set_arg(&p, "min_gpu_memory_gb=12.5", &err), 0);
	cr_assert_eq(noa_policy_set_arg(&p, "lightweight_memory_threshold_gb=65536", &err), 0);
	cr_assert_eq(noa_policy_set_arg(&p, "allow_accelerator_experiments=false", &err), 0);
	cr_assert_eq(p.prefer_gpu, 0);
	cr_assert_float_eq(p.min_gpu_memory_gb, 12.5, 1e-12);
	cr_assert_float_eq(p.lightweight_memory_threshold_gb, 65536.0, 1e-12);
	cr_assert_eq(p.allow_accelerator_experiments, 0);
}

/* Applies arg to a default policy; checks the code and that the message is exactly want. */
static void set_fails(const char *arg, int code, const char *want)
{
	struct noa_policy p;
	struct noa_policy_error err;
	noa_policy_defaults(&p);
	cr_assert_eq(noa_policy_set_arg(&p, arg, &err), code, "%s", arg);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(err.line, 0);
}

Test(policy, set_rejects_unknown_key)
{
	set_fails("prefer_cpu=true", NOA_ENOTFOUND,
		  "--set 'prefer_cpu=true': unknown key 'prefer_cpu' (known keys: prefer_gpu, "
		  "min_gpu_memory_gb, "
		  "prefer_lightweight_python_on_low_memory, lightweight_memory_threshold_gb, "
		  "allow_accelerator_experiments)");
}

Test(policy, set_rejects_yes_and_other_booleans)
{
	set_fails("prefer_gpu=yes", NOA_EINVALID,
		  "--set 'prefer_gpu=yes': 'prefer_gpu' must be true or false, not 'yes'");
	set_fails("prefer_gpu=True", NOA_EINVALID,
		  "--set 'prefer_gpu=True': 'prefer_gpu' must be true or false, not 'True'");
	set_fails("prefer_gpu=", NOA_EINVALID,
		  "--set 'prefer_gpu=': 'prefer_gpu' must be true or false, not ''");
}

Test(policy, set_rejects_malformed_numbers)
{
	static const char *const bad[] = {"-1",  "+1",  "1e3",  ".5", "5.", "8GiB",
					  "nan", "inf", "0x10", "",   " 8", "1.2.3"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char arg[64], want[256];
		snprintf(arg, sizeof arg, "min_gpu_memory_gb=%s", bad[i]);
		snprintf(want, sizeof want,
			 "--set '%s': 'min_gpu_memory_gb' must be a number of GiB (like 8 or 6.5), not '%s'",
			 arg, bad[i]);
		set_fails(arg, NOA_EINVALID, want);
	}
}

Test(policy, set_rejects_out_of_range_numbers)
{
	set_fails("min_gpu_memory_gb=0", NOA_EINVALID,
		  "--set 'min_gpu_memory_gb=0': 'min_gpu_memory_gb' must be more than 0 and at most 65536 "
		  "GiB, not 0");
	set_fails("lightweight_memory_threshold_gb=65536.5", NOA_EINVALID,
		  "--set 'lightweight_memory_threshold_gb=65536.5': 'lightweight_memory_threshold_gb' must "
		  "be more "
		  "than 0 and at most 65536 GiB, not 65536.5");
	set_fails("min_gpu_memory_gb=99999999999999999999999999999", NOA_EINVALID,
		  "--set 'min_gpu_memory_gb=99999999999999999999999999999': 'min_gpu_memory_gb' must be more "
		  "than 0 "
		  "and at most 65536 GiB, not 99999999999999999999999999999");
}

Test(policy, set_rejects_missing_equals)
{
	set_fails("prefer_gpu", NOA_EINVALID, "--set 'prefer_gpu': expected KEY=VALUE with a policy key");
	set_fails("=true", NOA_EINVALID, "--set '=true': expected KEY=VALUE with a policy key");
}

Test(policy, json_lists_every_key)
{
	struct noa_policy p;
	struct noa_json j;
	char *text;
	size_t len;
	noa_policy_defaults(&p);
	noa_json_init(&j, 0);
	noa_policy_json(&j, &p);
	cr_assert_eq(noa_json_finish(&j, &text, &len), 0);
	cr_assert(json_check(text, len));
	cr_assert_str_eq(text,
			 "{\"prefer_gpu\":true,\"min_gpu_memory_gb\":8.0,"
			 "\"prefer_lightweight_python_on_low_memory\":true,"
			 "\"lightweight_memory_threshold_gb\":6.0,\"allow_accelerator_experiments\":true}");
	free(text);
}

/* Parses text (named "p.yaml") into a default policy. */
static int parse(struct noa_policy *p, const char *text, struct noa_policy_error *err)
{
	noa_policy_defaults(p);
	return noa_policy_parse(p, "p.yaml", text, strlen(text), err);
}

/* Checks that text fails with message want (or, without libyaml, with the libyaml message). */
static void parse_fails(const char *text, const char *want)
{
	struct noa_policy p;
	struct noa_policy_error err;
	cr_assert_eq(parse(&p, text, &err), NOA_EINVALID, "%s", text);
	if (!noa_policy_files_supported())
		want = "p.yaml: policy files need libyaml, which this build lacks; use --set";
	cr_assert_str_eq(err.msg, want);
}

Test(policy, parse_without_libyaml_says_so)
{
	struct noa_policy p;
	struct noa_policy_error err;
	if (noa_policy_files_supported())
		return;
	cr_assert_eq(parse(&p, "prefer_gpu: true\n", &err), NOA_EINVALID);
	cr_assert_str_eq(err.msg, "p.yaml: policy files need libyaml, which this build lacks; use --set");
}

Test(policy, parse_reads_a_mapping)
{
	struct noa_policy p;
	struct noa_policy_error err;
	if (!noa_policy_files_supported())
		return;
	cr_assert_eq(parse(&p, "prefer_gpu: false\nmin_gpu_memory_gb: 4.5 # comment\n", &err), 0, "%s",
		     err.msg);
	cr_assert_eq(p.prefer_gpu, 0);
	cr_assert_float_eq(p.min_gpu_memory_gb, 4.5, 1e-12);
	cr_assert_eq(p.allow_accelerator_experiments, 1);
}

Test(policy, empty_documents_mean_defaults)
{
	static const char *const empty[] = {"", "# nothing\n", "---\n", "---\n...\n", "~\n", "null\n"};
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		struct noa_policy p;
		struct noa_policy_error err;
		if (!noa_policy_files_supported())
			return;
		cr_assert_eq(parse(&p, empty[i], &err), 0, "'%s': %s", empty[i], err.msg);
		cr_assert_eq(p.prefer_gpu, 1);
		cr_assert_float_eq(p.min_gpu_memory_gb, 8.0, 1e-12);
	}
}

Test(policy, parse_errors_name_line_and_column)
{
	parse_fails("prefer_gpu: true\nprefer_cpu: true\n",
		    "p.yaml:2:1: unknown key 'prefer_cpu' (known keys: prefer_gpu, min_gpu_memory_gb, "
		    "prefer_lightweight_python_on_low_memory, lightweight_memory_threshold_gb, "
		    "allow_accelerator_experiments)");
	parse_fails("prefer_gpu: 'true'\n",
		    "p.yaml:1:13: 'prefer_gpu' must be a boolean, not a quoted string");
	parse_fails("min_gpu_memory_gb: [8]\n",
		    "p.yaml:1:20: 'min_gpu_memory_gb' must be a number, not a sequence");
	parse_fails("min_gpu_memory_gb: {a: 1}\n",
		    "p.yaml:1:20: 'min_gpu_memory_gb' must be a number, not a mapping");
	parse_fails("prefer_gpu: on\n", "p.yaml:1:13: 'prefer_gpu' must be true or false, not 'on'");
	parse_fails("min_gpu_memory_gb: -2\n",
		    "p.yaml:1:20: 'min_gpu_memory_gb' must be a number of GiB (like 8 or 6.5), not '-2'");
	parse_fails("  prefer_gpu: true\n  prefer_gpu: true\n", "p.yaml:2:3: duplicate key 'prefer_gpu'");
	parse_fails("[1, 2]\n", "p.yaml:1:1: a policy must be a mapping of keys to values");
	parse_fails("just a string\n", "p.yaml:1:1: a policy must be a mapping of keys to values");
	parse_fails("? [a]\n: 1\n", "p.yaml:1:3: policy keys must be plain names, not a sequence");
	parse_fails("min_gpu_memory_gb: &x 1\n", "p.yaml:1:20: anchors (&x) are not allowed in a policy");
	parse_fails("prefer_gpu: !!bool true\n",
		    "p.yaml:1:13: tags (tag:yaml.org,2002:bool) are not allowed in a policy");
	parse_fails("prefer_gpu: true\n---\nprefer_gpu: true\n",
		    "p.yaml:2:1: a policy file holds one YAML document, not several");
}

Test(policy, parse_rejects_aliases)
{
	parse_fails("min_gpu_memory_gb: 8\nlightweight_memory_threshold_gb: *size\n",
		    "p.yaml:2:34: aliases (*size) are not allowed in a policy");
}

Test(policy, parse_reports_syntax_errors_at_the_problem_mark)
{
	struct noa_policy p;
	struct noa_policy_error err;
	if (!noa_policy_files_supported())
		return;
	cr_assert_eq(parse(&p, "min_gpu_memory_gb: 8\nprefer_gpu: \"true\n", &err), NOA_EINVALID);
	cr_assert_str_eq(err.msg, "p.yaml:3:1: found unexpected end of stream (while scanning a quoted "
				  "scalar started at 2:13)");
	cr_assert_gt(err.line, 0);
	cr_assert_gt(err.col, 0);
}

Test(policy, parse_rejects_nul_bytes_and_oversized_input)
{
	struct noa_policy p;
	struct noa_policy_error err;
	static const char nul[] = "prefer_gpu: tr\0ue\n";
	char *big;
	noa_policy_defaults(&p);
	cr_assert_eq(noa_policy_parse(&p, "p.yaml", nul, sizeof nul - 1, &err), NOA_EINVALID);
	big = malloc(NOA_POLICY_MAX_BYTES + 2);
	cr_assert_not_null(big);
	memset(big, '#', NOA_POLICY_MAX_BYTES + 1);
	big[NOA_POLICY_MAX_BYTES + 1] = '\0';
	cr_assert_eq(noa_policy_parse(&p, "p.yaml", big, NOA_POLICY_MAX_BYTES + 1, &err), NOA_EINVALID);
	if (noa_policy_files_supported())
		cr_assert_str_eq(err.msg, "p.yaml: policy file is larger than 65536 bytes");
	free(big);
}

/* A crafted policy file and the message it must give ("" for a good one). */
struct policy_case {
	const char *file;
	const char *want;
};

static const struct policy_case cases[] = {
	{"good-full.yaml", ""},
	{"good-partial.yaml", ""},
	{"good-empty.yaml", ""},
	{"bad-unknown-key.yaml", ":3:1: unknown key 'min_gpu_memory_gib'"},
	{"bad-type.yaml", ":2:13: 'prefer_gpu' must be a boolean, not a quoted string"},
	{"bad-bool-yes.yaml", ":2:32: 'allow_accelerator_experiments' must be true or false, not 'yes'"},
	{"bad-range.yaml",
	 ":2:34: 'lightweight_memory_threshold_gb' must be more than 0 and at most 65536 GiB, not 70000"},
	{"bad-zero.yaml", ":2:20: 'min_gpu_memory_gb' must be more than 0 and at most 65536 GiB, not 0"},
	{"bad-duplicate.yaml", ":3:1: duplicate key 'prefer_gpu'"},
	{"bad-toplevel.yaml", ":2:1: a policy must be a mapping of keys to values"},
	{"bad-syntax.yaml",
	 ":4:1: found unexpected end of stream (while scanning a quoted scalar started at 3:13)"},
	{"bad-alias.yaml", ":2:20: anchors (&size) are not allowed in a policy"},
	{"bad-nested.yaml", ":3:3: 'min_gpu_memory_gb' must be a number, not a mapping"},
	{"bad-two-documents.yaml", ":3:1: a policy file holds one YAML document, not several"},
};

/* Reads tests/policies/<name> into a new buffer. */
static char *read_policy(const char *name, char *path, size_t pathsize, size_t *len)
{
	int n = snprintf(path, pathsize, "%s/policies/%s", NOA_TEST_DIR, name);
	FILE *f;
	char *buf = malloc(NOA_POLICY_MAX_BYTES + 1);
	cr_assert(n > 0 && (size_t)n < pathsize);
	cr_assert_not_null(buf);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	*len = fread(buf, 1, NOA_POLICY_MAX_BYTES, f);
	fclose(f);
	return buf;
}

Test(policy, crafted_files)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct noa_policy p;
		struct noa_policy_error err;
		char path[NOA_PATH_MAX], want[NOA_PATH_MAX + 256];
		size_t len;
		char *text = read_policy(cases[i].file, path, sizeof path, &len);
		int rc;
		noa_policy_defaults(&p);
		rc = noa_policy_parse(&p, path, text, len, &err);
		free(text);
		if (!noa_policy_files_supported()) {
			cr_expect_eq(rc, NOA_EINVALID, "%s", cases[i].file);
			continue;
		}
		if (cases[i].want[0] == '\0') {
			cr_expect_eq(rc, 0, "%s: %s", cases[i].file, err.msg);
			continue;
		}
		cr_expect_eq(rc, NOA_EINVALID, "%s", cases[i].file);
		snprintf(want, sizeof want, "%s%s", path, cases[i].want);
		cr_expect_eq(strncmp(err.msg, want, strlen(want)), 0, "%s: got '%s', want '%s'",
			     cases[i].file, err.msg, want);
	}
}

Test(policy, crafted_full_file_sets_every_key)
{
	struct noa_policy p;
	struct noa_policy_error err;
	char path[NOA_PATH_MAX];
	size_t len;
	char *text;
	if (!noa_policy_files_supported())
		return;
	text = read_policy("good-full.yaml", path, sizeof path, &len);
	noa_policy_defaults(&p);
	cr_assert_eq(noa_policy_parse(&p, path, text, len, &err), 0);
	free(text);
	cr_assert_eq(p.prefer_gpu, 0);
	cr_assert_float_eq(p.min_gpu_memory_gb, 16.0, 1e-12);
	cr_assert_eq(p.prefer_lightweight_python_on_low_memory, 0);
	cr_assert_float_eq(p.lightweight_memory_threshold_gb, 2.5, 1e-12);
	cr_assert_eq(p.allow_accelerator_experiments, 0);
}
