/* Running programs (crc/proc.h) through posix_spawnp: standard input from /dev/null, output and error to
 * the caller's descriptors, the directory changed by the spawn itself (posix_spawn_file_actions_addchdir_np),
 * signal dispositions and mask reset, the environment built here, in the parent. Waiting polls each
 * process's pidfd (and the caller's cancel descriptor) and reaps that process alone; where the kernel has
 * no pidfds it polls every 10 ms with waitpid(pid, WNOHANG), still one pid at a time. */
#define _GNU_SOURCE /* posix_spawn_file_actions_addchdir_np, environ */
#include "crc/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Most processes one crc_proc_wait_any call watches. */
#define MAX_WATCHED 64

/* Whether entry ("NAME=value") sets a name that one of env sets. */
static int overridden(const char *entry, const char *const *env)
{
	const char *eq = strchr(entry, '=');
	size_t n = eq ? (size_t)(eq - entry) : strlen(entry);
	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], entry, n) == 0 && env[i][n] == '=')
			return 1;
	return 0;
}

/* The environment of a program: the inherited one with env's names replaced, then env's. *out (free it)
 * holds pointers into both. */
static int make_env(char ***out, const char *const *env)
{
	size_t n = 0, k = 0, m = 0;
	while (environ && environ[n])
		n++;
	while (env && env[m])
		m++;
	char **e = malloc((n + m + 1) * sizeof *e);
	if (!e)
		return CRC_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!overridden(environ[i], env))
			e[k++] = environ[i];
	for (size_t i = 0; i < m; i++)
		if (strchr(env[i], '='))
			memcpy(&e[k++], &env[i], sizeof e[0]); /* the strings are not changed */
	e[k] = NULL;
	*out = e;
	return 0;
}

static int exit_status(int ws)
{
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
}

/* Records that the program could not be started (errnum), and says why on its standard error. */
static void not_started(struct crc_proc *p, const struct crc_proc_spec *s, int errnum)
{
	struct stat st;
	p->done = 1;
	p->status = 127;
	p->start_errno = errnum;
	if (s->stderr_fd < 0)
		return;
	/* The spawn reports a missing directory as it reports a missing program: tell them apart. */
	int cwd_errno = !s->cwd ? 0 : stat(s->cwd, &st) != 0 ? errno : !S_ISDIR(st.st_mode) ? ENOTDIR : 0;
	if (cwd_errno)
		dprintf(s->stderr_fd, "crc: cannot change to %s: %s\n", s->cwd, strerror(cwd_errno));
	else
		dprintf(s->stderr_fd, "crc: cannot run %s: %s\n", s->argv[0], strerror(errnum));
}

int crc_proc_start(struct crc_proc *p, const struct crc_proc_spec *s, struct crc_error *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char **env = NULL;
	int rc = 0;
	memset(p, 0, sizeof *p);
	p->pidfd = -1;
	p->own_group = s->own_group;
	if (make_env(&env, s->env))
		return crc_err(err, CRC_ENOMEM, "out of memory starting %s", s->argv[0]);
	if (posix_spawn_file_actions_init(&fa) != 0) {
		free(env);
		return crc_err(err, CRC_ENOMEM, "out of memory starting %s", s->argv[0]);
	}
	if (posix_spawnattr_init(&attr) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		free(env);
		return crc_err(err, CRC_ENOMEM, "out of memory starting %s", s->argv[0]);
	}
	sigemptyset(&none);
	sigfillset(&all);
	short flags =
		POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (s->own_group ? POSIX_SPAWN_SETPGROUP : 0);
	int e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!e)
		e = s->stdout_fd >= 0 ? posix_spawn_file_actions_adddup2(&fa, s->stdout_fd, 1)
				      : posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (!e)
		e = s->stderr_fd >= 0 ? posix_spawn_file_actions_adddup2(&fa, s->stderr_fd, 2)
				      : posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (!e && s->cwd)
		e = posix_spawn_file_actions_addchdir_np(&fa, s->cwd);
	if (!e)
		e = posix_spawnattr_setflags(&attr, flags);
	if (!e)
		e = posix_spawnattr_setsigmask(&attr, &none);
	if (!e)
		e = posix_spawnattr_setsigdefault(&attr, &all);
	if (!e && s->own_group)
		e = posix_spawnattr_setpgroup(&attr, 0);
	if (e) {
		rc = crc_err(err, e == ENOMEM ? CRC_ENOMEM : CRC_EIO, "cannot set up %s: %s", s->argv[0],
			     strerror(e));
	} else {
		/* posix_spawnp's prototype predates const; it changes neither argv nor env. */
		char *const *argv;
		memcpy(&argv, &s->argv, sizeof argv);
		e = posix_spawnp(&p->pid, s->argv[0], &fa, &attr, argv, env);
		if (e == ENOMEM || e == EAGAIN)
			rc = crc_err(err, e == ENOMEM ? CRC_ENOMEM : CRC_EIO, "cannot start %s: %s",
				     s->argv[0], strerror(e));
		else if (e)
			not_started(p, s, e);
	}
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
#ifdef SYS_pidfd_open
	if (!rc && !p->done)
		p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
#endif
	return rc;
}

/* Reaps p when it ended (without waiting unless wait); 1 when it has. */
static int reap(struct crc_proc *p, int wait, struct crc_error *err, int *rc)
{
	int ws;
	if (p->done)
		return 1;
	for (;;) {
		pid_t r = waitpid(p->pid, &ws, wait ? 0 : WNOHANG);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*rc = crc_err(err, CRC_EIO, "cannot wait for process %ld: %s", (long)p->pid,
				      strerror(errno));
			return 0;
		}
		if (r == 0)
			return 0;
		p->done = 1;
		p->status = exit_status(ws);
		return 1;
	}
}

int crc_proc_wait(struct crc_proc *p, struct crc_error *err)
{
	int rc = 0;
	reap(p, 1, err, &rc);
	return rc;
}

int crc_proc_wait_any(struct crc_proc *const *procs, size_t n, int timeout_ms, int cancel_fd, size_t *which,
		      int *cancelled, struct crc_error *err)
{
	struct pollfd fds[MAX_WATCHED + 1];
	int waited = 0, rc = 0;
	*which = n;
	*cancelled = 0;
	if (n > MAX_WATCHED)
		return crc_err(err, CRC_EINVALID, "more than %d processes to wait for", MAX_WATCHED);
	for (;;) {
		size_t nfds = 0, pending = 0;
		int polled = 1;
		for (size_t i = 0; i < n; i++) {
			struct crc_proc *p = procs[i];
			if (p->reported)
				continue;
			if (reap(p, 0, err, &rc)) {
				p->reported = 1;
				*which = i;
				return 0;
			}
			if (rc)
				return rc;
			pending++;
			if (p->pidfd >= 0) {
				fds[nfds++] = (struct pollfd){p->pidfd, POLLIN, 0};
			} else {
				polled = 0;
			}
		}
		if (pending == 0)
			return crc_err(err, CRC_ENOTFOUND, "no process to wait for");
		if (timeout_ms >= 0 && waited >= timeout_ms)
			return 0;
		if (cancel_fd >= 0)
			fds[nfds++] = (struct pollfd){cancel_fd, POLLIN, 0};
		/* Without a pidfd for each, poll in slices of 10 ms and look again. */
		int slice = !polled ? 10 : timeout_ms >= 0 ? timeout_ms - waited : -1;
		if (!polled && timeout_ms >= 0 && timeout_ms - waited < slice)
			slice = timeout_ms - waited;
		int r = poll(fds, nfds, slice);
		if (r < 0 && errno != EINTR)
			return crc_err(err, CRC_EIO, "cannot wait for processes: %s", strerror(errno));
		if (r > 0 && cancel_fd >= 0 && (fds[nfds - 1].revents & (POLLIN | POLLHUP | POLLERR))) {
			*cancelled = 1;
			return 0;
		}
		if (r == 0 || !polled)
			waited += slice < 0 ? 0 : slice;
	}
}

void crc_proc_kill(const struct crc_proc *p)
{
	if (p->done || p->pid <= 0)
		return;
	kill(p->own_group ? -p->pid : p->pid, SIGTERM);
}

void crc_proc_release(struct crc_proc *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
}

int crc_proc_capture(struct crc_buf *out, int *status, const struct crc_proc_spec *s, size_t max,
		     struct crc_error *err)
{
	struct crc_proc p;
	struct crc_proc_spec cs = *s;
	int fds[2];
	*status = -1;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return crc_err_os(err, "cannot create a pipe for", s->argv[0], errno);
	cs.stdout_fd = fds[1];
	int rc = crc_proc_start(&p, &cs, err);
	close(fds[1]);
	if (rc) {
		close(fds[0]);
		return rc;
	}
	char buf[4096];
	for (;;) {
		ssize_t n = read(fds[0], buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t room = out->len < max ? max - out->len : 0;
		crc_buf_add(out, buf, (size_t)n < room ? (size_t)n : room);
	}
	close(fds[0]);
	rc = crc_proc_wait(&p, err);
	crc_proc_release(&p);
	if (rc)
		return rc;
	if (p.start_errno == ENOENT)
		return crc_err(err, CRC_ENOTFOUND, "%s: program not found", s->argv[0]);
	if (p.start_errno)
		return crc_err_os(err, "cannot run", s->argv[0], p.start_errno);
	*status = p.status;
	if (crc_buf_error(out))
		return crc_err(err, CRC_ENOMEM, "out of memory reading the output of %s", s->argv[0]);
	return 0;
}
