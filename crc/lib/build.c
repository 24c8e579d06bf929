/* Builds (see crc/build.h): a small scheduler over the processes of crc/proc.h. Each target walks through
 * its steps (configure, build, install, optimize when planned, smoke version, smoke target); at most
 * `concurrency` targets have a step running, and crc waits for whichever of its own steps ends first. A
 * failed step kills the other targets' running steps (their process groups) and the build reports the
 * first failure; the caller's cancel descriptor kills them all. */
#include "crc/build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crc/json.h"
#include "crc/os.h"
#include "crc/proc.h"

enum step {
	STEP_CONFIGURE,
	STEP_BUILD,
	STEP_INSTALL,
	STEP_OPTIMIZE,
	STEP_SMOKE_VERSION,
	STEP_SMOKE_TARGET,
	NSTEPS
};

static const char *const step_names[NSTEPS] = {"configure", "build", "install", "optimize", "smoke", "smoke"};

/* The state of one target while building. */
struct job {
	int started, finished;
	enum step step;
	struct crc_proc proc;
	int log_fd, out_fd;
	double t0;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *crc_build_phase_name(enum crc_build_phase phase)
{
	static const char *const names[] = {"queued",     "configuring",   "building", "installing",
					    "optimizing", "smoke-testing", "done",     "failed"};
	return phase <= CRC_BUILD_FAILED ? names[phase] : "?";
}

static enum crc_build_phase phase_of(enum step s)
{
	switch (s) {
	case STEP_CONFIGURE:
		return CRC_BUILD_CONFIGURE;
	case STEP_BUILD:
		return CRC_BUILD_COMPILE;
	case STEP_INSTALL:
		return CRC_BUILD_INSTALL;
	case STEP_OPTIMIZE:
		return CRC_BUILD_OPTIMIZE;
	default:
		return CRC_BUILD_SMOKE;
	}
}

static const struct crc_cmd *cmd_of(const struct crc_plan_target *t, enum step s)
{
	switch (s) {
	case STEP_CONFIGURE:
		return &t->configure;
	case STEP_BUILD:
		return &t->build;
	case STEP_INSTALL:
		return &t->install;
	case STEP_OPTIMIZE:
		return &t->optimize;
	case STEP_SMOKE_VERSION:
		return &t->smoke_version;
	default:
		return &t->smoke_target;
	}
}

/* The command as one shell line, for messages and the log (cut with "..." when it does not fit). */
static void shell_line(char *out, size_t size, const struct crc_cmd *c)
{
	struct crc_buf b;
	crc_buf_init(&b);
	crc_cmd_line(&b, c);
	snprintf(out, size, "%s", crc_buf_str(&b));
	if (b.len >= size && size > 4)
		memcpy(out + size - 4, "...", 4);
	crc_buf_free(&b);
}

/* Path under the root of something in the target's build directory. */
static int build_path(char *out, size_t size, const char *root, const struct crc_plan_target *t,
		      const char *name, struct crc_error *err)
{
	int w = name ? snprintf(out, size, "%s/%s/%s", root, t->build_dir, name)
		     : snprintf(out, size, "%s/%s", root, t->build_dir);
	if (w < 0 || (size_t)w >= size)
		return crc_err(err, CRC_EINVALID, "path too long: %s/%s", root, t->build_dir);
	return 0;
}

/* Makes the build directory ready: writes toolchain.cmake (text: the plan's, with the compiler launcher
 * when there is one; a changed file means a fresh configure, since CMake ignores a new toolchain in an
 * existing cache, so turning ccache on or off takes effect at once), clears the staged install, opens the
 * log. */
static int prepare_dir(struct job *j, struct crc_build_target *r, const struct crc_plan_target *t,
		       const char *root, const char *text, struct crc_error *err)
{
	char dir[4096], path[4096], tmp[4096];
	struct crc_buf old;
	int rc = build_path(dir, sizeof dir, root, t, NULL, err);
	if (rc || (rc = crc_os_mkdirs(dir, err)) ||
	    (rc = build_path(path, sizeof path, root, t, "toolchain.cmake", err)))
		return rc;
	crc_buf_init(&old);
	int same = crc_os_read_file(&old, path, 1 << 20, err) == 0 && strcmp(crc_buf_str(&old), text) == 0;
	crc_buf_free(&old);
	if (!same) {
		char cache[4096];
		if ((rc = build_path(cache, sizeof cache, root, t, "CMakeCache.txt", err)) ||
		    (rc = crc_os_remove_tree(cache, err)) ||
		    (rc = build_path(cache, sizeof cache, root, t, "CMakeFiles", err)) ||
		    (rc = crc_os_remove_tree(cache, err)) ||
		    (rc = build_path(tmp, sizeof tmp, root, t, "toolchain.cmake.tmp", err)) ||
		    (rc = crc_os_remove_tree(tmp, err)) ||
		    (rc = crc_os_write_file(tmp, text, strlen(text), 0644, err)))
			return rc;
		if ((rc = crc_os_rename(tmp, path, err)))
			return rc;
	}
	char stage[4096];
	int w = snprintf(stage, sizeof stage, "%s/%s", root, t->stage_dir);
	if (w < 0 || (size_t)w >= sizeof stage)
		return crc_err(err, CRC_EINVALID, "path too long: %s", t->stage_dir);
	if ((rc = crc_os_remove_tree(stage, err)))
		return rc;
	w = snprintf(r->log, sizeof r->log, "%s/crc-build.log", t->build_dir);
	if (w < 0 || (size_t)w >= sizeof r->log ||
	    (rc = build_path(path, sizeof path, root, t, "crc-build.log", err)))
		return rc ? rc : crc_err(err, CRC_EINVALID, "path too long: %s", t->build_dir);
	return crc_os_create_file(&j->log_fd, path, 0644, CRC_OS_TRUNCATE, err);
}

static int prepare(struct job *j, struct crc_build_target *r, const struct crc_plan_target *t,
		   const struct crc_build_options *o, struct crc_error *err)
{
	struct crc_buf text;
	crc_buf_init(&text);
	crc_buf_puts(&text, t->toolchain_cmake);
	if (o->launcher)
		crc_buf_printf(&text,
			       "# The compiler cache crc build uses (compiler_cache in the profile).\n"
			       "set(CMAKE_C_COMPILER_LAUNCHER \"%s\")\n",
			       o->launcher);
	int rc = crc_buf_error(&text) ? crc_err(err, CRC_ENOMEM, "out of memory")
				      : prepare_dir(j, r, t, o->root, crc_buf_str(&text), err);
	crc_buf_free(&text);
	return rc;
}

/* The size of the file at root/rel into *size (0 when it cannot be read as a regular file). */
static void file_size(unsigned long long *size, const char *root, const char *rel)
{
	char path[4096];
	struct stat st;
	int w = snprintf(path, sizeof path, "%s/%s", root, rel);
	*size = w > 0 && (size_t)w < sizeof path && stat(path, &st) == 0 && S_ISREG(st.st_mode)
			? (unsigned long long)st.st_size
			: 0;
}

/* Starts the job's current step. */
static int start_step(struct job *j, struct crc_build_target *r, const struct crc_plan_target *t,
		      const struct crc_build_options *o, struct crc_error *err)
{
	const struct crc_cmd *c = cmd_of(t, j->step);
	char line[8192];
	if (j->step == STEP_OPTIMIZE)
		file_size(&r->optimize_size_before, o->root, t->program);
	shell_line(line, sizeof line, c);
	dprintf(j->log_fd, "\n$ %s\n", line);
	j->out_fd = -1;
	if (j->step == STEP_SMOKE_VERSION || j->step == STEP_SMOKE_TARGET) {
		char path[4096];
		int rc = build_path(
			path, sizeof path, o->root, t,
			j->step == STEP_SMOKE_VERSION ? "smoke-version.json" : "smoke-target.json", err);
		if (rc)
			return rc;
		if ((rc = crc_os_create_file(&j->out_fd, path, 0644, CRC_OS_TRUNCATE, err)))
			return rc;
	}
	/* execvp wants a NULL-terminated argv. */
	const char *argv[512];
	if (c->argv.n == 0 || c->argv.n >= sizeof argv / sizeof argv[0])
		return crc_err(err, CRC_EINVALID, "%s: command with %zu arguments", t->toolchain->triple,
			       c->argv.n);
	memcpy(argv, c->argv.items, c->argv.n * sizeof *argv);
	argv[c->argv.n] = NULL;
	crc_proc_release(&j->proc);
	const struct crc_proc_spec spec = {argv,      o->root, o->env, j->out_fd >= 0 ? j->out_fd : j->log_fd,
					   j->log_fd, 1};
	return crc_proc_start(&j->proc, &spec, err);
}

/* After the optimizer ran: its output, with the program's mode, replaces the staged program (rename in the
 * same directory, so the program is either the old module or the whole new one). Returns 0, or 1 with
 * r->failed_why set. */
static int finish_optimize(struct crc_build_target *r, const struct crc_plan_target *t, const char *root,
			   int log_fd)
{
	struct crc_error rerr;
	char from[4096], to[4096];
	struct stat st;
	int wf = snprintf(from, sizeof from, "%s/%s", root, t->optimize_out),
	    wt = snprintf(to, sizeof to, "%s/%s", root, t->program);
	file_size(&r->optimize_size_after, root, t->optimize_out);
	if (wf < 0 || (size_t)wf >= sizeof from || wt < 0 || (size_t)wt >= sizeof to)
		snprintf(r->failed_why, sizeof r->failed_why, "path too long: %s", t->optimize_out);
	else if (r->optimize_size_after == 0)
		snprintf(r->failed_why, sizeof r->failed_why, "%s wrote no module to %s",
			 t->toolchain->optimizer, t->optimize_out);
	else if (stat(to, &st) != 0 || chmod(from, st.st_mode & 07777) != 0)
		snprintf(r->failed_why, sizeof r->failed_why, "cannot give %s the mode of %s: %s",
			 t->optimize_out, t->program, strerror(errno));
	else if (crc_os_rename(from, to, &rerr) != 0)
		snprintf(r->failed_why, sizeof r->failed_why, "cannot rename %s to %s: %s", t->optimize_out,
			 t->program, strerror(errno));
	else {
		dprintf(log_fd, "crc: optimized %s: %llu -> %llu bytes\n", t->program,
			r->optimize_size_before, r->optimize_size_after);
		return 0;
	}
	r->optimize_size_after = 0;
	dprintf(log_fd, "crc: optimize failed: %s\n", r->failed_why);
	return 1;
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* Reads and checks the smoke outputs: the program must say it is the planned target, built for this
 * profile with its gates and optimization. Returns 0, or 1 with r->failed_why set. */
static int check_smoke(struct crc_build_target *r, const struct crc_plan *plan,
		       const struct crc_plan_target *t, const char *root, struct crc_error *err)
{
	char path[4096];
	struct crc_buf text;
	const struct crc_profile *p = plan->profile;
	struct crc_json *v = NULL, *tj = NULL;
	int bad = 0;
	crc_buf_init(&text);
	if (build_path(path, sizeof path, root, t, "smoke-version.json", err) == 0 &&
	    crc_os_read_file(&text, path, 1 << 20, err) == 0)
		v = crc_json_parse(text.data ? text.data : "", text.len);
	crc_buf_free(&text);
	crc_buf_init(&text);
	if (build_path(path, sizeof path, root, t, "smoke-target.json", err) == 0 &&
	    crc_os_read_file(&text, path, 1 << 20, err) == 0)
		tj = crc_json_parse(text.data ? text.data : "", text.len);
	crc_buf_free(&text);
	struct crc_build_smoke *s = &r->smoke;
	const struct crc_json *opt = crc_json_get(v, "optimization"), *feats = crc_json_get(v, "features");
	if (!v || !tj) {
		snprintf(r->failed_why, sizeof r->failed_why, "noa %s --json did not print valid JSON",
			 !v ? "version" : "target");
		bad = 1;
		goto out;
	}
	copy(s->noa_version, sizeof s->noa_version, crc_json_string(crc_json_get(v, "version")));
	copy(s->triple, sizeof s->triple, crc_json_string(crc_json_get(v, "target")));
	copy(s->profile, sizeof s->profile, crc_json_string(crc_json_get(v, "profile")));
	copy(s->opt_level, sizeof s->opt_level, crc_json_string(crc_json_get(opt, "opt_level")));
	copy(s->lto, sizeof s->lto, crc_json_string(crc_json_get(opt, "lto")));
	copy(s->target_kind, sizeof s->target_kind, crc_json_string(crc_json_get(tj, "kind")));
	s->nfeatures = 0;
	for (size_t i = 0; i < crc_json_count(feats) && s->nfeatures < 16; i++)
		copy(s->features[s->nfeatures++], sizeof s->features[0],
		     crc_json_string(crc_json_item(feats, i)));
	const char *want_lto = t->toolchain->lto_unsupported ? "off" : p->optimization.lto;
	if (strcmp(s->triple, t->toolchain->triple) != 0)
		bad = snprintf(r->failed_why, sizeof r->failed_why, "noa reports target '%s', not '%s'",
			       s->triple, t->toolchain->triple) > 0;
	else if (strcmp(s->profile, p->name) != 0)
		bad = snprintf(r->failed_why, sizeof r->failed_why, "noa reports profile '%s', not '%s'",
			       s->profile, p->name) > 0;
	else if (strcmp(s->opt_level, p->optimization.opt_level) != 0 || strcmp(s->lto, want_lto) != 0)
		bad = snprintf(r->failed_why, sizeof r->failed_why,
			       "noa reports opt_level '%s' and lto '%s', not '%s' and '%s'", s->opt_level,
			       s->lto, p->optimization.opt_level, want_lto) > 0;
	else if (!s->target_kind[0])
		bad = snprintf(r->failed_why, sizeof r->failed_why, "noa target --json reports no kind") > 0;
	if (!bad) {
		/* The gates, as sets: every one the profile asks for, and no other. */
		int same = s->nfeatures == p->features.n;
		for (size_t i = 0; same && i < p->features.n; i++) {
			int found = 0;
			for (size_t k = 0; k < s->nfeatures; k++)
				found |= strcmp(s->features[k], p->features.items[i]) == 0;
			same = found;
		}
		if (!same) {
			struct crc_buf got;
			crc_buf_init(&got);
			for (size_t k = 0; k < s->nfeatures; k++)
				crc_buf_printf(&got, "%s%s", k ? ", " : "", s->features[k]);
			snprintf(r->failed_why, sizeof r->failed_why,
				 "noa reports the gates [%s], not the profile's %zu", crc_buf_str(&got),
				 p->features.n);
			crc_buf_free(&got);
			bad = 1;
		}
	}
out:
	crc_json_free(v);
	crc_json_free(tj);
	return bad;
}

int crc_build_run(struct crc_build_target *out, const struct crc_plan *plan,
		  const struct crc_build_options *o, const struct crc_build_events *ev, struct crc_error *err)
{
	struct job jobs[CRC_PROFILE_MAX_TARGETS];
	size_t n = plan->ntargets, running = 0, next = 0, done = 0;
	int rc = 0, failed = -1;
	memset(jobs, 0, sizeof jobs);
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof out[i]);
		jobs[i].log_fd = jobs[i].out_fd = -1;
		jobs[i].proc.pidfd = -1;
	}
	while (done < n) {
		/* Start targets while there is room and nothing failed. */
		while (failed < 0 && !rc && next < n && running < (o->concurrency ? o->concurrency : 1)) {
			struct job *j = &jobs[next];
			const struct crc_plan_target *t = &plan->targets[next];
			j->started = 1;
			j->t0 = now();
			j->step = STEP_CONFIGURE;
			if ((rc = prepare(j, &out[next], t, o, err)) ||
			    (rc = start_step(j, &out[next], t, o, err)))
				break;
			out[next].phase = CRC_BUILD_CONFIGURE;
			if (ev && ev->phase)
				ev->phase(ev->ctx, next, CRC_BUILD_CONFIGURE);
			running++;
			next++;
		}
		if (running == 0) {
			/* Nothing left to wait for: the rest were never started. */
			for (size_t i = 0; i < n; i++)
				if (!jobs[i].finished)
					jobs[i].finished = 1, done++;
			break;
		}
		/* Wait for one of our own running steps (never for another child of the process). */
		struct crc_proc *procs[CRC_PROFILE_MAX_TARGETS];
		size_t of[CRC_PROFILE_MAX_TARGETS], m = 0, which;
		int cancelled;
		for (size_t k = 0; k < n; k++)
			if (jobs[k].started && !jobs[k].finished)
				of[m] = k, procs[m++] = &jobs[k].proc;
		int wrc = crc_proc_wait_any(procs, m, ev && ev->tick ? CRC_BUILD_TICK_MS : -1,
					    o->cancel ? *o->cancel : -1, &which, &cancelled, err);
		if (wrc || cancelled) {
			rc = rc ? rc : wrc ? wrc : crc_err(err, CRC_EIO, "build cancelled");
			break;
		}
		if (which == m) {
			ev->tick(ev->ctx);
			continue;
		}
		size_t i = of[which];
		int status = jobs[i].proc.status;
		struct job *j = &jobs[i];
		struct crc_build_target *r = &out[i];
		const struct crc_plan_target *t = &plan->targets[i];
		if (j->out_fd >= 0)
			close(j->out_fd), j->out_fd = -1;
		int ok = status == 0 && failed < 0 && !rc;
		if (!ok && failed < 0 && !rc) {
			/* This target failed: stop the others. */
			failed = (int)i;
			r->failed_step = step_names[j->step];
			r->failed_status = status;
			shell_line(r->failed_cmd, sizeof r->failed_cmd, cmd_of(t, j->step));
			for (size_t k = 0; k < n; k++)
				if (k != i && jobs[k].started && !jobs[k].finished)
					crc_proc_kill(&jobs[k].proc);
		}
		if (ok && j->step == STEP_OPTIMIZE && finish_optimize(r, t, o->root, j->log_fd)) {
			ok = 0;
			if (failed < 0) {
				failed = (int)i;
				r->failed_step = "optimize";
				shell_line(r->failed_cmd, sizeof r->failed_cmd, &t->optimize);
				for (size_t k = 0; k < n; k++)
					if (k != i && jobs[k].started && !jobs[k].finished)
						crc_proc_kill(&jobs[k].proc);
			}
		}
		if (ok && j->step + 1 < NSTEPS) {
			j->step++;
			/* No optimize step for targets without one (wasm_opt off, or no optimizer). */
			if (j->step == STEP_OPTIMIZE && t->optimize.argv.n == 0)
				j->step++;
			if ((rc = start_step(j, r, t, o, err)) == 0) {
				enum crc_build_phase ph = phase_of(j->step);
				if (ph != r->phase && ev && ev->phase)
					ev->phase(ev->ctx, i, ph);
				r->phase = ph;
				continue;
			}
			for (size_t k = 0; k < n; k++)
				if (k != i && jobs[k].started && !jobs[k].finished)
					crc_proc_kill(&jobs[k].proc);
		}
		if (ok && !rc && check_smoke(r, plan, t, o->root, err)) {
			ok = 0;
			if (failed < 0) {
				failed = (int)i;
				r->failed_step = "smoke";
				shell_line(r->failed_cmd, sizeof r->failed_cmd, &t->smoke_version);
				dprintf(j->log_fd, "crc: smoke test failed: %s\n", r->failed_why);
				for (size_t k = 0; k < n; k++)
					if (k != i && jobs[k].started && !jobs[k].finished)
						crc_proc_kill(&jobs[k].proc);
			}
		}
		j->finished = 1;
		close(j->log_fd);
		j->log_fd = -1;
		running--;
		done++;
		r->seconds = now() - j->t0;
		r->phase = ok && !rc ? CRC_BUILD_DONE : CRC_BUILD_FAILED;
		if (ev && ev->phase)
			ev->phase(ev->ctx, i, r->phase);
	}
	/* After an error of crc's own, or a cancel, stop and reap what still runs. */
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].started && !jobs[i].finished) {
			struct crc_error werr;
			crc_proc_kill(&jobs[i].proc);
			crc_proc_wait(&jobs[i].proc, &werr);
			if (jobs[i].log_fd >= 0)
				close(jobs[i].log_fd);
			if (jobs[i].out_fd >= 0)
				close(jobs[i].out_fd);
		}
		crc_proc_release(&jobs[i].proc);
	}
	if (rc)
		return rc;
	if (failed >= 0) {
		const struct crc_build_target *r = &out[failed];
		if (r->failed_why[0])
			return crc_err(err, CRC_EBUILD, "%s: %s failed: %s (log: %s)",
				       plan->targets[failed].toolchain->triple,
				       strcmp(r->failed_step, "optimize") == 0 ? "optimize" : "smoke test",
				       r->failed_why, r->log);
		return crc_err(err, CRC_EBUILD, "%s: %s failed (exit %d): %s (log: %s)",
			       plan->targets[failed].toolchain->triple, r->failed_step, r->failed_status,
			       r->failed_cmd, r->log);
	}
	return 0;
}

int crc_build_log_tail(struct crc_buf *out, const char *path, size_t max, struct crc_error *err)
{
	struct crc_buf all;
	crc_buf_init(&all);
	int rc = crc_os_read_file(&all, path, (size_t)256 << 20, err);
	if (!rc) {
		const char *s = crc_buf_str(&all);
		size_t start = all.len > max ? all.len - max : 0;
		if (start > 0)
			while (start < all.len && s[start - 1] != '\n')
				start++;
		crc_buf_add(out, s + start, all.len - start);
	}
	crc_buf_free(&all);
	return rc;
}
