/* LD_PRELOAD shim for tests/drop/storage-errors.sh, where no file system can be mounted: makes the
 * storage fail as a full or read-only disk would. CRC_TEST_FAULT=enospc: write() to a file under a
 * drop's temporary directory (a path holding "/.tmp-") fails with ENOSPC. CRC_TEST_FAULT=erofs: mkdir()
 * of such a directory fails with EROFS. Everything else passes through. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static int fault(const char *kind)
{
	const char *f = getenv("CRC_TEST_FAULT");
	return f && strcmp(f, kind) == 0;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "write");
	if (fault("enospc") && fd > 2) {
		char link[64], path[4096];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t len = readlink(link, path, sizeof path - 1);
		if (len > 0) {
			path[len] = '\0';
			if (strstr(path, "/.tmp-")) {
				errno = ENOSPC;
				return -1;
			}
		}
	}
	return real(fd, buf, n);
}

int mkdir(const char *path, mode_t mode)
{
	static int (*real)(const char *, mode_t);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "mkdir");
	if (fault("erofs") && strstr(path, "/.tmp-")) {
		errno = EROFS;
		return -1;
	}
	return real(path, mode);
}
