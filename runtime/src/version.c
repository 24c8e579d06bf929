/* The build information compiled into libnoa. NOA_VERSION_STRING, NOA_TARGET_TRIPLE and NOA_COMPILER come
 * from CMake; NOA_SOURCE_REVISION from the generated revision header. */
#include "noa/version.h"

#include "noa/json.h"
#include "noa_revision.h"

static const struct noa_build_info info = {
	.version = NOA_VERSION_STRING,
	.target = NOA_TARGET_TRIPLE,
	.revision = NOA_SOURCE_REVISION,
	.compiler = NOA_COMPILER,
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
	noa_json_end_object(j);
}
