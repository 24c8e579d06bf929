/* provenance.json from a drop's manifest (crc/provenance.h): a pure function of the manifest, built as a
 * JSON tree in the order the in-toto and SLSA specifications list their fields. */
#include "crc/provenance.h"

#include <stdlib.h>
#include <string.h>

#include "crc/json.h"

/* Every child below is attached to its parent as soon as it is made (crc_json_set and crc_json_push take
 * ownership even when they fail), so that freeing the root frees everything on any failure. */

/* A new object or array attached to parent under key (an array parent when key is NULL); borrowed, or
 * NULL when out of memory. */
static struct crc_json *child(struct crc_json *parent, const char *key, int array)
{
	struct crc_json *c = array ? crc_json_array() : crc_json_object();
	if (!c || !parent) {
		crc_json_free(c);
		return NULL;
	}
	if (key ? crc_json_set(parent, key, c) : crc_json_push(parent, c))
		return NULL;
	return c;
}

/* The strings of l into the array a; 0 or CRC_ENOMEM. */
static int push_strings(struct crc_json *a, const struct crc_strlist *l)
{
	int bad = !a;
	for (size_t i = 0; !bad && i < l->n; i++)
		bad = crc_json_push_str(a, l->items[i]);
	return bad ? CRC_ENOMEM : 0;
}

static int subjects(struct crc_json *st, const struct crc_manifest *m)
{
	struct crc_json *a = child(st, "subject", 1);
	int bad = !a;
	for (size_t i = 0; !bad && i < m->nartifacts; i++) {
		struct crc_json *s = child(a, NULL, 0);
		bad = !s || crc_json_set_str(s, "name", m->artifacts[i].path) ||
		      crc_json_set_str(child(s, "digest", 0), "sha256", m->artifacts[i].sha256);
	}
	return bad;
}

static int build_definition(struct crc_json *def, const struct crc_manifest *m)
{
	struct crc_json *ext, *in, *opt, *targets, *tcs, *deps, *src, *ann;
	int bad = !def || crc_json_set_str(def, "buildType", CRC_PROVENANCE_BUILD_TYPE);
	/* What the build was asked for. */
	bad = bad || !(ext = child(def, "externalParameters", 0)) ||
	      crc_json_set_str(ext, "profile", m->profile) || crc_json_set_str(ext, "drop_id", m->drop_id) ||
	      !(targets = child(ext, "targets", 1));
	for (size_t i = 0; !bad && i < m->ntargets; i++)
		bad = crc_json_push_str(targets, m->targets[i].triple);
	/* What crc resolved it to. */
	bad = bad || !(in = child(def, "internalParameters", 0)) ||
	      crc_json_set_str(in, "crc_version", m->crc_version) || !(opt = child(in, "optimization", 0)) ||
	      crc_json_set_str(opt, "opt_level", m->optimization.opt_level) ||
	      crc_json_set_str(opt, "lto", m->optimization.lto) ||
	      crc_json_set_int(opt, "codegen_units", m->optimization.codegen_units) ||
	      crc_json_set_bool(opt, "strip", m->optimization.strip) ||
	      crc_json_set_bool(opt, "debug_info", m->optimization.debug_info) ||
	      push_strings(child(in, "features", 1), &m->features) ||
	      crc_json_set_str(in, "flags_sha256", m->flags_sha256) || !(tcs = child(in, "toolchains", 1));
	for (size_t i = 0; !bad && i < m->ntargets; i++) {
		const struct crc_manifest_target *t = &m->targets[i];
		struct crc_json *tc = child(tcs, NULL, 0);
		bad = !tc || crc_json_set_str(tc, "triple", t->triple) ||
		      crc_json_set_str(tc, "compiler", t->compiler) ||
		      crc_json_set_str(tc, "compiler_version", t->compiler_version) ||
		      crc_json_set_str(tc, "dialect", t->dialect) ||
		      push_strings(child(tc, "emulator", 1), &t->emulator);
	}
	/* The runtime's source: its git commit when there is one, and crc's tree hash of runtime/. */
	bad = bad || !(deps = child(def, "resolvedDependencies", 1)) || !(src = child(deps, NULL, 0)) ||
	      crc_json_set_str(src, "name", "runtime");
	if (!bad && m->source.commit[0])
		bad = crc_json_set_str(child(src, "digest", 0), "gitCommit", m->source.commit);
	else if (!bad)
		bad = crc_json_set_str(src, "uri", "urn:crc:source:runtime");
	bad = bad || !(ann = child(src, "annotations", 0)) ||
	      crc_json_set_str(ann, "tree_sha256", m->source.tree_sha256) ||
	      crc_json_set_bool(ann, "dirty", m->source.dirty);
	return bad;
}

static struct crc_json *statement(const struct crc_manifest *m)
{
	struct crc_json *st = crc_json_object(), *pred, *builder;
	int bad = !st || crc_json_set_str(st, "_type", CRC_PROVENANCE_STATEMENT_TYPE) || subjects(st, m) ||
		  crc_json_set_str(st, "predicateType", CRC_PROVENANCE_PREDICATE_TYPE) ||
		  !(pred = child(st, "predicate", 0)) ||
		  build_definition(child(pred, "buildDefinition", 0), m) ||
		  !(builder = child(child(pred, "runDetails", 0), "builder", 0)) ||
		  crc_json_set_str(builder, "id", CRC_PROVENANCE_BUILDER_ID) ||
		  crc_json_set_str(child(builder, "version", 0), "crc", m->crc_version);
	if (bad) {
		crc_json_free(st);
		return NULL;
	}
	return st;
}

int crc_provenance_write(struct crc_buf *out, const struct crc_manifest *m, struct crc_error *err)
{
	struct crc_json *st = statement(m);
	char *text = st ? crc_json_render(st, 1) : NULL;
	crc_json_free(st);
	if (!text)
		return crc_err(err, CRC_ENOMEM, "out of memory writing provenance.json");
	size_t before = out->len;
	crc_buf_puts(out, text);
	crc_buf_putc(out, '\n');
	free(text);
	if (crc_buf_error(out)) {
		out->len = before;
		return crc_err(err, CRC_ENOMEM, "out of memory writing provenance.json");
	}
	return 0;
}
