/* The deploy module: drops built here from scratch (a small tree packed with crc_archive_write_tree and a
 * manifest made from what it wrote) are deployed into scratch directories: current switches, history,
 * pruning, rollback, idempotent redeploys, leftovers of killed runs, runs killed at random moments,
 * failures that leave current alone, and the lock. Hostile archives are crafted with libarchive itself
 * ('..', absolute paths, escaping symlinks, hard links, devices, fifos, unlisted entries, content or
 * archive bytes differing from the manifest); each must fail with its message and leave nothing behind. */
#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crc/archive.h"
#include "crc/deploy.h"
#include "crc/digest.h"
#include "crc/manifest.h"
#include "crc/os.h"

#define TRIPLE "x86_64-linux-gnu"
/* 2023-11-14 22:13:20 UTC */
#define MTIME 1700000000LL

/* ---- Scratch files ------------------------------------------------------------------------------------- */

static void scratch(char dir[64])
{
	snprintf(dir, 64, "/tmp/crc-deploy-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void rm_rf(const char *path)
{
	struct crc_error err;
	cr_assert_eq(crc_os_remove_tree(path, &err), 0, "%s", err.msg);
}

static void at(char *out, size_t size, const char *dir, const char *rel)
{
	int n = snprintf(out, size, "%s/%s", dir, rel);
	cr_assert(n > 0 && (size_t)n < size);
}

static void put(const char *dir, const char *rel, const char *text, unsigned mode)
{
	char p[1024];
	at(p, sizeof p, dir, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0, "create %s: %s", p, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(close(fd), 0);
	cr_assert_eq(chmod(p, mode), 0);
}

static void mkdir_(const char *dir, const char *rel)
{
	char p[1024];
	at(p, sizeof p, dir, rel);
	cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s: %s", p, strerror(errno));
}

static int exists(const char *dir, const char *rel)
{
	char p[1024];
	struct stat st;
	at(p, sizeof p, dir, rel);
	return lstat(p, &st) == 0;
}

/* The text of a small file (NUL-terminated, in a static buffer). */
static const char *text_of(const char *dir, const char *rel)
{
	static char buf[4096];
	char p[1024];
	at(p, sizeof p, dir, rel);
	int fd = open(p, O_RDONLY);
	cr_assert_geq(fd, 0, "open %s: %s", p, strerror(errno));
	ssize_t n = read(fd, buf, sizeof buf - 1);
	cr_assert_geq(n, 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

/* Appends s to the string out (size bytes in all), which must have room. */
static void append(char *out, size_t size, const char *s)
{
	size_t n = strlen(out);
	int w = snprintf(out + n, size - n, "%s", s);
	cr_assert(w >= 0 && (size_t)w < size - n);
}

/* Where DIR/current points ("" when it does not exist). */
static const char *current_of(const char *dir)
{
	static char buf[512];
	char p[1024];
	at(p, sizeof p, dir, "current");
	ssize_t n = readlink(p, buf, sizeof buf - 1);
	if (n < 0) {
		cr_assert_eq(errno, ENOENT, "readlink %s: %s", p, strerror(errno));
		return "";
	}
	buf[n] = '\0';
	return buf;
}

/* The names in dir, sorted, joined with ' ' (in a static buffer). */
static const char *names_in(const char *dir)
{
	static char out[4096];
	char *names[256];
	size_t n = 0;
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "opendir %s", dir);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 && n < 256)
			names[n++] = strdup(e->d_name);
	closedir(d);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		append(out, sizeof out, i ? " " : "");
		append(out, sizeof out, names[i]);
		free(names[i]);
	}
	return out;
}

/* ---- Drops built from a small tree --------------------------------------------------------------------- */

struct drop {
	char id[64], dir[256], name[256], other[256], archive[512];
	struct crc_archive_result res;
	struct crc_manifest_entry *entries;
	struct crc_manifest_artifact art[2];
	struct crc_manifest m;
};

/* The runtime's install tree in miniature; label makes each drop's content its own. */
static void make_tree(const char *dir, const char *label)
{
	char text[256];
	cr_assert_eq(mkdir(dir, 0755), 0);
	mkdir_(dir, "bin");
	mkdir_(dir, "include");
	mkdir_(dir, "include/noa");
	mkdir_(dir, "lib");
	mkdir_(dir, "share");
	mkdir_(dir, "share/noa");
	put(dir, "README", "read me\n", 0644);
	snprintf(text, sizeof text, "#!/bin/sh\necho %s\n", label);
	put(dir, "bin/noa", text, 0755);
	put(dir, "include/noa/noa.h", "/* noa */\n", 0644);
	snprintf(text, sizeof text, "!<arch>\n%s\n", label);
	put(dir, "lib/libnoa.a", text, 0644);
	char p[1024];
	at(p, sizeof p, dir, "lib/libnoa.so");
	cr_assert_eq(symlink("libnoa.a", p), 0);
	snprintf(text, sizeof text, "profile: %s\n", label);
	put(dir, "share/noa/policy.yaml", text, 0644);
}

/* Fills d's manifest from what the archive writer reported: one artifact for TRIPLE, and one for
 * aarch64-linux-gnu that is never read. */
static void manifest_from(struct drop *d, enum crc_archive_format fmt)
{
	d->entries = calloc(d->res.nentries + 1, sizeof *d->entries);
	cr_assert_not_null(d->entries);
	for (size_t i = 0; i < d->res.nentries; i++) {
		const struct crc_archive_entry *e = &d->res.entries[i];
		d->entries[i] = (struct crc_manifest_entry){e->path, e->type,   e->mode,
							    e->size, e->sha256, e->link ? e->link : ""};
	}
	d->art[0] = (struct crc_manifest_artifact){d->name,     TRIPLE,        crc_archive_format_name(fmt),
						   d->res.size, d->res.sha256, d->res.nentries,
						   d->entries};
	d->art[1] = (struct crc_manifest_artifact){
		d->other,
		"aarch64-linux-gnu",
		"tar.zst",
		1,
		"1111111111111111111111111111111111111111111111111111111111111111",
		0,
		NULL};
	memset(&d->m, 0, sizeof d->m);
	d->m.drop_id = d->id;
	d->m.nartifacts = 2;
	d->m.artifacts = d->art;
}

static void make_drop_fmt(struct drop *d, const char *root, const char *id, enum crc_archive_format fmt)
{
	char tree[512];
	struct crc_error err;
	memset(d, 0, sizeof *d);
	snprintf(d->id, sizeof d->id, "%s", id);
	snprintf(tree, sizeof tree, "%s/tree-%s", root, id);
	snprintf(d->dir, sizeof d->dir, "%s/drop-%s", root, id);
	snprintf(d->name, sizeof d->name, "noa-%s-%s.%s", id, TRIPLE, crc_archive_format_name(fmt));
	snprintf(d->other, sizeof d->other, "noa-%s-aarch64-linux-gnu.tar.zst", id);
	make_tree(tree, id);
	cr_assert_eq(mkdir(d->dir, 0755), 0);
	at(d->archive, sizeof d->archive, d->dir, d->name);
	cr_assert_eq(crc_archive_write_tree(&d->res, d->archive, tree, fmt, MTIME, &err), 0, "%s", err.msg);
	manifest_from(d, fmt);
}

static void make_drop(struct drop *d, const char *root, const char *id)
{
	make_drop_fmt(d, root, id, CRC_ARCHIVE_TAR_ZST);
}

static void drop_free(struct drop *d)
{
	crc_archive_result_free(&d->res);
	free(d->entries);
	d->entries = NULL;
}

static int deploy(struct crc_deploy_result *res, const struct drop *d, const char *dir, unsigned keep,
		  struct crc_error *err)
{
	struct crc_deploy_options o = {d->dir, &d->m, TRIPLE, dir, keep, NULL, NULL, NULL};
	return crc_deploy_install(res, &o, err);
}

/* Deploys d into dir, which must succeed. */
static void deploy_ok(struct crc_deploy_result *res, const struct drop *d, const char *dir, unsigned keep)
{
	struct crc_error err;
	int rc = deploy(res, d, dir, keep, &err);
	cr_assert_eq(rc, 0, "deploy %s: %s: %s", d->id, err.path, err.msg);
}

/* The pruned ids of res, joined with ' '. */
static const char *pruned_of(const struct crc_deploy_result *res)
{
	static char out[1024];
	out[0] = '\0';
	for (size_t i = 0; i < res->npruned; i++) {
		append(out, sizeof out, i ? " " : "");
		append(out, sizeof out, res->pruned[i].s);
	}
	return out;
}

/* The history and strays of dir as "A B C | X" (current last before the bar). */
static const char *history_of(const char *dir)
{
	static char out[1024];
	struct crc_deploy_status st;
	struct crc_error err;
	cr_assert_eq(crc_deploy_status(&st, dir, &err), 0, "%s", err.msg);
	out[0] = '\0';
	for (size_t i = 0; i < st.nreleases; i++) {
		append(out, sizeof out, i ? " " : "");
		append(out, sizeof out, st.releases[i].s);
	}
	if (st.nreleases)
		cr_assert_str_eq(st.current, st.releases[st.nreleases - 1].s);
	append(out, sizeof out, " |");
	for (size_t i = 0; i < st.nstray; i++) {
		append(out, sizeof out, " ");
		append(out, sizeof out, st.stray[i].s);
	}
	crc_deploy_status_free(&st);
	return out;
}

/* ---- Deploying, pruning, rolling back ------------------------------------------------------------------ */

Test(deploy, first_deploy_creates_current)
{
	char root[64], dir[128], rel[512];
	struct drop a;
	struct crc_deploy_result res;
	scratch(root);
	make_drop(&a, root, "20261122-0123456789ab-5e1f0c2a");
	snprintf(dir, sizeof dir, "%s/srv/noa", root);
	deploy_ok(&res, &a, dir, 3);
	snprintf(rel, sizeof rel, "%s/releases/%s", dir, a.id);
	cr_assert_str_eq(res.id, a.id);
	cr_assert_str_eq(res.release, rel);
	cr_assert_str_eq(res.previous, "");
	cr_assert_eq(res.reused, 0);
	cr_assert_eq(res.unchanged, 0);
	cr_assert_eq(res.npruned, 0);
	cr_assert_str_eq(current_of(dir), "releases/20261122-0123456789ab-5e1f0c2a");
	cr_assert_str_eq(names_in(dir), ".crc-deploy.lock .crc-deploy.state current releases");
	cr_assert_str_eq(text_of(dir, "current/bin/noa"), "#!/bin/sh\necho 20261122-0123456789ab-5e1f0c2a\n");
	cr_assert_str_eq(text_of(dir, "current/lib/libnoa.so"), "!<arch>\n20261122-0123456789ab-5e1f0c2a\n");
	struct stat st;
	cr_assert_eq(stat(rel, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0755);
	at(rel, sizeof rel, dir, "current/bin/noa");
	cr_assert_eq(stat(rel, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0755);
	at(rel, sizeof rel, dir, "current/README");
	cr_assert_eq(stat(rel, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644);
	at(rel, sizeof rel, dir, "current/lib/libnoa.so");
	cr_assert_eq(lstat(rel, &st), 0);
	cr_assert(S_ISLNK(st.st_mode));
	cr_assert_str_eq(history_of(dir), "20261122-0123456789ab-5e1f0c2a |");
	crc_deploy_result_free(&res);
	crc_deploy_result_free(&res);
	crc_deploy_result_free(NULL);
	drop_free(&a);
	rm_rf(root);
}

Test(deploy, tar_gz_drops_deploy_too)
{
	char root[64], dir[128];
	struct drop a;
	struct crc_deploy_result res;
	scratch(root);
	make_drop_fmt(&a, root, "gz", CRC_ARCHIVE_TAR_GZ);
	at(dir, sizeof dir, root, "d");
	deploy_ok(&res, &a, dir, 1);
	cr_assert_str_eq(current_of(dir), "releases/gz");
	cr_assert_str_eq(text_of(dir, "current/share/noa/policy.yaml"), "profile: gz\n");
	crc_deploy_result_free(&res);
	drop_free(&a);
	rm_rf(root);
}

Test(deploy, second_deploy_switches_and_keeps_the_first)
{
	char root[64], dir[128];
	struct drop a, b;
	struct crc_deploy_result res;
	scratch(root);
	make_drop(&a, root, "A");
	make_drop(&b, root, "B");
	at(dir, sizeof dir, root, "d");
	deploy_ok(&res, &a, dir, 3);
	crc_deploy_result_free(&res);
	deploy_ok(&res, &b, dir, 3);
	cr_assert_str_eq(res.previous, "A");
	cr_assert_eq(res.npruned, 0);
	cr_assert_str_eq(current_of(dir), "releases/B");
	cr_assert_str_eq(text_of(dir, "current/bin/noa"), "#!/bin/sh\necho B\n");
	cr_assert_str_eq(text_of(dir, "releases/A/bin/noa"), "#!/bin/sh\necho A\n");
	cr_assert_str_eq(history_of(dir), "A B |");
	crc_deploy_result_free(&res);
	drop_free(&a);
	drop_free(&b);
	rm_rf(root);
}

Test(deploy, keep_prunes_the_oldest_releases)
{
	char root[64], dir[128], rel[128];
	struct drop d[5];
	struct crc_deploy_result res;
	scratch(root);
	for (int i = 0; i < 5; i++) {
		char id[8] = {(char)('A' + i), '\0'};
		make_drop(&d[i], root, id);
	}
	at(dir, sizeof dir, root, "d");
	at(rel, sizeof rel, dir, "releases");
	for (int i = 0; i < 3; i++) {
		deploy_ok(&res, &d[i], dir, 1);
		crc_deploy_result_free(&res);
	}
	/* keep 1: the current release and the one before it. */
	cr_assert_str_eq(names_in(rel), "B C");
	cr_assert_str_eq(history_of(dir), "B C |");
	deploy_ok(&res, &d[3], dir, 2);
	cr_assert_str_eq(pruned_of(&res), "");
	crc_deploy_result_free(&res);
	/* keep 0 still keeps the one rollback goes to. */
	deploy_ok(&res, &d[4], dir, 0);
	cr_assert_str_eq(pruned_of(&res), "B C");
	cr_assert_str_eq(names_in(rel), "D E");
	cr_assert_str_eq(history_of(dir), "D E |");
	crc_deploy_result_free(&res);
	for (int i = 0; i < 5; i++)
		drop_free(&d[i]);
	rm_rf(root);
}

Test(deploy, rollback_goes_back_through_the_history)
{
	char root[64], dir[128], rel[128], want[512];
	struct drop d[4];
	struct crc_deploy_result res;
	struct crc_deploy_rollback_result rb;
	struct crc_error err;
	scratch(root);
	for (int i = 0; i < 4; i++) {
		char id[8] = {(char)('A' + i), '\0'};
		make_drop(&d[i], root, id);
	}
	at(dir, sizeof dir, root, "d");
	at(rel, sizeof rel, dir, "releases");
	for (int i = 0; i < 3; i++) {
		deploy_ok(&res, &d[i], dir, 5);
		crc_deploy_result_free(&res);
	}
	cr_assert_eq(crc_deploy_rollback(&rb, dir, NULL, NULL, &err), 0, "%s", err.msg);
	cr_assert_str_eq(rb.from, "C");
	cr_assert_str_eq(rb.to, "B");
	snprintf(want, sizeof want, "%s/B", rel);
	cr_assert_str_eq(rb.release, want);
	cr_assert_str_eq(current_of(dir), "releases/B");
	cr_assert_str_eq(text_of(dir, "current/bin/noa"), "#!/bin/sh\necho B\n");
	/* The release rolled back from stays until the next deploy, outside the history. */
	cr_assert_str_eq(history_of(dir), "A B | C");
	cr_assert_eq(crc_deploy_rollback(&rb, dir, NULL, NULL, &err), 0, "%s", err.msg);
	cr_assert_str_eq(rb.from, "B");
	cr_assert_str_eq(rb.to, "A");
	cr_assert_str_eq(current_of(dir), "releases/A");
	cr_assert_str_eq(history_of(dir), "A | B C");
	cr_assert_eq(crc_deploy_rollback(&rb, dir, NULL, NULL, &err), CRC_ENOTFOUND);
	snprintf(want, sizeof want,
		 "no earlier release to roll back to (A is the first release in the history of %s)", dir);
	cr_assert_str_eq(err.msg, want);
	cr_assert_str_eq(current_of(dir), "releases/A");
	/* The next deploy prunes what was rolled back from. */
	deploy_ok(&res, &d[3], dir, 5);
	cr_assert_str_eq(res.previous, "A");
	cr_assert_str_eq(pruned_of(&res), "B C");
	cr_assert_str_eq(names_in(rel), "A D");
	cr_assert_str_eq(history_of(dir), "A D |");
	crc_deploy_result_free(&res);
	for (int i = 0; i < 4; i++)
		drop_free(&d[i]);
	rm_rf(root);
}

Test(deploy, rollback_without_a_deployment_fails)
{
	char root[64], dir[128], want[512];
	struct drop a;
	struct crc_deploy_result res;
	struct crc_deploy_rollback_result rb;
	struct crc_deploy_status st;
	struct crc_error err;
	scratch(root);
	at(dir, sizeof dir, root, "missing");
	cr_assert_eq(crc_deploy_rollback(&rb, dir, NULL, NULL, &err), CRC_ENOTFOUND);
	snprintf(want, sizeof want, "no deployment in %s: No such file or directory", dir);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(crc_deploy_status(&st, dir, &err), CRC_ENOTFOUND);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(exists(root, "missing"), 0, "rollback creates nothing");
	cr_assert_eq(crc_deploy_rollback(&rb, "", NULL, NULL, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "no deploy directory given");
	cr_assert_eq(crc_deploy_rollback(&rb, root, NULL, NULL, &err), CRC_ENOTFOUND);
	snprintf(want, sizeof want, "nothing is deployed in %s (no %s/current)", root, root);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(crc_deploy_status(&st, root, &err), 0, "%s", err.msg);
	cr_assert_str_eq(st.current, "");
	cr_assert_eq(st.nreleases, 0);
	crc_deploy_status_free(&st);
	crc_deploy_status_free(NULL);
	make_drop(&a, root, "A");
	at(dir, sizeof dir, root, "d");
	deploy_ok(&res, &a, dir, 1);
	cr_assert_eq(crc_deploy_rollback(&rb, dir, NULL, NULL, &err), CRC_ENOTFOUND);
	snprintf(want, sizeof want,
		 "no earlier release to roll back to (A is the first release in the history of %s)", dir);
	cr_assert_str_eq(err.msg, want);
	cr_assert_str_eq(current_of(dir), "releases/A");
	crc_deploy_result_free(&res);
	drop_free(&a);
	rm_rf(root);
}

Test(deploy, redeploying_a_drop_is_idempotent_and_rechecks_it)
{
	char root[64], dir[128], want[1024], sha_bad[CRC_SHA256_HEX], sha_good[CRC_SHA256_HEX];
	struct drop a, b;
	struct crc_deploy_result res;
	struct crc_deploy_rollback_result rb;
	struct crc_error err;
	scratch(root);
	make_drop(&a, root, "A");
	make_drop(&b, root, "B");
	at(dir, sizeof dir, root, "d");
	deploy_ok(&res, &a, dir, 3);
	crc_deploy_result_free(&res);
	deploy_ok(&res, &a, dir, 3);
	cr_assert_eq(res.reused, 1);
	cr_assert_eq(res.unchanged, 1);
	cr_assert_str_eq(res.previous, "A");
	cr_assert_str_eq(current_of(dir), "releases/A");
	cr_assert_str_eq(history_of(dir), "A |");
	crc_deploy_result_free(&res);
	/* An earlier release deployed again moves to the end of the history. */
	deploy_ok(&res, &b, dir, 3);
	crc_deploy_result_free(&res);
	deploy_ok(&res, &a, dir, 3);
	cr_assert_eq(res.reused, 1);
	cr_assert_eq(res.unchanged, 0);
	cr_assert_str_eq(res.previous, "B");
	cr_assert_str_eq(history_of(dir), "B A |");
	crc_deploy_result_free(&res);
	cr_assert_eq(crc_deploy_rollback(&rb, dir, NULL, NULL, &err), 0, "%s", err.msg);
	cr_assert_str_eq(rb.to, "B");
	/* A release changed on disk is refused, and current stays. */
	put(dir, "releases/A/README", "read us\n", 0644);
	cr_assert_eq(deploy(&res, &a, dir, 3, &err), CRC_EVERIFY);
	cr_assert_eq(crc_sha256_buf(sha_bad, "read us\n", 8, &err), 0);
	cr_assert_eq(crc_sha256_buf(sha_good, "read me\n", 8, &err), 0);
	snprintf(
		want, sizeof want,
		"release exists and differs from drop A: entry 'README': content has sha256 %s, the manifest "
		"says %s (remove it to deploy again)",
		sha_bad, sha_good);
	cr_assert_str_eq(err.msg, want);
	at(want, sizeof want, dir, "releases/A");
	cr_assert_str_eq(err.path, want);
	cr_assert_str_eq(current_of(dir), "releases/B");
	cr_assert_eq(res.id[0], '\0', "the result is empty on failure");
	/* So is an extra file, and a missing one. */
	put(dir, "releases/A/README", "read me\n", 0644);
	put(dir, "releases/A/bin/extra", "x", 0644);
	cr_assert_eq(deploy(&res, &a, dir, 3, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg,
			 "release exists and differs from drop A: entry 'bin/extra': a file not in the "
			 "manifest (remove it to deploy again)");
	at(want, sizeof want, dir, "releases/A/bin/extra");
	cr_assert_eq(unlink(want), 0);
	at(want, sizeof want, dir, "releases/A/include/noa/noa.h");
	cr_assert_eq(unlink(want), 0);
	cr_assert_eq(deploy(&res, &a, dir, 3, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg, "release exists and differs from drop A: entry 'include/noa/noa.h': in the "
				  "manifest but missing (remove it to deploy again)");
	at(want, sizeof want, dir, "releases/A/bin/noa");
	cr_assert_eq(chmod(want, 0700), 0);
	cr_assert_eq(deploy(&res, &a, dir, 3, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg,
			 "release exists and differs from drop A: entry 'bin/noa': mode 0700, the manifest "
			 "says 0755 (remove it to deploy again)");
	cr_assert_str_eq(current_of(dir), "releases/B");
	drop_free(&a);
	drop_free(&b);
	rm_rf(root);
}

Test(deploy, leftovers_of_a_killed_run_are_removed_and_never_current)
{
	char root[64], dir[128], p[512];
	struct drop a, b;
	struct crc_deploy_result res;
	scratch(root);
	make_drop(&a, root, "A");
	make_drop(&b, root, "B");
	at(dir, sizeof dir, root, "d");
	deploy_ok(&res, &a, dir, 3);
	crc_deploy_result_free(&res);
	/* What a run killed while extracting B, and just before switching to it, would leave. */
	at(p, sizeof p, dir, "releases/.tmp-B-99999/bin");
	struct crc_error err;
	cr_assert_eq(crc_os_mkdirs(p, &err), 0);
	put(dir, "releases/.tmp-B-99999/bin/noa", "half", 0755);
	at(p, sizeof p, dir, ".current-99999");
	cr_assert_eq(symlink("releases/.tmp-B-99999", p), 0);
	put(dir, ".crc-deploy.state.tmp-99999", "crc.deploy-state/v1\nrelease A\nrel", 0644);
	cr_assert_str_eq(current_of(dir), "releases/A");
	deploy_ok(&res, &b, dir, 3);
	cr_assert_eq(res.leftovers_removed, 3);
	cr_assert_str_eq(current_of(dir), "releases/B");
	cr_assert_str_eq(names_in(dir), ".crc-deploy.lock .crc-deploy.state current releases");
	at(p, sizeof p, dir, "releases");
	cr_assert_str_eq(names_in(p), "A B");
	crc_deploy_result_free(&res);
	/* Rollback cleans up too. */
	put(dir, ".current-99998", "", 0644);
	struct crc_deploy_rollback_result rb;
	cr_assert_eq(crc_deploy_rollback(&rb, dir, NULL, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(rb.leftovers_removed, 1);
	drop_free(&a);
	drop_free(&b);
	rm_rf(root);
}

/* A change interrupted between writing the state and switching current is resolved by current. */
Test(deploy, interrupted_changes_are_resolved_by_current)
{
	char root[64], dir[128], p[512];
	struct drop d[3];
	struct crc_deploy_result res;
	scratch(root);
	for (int i = 0; i < 3; i++) {
		char id[8] = {(char)('A' + i), '\0'};
		make_drop(&d[i], root, id);
		at(dir, sizeof dir, root, "d");
		deploy_ok(&res, &d[i], dir, 5);
		crc_deploy_result_free(&res);
	}
	/* A rollback from C that wrote its state but did not switch: C is still current, A B C the history.
	 */
	put(dir, ".crc-deploy.state",
	    "crc.deploy-state/v1\nrelease A\nrelease B\nbefore A\nbefore B\nbefore C\n", 0644);
	cr_assert_str_eq(history_of(dir), "A B C |");
	/* A deploy of C that wrote its state but did not switch: B is current, C outside the history. */
	at(p, sizeof p, dir, "current");
	cr_assert_eq(unlink(p), 0);
	cr_assert_eq(symlink("releases/B", p), 0);
	put(dir, ".crc-deploy.state",
	    "crc.deploy-state/v1\nrelease A\nrelease B\nrelease C\nbefore A\nbefore B\n", 0644);
	cr_assert_str_eq(history_of(dir), "A B | C");
	/* current switched by hand: it moves to the end. */
	cr_assert_eq(unlink(p), 0);
	cr_assert_eq(symlink("releases/A", p), 0);
	cr_assert_str_eq(history_of(dir), "B C A |");
	/* No state at all: current alone. */
	at(p, sizeof p, dir, ".crc-deploy.state");
	cr_assert_eq(unlink(p), 0);
	cr_assert_str_eq(history_of(dir), "A | B C");
	for (int i = 0; i < 3; i++)
		drop_free(&d[i]);
	rm_rf(root);
}

Test(deploy, a_state_or_current_crc_did_not_write_is_refused)
{
	char root[64], dir[128], p[512], want[1024];
	struct drop a;
	struct crc_deploy_result res;
	struct crc_error err;
	scratch(root);
	make_drop(&a, root, "A");
	at(dir, sizeof dir, root, "d");
	deploy_ok(&res, &a, dir, 3);
	crc_deploy_result_free(&res);
	static const struct {
		const char *text, *msg;
		int line;
	} bad[] = {
		{"", "empty state file", 1},
		{"crc.deploy-state/v2\n",
		 "not a deploy state file (expected 'crc.deploy-state/v1', got "
		 "'crc.deploy-state/v2')",
		 1},
		{"crc.deploy-state/v1\nrelease A", "last line has no newline", 2},
		{"crc.deploy-state/v1\nnext A\n",
		 "line not understood: 'next A' (expected 'release <id>' or 'before <id>')", 2},
		{"crc.deploy-state/v1\nrelease ../x\n", "'../x' is not a release id", 2},
		{"crc.deploy-state/v1\nrelease .tmp-x\n", "'.tmp-x' is not a release id", 2},
		{"crc.deploy-state/v1\nrelease A\nbefore A\nrelease A\n", "release A listed twice", 4},
	};
	at(p, sizeof p, dir, ".crc-deploy.state");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		put(dir, ".crc-deploy.state", bad[i].text, 0644);
		cr_assert_eq(deploy(&res, &a, dir, 3, &err), CRC_EINVALID, "%s", bad[i].text);
		cr_assert_str_eq(err.msg, bad[i].msg);
		cr_assert_str_eq(err.path, p);
		cr_assert_eq(err.line, bad[i].line, "%s", bad[i].text);
	}
	put(dir, ".crc-deploy.state", "crc.deploy-state/v1\nrelease A\n", 0644);
	at(p, sizeof p, dir, "current");
	cr_assert_eq(unlink(p), 0);
	cr_assert_eq(symlink("/etc", p), 0);
	cr_assert_eq(deploy(&res, &a, dir, 3, &err), CRC_EINVALID);
	snprintf(want, sizeof want,
		 "%s points to '/etc', not to releases/<id> (crc did not write it; move it away)", p);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(unlink(p), 0);
	cr_assert_eq(mkdir(p, 0755), 0);
	cr_assert_eq(deploy(&res, &a, dir, 3, &err), CRC_EINVALID);
	snprintf(want, sizeof want,
		 "%s is not a symlink (crc keeps it as a link to releases/<id>; move it away)", p);
	cr_assert_str_eq(err.msg, want);
	drop_free(&a);
	rm_rf(root);
}

/* ---- The state file's parser --------------------------------------------------------------------------- */

/* The ids of a list joined with ' ' (in a static buffer per list). */
static const char *ids_of(const struct crc_deploy_id *v, size_t n, int which)
{
	static char out[2][1024];
	out[which][0] = '\0';
	for (size_t i = 0; i < n; i++) {
		append(out[which], sizeof out[which], i ? " " : "");
		append(out[which], sizeof out[which], v[i].s);
	}
	return out[which];
}

Test(deploy, state_parse_reads_both_histories)
{
	static const char text[] =
		"crc.deploy-state/v1\nbefore A\nrelease A\nrelease B\nbefore C\nrelease C\n";
	struct crc_deploy_state st;
	struct crc_error err;
	cr_assert_eq(crc_deploy_state_parse(&st, "S", text, strlen(text), &err), 0, "%s", err.msg);
	cr_assert_str_eq(ids_of(st.releases, st.nreleases, 0), "A B C");
	cr_assert_str_eq(ids_of(st.before, st.nbefore, 1), "A C");
	crc_deploy_state_free(&st);
	crc_deploy_state_free(&st);
	crc_deploy_state_free(NULL);
	/* The schema line alone: nothing deployed yet. The text need not end in a NUL. */
	char raw[21];
	memcpy(raw, "crc.deploy-state/v1\nX", sizeof raw);
	cr_assert_eq(crc_deploy_state_parse(&st, "S", raw, 20, &err), 0, "%s", err.msg);
	cr_assert_eq(st.nreleases, 0);
	cr_assert_eq(st.nbefore, 0);
	cr_assert_null(st.releases);
	crc_deploy_state_free(&st);
}

Test(deploy, state_parse_errors_name_the_line)
{
	char longid[300], longline[300], nul[64];
	snprintf(longid, sizeof longid, "crc.deploy-state/v1\nrelease %0129d\n", 0);
	snprintf(longline, sizeof longline, "crc.deploy-state/v1\nrelease %0200d\n", 0);
	memcpy(nul, "crc.deploy-state/v1\nrelease A\0B\n", 32);
	static char zeros[129];
	memset(zeros, '0', 128);
	static const struct {
		const char *text, *msg;
		int line;
	} bad[] = {
		{"", "empty state file", 1},
		{"crc.deploy-state/v2\n",
		 "not a deploy state file (expected 'crc.deploy-state/v1', got 'crc.deploy-state/v2')", 1},
		{"\x1b[31m\n", "not a deploy state file (expected 'crc.deploy-state/v1', got '\\x1b[31m')",
		 1},
		{"crc.deploy-state/v1", "last line has no newline", 1},
		{"crc.deploy-state/v1\nrelease A", "last line has no newline", 2},
		{"crc.deploy-state/v1\n\n",
		 "line not understood: '' (expected 'release <id>' or 'before <id>')", 2},
		{"crc.deploy-state/v1\nnext A\n",
		 "line not understood: 'next A' (expected 'release <id>' or 'before <id>')", 2},
		{"crc.deploy-state/v1\nrelease ../x\n", "'../x' is not a release id", 2},
		{"crc.deploy-state/v1\nbefore .tmp-x\n", "'.tmp-x' is not a release id", 2},
		{"crc.deploy-state/v1\nrelease \n", "'' is not a release id", 2},
		{"crc.deploy-state/v1\nrelease A\r\n", "'A\\x0d' is not a release id", 2},
		{"crc.deploy-state/v1\nrelease A\nbefore A\nrelease A\n", "release A listed twice", 4},
		{"crc.deploy-state/v1\nbefore B\nbefore B\n", "release B listed twice", 3},
	};
	struct crc_deploy_state st;
	struct crc_error err;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(crc_deploy_state_parse(&st, "S", bad[i].text, strlen(bad[i].text), &err),
			     CRC_EINVALID, "%s", bad[i].text);
		cr_assert_str_eq(err.msg, bad[i].msg);
		cr_assert_str_eq(err.path, "S");
		cr_assert_eq(err.line, bad[i].line, "%s", bad[i].text);
		cr_assert_eq(st.nreleases + st.nbefore, 0);
		cr_assert_null(st.releases);
		cr_assert_null(st.before);
	}
	cr_assert_eq(crc_deploy_state_parse(&st, "S", longid, strlen(longid), &err), CRC_EINVALID);
	char want[300];
	snprintf(want, sizeof want, "'%0129d' is not a release id", 0);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(crc_deploy_state_parse(&st, "S", longline, strlen(longline), &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "line not understood");
	cr_assert_eq(err.line, 2);
	cr_assert_eq(crc_deploy_state_parse(&st, "S", nul, 32, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "line not understood");
	/* The longest id is fine. */
	snprintf(longid, sizeof longid, "crc.deploy-state/v1\nrelease %s\n", zeros);
	cr_assert_eq(crc_deploy_state_parse(&st, "S", longid, strlen(longid), &err), 0, "%s", err.msg);
	cr_assert_str_eq(st.releases[0].s, zeros);
	crc_deploy_state_free(&st);
}

Test(deploy, state_parse_caps_the_history_and_the_size)
{
	struct crc_deploy_state st;
	struct crc_error err;
	size_t cap = 64 + (CRC_DEPLOY_MAX_HISTORY + 1) * 16, len = 0;
	char *text = malloc(cap);
	cr_assert_not_null(text);
	len += (size_t)snprintf(text, cap, "crc.deploy-state/v1\n");
	for (int i = 0; i < CRC_DEPLOY_MAX_HISTORY; i++)
		len += (size_t)snprintf(text + len, cap - len, "before r%d\n", i);
	cr_assert_eq(crc_deploy_state_parse(&st, "S", text, len, &err), 0, "%s", err.msg);
	cr_assert_eq(st.nbefore, CRC_DEPLOY_MAX_HISTORY);
	crc_deploy_state_free(&st);
	len += (size_t)snprintf(text + len, cap - len, "before one-more\n");
	cr_assert_eq(crc_deploy_state_parse(&st, "S", text, len, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "more than 10000 releases");
	cr_assert_eq(err.line, CRC_DEPLOY_MAX_HISTORY + 2);
	free(text);
	char *big = malloc(CRC_DEPLOY_MAX_STATE + 1);
	cr_assert_not_null(big);
	memset(big, '\n', CRC_DEPLOY_MAX_STATE + 1);
	cr_assert_eq(crc_deploy_state_parse(&st, "S", big, CRC_DEPLOY_MAX_STATE + 1, &err), CRC_EINVALID);
	free(big);
	cr_assert_str_eq(err.msg, "state file larger than 1048576 bytes");
	cr_assert_eq(err.line, 0);
}

/* ---- Failures leave current alone ---------------------------------------------------------------------- */

Test(deploy, refuses_bad_inputs)
{
	char root[64], dir[128], want[1024];
	struct drop a;
	struct crc_deploy_result res;
	struct crc_error err;
	scratch(root);
	make_drop(&a, root, "A");
	at(dir, sizeof dir, root, "d");
	struct crc_deploy_options o = {a.dir, &a.m, "riscv64-linux-gnu", dir, 1, NULL, NULL, NULL};
	cr_assert_eq(crc_deploy_install(&res, &o, &err), CRC_ENOTFOUND);
	cr_assert_str_eq(err.msg,
			 "no artifact for target riscv64-linux-gnu in drop A (it has: x86_64-linux-gnu, "
			 "aarch64-linux-gnu)");
	a.m.nartifacts = 0;
	cr_assert_eq(crc_deploy_install(&res, &o, &err), CRC_ENOTFOUND);
	cr_assert_str_eq(err.msg, "no artifact for target riscv64-linux-gnu in drop A (it has: none)");
	a.m.nartifacts = 2;
	o.target = TRIPLE;
	a.m.drop_id = "a/../b";
	cr_assert_eq(crc_deploy_install(&res, &o, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg,
			 "drop id 'a/../b' has a character other than letters, digits, '.', '_' and '-'");
	a.m.drop_id = "..";
	cr_assert_eq(crc_deploy_install(&res, &o, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "drop id '..' is not allowed");
	a.m.drop_id = ".tmp-A-1";
	cr_assert_eq(crc_deploy_install(&res, &o, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg,
			 "drop id '.tmp-A-1' starts with '.', which deploy keeps for temporary names");
	a.m.drop_id = a.id;
	o.dir = "";
	cr_assert_eq(crc_deploy_install(&res, &o, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "no deploy directory given");
	o.dir = dir;
	o.manifest = NULL;
	cr_assert_eq(crc_deploy_install(&res, &o, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "deploy needs a drop directory, a manifest, a target and a directory");
	o.manifest = &a.m;
	a.art[0].format = "tar.xz";
	cr_assert_eq(crc_deploy_install(&res, &o, &err), CRC_EINVALID);
	snprintf(want, sizeof want, "manifest artifact %s: format 'tar.xz' is not tar.zst or tar.gz", a.name);
	cr_assert_str_eq(err.msg, want);
	/* A Lambda package is not the target's installed tree: never deployed. */
	a.art[0].format = "zip";
	cr_assert_eq(crc_deploy_install(&res, &o, &err), CRC_ENOTFOUND);
	cr_assert_str_eq(err.msg,
			 "no artifact for target x86_64-linux-gnu in drop A (it has: aarch64-linux-gnu)");
	a.art[0].format = "tar.zst";
	a.art[0].path = "../x.tar.zst";
	cr_assert_eq(crc_deploy_install(&res, &o, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "manifest artifact '../x.tar.zst': not a file name of the drop");
	a.art[0].path = a.name;
	/* Entries the manifest parser would refuse are refused here too. */
	struct crc_manifest_entry saved = a.entries[0];
	static const struct {
		struct crc_manifest_entry e;
		const char *msg;
	} bad[] = {
		{{"../x", 'd', 0755, 0, "", ""}, "entry '../x': path contains '..'"},
		{{"/x", 'd', 0755, 0, "", ""}, "entry '/x': absolute path"},
		{{"a//b", 'd', 0755, 0, "", ""},
		 "entry 'a//b': path not normalized (empty or '.' component)"},
		{{"x", 'l', 0777, 0, "", "../y"}, "entry 'x' -> '../y': symlink target leaves the tree"},
		{{"x", 'l', 0777, 0, "", "/etc"}, "entry 'x' -> '/etc': absolute symlink target"},
		{{"x", 'f', 0644, 1, "00", ""}, "entry 'x': sha256 is not 64 lower-case hex digits"},
		{{"x", 'f', 01755, 0, "", ""}, "entry 'x': mode 1755 out of range"},
		{{"x", 'x', 0644, 0, "", ""}, "entry 'x': unknown type"},
		{{"README", 'f', 0644, 0, "", ""}, "entry 'README': sha256 is not 64 lower-case hex digits"},
		{{"bin/noa", 'd', 0755, 0, "", ""}, "entry 'bin/noa' listed twice"},
		{{"lib/libnoa.so/x", 'd', 0755, 0, "", ""},
		 "entry 'lib/libnoa.so/x' lies below 'lib/libnoa.so', which is a symlink"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		a.entries[0] = bad[i].e;
		cr_assert_eq(crc_deploy_install(&res, &o, &err), CRC_EINVALID, "%s", bad[i].msg);
		snprintf(want, sizeof want, "manifest artifact %s: %s", a.name, bad[i].msg);
		cr_assert_str_eq(err.msg, want);
	}
	a.entries[0] = saved;
	cr_assert_eq(exists(root, "d"), 0, "nothing is created for bad inputs");
	drop_free(&a);
	rm_rf(root);
}

Test(deploy, a_failed_deploy_leaves_current_unchanged)
{
	char root[64], dir[128], want[1024], sha[CRC_SHA256_HEX];
	struct drop a, b;
	struct crc_deploy_result res;
	struct crc_error err;
	scratch(root);
	make_drop(&a, root, "A");
	make_drop(&b, root, "B");
	at(dir, sizeof dir, root, "d");
	deploy_ok(&res, &a, dir, 3);
	crc_deploy_result_free(&res);
	/* The archive's bytes differ from what the manifest pins. */
	snprintf(sha, sizeof sha, "%s", b.res.sha256);
	b.art[0].sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
	cr_assert_eq(deploy(&res, &b, dir, 3, &err), CRC_EVERIFY);
	snprintf(want, sizeof want,
		 "archive has sha256 %s (%llu bytes), the manifest says "
		 "0000000000000000000000000000000000000000000000000000000000000000 (%llu bytes)",
		 sha, b.res.size, b.res.size);
	cr_assert_str_eq(err.msg, want);
	cr_assert_str_eq(err.path, b.archive);
	b.art[0].sha256 = b.res.sha256;
	b.art[0].size = b.res.size + 1;
	cr_assert_eq(deploy(&res, &b, dir, 3, &err), CRC_EVERIFY);
	snprintf(want, sizeof want, "archive is %llu bytes, the manifest says %llu", b.res.size,
		 b.res.size + 1);
	cr_assert_str_eq(err.msg, want);
	b.art[0].size = b.res.size;
	/* The archive is missing, or a symlink. */
	char moved[600];
	snprintf(moved, sizeof moved, "%s.moved", b.archive);
	cr_assert_eq(rename(b.archive, moved), 0);
	cr_assert_eq(deploy(&res, &b, dir, 3, &err), CRC_ENOTFOUND);
	snprintf(want, sizeof want, "cannot open %s: No such file or directory", b.archive);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(symlink(moved, b.archive), 0);
	cr_assert_eq(deploy(&res, &b, dir, 3, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg, "is a symlink, not a regular file");
	cr_assert_str_eq(err.path, b.archive);
	cr_assert_str_eq(current_of(dir), "releases/A");
	at(want, sizeof want, dir, "releases");
	cr_assert_str_eq(names_in(want), "A");
	cr_assert_str_eq(history_of(dir), "A |");
	drop_free(&a);
	drop_free(&b);
	rm_rf(root);
}

Test(deploy, a_file_where_the_directory_should_be_is_an_error)
{
	char root[64], dir[128], want[1024];
	struct drop a;
	struct crc_deploy_result res;
	struct crc_error err;
	scratch(root);
	make_drop(&a, root, "A");
	at(dir, sizeof dir, root, "d");
	put(root, "d", "not a directory\n", 0644);
	cr_assert_eq(deploy(&res, &a, dir, 3, &err), CRC_EIO);
	snprintf(want, sizeof want, "cannot deploy into %s: not a directory", dir);
	cr_assert_str_eq(err.msg, want);
	at(dir, sizeof dir, root, "d/sub");
	cr_assert_eq(deploy(&res, &a, dir, 3, &err), CRC_ENOTFOUND);
	snprintf(want, sizeof want, "cannot stat %s: Not a directory", dir);
	cr_assert_str_eq(err.msg, want);
	at(dir, sizeof dir, root, "e");
	mkdir_(root, "e");
	put(root, "e/releases", "", 0644);
	cr_assert_eq(deploy(&res, &a, dir, 3, &err), CRC_EIO);
	snprintf(want, sizeof want, "cannot deploy into %s: %s/releases is a file, not a directory", dir,
		 dir);
	cr_assert_str_eq(err.msg, want);
	cr_assert_str_eq(current_of(dir), "");
	/* Nor is a symlink followed there: releases land in the deploy directory itself. */
	char rel[256], elsewhere[256];
	at(rel, sizeof rel, dir, "releases");
	at(elsewhere, sizeof elsewhere, root, "elsewhere");
	cr_assert_eq(unlink(rel), 0);
	mkdir_(root, "elsewhere");
	cr_assert_eq(symlink(elsewhere, rel), 0);
	cr_assert_eq(deploy(&res, &a, dir, 3, &err), CRC_EIO);
	snprintf(want, sizeof want, "cannot deploy into %s: %s/releases is a symlink, not a directory", dir,
		 dir);
	cr_assert_str_eq(err.msg, want);
	cr_assert_str_eq(names_in(elsewhere), "");
	cr_assert_str_eq(current_of(dir), "");
	drop_free(&a);
	rm_rf(root);
}

Test(deploy, a_write_error_while_extracting_leaves_nothing)
{
	char root[64], dir[128], tree[128], p[512];
	struct drop a, b;
	struct crc_deploy_result res;
	struct crc_error err;
	scratch(root);
	make_drop(&a, root, "A");
	/* B holds a 64 KiB file, over the file size limit set below. */
	memset(&b, 0, sizeof b);
	snprintf(b.id, sizeof b.id, "B");
	at(tree, sizeof tree, root, "tree-B");
	make_tree(tree, "B");
	char *big = malloc(65537);
	cr_assert_not_null(big);
	for (size_t i = 0; i < 65536; i++)
		big[i] = (char)('a' + (i * 7919 % 26));
	big[65536] = '\0';
	put(tree, "share/big", big, 0644);
	free(big);
	at(b.dir, sizeof b.dir, root, "drop-B");
	cr_assert_eq(mkdir(b.dir, 0755), 0);
	snprintf(b.name, sizeof b.name, "noa-B-" TRIPLE ".tar.zst");
	snprintf(b.other, sizeof b.other, "noa-B-aarch64-linux-gnu.tar.zst");
	at(b.archive, sizeof b.archive, b.dir, b.name);
	cr_assert_eq(crc_archive_write_tree(&b.res, b.archive, tree, CRC_ARCHIVE_TAR_ZST, MTIME, &err), 0,
		     "%s", err.msg);
	manifest_from(&b, CRC_ARCHIVE_TAR_ZST);
	at(dir, sizeof dir, root, "d");
	deploy_ok(&res, &a, dir, 3);
	crc_deploy_result_free(&res);
	/* Criterion runs each test in its own process: the limit stays here. */
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit rl = {16384, 16384};
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	cr_assert_eq(deploy(&res, &b, dir, 3, &err), CRC_EIO);
	snprintf(p, sizeof p, "cannot extract 'share/big' into %s/releases/.tmp-B-%ld: ", dir,
		 (long)getpid());
	cr_assert(strncmp(err.msg, p, strlen(p)) == 0, "%s", err.msg);
	cr_assert(strstr(err.msg, "File too large"), "%s", err.msg);
	cr_assert_str_eq(current_of(dir), "releases/A");
	at(p, sizeof p, dir, "releases");
	cr_assert_str_eq(names_in(p), "A");
	cr_assert_str_eq(history_of(dir), "A |");
	drop_free(&a);
	drop_free(&b);
	rm_rf(root);
}

/* ---- Hostile archives ---------------------------------------------------------------------------------- */

/* An entry of a crafted archive: f file (data: content), d directory, l symlink (data: target), h hard link
 * (data: target), c character device, p fifo. */
struct hentry {
	const char *path;
	char type;
	unsigned mode;
	const char *data;
};

/* Writes the entries as a gzip'ed pax tar at out, with libarchive and none of crc's checks. */
static void craft(const char *out, const struct hentry *v, size_t n)
{
	struct archive *a = archive_write_new();
	cr_assert_not_null(a);
	cr_assert_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	cr_assert_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	cr_assert_eq(archive_write_open_filename(a, out), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new();
		archive_entry_copy_pathname(ae, v[i].path);
		archive_entry_set_perm(ae, (mode_t)v[i].mode);
		archive_entry_set_mtime(ae, MTIME, 0);
		switch (v[i].type) {
		case 'f':
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_size(ae, (la_int64_t)strlen(v[i].data));
			break;
		case 'd':
			archive_entry_set_filetype(ae, AE_IFDIR);
			break;
		case 'l':
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_copy_symlink(ae, v[i].data);
			break;
		case 'h':
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_copy_hardlink(ae, v[i].data);
			archive_entry_set_size(ae, 0);
			break;
		case 'c':
			archive_entry_set_filetype(ae, AE_IFCHR);
			archive_entry_set_rdevmajor(ae, 1);
			archive_entry_set_rdevminor(ae, 3);
			break;
		default:
			archive_entry_set_filetype(ae, AE_IFIFO);
			break;
		}
		cr_assert_eq(archive_write_header(a, ae), ARCHIVE_OK, "%s: %s", v[i].path,
			     archive_error_string(a));
		if (v[i].type == 'f')
			cr_assert_eq(archive_write_data(a, v[i].data, strlen(v[i].data)),
				     (la_ssize_t)strlen(v[i].data));
		archive_entry_free(ae);
	}
	cr_assert_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

#define MAXH 16

struct crafted {
	char root[64], drop[128], archive[256], dir[128];
	char sha[MAXH][CRC_SHA256_HEX], asha[CRC_SHA256_HEX];
	struct crc_manifest_entry e[MAXH];
	struct crc_manifest_artifact art;
	struct crc_manifest m;
};

/* A drop "H" whose archive holds arch and whose manifest lists man (hashes of the listed content), with
 * the archive's own size and hash. */
static void crafted_make(struct crafted *c, const struct hentry *arch, size_t na, const struct hentry *man,
			 size_t nm)
{
	struct crc_error err;
	unsigned long long size;
	memset(c, 0, sizeof *c);
	scratch(c->root);
	at(c->drop, sizeof c->drop, c->root, "drop");
	at(c->dir, sizeof c->dir, c->root, "deploy");
	cr_assert_eq(mkdir(c->drop, 0755), 0);
	at(c->archive, sizeof c->archive, c->drop, "noa-H-" TRIPLE ".tar.gz");
	craft(c->archive, arch, na);
	cr_assert_eq(crc_sha256_file(c->asha, &size, c->archive, &err), 0, "%s", err.msg);
	cr_assert_leq(nm, MAXH);
	for (size_t i = 0; i < nm; i++) {
		struct crc_manifest_entry *e = &c->e[i];
		*e = (struct crc_manifest_entry){man[i].path, man[i].type, man[i].mode, 0, "", ""};
		if (man[i].type == 'f') {
			cr_assert_eq(crc_sha256_buf(c->sha[i], man[i].data, strlen(man[i].data), &err), 0);
			e->size = strlen(man[i].data);
			e->sha256 = c->sha[i];
		} else if (man[i].type == 'l') {
			e->link = man[i].data;
		}
	}
	c->art = (struct crc_manifest_artifact){
		"noa-H-" TRIPLE ".tar.gz", TRIPLE, "tar.gz", size, c->asha, nm, c->e};
	c->m.drop_id = "H";
	c->m.nartifacts = 1;
	c->m.artifacts = &c->art;
}

/* Deploying the crafted drop must fail with CRC_EVERIFY and exactly want (about the archive), leaving no
 * current, no release, no staging directory, and nothing outside the deploy directory. */
static void hostile(const struct hentry *arch, size_t na, const struct hentry *man, size_t nm,
		    const char *want)
{
	struct crafted c;
	struct crc_deploy_result res;
	struct crc_error err;
	char releases[256];
	crafted_make(&c, arch, na, man, nm);
	struct crc_deploy_options o = {c.drop, &c.m, TRIPLE, c.dir, 1, NULL, NULL, NULL};
	cr_assert_eq(crc_deploy_install(&res, &o, &err), CRC_EVERIFY, "%s: %s", want, err.msg);
	cr_assert_str_eq(err.msg, want);
	cr_assert_str_eq(err.path, c.archive);
	cr_assert_str_eq(current_of(c.dir), "");
	at(releases, sizeof releases, c.dir, "releases");
	cr_assert_str_eq(names_in(releases), "", "nothing stays in releases/");
	cr_assert_str_eq(names_in(c.root), "deploy drop");
	cr_assert_eq(exists("/tmp", "crc-deploy-escaped"), 0);
	rm_rf(c.root);
}

#define N(v) (sizeof(v) / sizeof((v)[0]))

static const struct hentry readme = {"README", 'f', 0644, "read me\n"};

Test(deploy, refuses_dotdot)
{
	const struct hentry arch[] = {readme, {"../x", 'f', 0644, "x"}};
	hostile(arch, N(arch), &readme, 1, "entry '../x': path contains '..'");
	const struct hentry arch2[] = {readme, {"a/../../x", 'f', 0644, "x"}};
	hostile(arch2, N(arch2), &readme, 1, "entry 'a/../../x': path contains '..'");
}

Test(deploy, refuses_absolute_paths)
{
	const struct hentry arch[] = {readme, {"/tmp/crc-deploy-escaped", 'f', 0644, "x"}};
	hostile(arch, N(arch), &readme, 1, "entry '/tmp/crc-deploy-escaped': absolute path");
}

Test(deploy, refuses_a_symlink_escaping_then_a_file_through_it)
{
	const struct hentry arch[] = {readme,
				      {"lib", 'd', 0755, NULL},
				      {"lib/esc", 'l', 0777, "../../../../../tmp"},
				      {"lib/esc/crc-deploy-escaped", 'f', 0644, "x"}};
	const struct hentry man[] = {readme, {"lib", 'd', 0755, NULL}};
	hostile(arch, N(arch), man, N(man),
		"entry 'lib/esc' -> '../../../../../tmp': symlink target leaves the tree");
	const struct hentry arch2[] = {
		readme, {"esc", 'l', 0777, "/tmp"}, {"esc/crc-deploy-escaped", 'f', 0644, "x"}};
	hostile(arch2, N(arch2), &readme, 1, "entry 'esc' -> '/tmp': absolute symlink target");
	/* A symlink inside the tree, listed, then a file written through it. */
	const struct hentry arch3[] = {
		readme, {"bin", 'd', 0755, NULL}, {"lnk", 'l', 0777, "bin"}, {"lnk/evil", 'f', 0644, "x"}};
	const struct hentry man3[] = {readme, {"bin", 'd', 0755, NULL}, {"lnk", 'l', 0777, "bin"}};
	hostile(arch3, N(arch3), man3, N(man3), "entry 'lnk/evil': not in the manifest");
}

Test(deploy, refuses_hard_links_devices_and_fifos)
{
	const struct hentry arch[] = {readme, {"hl", 'h', 0644, "README"}};
	const struct hentry man[] = {readme, {"hl", 'f', 0644, "read me\n"}};
	hostile(arch, N(arch), man, N(man), "entry 'hl': hard link to 'README' (not allowed)");
	const struct hentry arch2[] = {readme, {"null", 'c', 0666, NULL}};
	hostile(arch2, N(arch2), &readme, 1,
		"entry 'null': a character device; only regular files, directories and symlinks are allowed");
	const struct hentry arch3[] = {readme, {"pipe", 'p', 0644, NULL}};
	hostile(arch3, N(arch3), &readme, 1,
		"entry 'pipe': a fifo; only regular files, directories and symlinks are allowed");
}

Test(deploy, refuses_entries_that_differ_from_the_manifest)
{
	char want[512], sha_evil[CRC_SHA256_HEX], sha_good[CRC_SHA256_HEX];
	struct crc_error err;
	const struct hentry extra[] = {readme, {"extra.txt", 'f', 0644, "x"}};
	hostile(extra, N(extra), &readme, 1, "entry 'extra.txt': not in the manifest");
	const struct hentry evil[] = {{"README", 'f', 0644, "evil me\n"}};
	cr_assert_eq(crc_sha256_buf(sha_evil, "evil me\n", 8, &err), 0);
	cr_assert_eq(crc_sha256_buf(sha_good, "read me\n", 8, &err), 0);
	snprintf(want, sizeof want, "entry 'README': content has sha256 %s, the manifest says %s", sha_evil,
		 sha_good);
	hostile(evil, N(evil), &readme, 1, want);
	const struct hentry longer[] = {{"README", 'f', 0644, "read me!\n"}};
	hostile(longer, N(longer), &readme, 1, "entry 'README': 9 bytes in the archive, the manifest says 8");
	const struct hentry mode[] = {{"README", 'f', 0755, "read me\n"}};
	hostile(mode, N(mode), &readme, 1,
		"entry 'README': mode 0755 in the archive, the manifest says 0644");
	const struct hentry twice[] = {readme, readme};
	hostile(twice, N(twice), &readme, 1, "entry 'README': appears twice in the archive");
	const struct hentry dir[] = {{"README", 'd', 0755, NULL}};
	hostile(dir, N(dir), &readme, 1,
		"entry 'README': is a directory in the archive, the manifest says a file");
	const struct hentry lnk[] = {{"l", 'l', 0777, "README"}, readme};
	const struct hentry lman[] = {{"l", 'l', 0777, "bin"}, readme};
	hostile(lnk, N(lnk), lman, N(lman), "entry 'l' -> 'README': the manifest says -> 'bin'");
	const struct hentry man[] = {readme, {"share", 'd', 0755, NULL}};
	hostile(&readme, 1, man, N(man), "entry 'share': in the manifest but not in the archive");
}

Test(deploy, refuses_a_corrupt_archive)
{
	struct crafted c;
	struct crc_deploy_result res;
	struct crc_error err;
	crafted_make(&c, &readme, 1, &readme, 1);
	/* Same size, bytes in the middle of the compressed stream changed, manifest hash updated to match. */
	int fd = open(c.archive, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, "\xff\xff\xff\xff\xff\xff\xff\xff", 8, 20), 8);
	close(fd);
	unsigned long long size;
	cr_assert_eq(crc_sha256_file(c.asha, &size, c.archive, &err), 0);
	struct crc_deploy_options o = {c.drop, &c.m, TRIPLE, c.dir, 1, NULL, NULL, NULL};
	cr_assert_eq(crc_deploy_install(&res, &o, &err), CRC_EVERIFY, "%s", err.msg);
	cr_assert_str_eq(err.path, c.archive);
	cr_assert_str_eq(current_of(c.dir), "");
	rm_rf(c.root);
}

Test(deploy, a_crafted_archive_that_matches_its_manifest_deploys)
{
	struct crafted c;
	struct crc_deploy_result res;
	struct crc_error err;
	/* "./" entries, a directory implied by its file only, ../ links that stay inside. */
	const struct hentry arch[] = {{"./", 'd', 0755, NULL},
				      {"./README", 'f', 0644, "read me\n"},
				      {"share/noa/policy.yaml", 'f', 0600, "p\n"},
				      {"share/link", 'l', 0777, "../README"}};
	const struct hentry man[] = {
		readme, {"share/noa/policy.yaml", 'f', 0600, "p\n"}, {"share/link", 'l', 0777, "../README"}};
	crafted_make(&c, arch, N(arch), man, N(man));
	struct crc_deploy_options o = {c.drop, &c.m, TRIPLE, c.dir, 1, NULL, NULL, NULL};
	cr_assert_eq(crc_deploy_install(&res, &o, &err), 0, "%s", err.msg);
	cr_assert_str_eq(text_of(c.dir, "current/share/link"), "read me\n");
	cr_assert_str_eq(text_of(c.dir, "current/share/noa/policy.yaml"), "p\n");
	crc_deploy_result_free(&res);
	rm_rf(c.root);
}

/* ---- Killed runs, the lock ----------------------------------------------------------------------------- */

Test(deploy, a_run_killed_at_any_moment_leaves_current_whole, .timeout = 300)
{
	char root[64], dir[128];
	struct drop d[4];
	struct crc_deploy_result res;
	struct crc_error err;
	scratch(root);
	for (int i = 0; i < 4; i++) {
		char id[8] = {'X', (char)('0' + i), '\0'};
		make_drop(&d[i], root, id);
	}
	/* How long one deploy takes here (fsync dominates), so that the kills land all over a run. */
	struct timespec t0, t1;
	at(dir, sizeof dir, root, "timing");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 4; i++) {
		deploy_ok(&res, &d[i], dir, 1);
		crc_deploy_result_free(&res);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long one = ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec)) / 4;
	at(dir, sizeof dir, root, "d");
	int had_current = 0;
	for (int round = 0; round < 30; round++) {
		pid_t pid = fork();
		cr_assert_geq(pid, 0);
		if (pid == 0) {
			/* keep 1: every deploy extracts afresh and prunes. */
			for (unsigned i = 0;; i++) {
				struct crc_deploy_result r;
				if (deploy(&r, &d[i % 4], dir, 1, NULL) == 0)
					crc_deploy_result_free(&r);
			}
		}
		/* From a tenth of a deploy to three deploys in, in steps that do not repeat the phase. */
		long ns = one / 10 + (one * 3 / 10) * ((round * 7) % 10) + (one / 30) * round;
		struct timespec ts = {ns / 1000000000L, ns % 1000000000L};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int status;
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		const char *cur = current_of(dir);
		if (!cur[0]) {
			cr_assert_eq(had_current, 0, "round %d: current disappeared", round);
			continue;
		}
		had_current = 1;
		cr_assert(strncmp(cur, "releases/X", 10) == 0 && cur[10] >= '0' && cur[10] <= '3' && !cur[11],
			  "%s", cur);
		int k = cur[10] - '0';
		char want[64];
		snprintf(want, sizeof want, "#!/bin/sh\necho X%d\n", k);
		cr_assert_str_eq(text_of(dir, "current/bin/noa"), want);
		/* Redeploying what is current checks the whole tree against the manifest. */
		cr_assert_eq(deploy(&res, &d[k], dir, 1, &err), 0, "round %d: %s", round, err.msg);
		cr_assert_eq(res.reused, 1);
		cr_assert_eq(res.unchanged, 1);
		crc_deploy_result_free(&res);
	}
	cr_assert(had_current);
	for (int i = 0; i < 4; i++)
		drop_free(&d[i]);
	rm_rf(root);
}

static int busy_calls;
static void on_busy(void *ctx)
{
	(void)ctx;
	busy_calls++;
}

Test(deploy, a_second_deployer_waits_for_the_lock)
{
	char root[64], dir[128], lock[256], done[256];
	struct drop a;
	scratch(root);
	make_drop(&a, root, "A");
	at(dir, sizeof dir, root, "d");
	cr_assert_eq(mkdir(dir, 0755), 0);
	at(lock, sizeof lock, dir, ".crc-deploy.lock");
	at(done, sizeof done, root, "child-done");
	int fd = open(lock, O_RDWR | O_CREAT, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(flock(fd, LOCK_EX), 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct crc_deploy_result r;
		struct crc_deploy_options o = {a.dir, &a.m, TRIPLE, dir, 1, on_busy, NULL, NULL};
		close(fd);
		busy_calls = 0;
		int rc = crc_deploy_install(&r, &o, NULL);
		int f = open(done, O_CREAT | O_WRONLY, 0644);
		close(f);
		_exit(rc == 0 && busy_calls == 1 ? 0 : 1);
	}
	struct timespec ts = {0, 300000000};
	nanosleep(&ts, NULL);
	cr_assert_eq(exists(root, "child-done"), 0, "the child deployed while the lock was held");
	cr_assert_str_eq(current_of(dir), "");
	close(fd);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child waited, was told, then deployed");
	cr_assert_str_eq(current_of(dir), "releases/A");
	drop_free(&a);
	rm_rf(root);
}

/* ---- The host's triple --------------------------------------------------------------------------------- */

Test(deploy, host_triple_from_uname)
{
	char t[64];
	struct crc_error err;
	struct utsname u;
	cr_assert_eq(uname(&u), 0);
	cr_assert_eq(crc_deploy_host_triple(t, sizeof t, &err), 0, "%s", err.msg);
	if (strcmp(u.machine, "x86_64") == 0)
		cr_assert_str_eq(t, "x86_64-linux-gnu");
	else
		cr_assert_str_eq(t, "aarch64-linux-gnu");
	cr_assert_eq(crc_deploy_triple_for_machine(t, sizeof t, "x86_64", &err), 0);
	cr_assert_str_eq(t, "x86_64-linux-gnu");
	cr_assert_eq(crc_deploy_triple_for_machine(t, sizeof t, "aarch64", &err), 0);
	cr_assert_str_eq(t, "aarch64-linux-gnu");
	cr_assert_eq(crc_deploy_triple_for_machine(t, sizeof t, "arm64", &err), 0);
	cr_assert_str_eq(t, "aarch64-linux-gnu");
	cr_assert_eq(crc_deploy_triple_for_machine(t, sizeof t, "riscv64", &err), CRC_ENOTFOUND);
	cr_assert_str_eq(err.msg, "no target triple known for this machine (riscv64); pass --target");
	cr_assert_eq(crc_deploy_triple_for_machine(t, 8, "x86_64", &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "no room for the target triple x86_64-linux-gnu");
}
