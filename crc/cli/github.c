/* GitHub Actions output of crc build (github.h). */
#include "github.h"

#include <stdio.h>

#include "crc/buf.h"
#include "crc/os.h"

/* Under GITHUB_ACTIONS: each target's log in a collapsible group, on stderr (Actions reads workflow
 * commands from both streams, and stdout stays the result, --json included). */
void github_groups(const char *root, const struct crc_plan *plan, const struct crc_build_target *res)
{
	for (size_t i = 0; i < plan->ntargets; i++) {
		struct crc_buf log;
		struct crc_error err;
		char path[8192];
		if (!res[i].log[0])
			continue;
		crc_buf_init(&log);
		int w = snprintf(path, sizeof path, "%s/%s", root, res[i].log);
		if (w > 0 && (size_t)w < sizeof path &&
		    crc_os_read_file(&log, path, (size_t)64 << 20, &err) == 0) {
			fprintf(stderr, "::group::%s build log\n%s%s::endgroup::\n",
				plan->targets[i].toolchain->triple, crc_buf_str(&log),
				log.len && log.data[log.len - 1] != '\n' ? "\n" : "");
		}
		crc_buf_free(&log);
	}
}

/* Appends the artifacts table to $GITHUB_STEP_SUMMARY. */
void github_summary(const char *file, const char *dir, const struct crc_manifest *d)
{
	FILE *f = fopen(file, "a");
	if (!f)
		return;
	fprintf(f, "### crc build: `%s`\n\n| artifact | target | bytes | sha256 |\n|---|---|---:|---|\n",
		dir);
	for (size_t i = 0; i < d->nartifacts; i++)
		fprintf(f, "| `%s` | %s | %llu | `%s` |\n", d->artifacts[i].path, d->artifacts[i].target,
			d->artifacts[i].size, d->artifacts[i].sha256);
	fputc('\n', f);
	fclose(f);
}
