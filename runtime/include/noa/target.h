/* The deploy target the runtime is running on (native, Lambda, Docker, other container, WASM) and its
 * capabilities: the design's matrix, and the effective values once what was detected and compiled in is
 * taken into account. */
#ifndef NOA_TARGET_H
#define NOA_TARGET_H

#include "noa/hardware.h"

enum noa_target_kind {
	NOA_TARGET_NATIVE,
	NOA_TARGET_LAMBDA,
	NOA_TARGET_DOCKER,
	NOA_TARGET_CONTAINER,
	NOA_TARGET_WASM,
};

struct noa_capabilities {
	int supports_simd, supports_gpu, supports_threads, supports_filesystem, supports_async_io;
	/* 0 means unlimited. */
	int max_memory_mb;
};

struct noa_target {
	enum noa_target_kind kind;
	/* What detected it: "compile-time", "AWS_LAMBDA_FUNCTION_NAME", "/.dockerenv", ... or "default". */
	const char *source;
	/* The design's matrix for kind. */
	struct noa_capabilities capabilities;
	/* The matrix AND what was detected and compiled in. */
	struct noa_capabilities effective;
	/* "full", "tmp" or "none". */
	const char *filesystem_scope;
};

/* Detects the target from src (environment and marker files) and fills capabilities and effective using
 * hw (GPUs, SIMD features, cgroup memory limit). */
void noa_target_detect(struct noa_target *t, const struct noa_probe_source *src,
		       const struct noa_hardware *hw);

/* Writes the target as the JSON object `noa target --json` prints and `noa probe --json` embeds under
 * "target": {"kind", "source", "capabilities", "effective", "filesystem_scope"}. */
struct noa_json;
void noa_target_json(struct noa_json *j, const struct noa_target *t);

/* Writes the document `noa target --json` prints: {"schema": "noa.target/v1"} followed by the members
 * noa_target_json writes, in one object. */
void noa_target_json_document(struct noa_json *j, const struct noa_target *t);

/* "native", "lambda", "docker", "container", "wasm". */
const char *noa_target_kind_name(enum noa_target_kind kind);

#endif
