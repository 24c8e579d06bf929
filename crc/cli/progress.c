/* crc build's progress (progress.h). */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *state_name(const struct progress *pr, size_t i)
{
	return pr->label[i] ? pr->label[i] : crc_build_phase_name(pr->phase[i]);
}

static void draw(struct progress *pr)
{
	double t = now();
	if (pr->drawn)
		fprintf(stderr, "\033[%zuA", pr->plan->ntargets);
	for (size_t i = 0; i < pr->plan->ntargets; i++) {
		double el = pr->phase[i] == CRC_BUILD_QUEUED
				    ? 0
				    : (pr->ended[i] > 0 ? pr->ended[i] : t) - pr->started[i];
		fprintf(stderr, "\033[2K  %-22s %-14s %6.1fs\n", pr->plan->targets[i].toolchain->triple,
			state_name(pr, i), el);
	}
	pr->drawn = 1;
	fflush(stderr);
}

/* Shows that target i is in a new state: a redraw, or one timestamped line. */
static void show(struct progress *pr, size_t i)
{
	if (pr->cli->verbosity < 0)
		return;
	if (pr->live)
		draw(pr);
	else
		cli_info(pr->cli, "[%7.1fs] %s: %s", now() - pr->t0, pr->plan->targets[i].toolchain->triple,
			 state_name(pr, i));
}

static void on_phase(void *ctx, size_t i, enum crc_build_phase ph)
{
	struct progress *pr = ctx;
	if (pr->phase[i] == CRC_BUILD_QUEUED)
		pr->started[i] = now();
	if (ph == CRC_BUILD_DONE || ph == CRC_BUILD_FAILED)
		pr->ended[i] = now();
	pr->phase[i] = ph;
	show(pr, i);
}

static void on_tick(void *ctx)
{
	struct progress *pr = ctx;
	if (pr->live && pr->cli->verbosity >= 0)
		draw(pr);
}

/* crc's own work on target i after its build; the clock runs again until "packed". */
static void on_label(void *ctx, size_t i, const char *label)
{
	struct progress *pr = ctx;
	pr->ended[i] = strcmp(label, "packed") == 0 ? now() : 0;
	pr->label[i] = label;
	show(pr, i);
}

void progress_start(struct progress *pr, struct cli *cli, const struct crc_plan *plan)
{
	const char *term = getenv("TERM");
	memset(pr, 0, sizeof *pr);
	pr->cli = cli;
	pr->plan = plan;
	pr->t0 = now();
	pr->live = cli->verbosity >= 0 && isatty(STDERR_FILENO) && !getenv("GITHUB_ACTIONS") &&
		   !(term && strcmp(term, "dumb") == 0);
	if (pr->live)
		draw(pr);
}

struct crc_build_events progress_build_events(struct progress *pr)
{
	return (struct crc_build_events){on_phase, pr->live ? on_tick : NULL, pr};
}

struct crc_assemble_events progress_assemble_events(struct progress *pr)
{
	return (struct crc_assemble_events){on_label, pr};
}
