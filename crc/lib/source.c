/* Source identity (see crc/source.h): git through its command line (crc_proc_capture), the tree hash by a
 * sorted walk of runtime/. */
#include "crc/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crc/buf.h"
#include "crc/os.h"
#include "crc/proc.h"

#define TREE_MAX_DEPTH 32
#define TREE_MAX_ENTRIES 100000

struct walk {
	struct crc_sha256 *h;
	const char *dir;
};

/* Hashes one entry (names starting with '.' are left out, directories with all below them): "<type>
 * <mode> <path>\0" then, for a file, its SHA-256 in hex and "\n", for a symlink its target and "\n". The
 * walk goes in byte order, a directory before what it holds. */
static int hash_entry(void *ctx, const struct crc_os_walk_entry *e, struct crc_error *err)
{
	struct walk *w = ctx;
	char hex[CRC_SHA256_HEX], target[4096];
	int rc = 0;
	if (e->name[0] == '.')
		return S_ISDIR(e->st->st_mode) ? CRC_OS_WALK_SKIP : CRC_OS_WALK_NEXT;
	struct crc_buf line;
	crc_buf_init(&line);
	if (S_ISDIR(e->st->st_mode)) {
		crc_buf_printf(&line, "d 755 %s", e->path);
		crc_buf_putc(&line, '\0');
	} else if (S_ISREG(e->st->st_mode)) {
		int fd;
		if ((rc = crc_os_open_regular(&fd, NULL, e->parentfd, e->name, e->path, err)) == 0) {
			rc = crc_sha256_fd(hex, NULL, fd, e->path, err);
			close(fd);
		}
		crc_buf_printf(&line, "f %o %s", (e->st->st_mode & 0111) ? 0755 : 0644, e->path);
		crc_buf_putc(&line, '\0');
		crc_buf_printf(&line, "%s\n", hex);
	} else if (S_ISLNK(e->st->st_mode)) {
		ssize_t t = readlinkat(e->parentfd, e->name, target, sizeof target - 1);
		if (t < 0)
			rc = crc_err(err, CRC_EIO, "cannot read link %s/%s: %s", w->dir, e->path,
				     strerror(errno));
		target[t < 0 ? 0 : t] = '\0';
		crc_buf_printf(&line, "l 777 %s", e->path);
		crc_buf_putc(&line, '\0');
		crc_buf_printf(&line, "%s\n", target);
	} else {
		rc = crc_err(err, CRC_EINVALID, "%s/%s: not a file, directory or symlink", w->dir, e->path);
	}
	if (!rc && (crc_buf_error(&line) || crc_sha256_update(w->h, line.data, line.len)))
		rc = crc_err(err, CRC_EIO, "hashing %s/%s failed", w->dir, e->path);
	crc_buf_free(&line);
	return rc;
}

int crc_source_tree_hash(char hex[CRC_SHA256_HEX], const char *dir, struct crc_error *err)
{
	unsigned char md[CRC_SHA256_LEN];
	struct walk w = {crc_sha256_new(), dir};
	struct crc_os_walker walker = {hash_entry, NULL, &w, TREE_MAX_DEPTH, TREE_MAX_ENTRIES};
	int rootfd = -1, rc;
	if (!w.h)
		return crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	/* The runtime's root may be reached through a symlink (a checkout kept elsewhere); below it, never.
	 */
	if ((rc = crc_os_open_dir(&rootfd, AT_FDCWD, dir, 0, err)) == 0)
		rc = crc_os_walk(rootfd, dir, &walker, err);
	if (!rc && crc_sha256_final(w.h, md, hex))
		rc = crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	if (rootfd >= 0)
		close(rootfd);
	crc_sha256_free(w.h);
	return rc;
}

/* Runs git in root and returns its first output line in out (empty when git is missing or fails). */
static void git(char *out, size_t size, const char *root, const char *const *args)
{
	const char *argv[16] = {"git", "-C", root};
	size_t n = 3;
	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	struct crc_buf b;
	struct crc_error err;
	int status;
	crc_buf_init(&b);
	out[0] = '\0';
	const struct crc_proc_spec spec = {argv, NULL, NULL, -1, -1, 0};
	if (crc_proc_capture(&b, &status, &spec, 4096, &err) == 0 && status == 0) {
		const char *s = crc_buf_str(&b);
		size_t len = strcspn(s, "\n");
		if (len < size) {
			memcpy(out, s, len);
			out[len] = '\0';
		}
	}
	crc_buf_free(&b);
}

int crc_source_read(struct crc_source *out, const char *root, struct crc_error *err)
{
	char dir[4096], line[4096];
	memset(out, 0, sizeof *out);
	out->commit_time = -1;
	int w = snprintf(dir, sizeof dir, "%s/runtime", root);
	if (w < 0 || (size_t)w >= sizeof dir)
		return crc_err(err, CRC_EINVALID, "path too long: %s/runtime", root);
	int rc = crc_source_tree_hash(out->tree_sha256, dir, err);
	if (rc)
		return rc;
	static const char *const rev[] = {"rev-parse", "--verify", "-q", "HEAD^{commit}", NULL};
	git(line, sizeof line, root, rev);
	if (strlen(line) != 40 || strspn(line, "0123456789abcdef") != 40)
		return 0;
	memcpy(out->commit, line, 41);
	static const char *const when[] = {"log", "-1", "--format=%ct", "HEAD", NULL};
	git(line, sizeof line, root, when);
	char *end;
	long long t = strtoll(line, &end, 10);
	if (line[0] && *end == '\0' && t >= 0)
		out->commit_time = t;
	/* Any change to tracked or untracked (not ignored) files under runtime/. */
	static const char *const status[] = {"status", "--porcelain", "--untracked-files=all",
					     "--",     "runtime",     NULL};
	git(line, sizeof line, root, status);
	out->dirty = line[0] != '\0';
	static const char *const remote[] = {"remote", "get-url", "origin", NULL};
	git(line, sizeof line, root, remote);
	crc_source_url_normalize(out->url, sizeof out->url, line);
	return 0;
}

void crc_source_url_normalize(char *out, size_t size, const char *raw)
{
	char host[256] = "", path[CRC_SOURCE_URL_MAX] = "";
	const char *rest;
	int keep_port = 0;
	out[0] = '\0';
	const char *sep = strstr(raw, "://");
	if (sep) {
		size_t n = (size_t)(sep - raw);
		if ((n == 5 && strncmp(raw, "https", 5) == 0) || (n == 4 && strncmp(raw, "http", 4) == 0))
			keep_port = 1;
		else if (!((n == 3 && strncmp(raw, "ssh", 3) == 0) ||
			   (n == 7 && strncmp(raw, "git+ssh", 7) == 0) ||
			   (n == 3 && strncmp(raw, "git", 3) == 0)))
			return;
		rest = sep + 3;
	} else {
		/* scp-like: [user@]host:path, with no '/' before the ':'; not a drive letter ("C:/src"). */
		size_t colon = strcspn(raw, ":/");
		if (raw[colon] != ':' || colon < 2)
			return;
		rest = raw;
	}
	size_t alen = sep ? strcspn(rest, "/") : strcspn(rest, ":");
	const char *at = memchr(rest, '@', alen), *h = at ? at + 1 : rest;
	size_t hlen = alen - (size_t)(h - rest);
	if (!keep_port) {
		const char *colon = memchr(h, ':', hlen);
		if (colon && sep)
			hlen = (size_t)(colon - h);
	}
	if (hlen == 0 || hlen >= sizeof host)
		return;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	const char *p = rest + alen + (sep ? 0 : 1);
	int w = snprintf(path, sizeof path, "%s%s", *p == '/' ? "" : "/", p);
	if (w < 0 || (size_t)w >= sizeof path)
		return;
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	if (len > 4 && strcmp(path + len - 4, ".git") == 0)
		path[len -= 4] = '\0';
	w = snprintf(out, size, "https://%s%s", host, path);
	if (w < 0 || (size_t)w >= size || !crc_ids_url_ok(out))
		out[0] = '\0';
}

void crc_source_drop_id(char *out, size_t size, long long epoch, const struct crc_source *src,
			const char *inputs_sha256)
{
	struct tm tm;
	time_t t = epoch >= 0 ? (time_t)epoch : 0;
	char date[16] = "19700101";
	if (gmtime_r(&t, &tm))
		strftime(date, sizeof date, "%Y%m%d", &tm);
	snprintf(out, size, "%s-%.12s-%.8s", date, src->commit[0] ? src->commit : "nogit", inputs_sha256);
}
