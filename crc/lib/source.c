/* Source identity (see crc/source.h): git through its command line (crc_proc_capture), the tree hash by a
 * sorted walk of runtime/. */
#include "crc/source.h"

#include <dirent.h>
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
	struct crc_error *err;
	size_t entries;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Hashes one directory: for each entry in byte order, "<type> <mode> <path>\0" then, for a file, its
 * SHA-256 in hex and "\n", for a symlink its target and "\n"; directories recurse. */
static int walk_dir(struct walk *w, const char *dir, const char *rel, int depth)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	if (depth > TREE_MAX_DEPTH)
		return crc_err(w->err, CRC_EINVALID, "%s: directories nested deeper than %d", dir,
			       TREE_MAX_DEPTH);
	DIR *d = opendir(dir);
	if (!d)
		return crc_err_os(w->err, "cannot list", dir, errno);
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		if (++w->entries > TREE_MAX_ENTRIES) {
			rc = crc_err(w->err, CRC_EINVALID, "%s: more than %d entries", dir, TREE_MAX_ENTRIES);
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **grown = realloc(names, cap * sizeof *names);
			if (!grown) {
				rc = crc_err(w->err, CRC_ENOMEM, "out of memory");
				break;
			}
			names = grown;
		}
		if (!(names[n] = strdup(e->d_name))) {
			rc = crc_err(w->err, CRC_ENOMEM, "out of memory");
			break;
		}
		n++;
	}
	closedir(d);
	if (!rc)
		qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; !rc && i < n; i++) {
		char path[4096], sub[4096], hex[CRC_SHA256_HEX];
		struct stat st;
		int a = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		int b = rel[0] ? snprintf(sub, sizeof sub, "%s/%s", rel, names[i])
			       : snprintf(sub, sizeof sub, "%s", names[i]);
		if (a < 0 || (size_t)a >= sizeof path || b < 0 || (size_t)b >= sizeof sub) {
			rc = crc_err(w->err, CRC_EINVALID, "path too long: %s/%s", dir, names[i]);
			break;
		}
		if (lstat(path, &st) != 0) {
			rc = crc_err_os(w->err, "cannot stat", path, errno);
			break;
		}
		struct crc_buf line;
		crc_buf_init(&line);
		if (S_ISDIR(st.st_mode)) {
			crc_buf_printf(&line, "d 755 %s", sub);
			crc_buf_putc(&line, '\0');
			rc = crc_sha256_update(w->h, line.data, line.len);
			crc_buf_free(&line);
			if (!rc)
				rc = walk_dir(w, path, sub, depth + 1);
			continue;
		}
		if (S_ISREG(st.st_mode)) {
			rc = crc_sha256_file(hex, NULL, path, w->err);
			crc_buf_printf(&line, "f %o %s", (st.st_mode & 0111) ? 0755 : 0644, sub);
			crc_buf_putc(&line, '\0');
			crc_buf_printf(&line, "%s\n", hex);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t t = readlink(path, target, sizeof target - 1);
			if (t < 0)
				rc = crc_err_os(w->err, "cannot read link", path, errno);
			target[t < 0 ? 0 : t] = '\0';
			crc_buf_printf(&line, "l 777 %s", sub);
			crc_buf_putc(&line, '\0');
			crc_buf_printf(&line, "%s\n", target);
		} else {
			rc = crc_err(w->err, CRC_EINVALID, "%s: not a file, directory or symlink", path);
		}
		if (!rc && (crc_buf_error(&line) || crc_sha256_update(w->h, line.data, line.len)))
			rc = crc_err(w->err, CRC_EIO, "hashing %s failed", path);
		crc_buf_free(&line);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int crc_source_tree_hash(char hex[CRC_SHA256_HEX], const char *dir, struct crc_error *err)
{
	unsigned char md[CRC_SHA256_LEN];
	struct walk w = {crc_sha256_new(), err, 0};
	if (!w.h)
		return crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
	int rc = walk_dir(&w, dir, "", 0);
	if (!rc && crc_sha256_final(w.h, md, hex))
		rc = crc_err(err, CRC_EIO, "SHA-256 failed (OpenSSL)");
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

static int host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '-';
}

static int path_char(char c)
{
	return host_char(c) || c == '_' || c == '~' || c == '/' || c == '%' || c == '+';
}

int crc_source_url_ok(const char *s)
{
	if (strncmp(s, "https://", 8) != 0)
		return 0;
	const char *h = s + 8, *p = h;
	while (host_char(*p))
		p++;
	if (p == h || *h == '.' || *h == '-')
		return 0;
	if (*p == ':') {
		const char *d = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == d || p - d > 5)
			return 0;
	}
	if (*p != '/' || !p[1])
		return 0;
	for (; *p; p++)
		if (!path_char(*p) || (p[0] == '/' && p[1] == '/'))
			return 0;
	return p[-1] != '/' && strlen(s) < CRC_SOURCE_URL_MAX;
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
	if (w < 0 || (size_t)w >= size || !crc_source_url_ok(out))
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
