/* Toolchain files: the shipped ones load with the documented defaults, a bad one gets every problem
 * reported, tools are looked up on PATH with the Debian package named, and the CMake toolchain file is
 * what the build needs. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/buf.h"
#include "crc/diag.h"
#include "crc/toolchain.h"
#include "crc/yaml.h"

static struct crc_toolchain *load(const char *triple)
{
	struct crc_toolchain *tc;
	struct crc_error err;
	cr_assert_eq(crc_toolchain_load(&tc, CRC_SOURCE_DIR, triple, &err), 0, "%s:%d:%d: %s", err.path,
		     err.line, err.col, err.msg);
	return tc;
}

Test(toolchain, shipped_files_load)
{
	struct crc_toolchain *a = load("aarch64-linux-gnu"), *w = load("wasm32-wasi"),
			     *x = load("x86_64-linux-gnu");
	cr_assert_str_eq(a->compiler, "aarch64-linux-gnu-gcc");
	cr_assert_str_eq(a->debian_package, "gcc-aarch64-linux-gnu");
	cr_assert_eq(a->dialect, CRC_DIALECT_GCC);
	cr_assert_str_eq(a->emulator.items[0], "qemu-aarch64");
	cr_assert_str_eq(a->emulator_package, "qemu-user");
	cr_assert_eq(w->dialect, CRC_DIALECT_CLANG);
	cr_assert_str_eq(w->executable_suffix, ".wasm");
	cr_assert_str_eq(w->find_root_mode, "only");
	cr_assert_eq(x->emulator.n, 0, "native: runs directly");
	cr_assert_str_eq(x->executable_suffix, "");
	cr_assert_null(x->lto_unsupported);
	/* The images: arm64 v8 with Debian's multiarch arm64 files, amd64 with the host's, none for wasm. */
	cr_assert_str_eq(a->image_architecture, "arm64");
	cr_assert_str_eq(a->image_variant, "v8");
	cr_assert_eq(a->image_files.n, 4);
	cr_assert_str_eq(a->image_files.items[0], "/lib/ld-linux-aarch64.so.1");
	cr_assert_str_eq(a->image_files.items[3], "/usr/lib/aarch64-linux-gnu/libyaml-0.so.2");
	cr_assert_str_eq(a->image_packages.items[0], "libc6:arm64");
	cr_assert_str_eq(a->image_packages.items[3], "libyaml-0-2:arm64");
	cr_assert_str_eq(x->image_architecture, "amd64");
	cr_assert_null(x->image_variant);
	cr_assert_str_eq(x->image_files.items[0], "/lib64/ld-linux-x86-64.so.2");
	cr_assert_eq(x->image_packages.n, x->image_files.n);
	cr_assert_null(w->image_architecture, "no image for wasm");
	cr_assert_eq(w->image_files.n, 0);
	crc_toolchain_free(a);
	crc_toolchain_free(w);
	crc_toolchain_free(x);
}

Test(toolchain, unknown_triple_is_not_found)
{
	struct crc_toolchain *tc;
	struct crc_error err;
	cr_assert_eq(crc_toolchain_load(&tc, CRC_SOURCE_DIR, "riscv64-linux-gnu", &err), CRC_ENOTFOUND);
	cr_assert_null(tc);
	cr_assert_str_eq(err.msg, "unknown target triple 'riscv64-linux-gnu' (no " CRC_SOURCE_DIR
				  "/templates/toolchains/riscv64-linux-gnu.yaml)");
	cr_assert_eq(crc_toolchain_load(&tc, CRC_SOURCE_DIR, "../profiles/edge", &err), CRC_EINVALID);
}

/* Copies the fixture into a scratch root as templates/toolchains/<triple>.yaml; returns the root. */
static char *scratch_with(const char *fixture, const char *triple)
{
	static char root[] = "/tmp/crc-toolchain-XXXXXX";
	char cmd[1024];
	cr_assert_not_null(mkdtemp(root));
	snprintf(cmd, sizeof cmd,
		 "mkdir -p %s/templates/toolchains && cp %s/tests/fixtures/toolchains/%s.yaml "
		 "%s/templates/toolchains/%s.yaml",
		 root, CRC_SOURCE_DIR, fixture, root, triple);
	cr_assert_eq(system(cmd), 0);
	return root;
}

static void remove_tree(const char *root)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	cr_assert_eq(system(cmd), 0);
}

Test(toolchain, check_reports_every_problem)
{
	char *root = scratch_with("bad-keys", "x86_64-linux-gnu");
	struct crc_diags *d = calloc(1, sizeof *d);
	cr_assert_eq(crc_toolchain_check(root, "x86_64-linux-gnu", d), CRC_EINVALID);
	const char *want[] = {
		"4:1: unknown key 'compilr' in the toolchain (did you mean 'compiler'?)",
		"6:10: dialect must be one of gcc, clang",
		"11:9: cflags must be a sequence, not a scalar",
		"3:1: the toolchain has no 'compiler'",
		"3:1: the toolchain has no 'emulator'",
		"3:9: triple 'x86_64-other-linux-gnu' differs from the file name 'x86_64-linux-gnu.yaml'",
	};
	cr_assert_eq(d->n, sizeof want / sizeof want[0], "got %zu problems", d->n);
	for (size_t i = 0; i < d->n; i++) {
		char got[CRC_ERROR_MSG_MAX + 32];
		snprintf(got, sizeof got, "%d:%d: %s", d->items[i].line, d->items[i].col, d->items[i].msg);
		cr_assert_str_eq(got, want[i]);
	}
	struct crc_toolchain *tc;
	struct crc_error err;
	cr_assert_eq(crc_toolchain_load(&tc, root, "x86_64-linux-gnu", &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "unknown key 'compilr' in the toolchain (did you mean 'compiler'?)",
			 "a load stops at the first");
	free(d);
	remove_tree(root);
}

Test(toolchain, missing_compiler_names_the_debian_package)
{
	struct crc_toolchain *a = load("aarch64-linux-gnu");
	struct crc_error err;
	cr_assert_eq(crc_toolchain_find_tools(a, "/nonexistent:/also-not", &err), CRC_ENOTFOUND);
	cr_assert_str_eq(
		err.msg,
		"aarch64-linux-gnu: compiler 'aarch64-linux-gnu-gcc' not found on PATH: install "
		"the Debian package 'gcc-aarch64-linux-gnu' (scripts/setup installs every toolchain)");
	/* A PATH with the compiler but not the emulator. */
	char dir[] = "/tmp/crc-path-XXXXXX", prog[256];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(prog, sizeof prog, "%s/aarch64-linux-gnu-gcc", dir);
	FILE *f = fopen(prog, "w");
	cr_assert_not_null(f);
	fclose(f);
	cr_assert_eq(chmod(prog, 0755), 0);
	cr_assert_eq(crc_toolchain_find_tools(a, dir, &err), CRC_ENOTFOUND);
	cr_assert_str_eq(err.msg,
			 "aarch64-linux-gnu: emulator 'qemu-aarch64' not found on PATH: install the Debian "
			 "package 'qemu-user' (scripts/setup installs it)");
	unlink(prog);
	rmdir(dir);
	crc_toolchain_free(a);
}

Test(toolchain, cmake_file_for_a_cross_target)
{
	struct crc_toolchain *a = load("aarch64-linux-gnu"), *x = load("x86_64-linux-gnu");
	struct crc_buf b;
	crc_buf_init(&b);
	crc_toolchain_cmake(&b, a);
	const char *s = crc_buf_str(&b);
	cr_assert(strstr(s, "set(CMAKE_SYSTEM_NAME [[Linux]])\nset(CMAKE_SYSTEM_PROCESSOR [[aarch64]])\n"));
	cr_assert(strstr(s, "set(CMAKE_C_COMPILER [[aarch64-linux-gnu-gcc]])\n"));
	cr_assert(strstr(s, "find_program(CMAKE_AR NAMES [[aarch64-linux-gnu-gcc-ar]] REQUIRED)\n"));
	cr_assert(strstr(s, "set(CMAKE_LIBRARY_ARCHITECTURE [[aarch64-linux-gnu]])\n"));
	cr_assert(strstr(s, "set(ENV{PKG_CONFIG_LIBDIR} "
			    "[[/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig]])\n"));
	crc_buf_free(&b);
	crc_toolchain_cmake(&b, x);
	cr_assert(!strstr(crc_buf_str(&b), "CMAKE_SYSTEM_NAME"),
		  "a native build keeps CMake's host detection");
	crc_buf_free(&b);
	crc_toolchain_free(a);
	crc_toolchain_free(x);
}

Test(toolchain, list_is_sorted)
{
	char **t;
	size_t n;
	struct crc_error err;
	cr_assert_eq(crc_toolchain_list(&t, &n, CRC_SOURCE_DIR, &err), 0);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(t[0], "aarch64-linux-gnu");
	cr_assert_str_eq(t[1], "wasm32-wasi");
	cr_assert_str_eq(t[2], "x86_64-linux-gnu");
	free(t);
}

Test(toolchain, wasm32_names_its_optimizer_and_its_features)
{
	struct crc_toolchain *w = load("wasm32-wasi"), *x = load("x86_64-linux-gnu");
	cr_assert_str_eq(w->optimizer, "wasm-opt");
	cr_assert_str_eq(w->optimizer_package, "binaryen");
	cr_assert_eq(w->optimizer_flags.n, 2);
	cr_assert_str_eq(w->optimizer_flags.items[0], "--enable-simd");
	cr_assert_str_eq(w->optimizer_flags.items[1], "--enable-mutable-globals");
	cr_assert_null(x->optimizer);
	cr_assert_eq(x->optimizer_flags.n, 0);
	struct crc_error err;
	cr_assert_eq(crc_toolchain_find_optimizer(x, "/nonexistent", &err), 0, "none to look for");
	crc_toolchain_free(w);
	crc_toolchain_free(x);
}

Test(toolchain, missing_optimizer_names_binaryen)
{
	struct crc_toolchain *w = load("wasm32-wasi");
	struct crc_error err;
	cr_assert_eq(crc_toolchain_find_optimizer(w, "/nonexistent:/also-not", &err), CRC_ENOTFOUND);
	cr_assert_str_eq(err.msg, "wasm32-wasi: optimizer 'wasm-opt' not found on PATH: install the Debian "
				  "package 'binaryen' (scripts/setup installs it)");
	char dir[] = "/tmp/crc-path-XXXXXX", prog[256];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(prog, sizeof prog, "%s/wasm-opt", dir);
	FILE *f = fopen(prog, "w");
	cr_assert_not_null(f);
	fclose(f);
	cr_assert_eq(chmod(prog, 0755), 0);
	cr_assert_eq(crc_toolchain_find_optimizer(w, dir, &err), 0);
	unlink(prog);
	rmdir(dir);
	crc_toolchain_free(w);
}

Test(toolchain, optimizer_fields_are_checked)
{
	char *root = scratch_with("bad-optimizer", "wasm32-wasi");
	struct crc_diags *d = calloc(1, sizeof *d);
	cr_assert_eq(crc_toolchain_check(root, "wasm32-wasi", d), CRC_EINVALID);
	const char *want[] = {
		"13:1: unknown key 'optimiser_package' in the toolchain (did you mean 'optimizer_package'?)",
		"14:18: optimizer_flags must be a sequence, not a scalar",
		"12:12: an optimizer needs 'optimizer_package' (the Debian package that provides wasm-opt)",
	};
	cr_assert_eq(d->n, sizeof want / sizeof want[0], "got %zu problems", d->n);
	for (size_t i = 0; i < d->n; i++) {
		char got[CRC_ERROR_MSG_MAX + 32];
		snprintf(got, sizeof got, "%d:%d: %s", d->items[i].line, d->items[i].col, d->items[i].msg);
		cr_assert_str_eq(got, want[i]);
	}
	free(d);
	remove_tree(root);
}

static void expect_problems(const char *fixture, const char *const *want, size_t n)
{
	char *root = scratch_with(fixture, "x86_64-linux-gnu");
	struct crc_diags *d = calloc(1, sizeof *d);
	cr_assert_eq(crc_toolchain_check(root, "x86_64-linux-gnu", d), CRC_EINVALID);
	for (size_t i = 0; i < d->n && i < n; i++) {
		char got[CRC_ERROR_MSG_MAX + 32];
		snprintf(got, sizeof got, "%d:%d: %s", d->items[i].line, d->items[i].col, d->items[i].msg);
		cr_assert_str_eq(got, want[i]);
	}
	cr_assert_eq(d->n, n, "got %zu problems", d->n);
	free(d);
	remove_tree(root);
}

Test(toolchain, image_fields_are_checked)
{
	const char *want[] = {
		"12:21: image_architecture must be one of amd64, arm64",
		"13:16: image_variant must be v8 (for arm64) or absent",
		"14:15: image file 'lib/libc.so.6' is not an absolute path",
		"14:30: image file '/lib/../libm.so.6' is not a normalized path (empty, '.' or '..' "
		"component)",
		"14:49: image file '/usr/local/lib/libx.so' lies where the installed tree goes (/usr/local)",
		"14:84: image file '/lib/a.so' is listed twice",
		"15:17: image_packages must name one Debian package per image_files entry (5 files, 1 "
		"packages)",
	};
	expect_problems("bad-image", want, sizeof want / sizeof want[0]);
}

Test(toolchain, image_fields_need_an_architecture)
{
	const char *want[] = {
		"11:16: image_variant needs an 'image_architecture'",
		"12:14: image_files needs an 'image_architecture'",
		"13:17: image_packages needs an 'image_architecture'",
	};
	expect_problems("bad-image-orphans", want, sizeof want / sizeof want[0]);
}

/* As many image files as the YAML reader lets a toolchain file hold, with long paths that share most of
 * their bytes: each path used to be compared with every earlier one. Bounded by the test harness
 * (.timeout). */
#define MANY_FILES 4900
Test(toolchain, the_most_image_files_are_checked_for_repeats_in_n_log_n, .timeout = 10)
{
	char *root = scratch_with("bad-image", "x86_64-linux-gnu");
	char path[4096];
	struct crc_buf b;
	crc_buf_init(&b);
	crc_buf_puts(&b, "triple: x86_64-linux-gnu\ncompiler: gcc\ndebian_package: gcc\ndialect: gcc\n"
			 "cmake_system_name: Linux\ncmake_system_processor: x86_64\nsysroot: /\n"
			 "library_dir: /usr/lib/x86_64-linux-gnu\nemulator: []\nimage_architecture: amd64\n"
			 "image_packages:\n");
	for (int i = 0; i < MANY_FILES; i++)
		crc_buf_puts(&b, "  - p\n");
	crc_buf_puts(&b, "image_files:\n");
	int line = 12 + MANY_FILES;
	for (int i = 0; i < MANY_FILES - 1; i++)
		crc_buf_printf(&b, "  - /usr/lib/xxxxxxxxxxxxxxxxxxxxxxxx%04d.so\n", i);
	size_t before_last = b.len;
	for (int last = 0; last < 2; last++) {
		b.len = before_last;
		crc_buf_printf(&b, "  - /usr/lib/xxxxxxxxxxxxxxxxxxxxxxxx%04d.so\n",
			       last ? 0 : MANY_FILES - 1);
		cr_assert(!crc_buf_error(&b) && b.len <= CRC_YAML_MAX_BYTES);
		snprintf(path, sizeof path, "%s/templates/toolchains/x86_64-linux-gnu.yaml", root);
		FILE *f = fopen(path, "wb");
		cr_assert_not_null(f);
		cr_assert_eq(fwrite(b.data, 1, b.len, f), b.len);
		cr_assert_eq(fclose(f), 0);
		struct crc_diags *d = calloc(1, sizeof *d);
		cr_assert_not_null(d);
		int rc = crc_toolchain_check(root, "x86_64-linux-gnu", d);
		if (!last) {
			cr_assert_eq(rc, 0, "%s", d->n ? d->items[0].msg : "");
		} else {
			char got[CRC_ERROR_MSG_MAX + 32];
			cr_assert_eq(rc, CRC_EINVALID);
			cr_assert_eq(d->n, 1);
			snprintf(got, sizeof got, "%d:%d: %s", d->items[0].line, d->items[0].col,
				 d->items[0].msg);
			char want[256];
			snprintf(
				want, sizeof want,
				"%d:5: image file '/usr/lib/xxxxxxxxxxxxxxxxxxxxxxxx0000.so' is listed twice",
				line + MANY_FILES);
			cr_assert_str_eq(got, want);
		}
		free(d);
	}
	crc_buf_free(&b);
	remove_tree(root);
}
