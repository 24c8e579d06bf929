/* The build information compiled into libnoa. NOA_VERSION_STRING, NOA_TARGET_TRIPLE and NOA_COMPILER come
 * from CMake; NOA_SOURCE_REVISION from the generated revision header; the optimization settings from the
 * generated features header (cmake/Features.cmake); the gates compiled in. */
#include "noa/version.h"

#include <stddef.h>

#include "noa/json.h"
#include "noa_features.h"
#include "noa_revision.h"

/* The gates compiled in, the same list noa_features_compiled() returns. */
static const char *const features[] = {NOA_FEATURES_COMPILED NULL};

static const struct noa_build_info info = {
	.version = NOA_VERSION_STRING,
	.target = NOA_TARGET_TRIPLE,
	.revision = NOA_SOURCE_REVISION,
	.compiler = NOA_COMPILER,
	.features = features,
	.nfeatures = (int)(sizeof features / sizeof features[0]) - 1,
	.opt_level = NOA_BUILD_OPT_LEVEL_STR,
	.lto = NOA_BUILD_LTO_STR,
	.profile = NOA_BUILD_PROFILE_STR,
};

const struct noa_build_info *noa_build_info(void)
{
	return &info;
}

void noa_build_info_json(struct noa_json *j, const struct noa_build_info *bi)
{
	noa_json_begin_object(j);
	noa_json_key(j, "schema");
	noa_json_str(j, "noa.version/v1");
	noa_json_key(j, "version");
	noa_json_str(j, bi->version);
	noa_json_key(j, "target");
	noa_json_str(j, bi->target);
	noa_json_key(j, "revision");
	noa_json_str(j, bi->revision);
	noa_json_key(j, "compiler");
	noa_json_str(j, bi->compiler);
	noa_json_key(j, "features");
	noa_json_begin_array(j);
	for (int i = 0; bi->features && i < bi->nfeatures && bi->features[i]; i++)
		noa_json_str(j, bi->features[i]);
	noa_json_end_array(j);
	noa_json_key(j, "optimization");
	noa_json_begin_object(j);
	noa_json_key(j, "opt_level");
	noa_json_str(j, bi->opt_level);
	noa_json_key(j, "lto");
	noa_json_str(j, bi->lto);
	noa_json_end_object(j);
	noa_json_key(j, "profile");
	noa_json_str(j, bi->profile);
	noa_json_end_object(j);
}
