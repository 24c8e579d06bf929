/* The profile loader on the shipped files: resolved values, defaults, --set overrides and their errors,
 * and the listing. The crafted bad profiles are covered end to end by the golden cases
 * (tests/cli/cases/profile-*). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crc/json.h"
#include "crc/profile.h"

static struct crc_profile *load(const char *name, const char *const *sets, size_t nsets)
{
	struct crc_profile *p;
	struct crc_error err;
	int rc = crc_profile_load(&p, CRC_SOURCE_DIR, name, sets, nsets, &err);
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
	cr_assert_eq(crc_profile_load(&p, CRC_SOURCE_DIR, "server", bad, 1, &err), CRC_EINVALID);
	cr_assert_null(p);
	cr_assert_str_eq(err.path, "--set policy.prefer_gpu=yes");
	cr_assert_str_eq(err.msg, "prefer_gpu must be true or false");
	const char *into_scalar[] = {"archive.x=1"};
	cr_assert_eq(crc_profile_load(&p, CRC_SOURCE_DIR, "server", into_scalar, 1, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "'x' is inside a scalar, not a mapping");
	cr_assert_eq(crc_profile_load(&p, CRC_SOURCE_DIR, "../profiles/edge", NULL, 0, &err), CRC_EINVALID);
	cr_assert_eq(crc_profile_load(&p, CRC_SOURCE_DIR, "nope", NULL, 0, &err), CRC_ENOTFOUND);
}

Test(profile, list_and_json)
{
	char **names;
	size_t n;
	struct crc_error err;
	cr_assert_eq(crc_profile_list(&names, &n, CRC_SOURCE_DIR, &err), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(names[0], "edge");
	cr_assert_str_eq(names[1], "server");
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
