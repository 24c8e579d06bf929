/* Flag resolution (see crc/flags.h). The mapping per dialect is the table in docs/profiles.md ("Flag
 * resolution"); every place where a dialect cannot say what the profile asks adds a note instead of
 * dropping the setting silently. */
#include "crc/flags.h"
#include "crc/profile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lists grow in the arena by copying; they are short (tens of flags). */
struct list {
	struct crc_arena *arena;
	struct crc_strlist *l;
	size_t cap;
	int failed;
};

static void push(struct list *b, const char *s)
{
	if (b->failed)
		return;
	const char **items =
		crc_arena_grow(b->arena, b->l->items, b->l->n, &b->cap, b->l->n + 1, sizeof *items);
	if (!items) {
		b->failed = 1;
		return;
	}
	b->l->items = items;
	b->l->items[b->l->n++] = s;
}

__attribute__((format(printf, 2, 3))) static void pushf(struct list *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof tmp) {
		b->failed = 1;
		return;
	}
	const char *s = crc_arena_strndup(b->arena, tmp, (size_t)w);
	if (!s)
		b->failed = 1;
	else
		push(b, s);
}

static void push_all(struct list *b, const struct crc_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		push(b, l->items[i]);
}

/* The definitions: a pair of growing lists. define() appends; settle() then resolves keys defined more
 * than once (a later definition wins in the place of the first), by sorting: n log n in the number of
 * definitions, which a profile's extends chain can make tens of thousands. */
struct defs {
	struct crc_arena *arena;
	struct crc_kvlist *kv;
	size_t cap;
	int failed;
};

static void define(struct defs *d, const char *key, const char *value)
{
	if (d->failed || !value) {
		d->failed = 1;
		return;
	}
	size_t kcap = d->cap, n = d->kv->n;
	const char **k = crc_arena_grow(d->arena, d->kv->keys, n, &kcap, n + 1, sizeof *k);
	const char **v = k ? crc_arena_grow(d->arena, d->kv->values, n, &d->cap, n + 1, sizeof *v) : NULL;
	if (!v) {
		d->failed = 1;
		return;
	}
	d->kv->keys = k;
	d->kv->values = v;
	d->kv->keys[d->kv->n] = key;
	d->kv->values[d->kv->n++] = value;
}

/* A definition's key and place, for finding keys defined more than once. */
struct def_at {
	const char *key;
	size_t index;
};

static int by_def(const void *a, const void *b)
{
	const struct def_at *x = a, *y = b;
	int r = strcmp(x->key, y->key);
	return r ? r : x->index < y->index ? -1 : x->index > y->index;
}

/* Keeps each key once, in the place of its first definition, with the value of its last. */
static void settle(struct defs *d)
{
	struct crc_kvlist *kv = d->kv;
	size_t n = kv->n, k = 0;
	if (d->failed || n < 2)
		return;
	struct def_at *s = malloc(n * sizeof *s);
	unsigned char *gone = calloc(n, 1);
	if (!s || !gone) {
		d->failed = 1;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		s[i] = (struct def_at){kv->keys[i], i};
	qsort(s, n, sizeof *s, by_def);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(s[j].key, s[i].key) == 0; j++)
			gone[s[j].index] = 1;
		kv->values[s[i].index] = kv->values[s[j - 1].index];
	}
	for (size_t i = 0; i < n; i++)
		if (!gone[i]) {
			kv->keys[k] = kv->keys[i];
			kv->values[k++] = kv->values[i];
		}
	kv->n = k;
out:
	free(s);
	free(gone);
}

const char *crc_flags_join(struct crc_arena *arena, const struct crc_strlist *l)
{
	size_t len = 0;
	for (size_t i = 0; i < l->n; i++)
		len += strlen(l->items[i]) + 1;
	char *s = crc_arena_alloc(arena, len + 1);
	if (!s)
		return NULL;
	char *q = s;
	for (size_t i = 0; i < l->n; i++) {
		size_t n = strlen(l->items[i]);
		if (i)
			*q++ = ' ';
		memcpy(q, l->items[i], n);
		q += n;
	}
	*q = '\0';
	return s;
}

/* Rejects a flag CMake would split: its flag variables are space-separated strings. */
static int check_words(const struct crc_strlist *l, const char *where, struct crc_error *err)
{
	for (size_t i = 0; i < l->n; i++)
		if (strpbrk(l->items[i], " \t\n\r\v\f"))
			return crc_err(err, CRC_EINVALID,
				       "%s: '%s' holds whitespace, which CMake's flag strings would split; "
				       "write it as separate flags",
				       where, l->items[i]);
	return 0;
}

/* -O for opt_level in dialect d; adds a note where the dialect has no exact spelling. */
static const char *opt_flag(const char *level, enum crc_dialect d, struct list *notes)
{
	if (strcmp(level, "z") == 0 && d == CRC_DIALECT_GCC) {
		push(notes, "opt-level=z: the gcc dialect maps it to -Os (size), as gcc's -Oz is not used");
		return "-Os";
	}
	static const char *const map[][2] = {{"0", "-O0"}, {"1", "-O1"}, {"2", "-O2"},
					     {"3", "-O3"}, {"s", "-Os"}, {"z", "-Oz"}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(level, map[i][0]) == 0)
			return map[i][1];
	return "-O2";
}

/* The LTO and codegen-unit flags (compile and link alike), with notes for what has no spelling. */
static void lto_flags(struct list *both, struct list *link, struct list *notes, const struct crc_profile *p,
		      const struct crc_toolchain *tc)
{
	const char *lto = p->optimization.lto;
	int cu = p->optimization.codegen_units;
	if (strcmp(lto, "off") == 0) {
		if (cu != 1)
			pushf(notes,
			      "codegen-units=%d: no flag without LTO (a C compiler makes one unit per source "
			      "file)",
			      cu);
		return;
	}
	if (tc->lto_unsupported) {
		pushf(notes, "lto=%s: not honoured for %s: %s; built without LTO", lto, tc->triple,
		      tc->lto_unsupported);
		pushf(notes, "codegen-units=%d: not honoured for %s without LTO", cu, tc->triple);
		return;
	}
	if (tc->dialect == CRC_DIALECT_GCC) {
		int fat = strcmp(lto, "fat") == 0;
		push(both, fat ? "-flto" : "-flto=auto");
		if (!fat)
			push(notes, "lto=thin: gcc has no ThinLTO; -flto=auto (partitioned, parallel WHOPR) "
				    "is the closest");
		if (cu == 1)
			push(both, "-flto-partition=one");
		else
			pushf(both, "--param=lto-partitions=%d", cu);
		return;
	}
	int fat = strcmp(lto, "fat") == 0;
	push(both, fat ? "-flto=full" : "-flto=thin");
	if (fat)
		pushf(link, "-Wl,--lto-partitions=%d", cu);
	else
		pushf(notes, "codegen-units=%d: ThinLTO splits by module; clang has no flag for it", cu);
}

/* The post-link optimizer's arguments (wasm_opt): its level, then the toolchain's flags (the features); or
 * a note for a toolchain without an optimizer. Returns 1 when out of memory. */
static int optimizer_args(struct crc_flags *out, struct crc_arena *arena, const struct crc_profile *p,
			  const struct crc_toolchain *tc, struct list *notes)
{
	const char *level = p->optimization.wasm_opt;
	struct list o = {arena, &out->optimize, 0, 0};
	if (strcmp(level, "off") == 0)
		return 0;
	if (!tc->optimizer) {
		pushf(notes, "wasm-opt=%s: not honoured for %s: its toolchain names no optimizer", level,
		      tc->triple);
		return notes->failed;
	}
	out->optimizer = tc->optimizer;
	pushf(&o, "-%s", level);
	push_all(&o, &tc->optimizer_flags);
	/* The link's -s has stripped already; what the optimizer writes carries nothing more to strip. */
	return o.failed || notes->failed;
}

int crc_flags_resolve(struct crc_flags *out, struct crc_arena *arena, const struct crc_profile *p,
		      const struct crc_profile_target *t, const struct crc_toolchain *tc,
		      const struct crc_gates *gates, struct crc_error *err)
{
	memset(out, 0, sizeof *out);
	out->triple = t->triple;
	struct list cf = {arena, &out->cflags, 0, 0}, lf = {arena, &out->ldflags, 0, 0},
		    notes = {arena, &out->notes, 0, 0};
	struct crc_strlist both_l = {0, NULL}, link_l = {0, NULL};
	struct list both = {arena, &both_l, 0, 0}, link = {arena, &link_l, 0, 0};
	struct defs d = {arena, &out->cmake, 0, 0};
	int rc;
	if ((rc = check_words(&tc->cflags, tc->path, err)) ||
	    (rc = check_words(&tc->ldflags, tc->path, err)) ||
	    (rc = check_words(&p->extra.cflags, "extra.cflags", err)) ||
	    (rc = check_words(&p->extra.ldflags, "extra.ldflags", err)) ||
	    (rc = check_words(&t->extra.cflags, "per_target cflags", err)) ||
	    (rc = check_words(&t->extra.ldflags, "per_target ldflags", err)))
		return rc;

	const char *opt = opt_flag(p->optimization.opt_level, tc->dialect, &notes);
	lto_flags(&both, &link, &notes, p, tc);

	/* Compile: the toolchain's own flags, then optimization, debug info, reproducibility, the profile's.
	 */
	push_all(&cf, &tc->cflags);
	push(&cf, opt);
	push_all(&cf, &both_l);
	push(&cf, p->optimization.debug_info ? "-g" : "-g0");
	push(&cf, "-ffile-prefix-map=" CRC_FLAGS_SRC "=.");
	push(&cf, "-ffile-prefix-map=" CRC_FLAGS_BUILD "=build");
	if (tc->dialect == CRC_DIALECT_GCC) /* names of LTO sections and such, random by default */
		push(&cf, "-frandom-seed=noa");
	push_all(&cf, &p->extra.cflags);
	push_all(&cf, &t->extra.cflags);

	/* Link: the toolchain's, then what the link step of LTO needs again, stripping, the profile's. */
	push_all(&lf, &tc->ldflags);
	push(&lf, opt);
	push_all(&lf, &both_l);
	push_all(&lf, &link_l);
	if (p->optimization.strip)
		push(&lf, "-s");
	push_all(&lf, &p->extra.ldflags);
	push_all(&lf, &t->extra.ldflags);
	if (cf.failed || lf.failed || both.failed || link.failed)
		return crc_err(err, CRC_ENOMEM, "out of memory resolving flags for %s", t->triple);

	/* Configure: no build type of CMake's own (its -O3/-DNDEBUG would override the profile's). */
	define(&d, "CMAKE_TOOLCHAIN_FILE", CRC_FLAGS_BUILD "/toolchain.cmake");
	define(&d, "CMAKE_BUILD_TYPE", "None");
	define(&d, "CMAKE_C_FLAGS", crc_flags_join(arena, &out->cflags));
	define(&d, "CMAKE_EXE_LINKER_FLAGS", crc_flags_join(arena, &out->ldflags));
	define(&d, "NOA_BUILD_TESTS", "OFF");
	define(&d, "NOA_TARGET_TRIPLE", t->triple);
	define(&d, "NOA_BUILD_PROFILE", p->name);
	define(&d, "NOA_BUILD_OPT_LEVEL", p->optimization.opt_level);
	define(&d, "NOA_BUILD_LTO", tc->lto_unsupported ? "off" : p->optimization.lto);
	/* LTO objects are compiler IR with the build's paths in them: ship lib/libnoa.a as plain objects. */
	if (strcmp(p->optimization.lto, "off") != 0 && !tc->lto_unsupported)
		define(&d, "NOA_INSTALL_PLAIN_LIB", "ON");
	/* Every gate explicitly, so that nothing a previous configure cached leaks in. */
	for (size_t i = 0; i < gates->n; i++) {
		int on = 0;
		for (size_t k = 0; k < p->features.n; k++)
			on |= strcmp(p->features.items[k], gates->names[i]) == 0;
		define(&d, gates->options[i], on ? "ON" : "OFF");
	}
	for (size_t i = 0; i < p->extra.cmake.n; i++)
		define(&d, p->extra.cmake.keys[i], p->extra.cmake.values[i]);
	for (size_t i = 0; i < t->extra.cmake.n; i++)
		define(&d, t->extra.cmake.keys[i], t->extra.cmake.values[i]);
	settle(&d);
	if (d.failed || notes.failed || optimizer_args(out, arena, p, tc, &notes))
		return crc_err(err, CRC_ENOMEM, "out of memory resolving flags for %s", t->triple);
	return 0;
}

int crc_flags_vocabulary(struct crc_strlist *out, struct crc_arena *arena, const struct crc_profile *p)
{
	struct list v = {arena, out, 0, 0};
	out->n = 0;
	pushf(&v, "-C opt-level=%s", p->optimization.opt_level);
	pushf(&v, "-C lto=%s", p->optimization.lto);
	pushf(&v, "-C codegen-units=%d", p->optimization.codegen_units);
	pushf(&v, "-C strip=%s", p->optimization.strip ? "symbols" : "none");
	pushf(&v, "-C debuginfo=%d", p->optimization.debug_info ? 2 : 0);
	if (strcmp(p->optimization.wasm_opt, "off") != 0)
		pushf(&v, "-C wasm-opt=%s", p->optimization.wasm_opt);
	return v.failed ? CRC_ENOMEM : 0;
}

void crc_flags_text(struct crc_buf *out, const struct crc_profile *p, const struct crc_flags *targets,
		    size_t ntargets)
{
	crc_buf_puts(
		out,
		"# crc flags v1: the build settings of this drop (docs/profiles.md, \"flags.txt\").\n"
		"# $SRC is the runtime's source directory and $BUILD each target's build directory on the\n"
		"# build machine.\n");
	crc_buf_printf(out, "profile %s\n", p->name);
	crc_buf_printf(out, "-C opt-level=%s\n-C lto=%s\n-C codegen-units=%d\n-C strip=%s\n-C debuginfo=%d\n",
		       p->optimization.opt_level, p->optimization.lto, p->optimization.codegen_units,
		       p->optimization.strip ? "symbols" : "none", p->optimization.debug_info ? 2 : 0);
	if (strcmp(p->optimization.wasm_opt, "off") != 0)
		crc_buf_printf(out, "-C wasm-opt=%s\n", p->optimization.wasm_opt);
	for (size_t i = 0; i < p->features.n; i++)
		crc_buf_printf(out, "feature %s\n", p->features.items[i]);
	for (size_t t = 0; t < ntargets; t++) {
		const struct crc_flags *f = &targets[t];
		crc_buf_printf(out, "\ntarget %s\n", f->triple);
		crc_buf_puts(out, "CFLAGS");
		for (size_t i = 0; i < f->cflags.n; i++)
			crc_buf_printf(out, " %s", f->cflags.items[i]);
		crc_buf_puts(out, "\nLDFLAGS");
		for (size_t i = 0; i < f->ldflags.n; i++)
			crc_buf_printf(out, " %s", f->ldflags.items[i]);
		crc_buf_putc(out, '\n');
		for (size_t i = 0; i < f->cmake.n; i++)
			crc_buf_printf(out, "cmake -D%s=%s\n", f->cmake.keys[i], f->cmake.values[i]);
		if (f->optimize.n) {
			crc_buf_printf(out, "optimize %s", f->optimizer);
			for (size_t i = 0; i < f->optimize.n; i++)
				crc_buf_printf(out, " %s", f->optimize.items[i]);
			crc_buf_putc(out, '\n');
		}
		for (size_t i = 0; i < f->notes.n; i++)
			crc_buf_printf(out, "note %s\n", f->notes.items[i]);
	}
}
