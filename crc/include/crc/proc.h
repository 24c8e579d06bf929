/* Running programs: the one way crc's core starts, waits for and stops processes, for runs whose output is
 * captured (git, a compiler's --version) and for runs whose output streams to descriptors (a build's
 * steps, into their logs). Programs start through posix_spawnp: the environment and every descriptor are
 * set up in the parent, nothing runs in a forked child but the program itself. A run waits for its own
 * process only (through a pidfd where the kernel has them), never for whichever child ends, so that
 * other children (another module's, or the caller's) are left alone; and waiting can be cut short by a
 * descriptor the caller owns (the CLI's signal self-pipe), so that a caller can stop what it started. */
#ifndef CRC_PROC_H
#define CRC_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "crc/buf.h"
#include "crc/error.h"

/* How to start a program. */
struct crc_proc_spec {
	/* argv[0] is looked up on PATH; NULL-terminated. */
	const char *const *argv;
	/* The directory it runs in (NULL: the current one). */
	const char *cwd;
	/* "NAME=value" strings (NULL-terminated, may be NULL) replacing or adding to the environment it
	 * inherits. */
	const char *const *env;
	/* Its standard output and error (-1: /dev/null); its standard input is /dev/null. */
	int stdout_fd, stderr_fd;
	/* In a process group of its own (so that crc_proc_kill stops what it starts too). */
	int own_group;
};

/* A started program. */
struct crc_proc {
	pid_t pid;
	/* A pidfd for pid (-1 where the kernel has none); polled by crc_proc_wait_any. */
	int pidfd;
	int own_group;
	/* Set once it ended (and was reaped): its exit status, or 128 + the signal that killed it. */
	int done, status;
	/* Why it could not be started (an errno; 0 when it was), and whether crc_proc_wait_any reported it.
	 */
	int start_errno, reported;
};

/* Starts a program. A program that cannot be started (not found, not executable, no such cwd) counts as
 * one that ran and exited 127, as a shell reports it: p->done is set with status 127 and the reason is
 * written to s->stderr_fd ("crc: cannot run NAME: reason"), so that a caller streaming a log sees it there.
 * Returns 0, or CRC_EIO / CRC_ENOMEM when crc itself could not go on. */
int crc_proc_start(struct crc_proc *p, const struct crc_proc_spec *s, struct crc_error *err);

/* Waits for p to end (p->done, p->status); returns 0 or CRC_EIO. */
int crc_proc_wait(struct crc_proc *p, struct crc_error *err);

/* Waits until one of the n processes that have not been reported yet ends, at most timeout_ms
 * milliseconds (-1: no limit), or until cancel_fd (-1: none) becomes readable. *which is the index of the
 * one that ended (its done and status set; a process is reported once), or n after a timeout or a cancel
 * (*cancelled says which). Processes that ended before the call are reported first. Returns 0, CRC_ENOTFOUND
 * when none is left to wait for, or CRC_EIO. */
int crc_proc_wait_any(struct crc_proc *const *procs, size_t n, int timeout_ms, int cancel_fd, size_t *which,
		      int *cancelled, struct crc_error *err);

/* Sends SIGTERM to p (to its process group when it has its own); nothing when it ended. */
void crc_proc_kill(const struct crc_proc *p);

/* Frees what p holds (its pidfd); p must have ended. Accepts a zeroed p. */
void crc_proc_release(struct crc_proc *p);

/* Runs a program to its end with its standard output captured into out (at most max bytes kept; the rest
 * is read and dropped), s->stdout_fd ignored; *status as in struct crc_proc. A program that cannot be
 * started is CRC_ENOTFOUND "NAME: program not found" (or CRC_EIO "cannot run NAME: reason"). */
int crc_proc_capture(struct crc_buf *out, int *status, const struct crc_proc_spec *s, size_t max,
		     struct crc_error *err);

#endif
