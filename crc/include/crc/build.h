/* Carrying out a plan's builds: for each target, in its own build directory, write the CMake toolchain
 * file, configure, compile and install with the planned commands, optimize the staged program when the
 * plan says so (wasm_opt), then run the two smoke commands through
 * the emulator and check that the program reports what the profile asked for (gates, optimization,
 * profile, target). Targets run in parallel, each step's output goes to the target's log, and a failure
 * stops the other targets. Progress is reported through a callback: the core never prints. */
#ifndef CRC_BUILD_H
#define CRC_BUILD_H

#include "crc/plan.h"

enum crc_build_phase {
	CRC_BUILD_QUEUED,
	CRC_BUILD_CONFIGURE,
	CRC_BUILD_COMPILE,
	CRC_BUILD_INSTALL,
	CRC_BUILD_OPTIMIZE,
	CRC_BUILD_SMOKE,
	CRC_BUILD_DONE,
	CRC_BUILD_FAILED,
};

/* What `noa version --json` and `noa target --json` reported. */
struct crc_build_smoke {
	char noa_version[64], triple[128], profile[128], opt_level[16], lto[16], target_kind[64];
	/* The gates compiled in, as `noa version` lists them. */
	size_t nfeatures;
	char features[16][64];
};

struct crc_build_target {
	enum crc_build_phase phase;
	/* The target's log, relative to the project root (every command's output, in order). */
	char log[1024];
	/* On failure: the step ("configure", "build", "install", "optimize", "smoke"), the command as a shell
	 * line and its exit status, or what the smoke test found wrong. */
	const char *failed_step;
	int failed_status;
	char failed_cmd[4096];
	char failed_why[1024];
	struct crc_build_smoke smoke;
	/* The staged program's size before and after the optimize step (wasm_opt); 0 when it had none. */
	unsigned long long optimize_size_before, optimize_size_after;
	/* Wall-clock seconds the target took. */
	double seconds;
};

struct crc_build_options {
	/* The project root, absolute. */
	const char *root;
	/* How many targets build at once (>= 1). */
	size_t concurrency;
	/* "NAME=value" strings added to every command's environment (NULL-terminated, may be NULL). */
	const char *const *env;
	/* The compiler launcher (e.g. "ccache"), set as CMAKE_C_COMPILER_LAUNCHER in each target's
	 * toolchain.cmake; NULL for none. */
	const char *launcher;
	/* A descriptor the caller owns (its signal self-pipe, say) that stops the build when it becomes
	 * readable: every running step's process group is killed and reaped, and the build returns CRC_EIO
	 * "build cancelled". NULL: none. */
	const int *cancel;
};

#define CRC_BUILD_TICK_MS 100

struct crc_build_events {
	/* Called when target i of the plan enters a phase. */
	void (*phase)(void *ctx, size_t target, enum crc_build_phase phase);
	/* When not NULL: called about every CRC_BUILD_TICK_MS while targets run (live displays redraw). */
	void (*tick)(void *ctx);
	void *ctx;
};

/* Builds every target of plan into out[0..plan->ntargets). Returns 0 when all built and passed their
 * smoke tests; CRC_EBUILD when one failed (out[i] says which and why; err names it); another code when
 * crc itself could not go on (I/O). */
int crc_build_run(struct crc_build_target *out, const struct crc_plan *plan,
		  const struct crc_build_options *o, const struct crc_build_events *ev,
		  struct crc_error *err);

/* "configure", "building", ... for progress lines. */
const char *crc_build_phase_name(enum crc_build_phase phase);

/* The last lines (at most max bytes, whole lines) of the log at path into out. */
int crc_build_log_tail(struct crc_buf *out, const char *path, size_t max, struct crc_error *err);

#endif
