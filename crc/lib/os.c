/* Processes (see crc/os.h): fork and execvp with a close-on-exec pipe through which the child reports a
 * failed exec, so that "not installed" is told apart from "ran and failed". */
#include "crc/os.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int crc_os_capture(struct crc_buf *out, int *status, const char *const *argv, const char *cwd, size_t max,
		   struct crc_error *err)
{
	int fds[2], exec_err[2];
	*status = -1;
	if (pipe(fds) != 0)
		return crc_err_os(err, "cannot create a pipe for", argv[0], errno);
	/* The child reports a failed exec through a close-on-exec pipe: EOF means the exec worked. */
	if (pipe(exec_err) != 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		return crc_err_os(err, "cannot create a pipe for", argv[0], e);
	}
	fcntl(exec_err[1], F_SETFD, FD_CLOEXEC);
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		close(exec_err[0]);
		close(exec_err[1]);
		return crc_err_os(err, "cannot start", argv[0], e);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		int e;
		if (null < 0 || dup2(null, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(null, 2) < 0 ||
		    (cwd && chdir(cwd) != 0)) {
			e = errno;
		} else {
			/* execvp's prototype predates const; it does not change the strings. */
			char *const *av;
			memcpy(&av, &argv, sizeof av);
			execvp(argv[0], av);
			e = errno;
		}
		(void)!write(exec_err[1], &e, sizeof e);
		_exit(127);
	}
	close(fds[1]);
	close(exec_err[1]);
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
	int child_errno = 0;
	ssize_t got;
	while ((got = read(exec_err[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR)
		;
	close(exec_err[0]);
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return crc_err_os(err, "cannot wait for", argv[0], errno);
	if (got == (ssize_t)sizeof child_errno) {
		if (child_errno == ENOENT)
			return crc_err(err, CRC_ENOTFOUND, "%s: program not found", argv[0]);
		return crc_err_os(err, "cannot run", argv[0], child_errno);
	}
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
	if (crc_buf_error(out))
		return crc_err(err, CRC_ENOMEM, "out of memory reading the output of %s", argv[0]);
	return 0;
}
