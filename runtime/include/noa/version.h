/* What this copy of the runtime is: version, target triple, source revision, compiler, feature gates and
 * the optimization settings crc passed in, fixed at build time so that a drop's smoke test can read back
 * what crc built. */
#ifndef NOA_VERSION_H
#define NOA_VERSION_H

struct noa_json;

struct noa_build_info {
	/* The runtime's release version, e.g. "0.1.0". */
	const char *version;
	/* The target triple it was compiled for, e.g. "aarch64-linux-gnu". */
	const char *target;
	/* The source revision (git commit, or what the builder passed in), "unknown" when neither. */
	const char *revision;
	/* Compiler identification and version, e.g. "GNU 12.2.0". */
	const char *compiler;
	/* The feature gates compiled in (noa/features.h), NULL-terminated, and their number. */
	const char *const *features;
	int nfeatures;
	/* Optimization level and LTO mode crc built with (NOA_BUILD_OPT_LEVEL, NOA_BUILD_LTO); NULL when not
	 * given. */
	const char *opt_level;
	const char *lto;
	/* The crc profile this runtime was built for (NOA_BUILD_PROFILE); NULL when not given. */
	const char *profile;
};

/* Returns the build's information; borrowed, valid for the life of the program. */
const struct noa_build_info *noa_build_info(void);

/* Writes the build information as one JSON object (schema "noa.version/v1"): schema, version, target,
 * revision, compiler, features (array), optimization {opt_level, lto} and profile; unset settings are
 * null. */
void noa_build_info_json(struct noa_json *j, const struct noa_build_info *bi);

#endif
