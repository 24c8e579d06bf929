/* Flag resolution per dialect (docs/profiles.md, "Flag resolution"): the shipped profiles and toolchains,
 * varied with --set, must give exactly the flags the mapping table promises, and a note wherever a setting
 * cannot be honoured as written. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc/flags.h"
#include "crc/json.h"
#include "crc/plan.h"

struct fixture {
	struct crc_profile *p;
	struct crc_toolchain *tc[CRC_PROFILE_MAX_TARGETS];
	struct crc_arena arena;
	struct crc_gates *gates;
	struct crc_flags flags[CRC_PROFILE_MAX_TARGETS];
};

static void resolve(struct fixture *f, const char *profile, const char *const *sets, size_t nsets)
{
	struct crc_error err;
	memset(f, 0, sizeof *f);
	crc_arena_init(&f->arena, 1 << 20);
	cr_assert_eq(crc_gates_load(&f->gates, CRC_SOURCE_DIR, &err), 0, "%s", err.msg);
	cr_assert_eq(crc_profile_load(&f->p, CRC_SOURCE_DIR, f->gates, profile, sets, nsets, &err), 0, "%s",
		     err.msg);
	for (size_t i = 0; i < f->p->ntargets; i++) {
		cr_assert_eq(crc_toolchain_load(&f->tc[i], CRC_SOURCE_DIR, f->p->targets[i].triple, &err), 0,
			     "%s", err.msg);
		cr_assert_eq(crc_flags_resolve(&f->flags[i], &f->arena, f->p, &f->p->targets[i], f->tc[i],
					       f->gates, &err),
			     0, "%s", err.msg);
	}
}

static void release(struct fixture *f)
{
	for (size_t i = 0; i < CRC_PROFILE_MAX_TARGETS; i++)
		crc_toolchain_free(f->tc[i]);
	crc_profile_free(f->p);
	crc_gates_free(f->gates);
	crc_arena_free(&f->arena);
}

/* The index of target triple in the fixture. */
static const struct crc_flags *target(const struct fixture *f, const char *triple)
{
	for (size_t i = 0; i < f->p->ntargets; i++)
		if (strcmp(f->flags[i].triple, triple) == 0)
			return &f->flags[i];
	cr_assert_fail("no target %s", triple);
	return NULL;
}

static int has(const struct crc_strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i], s) == 0)
			return 1;
	return 0;
}

static int has_prefix(const struct crc_strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->items[i], s, strlen(s)) == 0)
			return 1;
	return 0;
}

static const char *def(const struct crc_flags *f, const char *key)
{
	for (size_t i = 0; i < f->cmake.n; i++)
		if (strcmp(f->cmake.keys[i], key) == 0)
			return f->cmake.values[i];
	return NULL;
}

Test(flags, opt_level_z_is_Oz_for_clang_and_Os_with_a_note_for_gcc)
{
	struct fixture f;
	resolve(&f, "edge", NULL, 0);
	const struct crc_flags *wasm = target(&f, "wasm32-wasi"), *arm = target(&f, "aarch64-linux-gnu");
	cr_assert(has(&wasm->cflags, "-Oz"));
	cr_assert(!has(&wasm->cflags, "-Os"));
	cr_assert(has(&arm->cflags, "-Os"));
	cr_assert(!has(&arm->cflags, "-Oz"));
	cr_assert(has_prefix(&arm->notes, "opt-level=z: the gcc dialect maps it to -Os"));
	cr_assert(!has_prefix(&wasm->notes, "opt-level=z"));
	release(&f);
}

Test(flags, fat_lto_with_one_unit)
{
	struct fixture f;
	resolve(&f, "edge", NULL, 0);
	const struct crc_flags *wasm = target(&f, "wasm32-wasi"), *x86 = target(&f, "x86_64-linux-gnu");
	cr_assert(has(&wasm->cflags, "-flto=full"));
	cr_assert(has(&wasm->ldflags, "-flto=full"));
	cr_assert(has(&wasm->ldflags, "-Wl,--lto-partitions=1"));
	cr_assert(has(&x86->cflags, "-flto"));
	cr_assert(has(&x86->cflags, "-flto-partition=one"));
	cr_assert(has(&x86->ldflags, "-flto-partition=one"), "the LTO link needs the partitioning too");
	cr_assert_str_eq(def(x86, "NOA_INSTALL_PLAIN_LIB"), "ON", "lib/libnoa.a ships without LTO IR");
	cr_assert_str_eq(def(wasm, "NOA_INSTALL_PLAIN_LIB"), "ON");
	release(&f);
}

Test(flags, thin_lto_is_thin_for_clang_and_auto_with_a_note_for_gcc)
{
	const char *sets[] = {"targets=[x86_64-linux-gnu, wasm32-wasi]"};
	struct fixture f;
	resolve(&f, "server", sets, 1);
	const struct crc_flags *wasm = target(&f, "wasm32-wasi"), *x86 = target(&f, "x86_64-linux-gnu");
	cr_assert(has(&wasm->cflags, "-flto=thin"));
	cr_assert(has_prefix(&wasm->notes, "codegen-units=16: ThinLTO splits by module"));
	cr_assert(has(&x86->cflags, "-flto=auto"));
	cr_assert(has(&x86->cflags, "--param=lto-partitions=16"));
	cr_assert(has_prefix(&x86->notes, "lto=thin: gcc has no ThinLTO"));
	release(&f);
}

Test(flags, lto_off_adds_no_lto_flag_and_notes_codegen_units)
{
	const char *sets[] = {"optimization.lto=off", "optimization.opt_level=2"};
	struct fixture f;
	resolve(&f, "server", sets, 2);
	const struct crc_flags *x86 = target(&f, "x86_64-linux-gnu");
	cr_assert(!has_prefix(&x86->cflags, "-flto"));
	cr_assert(!has_prefix(&x86->ldflags, "-flto"));
	cr_assert(has(&x86->cflags, "-O2"));
	cr_assert(has_prefix(&x86->notes, "codegen-units=16: no flag without LTO"));
	cr_assert_str_eq(def(x86, "NOA_BUILD_LTO"), "off");
	cr_assert_null(def(x86, "NOA_INSTALL_PLAIN_LIB"), "no LTO, nothing to strip");
	release(&f);
}

Test(flags, reproducibility_flags_use_placeholders_only)
{
	struct fixture f;
	resolve(&f, "server", NULL, 0);
	for (size_t i = 0; i < f.p->ntargets; i++) {
		const struct crc_flags *t = &f.flags[i];
		cr_assert(has(&t->cflags, "-ffile-prefix-map=$SRC=."));
		cr_assert(has(&t->cflags, "-ffile-prefix-map=$BUILD=build"));
		cr_assert(has(&t->cflags, "-frandom-seed=noa"), "gcc's random names are fixed");
		for (size_t k = 0; k < t->cflags.n; k++)
			cr_assert(!strstr(t->cflags.items[k], CRC_SOURCE_DIR), "no path of this machine: %s",
				  t->cflags.items[k]);
	}
	release(&f);
}

Test(flags, gates_are_all_defined_on_or_off)
{
	struct fixture f;
	resolve(&f, "edge", NULL, 0);
	const struct crc_flags *t = target(&f, "x86_64-linux-gnu");
	cr_assert_str_eq(def(t, "NOA_FEATURE_LOW_POWER"), "ON");
	cr_assert_str_eq(def(t, "NOA_FEATURE_QUANTIZED_KERNELS"), "ON");
	cr_assert_str_eq(def(t, "NOA_FEATURE_THROUGHPUT"), "OFF");
	cr_assert_str_eq(def(t, "NOA_FEATURE_GPU_OFFLOAD"), "OFF");
	cr_assert_str_eq(def(t, "CMAKE_BUILD_TYPE"), "None");
	cr_assert_str_eq(def(t, "NOA_BUILD_OPT_LEVEL"), "z");
	cr_assert_str_eq(def(t, "NOA_BUILD_PROFILE"), "edge");
	release(&f);
}

Test(flags, strip_and_debug_info)
{
	struct fixture f;
	resolve(&f, "edge", NULL, 0);
	cr_assert(has(&target(&f, "x86_64-linux-gnu")->ldflags, "-s"));
	cr_assert(has(&target(&f, "x86_64-linux-gnu")->cflags, "-g0"));
	release(&f);
	resolve(&f, "server", NULL, 0);
	cr_assert(!has(&target(&f, "x86_64-linux-gnu")->ldflags, "-s"));
	cr_assert(has(&target(&f, "x86_64-linux-gnu")->cflags, "-g"));
	release(&f);
}

Test(flags, profile_flags_come_last_and_cmake_overrides_in_place)
{
	const char *sets[] = {"extra={cflags: [-DA=1], ldflags: ['-Wl,-O1'], cmake: {NOA_BUILD_TESTS: 'ON'}}",
			      "per_target={x86_64-linux-gnu: {cflags: [-DB=2]}}"};
	struct fixture f;
	resolve(&f, "server", sets, 2);
	const struct crc_flags *t = target(&f, "x86_64-linux-gnu");
	cr_assert_str_eq(t->cflags.items[t->cflags.n - 2], "-DA=1");
	cr_assert_str_eq(t->cflags.items[t->cflags.n - 1], "-DB=2");
	cr_assert_str_eq(t->ldflags.items[t->ldflags.n - 1], "-Wl,-O1");
	cr_assert_str_eq(def(t, "NOA_BUILD_TESTS"), "ON");
	size_t count = 0;
	for (size_t i = 0; i < t->cmake.n; i++)
		count += strcmp(t->cmake.keys[i], "NOA_BUILD_TESTS") == 0;
	cr_assert_eq(count, 1, "one definition per variable");
	cr_assert(!has(&target(&f, "aarch64-linux-gnu")->cflags, "-DB=2"));
	release(&f);
}

Test(flags, whitespace_in_a_flag_is_an_error)
{
	const char *sets[] = {"extra.cflags=['-DX=a b']"};
	struct fixture f;
	struct crc_error err;
	memset(&f, 0, sizeof f);
	crc_arena_init(&f.arena, 1 << 20);
	cr_assert_eq(crc_gates_load(&f.gates, CRC_SOURCE_DIR, &err), 0);
	cr_assert_eq(crc_profile_load(&f.p, CRC_SOURCE_DIR, f.gates, "server", sets, 1, &err), 0);
	cr_assert_eq(crc_toolchain_load(&f.tc[0], CRC_SOURCE_DIR, "x86_64-linux-gnu", &err), 0);
	cr_assert_eq(crc_flags_resolve(&f.flags[0], &f.arena, f.p, &f.p->targets[0], f.tc[0], f.gates, &err),
		     CRC_EINVALID);
	cr_assert_str_eq(err.msg,
			 "extra.cflags: '-DX=a b' holds whitespace, which CMake's flag strings would "
			 "split; write it as separate flags");
	release(&f);
}

Test(flags, flags_txt_is_the_same_for_the_same_inputs)
{
	struct fixture a, b;
	struct crc_buf ta, tb;
	resolve(&a, "edge", NULL, 0);
	resolve(&b, "edge", NULL, 0);
	crc_buf_init(&ta);
	crc_buf_init(&tb);
	crc_flags_text(&ta, a.p, a.flags, a.p->ntargets);
	crc_flags_text(&tb, b.p, b.flags, b.p->ntargets);
	cr_assert_eq(crc_buf_error(&ta), 0);
	cr_assert_str_eq(crc_buf_str(&ta), crc_buf_str(&tb));
	cr_assert(strstr(crc_buf_str(&ta), "\n-C opt-level=z\n-C lto=fat\n-C codegen-units=1\n"));
	cr_assert(strstr(crc_buf_str(&ta), "\nfeature low-power\nfeature quantized-kernels\n"));
	cr_assert(!strstr(crc_buf_str(&ta), CRC_SOURCE_DIR));
	crc_buf_free(&ta);
	crc_buf_free(&tb);
	release(&a);
	release(&b);
}

/* The fixture's profile planned for all its targets, at root /r. */
static struct crc_plan *plan_all(const struct fixture *f)
{
	struct crc_plan *plan;
	struct crc_error err;
	const char *triples[CRC_PROFILE_MAX_TARGETS];
	for (size_t i = 0; i < f->p->ntargets; i++)
		triples[i] = f->p->targets[i].triple;
	struct crc_plan_options o = {"/r", NULL, "d1", 2};
	cr_assert_eq(crc_plan_make(&plan, f->p, (const struct crc_toolchain *const *)f->tc, triples,
				   f->p->ntargets, f->gates, &o, &err),
		     0, "%s", err.msg);
	return plan;
}

Test(flags, wasm_opt_gives_the_optimizer_args_for_wasm_and_a_note_elsewhere)
{
	struct fixture f;
	resolve(&f, "edge", NULL, 0);
	const struct crc_flags *w = target(&f, "wasm32-wasi"), *x = target(&f, "x86_64-linux-gnu");
	cr_assert_str_eq(w->optimizer, "wasm-opt");
	cr_assert_eq(w->optimize.n, 3);
	cr_assert_str_eq(w->optimize.items[0], "-O3");
	cr_assert_str_eq(w->optimize.items[1], "--enable-simd");
	cr_assert_str_eq(w->optimize.items[2], "--enable-mutable-globals");
	cr_assert(has(&w->ldflags, "-s"));
	cr_assert(has(&w->ldflags, "-B$SRC/cmake/no-wasm-opt"), "clang's own wasm-opt run is a no-op");
	cr_assert_eq(w->notes.n, 0);
	cr_assert_null(x->optimizer);
	cr_assert_eq(x->optimize.n, 0);
	cr_assert(has(&x->notes,
		      "wasm-opt=O3: not honoured for x86_64-linux-gnu: its toolchain names no optimizer"));
	release(&f);
	const char *off[] = {"optimization.wasm_opt=off"};
	resolve(&f, "edge", off, 1);
	cr_assert_null(target(&f, "wasm32-wasi")->optimizer);
	cr_assert_eq(target(&f, "wasm32-wasi")->optimize.n, 0);
	cr_assert(!has_prefix(&target(&f, "x86_64-linux-gnu")->notes, "wasm-opt="));
	release(&f);
}

Test(flags, flags_txt_records_the_wasm_opt_level)
{
	const char *o4[] = {"optimization.wasm_opt=O4"}, *off[] = {"optimization.wasm_opt=off"};
	struct fixture a, b, c;
	struct crc_buf ta, tb, tc;
	resolve(&a, "edge", NULL, 0);
	resolve(&b, "edge", o4, 1);
	resolve(&c, "edge", off, 1);
	crc_buf_init(&ta);
	crc_buf_init(&tb);
	crc_buf_init(&tc);
	crc_flags_text(&ta, a.p, a.flags, a.p->ntargets);
	crc_flags_text(&tb, b.p, b.flags, b.p->ntargets);
	crc_flags_text(&tc, c.p, c.flags, c.p->ntargets);
	cr_assert(strstr(crc_buf_str(&ta), "\n-C debuginfo=0\n-C wasm-opt=O3\nfeature low-power\n"));
	cr_assert(
		strstr(crc_buf_str(&ta), "\noptimize wasm-opt -O3 --enable-simd --enable-mutable-globals\n"));
	cr_assert(strstr(crc_buf_str(&tb), "\n-C wasm-opt=O4\n"));
	cr_assert_str_neq(crc_buf_str(&ta), crc_buf_str(&tb), "another level, another flags.txt");
	cr_assert(!strstr(crc_buf_str(&tc), "wasm-opt="), "off writes no line");
	cr_assert(!strstr(crc_buf_str(&tc), "\noptimize "));
	crc_buf_free(&ta);
	crc_buf_free(&tb);
	crc_buf_free(&tc);
	release(&a);
	release(&b);
	release(&c);
}

Test(plan, optimize_step_runs_wasm_opt_on_the_staged_program_for_wasm_only)
{
	struct fixture f;
	resolve(&f, "edge", NULL, 0);
	struct crc_plan *plan = plan_all(&f);
	const struct crc_plan_target *w = &plan->targets[2], *x = &plan->targets[1];
	cr_assert_str_eq(w->toolchain->triple, "wasm32-wasi");
	cr_assert_str_eq(w->optimize_out, "build/crc/edge/wasm32-wasi/stage/bin/noa.wasm.opt");
	struct crc_buf line;
	crc_buf_init(&line);
	crc_cmd_line(&line, &w->optimize);
	cr_assert_str_eq(crc_buf_str(&line), "wasm-opt -O3 --enable-simd --enable-mutable-globals "
					     "/r/build/crc/edge/wasm32-wasi/stage/bin/noa.wasm -o "
					     "/r/build/crc/edge/wasm32-wasi/stage/bin/noa.wasm.opt");
	crc_buf_free(&line);
	cr_assert_eq(x->optimize.argv.n, 0);
	cr_assert_null(x->optimize_out);
	struct crc_json *j = crc_plan_json(plan);
	char *text = crc_json_render(j, 0);
	cr_assert_not_null(strstr(text, "\"wasm_opt\":\"O3\""));
	cr_assert_not_null(strstr(text, "\"optimize\":[\"wasm-opt\",\"-O3\""));
	free(text);
	crc_json_free(j);
	crc_plan_free(plan);
	release(&f);
	const char *off[] = {"optimization.wasm_opt=off"};
	resolve(&f, "edge", off, 1);
	plan = plan_all(&f);
	cr_assert_eq(plan->targets[2].optimize.argv.n, 0);
	crc_plan_free(plan);
	release(&f);
}

/* As many CMake definitions as the longest extends chain of the largest maps gives a profile (8 files of
 * about 5000), and a target's own on top, half of them redefining the profile's: each definition used to
 * be looked for among all the earlier ones. Bounded by the test harness (.timeout). */
#define MANY_DEFS 40000
#define TARGET_DEFS 10000
Test(flags, the_most_cmake_definitions_resolve_in_n_log_n, .timeout = 10)
{
	struct fixture f;
	struct crc_error err;
	struct crc_flags out;
	resolve(&f, "server", NULL, 0);
	struct crc_arena big;
	crc_arena_init(&big, (size_t)64 << 20);
	const char **keys = crc_arena_alloc(&big, (MANY_DEFS + TARGET_DEFS) * sizeof *keys);
	const char **values = crc_arena_alloc(&big, (MANY_DEFS + TARGET_DEFS) * sizeof *values);
	cr_assert(keys && values);
	for (size_t i = 0; i < MANY_DEFS + TARGET_DEFS; i++) {
		char k[32];
		/* The target's first half redefines the profile's last keys, its second half is new. */
		size_t n = i < MANY_DEFS ? i : i - TARGET_DEFS / 2;
		snprintf(k, sizeof k, "NOA_EXTRA_%06zu", n);
		keys[i] = crc_arena_strndup(&big, k, strlen(k));
		values[i] = i < MANY_DEFS ? "profile" : "target";
	}
	struct crc_profile_target *t = &f.p->targets[0];
	f.p->extra.cmake = (struct crc_kvlist){MANY_DEFS, keys, values};
	t->extra.cmake = (struct crc_kvlist){TARGET_DEFS, keys + MANY_DEFS, values + MANY_DEFS};
	cr_assert_eq(crc_flags_resolve(&out, &big, f.p, t, f.tc[0], f.gates, &err), 0, "%s", err.msg);
	size_t first = 0;
	while (first < out.cmake.n && strcmp(out.cmake.keys[first], "NOA_EXTRA_000000") != 0)
		first++;
	cr_assert_eq(out.cmake.n - first, MANY_DEFS + TARGET_DEFS / 2, "each key once");
	for (size_t i = 0; i < MANY_DEFS + TARGET_DEFS / 2; i++) {
		char k[32];
		snprintf(k, sizeof k, "NOA_EXTRA_%06zu", i);
		cr_assert_str_eq(out.cmake.keys[first + i], k, "in the place of its first definition");
		cr_assert_str_eq(out.cmake.values[first + i],
				 i < MANY_DEFS - TARGET_DEFS / 2 ? "profile" : "target",
				 "the last value wins");
	}
	f.p->extra.cmake = (struct crc_kvlist){0, NULL, NULL};
	t->extra.cmake = (struct crc_kvlist){0, NULL, NULL};
	crc_arena_free(&big);
	release(&f);
}
