/* What crc build gives GitHub Actions beside its annotations (cli.c): each target's build log in a
 * collapsible group on stderr, and the drop's artifacts as a table in the job's step summary. */
#ifndef CRC_CLI_GITHUB_H
#define CRC_CLI_GITHUB_H

#include "crc/build.h"
#include "crc/manifest.h"

/* Each target's log (res[i].log, relative to root) in a ::group:: on stderr. */
void github_groups(const char *root, const struct crc_plan *plan, const struct crc_build_target *res);

/* Appends the artifacts table of the drop at dir (its manifest d) to the file $GITHUB_STEP_SUMMARY names. */
void github_summary(const char *file, const char *dir, const struct crc_manifest *d);

#endif
