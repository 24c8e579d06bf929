/* What crc plan and crc build share: their options (--profile, --target, --set, --drop-id, -j), and
 * loading everything a plan needs (profile, toolchains with their tools on PATH, gates, source identity,
 * compiler versions, the default drop id), with the errors reported once, here. */
#ifndef CRC_CLI_PLANNING_H
#define CRC_CLI_PLANNING_H

#include <limits.h>

#include "cli.h"
#include "crc/assemble.h"
#include "crc/plan.h"
#include "crc/source.h"

/* The option ids both commands use; each command's own start at PLANNING_OPT_END. */
enum {
	PLANNING_PROFILE = 1,
	PLANNING_TARGET,
	PLANNING_SET,
	PLANNING_DROP_ID,
	PLANNING_JOBS,
	PLANNING_OPT_END
};

/* The shared rows of the option tables (without the terminator). */
#define PLANNING_OPTS                                                                          \
	{PLANNING_PROFILE, 0, "profile", "NAME", "the profile (required)"},                    \
		{PLANNING_TARGET, 't', "target", "TRIPLE",                                     \
		 "only this target (repeatable; default: all of the profile's)"},              \
		{PLANNING_SET, 0, "set", "KEY.PATH=VALUE",                                     \
		 "override a profile value (YAML syntax; repeatable)"},                        \
		{PLANNING_DROP_ID, 0, "drop-id", "ID",                                         \
		 "the drop id (default: <date>-<commit>-<inputs hash>)"},                      \
	{                                                                                      \
		PLANNING_JOBS, 'j', "jobs", "N", "parallel jobs (default: the number of CPUs)" \
	}

struct planning_args {
	const char *name, *drop_id;
	const char *sets[CRC_PROFILE_MAX_SETS], *triples[CRC_PROFILE_MAX_TARGETS];
	size_t nsets, ntriples;
	int jobs;
};

struct planning {
	char root[PATH_MAX];
	struct crc_profile *profile;
	struct crc_toolchain *toolchains[CRC_PROFILE_MAX_TARGETS];
	struct crc_arena arena;
	struct crc_gates *gates;
	struct crc_plan *plan;
	/* Filled when asked for (crc build) or for the default drop id. */
	int have_inputs;
	struct crc_source source;
	/* SOURCE_DATE_EPOCH, else the commit's time, else 0. */
	long long epoch;
	/* The compiler --version line of each planned target, in plan order. */
	char versions[CRC_PROFILE_MAX_TARGETS][256];
	/* The hash of the inputs (crc_plan_inputs_hash). */
	char inputs_sha256[CRC_SHA256_HEX];
	/* The compiler launcher builds use ("ccache"), or NULL: the profile's compiler_cache resolved
	 * against PATH. It changes no output, so it is not part of the plan or the inputs. */
	const char *launcher;
	/* When a planned target has a Lambda package: templates/lambda/template.yaml.in (its text is one of
	 * the inputs hashed) and its path for messages; empty otherwise. */
	struct crc_buf lambda_template;
	const char *lambda_template_path;
	/* When a planned target has an OCI image: templates/docker/Dockerfile.in (hashed like the Lambda
	 * template) and its path; empty otherwise. */
	struct crc_buf docker_template;
	const char *docker_template_path;
	/* What a build's drop is assembled from (planning_assemble_inputs), pointing into the above. */
	struct crc_assemble_inputs assemble;
	const char *version_of[CRC_PROFILE_MAX_TARGETS];
	struct crc_drop_template lambda, docker;
};

/* Handles one of the shared options; returns 0, or an exit code for a usage error. */
int planning_option(struct cli *cli, struct planning_args *a, int id, const char *arg);

/* Loads and plans. build_jobs: the -j of each cmake --build (0: from a->jobs). with_inputs: also read
 * the source identity and compiler versions. Returns CLI_EXIT_OK or the exit code of an error it has
 * reported. */
int planning_load(struct cli *cli, struct planning *pl, const struct planning_args *a, int build_jobs,
		  int with_inputs);

/* What the drop of pl's plan is assembled from (crc/assemble.h): the plan and what planning read
 * (borrowed from pl). */
const struct crc_assemble_inputs *planning_assemble_inputs(struct planning *pl);

void planning_free(struct planning *pl);

#endif
