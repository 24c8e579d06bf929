/* The archive module: the same tree gives the same bytes whatever its files' times, owners, modes beyond
 * normalization, creation order, umask and place; GNU tar, zstd and gzip accept what we write and see
 * owner 0/0, the normalized modes, the fixed mtime and sorted entries; the hashes are those of the bytes
 * (checked with coreutils' sha256sum); listing reads back what was written; every refusal, when writing
 * a tree and when listing an archive crafted with Python's tarfile or GNU tar, fails with its message
 * and leaves nothing behind. */
/* mknod() is XSI. */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "crc/archive.h"
#include "crc/os.h"

/* 2023-11-14 22:13:20 UTC */
#define MTIME 1700000000LL

static void run(const char *cmd)
{
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void path_of(char *out, size_t size, const char *dir, const char *rel)
{
	int n = snprintf(out, size, "%s/%s", dir, rel);
	cr_assert(n > 0 && (size_t)n < size);
}

static void put(const char *dir, const char *rel, const char *text, unsigned mode)
{
	char p[2048];
	path_of(p, sizeof p, dir, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0, "create %s: %s", p, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	cr_assert_eq(close(fd), 0);
	cr_assert_eq(chmod(p, mode), 0);
}

static void dir_(const char *dir, const char *rel, unsigned mode)
{
	char p[2048];
	path_of(p, sizeof p, dir, rel);
	cr_assert_eq(mkdir(p, mode), 0, "mkdir %s: %s", p, strerror(errno));
}

static void link_(const char *dir, const char *rel, const char *target)
{
	char p[2048];
	path_of(p, sizeof p, dir, rel);
	cr_assert_eq(symlink(target, p), 0, "symlink %s: %s", p, strerror(errno));
}

static void rm_rf(const char *path)
{
	struct crc_error err;
	cr_assert_eq(crc_os_remove_tree(path, &err), 0, "%s", err.msg);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	char *buf = malloc(1 << 22);
	cr_assert_not_null(buf);
	*len = fread(buf, 1, 1 << 22, f);
	cr_assert_eq(ferror(f), 0);
	fclose(f);
	return buf;
}

/* The first line of a command's output (newline dropped). */
static void capture(char *out, size_t size, const char *cmd)
{
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p, "%s", cmd);
	if (!fgets(out, (int)size, p))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	cr_assert_eq(pclose(p), 0, "%s", cmd);
}

/* The entries of the test tree, sorted bytewise ("lib-extra.txt" sorts before "lib/..."). */
static const struct {
	const char *path;
	char type;
	unsigned mode;
	const char *content_or_link;
} tree[] = {
	{"README", 'f', 0644, "read me\n"},
	{"a.txt", 'f', 0644, "hello\n"},
	{"bin", 'd', 0755, NULL},
	{"bin/tool", 'f', 0755, "#!/bin/sh\necho hi\n"},
	{"lib", 'd', 0755, NULL},
	{"lib-extra.txt", 'f', 0644, "extra\n"},
	{"lib/libx.so", 'l', 0777, "libx.so.1"},
	{"lib/libx.so.1", 'f', 0644,
	 "\x7f"
	 "ELF..."},
	{"share", 'd', 0755, NULL},
	{"share/doc", 'd', 0755, NULL},
	{"share/doc/deep", 'd', 0755, NULL},
	{"share/doc/deep/readme", 'f', 0644, ""},
	{"share/empty", 'd', 0755, NULL},
	{"share/up", 'l', 0777, "../a.txt"},
};
#define NTREE (sizeof tree / sizeof tree[0])

/* Builds the test tree in a new temporary directory. The variant changes everything that must not
 * matter: the umask, the raw modes (0700 vs 0755 executables, 0600 vs 0664 files), the creation order
 * (so the directory order), the files' times and, as root, their owners. */
static void make_tree(char *dir, int variant)
{
	cr_assert_not_null(mkdtemp(dir));
	mode_t old = umask(variant ? 077 : 022);
	for (size_t k = 0; k < NTREE; k++) {
		/* Parents come before children in both orders: reverse within each depth. */
		size_t i = k;
		if (variant) {
			static const size_t order[] = {8, 12, 13, 9, 10, 11, 4, 7, 6, 5, 2, 3, 1, 0};
			i = order[k];
		}
		unsigned raw = tree[i].mode;
		if (tree[i].type == 'f')
			raw = tree[i].mode == 0755 ? (variant ? 0700 : 0755) : (variant ? 0600 : 0664);
		if (tree[i].type == 'd')
			dir_(dir, tree[i].path, variant ? 0700 : 0755);
		else if (tree[i].type == 'l')
			link_(dir, tree[i].path, tree[i].content_or_link);
		else
			put(dir, tree[i].path, tree[i].content_or_link, raw);
	}
	umask(old);
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "cd %s && find . -exec touch -h -d @%d {} + %s", dir,
		 variant ? 86400 * 365 : 1234567,
		 variant && geteuid() == 0 ? "&& chown -hR 1234:5678 ." : "");
	run(cmd);
}

static void check_entries(const struct crc_archive_result *r, const char *dir)
{
	cr_assert_eq(r->nentries, NTREE);
	for (size_t i = 0; i < NTREE; i++) {
		const struct crc_archive_entry *e = &r->entries[i];
		cr_assert_str_eq(e->path, tree[i].path);
		cr_assert_eq(e->type, tree[i].type, "%s", e->path);
		cr_assert_eq(e->mode, tree[i].mode, "%s: mode %o", e->path, e->mode);
		if (e->type == 'l') {
			cr_assert_str_eq(e->link, tree[i].content_or_link);
		} else {
			cr_assert_null(e->link);
		}
		if (e->type != 'f') {
			cr_assert_eq(e->size, 0);
			cr_assert_str_eq(e->sha256, "");
			continue;
		}
		cr_assert_eq(e->size, strlen(tree[i].content_or_link), "%s", e->path);
		if (!dir)
			continue;
		/* The content hash is the file's, as coreutils computes it. */
		char cmd[1024], line[256];
		snprintf(cmd, sizeof cmd, "sha256sum %s/%s | cut -c1-64", dir, e->path);
		capture(line, sizeof line, cmd);
		cr_assert_str_eq(e->sha256, line, "%s", e->path);
	}
}

static void same_entries(const struct crc_archive_result *a, const struct crc_archive_result *b)
{
	cr_assert_eq(a->nentries, b->nentries);
	for (size_t i = 0; i < a->nentries; i++) {
		const struct crc_archive_entry *x = &a->entries[i], *y = &b->entries[i];
		cr_assert_str_eq(x->path, y->path);
		cr_assert_eq(x->type, y->type, "%s", x->path);
		cr_assert_eq(x->mode, y->mode, "%s", x->path);
		cr_assert_eq(x->size, y->size, "%s", x->path);
		cr_assert_str_eq(x->sha256, y->sha256, "%s", x->path);
		cr_assert_eq(!x->link, !y->link, "%s", x->path);
		if (x->link)
			cr_assert_str_eq(x->link, y->link, "%s", x->path);
	}
}

/* GNU tar's verbose listing shows uid/gid 0, the normalized modes, the fixed mtime and our order. */
static void check_gnu_tar_listing(const char *archive)
{
	char cmd[1024], line[2048];
	snprintf(cmd, sizeof cmd, "TZ=UTC LC_ALL=C tar --numeric-owner --full-time -tvf %s", archive);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	size_t i = 0;
	while (fgets(line, sizeof line, p)) {
		char perms[16], owner[32], date[16], time[16], name[1024];
		unsigned long long size;
		line[strcspn(line, "\n")] = '\0';
		cr_assert_eq(sscanf(line, "%15s %31s %llu %15s %15s %1023[^\n]", perms, owner, &size, date,
				    time, name),
			     6, "%s", line);
		cr_assert_lt(i, NTREE, "extra line %s", line);
		cr_assert_str_eq(owner, "0/0", "%s", line);
		cr_assert_str_eq(date, "2023-11-14", "%s", line);
		cr_assert_str_eq(time, "22:13:20", "%s", line);
		char want[1024];
		const char *perm = tree[i].type == 'd'    ? "drwxr-xr-x"
				   : tree[i].type == 'l'  ? "lrwxrwxrwx"
				   : tree[i].mode == 0755 ? "-rwxr-xr-x"
							  : "-rw-r--r--";
		cr_assert_str_eq(perms, perm, "%s", line);
		if (tree[i].type == 'd')
			snprintf(want, sizeof want, "%s/", tree[i].path);
		else if (tree[i].type == 'l')
			snprintf(want, sizeof want, "%s -> %s", tree[i].path, tree[i].content_or_link);
		else
			snprintf(want, sizeof want, "%s", tree[i].path);
		cr_assert_str_eq(name, want);
		i++;
	}
	cr_assert_eq(pclose(p), 0, "%s", cmd);
	cr_assert_eq(i, NTREE);
}

static void deterministic(enum crc_archive_format fmt, const char *ext)
{
	char a[] = "/tmp/crc-archive-a-XXXXXX", b[] = "/tmp/crc-archive-b-XXXXXX", out_a[256], out_b[256];
	struct crc_archive_result ra, rb, la, lm;
	struct crc_error err;
	make_tree(a, 0);
	make_tree(b, 1);
	snprintf(out_a, sizeof out_a, "%s.%s", a, ext);
	snprintf(out_b, sizeof out_b, "%s.%s", b, ext);
	mode_t old = umask(077);
	cr_assert_eq(crc_archive_write_tree(&ra, out_a, a, fmt, MTIME, &err), 0, "%s", err.msg);
	umask(old);
	cr_assert_eq(crc_archive_write_tree(&rb, out_b, b, fmt, MTIME, &err), 0, "%s", err.msg);

	size_t na, nb;
	char *da = slurp(out_a, &na), *db = slurp(out_b, &nb);
	cr_assert_eq(na, nb, "sizes %zu and %zu", na, nb);
	cr_assert_eq(memcmp(da, db, na), 0, "byte-identical archives");
	struct stat st;
	cr_assert_eq(stat(out_a, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644, "mode 0644 whatever the umask");

	/* Size and hash of the archive, computed while writing. */
	char cmd[1024], line[256];
	cr_assert_eq(ra.size, na);
	snprintf(cmd, sizeof cmd, "sha256sum %s | cut -c1-64", out_a);
	capture(line, sizeof line, cmd);
	cr_assert_str_eq(ra.sha256, line);
	cr_assert_str_eq(ra.sha256, rb.sha256);
	check_entries(&ra, a);
	check_entries(&rb, b);

	/* The compressors' own tools accept it; gzip's header holds no time and no name. */
	snprintf(cmd, sizeof cmd, "%s %s", fmt == CRC_ARCHIVE_TAR_GZ ? "gzip -t" : "zstd -q -t", out_a);
	run(cmd);
	if (fmt == CRC_ARCHIVE_TAR_GZ) {
		cr_assert_eq((unsigned char)da[0], 0x1f);
		cr_assert_eq((unsigned char)da[1], 0x8b);
		cr_assert_eq(da[4] | da[5] | da[6] | da[7], 0, "no mtime in the gzip header");
		cr_assert_eq(da[3] & 0x1e, 0, "no name, comment or extra field in the gzip header");
	} else {
		cr_assert_eq(memcmp(da, "\x28\xb5\x2f\xfd", 4), 0, "a zstd frame");
	}
	check_gnu_tar_listing(out_a);

	/* Listing reads back exactly what was written, from the file and from memory. */
	cr_assert_eq(crc_archive_list(&la, out_a, &err), 0, "%s", err.msg);
	same_entries(&la, &ra);
	cr_assert_eq(la.size, ra.size, "listing hashes the archive file too");
	cr_assert_str_eq(la.sha256, ra.sha256);
	cr_assert_eq(crc_archive_list_memory(&lm, da, na, &err), 0, "%s", err.msg);
	same_entries(&lm, &ra);
	cr_assert_eq(lm.size, ra.size);
	cr_assert_str_eq(lm.sha256, ra.sha256);

	free(da);
	free(db);
	crc_archive_result_free(&ra);
	crc_archive_result_free(&rb);
	crc_archive_result_free(&la);
	crc_archive_result_free(&lm);
	crc_archive_result_free(&lm);
	crc_archive_result_free(NULL);
	unlink(out_a);
	unlink(out_b);
	rm_rf(a);
	rm_rf(b);
}

Test(archive, tar_zst_is_byte_identical_across_trees)
{
	deterministic(CRC_ARCHIVE_TAR_ZST, "tar.zst");
}

Test(archive, tar_gz_is_byte_identical_without_time_or_name)
{
	deterministic(CRC_ARCHIVE_TAR_GZ, "tar.gz");
}

/* The decompressed stream's hash is the layer's diff_id: gunzip -c | sha256sum (zstd -dc for tar.zst). */
static void stream_hash(enum crc_archive_format fmt, const char *ext, const char *unpack)
{
	char dir[] = "/tmp/crc-archive-st-XXXXXX", out[64], cmd[512], want[80], wsize[32],
	     hex[CRC_SHA256_HEX];
	unsigned long long size;
	struct crc_archive_result r;
	struct crc_error err;
	make_tree(dir, 0);
	snprintf(out, sizeof out, "%s.%s", dir, ext);
	cr_assert_eq(crc_archive_write_tree(&r, out, dir, fmt, MTIME, &err), 0, "%s", err.msg);
	cr_assert_eq(crc_archive_stream_sha256(hex, &size, out, fmt, &err), 0, "%s", err.msg);
	snprintf(cmd, sizeof cmd, "%s %s | sha256sum | cut -c1-64", unpack, out);
	capture(want, sizeof want, cmd);
	cr_assert_str_eq(hex, want);
	snprintf(cmd, sizeof cmd, "%s %s | wc -c", unpack, out);
	capture(wsize, sizeof wsize, cmd);
	cr_assert_eq(size, strtoull(wsize, NULL, 10));
	cr_assert_eq(size % 512, 0, "a tar stream is whole blocks");
	cr_assert_str_neq(hex, r.sha256, "the compressed file's hash differs");
	/* A listing asked for it hashes the same stream in the one read that lists and hashes the file. */
	struct crc_archive_result l;
	const struct crc_archive_read_options o = {(int)fmt, NULL, 1};
	int fd = open(out, O_RDONLY);
	cr_assert_eq(crc_archive_list_fd_with(&l, fd, out, &o, &err), 0, "%s", err.msg);
	close(fd);
	cr_assert_str_eq(l.stream_sha256, hex);
	cr_assert_eq(l.stream_size, size);
	cr_assert_str_eq(l.sha256, r.sha256);
	cr_assert_eq(l.size, r.size);
	same_entries(&l, &r);
	crc_archive_result_free(&l);
	crc_archive_result_free(&r);
	unlink(out);
	rm_rf(dir);
}

Test(archive, stream_sha256_of_tar_gz_is_gunzip_sha256sum)
{
	stream_hash(CRC_ARCHIVE_TAR_GZ, "tar.gz", "gunzip -c");
}

Test(archive, stream_sha256_of_tar_zst_is_zstd_dc_sha256sum)
{
	stream_hash(CRC_ARCHIVE_TAR_ZST, "tar.zst", "zstd -qdc");
}

Test(archive, stream_sha256_refuses_what_is_not_that_compression)
{
	char dir[] = "/tmp/crc-archive-sx-XXXXXX", p[128], hex[CRC_SHA256_HEX];
	unsigned long long size;
	struct crc_error err;
	cr_assert_not_null(mkdtemp(dir));
	put(dir, "plain", "not compressed at all\n", 0644);
	path_of(p, sizeof p, dir, "plain");
	cr_assert_eq(crc_archive_stream_sha256(hex, &size, p, CRC_ARCHIVE_TAR_GZ, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg, "not a gzip file");
	cr_assert_str_eq(err.path, p);
	cr_assert_str_eq(hex, "");
	cr_assert_eq(crc_archive_stream_sha256(hex, &size, p, CRC_ARCHIVE_TAR_ZST, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg, "not a zstd file");
	/* A gzip cut short: the decompressor's own complaint, for the file. */
	char cmd[512];
	snprintf(cmd, sizeof cmd, "head -c 40000 /dev/urandom | gzip -9 | head -c 100 > %s/cut.gz", dir);
	run(cmd);
	path_of(p, sizeof p, dir, "cut.gz");
	cr_assert_eq(crc_archive_stream_sha256(hex, &size, p, CRC_ARCHIVE_TAR_GZ, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.path, p);
	cr_assert_str_eq(hex, "");
	cr_assert_eq(crc_archive_stream_sha256(hex, &size, p, CRC_ARCHIVE_ZIP, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "only tar.gz and tar.zst streams can be hashed, not zip", "%s", err.msg);
	path_of(p, sizeof p, dir, "missing.gz");
	cr_assert_eq(crc_archive_stream_sha256(hex, &size, p, CRC_ARCHIVE_TAR_GZ, &err), CRC_ENOTFOUND);
	rm_rf(dir);
}

/* The listing that also hashes the stream refuses as the stream hash does, and what is not a tar. */
Test(archive, listing_with_the_stream_hash_refuses_what_is_not_that_compression)
{
	char dir[] = "/tmp/crc-archive-sl-XXXXXX", p[128], cmd[512];
	struct crc_archive_result l;
	struct crc_error err;
	const struct crc_archive_read_options gz = {CRC_ARCHIVE_TAR_GZ, NULL, 1};
	const struct crc_archive_read_options zst = {CRC_ARCHIVE_TAR_ZST, NULL, 1};
	const struct crc_archive_read_options any = {-1, NULL, 1};
	cr_assert_not_null(mkdtemp(dir));
	put(dir, "plain", "not compressed at all\n", 0644);
	path_of(p, sizeof p, dir, "plain");
	int fd = open(p, O_RDONLY);
	cr_assert_eq(crc_archive_list_fd_with(&l, fd, p, &gz, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg, "not a gzip file");
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	cr_assert_eq(crc_archive_list_fd_with(&l, fd, p, &zst, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg, "not a zstd file");
	cr_assert_eq(crc_archive_list_fd_with(&l, fd, p, &any, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "only tar.gz and tar.zst streams can be hashed, not any format");
	close(fd);
	/* Compressed, but no tar inside: the tar reader's complaint. */
	snprintf(cmd, sizeof cmd, "head -c 40000 /dev/urandom | gzip -9 > %s/noise.gz", dir);
	run(cmd);
	path_of(p, sizeof p, dir, "noise.gz");
	fd = open(p, O_RDONLY);
	cr_assert_eq(crc_archive_list_fd_with(&l, fd, p, &gz, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.path, p);
	cr_assert_eq(l.nentries, 0);
	cr_assert_str_eq(l.stream_sha256, "");
	close(fd);
	/* A hostile entry inside a layer is refused as in any listing. */
	snprintf(cmd, sizeof cmd, "cd %s && mkfifo f && tar -cf - f | gzip > layer.tar.gz", dir);
	run(cmd);
	path_of(p, sizeof p, dir, "layer.tar.gz");
	fd = open(p, O_RDONLY);
	cr_assert_eq(crc_archive_list_fd_with(&l, fd, p, &gz, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg,
			 "entry 'f': a fifo; only regular files, directories and symlinks are allowed");
	close(fd);
	rm_rf(dir);
}

/* A cap on the archive's own bytes: reading stops there (a file longer than the manifest says, or one
 * growing while it is read, is not read to its end), with a message for the file. */
Test(archive, listing_stops_at_the_archive_size_cap)
{
	char dir[] = "/tmp/crc-archive-cap-XXXXXX", out[64];
	struct crc_archive_result r, l;
	struct crc_error err;
	make_tree(dir, 0);
	snprintf(out, sizeof out, "%s.tar.gz", dir);
	cr_assert_eq(crc_archive_write_tree(&r, out, dir, CRC_ARCHIVE_TAR_GZ, MTIME, &err), 0, "%s", err.msg);
	struct crc_archive_limits lim = {CRC_ARCHIVE_MAX_ENTRIES,
					 CRC_ARCHIVE_MAX_PATH,
					 CRC_ARCHIVE_MAX_ENTRY_SIZE,
					 CRC_ARCHIVE_MAX_TOTAL_SIZE,
					 r.size,
					 NULL};
	for (int stream = 0; stream <= 1; stream++) {
		const struct crc_archive_read_options o = {CRC_ARCHIVE_TAR_GZ, &lim, stream};
		int fd = open(out, O_RDONLY);
		lim.max_archive_size = r.size;
		cr_assert_eq(crc_archive_list_fd_with(&l, fd, out, &o, &err), 0, "the cap itself is fine: %s",
			     err.msg);
		crc_archive_result_free(&l);
		cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
		lim.max_archive_size = r.size - 1;
		cr_assert_eq(crc_archive_list_fd_with(&l, fd, out, &o, &err), CRC_EVERIFY);
		char want[128];
		snprintf(want, sizeof want, "archive longer than %llu bytes (not read past that)",
			 r.size - 1);
		cr_assert_str_eq(err.msg, want);
		cr_assert_eq(l.nentries, 0);
		close(fd);
	}
	crc_archive_result_free(&r);
	unlink(out);
	rm_rf(dir);
}

/* A Lambda package: the zip of one executable, written twice from trees made differently, under UTC. */
Test(archive, zip_is_byte_identical_and_unzip_reads_it)
{
	char a[] = "/tmp/crc-archive-za-XXXXXX", b[] = "/tmp/crc-archive-zb-XXXXXX", out_a[64], out_b[64];
	struct crc_archive_result ra, rb, la;
	struct crc_error err;
	cr_assert_eq(setenv("TZ", "UTC0", 1), 0);
	tzset();
	cr_assert_not_null(mkdtemp(a));
	cr_assert_not_null(mkdtemp(b));
	put(a, "bootstrap", "#!/bin/sh\necho hi\n", 0700);
	put(b, "bootstrap", "#!/bin/sh\necho hi\n", 0555);
	snprintf(out_a, sizeof out_a, "%s.zip", a);
	snprintf(out_b, sizeof out_b, "%s.zip", b);
	cr_assert_eq(crc_archive_write_tree(&ra, out_a, a, CRC_ARCHIVE_ZIP, MTIME, &err), 0, "%s", err.msg);
	cr_assert_eq(crc_archive_write_tree(&rb, out_b, b, CRC_ARCHIVE_ZIP, MTIME, &err), 0, "%s", err.msg);
	size_t na, nb;
	char *da = slurp(out_a, &na), *db = slurp(out_b, &nb);
	cr_assert_eq(na, nb);
	cr_assert_eq(memcmp(da, db, na), 0, "byte-identical zips");
	cr_assert_eq(memcmp(da, "PK\x03\x04", 4), 0, "a zip local header");
	cr_assert_eq(ra.nentries, 1);
	cr_assert_str_eq(ra.entries[0].path, "bootstrap");
	cr_assert_eq(ra.entries[0].mode, 0755);

	/* Info-ZIP's tools: the archive tests clean, and the one entry is -rwxr-xr-x at the fixed time. */
	char cmd[512], line[256];
	snprintf(cmd, sizeof cmd, "unzip -tq %s >/dev/null", out_a);
	run(cmd);
	snprintf(cmd, sizeof cmd, "zipinfo -T %s bootstrap | cut -c1-10", out_a);
	capture(line, sizeof line, cmd);
	cr_assert_str_eq(line, "-rwxr-xr-x");
	snprintf(cmd, sizeof cmd, "zipinfo -1 %s", out_a);
	capture(line, sizeof line, cmd);
	cr_assert_str_eq(line, "bootstrap");
	snprintf(cmd, sizeof cmd, "TZ=UTC0 zipinfo -T %s bootstrap | awk '{print $7}'", out_a);
	capture(line, sizeof line, cmd);
	cr_assert_str_eq(line, "20231114.221320", "DOS time of the fixed mtime, in UTC");

	/* Listing reads it back, from the file and from memory. */
	cr_assert_eq(crc_archive_list(&la, out_a, &err), 0, "%s", err.msg);
	same_entries(&la, &ra);
	cr_assert_eq(la.size, na);
	cr_assert_str_eq(la.sha256, ra.sha256);
	crc_archive_result_free(&la);
	cr_assert_eq(crc_archive_list_memory(&la, da, na, &err), 0, "%s", err.msg);
	same_entries(&la, &ra);

	/* A zip is never extracted. */
	struct crc_archive_result x;
	cr_assert_eq(crc_archive_extract(&x, out_a, b, CRC_ARCHIVE_ZIP, NULL, &err), CRC_EINVALID);
	cr_assert(strstr(err.msg, "zip archives are listed, not extracted"), "%s", err.msg);

	free(da);
	free(db);
	crc_archive_result_free(&ra);
	crc_archive_result_free(&rb);
	crc_archive_result_free(&la);
	unlink(out_a);
	unlink(out_b);
	rm_rf(a);
	rm_rf(b);
}

/* Outside UTC the same mtime would give other DOS times: the writer refuses and leaves nothing. */
Test(archive, zip_refuses_a_time_zone_other_than_utc)
{
	char a[] = "/tmp/crc-archive-zt-XXXXXX", out[64];
	struct crc_archive_result r;
	struct crc_error err;
	cr_assert_not_null(mkdtemp(a));
	put(a, "bootstrap", "x", 0755);
	snprintf(out, sizeof out, "%s.zip", a);
	cr_assert_eq(setenv("TZ", "EST5", 1), 0);
	tzset();
	cr_assert_eq(crc_archive_write_tree(&r, out, a, CRC_ARCHIVE_ZIP, MTIME, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg,
			 "zip keeps local times: the time zone must be UTC (TZ=UTC0) for a reproducible zip");
	cr_assert_eq(access(out, F_OK), -1, "nothing left at the destination");
	cr_assert_eq(r.nentries, 0);
	cr_assert_eq(setenv("TZ", "UTC0", 1), 0);
	tzset();
	rm_rf(a);
}

Test(archive, format_names_round_trip)
{
	cr_assert_str_eq(crc_archive_format_name(CRC_ARCHIVE_TAR_ZST), "tar.zst");
	cr_assert_str_eq(crc_archive_format_name(CRC_ARCHIVE_TAR_GZ), "tar.gz");
	cr_assert_str_eq(crc_archive_format_name((enum crc_archive_format)7), "?");
	cr_assert_eq(crc_archive_format_parse("tar.zst"), CRC_ARCHIVE_TAR_ZST);
	cr_assert_eq(crc_archive_format_parse("tar.gz"), CRC_ARCHIVE_TAR_GZ);
	cr_assert_str_eq(crc_archive_format_name(CRC_ARCHIVE_ZIP), "zip");
	cr_assert_eq(crc_archive_format_parse("zip"), CRC_ARCHIVE_ZIP);
	cr_assert_eq(crc_archive_format_parse("tar"), -1);
	cr_assert_eq(crc_archive_format_parse(""), -1);
}

Test(archive, long_paths_and_targets_use_pax_and_list_back)
{
	char a[] = "/tmp/crc-archive-l-XXXXXX", out[256], name[300], deep[1300], target[700];
	struct crc_archive_result w, l;
	struct crc_error err;
	cr_assert_not_null(mkdtemp(a));
	memset(name, 'n', 200);
	name[200] = '\0';
	dir_(a, name, 0755);
	/* 1024 bytes exactly: "<200>/<200>/<200>/<200>/<221>" */
	snprintf(deep, sizeof deep, "%s/%s", name, name);
	dir_(a, deep, 0755);
	snprintf(deep, sizeof deep, "%s/%s/%s", name, name, name);
	dir_(a, deep, 0755);
	snprintf(deep, sizeof deep, "%s/%s/%s/%s", name, name, name, name);
	dir_(a, deep, 0755);
	size_t n = strlen(deep);
	deep[n++] = '/';
	memset(deep + n, 'f', 1024 - n);
	deep[1024] = '\0';
	put(a, deep, "deep\n", 0644);
	snprintf(target, sizeof target, "%s/%s", name, name);
	link_(a, "long-link", target);
	snprintf(out, sizeof out, "%s.tar.zst", a);
	cr_assert_eq(crc_archive_write_tree(&w, out, a, CRC_ARCHIVE_TAR_ZST, MTIME, &err), 0, "%s", err.msg);
	cr_assert_eq(w.nentries, 6);
	cr_assert_str_eq(w.entries[5].path, deep);
	cr_assert_eq(crc_archive_list(&l, out, &err), 0, "%s", err.msg);
	same_entries(&l, &w);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "tar -tf %s | grep -q '^long-link$'", out);
	run(cmd);
	crc_archive_result_free(&w);
	crc_archive_result_free(&l);
	unlink(out);
	rm_rf(a);
}

/* Writing dir after setup must fail with code and the message "<dir>/<want>", and leave no out_path. */
static void refuses(void (*setup)(const char *dir), int code, const char *want)
{
	char a[] = "/tmp/crc-archive-r-XXXXXX", out[256], full[1024];
	struct crc_archive_result r;
	struct crc_error err;
	struct stat st;
	make_tree(a, 0);
	setup(a);
	snprintf(out, sizeof out, "%s.tar.gz", a);
	memset(&r, 0xff, sizeof r);
	cr_assert_eq(crc_archive_write_tree(&r, out, a, CRC_ARCHIVE_TAR_GZ, MTIME, &err), code, "%s",
		     err.msg);
	snprintf(full, sizeof full, "%s/%s", a, want);
	cr_assert_str_eq(err.msg, full);
	cr_assert_neq(lstat(out, &st), 0, "nothing left at %s", out);
	cr_assert_eq(r.nentries, 0);
	cr_assert_null(r.entries);
	rm_rf(a);
}

static void add_fifo(const char *dir)
{
	char p[512];
	path_of(p, sizeof p, dir, "share/pipe");
	cr_assert_eq(mkfifo(p, 0644), 0);
}

static void add_socket(const char *dir)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int n = snprintf(sa.sun_path, sizeof sa.sun_path, "%s/sock", dir);
	cr_assert(n > 0 && (size_t)n < sizeof sa.sun_path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0, "%s", strerror(errno));
	close(fd);
}

static void add_device(const char *dir)
{
	char p[512];
	path_of(p, sizeof p, dir, "bin/null");
	if (mknod(p, S_IFCHR | 0666, 0) != 0)
		cr_skip_test("mknod needs privileges: %s", strerror(errno));
}

static void add_absolute_link(const char *dir)
{
	link_(dir, "bin/abs", "/etc/passwd");
}

static void add_escaping_link(const char *dir)
{
	link_(dir, "share/doc/out", "../../../x");
}

static void add_down_up_link(const char *dir)
{
	link_(dir, "share/sneaky", "doc/../../x");
}

static void add_control_link(const char *dir)
{
	link_(dir, "share/ctl", "a\tb");
}

static void add_non_ascii(const char *dir)
{
	put(dir, "caf\xc3\xa9", "x", 0644);
}

static void add_long_path(const char *dir)
{
	char name[256], rel[1100];
	memset(name, 'd', 250);
	name[250] = '\0';
	snprintf(rel, sizeof rel, "%s", name);
	for (int i = 0; i < 4; i++) {
		dir_(dir, rel, 0755);
		size_t n = strlen(rel);
		snprintf(rel + n, sizeof rel - n, "/%s", name);
	}
	/* rel is now 5 * 250 + 4 bytes; its parent (4 * 250 + 3) still fits */
	put(dir, rel, "x", 0644);
}

Test(archive, refuses_a_fifo)
{
	refuses(add_fifo, CRC_EINVALID,
		"share/pipe: is a fifo; only regular files, directories and symlinks can be archived");
}

Test(archive, refuses_a_socket)
{
	refuses(add_socket, CRC_EINVALID,
		"sock: is a socket; only regular files, directories and symlinks can be archived");
}

Test(archive, refuses_a_device)
{
	refuses(add_device, CRC_EINVALID,
		"bin/null: is a device file; only regular files, directories and symlinks can be "
		"archived");
}

Test(archive, refuses_an_absolute_symlink)
{
	refuses(add_absolute_link, CRC_EINVALID, "bin/abs -> /etc/passwd: absolute symlink target");
}

Test(archive, refuses_a_symlink_leaving_the_tree)
{
	refuses(add_escaping_link, CRC_EINVALID,
		"share/doc/out -> ../../../x: symlink target leaves the tree");
}

Test(archive, refuses_a_symlink_going_down_then_up)
{
	refuses(add_down_up_link, CRC_EINVALID,
		"share/sneaky -> doc/../../x: symlink target goes up after going down (write it without "
		"'dir/..')");
}

Test(archive, refuses_a_symlink_target_with_a_control_byte)
{
	refuses(add_control_link, CRC_EINVALID,
		"share/ctl: symlink target holds a byte outside printable ASCII");
}

Test(archive, refuses_non_ascii_names)
{
	refuses(add_non_ascii, CRC_EINVALID, "caf\\xc3\\xa9: name holds a byte outside printable ASCII");
}

Test(archive, refuses_paths_over_1024_bytes)
{
	/* The message shows the path cut visibly after about 250 bytes. */
	char a[] = "/tmp/crc-archive-p-XXXXXX", out[256];
	struct crc_archive_result r;
	struct crc_error err;
	struct stat st;
	cr_assert_not_null(mkdtemp(a));
	add_long_path(a);
	snprintf(out, sizeof out, "%s.tar.gz", a);
	cr_assert_eq(crc_archive_write_tree(&r, out, a, CRC_ARCHIVE_TAR_GZ, MTIME, &err), CRC_EINVALID);
	cr_assert(strstr(err.msg, ": path longer than 1024 bytes"), "%s", err.msg);
	cr_assert(strstr(err.msg, "dddddd...: "), "%s", err.msg);
	cr_assert_eq(strncmp(err.msg, a, strlen(a)), 0, "%s", err.msg);
	cr_assert_neq(lstat(out, &st), 0);
	rm_rf(a);
}

Test(archive, refuses_more_than_100000_entries)
{
	/* 100001 files: on tmpfs when there is one (a tenth of a second there, seconds on a disk). */
	char a[64], out[256], want[512];
	snprintf(a, sizeof a, "%s/crc-archive-n-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	struct crc_archive_result r;
	struct crc_error err;
	struct stat st;
	cr_assert_not_null(mkdtemp(a));
	int dfd = open(a, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(dfd, 0);
	for (int i = 0; i <= CRC_ARCHIVE_MAX_ENTRIES; i++) {
		char name[32];
		snprintf(name, sizeof name, "%d", i);
		int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		cr_assert_geq(fd, 0);
		close(fd);
	}
	close(dfd);
	snprintf(out, sizeof out, "%s.tar.gz", a);
	cr_assert_eq(crc_archive_write_tree(&r, out, a, CRC_ARCHIVE_TAR_GZ, MTIME, &err), CRC_EINVALID);
	snprintf(want, sizeof want, "%s: more than 100000 entries", a);
	cr_assert_str_eq(err.msg, want);
	cr_assert_neq(lstat(out, &st), 0);
	rm_rf(a);
}

Test(archive, never_overwrites_an_existing_output)
{
	char a[] = "/tmp/crc-archive-o-XXXXXX", out[256], want[512];
	struct crc_archive_result r;
	struct crc_error err;
	make_tree(a, 0);
	snprintf(out, sizeof out, "%s.tar.zst", a);
	put("/", out + 1, "keep", 0600);
	cr_assert_eq(crc_archive_write_tree(&r, out, a, CRC_ARCHIVE_TAR_ZST, MTIME, &err), CRC_EIO);
	snprintf(want, sizeof want, "cannot create %s: File exists", out);
	cr_assert_str_eq(err.msg, want);
	size_t n;
	char *kept = slurp(out, &n);
	cr_assert_eq(n, 4);
	cr_assert_eq(memcmp(kept, "keep", 4), 0, "the existing file is untouched");
	free(kept);
	/* A symlink at out_path is not followed either. */
	unlink(out);
	cr_assert_eq(symlink("/tmp/crc-archive-nowhere", out), 0);
	cr_assert_eq(crc_archive_write_tree(&r, out, a, CRC_ARCHIVE_TAR_ZST, MTIME, &err), CRC_EIO);
	cr_assert_eq(access("/tmp/crc-archive-nowhere", F_OK), -1);
	unlink(out);
	rm_rf(a);
}

Test(archive, refuses_bad_arguments)
{
	char a[] = "/tmp/crc-archive-g-XXXXXX", out[256], want[512];
	struct crc_archive_result r;
	struct crc_error err;
	struct stat st;
	make_tree(a, 0);
	snprintf(out, sizeof out, "%s.tar.zst", a);
	cr_assert_eq(crc_archive_write_tree(&r, out, a, CRC_ARCHIVE_TAR_ZST, -1, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "mtime -1 out of range (0 to 8589934591)");
	cr_assert_eq(crc_archive_write_tree(&r, out, a, (enum crc_archive_format)9, MTIME, &err),
		     CRC_EINVALID);
	cr_assert_str_eq(err.msg, "unknown archive format 9");
	cr_assert_eq(
		crc_archive_write_tree(&r, out, "/tmp/crc-archive-missing", CRC_ARCHIVE_TAR_ZST, MTIME, &err),
		CRC_ENOTFOUND);
	cr_assert_str_eq(err.msg,
			 "cannot open directory /tmp/crc-archive-missing: No such file or directory");
	snprintf(out, sizeof out, "%s/no/such/dir.tar.zst", a);
	cr_assert_eq(crc_archive_write_tree(&r, out, a, CRC_ARCHIVE_TAR_ZST, MTIME, &err), CRC_ENOTFOUND);
	snprintf(want, sizeof want, "cannot create %s: No such file or directory", out);
	cr_assert_str_eq(err.msg, want);
	cr_assert_neq(lstat(out, &st), 0);
	rm_rf(a);
}

Test(archive, write_errors_leave_nothing)
{
	char a[] = "/tmp/crc-archive-e-XXXXXX", out[256], want[512];
	struct crc_archive_result r;
	struct crc_error err;
	struct stat st;
	make_tree(a, 0);
	char big[8192];
	unsigned x = 12345;
	for (size_t i = 0; i < sizeof big - 1; i++) {
		x = x * 1103515245u + 12345u; /* incompressible enough: gzip cannot fit it in 4 KiB */
		big[i] = (char)('!' + (x >> 16) % 90);
	}
	big[sizeof big - 1] = '\0';
	for (int i = 0; i < 64; i++) {
		char name[32];
		snprintf(name, sizeof name, "share/big%d", i);
		big[0] = (char)('A' + i % 26);
		put(a, name, big, 0644);
	}
	/* Criterion runs each test in its own process: the file size limit stays here. */
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit rl = {4096, 4096};
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	snprintf(out, sizeof out, "%s.tar.gz", a);
	cr_assert_eq(crc_archive_write_tree(&r, out, a, CRC_ARCHIVE_TAR_GZ, MTIME, &err), CRC_EIO, "%s",
		     err.msg);
	snprintf(want, sizeof want, "cannot write %s: File too large", out);
	cr_assert_str_eq(err.msg, want);
	cr_assert_neq(lstat(out, &st), 0);
	rm_rf(a);
}

/* ---- Listing crafted archives --------------------------------------------------------------------- */

/* Builds dir/x.tar.gz with Python's tarfile from body (lines calling f, d, l, h, c below). */
static void craft(char *path, size_t size, const char *dir, const char *body)
{
	char script[4096], cmd[1200];
	snprintf(path, size, "%s/x.tar.gz", dir);
	snprintf(script, sizeof script,
		 "import io, sys, tarfile\n"
		 "t = tarfile.open(sys.argv[1], 'w:gz', format=tarfile.PAX_FORMAT)\n"
		 "def add(name, type, data=b'', **kw):\n"
		 "    i = tarfile.TarInfo(name)\n"
		 "    i.type = type\n"
		 "    i.size = len(data)\n"
		 "    i.mode = 0o644\n"
		 "    for k, v in kw.items(): setattr(i, k, v)\n"
		 "    t.addfile(i, io.BytesIO(data) if data else None)\n"
		 "def f(name, data=b'x', **kw): add(name, tarfile.REGTYPE, data, **kw)\n"
		 "def d(name): add(name, tarfile.DIRTYPE, mode=0o755)\n"
		 "def l(name, target): add(name, tarfile.SYMTYPE, linkname=target)\n"
		 "def h(name, target): add(name, tarfile.LNKTYPE, linkname=target)\n"
		 "def c(name): add(name, tarfile.CHRTYPE, devmajor=1, devminor=3)\n"
		 "def p(name): add(name, tarfile.FIFOTYPE)\n"
		 "%s\n"
		 "t.close()\n",
		 body);
	char spath[512];
	snprintf(spath, sizeof spath, "%s/craft.py", dir);
	FILE *s = fopen(spath, "w");
	cr_assert_not_null(s);
	fputs(script, s);
	cr_assert_eq(fclose(s), 0);
	snprintf(cmd, sizeof cmd, "python3 %s %s", spath, path);
	run(cmd);
}

/* Listing the crafted archive must fail with CRC_EVERIFY and exactly the message want (after the path). */
static void hostile(const char *body, const char *want)
{
	char dir[] = "/tmp/crc-archive-x-XXXXXX", path[256];
	struct crc_archive_result r;
	struct crc_error err;
	cr_assert_not_null(mkdtemp(dir));
	craft(path, sizeof path, dir, body);
	cr_assert_eq(crc_archive_list(&r, path, &err), CRC_EVERIFY, "%s: %s", body, err.msg);
	cr_assert_str_eq(err.msg, want, "%s", body);
	cr_assert_str_eq(err.path, path);
	cr_assert_eq(r.nentries, 0);
	cr_assert_null(r.entries);
	rm_rf(dir);
}

/* Builds dir/x.zip with Python's zipfile from body (lines calling z(name, data, mode)), or the bytes of
 * such a zip changed by the Python expression fix (on b). */
static void craft_zip(char *path, size_t size, const char *dir, const char *body, const char *fix)
{
	char script[4096], cmd[1200], spath[512];
	snprintf(path, size, "%s/x.zip", dir);
	snprintf(script, sizeof script,
		 "import io, sys, zipfile, warnings\n"
		 "warnings.simplefilter('ignore')\n"
		 "o = io.BytesIO()\n"
		 "t = zipfile.ZipFile(o, 'w', zipfile.ZIP_DEFLATED)\n"
		 "def z(name, data=b'x', mode=0o100644):\n"
		 "    i = zipfile.ZipInfo(name, (2023, 11, 14, 22, 13, 20))\n"
		 "    i.external_attr = mode << 16\n"
		 "    i.create_system = 3\n"
		 "    t.writestr(i, data, zipfile.ZIP_DEFLATED)\n"
		 "%s\n"
		 "t.close()\n"
		 "b = bytearray(o.getvalue())\n"
		 "%s\n"
		 "open(sys.argv[1], 'wb').write(b)\n",
		 body, fix);
	snprintf(spath, sizeof spath, "%s/craft.py", dir);
	FILE *s = fopen(spath, "w");
	cr_assert_not_null(s);
	fputs(script, s);
	cr_assert_eq(fclose(s), 0);
	snprintf(cmd, sizeof cmd, "python3 %s %s", spath, path);
	run(cmd);
}

static void hostile_zip(const char *body, const char *fix, const char *want)
{
	char dir[] = "/tmp/crc-archive-z-XXXXXX", path[256];
	struct crc_archive_result r;
	struct crc_error err;
	cr_assert_not_null(mkdtemp(dir));
	craft_zip(path, sizeof path, dir, body, fix);
	cr_assert_eq(crc_archive_list(&r, path, &err), CRC_EVERIFY, "%s: %s", body, err.msg);
	if (want[0] == '~')
		cr_assert(strstr(err.msg, want + 1), "%s: %s", body, err.msg);
	else
		cr_assert_str_eq(err.msg, want, "%s", body);
	cr_assert_eq(r.nentries, 0);
	rm_rf(dir);
}

/* Zip goes through the same checks as tar; a zip made by another tool lists with its Unix modes. */
Test(archive, listing_checks_zips_like_tars)
{
	char dir[] = "/tmp/crc-archive-z-XXXXXX", path[256];
	struct crc_archive_result r;
	struct crc_error err;
	cr_assert_not_null(mkdtemp(dir));
	craft_zip(path, sizeof path, dir, "z('bootstrap', b'#!', 0o100700); z('lib/a.so', b'elf')", "");
	cr_assert_eq(crc_archive_list(&r, path, &err), 0, "%s", err.msg);
	cr_assert_eq(r.nentries, 2);
	cr_assert_str_eq(r.entries[0].path, "bootstrap");
	cr_assert_eq(r.entries[0].mode, 0700, "modes are listed as stored, not normalized");
	cr_assert_str_eq(r.entries[1].path, "lib/a.so");
	cr_assert_eq(r.entries[1].mode, 0644);
	crc_archive_result_free(&r);
	rm_rf(dir);

	hostile_zip("z('a'); z('../x')", "", "entry '../x': path contains '..'");
	hostile_zip("z('/abs')", "", "entry '/abs': absolute path");
	hostile_zip("z('a'); z('a', b'other')", "", "duplicate entry 'a'");
	hostile_zip("z('dev', b'', 0o020644)", "", "~entry 'dev'");
	/* The deflated data of the one entry damaged: the listing reads every byte. */
	hostile_zip("z('a', b'hello world' * 100)", "b[40:60] = b'\\xff' * 20", "~");
	/* Cut short before the central directory. */
	hostile_zip("z('a', b'hello world' * 100)", "del b[-30:]", "~");
}

Test(archive, listing_refuses_dotdot)
{
	hostile("f('a'); f('../x')", "entry '../x': path contains '..'");
	hostile("d('a'); f('a/../../x')", "entry 'a/../../x': path contains '..'");
}

Test(archive, listing_refuses_absolute_paths)
{
	hostile("f('/abs')", "entry '/abs': absolute path");
}

Test(archive, listing_refuses_unnormalized_paths)
{
	hostile("f('a//b')", "entry 'a//b': path not normalized (empty or '.' component)");
	hostile("f('a/./b')", "entry 'a/./b': path not normalized (empty or '.' component)");
}

Test(archive, listing_refuses_duplicates)
{
	hostile("f('a'); f('b'); f('./a', b'other')", "duplicate entry 'a'");
	hostile("d('x'); d('x/')", "duplicate entry 'x'");
}

Test(archive, listing_refuses_devices_and_fifos)
{
	hostile("c('dev/null')", "entry 'dev/null': a character device; only regular files, directories and "
				 "symlinks are allowed");
	hostile("p('pipe')",
		"entry 'pipe': a fifo; only regular files, directories and symlinks are allowed");
}

Test(archive, listing_refuses_hardlinks)
{
	hostile("f('a'); h('b', 'a')", "entry 'b': hard link to 'a' (not allowed)");
}

Test(archive, listing_refuses_escaping_symlinks)
{
	hostile("d('a'); l('a/l', '../../etc')",
		"entry 'a/l' -> '../../etc': symlink target leaves the tree");
	hostile("l('l', '/etc/passwd')", "entry 'l' -> '/etc/passwd': absolute symlink target");
	hostile("l('up', '.'); l('l', 'up/../x')", "entry 'l' -> 'up/../x': symlink target goes up after "
						   "going down (write it without 'dir/..')");
}

Test(archive, listing_refuses_entries_below_a_symlink_or_file)
{
	hostile("l('a', '.'); f('a/x'); f('a-b')", "entry 'a/x' lies below 'a', which is a symlink");
	hostile("f('a'); f('a/x')", "entry 'a/x' lies below 'a', which is a file");
}

Test(archive, listing_shows_hostile_names_escaped)
{
	hostile("f('../a\\nb\\x1b[31m')", "entry '../a\\x0ab\\x1b[31m': path contains '..'");
}

Test(archive, listing_caps)
{
	char dir[] = "/tmp/crc-archive-c-XXXXXX", path[256];
	struct crc_archive_result r;
	struct crc_error err;
	cr_assert_not_null(mkdtemp(dir));
	craft(path, sizeof path, dir, "f('a', b'x' * 100); f('b', b'y' * 100); f('c', b'z' * 100)");
	size_t n;
	char *data = slurp(path, &n);
	struct crc_archive_limits lim = {2, 1024, 1000, 1000, 0, NULL};
	cr_assert_eq(crc_archive_list_memory_capped(&r, data, n, &lim, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg, "more than 2 entries");
	lim = (struct crc_archive_limits){10, 1024, 99, 1000, 0, NULL};
	cr_assert_eq(crc_archive_list_memory_capped(&r, data, n, &lim, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg, "entry 'a': 100 bytes, over the cap of 99");
	lim = (struct crc_archive_limits){10, 1024, 1000, 250, 0, NULL};
	cr_assert_eq(crc_archive_list_memory_capped(&r, data, n, &lim, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg, "more than 250 bytes of file content (at entry 'c')");
	lim = (struct crc_archive_limits){10, 0, 1000, 1000, 0, NULL};
	cr_assert_eq(crc_archive_list_memory_capped(&r, data, n, &lim, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.msg, "entry 'a': path too long");
	lim = (struct crc_archive_limits){3, 1, 100, 300, 0, NULL};
	cr_assert_eq(crc_archive_list_memory_capped(&r, data, n, &lim, &err), 0, "%s", err.msg);
	cr_assert_eq(r.nentries, 3);
	crc_archive_result_free(&r);
	free(data);
	rm_rf(dir);
}

Test(archive, listing_refuses_corrupt_and_truncated_archives)
{
	char dir[] = "/tmp/crc-archive-t-XXXXXX", path[256];
	struct crc_archive_result r;
	struct crc_error err;
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(crc_archive_list_memory(&r, "not an archive at all", 21, &err), CRC_EVERIFY);
	cr_assert_neq(err.msg[0], '\0');
	cr_assert_eq(crc_archive_list_memory(&r, "", 0, &err), CRC_EVERIFY);
	craft(path, sizeof path, dir, "f('a', bytes(range(256)) * 400)");
	size_t n;
	char *data = slurp(path, &n);
	cr_assert_eq(crc_archive_list_memory(&r, data, n / 2, &err), CRC_EVERIFY);
	cr_assert_neq(err.msg[0], '\0');
	cr_assert_eq(r.nentries, 0);
	free(data);
	cr_assert_eq(crc_archive_list(&r, "/tmp/crc-archive-missing.tar", &err), CRC_ENOTFOUND);
	cr_assert_str_eq(err.msg, "cannot open /tmp/crc-archive-missing.tar: No such file or directory");
	char link[300];
	snprintf(link, sizeof link, "%s/link.tar.gz", dir);
	cr_assert_eq(symlink(path, link), 0);
	cr_assert_eq(crc_archive_list(&r, link, &err), CRC_EINVALID, "a symlink is not followed");
	cr_assert_str_eq(err.msg, "is a symlink, not a regular file");
	cr_assert_str_eq(err.path, link);
	cr_assert_eq(crc_archive_list(&r, dir, &err), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "is a directory, not a regular file");
	char fifo[300];
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	cr_assert_eq(mkfifo(fifo, 0644), 0);
	cr_assert_eq(crc_archive_list(&r, fifo, &err), CRC_EINVALID, "a fifo is refused, never opened");
	cr_assert_str_eq(err.msg, "is a fifo, not a regular file");
	rm_rf(dir);
}

Test(archive, lists_gnu_tar_archives_with_a_root_entry)
{
	char a[] = "/tmp/crc-archive-u-XXXXXX", out[256], cmd[1024], line[256];
	struct crc_archive_result w, l;
	struct crc_error err;
	struct stat st;
	make_tree(a, 0);
	snprintf(out, sizeof out, "%s.tar.zst", a);
	cr_assert_eq(crc_archive_write_tree(&w, out, a, CRC_ARCHIVE_TAR_ZST, MTIME, &err), 0, "%s", err.msg);
	unlink(out);
	/* The listing gives modes as stored: the tree on disk gets the modes crc's writer normalizes to. */
	snprintf(cmd, sizeof cmd,
		 "cd %s && find . -type d -exec chmod 755 {} + && find . -type f -perm /111 -exec chmod 755 "
		 "{} + "
		 "&& find . -type f ! -perm /111 -exec chmod 644 {} +",
		 a);
	run(cmd);
	/* GNU tar's own archive of the same tree, with its "./" root entry, plain (in 512 KiB records: the
	 * listing stops at the end-of-archive blocks and must still hash the padding after them) and
	 * through every decompressor. */
	static const char *const how[] = {"-b 1024", "| gzip -n", "| zstd -q -19", "| xz", "| bzip2"};
	for (size_t i = 0; i < sizeof how / sizeof how[0]; i++) {
		snprintf(cmd, sizeof cmd,
			 "tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C %s %s -cf - . %s "
			 "> %s",
			 a, i == 0 ? how[i] : "", i == 0 ? "" : how[i], out);
		run(cmd);
		cr_assert_eq(crc_archive_list(&l, out, &err), 0, "%s: %s", how[i], err.msg);
		same_entries(&l, &w);
		cr_assert_eq(stat(out, &st), 0);
		cr_assert_eq(l.size, (unsigned long long)st.st_size, "%s", how[i]);
		snprintf(cmd, sizeof cmd, "sha256sum %s | cut -c1-64", out);
		capture(line, sizeof line, cmd);
		cr_assert_str_eq(l.sha256, line, "%s", how[i]);
		crc_archive_result_free(&l);
		unlink(out);
	}
	crc_archive_result_free(&w);
	rm_rf(a);
}

Test(archive, an_empty_tree_gives_an_empty_archive)
{
	char a[] = "/tmp/crc-archive-z-XXXXXX", out[256];
	struct crc_archive_result w, l;
	struct crc_error err;
	cr_assert_not_null(mkdtemp(a));
	for (int fmt = CRC_ARCHIVE_TAR_ZST; fmt <= CRC_ARCHIVE_TAR_GZ; fmt++) {
		snprintf(out, sizeof out, "%s.%d", a, fmt);
		cr_assert_eq(crc_archive_write_tree(&w, out, a, (enum crc_archive_format)fmt, MTIME, &err), 0,
			     "%s", err.msg);
		cr_assert_eq(w.nentries, 0);
		cr_assert_null(w.entries);
		cr_assert_eq(crc_archive_list(&l, out, &err), 0, "%s", err.msg);
		cr_assert_eq(l.nentries, 0);
		cr_assert_str_eq(l.sha256, w.sha256);
		crc_archive_result_free(&w);
		crc_archive_result_free(&l);
		unlink(out);
	}
	rm_rf(a);
}

/* ---- Extracting ----------------------------------------------------------------------------------- */

/* What the hooks saw; refuse names an entry the check refuses. */
struct calls {
	size_t checked, written;
	const char *refuse;
};

static int on_check(void *ctx, const struct crc_archive_entry *e, struct crc_error *err)
{
	struct calls *c = ctx;
	cr_assert_str_eq(e->sha256, "", "%s: no content hash before it is written", e->path);
	c->checked++;
	if (c->refuse && strcmp(e->path, c->refuse) == 0)
		return crc_err(err, CRC_EVERIFY, "refused %s", e->path);
	return 0;
}

static int on_written(void *ctx, const struct crc_archive_entry *e, struct crc_error *err)
{
	struct calls *c = ctx;
	(void)err;
	cr_assert_eq(strlen(e->sha256), e->type == 'f' ? 64 : 0, "%s", e->path);
	c->written++;
	return 0;
}

/* A scratch directory holding x.tar.gz (crafted from body) and an empty out/, the destination. */
struct scratch {
	char dir[64], archive[256], out[256];
};

static void scratch_make(struct scratch *s, const char *body)
{
	snprintf(s->dir, sizeof s->dir, "/tmp/crc-archive-e-XXXXXX");
	cr_assert_not_null(mkdtemp(s->dir));
	craft(s->archive, sizeof s->archive, s->dir, body);
	path_of(s->out, sizeof s->out, s->dir, "out");
	dir_(s->dir, "out", 0755);
}

static int exists_at(const char *dir, const char *rel)
{
	char p[1024];
	struct stat st;
	path_of(p, sizeof p, dir, rel);
	return lstat(p, &st) == 0;
}

static unsigned mode_at(const char *dir, const char *rel)
{
	char p[1024];
	struct stat st;
	path_of(p, sizeof p, dir, rel);
	cr_assert_eq(lstat(p, &st), 0, "%s", p);
	return (unsigned)(st.st_mode & 07777);
}

/* Extracting the crafted archive (with hooks that accept everything) must fail with CRC_EVERIFY and
 * exactly want, about the archive, leaving res empty and nothing beside out/ or in /tmp. */
static void extract_fails(const char *body, const char *want)
{
	struct scratch s;
	struct crc_archive_result r;
	struct crc_error err;
	struct calls c = {0, 0, NULL};
	const struct crc_archive_hooks hooks = {on_check, on_written, &c};
	scratch_make(&s, body);
	cr_assert_eq(crc_archive_extract(&r, s.archive, s.out, CRC_ARCHIVE_TAR_GZ, &hooks, &err), CRC_EVERIFY,
		     "%s: %s", body, err.msg);
	cr_assert_str_eq(err.msg, want, "%s", body);
	cr_assert_str_eq(err.path, s.archive);
	cr_assert_eq(r.nentries, 0);
	cr_assert_null(r.entries);
	cr_assert_eq(exists_at(s.dir, "x"), 0, "nothing beside out/");
	cr_assert_eq(exists_at("/tmp", "crc-archive-escaped"), 0);
	rm_rf(s.dir);
}

Test(archive, extract_writes_the_tree_and_reports_the_archive)
{
	char a[] = "/tmp/crc-archive-v-XXXXXX", out[256], dest[256], cwd[1024], cwd2[1024], cmd[1024],
	     line[256];
	struct crc_archive_result w, x, back;
	struct crc_error err;
	make_tree(a, 0);
	cr_assert_not_null(getcwd(cwd, sizeof cwd));
	for (int fmt = CRC_ARCHIVE_TAR_ZST; fmt <= CRC_ARCHIVE_TAR_GZ; fmt++) {
		struct calls c = {0, 0, NULL};
		const struct crc_archive_hooks hooks = {on_check, on_written, &c};
		snprintf(out, sizeof out, "%s.%d", a, fmt);
		snprintf(dest, sizeof dest, "%s.x%d", a, fmt);
		cr_assert_eq(mkdir(dest, 0700), 0);
		cr_assert_eq(crc_archive_write_tree(&w, out, a, (enum crc_archive_format)fmt, MTIME, &err), 0,
			     "%s", err.msg);
		/* The modes are the archive's whatever the umask. */
		mode_t old = umask(077);
		cr_assert_eq(crc_archive_extract(&x, out, dest, (enum crc_archive_format)fmt, &hooks, &err),
			     0, "%s", err.msg);
		umask(old);
		cr_assert_not_null(getcwd(cwd2, sizeof cwd2));
		cr_assert_str_eq(cwd2, cwd, "the working directory is never changed");
		same_entries(&x, &w);
		cr_assert_eq(c.checked, NTREE);
		cr_assert_eq(c.written, NTREE);
		/* The archive's own size and hash, as coreutils sees them. */
		cr_assert_eq(x.size, w.size);
		cr_assert_str_eq(x.sha256, w.sha256);
		snprintf(cmd, sizeof cmd, "sha256sum %s | cut -c1-64", out);
		capture(line, sizeof line, cmd);
		cr_assert_str_eq(x.sha256, line);
		/* On disk: the same tree, which archives back to the same entries. */
		check_entries(&x, dest);
		cr_assert_eq(mode_at(dest, "bin"), 0755);
		cr_assert_eq(mode_at(dest, "bin/tool"), 0755);
		cr_assert_eq(mode_at(dest, "README"), 0644);
		snprintf(out + strlen(out), sizeof out - strlen(out), ".back");
		cr_assert_eq(
			crc_archive_write_tree(&back, out, dest, (enum crc_archive_format)fmt, MTIME, &err),
			0, "%s", err.msg);
		same_entries(&back, &w);
		cr_assert_str_eq(back.sha256, w.sha256);
		crc_archive_result_free(&back);
		crc_archive_result_free(&w);
		crc_archive_result_free(&x);
		crc_archive_result_free(&x);
		unlink(out);
		out[strlen(out) - 5] = '\0';
		unlink(out);
		rm_rf(dest);
	}
	crc_archive_result_free(NULL);
	rm_rf(a);
}

Test(archive, extract_without_hooks_makes_implied_directories_and_applies_modes_last)
{
	struct scratch s;
	struct crc_archive_result r;
	struct crc_error err;
	/* A read-only directory listed before its file, a setuid file, a directory only implied. */
	scratch_make(&s, "add('ro', tarfile.DIRTYPE, mode=0o555); f('ro/x', b'ro'); f('s', mode=0o4755); "
			 "f('deep/er/f', b'f', mode=0o600)");
	mode_t old = umask(077);
	cr_assert_eq(crc_archive_extract(&r, s.archive, s.out, CRC_ARCHIVE_TAR_GZ, NULL, &err), 0, "%s",
		     err.msg);
	umask(old);
	cr_assert_eq(r.nentries, 4);
	cr_assert_str_eq(r.entries[0].path, "deep/er/f");
	cr_assert_eq(r.entries[0].mode, 0600);
	cr_assert_str_eq(r.entries[1].path, "ro");
	cr_assert_eq(r.entries[1].mode, 0555);
	cr_assert_str_eq(r.entries[3].path, "s");
	cr_assert_eq(r.entries[3].mode, 04755, "the archive's bits are reported");
	cr_assert_eq(mode_at(s.out, "ro"), 0555);
	cr_assert_eq(mode_at(s.out, "ro/x"), 0644);
	cr_assert_eq(mode_at(s.out, "s"), 0755, "setuid is never written");
	cr_assert_eq(mode_at(s.out, "deep"), 0755);
	cr_assert_eq(mode_at(s.out, "deep/er"), 0755);
	cr_assert_eq(mode_at(s.out, "deep/er/f"), 0600);
	crc_archive_result_free(&r);
	char ro[512];
	path_of(ro, sizeof ro, s.out, "ro");
	cr_assert_eq(chmod(ro, 0755), 0);
	rm_rf(s.dir);
}

Test(archive, extract_stops_where_the_check_refuses)
{
	struct scratch s;
	struct crc_archive_result r;
	struct crc_error err;
	struct calls c = {0, 0, "b"};
	const struct crc_archive_hooks hooks = {on_check, on_written, &c};
	scratch_make(&s, "f('a'); f('b'); f('c')");
	cr_assert_eq(crc_archive_extract(&r, s.archive, s.out, CRC_ARCHIVE_TAR_GZ, &hooks, &err),
		     CRC_EVERIFY);
	cr_assert_str_eq(err.msg, "refused b");
	cr_assert_eq(c.checked, 2);
	cr_assert_eq(c.written, 1);
	cr_assert_eq(r.nentries, 0);
	cr_assert(exists_at(s.out, "a"));
	cr_assert_eq(exists_at(s.out, "b"), 0, "the refused entry is not written");
	cr_assert_eq(exists_at(s.out, "c"), 0, "nothing past it is read");
	rm_rf(s.dir);
}

Test(archive, extract_refuses_dotdot_and_absolute_paths)
{
	extract_fails("f('a'); f('../x')", "entry '../x': path contains '..'");
	extract_fails("d('a'); f('a/../../x')", "entry 'a/../../x': path contains '..'");
	extract_fails("f('/tmp/crc-archive-escaped')", "entry '/tmp/crc-archive-escaped': absolute path");
	extract_fails("f('a\\nb')", "entry 'a\\x0ab': path holds a control character");
}

Test(archive, extract_refuses_a_symlink_escaping_then_a_file_through_it)
{
	extract_fails("d('lib'); l('lib/esc', '../../../../../tmp'); f('lib/esc/crc-archive-escaped')",
		      "entry 'lib/esc' -> '../../../../../tmp': symlink target leaves the tree");
	extract_fails("l('esc', '/tmp'); f('esc/crc-archive-escaped')",
		      "entry 'esc' -> '/tmp': absolute symlink target");
	/* Links that stay inside, then entries written through them: never followed. */
	extract_fails("d('bin'); l('lnk', 'bin'); f('lnk/evil')",
		      "entry 'lnk/evil' lies below 'lnk', which is a symlink");
	extract_fails("l('up', '.'); f('up/x')", "entry 'up/x' lies below 'up', which is a symlink");
	extract_fails("f('a'); f('a/x')", "entry 'a/x' lies below 'a', which is a file");
}

Test(archive, extract_refuses_what_listing_refuses_and_names_taken)
{
	extract_fails("f('a'); h('b', 'a')", "entry 'b': hard link to 'a' (not allowed)");
	extract_fails("p('pipe')", "entry 'pipe': a fifo; only regular files, directories and symlinks are "
				   "allowed");
	extract_fails("f('a'); f('./a', b'other')", "entry 'a': a file is there already");
	extract_fails("d('a'); f('a', b'other')", "entry 'a': a directory is there already");
	extract_fails("d('x'); d('x/')", "duplicate entry 'x'");
}

Test(archive, extract_refuses_corrupt_archives)
{
	struct scratch s;
	struct crc_archive_result r;
	struct crc_error err;
	char half[300];
	scratch_make(&s, "f('a', bytes(range(256)) * 400)");
	size_t n;
	char *data = slurp(s.archive, &n);
	path_of(half, sizeof half, s.dir, "half.tar.gz");
	int fd = open(half, O_WRONLY | O_CREAT | O_EXCL, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, n / 2), (ssize_t)(n / 2));
	close(fd);
	free(data);
	cr_assert_eq(crc_archive_extract(&r, half, s.out, CRC_ARCHIVE_TAR_GZ, NULL, &err), CRC_EVERIFY);
	cr_assert_neq(err.msg[0], '\0');
	cr_assert_str_eq(err.path, half);
	cr_assert_eq(r.nentries, 0);
	/* Only fmt's decompressor is used: gzip read as zstd is no archive. */
	rm_rf(s.out);
	dir_(s.dir, "out", 0755);
	cr_assert_eq(crc_archive_extract(&r, s.archive, s.out, CRC_ARCHIVE_TAR_ZST, NULL, &err), CRC_EVERIFY);
	cr_assert_str_eq(err.path, s.archive);
	cr_assert_eq(exists_at(s.out, "a"), 0);
	rm_rf(s.dir);
}

Test(archive, extract_refuses_bad_arguments)
{
	struct scratch s;
	struct crc_archive_result r;
	struct crc_error err;
	char want[600], link[300], missing[300];
	scratch_make(&s, "f('a')");
	cr_assert_eq(crc_archive_extract(&r, s.archive, s.out, (enum crc_archive_format)7, NULL, &err),
		     CRC_EINVALID);
	cr_assert_str_eq(err.msg, "unknown archive format 7");
	path_of(missing, sizeof missing, s.dir, "missing");
	cr_assert_eq(crc_archive_extract(&r, s.archive, missing, CRC_ARCHIVE_TAR_GZ, NULL, &err),
		     CRC_ENOTFOUND);
	snprintf(want, sizeof want, "cannot open directory %s: No such file or directory", missing);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(crc_archive_extract(&r, missing, s.out, CRC_ARCHIVE_TAR_GZ, NULL, &err), CRC_ENOTFOUND);
	snprintf(want, sizeof want, "cannot open %s: No such file or directory", missing);
	cr_assert_str_eq(err.msg, want);
	path_of(link, sizeof link, s.dir, "link");
	cr_assert_eq(symlink(s.archive, link), 0);
	cr_assert_eq(crc_archive_extract(&r, link, s.out, CRC_ARCHIVE_TAR_GZ, NULL, &err), CRC_EINVALID,
		     "the archive is not followed through a symlink");
	unlink(link);
	cr_assert_eq(symlink(s.out, link), 0);
	cr_assert_eq(crc_archive_extract(&r, s.archive, link, CRC_ARCHIVE_TAR_GZ, NULL, &err), CRC_ENOTFOUND,
		     "nor is the destination");
	snprintf(want, sizeof want, "cannot open directory %s: Not a directory", link);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(exists_at(s.out, "a"), 0);
	rm_rf(s.dir);
}

Test(archive, extract_write_errors_name_the_entry)
{
	struct scratch s;
	struct crc_archive_result r;
	struct crc_error err;
	char want[600];
	scratch_make(&s, "f('small', b'x'); f('big', b'y' * 65536)");
	/* Criterion runs each test in its own process: the limit stays here. */
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit rl = {16384, 16384};
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	cr_assert_eq(crc_archive_extract(&r, s.archive, s.out, CRC_ARCHIVE_TAR_GZ, NULL, &err), CRC_EIO);
	snprintf(want, sizeof want, "cannot extract 'big' into %s: Write failed: File too large", s.out);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(r.nentries, 0);
	rm_rf(s.dir);
}

/* What the destination held beforehand is left to libarchive's secure disk writer: a symlink planted there
 * is never written through, even though the check hook accepts the entry, and no file is replaced. */
Test(archive, extract_never_writes_through_a_planted_symlink_nor_over_a_file)
{
	struct scratch s;
	struct crc_archive_result r;
	struct crc_error err;
	struct calls c = {0, 0, NULL};
	const struct crc_archive_hooks hooks = {on_check, on_written, &c};
	char outside[300], lnk[300], want[700];
	scratch_make(&s, "f('lnk/evil', b'evil')");
	dir_(s.dir, "outside", 0755);
	path_of(outside, sizeof outside, s.dir, "outside");
	path_of(lnk, sizeof lnk, s.out, "lnk");
	cr_assert_eq(symlink(outside, lnk), 0);
	cr_assert_eq(crc_archive_extract(&r, s.archive, s.out, CRC_ARCHIVE_TAR_GZ, &hooks, &err), CRC_EVERIFY,
		     "%s", err.msg);
	snprintf(want, sizeof want,
		 "cannot extract 'lnk/evil' into %s: Cannot extract through symlink "
		 "lnk/evil",
		 s.out);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(c.checked, 1, "the hook accepted it");
	cr_assert_eq(c.written, 0);
	cr_assert_eq(r.nentries, 0);
	cr_assert_eq(exists_at(outside, "evil"), 0, "nothing written through the symlink");
	rm_rf(s.dir);

	scratch_make(&s, "f('a', b'theirs')");
	put(s.out, "a", "mine", 0644);
	cr_assert_eq(crc_archive_extract(&r, s.archive, s.out, CRC_ARCHIVE_TAR_GZ, &hooks, &err), CRC_EVERIFY,
		     "%s", err.msg);
	cr_assert_str_eq(err.msg, "entry 'a': a file is there already");
	char a[300];
	size_t n;
	path_of(a, sizeof a, s.out, "a");
	char *data = slurp(a, &n);
	cr_assert_eq(n, 4);
	cr_assert(memcmp(data, "mine", 4) == 0, "the file is not overwritten");
	free(data);
	rm_rf(s.dir);
}

Test(archive, shown_names_and_path_rules)
{
	char sh[CRC_ARCHIVE_SHOWN_MAX], long_name[600];
	cr_assert_str_eq(crc_shown(sh, sizeof sh, "a\\b\n\x7f\xc3"), "a\\x5cb\\x0a\\x7f\\xc3");
	memset(long_name, 'x', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	crc_shown(sh, sizeof sh, long_name);
	cr_assert_lt(strlen(sh), (size_t)CRC_ARCHIVE_SHOWN_MAX);
	cr_assert_str_eq(sh + strlen(sh) - 3, "...");
	cr_assert_null(crc_archive_path_problem("a/b.c"));
	cr_assert_str_eq(crc_archive_path_problem(""), "empty path");
	cr_assert_str_eq(crc_archive_path_problem("/a"), "absolute path");
	cr_assert_str_eq(crc_archive_path_problem("a/../b"), "path contains '..'");
	cr_assert_str_eq(crc_archive_path_problem("a/./b"), "path not normalized (empty or '.' component)");
	cr_assert_str_eq(crc_archive_path_problem("a/"), "path not normalized (empty or '.' component)");
	cr_assert_null(crc_archive_link_problem("a/b", "../c"));
	cr_assert_str_eq(crc_archive_link_problem("a", "../c"), "symlink target leaves the tree");
	cr_assert_str_eq(crc_archive_link_problem("a", ""), "empty symlink target");
}
