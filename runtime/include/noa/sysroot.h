/* Every file the probe reads (/proc, /sys, /dev, /.dockerenv, /run/.containerenv) goes through a sysroot,
 * so that fixture trees can stand in for the host, and every environment variable through a snapshot the
 * program passes in: libnoa itself never calls getenv(). Reads are capped and never follow the sysroot
 * out of itself through "..". */
#ifndef NOA_SYSROOT_H
#define NOA_SYSROOT_H

#include <stddef.h>

/* Longest path under a sysroot, and longest sysroot directory. */
#define NOA_PATH_MAX 512
/* Longest file the probe reads; longer files are cut at this size (enough for /proc/cpuinfo of 512 CPUs
 * on x86 it is not, so cpuinfo readers must cope with a cut file: they treat it like a truncated one). */
#define NOA_READ_MAX ((size_t)1 << 20)
/* Longest directory entry name kept by noa_sysroot_list(). */
#define NOA_NAME_MAX 64

struct noa_sysroot {
	/* The directory that stands for "/", without a trailing slash; "" for the real root. */
	char dir[NOA_PATH_MAX];
};

/* Uses dir (or the real root when dir is NULL or "") as the root. Returns NOA_ENOTFOUND when dir is not
 * an existing directory and NOA_EINVALID when its path is too long. */
int noa_sysroot_init(struct noa_sysroot *root, const char *dir);

/* Builds the host path of the absolute path `path` (which must start with '/' and hold no ".."
 * component) into out. Returns 0 or NOA_EINVALID. */
int noa_sysroot_path(const struct noa_sysroot *root, const char *path, char *out, size_t size);

/* Reads at most cap - 1 bytes of the file at `path` under the root into buf and NUL-terminates it; *len
 * gets the byte count (which may include NUL bytes from the file). Returns 0, NOA_ENOTFOUND, NOA_EIO or
 * NOA_EINVALID (bad path). Only regular files and character devices are read, never directories or
 * FIFOs (a FIFO would block). */
int noa_sysroot_read(const struct noa_sysroot *root, const char *path, char *buf, size_t cap, size_t *len);

/* Returns 1 when something exists at `path` under the root (without following a final symlink's target
 * when it dangles: a dangling symlink exists), else 0. */
int noa_sysroot_exists(const struct noa_sysroot *root, const char *path);

/* Lists the entries of the directory `path` under the root whose names start with `prefix` (may be ""),
 * skipping "." and "..", sorted bytewise, at most max of them, into names. Returns the count (0 when the
 * directory is missing or unreadable). Names longer than NOA_NAME_MAX - 1 are skipped. */
int noa_sysroot_list(const struct noa_sysroot *root, const char *path, const char *prefix,
		     char names[][NOA_NAME_MAX], int max);

/* A NULL-terminated array of "NAME=value" strings (like environ), owned by the caller. */
struct noa_env {
	const char *const *vars;
};

/* Returns the value of name in env, or NULL when it is unset. An empty value is returned as "". */
const char *noa_env_get(const struct noa_env *env, const char *name);

#endif
