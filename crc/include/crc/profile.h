/* Target profiles (profiles/<name>.yaml; schema in docs/profiles.md): read through the YAML reader,
 * `extends` chains resolved and merged (maps key by key, lists and scalars replaced), --set overrides
 * applied, then validated into a resolved profile. Gate names come from the caller (crc/gates.h: the
 * runtime's features.yaml, read once) and target triples from templates/toolchains/<triple>.yaml under
 * the project root. Loading stops at the first
 * problem; check mode (crc_profile_check) goes on and records every problem in a struct crc_diags. Each
 * file is capped by the YAML reader (crc/yaml.h), the chain and --set below; matching across a list or
 * map (an item listed twice, the keys two maps merge on) sorts: n log n. */
#ifndef CRC_PROFILE_H
#define CRC_PROFILE_H

#include <stddef.h>

#include "crc/arena.h"
#include "crc/error.h"
#include "crc/strlist.h"

/* An `extends` chain is at most this long; profiles list at most this many targets. */
#define CRC_PROFILE_MAX_CHAIN 8
#define CRC_PROFILE_MAX_TARGETS 16
/* At most this many --set overrides. */
#define CRC_PROFILE_MAX_SETS 32

struct crc_diags;
struct crc_gates;
struct crc_json;
struct crc_yaml_doc;

/* Extra flags and CMake definitions, for all targets or for one. */
struct crc_profile_extra {
	struct crc_strlist cflags, ldflags;
	struct crc_kvlist cmake;
};

struct crc_profile_target {
	const char *triple;
	/* What per_target adds for this triple (empty lists when nothing). */
	struct crc_profile_extra extra;
};

/* The runtime policy the drop ships (runtime/README.md, noa plan), with the runtime's defaults. */
struct crc_profile_policy {
	int prefer_gpu;
	double min_gpu_memory_gb;
	int prefer_lightweight_python_on_low_memory;
	double lightweight_memory_threshold_gb;
	int allow_accelerator_experiments;
};

struct crc_profile {
	/* Owns the documents, the merged tree and every string below. */
	struct crc_arena arena;
	const char *name, *description;
	/* The profiles read, this one first, then what it extends, transitively. */
	size_t nchain;
	const char *chain[CRC_PROFILE_MAX_CHAIN];
	size_t ntargets;
	struct crc_profile_target targets[CRC_PROFILE_MAX_TARGETS];
	struct {
		/* "0", "1", "2", "3", "s" or "z". */
		const char *opt_level;
		/* "off", "thin" or "fat". */
		const char *lto;
		int codegen_units;
		int strip;
		int debug_info;
		/* binaryen's wasm-opt level for targets whose toolchain names an optimizer: "off",
		 * "O1".."O4", "Os" or "Oz". */
		const char *wasm_opt;
	} optimization;
	/* Feature gates, as runtime/features.yaml names them. */
	struct crc_strlist features;
	struct crc_profile_policy policy;
	/* "tar.zst" or "tar.gz". */
	const char *archive;
	/* "auto" (ccache when it is on PATH), "ccache" (required) or "off": the compiler launcher of builds.
	 */
	const char *compiler_cache;
	struct crc_profile_extra extra;
	/* The documents the strings above point into (profiles, --set values). */
	size_t ndocs;
	struct crc_yaml_doc *docs[CRC_PROFILE_MAX_CHAIN + 1 + CRC_PROFILE_MAX_SETS];
};

/* Loads profile `name` from <root>/profiles/, resolving extends and applying the nsets overrides
 * "key.path=value" (value in YAML syntax) in order; its features are checked against gates (the runtime's,
 * crc_gates_load; borrowed). On success *out is owned by the caller (crc_profile_free). Errors name
 * file:line:column, or the --set argument. */
int crc_profile_load(struct crc_profile **out, const char *root, const struct crc_gates *gates,
		     const char *name, const char *const *sets, size_t nsets, struct crc_error *err);

/* Like crc_profile_load, but the profile's own document is the len bytes at text (path names it in
 * messages) instead of <root>/profiles/<name>.yaml; what it extends and the toolchain files are still read
 * under root. */
int crc_profile_parse(struct crc_profile **out, const char *root, const struct crc_gates *gates,
		      const char *name, const char *path, const char *text, size_t len,
		      const char *const *sets, size_t nsets, struct crc_error *err);

/* Checks profile `name` under root, recording every problem in diags (not NULL) instead of stopping at the
 * first: each unknown key, wrong type and bad value of every section, with file:line:column (a bad value is
 * reported and validation goes on past it). A YAML syntax error, a missing file or a broken extends
 * chain stops the check of that profile, so it is one problem per file. The problems are appended to
 * diags sorted by file and position, with the same messages crc_profile_load gives. Returns 0 when the
 * profile is valid (nothing appended); CRC_EINVALID when problems were recorded; or the code of the
 * failure that stopped the check (CRC_ENOTFOUND for a missing profile, CRC_EIO,
 * CRC_ENOMEM), which is also appended to diags. err (may be NULL) then holds the first problem listed,
 * or the failure that stopped the check. */
int crc_profile_check(const char *root, const struct crc_gates *gates, const char *name,
		      struct crc_diags *diags, struct crc_error *err);

/* crc_profile_check on a document in memory, as crc_profile_parse reads it. */
int crc_profile_check_text(const char *root, const struct crc_gates *gates, const char *name,
			   const char *path, const char *text, size_t len, struct crc_diags *diags,
			   struct crc_error *err);

/* Frees a profile. Accepts NULL. */
void crc_profile_free(struct crc_profile *p);

/* The profile names under <root>/profiles (files <name>.yaml), sorted; *names is one malloc'd block
 * (free() it). Returns 0, or CRC_ENOTFOUND / CRC_EIO with err set. */
int crc_profile_list(char ***names, size_t *n, const char *root, struct crc_error *err);

/* The resolved profile as a JSON object (schema crc.profile/v1), owned by the caller. NULL when out of
 * memory. */
struct crc_json *crc_profile_json(const struct crc_profile *p);

#endif
