/* The progress of crc build on stderr: live lines on a terminal (redrawn on every change and every tick, so
 * that the elapsed time runs), timestamped lines otherwise; nothing under -q. It follows the build's phases
 * (crc/build.h) and then crc's own work on each target (crc/assemble.h: "packing", "imaging", "packed"). */
#ifndef CRC_CLI_PROGRESS_H
#define CRC_CLI_PROGRESS_H

#include "cli.h"
#include "crc/assemble.h"
#include "crc/build.h"

struct progress {
	struct cli *cli;
	const struct crc_plan *plan;
	enum crc_build_phase phase[CRC_PROFILE_MAX_TARGETS];
	/* What crc itself does with the target after its build, or NULL. */
	const char *label[CRC_PROFILE_MAX_TARGETS];
	/* When the target started, and when it stopped (0 while it runs). */
	double started[CRC_PROFILE_MAX_TARGETS], ended[CRC_PROFILE_MAX_TARGETS], t0;
	int live, drawn;
};

/* Starts showing the progress of plan's targets: live when stderr is a terminal (and not under GitHub
 * Actions or TERM=dumb), drawing the first frame. */
void progress_start(struct progress *pr, struct cli *cli, const struct crc_plan *plan);

/* The events of crc_build_run and crc_assemble_build, reported to pr. */
struct crc_build_events progress_build_events(struct progress *pr);
struct crc_assemble_events progress_assemble_events(struct progress *pr);

#endif
