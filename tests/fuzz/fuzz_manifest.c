/* libFuzzer target for manifest.yaml and SHA256SUMS (crc/manifest.h): every input is read both as a
 * manifest and as SHA256SUMS. A rejection must leave *out NULL and carry a message. An accepted manifest
 * must keep the promises of docs/manifest.md (checked here again, independently of the parser); it must
 * write, the text must parse back to the same manifest, and that must write the same bytes. Accepted
 * SHA256SUMS must hold good lines with distinct names, and what the writer makes of them must parse back
 * to the same names and hashes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* n lower-case hex digits. */
static int is_hex(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static int is_hex64(const char *s)
{
	return is_hex(s, 64);
}

/* No C0 control character or DEL. */
static int clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static void check_text(const char *s, int may_be_empty)
{
	check(s != NULL && (may_be_empty || s[0]) && clean(s));
}

static int one_of(const char *s, const char *a, const char *b, const char *c)
{
	return s && (strcmp(s, a) == 0 || strcmp(s, b) == 0 || (c && strcmp(s, c) == 0));
}

static void check_ident(const char *s)
{
	check(s && s[0] && strlen(s) <= 128 && strcmp(s, ".") && strcmp(s, ".."));
	for (; *s; s++)
		check(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *s) !=
		      NULL);
}

static void check_list(const struct crc_strlist *l)
{
	check(l->n <= CRC_MANIFEST_MAX_LIST && (l->n == 0 || l->items));
	for (size_t i = 0; i < l->n; i++)
		check_text(l->items[i], 0);
}

/* A relative path: components neither empty nor "." nor "..", no '\\'. */
static void check_rel_path(const char *p)
{
	check(p && p[0] && p[0] != '/' && !strchr(p, '\\') && clean(p));
	for (const char *c = p;;) {
		size_t len = strcspn(c, "/");
		check(len > 0 && !(len == 1 && c[0] == '.') && !(len == 2 && c[0] == '.' && c[1] == '.'));
		if (!c[len])
			break;
		c += len + 1;
	}
}

/* The symlink at path to link stays inside the archive, read component by component. */
static void check_link(const char *path, const char *link)
{
	long depth = 0;
	check(link && link[0] && link[0] != '/' && clean(link));
	for (const char *p = path; *p; p++)
		depth += *p == '/';
	for (const char *c = link;;) {
		size_t len = strcspn(c, "/");
		if (len == 2 && c[0] == '.' && c[1] == '.')
			check(--depth >= 0);
		else if (len && !(len == 1 && c[0] == '.'))
			depth++;
		if (!c[len])
			break;
		c += len + 1;
	}
}

static void check_entries(const struct crc_manifest_artifact *a)
{
	for (size_t i = 0; i < a->nentries; i++) {
		const struct crc_manifest_entry *e = &a->entries[i];
		check_rel_path(e->path);
		check(e->mode <= 0777 && e->sha256 && e->link);
		check(e->type == 'f' || e->type == 'd' || e->type == 'l');
		if (e->type == 'f')
			check(is_hex64(e->sha256) && e->size <= CRC_MANIFEST_MAX_SIZE);
		else
			check(e->size == 0 && e->sha256[0] == '\0');
		if (e->type == 'l')
			check_link(e->path, e->link);
		else
			check(e->link[0] == '\0');
		for (size_t k = 0; k < i; k++) {
			const struct crc_manifest_entry *f = &a->entries[k];
			size_t fl = strlen(f->path), el = strlen(e->path);
			check(strcmp(e->path, f->path) != 0);
			/* Nothing below a file or a symlink, whichever comes first. */
			if (fl < el && strncmp(e->path, f->path, fl) == 0 && e->path[fl] == '/')
				check(f->type == 'd');
			if (el < fl && strncmp(f->path, e->path, el) == 0 && f->path[el] == '/')
				check(e->type == 'd');
		}
	}
}

/* What an accepted manifest promises. */
static void check_manifest(const struct crc_manifest *m)
{
	size_t total = 0;
	check(m->schema && strcmp(m->schema, CRC_MANIFEST_SCHEMA) == 0);
	check_ident(m->drop_id);
	check_ident(m->profile);
	check(m->created && strlen(m->created) == 20 && m->created[10] == 'T' && m->created[19] == 'Z');
	check_text(m->crc_version, 0);
	check(m->source.commit &&
	      (m->source.commit[0] == '\0' || is_hex(m->source.commit, 40) || is_hex64(m->source.commit)));
	check((m->source.dirty == 0 || m->source.dirty == 1) && (m->source.commit[0] || !m->source.dirty));
	check(is_hex64(m->source.tree_sha256) && is_hex64(m->flags_sha256));
	check(m->optimization.opt_level && strlen(m->optimization.opt_level) == 1 &&
	      strchr("0123sz", m->optimization.opt_level[0]));
	check(one_of(m->optimization.lto, "off", "thin", "fat"));
	check(m->optimization.codegen_units >= 1 && m->optimization.codegen_units <= 256);
	check((m->optimization.strip & ~1) == 0 && (m->optimization.debug_info & ~1) == 0);
	check_list(&m->features);
	for (size_t i = 0; i < m->features.n; i++)
		for (size_t k = 0; k < i; k++)
			check(strcmp(m->features.items[i], m->features.items[k]) != 0);
	check(m->ntargets >= 1 && m->ntargets <= CRC_MANIFEST_MAX_TARGETS);
	for (size_t i = 0; i < m->ntargets; i++) {
		const struct crc_manifest_target *t = &m->targets[i];
		const struct crc_manifest_smoke *s = &t->smoke;
		check_ident(t->triple);
		for (size_t k = 0; k < i; k++)
			check(strcmp(t->triple, m->targets[k].triple) != 0);
		check_text(t->compiler, 0);
		check_text(t->compiler_version, 0);
		check(one_of(t->dialect, "gcc", "clang", NULL));
		check_list(&t->emulator);
		check(s->ok == 0 || s->ok == 1);
		check_text(s->noa_version, !s->ok);
		check_text(s->triple, !s->ok);
		check_text(s->profile, !s->ok);
		check_text(s->opt_level, !s->ok);
		check_text(s->lto, !s->ok);
		check_text(s->target_kind, !s->ok);
		check_list(&s->features);
	}
	check(m->nartifacts >= 1 && m->nartifacts <= CRC_MANIFEST_MAX_ARTIFACTS);
	for (size_t i = 0; i < m->nartifacts; i++) {
		const struct crc_manifest_artifact *a = &m->artifacts[i];
		size_t t = 0;
		check(a->path && a->path[0] && !strchr(a->path, '/') && !strchr(a->path, '\\') &&
		      clean(a->path));
		check(strcmp(a->path, ".") && strcmp(a->path, ".."));
		for (size_t k = 0; k < i; k++)
			check(strcmp(a->path, m->artifacts[k].path) != 0);
		while (t < m->ntargets && strcmp(m->targets[t].triple, a->target) != 0)
			t++;
		check(t < m->ntargets);
		check(one_of(a->format, "tar.zst", "tar.gz", "zip"));
		size_t pl = strlen(a->path), fl = strlen(a->format);
		check(pl > fl + 1 && a->path[pl - fl - 1] == '.' &&
		      strcmp(a->path + pl - fl, a->format) == 0);
		check(a->size <= CRC_MANIFEST_MAX_SIZE && is_hex64(a->sha256));
		total += a->nentries;
		check_entries(a);
	}
	check(total <= CRC_MANIFEST_MAX_ENTRIES);
	check(m->nfiles <= CRC_MANIFEST_MAX_FILES);
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct crc_manifest_file *f = &m->files[i];
		check_rel_path(f->path);
		check(f->size <= CRC_MANIFEST_MAX_SIZE && is_hex64(f->sha256));
		for (size_t k = 0; k < i; k++) {
			const char *g = m->files[k].path;
			size_t fl = strlen(f->path), gl = strlen(g);
			check(strcmp(f->path, g) != 0);
			/* No file below another, whichever comes first. */
			check(!(gl < fl && strncmp(f->path, g, gl) == 0 && f->path[gl] == '/'));
			check(!(fl < gl && strncmp(g, f->path, fl) == 0 && g[fl] == '/'));
		}
	}
}

static void same_str(const char *a, const char *b)
{
	check(a && b && strcmp(a, b) == 0);
}

static void same_list(const struct crc_strlist *a, const struct crc_strlist *b)
{
	check(a->n == b->n);
	for (size_t i = 0; i < a->n; i++)
		same_str(a->items[i], b->items[i]);
}

static void same_manifest(const struct crc_manifest *a, const struct crc_manifest *b)
{
	same_str(a->schema, b->schema);
	same_str(a->drop_id, b->drop_id);
	same_str(a->profile, b->profile);
	same_str(a->created, b->created);
	same_str(a->crc_version, b->crc_version);
	same_str(a->source.commit, b->source.commit);
	same_str(a->source.tree_sha256, b->source.tree_sha256);
	check(a->source.dirty == b->source.dirty);
	same_str(a->optimization.opt_level, b->optimization.opt_level);
	same_str(a->optimization.lto, b->optimization.lto);
	check(a->optimization.codegen_units == b->optimization.codegen_units &&
	      a->optimization.strip == b->optimization.strip &&
	      a->optimization.debug_info == b->optimization.debug_info);
	same_list(&a->features, &b->features);
	same_str(a->flags_sha256, b->flags_sha256);
	check(a->ntargets == b->ntargets && a->nartifacts == b->nartifacts);
	for (size_t i = 0; i < a->ntargets; i++) {
		const struct crc_manifest_target *x = &a->targets[i], *y = &b->targets[i];
		same_str(x->triple, y->triple);
		same_str(x->compiler, y->compiler);
		same_str(x->compiler_version, y->compiler_version);
		same_str(x->dialect, y->dialect);
		same_list(&x->emulator, &y->emulator);
		check(x->smoke.ok == y->smoke.ok);
		same_str(x->smoke.noa_version, y->smoke.noa_version);
		same_str(x->smoke.triple, y->smoke.triple);
		same_str(x->smoke.profile, y->smoke.profile);
		same_str(x->smoke.opt_level, y->smoke.opt_level);
		same_str(x->smoke.lto, y->smoke.lto);
		same_list(&x->smoke.features, &y->smoke.features);
		same_str(x->smoke.target_kind, y->smoke.target_kind);
	}
	check(a->nfiles == b->nfiles);
	for (size_t i = 0; i < a->nfiles; i++) {
		same_str(a->files[i].path, b->files[i].path);
		same_str(a->files[i].sha256, b->files[i].sha256);
		check(a->files[i].size == b->files[i].size);
	}
	for (size_t i = 0; i < a->nartifacts; i++) {
		const struct crc_manifest_artifact *x = &a->artifacts[i], *y = &b->artifacts[i];
		same_str(x->path, y->path);
		same_str(x->target, y->target);
		same_str(x->format, y->format);
		same_str(x->sha256, y->sha256);
		check(x->size == y->size && x->nentries == y->nentries);
		for (size_t k = 0; k < x->nentries; k++) {
			const struct crc_manifest_entry *e = &x->entries[k], *f = &y->entries[k];
			same_str(e->path, f->path);
			same_str(e->sha256, f->sha256);
			same_str(e->link, f->link);
			check(e->type == f->type && e->mode == f->mode && e->size == f->size);
		}
	}
}

static void fuzz_manifest(const char *text, size_t size)
{
	struct crc_manifest *m = (struct crc_manifest *)1, *again = NULL;
	struct crc_error err;
	struct crc_buf one, two;
	err.msg[0] = '\0';
	int rc = crc_manifest_parse(&m, "fuzz.yaml", text, size, &err);
	if (rc) {
		check(rc < 0 && m == NULL && err.msg[0]);
		return;
	}
	check_manifest(m);
	crc_buf_init(&one);
	crc_buf_init(&two);
	check(crc_manifest_write(&one, m, &err) == 0);
	check(crc_manifest_parse(&again, "rewritten.yaml", one.data, one.len, &err) == 0);
	same_manifest(m, again);
	check(crc_manifest_write(&two, again, &err) == 0);
	check(one.len == two.len && memcmp(one.data, two.data, one.len) == 0);
	crc_buf_free(&one);
	crc_buf_free(&two);
	crc_manifest_free(again);
	crc_manifest_free(m);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct crc_manifest_sum *)a)->name, ((const struct crc_manifest_sum *)b)->name);
}

static void fuzz_sums(const char *text, size_t size)
{
	struct crc_manifest_sums *s = (struct crc_manifest_sums *)1, *again = NULL;
	struct crc_error err;
	struct crc_buf out;
	err.msg[0] = '\0';
	int rc = crc_manifest_parse_sha256sums(&s, "SHA256SUMS", text, size, &err);
	if (rc) {
		check(rc < 0 && s == NULL && err.msg[0]);
		return;
	}
	check(s->n >= 1 && s->n <= CRC_MANIFEST_MAX_SUMS);
	const char **names = malloc(s->n * sizeof *names), **hashes = malloc(s->n * sizeof *hashes);
	check(names && hashes);
	for (size_t i = 0; i < s->n; i++) {
		const char *name = s->items[i].name;
		check(is_hex64(s->items[i].sha256) && (s->items[i].binary & ~1) == 0);
		check_rel_path(name);
		names[i] = name;
		hashes[i] = s->items[i].sha256;
	}
	crc_buf_init(&out);
	check(crc_manifest_sha256sums(&out, names, hashes, s->n, &err) == 0);
	check(crc_manifest_parse_sha256sums(&again, "rewritten", out.data, out.len, &err) == 0);
	check(again->n == s->n);
	/* The writer sorts by name and the names are distinct: compare with a sorted copy. */
	qsort(s->items, s->n, sizeof *s->items, by_name);
	for (size_t i = 0; i < s->n; i++) {
		same_str(s->items[i].name, again->items[i].name);
		same_str(s->items[i].sha256, again->items[i].sha256);
		check(again->items[i].binary == 0);
		check(i == 0 || strcmp(s->items[i - 1].name, s->items[i].name) < 0);
	}
	crc_buf_free(&out);
	free(names);
	free(hashes);
	crc_manifest_sums_free(again);
	crc_manifest_sums_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_manifest((const char *)data, size);
	fuzz_sums((const char *)data, size);
	return 0;
}
