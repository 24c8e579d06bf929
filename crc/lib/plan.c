/* Build plans (see crc/plan.h): directories, commands and the drop's place, from a resolved profile and
 * its toolchains. The commands carry absolute paths (the project root replaces $SRC and $BUILD), since
 * -ffile-prefix-map must name the directory the compiler really sees; flags.txt keeps the placeholders. */
#include "crc/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc/json.h"
#include "crc/lambda.h"
#include "crc/yaml.h"
#include "crc/ids.h"

#define PLAN_ARENA_MAX ((size_t)16 << 20)

struct ctx {
	struct crc_arena *a;
	int failed;
};

__attribute__((format(printf, 2, 3))) static const char *fmt(struct ctx *c, const char *f, ...)
{
	char tmp[8192];
	va_list ap;
	va_start(ap, f);
	int w = vsnprintf(tmp, sizeof tmp, f, ap);
	va_end(ap);
	const char *s = w < 0 || (size_t)w >= sizeof tmp ? NULL : crc_arena_strndup(c->a, tmp, (size_t)w);
	if (!s)
		c->failed = 1;
	return s ? s : "";
}

/* Replaces every $SRC and $BUILD in s. */
static const char *expand(struct ctx *c, const char *s, const char *src, const char *build)
{
	struct crc_buf b;
	crc_buf_init(&b);
	while (*s) {
		if (strncmp(s, CRC_FLAGS_SRC, 4) == 0) {
			crc_buf_puts(&b, src);
			s += 4;
		} else if (strncmp(s, CRC_FLAGS_BUILD, 6) == 0) {
			crc_buf_puts(&b, build);
			s += 6;
		} else {
			crc_buf_putc(&b, *s++);
		}
	}
	const char *out = b.failed ? NULL : crc_arena_strndup(c->a, crc_buf_str(&b), b.len);
	crc_buf_free(&b);
	if (!out)
		c->failed = 1;
	return out ? out : "";
}

/* Builds an argv in the arena from a NULL-terminated list of strings, after a prefix list. */
static void cmd(struct ctx *c, struct crc_cmd *out, const struct crc_strlist *prefix, ...)
{
	const char *items[256];
	size_t n = 0;
	va_list ap;
	for (size_t i = 0; prefix && i < prefix->n && n < 256; i++)
		items[n++] = prefix->items[i];
	va_start(ap, prefix);
	for (const char *s; (s = va_arg(ap, const char *)) != NULL && n < 256;)
		items[n++] = s;
	va_end(ap);
	out->argv.items = crc_arena_alloc(c->a, (n ? n : 1) * sizeof *items);
	if (!out->argv.items) {
		c->failed = 1;
		return;
	}
	memcpy(out->argv.items, items, n * sizeof *items);
	out->argv.n = n;
}

/* The -D arguments of the configure command, expanded, after "cmake -S ... -B ...". */
static void configure_cmd(struct ctx *c, struct crc_plan_target *t, const char *src, const char *build)
{
	const struct crc_kvlist *kv = &t->flags.cmake;
	size_t n = 5 + kv->n;
	const char **argv = crc_arena_alloc(c->a, n * sizeof *argv);
	if (!argv) {
		c->failed = 1;
		return;
	}
	argv[0] = "cmake";
	argv[1] = "-S";
	argv[2] = src;
	argv[3] = "-B";
	argv[4] = build;
	for (size_t i = 0; i < kv->n; i++)
		argv[5 + i] = expand(c, fmt(c, "-D%s=%s", kv->keys[i], kv->values[i]), src, build);
	t->configure.argv.items = argv;
	t->configure.argv.n = n;
}

/* The optimizer on the staged program: "<optimizer> <args> <program> -o <program>.opt". */
static void optimize_cmd(struct ctx *c, struct crc_plan_target *t, const char *root)
{
	const struct crc_strlist *args = &t->flags.optimize;
	size_t n = 4 + args->n;
	const char **argv = crc_arena_alloc(c->a, n * sizeof *argv);
	if (!argv) {
		c->failed = 1;
		return;
	}
	t->optimize_out = fmt(c, "%s.opt", t->program);
	argv[0] = t->flags.optimizer;
	memcpy(argv + 1, args->items, args->n * sizeof *argv);
	argv[1 + args->n] = fmt(c, "%s/%s", root, t->program);
	argv[2 + args->n] = "-o";
	argv[3 + args->n] = fmt(c, "%s/%s", root, t->optimize_out ? t->optimize_out : "");
	t->optimize.argv.items = argv;
	t->optimize.argv.n = n;
}

static const struct crc_toolchain *toolchain_for(const struct crc_profile *p,
						 const struct crc_toolchain *const *all, const char *triple,
						 size_t *index)
{
	for (size_t i = 0; i < p->ntargets; i++)
		if (strcmp(p->targets[i].triple, triple) == 0) {
			*index = i;
			return all[i];
		}
	return NULL;
}

static int has_gate(const struct crc_profile *p, const char *gate)
{
	for (size_t i = 0; i < p->features.n; i++)
		if (strcmp(p->features.items[i], gate) == 0)
			return 1;
	return 0;
}

int crc_plan_make(struct crc_plan **out, const struct crc_profile *p,
		  const struct crc_toolchain *const *all_toolchains, const char *const *triples,
		  size_t ntriples, const struct crc_gates *gates, const struct crc_plan_options *o,
		  struct crc_error *err)
{
	struct crc_flags all[CRC_PROFILE_MAX_TARGETS];
	int rc;
	*out = NULL;
	if ((rc = crc_ids_check_drop_id(o->drop_id, err)))
		return rc;
	struct crc_plan *plan = calloc(1, sizeof *plan);
	if (!plan)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	crc_arena_init(&plan->arena, PLAN_ARENA_MAX);
	struct ctx c = {&plan->arena, 0};
	plan->profile = p;
	plan->drop_id = fmt(&c, "%s", o->drop_id);
	plan->storage = fmt(&c, "%s", o->storage ? o->storage : "storage/artifacts");
	plan->drop_dir = fmt(&c, "%s/%s/%s", plan->storage, p->name, o->drop_id);
	if ((rc = crc_flags_vocabulary(&plan->vocabulary, &plan->arena, p)))
		goto fail_nomem;

	/* flags.txt covers every target of the profile. */
	for (size_t i = 0; i < p->ntargets; i++)
		if ((rc = crc_flags_resolve(&all[i], &plan->arena, p, &p->targets[i], all_toolchains[i],
					    gates, err)))
			goto fail;
	struct crc_buf txt;
	crc_buf_init(&txt);
	crc_flags_text(&txt, p, all, p->ntargets);
	plan->flags_txt = crc_buf_take(&txt);
	if (!plan->flags_txt)
		goto fail_nomem;

	const char *src = fmt(&c, "%s/runtime", o->root);
	const char *jobs = fmt(&c, "%d", o->jobs > 0 ? o->jobs : 1);
	for (size_t k = 0; k < ntriples; k++) {
		size_t i;
		const struct crc_toolchain *tc = toolchain_for(p, all_toolchains, triples[k], &i);
		if (!tc) {
			rc = crc_err(err, CRC_EINVALID, "target '%s' is not one of profile %s's targets",
				     triples[k], p->name);
			goto fail;
		}
		for (size_t j = 0; j < plan->ntargets; j++)
			if (plan->targets[j].toolchain == tc) {
				rc = crc_err(err, CRC_EINVALID, "target '%s' is given twice", triples[k]);
				goto fail;
			}
		struct crc_plan_target *t = &plan->targets[plan->ntargets++];
		t->toolchain = tc;
		t->flags = all[i];
		t->build_dir = fmt(&c, "build/crc/%s/%s", p->name, tc->triple);
		t->stage_dir = fmt(&c, "%s/stage", t->build_dir);
		t->program = fmt(&c, "%s/bin/noa%s", t->stage_dir, tc->executable_suffix);
		t->archive = fmt(&c, "noa-%s-%s.%s", o->drop_id, tc->triple, p->archive);
		if (has_gate(p, CRC_LAMBDA_GATE) && strcmp(tc->cmake_system_name, "Linux") == 0) {
			if (!crc_lambda_architecture(tc->triple)) {
				rc = crc_err(
					err, CRC_EINVALID,
					"profile %s has the lambda gate, but Lambda runs no %s (only aarch64 "
					"and x86_64 Linux)",
					p->name, tc->triple);
				goto fail;
			}
			t->lambda_zip = fmt(&c, "function-%s.zip", tc->triple);
		}
		struct crc_buf tcf;
		crc_buf_init(&tcf);
		crc_toolchain_cmake(&tcf, tc);
		t->toolchain_cmake =
			tcf.failed ? NULL : crc_arena_strndup(&plan->arena, crc_buf_str(&tcf), tcf.len);
		crc_buf_free(&tcf);
		if (!t->toolchain_cmake)
			goto fail_nomem;
		const char *build = fmt(&c, "%s/%s", o->root, t->build_dir);
		configure_cmd(&c, t, src, build);
		cmd(&c, &t->build, NULL, "cmake", "--build", build, "-j", jobs, (const char *)NULL);
		cmd(&c, &t->install, NULL, "cmake", "--install", build, "--prefix",
		    fmt(&c, "%s/%s", o->root, t->stage_dir), (const char *)NULL);
		if (t->flags.optimize.n)
			optimize_cmd(&c, t, o->root);
		/* Emulator arguments naming a file of the project (runtime/...) are made absolute. */
		struct crc_strlist emu = tc->emulator;
		const char **items = crc_arena_alloc(&plan->arena, (emu.n ? emu.n : 1) * sizeof *items);
		if (!items)
			goto fail_nomem;
		for (size_t e = 0; e < emu.n; e++)
			items[e] = strncmp(emu.items[e], "runtime/", 8) == 0
					   ? fmt(&c, "%s/%s", o->root, emu.items[e])
					   : emu.items[e];
		emu.items = items;
		const char *program = fmt(&c, "%s/%s", o->root, t->program);
		cmd(&c, &t->smoke_version, &emu, program, "version", "--json", (const char *)NULL);
		cmd(&c, &t->smoke_target, &emu, program, "target", "--json", (const char *)NULL);
	}
	if (c.failed)
		goto fail_nomem;
	*out = plan;
	return 0;
fail_nomem:
	rc = crc_err(err, CRC_ENOMEM, "out of memory planning profile %s", p->name);
fail:
	crc_plan_free(plan);
	return rc;
}

void crc_cmd_line(struct crc_buf *out, const struct crc_cmd *c)
{
	static const char plain[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+=.,/:@%";
	for (size_t i = 0; i < c->argv.n; i++) {
		const char *a = c->argv.items[i];
		if (i)
			crc_buf_putc(out, ' ');
		if (*a && strspn(a, plain) == strlen(a)) {
			crc_buf_puts(out, a);
			continue;
		}
		crc_buf_putc(out, '\'');
		for (; *a; a++)
			if (*a == '\'')
				crc_buf_puts(out, "'\\''");
			else
				crc_buf_putc(out, *a);
		crc_buf_putc(out, '\'');
	}
}

int crc_plan_set_jobs(struct crc_plan *plan, int jobs, struct crc_error *err)
{
	struct ctx c = {&plan->arena, 0};
	const char *j = fmt(&c, "%d", jobs > 0 ? jobs : 1);
	for (size_t i = 0; i < plan->ntargets; i++) {
		struct crc_strlist *argv = &plan->targets[i].build.argv;
		for (size_t k = 0; k + 1 < argv->n; k++)
			if (strcmp(argv->items[k], "-j") == 0)
				argv->items[k + 1] = j;
	}
	return c.failed ? crc_err(err, CRC_ENOMEM, "out of memory") : 0;
}

int crc_plan_set_drop_id(struct crc_plan *plan, const char *id, struct crc_error *err)
{
	struct ctx c = {&plan->arena, 0};
	int rc = crc_ids_check_drop_id(id, err);
	if (rc)
		return rc;
	plan->drop_id = fmt(&c, "%s", id);
	plan->drop_dir = fmt(&c, "%s/%s/%s", plan->storage, plan->profile->name, id);
	for (size_t i = 0; i < plan->ntargets; i++)
		plan->targets[i].archive = fmt(&c, "noa-%s-%s.%s", id, plan->targets[i].toolchain->triple,
					       plan->profile->archive);
	return c.failed ? crc_err(err, CRC_ENOMEM, "out of memory") : 0;
}

int crc_plan_inputs_hash(char hex[CRC_SHA256_HEX], const struct crc_plan *plan, const char *crc_version,
			 const char *tree_sha256, const char *const *versions,
			 const struct crc_strlist *extra, struct crc_error *err)
{
	struct crc_buf b;
	crc_buf_init(&b);
	struct crc_json *pj = crc_profile_json(plan->profile);
	char *profile = pj ? crc_json_render(pj, 0) : NULL;
	crc_json_free(pj);
	crc_buf_printf(&b, "crc %s\nsource %s\nprofile %s\n", crc_version, tree_sha256,
		       profile ? profile : "");
	free(profile);
	crc_buf_puts(&b, plan->flags_txt);
	for (size_t i = 0; i < plan->ntargets; i++)
		crc_buf_printf(&b, "toolchain %s %s\n", plan->targets[i].toolchain->triple, versions[i]);
	for (size_t i = 0; extra && i < extra->n; i++)
		crc_buf_printf(&b, "%s\n", extra->items[i]);
	int rc = !profile || crc_buf_error(&b) ? crc_err(err, CRC_ENOMEM, "out of memory")
					       : crc_sha256_buf(hex, b.data, b.len, err);
	crc_buf_free(&b);
	return rc;
}

void crc_plan_free(struct crc_plan *plan)
{
	if (!plan)
		return;
	free(plan->flags_txt);
	crc_arena_free(&plan->arena);
	free(plan);
}

static struct crc_json *target_json(const struct crc_plan_target *t)
{
	const struct crc_toolchain *tc = t->toolchain;
	struct crc_json *o = crc_json_object(), *tj = crc_json_object(), *fj = crc_json_object(),
			*cm = crc_json_object(), *cmds = crc_json_object(), *smoke = crc_json_array();
	int bad = !o || crc_json_set_str(o, "triple", tc->triple) || crc_json_set(o, "toolchain", tj) ||
		  crc_json_set(o, "flags", fj) || crc_json_set_str(o, "build_dir", t->build_dir) ||
		  crc_json_set_str(o, "stage_dir", t->stage_dir) ||
		  crc_json_set_str(o, "program", t->program) || crc_json_set_str(o, "archive", t->archive) ||
		  crc_json_set_str(o, "lambda_zip", t->lambda_zip) || crc_json_set(o, "commands", cmds) ||
		  crc_json_set(o, "smoke", smoke) ||
		  crc_json_set_str(o, "toolchain_cmake", t->toolchain_cmake);
	if (!o) {
		crc_json_free(tj);
		crc_json_free(fj);
		crc_json_free(cm);
		crc_json_free(cmds);
		crc_json_free(smoke);
		return NULL;
	}
	bad = bad || crc_json_set_str(tj, "file", tc->path) ||
	      crc_json_set_str(tj, "compiler", tc->compiler) ||
	      crc_json_set_str(tj, "debian_package", tc->debian_package) ||
	      crc_json_set_str(tj, "dialect", crc_dialect_name(tc->dialect)) ||
	      crc_json_set_str(tj, "cmake_system_name", tc->cmake_system_name) ||
	      crc_json_set_str(tj, "cmake_system_processor", tc->cmake_system_processor) ||
	      crc_json_set_str(tj, "sysroot", tc->sysroot) ||
	      crc_json_set_str(tj, "library_dir", tc->library_dir) ||
	      crc_json_set(tj, "emulator", crc_strlist_json(&tc->emulator));
	bad = bad || crc_json_set(fj, "cflags", crc_strlist_json(&t->flags.cflags)) ||
	      crc_json_set(fj, "ldflags", crc_strlist_json(&t->flags.ldflags)) ||
	      crc_json_set(fj, "cmake", cm) || crc_json_set(fj, "notes", crc_strlist_json(&t->flags.notes));
	for (size_t i = 0; !bad && i < t->flags.cmake.n; i++)
		bad = crc_json_set_str(cm, t->flags.cmake.keys[i], t->flags.cmake.values[i]);
	bad = bad || crc_json_set(cmds, "configure", crc_strlist_json(&t->configure.argv)) ||
	      crc_json_set(cmds, "build", crc_strlist_json(&t->build.argv)) ||
	      crc_json_set(cmds, "install", crc_strlist_json(&t->install.argv)) ||
	      (t->optimize.argv.n && crc_json_set(cmds, "optimize", crc_strlist_json(&t->optimize.argv))) ||
	      crc_json_push(smoke, crc_strlist_json(&t->smoke_version.argv)) ||
	      crc_json_push(smoke, crc_strlist_json(&t->smoke_target.argv));
	if (bad) {
		crc_json_free(o);
		return NULL;
	}
	return o;
}

struct crc_json *crc_plan_json(const struct crc_plan *plan)
{
	const struct crc_profile *p = plan->profile;
	struct crc_json *o = crc_json_object(), *drop = crc_json_object(), *opt = crc_json_object(),
			*targets = crc_json_array();
	int bad = !o || crc_json_set_str(o, "schema", "crc.plan/v1") ||
		  crc_json_set_str(o, "profile", p->name) || crc_json_set(o, "drop", drop) ||
		  crc_json_set(o, "optimization", opt) ||
		  crc_json_set(o, "features", crc_strlist_json(&p->features)) ||
		  crc_json_set(o, "targets", targets);
	if (!o) {
		crc_json_free(drop);
		crc_json_free(opt);
		crc_json_free(targets);
		return NULL;
	}
	bad = bad || crc_json_set_str(drop, "id", plan->drop_id) ||
	      crc_json_set_str(drop, "dir", plan->drop_dir) ||
	      crc_json_set_str(drop, "archive_format", p->archive) ||
	      crc_json_set_str(drop, "flags_txt", plan->flags_txt);
	bad = bad || crc_json_set_str(opt, "opt_level", p->optimization.opt_level) ||
	      crc_json_set_str(opt, "lto", p->optimization.lto) ||
	      crc_json_set_int(opt, "codegen_units", p->optimization.codegen_units) ||
	      crc_json_set_bool(opt, "strip", p->optimization.strip) ||
	      crc_json_set_bool(opt, "debug_info", p->optimization.debug_info) ||
	      crc_json_set_str(opt, "wasm_opt", p->optimization.wasm_opt) ||
	      crc_json_set(opt, "vocabulary", crc_strlist_json(&plan->vocabulary));
	for (size_t i = 0; !bad && i < plan->ntargets; i++)
		bad = crc_json_push(targets, target_json(&plan->targets[i]));
	if (bad) {
		crc_json_free(o);
		return NULL;
	}
	return o;
}
