/* LD_PRELOAD shim for the attack tests (the scripts in tests/attack): plays the attacker who can write the
 * drop, the storage or the deploy directory while crc runs, at a moment chosen deterministically. When crc
 * makes the call named by CRC_ATTACK_ON for the CRC_ATTACK_NTH time (default 1), the shell command
 * CRC_ATTACK_DO runs to completion (with the path crc named as $1, and without this shim), once: open:NAME
 * after crc opens a file whose last component is NAME (open, openat and their _2 forms) read:NAME     before
 * crc first reads from a descriptor of a file whose last component is NAME rename:TEXT   before crc renames a
 * path holding TEXT (rename, renameat: the whole path) mkdir:TEXT    after crc creates a directory whose path
 * holds TEXT (mkdir, mkdirat) Everything else passes through. The command's exit status is ignored; whether
 * the attack worked is for the test to judge from what crc did. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Set once the attack ran (crc's threads may race to it: an atomic exchange decides). */
static int fired;
static int seen;

/* Whether this call is the one the attack waits for: kind matches CRC_ATTACK_ON's, and so does what. */
static int wanted(const char *kind, const char *what, int whole_name)
{
	const char *on = getenv("CRC_ATTACK_ON"), *nth = getenv("CRC_ATTACK_NTH");
	size_t k = strlen(kind);
	if (!on || !what || __atomic_load_n(&fired, __ATOMIC_SEQ_CST) || strncmp(on, kind, k) != 0 ||
	    on[k] != ':')
		return 0;
	const char *arg = on + k + 1;
	if (whole_name) {
		const char *slash = strrchr(what, '/');
		if (strcmp(slash ? slash + 1 : what, arg) != 0)
			return 0;
	} else if (!strstr(what, arg)) {
		return 0;
	}
	int n = nth ? atoi(nth) : 1;
	if (__atomic_add_fetch(&seen, 1, __ATOMIC_SEQ_CST) != n)
		return 0;
	return __atomic_exchange_n(&fired, 1, __ATOMIC_SEQ_CST) == 0;
}

/* Runs CRC_ATTACK_DO with path as $1, in an environment without the shim and its settings. */
static void attack(const char *path)
{
	const char *cmd = getenv("CRC_ATTACK_DO");
	char *env[512];
	size_t n = 0;
	if (!cmd)
		return;
	for (char **e = environ; *e && n + 1 < sizeof env / sizeof env[0]; e++)
		if (strncmp(*e, "LD_PRELOAD=", 11) != 0 && strncmp(*e, "CRC_ATTACK_", 11) != 0)
			env[n++] = *e;
	env[n] = NULL;
	char *argv[] = {"sh", "-c", (char *)cmd, "attack", (char *)path, NULL};
	pid_t pid;
	int status;
	if (posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, env) == 0)
		while (waitpid(pid, &status, 0) < 0)
			;
}

/* The path of fd, for read: */
static int fd_path(int fd, char *out, size_t size)
{
	char link[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, out, size - 1);
	if (n < 0)
		return -1;
	out[n] = '\0';
	return 0;
}

/* The next definition of a function (libc's), looked up once into *fn. */
#define NEXT(fn, name)                                            \
	do {                                                      \
		if (!(fn))                                        \
			*(void **)&(fn) = dlsym(RTLD_NEXT, name); \
	} while (0)

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*open2_fn)(const char *, int);
typedef int (*openat2_fn)(int, const char *, int);
typedef ssize_t (*read_fn)(int, void *, size_t);
typedef int (*rename_fn)(const char *, const char *);
typedef int (*renameat_fn)(int, const char *, int, const char *);
typedef int (*mkdir_fn)(const char *, mode_t);
typedef int (*mkdirat_fn)(int, const char *, mode_t);

static mode_t mode_of(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

static int after_open(int fd, const char *path)
{
	if (fd >= 0 && wanted("open", path, 1))
		attack(path);
	return fd;
}

int open(const char *path, int flags, ...)
{
	static open_fn real;
	NEXT(real, "open");
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_of(flags, ap);
	va_end(ap);
	return after_open(real(path, flags, mode), path);
}

int open64(const char *path, int flags, ...)
{
	static open_fn real;
	NEXT(real, "open64");
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_of(flags, ap);
	va_end(ap);
	return after_open(real(path, flags, mode), path);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	static openat_fn real;
	NEXT(real, "openat");
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_of(flags, ap);
	va_end(ap);
	return after_open(real(dirfd, path, flags, mode), path);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	static openat_fn real;
	NEXT(real, "openat64");
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_of(flags, ap);
	va_end(ap);
	return after_open(real(dirfd, path, flags, mode), path);
}

int __open_2(const char *path, int flags)
{
	static open2_fn real;
	NEXT(real, "__open_2");
	return after_open(real(path, flags), path);
}

int __openat_2(int dirfd, const char *path, int flags)
{
	static openat2_fn real;
	NEXT(real, "__openat_2");
	return after_open(real(dirfd, path, flags), path);
}

ssize_t read(int fd, void *buf, size_t n)
{
	static read_fn real;
	NEXT(real, "read");
	const char *on = getenv("CRC_ATTACK_ON");
	char path[4096];
	if (on && strncmp(on, "read:", 5) == 0 && !__atomic_load_n(&fired, __ATOMIC_SEQ_CST) &&
	    fd_path(fd, path, sizeof path) == 0 && wanted("read", path, 1))
		attack(path);
	return real(fd, buf, n);
}

/* The whole path of name relative to dirfd, into out. */
static const char *at_path(int dirfd, const char *name, char *out, size_t size)
{
	char dir[4096];
	if (name[0] == '/' || dirfd == AT_FDCWD || fd_path(dirfd, dir, sizeof dir) != 0)
		snprintf(out, size, "%s", name);
	else
		snprintf(out, size, "%s/%s", dir, name);
	return out;
}

int rename(const char *from, const char *to)
{
	static rename_fn real;
	NEXT(real, "rename");
	if (wanted("rename", from, 0))
		attack(from);
	return real(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	static renameat_fn real;
	NEXT(real, "renameat");
	char path[4096];
	if (getenv("CRC_ATTACK_ON") && wanted("rename", at_path(fromfd, from, path, sizeof path), 0))
		attack(path);
	return real(fromfd, from, tofd, to);
}

int mkdir(const char *path, mode_t mode)
{
	static mkdir_fn real;
	NEXT(real, "mkdir");
	int rc = real(path, mode);
	if (rc == 0 && wanted("mkdir", path, 0))
		attack(path);
	return rc;
}

int mkdirat(int dirfd, const char *name, mode_t mode)
{
	static mkdirat_fn real;
	NEXT(real, "mkdirat");
	char path[4096];
	int rc = real(dirfd, name, mode);
	if (rc == 0 && getenv("CRC_ATTACK_ON") && wanted("mkdir", at_path(dirfd, name, path, sizeof path), 0))
		attack(path);
	return rc;
}
