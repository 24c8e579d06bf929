/* Toolchains: one file per target triple, templates/toolchains/<triple>.yaml (schema in
 * docs/profiles.md), naming the compiler and the Debian package that provides it, the flag dialect, CMake's
 * system name and processor, where the target's libraries are, the flags every build for the target
 * needs, and the emulator that runs the target's programs on the build machine. Adding a triple is adding
 * a file. crc writes the CMake toolchain file of each build from it (crc_toolchain_cmake). A file is capped
 * by the YAML reader (crc/yaml.h); image files listed twice are found by sorting. */
#ifndef CRC_TOOLCHAIN_H
#define CRC_TOOLCHAIN_H

#include <stddef.h>

#include "crc/arena.h"
#include "crc/buf.h"
#include "crc/diag.h"
#include "crc/error.h"
#include "crc/strlist.h"

struct crc_yaml_doc;

/* How a compiler spells its flags. */
enum crc_dialect { CRC_DIALECT_GCC, CRC_DIALECT_CLANG };

struct crc_toolchain {
	/* Owns every string below. */
	struct crc_arena arena;
	struct crc_yaml_doc *doc;
	/* The file it was read from, as given (relative to the project root). */
	const char *path;
	const char *triple;
	/* The C compiler, a program name looked up on PATH (or an absolute path), and its Debian package. */
	const char *compiler, *debian_package;
	enum crc_dialect dialect;
	/* clang's --target (CMAKE_C_COMPILER_TARGET), or NULL. */
	const char *compiler_target;
	/* The archiver and ranlib for static libraries (LTO objects need the compiler's own: gcc-ar,
	 * llvm-ar); default by dialect. */
	const char *ar, *ranlib;
	const char *cmake_system_name, *cmake_system_processor;
	/* The target's root and multiarch library directory (informational; in the manifest and plan). */
	const char *sysroot, *library_dir;
	/* Where CMake looks for the target's headers and libraries (CMAKE_FIND_ROOT_PATH), and whether it
	 * looks only there ("only") or there and on the host ("both"). Empty: a native build. */
	struct crc_strlist find_root_path;
	const char *find_root_mode;
	/* pkg-config's search path for the target's .pc files; empty: no pkg-config libraries. */
	struct crc_strlist pkg_config_libdir;
	/* CMake's try_compile builds a static library (targets whose programs cannot link without help). */
	int try_compile_static;
	/* The file name suffix of the target's programs ("" or ".wasm"). */
	const char *executable_suffix;
	/* Flags every build for this target needs, before the profile's. */
	struct crc_strlist cflags, ldflags;
	/* The emulator's argv (empty: the target's programs run directly), and its Debian package. */
	struct crc_strlist emulator;
	const char *emulator_package;
	/* Link-time optimization works with this toolchain; when not, lto_unsupported says why. */
	const char *lto_unsupported;
	/* The post-link optimizer of the target's programs (binaryen's wasm-opt), its Debian package and the
	 * flags it always needs (the features the module uses); NULL and empty when the target has none. */
	const char *optimizer, *optimizer_package;
	struct crc_strlist optimizer_flags;
	/* The target's OCI image (crc/image.h): its architecture ("amd64" or "arm64") and variant ("v8"),
	 * NULL when the target has no image. */
	const char *image_architecture, *image_variant;
	/* The host files the image's root file system holds besides the installed tree, at the same absolute
	 * paths (the dynamic loader, libc, the runtime's libraries: Debian's multiarch files), and the Debian
	 * package of each: image_packages.items[i] provides image_files.items[i]. */
	struct crc_strlist image_files, image_packages;
};

/* Loads <root>/templates/toolchains/<triple>.yaml. On success *out is owned by the caller
 * (crc_toolchain_free). An unknown triple is CRC_ENOTFOUND; a bad file CRC_EINVALID with file:line:col. */
int crc_toolchain_load(struct crc_toolchain **out, const char *root, const char *triple,
		       struct crc_error *err);

/* Checks the toolchain file for triple and records every problem in diags (when not NULL); returns 0
 * when there was none, else the code of the first. */
int crc_toolchain_check(const char *root, const char *triple, struct crc_diags *diags);

void crc_toolchain_free(struct crc_toolchain *tc);

/* The triples that have a toolchain file under <root>/templates/toolchains, sorted; *triples is one
 * malloc'd block (free() it). */
int crc_toolchain_list(char ***triples, size_t *n, const char *root, struct crc_error *err);

/* Whether prog is an executable file: as given when it holds a '/', else in one of the directories of path
 * (a PATH-style list). */
int crc_toolchain_on_path(const char *prog, const char *path);

/* Looks for the toolchain's compiler and emulator on path (a PATH value: directories separated by ':').
 * Returns 0 when both are there, else CRC_ENOTFOUND with a message that names the Debian package to
 * install. */
int crc_toolchain_find_tools(const struct crc_toolchain *tc, const char *path, struct crc_error *err);

/* Looks for the toolchain's optimizer on path, for a profile that asks for it (wasm_opt). Returns 0 when
 * it is there or the toolchain has none, else CRC_ENOTFOUND with a message that names its Debian package. */
int crc_toolchain_find_optimizer(const struct crc_toolchain *tc, const char *path, struct crc_error *err);

/* The first line of `<compiler> --version` into out (e.g. "gcc (Debian 12.2.0-14) 12.2.0"). */
int crc_toolchain_version(char *out, size_t size, const struct crc_toolchain *tc, struct crc_error *err);

/* Appends the CMake toolchain file for tc to out (deterministic; no paths of the build machine). */
void crc_toolchain_cmake(struct crc_buf *out, const struct crc_toolchain *tc);

/* "gcc" or "clang". */
const char *crc_dialect_name(enum crc_dialect d);

#endif
