/* Toolchain files: read with the strict YAML reader and checked field by field from one table, so that
 * crc check can report every problem of a file and crc plan gets a typed struct. Also finds the tools on
 * PATH and writes the CMake toolchain file a build uses. */
#include "crc/toolchain.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/os.h"
#include "crc/proc.h"
#include "crc/suggest.h"
#include "crc/yaml.h"

#define TOOLCHAIN_ARENA_MAX ((size_t)1 << 20)
#define TRIPLE_MAX 64
#define MAX_TOOLCHAINS 256

enum kind { STR, LIST, BOOL, DIALECT, MODE };

/* One key of the schema: its type, whether the file must have it, and where its value goes. */
struct field {
	const char *key;
	enum kind kind;
	int required;
	size_t off;
};

#define F(key, kind, required, member)                                      \
	{                                                                   \
		key, kind, required, offsetof(struct crc_toolchain, member) \
	}
static const struct field fields[] = {
	F("triple", STR, 1, triple),
	F("compiler", STR, 1, compiler),
	F("debian_package", STR, 1, debian_package),
	F("dialect", DIALECT, 1, dialect),
	F("compiler_target", STR, 0, compiler_target),
	F("ar", STR, 0, ar),
	F("ranlib", STR, 0, ranlib),
	F("cmake_system_name", STR, 1, cmake_system_name),
	F("cmake_system_processor", STR, 1, cmake_system_processor),
	F("sysroot", STR, 1, sysroot),
	F("library_dir", STR, 1, library_dir),
	F("find_root_path", LIST, 0, find_root_path),
	F("find_root_mode", MODE, 0, find_root_mode),
	F("pkg_config_libdir", LIST, 0, pkg_config_libdir),
	F("try_compile_static", BOOL, 0, try_compile_static),
	F("executable_suffix", STR, 0, executable_suffix),
	F("cflags", LIST, 0, cflags),
	F("ldflags", LIST, 0, ldflags),
	F("emulator", LIST, 1, emulator),
	F("emulator_package", STR, 0, emulator_package),
	F("lto_unsupported", STR, 0, lto_unsupported),
	F("optimizer", STR, 0, optimizer),
	F("optimizer_package", STR, 0, optimizer_package),
	F("optimizer_flags", LIST, 0, optimizer_flags),
	F("image_architecture", STR, 0, image_architecture),
	F("image_variant", STR, 0, image_variant),
	F("image_files", LIST, 0, image_files),
	F("image_packages", LIST, 0, image_packages),
};
#undef F
#define NFIELDS (sizeof fields / sizeof fields[0])

struct reader {
	struct crc_toolchain *tc;
	/* Problems go to diags when collecting (crc check), else the first one stops the load in err. */
	struct crc_diags *diags;
	struct crc_error *err;
	int first;
};

__attribute__((format(printf, 3, 4))) static int bad(struct reader *r, const struct crc_yaml_node *n,
						     const char *fmt, ...)
{
	char msg[CRC_ERROR_MSG_MAX];
	struct crc_error e;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof msg)
		memcpy(msg + sizeof msg - 4, "...", 4);
	crc_err_at(r->diags ? &e : r->err, CRC_EINVALID, n->file, n->line, n->col, "%s", msg);
	if (r->diags)
		crc_diags_add(r->diags, &e);
	if (!r->first)
		r->first = CRC_EINVALID;
	return CRC_EINVALID;
}

/* Whether s may name a toolchain file: [a-z0-9][a-z0-9._-]*, no "..", at most TRIPLE_MAX bytes. */
static int safe_triple(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > TRIPLE_MAX || strstr(s, ".."))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (i > 0 && (c == '-' || c == '_' || c == '.'))))
			return 0;
	}
	return 1;
}

/* A string without control characters; empty only where allowed. */
static int text(struct reader *r, const struct crc_yaml_node *n, const char *key, int allow_empty,
		const char **out)
{
	if (n->kind != CRC_YAML_SCALAR)
		return bad(r, n, "%s must be a string, not a %s", key, crc_yaml_kind_name(n->kind));
	if (!allow_empty && n->len == 0)
		return bad(r, n, "%s must not be empty", key);
	for (size_t i = 0; i < n->len; i++)
		if ((unsigned char)n->value[i] < 0x20 || n->value[i] == 0x7f)
			return bad(r, n, "%s must not hold control characters", key);
	*out = n->value;
	return 0;
}

static int read_field(struct reader *r, const struct field *f, const struct crc_yaml_node *n)
{
	char *slot = (char *)r->tc + f->off;
	switch (f->kind) {
	case STR:
		return text(r, n, f->key, 0, (const char **)(void *)slot);
	case BOOL:
		if (n->kind == CRC_YAML_SCALAR && n->plain &&
		    (strcmp(n->value, "true") == 0 || strcmp(n->value, "false") == 0)) {
			*(int *)(void *)slot = n->value[0] == 't';
			return 0;
		}
		return bad(r, n, "%s must be true or false", f->key);
	case DIALECT:
		if (n->kind == CRC_YAML_SCALAR && strcmp(n->value, "gcc") == 0)
			*(enum crc_dialect *)(void *)slot = CRC_DIALECT_GCC;
		else if (n->kind == CRC_YAML_SCALAR && strcmp(n->value, "clang") == 0)
			*(enum crc_dialect *)(void *)slot = CRC_DIALECT_CLANG;
		else
			return bad(r, n, "dialect must be one of gcc, clang");
		return 0;
	case MODE:
		if (n->kind == CRC_YAML_SCALAR &&
		    (strcmp(n->value, "only") == 0 || strcmp(n->value, "both") == 0))
			return text(r, n, f->key, 0, (const char **)(void *)slot);
		return bad(r, n, "find_root_mode must be one of only, both");
	case LIST: {
		struct crc_strlist *l = (struct crc_strlist *)(void *)slot;
		if (n->kind != CRC_YAML_SEQ)
			return bad(r, n, "%s must be a sequence, not a %s", f->key,
				   crc_yaml_kind_name(n->kind));
		l->items = crc_arena_alloc(&r->tc->arena, (n->n ? n->n : 1) * sizeof *l->items);
		if (!l->items)
			return crc_err(r->err, CRC_ENOMEM, "out of memory");
		int rc = 0;
		for (size_t i = 0; i < n->n; i++)
			if (text(r, n->values[i], f->key, 0, &l->items[l->n]) == 0)
				l->n++;
			else
				rc = CRC_EINVALID;
		return rc;
	}
	}
	return 0;
}

/* Why p cannot name a host file copied into an image, or NULL: it must be absolute and normalized (no
 * empty, "." or ".." component, no trailing '/'), and stay out of /usr/local, where the installed tree goes.
 */
static const char *image_path_problem(const char *p)
{
	if (p[0] != '/')
		return "is not an absolute path";
	for (const char *c = p + 1;;) {
		size_t len = strcspn(c, "/");
		if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return "is not a normalized path (empty, '.' or '..' component)";
		if (!c[len])
			break;
		c += len + 1;
	}
	if (strcmp(p, "/usr/local") == 0 || strncmp(p, "/usr/local/", 11) == 0 || strcmp(p, "/usr") == 0)
		return "lies where the installed tree goes (/usr/local)";
	return NULL;
}

/* An image file's path and its place, for finding a path listed twice by sorting. */
struct path_at {
	const char *path;
	size_t index;
};

static int by_path(const void *a, const void *b)
{
	const struct path_at *x = a, *y = b;
	int r = strcmp(x->path, y->path);
	return r ? r : x->index < y->index ? -1 : x->index > y->index;
}

/* The image fields: an architecture crc/image.h knows, a variant and files only with it, absolute file paths,
 * and one Debian package per file. */
static void check_image(struct reader *r, const struct crc_yaml_node *root)
{
	struct crc_toolchain *tc = r->tc;
	const struct crc_yaml_node *n = crc_yaml_get(root, "image_architecture");
	if (tc->image_architecture && strcmp(tc->image_architecture, "amd64") != 0 &&
	    strcmp(tc->image_architecture, "arm64") != 0)
		bad(r, n, "image_architecture must be one of amd64, arm64");
	static const char *const needs[] = {"image_variant", "image_files", "image_packages"};
	for (size_t i = 0; i < sizeof needs / sizeof needs[0]; i++)
		if (!tc->image_architecture && (n = crc_yaml_get(root, needs[i])) != NULL)
			bad(r, n, "%s needs an 'image_architecture'", needs[i]);
	if (tc->image_variant && strcmp(tc->image_variant, "v8") != 0)
		bad(r, crc_yaml_get(root, "image_variant"), "image_variant must be v8 (for arm64) or absent");
	else if (tc->image_variant && tc->image_architecture && strcmp(tc->image_architecture, "arm64") != 0)
		bad(r, crc_yaml_get(root, "image_variant"), "image_variant v8 is for arm64 only");
	n = crc_yaml_get(root, "image_files");
	if (!n || n->kind != CRC_YAML_SEQ)
		return;
	/* A path listed twice: the paths sorted (n log n), each one equal to its sorted predecessor. */
	const struct crc_strlist *files = &tc->image_files;
	unsigned char *twice = calloc(files->n ? files->n : 1, 1);
	struct path_at *sorted = malloc((files->n ? files->n : 1) * sizeof *sorted);
	if (!twice || !sorted) {
		free(twice);
		free(sorted);
		crc_err(r->err, CRC_ENOMEM, "out of memory");
		r->first = CRC_ENOMEM;
		return;
	}
	for (size_t i = 0; i < files->n; i++)
		sorted[i] = (struct path_at){files->items[i], i};
	qsort(sorted, files->n, sizeof *sorted, by_path);
	for (size_t i = 1; i < files->n; i++)
		twice[sorted[i].index] = strcmp(sorted[i].path, sorted[i - 1].path) == 0;
	for (size_t i = 0; i < files->n; i++) {
		const char *why = image_path_problem(files->items[i]);
		if (!why && twice[i])
			why = "is listed twice";
		if (why)
			bad(r, n->values[i], "image file '%s' %s", files->items[i], why);
	}
	free(twice);
	free(sorted);
	if (tc->image_files.n != tc->image_packages.n)
		bad(r, (n = crc_yaml_get(root, "image_packages")) ? n : root,
		    "image_packages must name one Debian package per image_files entry (%zu files, %zu "
		    "packages)",
		    tc->image_files.n, tc->image_packages.n);
}

/* Checks the document against the schema, filling r->tc; in collect mode goes on past problems. */
static int validate(struct reader *r, const struct crc_yaml_node *root, const char *triple)
{
	static const char *keys[NFIELDS];
	struct crc_toolchain *tc = r->tc;
	if (root->kind != CRC_YAML_MAP)
		return bad(r, root, "a toolchain file must be a mapping, not a %s",
			   crc_yaml_kind_name(root->kind));
	for (size_t i = 0; i < NFIELDS; i++)
		keys[i] = fields[i].key;
	for (size_t i = 0; i < root->n; i++) {
		const char *k = root->keys[i]->value;
		size_t f = 0;
		while (f < NFIELDS && strcmp(fields[f].key, k) != 0)
			f++;
		if (f == NFIELDS) {
			const char *best = crc_suggest(k, keys, NFIELDS);
			if (best)
				bad(r, root->keys[i],
				    "unknown key '%s' in the toolchain (did you mean '%s'?)", k, best);
			else
				bad(r, root->keys[i], "unknown key '%s' in the toolchain", k);
		} else if (read_field(r, &fields[f], root->values[i]) && !r->diags) {
			return r->first;
		}
		if (r->first && !r->diags)
			return r->first;
	}
	for (size_t f = 0; f < NFIELDS; f++)
		if (fields[f].required && !crc_yaml_get(root, fields[f].key)) {
			bad(r, root, "the toolchain has no '%s'", fields[f].key);
			if (!r->diags)
				return r->first;
		}
	const struct crc_yaml_node *t = crc_yaml_get(root, "triple");
	if (tc->triple && strcmp(tc->triple, triple) != 0)
		bad(r, t, "triple '%s' differs from the file name '%s.yaml'", tc->triple, triple);
	const struct crc_yaml_node *e = crc_yaml_get(root, "emulator");
	if (tc->emulator.n && !tc->emulator_package)
		bad(r, e, "an emulator needs 'emulator_package' (the Debian package that provides %s)",
		    tc->emulator.items[0]);
	const struct crc_yaml_node *o = crc_yaml_get(root, "optimizer");
	if (tc->optimizer && !tc->optimizer_package)
		bad(r, o, "an optimizer needs 'optimizer_package' (the Debian package that provides %s)",
		    tc->optimizer);
	if (!tc->optimizer && (o = crc_yaml_get(root, "optimizer_package")) != NULL)
		bad(r, o, "optimizer_package needs an 'optimizer'");
	if (!tc->optimizer && (o = crc_yaml_get(root, "optimizer_flags")) != NULL)
		bad(r, o, "optimizer_flags needs an 'optimizer'");
	check_image(r, root);
	const struct crc_yaml_node *m = crc_yaml_get(root, "find_root_mode");
	if (m && tc->find_root_path.n == 0)
		bad(r, m, "find_root_mode needs a non-empty find_root_path");
	if (!tc->find_root_mode)
		tc->find_root_mode = "both";
	if (!tc->executable_suffix)
		tc->executable_suffix = "";
	if (!tc->ar)
		tc->ar = tc->dialect == CRC_DIALECT_CLANG ? "llvm-ar" : "gcc-ar";
	if (!tc->ranlib)
		tc->ranlib = tc->dialect == CRC_DIALECT_CLANG ? "llvm-ranlib" : "gcc-ranlib";
	return r->first;
}

static int load(struct crc_toolchain **out, const char *root, const char *triple, struct crc_diags *diags,
		struct crc_error *err)
{
	char path[4096];
	struct reader r = {NULL, diags, err, 0};
	struct crc_error local;
	if (!err)
		r.err = err = &local;
	*out = NULL;
	if (!safe_triple(triple))
		return crc_err(err, CRC_EINVALID,
			       "invalid target triple '%s' (lower-case letters, digits, '-', '_', '.')",
			       triple);
	int w = strcmp(root, ".") == 0
			? snprintf(path, sizeof path, "templates/toolchains/%s.yaml", triple)
			: snprintf(path, sizeof path, "%s/templates/toolchains/%s.yaml", root, triple);
	if (w < 0 || (size_t)w >= sizeof path)
		return crc_err(err, CRC_EINVALID, "path too long: %s/templates/toolchains/%s.yaml", root,
			       triple);
	r.tc = calloc(1, sizeof *r.tc);
	if (!r.tc)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	crc_arena_init(&r.tc->arena, TOOLCHAIN_ARENA_MAX);
	int rc = crc_yaml_load(&r.tc->doc, path, err);
	if (rc == CRC_ENOTFOUND)
		rc = crc_err(err, CRC_ENOTFOUND, "unknown target triple '%s' (no %s)", triple, path);
	if (rc) {
		crc_diags_add(diags, err);
		crc_toolchain_free(r.tc);
		return rc;
	}
	r.tc->path = r.tc->doc->root->file;
	rc = validate(&r, r.tc->doc->root, triple);
	if (rc) {
		if (diags && diags->n)
			*err = diags->items[diags->n - 1];
		crc_toolchain_free(r.tc);
		return rc;
	}
	*out = r.tc;
	return 0;
}

int crc_toolchain_load(struct crc_toolchain **out, const char *root, const char *triple,
		       struct crc_error *err)
{
	return load(out, root, triple, NULL, err);
}

int crc_toolchain_check(const char *root, const char *triple, struct crc_diags *diags)
{
	struct crc_toolchain *tc;
	struct crc_error err;
	int rc = load(&tc, root, triple, diags, &err);
	crc_toolchain_free(tc);
	return rc;
}

void crc_toolchain_free(struct crc_toolchain *tc)
{
	if (!tc)
		return;
	crc_yaml_free(tc->doc);
	crc_arena_free(&tc->arena);
	free(tc);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int crc_toolchain_list(char ***triples, size_t *n, const char *root, struct crc_error *err)
{
	char dirpath[4096], found[MAX_TOOLCHAINS][TRIPLE_MAX + 1];
	size_t count = 0, bytes = 0;
	*triples = NULL;
	*n = 0;
	int w = snprintf(dirpath, sizeof dirpath, "%s/templates/toolchains", root);
	if (w < 0 || (size_t)w >= sizeof dirpath)
		return crc_err(err, CRC_EINVALID, "path too long: %s/templates/toolchains", root);
	char **all;
	size_t nall;
	int rc = crc_os_list_path(&all, &nall, dirpath, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < nall; i++) {
		size_t len = strlen(all[i]);
		if (len <= 5 || strcmp(all[i] + len - 5, ".yaml") != 0 || len - 5 > TRIPLE_MAX)
			continue;
		if (count == MAX_TOOLCHAINS) {
			crc_os_names_free(all, nall);
			return crc_err(err, CRC_EINVALID, "more than %d toolchain files in %s",
				       MAX_TOOLCHAINS, dirpath);
		}
		memcpy(found[count], all[i], len - 5);
		found[count][len - 5] = '\0';
		bytes += len - 4;
		count++;
	}
	crc_os_names_free(all, nall);
	char **out = malloc(count * sizeof *out + bytes + 1);
	if (!out)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	char *q = (char *)(out + count);
	for (size_t i = 0; i < count; i++) {
		size_t len = strlen(found[i]) + 1;
		memcpy(q, found[i], len);
		out[i] = q;
		q += len;
	}
	qsort(out, count, sizeof *out, by_name);
	*triples = out;
	*n = count;
	return 0;
}

int crc_toolchain_on_path(const char *prog, const char *path)
{
	char full[4096];
	struct stat st;
	if (strchr(prog, '/'))
		return stat(prog, &st) == 0 && S_ISREG(st.st_mode) && access(prog, X_OK) == 0;
	for (const char *p = path ? path : ""; *p || p == path;) {
		size_t len = strcspn(p, ":");
		int w = len ? snprintf(full, sizeof full, "%.*s/%s", (int)len, p, prog)
			    : snprintf(full, sizeof full, "./%s", prog);
		if (w > 0 && (size_t)w < sizeof full && stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(full, X_OK) == 0)
			return 1;
		if (!p[len])
			break;
		p += len + 1;
	}
	return 0;
}

int crc_toolchain_find_tools(const struct crc_toolchain *tc, const char *path, struct crc_error *err)
{
	if (!crc_toolchain_on_path(tc->compiler, path))
		return crc_err(err, CRC_ENOTFOUND,
			       "%s: compiler '%s' not found on PATH: install the Debian package '%s' "
			       "(scripts/setup installs every toolchain)",
			       tc->triple, tc->compiler, tc->debian_package);
	if (tc->emulator.n && !crc_toolchain_on_path(tc->emulator.items[0], path))
		return crc_err(err, CRC_ENOTFOUND,
			       "%s: emulator '%s' not found on PATH: install the Debian package '%s' "
			       "(scripts/setup installs it)",
			       tc->triple, tc->emulator.items[0], tc->emulator_package);
	return 0;
}

int crc_toolchain_find_optimizer(const struct crc_toolchain *tc, const char *path, struct crc_error *err)
{
	if (tc->optimizer && !crc_toolchain_on_path(tc->optimizer, path))
		return crc_err(err, CRC_ENOTFOUND,
			       "%s: optimizer '%s' not found on PATH: install the Debian package '%s' "
			       "(scripts/setup installs it)",
			       tc->triple, tc->optimizer, tc->optimizer_package);
	return 0;
}

int crc_toolchain_version(char *out, size_t size, const struct crc_toolchain *tc, struct crc_error *err)
{
	const char *argv[] = {tc->compiler, "--version", NULL};
	const struct crc_proc_spec spec = {argv, NULL, NULL, -1, -1, 0};
	struct crc_buf b;
	int status;
	crc_buf_init(&b);
	int rc = crc_proc_capture(&b, &status, &spec, 4096, err);
	const char *s = crc_buf_str(&b);
	size_t len = strcspn(s, "\n");
	if (!rc && (status != 0 || len == 0))
		rc = crc_err(err, CRC_EIO, "%s --version failed (exit %d)", tc->compiler, status);
	else if (!rc && len >= size)
		rc = crc_err(err, CRC_EIO, "%s --version: first line too long", tc->compiler);
	else if (rc == CRC_ENOTFOUND)
		rc = crc_err(err, CRC_ENOTFOUND,
			     "%s: compiler '%s' not found: install the Debian package '%s'", tc->triple,
			     tc->compiler, tc->debian_package);
	if (!rc) {
		memcpy(out, s, len);
		out[len] = '\0';
	}
	crc_buf_free(&b);
	return rc;
}

/* Appends s as a CMake bracket argument, which needs no escaping: [=[...]=] with enough '='. */
static void cmake_quote(struct crc_buf *b, const char *s)
{
	int eq = 0;
	char close[16];
	for (;;) {
		snprintf(close, sizeof close, "]%.*s]", eq, "==========");
		if (!strstr(s, close) || eq == 10)
			break;
		eq++;
	}
	crc_buf_printf(b, "[%.*s[%s]%.*s]", eq, "==========", s, eq, "==========");
}

static void cmake_set(struct crc_buf *b, const char *var, const char *value)
{
	crc_buf_printf(b, "set(%s ", var);
	cmake_quote(b, value);
	crc_buf_puts(b, ")\n");
}

static void cmake_set_list(struct crc_buf *b, const char *var, const struct crc_strlist *l)
{
	crc_buf_printf(b, "set(%s", var);
	for (size_t i = 0; i < l->n; i++) {
		crc_buf_putc(b, ' ');
		cmake_quote(b, l->items[i]);
	}
	crc_buf_puts(b, ")\n");
}

void crc_toolchain_cmake(struct crc_buf *out, const struct crc_toolchain *tc)
{
	crc_buf_printf(out, "# CMake toolchain file for %s, written by crc from %s.\n", tc->triple, tc->path);
	/* A target with an emulator is cross-built; a native one leaves CMake's host detection alone. */
	if (tc->emulator.n) {
		cmake_set(out, "CMAKE_SYSTEM_NAME", tc->cmake_system_name);
		cmake_set(out, "CMAKE_SYSTEM_PROCESSOR", tc->cmake_system_processor);
	}
	cmake_set(out, "CMAKE_C_COMPILER", tc->compiler);
	if (tc->compiler_target)
		cmake_set(out, "CMAKE_C_COMPILER_TARGET", tc->compiler_target);
	/* The compiler's own archiver, which indexes LTO objects. */
	crc_buf_puts(out, "find_program(CMAKE_AR NAMES ");
	cmake_quote(out, tc->ar);
	crc_buf_puts(out, " REQUIRED)\nfind_program(CMAKE_RANLIB NAMES ");
	cmake_quote(out, tc->ranlib);
	crc_buf_puts(out, " REQUIRED)\n");
	if (tc->find_root_path.n) {
		const char *mode = strcmp(tc->find_root_mode, "only") == 0 ? "ONLY" : "BOTH";
		cmake_set_list(out, "CMAKE_FIND_ROOT_PATH", &tc->find_root_path);
		crc_buf_puts(out, "set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)\n");
		crc_buf_printf(out, "set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY %s)\n", mode);
		crc_buf_printf(out, "set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE %s)\n", mode);
	}
	if (tc->emulator.n && strcmp(tc->cmake_system_name, "Linux") == 0) {
		const char *slash = strrchr(tc->library_dir, '/');
		cmake_set(out, "CMAKE_LIBRARY_ARCHITECTURE", slash ? slash + 1 : tc->library_dir);
	}
	if (tc->try_compile_static)
		crc_buf_puts(out, "set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)\n");
	if (tc->emulator.n || tc->pkg_config_libdir.n) {
		/* pkg-config must see the target's .pc files only, never the host's. */
		crc_buf_puts(out, "set(ENV{PKG_CONFIG_LIBDIR} ");
		struct crc_buf dirs;
		crc_buf_init(&dirs);
		for (size_t i = 0; i < tc->pkg_config_libdir.n; i++)
			crc_buf_printf(&dirs, "%s%s", i ? ":" : "", tc->pkg_config_libdir.items[i]);
		cmake_quote(out, tc->pkg_config_libdir.n ? crc_buf_str(&dirs) : "/nonexistent");
		crc_buf_free(&dirs);
		crc_buf_puts(out, ")\nset(ENV{PKG_CONFIG_PATH} \"\")\n");
	}
}

const char *crc_dialect_name(enum crc_dialect d)
{
	return d == CRC_DIALECT_CLANG ? "clang" : "gcc";
}
