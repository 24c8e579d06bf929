/* Sysroot-relative, capped file access and environment snapshots for the probe. */
#include "noa/sysroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "noa/error.h"

int noa_sysroot_init(struct noa_sysroot *root, const char *dir)
{
	struct stat st;
	root->dir[0] = '\0';
	if (!dir || !dir[0])
		return 0;
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n >= sizeof root->dir)
		return NOA_EINVALID;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return NOA_ENOTFOUND;
	memcpy(root->dir, dir, n);
	root->dir[n] = '\0';
	if (strcmp(root->dir, "/") == 0)
		root->dir[0] = '\0';
	return 0;
}

/* Whether path holds a ".." component. */
static int has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return 1;
	return 0;
}

int noa_sysroot_path(const struct noa_sysroot *root, const char *path, char *out, size_t size)
{
	if (path[0] != '/' || has_dotdot(path))
		return NOA_EINVALID;
	int n = snprintf(out, size, "%s%s", root->dir, path);
	if (n < 0 || (size_t)n >= size)
		return NOA_EINVALID;
	return 0;
}

int noa_sysroot_read(const struct noa_sysroot *root, const char *path, char *buf, size_t cap, size_t *len)
{
	char full[NOA_PATH_MAX * 2];
	struct stat st;
	int rc = noa_sysroot_path(root, path, full, sizeof full);
	*len = 0;
	if (cap == 0)
		return NOA_EINVALID;
	buf[0] = '\0';
	if (rc)
		return rc;
	int fd = open(full, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? NOA_ENOTFOUND : NOA_EIO;
	if (fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))) {
		close(fd);
		return NOA_EIO;
	}
	size_t want = cap - 1 < NOA_READ_MAX ? cap - 1 : NOA_READ_MAX;
	while (*len < want) {
		ssize_t r = read(fd, buf + *len, want - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			buf[*len] = '\0';
			return NOA_EIO;
		}
		if (r == 0)
			break;
		*len += (size_t)r;
	}
	buf[*len] = '\0';
	close(fd);
	return 0;
}

int noa_sysroot_exists(const struct noa_sysroot *root, const char *path)
{
	char full[NOA_PATH_MAX * 2];
	struct stat st;
	if (noa_sysroot_path(root, path, full, sizeof full))
		return 0;
	return lstat(full, &st) == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

int noa_sysroot_list(const struct noa_sysroot *root, const char *path, const char *prefix,
		     char names[][NOA_NAME_MAX], int max)
{
	char full[NOA_PATH_MAX * 2];
	if (noa_sysroot_path(root, path, full, sizeof full))
		return 0;
	DIR *d = opendir(full);
	if (!d)
		return 0;
	size_t plen = strlen(prefix);
	int n = 0;
	struct dirent *e;
	while (n < max && (e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (len >= NOA_NAME_MAX || strncmp(e->d_name, prefix, plen) != 0)
			continue;
		memcpy(names[n++], e->d_name, len + 1);
	}
	closedir(d);
	qsort(names, (size_t)n, NOA_NAME_MAX, by_name);
	return n;
}

const char *noa_env_get(const struct noa_env *env, const char *name)
{
	size_t n = strlen(name);
	if (!env || !env->vars)
		return NULL;
	for (const char *const *v = env->vars; *v; v++)
		if (strncmp(*v, name, n) == 0 && (*v)[n] == '=')
			return *v + n + 1;
	return NULL;
}
