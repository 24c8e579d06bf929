/* Flag resolution: a resolved profile's abstract settings (opt_level, lto, codegen_units, strip,
 * debug_info, feature gates, extra flags) become the exact CFLAGS, LDFLAGS and CMake definitions of one
 * target's build, in its toolchain's dialect; and flags.txt, which writes them all down. Pure functions:
 * no files, no processes. Paths of the build machine appear only as the placeholders $SRC (the runtime
 * source directory) and $BUILD (the target's build directory), which the build substitutes. */
#ifndef CRC_FLAGS_H
#define CRC_FLAGS_H

#include "crc/arena.h"
#include "crc/buf.h"
#include "crc/error.h"
#include "crc/gates.h"
#include "crc/strlist.h"
#include "crc/toolchain.h"

struct crc_profile;
struct crc_profile_target;

/* The placeholders in resolved flags. */
#define CRC_FLAGS_SRC "$SRC"
#define CRC_FLAGS_BUILD "$BUILD"

/* One target's resolved build settings. Strings live in the arena given to crc_flags_resolve. */
struct crc_flags {
	const char *triple;
	struct crc_strlist cflags, ldflags;
	/* -D definitions for CMake's configure step, in order (the gates included), each variable once: one
	 * defined again keeps its first place and takes the last value (found by sorting, n log n). */
	struct crc_kvlist cmake;
	/* Settings the toolchain cannot honour as written, and how crc mapped them instead; never empty
	 * of a reason when a setting was changed or left out. */
	struct crc_strlist notes;
	/* The post-link optimizer (wasm_opt) and its arguments before the input file: the level, then the
	 * toolchain's optimizer_flags. NULL and empty when no optimize step runs. */
	const char *optimizer;
	struct crc_strlist optimize;
};

/* Resolves target t of profile p (t is one of p->targets) for toolchain tc. Errors (CRC_EINVALID): a
 * flag holding whitespace (CMake splits its flag strings at spaces). */
int crc_flags_resolve(struct crc_flags *out, struct crc_arena *arena, const struct crc_profile *p,
		      const struct crc_profile_target *t, const struct crc_toolchain *tc,
		      const struct crc_gates *gates, struct crc_error *err);

/* The abstract settings in the design's vocabulary, one per element ("-C opt-level=z", ...). */
int crc_flags_vocabulary(struct crc_strlist *out, struct crc_arena *arena, const struct crc_profile *p);

/* Appends flags.txt for profile p and its resolved targets (format in docs/profiles.md). */
void crc_flags_text(struct crc_buf *out, const struct crc_profile *p, const struct crc_flags *targets,
		    size_t ntargets);

/* Joins a list with single spaces into the arena (the form CMake's flag variables take). */
const char *crc_flags_join(struct crc_arena *arena, const struct crc_strlist *l);

#endif
