/* Build plans: everything `crc build` would do for a profile, without doing it. For each target: its
 * toolchain, resolved flags, build and staging directories, the CMake toolchain file, the exact
 * configure / build / install commands and the smoke-test commands (through the toolchain's emulator);
 * for the drop: its id, where it would be written, and flags.txt. `crc plan` prints it; the build
 * carries it out. A plan is computed from loaded inputs only: no processes, no writes. */
#ifndef CRC_PLAN_H
#define CRC_PLAN_H

#include "crc/arena.h"
#include "crc/buf.h"
#include "crc/digest.h"
#include "crc/error.h"
#include "crc/flags.h"
#include "crc/profile.h"
#include "crc/toolchain.h"

struct crc_json;

/* One command line: argv, run in the project root. */
struct crc_cmd {
	struct crc_strlist argv;
};

struct crc_plan_target {
	/* Borrowed from the caller's toolchains. */
	const struct crc_toolchain *toolchain;
	/* Flags as flags.txt writes them ($SRC, $BUILD), and the configure definitions with them expanded. */
	struct crc_flags flags;
	/* Relative to the project root: the build directory, the staged install, the program in it. */
	const char *build_dir, *stage_dir, *program;
	/* The CMake toolchain file the build writes into build_dir/toolchain.cmake. */
	const char *toolchain_cmake;
	struct crc_cmd configure, build, install;
	/* The post-link optimizer on the staged program (wasm_opt), writing optimize_out (relative to the
	 * project root, beside the program), which the build renames over the program; empty argv and NULL
	 * when the target has no optimize step. */
	struct crc_cmd optimize;
	const char *optimize_out;
	/* `noa version --json` and `noa target --json` through the emulator. */
	struct crc_cmd smoke_version, smoke_target;
	/* The archive's file name in the drop. */
	const char *archive;
	/* With the lambda gate, for a Linux target: its Lambda package's file name in the drop,
	 * "function-<triple>.zip", holding the installed bin/bootstrap; NULL otherwise. */
	const char *lambda_zip;
};

/* What the plan is for. */
struct crc_plan_options {
	/* The project root as an absolute path (it replaces $SRC and $BUILD in the commands). */
	const char *root;
	/* The storage directory (relative to root unless absolute); NULL: storage/artifacts. */
	const char *storage;
	/* The drop id (validate it first with crc_ids_check_drop_id). */
	const char *drop_id;
	/* Build parallelism for `cmake --build -j` (>= 1). */
	int jobs;
};

struct crc_plan {
	/* Owns every string of the plan. */
	struct crc_arena arena;
	/* Borrowed. */
	const struct crc_profile *profile;
	const char *drop_id, *storage, *drop_dir;
	/* The abstract settings in the design's vocabulary ("-C opt-level=z", ...). */
	struct crc_strlist vocabulary;
	size_t ntargets;
	struct crc_plan_target targets[CRC_PROFILE_MAX_TARGETS];
	/* flags.txt, for every target of the profile (not only the planned ones), so that partial drops of
	 * one drop id carry the same file. */
	char *flags_txt;
};

/* Plans the build of profile p for the targets toolchains[0..n) (each toolchains[i] is the toolchain
 * of a target of p; all of p's targets, in order, are in all_toolchains for flags.txt), with the
 * runtime's gates. *out is owned by the caller (crc_plan_free). */
int crc_plan_make(struct crc_plan **out, const struct crc_profile *p,
		  const struct crc_toolchain *const *all_toolchains, const char *const *triples,
		  size_t ntriples, const struct crc_gates *gates, const struct crc_plan_options *o,
		  struct crc_error *err);

void crc_plan_free(struct crc_plan *plan);

/* The plan as JSON (schema crc.plan/v1, docs/cli.md), owned by the caller; NULL when out of memory. */
struct crc_json *crc_plan_json(const struct crc_plan *plan);

/* Appends c as one POSIX shell line to out: each argument as it is, or single-quoted when it holds anything
 * but [A-Za-z0-9_-+=.,/:@%], so that a shell reads it back unchanged (for plans, logs and messages). */
void crc_cmd_line(struct crc_buf *out, const struct crc_cmd *c);

/* Changes the -j of every target's build command (>= 1). */
int crc_plan_set_jobs(struct crc_plan *plan, int jobs, struct crc_error *err);

/* Changes the plan's drop id (validated), and with it the drop directory and the archive names. */
int crc_plan_set_drop_id(struct crc_plan *plan, const char *id, struct crc_error *err);

/* The SHA-256 (hex) of everything the drop depends on, for the default drop id: crc's version, the
 * source tree hash, the resolved profile, flags.txt, each planned target's compiler version line
 * (versions[i] for plan->targets[i]) and the caller's other inputs, one line each in extra (e.g.
 * "lambda-template <sha256>" for a drop with Lambda packages; may be NULL). */
int crc_plan_inputs_hash(char hex[CRC_SHA256_HEX], const struct crc_plan *plan, const char *crc_version,
			 const char *tree_sha256, const char *const *versions,
			 const struct crc_strlist *extra, struct crc_error *err);

#endif
