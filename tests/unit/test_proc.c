/* The process layer: programs started with their environment, directory and descriptors set in the parent,
 * waited for one by one (never a child that is not in the list), with a timeout and a cancel descriptor,
 * stopped as a group, and a program that cannot start reported as exit 127 with its reason in its log. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crc/proc.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void start(struct crc_proc *p, const char *script, int own_group)
{
	const char *argv[] = {"sh", "-c", script, NULL};
	const struct crc_proc_spec s = {argv, NULL, NULL, -1, -1, own_group};
	struct crc_error err;
	cr_assert_eq(crc_proc_start(p, &s, &err), 0, "%s", err.msg);
	cr_assert_eq(p->done, 0);
}

Test(proc, waits_for_whichever_of_its_own_ends_first)
{
	struct crc_proc slow, quick;
	struct crc_error err;
	size_t which;
	int cancelled;
	start(&slow, "sleep 0.3; exit 3", 1);
	start(&quick, "exit 5", 1);
	struct crc_proc *procs[] = {&slow, &quick};
	cr_assert_eq(crc_proc_wait_any(procs, 2, -1, -1, &which, &cancelled, &err), 0, "%s", err.msg);
	cr_assert_eq(which, 1);
	cr_assert_eq(quick.status, 5);
	cr_assert_eq(crc_proc_wait_any(procs, 2, -1, -1, &which, &cancelled, &err), 0, "%s", err.msg);
	cr_assert_eq(which, 0, "each is reported once");
	cr_assert_eq(slow.status, 3);
	cr_assert_eq(crc_proc_wait_any(procs, 2, -1, -1, &which, &cancelled, &err), CRC_ENOTFOUND);
	crc_proc_release(&slow);
	crc_proc_release(&quick);
}

/* A child that is not in the list (another module's, or the caller's) is never reaped. */
Test(proc, leaves_other_children_alone)
{
	struct crc_proc mine, other;
	struct crc_error err;
	size_t which;
	int cancelled, ws;
	start(&other, "exit 7", 0);
	start(&mine, "sleep 0.2; exit 0", 0);
	struct crc_proc *procs[] = {&mine};
	cr_assert_eq(crc_proc_wait_any(procs, 1, -1, -1, &which, &cancelled, &err), 0, "%s", err.msg);
	cr_assert_eq(which, 0);
	cr_assert_eq(other.done, 0);
	cr_assert_eq(waitpid(other.pid, &ws, 0), other.pid, "the other child is still there to be reaped");
	cr_assert_eq(WEXITSTATUS(ws), 7);
	crc_proc_release(&mine);
	crc_proc_release(&other);
}

Test(proc, a_timeout_and_a_cancel_descriptor_end_the_wait)
{
	struct crc_proc p;
	struct crc_error err;
	size_t which;
	int cancelled, fds[2];
	start(&p, "sleep 30", 1);
	struct crc_proc *procs[] = {&p};
	double t0 = now();
	cr_assert_eq(crc_proc_wait_any(procs, 1, 50, -1, &which, &cancelled, &err), 0, "%s", err.msg);
	cr_assert_eq(which, 1, "a timeout reports no process");
	cr_assert_eq(cancelled, 0);
	cr_assert_lt(now() - t0, 10.0);
	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], "x", 1), 1);
	cr_assert_eq(crc_proc_wait_any(procs, 1, -1, fds[0], &which, &cancelled, &err), 0, "%s", err.msg);
	cr_assert_eq(which, 1);
	cr_assert_eq(cancelled, 1);
	/* Stopped: SIGTERM to its group, then reaped. */
	crc_proc_kill(&p);
	cr_assert_eq(crc_proc_wait(&p, &err), 0);
	cr_assert_eq(p.status, 128 + SIGTERM);
	crc_proc_release(&p);
	close(fds[0]);
	close(fds[1]);
}

/* Killing a program that has a group of its own stops what it started too. */
Test(proc, kill_stops_the_whole_group)
{
	struct crc_proc p;
	struct crc_error err;
	char path[] = "/tmp/crc-proc-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	char script[256];
	snprintf(script, sizeof script, "sleep 30 & echo $! > %s; wait", path);
	start(&p, script, 1);
	/* Wait until the grandchild wrote its pid. */
	char buf[32] = "";
	for (int i = 0; i < 500 && !strchr(buf, '\n'); i++) {
		pause_ms(10);
		ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
	}
	pid_t grandchild = (pid_t)atol(buf);
	cr_assert_gt(grandchild, 0);
	crc_proc_kill(&p);
	cr_assert_eq(crc_proc_wait(&p, &err), 0);
	for (int i = 0; i < 500 && kill(grandchild, 0) == 0; i++)
		pause_ms(10);
	cr_assert_neq(kill(grandchild, 0), 0, "the group's other process is gone too");
	crc_proc_release(&p);
	close(fd);
	unlink(path);
}

/* A program that cannot start counts as one that exited 127, its reason written where its errors go;
 * a missing directory is told apart from a missing program. */
Test(proc, a_program_that_cannot_start_exits_127_with_its_reason)
{
	char path[] = "/tmp/crc-proc-log-XXXXXX";
	int fd = mkstemp(path);
	struct crc_proc p;
	struct crc_error err;
	size_t which;
	int cancelled;
	cr_assert_geq(fd, 0);
	const char *missing[] = {"crc-no-such-program", NULL};
	struct crc_proc_spec s = {missing, NULL, NULL, fd, fd, 1};
	cr_assert_eq(crc_proc_start(&p, &s, &err), 0, "%s", err.msg);
	cr_assert_eq(p.done, 1);
	cr_assert_eq(p.status, 127);
	struct crc_proc *procs[] = {&p};
	cr_assert_eq(crc_proc_wait_any(procs, 1, -1, -1, &which, &cancelled, &err), 0);
	cr_assert_eq(which, 0, "reported like any other end");
	const char *sh[] = {"sh", "-c", "exit 0", NULL};
	s = (struct crc_proc_spec){sh, "/nonexistent-crc-dir", NULL, fd, fd, 1};
	cr_assert_eq(crc_proc_start(&p, &s, &err), 0, "%s", err.msg);
	cr_assert_eq(p.status, 127);
	char buf[512] = "";
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	cr_assert_str_eq(buf, "crc: cannot run crc-no-such-program: No such file or directory\n"
			      "crc: cannot change to /nonexistent-crc-dir: No such file or directory\n");
	close(fd);
	unlink(path);
}

/* The environment is the inherited one with the given names replaced, not doubled. */
Test(proc, environment_replaces_inherited_names)
{
	struct crc_buf out;
	struct crc_error err;
	int status;
	const char *argv[] = {"sh", "-c", "printf '%s|' \"$HOME\"; env | grep -c '^HOME='", NULL};
	const char *env[] = {"HOME=/crc-home", NULL};
	const struct crc_proc_spec s = {argv, NULL, env, -1, -1, 0};
	crc_buf_init(&out);
	cr_assert_eq(crc_proc_capture(&out, &status, &s, 1 << 10, &err), 0, "%s", err.msg);
	cr_assert_eq(status, 0);
	cr_assert_str_eq(crc_buf_str(&out), "/crc-home|1\n");
	crc_buf_free(&out);
}
