/* Loading a plan for crc plan and crc build (see planning.h). */
#include "planning.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/dockerfile.h"
#include "crc/lambda.h"
#include "crc/os.h"
#include "crc/toolchain.h"
#include "crc/version.h"
#include "crc/ids.h"
#include "exit.h"

int planning_option(struct cli *cli, struct planning_args *a, int id, const char *arg)
{
	struct crc_error err;
	switch (id) {
	case PLANNING_PROFILE:
		a->name = arg;
		return 0;
	case PLANNING_TARGET:
		if (a->ntriples == CRC_PROFILE_MAX_TARGETS)
			return cli_usage(cli, "at most %d --target options", CRC_PROFILE_MAX_TARGETS);
		for (size_t k = 0; k < a->ntriples; k++)
			if (strcmp(a->triples[k], arg) == 0)
				return cli_usage(cli, "--target %s is given twice", arg);
		a->triples[a->ntriples++] = arg;
		return 0;
	case PLANNING_SET:
		if (a->nsets == CRC_PROFILE_MAX_SETS)
			return cli_usage(cli, "at most %d --set options", CRC_PROFILE_MAX_SETS);
		a->sets[a->nsets++] = arg;
		return 0;
	case PLANNING_DROP_ID:
		if (crc_ids_check_drop_id(arg, &err))
			return cli_usage(cli, "%s", err.msg);
		a->drop_id = arg;
		return 0;
	case PLANNING_JOBS: {
		char *end;
		long v = strtol(arg, &end, 10);
		if (!*arg || *end || v < 1 || v > 1024)
			return cli_usage(cli, "--jobs must be a number from 1 to 1024, not '%s'", arg);
		a->jobs = (int)v;
		return 0;
	}
	default:
		return cli_usage(cli, "unexpected argument '%s'", arg);
	}
}

/* The hash of the host files the planned images copy ("<path> <sha256>" per file, "missing" for one
 * that is not there: the build then names its package), followed through symlinks as staging follows
 * them: the images hold their bytes, so they are inputs of the drop. */
static int image_files_hash(char hex[CRC_SHA256_HEX], const struct crc_plan *plan, struct crc_error *err)
{
	struct crc_buf b;
	int rc = 0;
	crc_buf_init(&b);
	for (size_t i = 0; !rc && i < plan->ntargets; i++) {
		const struct crc_toolchain *tc = plan->targets[i].toolchain;
		for (size_t k = 0; !rc && tc->image_architecture && k < tc->image_files.n; k++) {
			const char *path = tc->image_files.items[k];
			char fh[CRC_SHA256_HEX] = "missing";
			unsigned long long size;
			/* The host's files (its C library, through its symlinks): a regular file only, never
			 * blocking on a FIFO. */
			int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
			struct stat st;
			if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
				close(fd);
				fd = -1;
			}
			if (fd >= 0) {
				rc = crc_sha256_fd(fh, &size, fd, path, err);
				close(fd);
			}
			crc_buf_printf(&b, "%s %s %s\n", tc->triple, path, fh);
		}
	}
	if (!rc)
		rc = crc_buf_error(&b) ? crc_err(err, CRC_ENOMEM, "out of memory")
				       : crc_sha256_buf(hex, crc_buf_str(&b), b.len, err);
	crc_buf_free(&b);
	return rc;
}

/* The source identity, SOURCE_DATE_EPOCH and the compilers' versions; the inputs hash. */
static int read_inputs(const struct cli *cli, struct planning *pl, struct crc_error *err)
{
	const char *versions[CRC_PROFILE_MAX_TARGETS];
	int rc = crc_source_read(&pl->source, pl->root, err);
	for (size_t i = 0; !rc && i < pl->plan->ntargets; i++) {
		rc = crc_toolchain_version(pl->versions[i], sizeof pl->versions[i],
					   pl->plan->targets[i].toolchain, err);
		versions[i] = pl->versions[i];
	}
	/* The templates rendered into the drop, the host files its images hold, and the source's URL (in
	 * the manifest and the images' labels). */
	char sha[3][CRC_SHA256_HEX], lines[4][CRC_SOURCE_URL_MAX + 16];
	const char *items[4];
	struct crc_strlist extra = {0, items};
	if (!rc && pl->lambda_template_path &&
	    !(rc = crc_sha256_buf(sha[0], crc_buf_str(&pl->lambda_template), pl->lambda_template.len, err))) {
		snprintf(lines[extra.n], sizeof lines[0], "lambda-template %s", sha[0]);
		items[extra.n] = lines[extra.n], extra.n++;
	}
	if (!rc && pl->docker_template_path &&
	    !(rc = crc_sha256_buf(sha[1], crc_buf_str(&pl->docker_template), pl->docker_template.len, err)) &&
	    !(rc = image_files_hash(sha[2], pl->plan, err))) {
		snprintf(lines[extra.n], sizeof lines[0], "docker-template %s", sha[1]);
		items[extra.n] = lines[extra.n], extra.n++;
		snprintf(lines[extra.n], sizeof lines[0], "image-files %s", sha[2]);
		items[extra.n] = lines[extra.n], extra.n++;
	}
	if (!rc && pl->source.url[0]) {
		snprintf(lines[extra.n], sizeof lines[0], "source-url %s", pl->source.url);
		items[extra.n] = lines[extra.n], extra.n++;
	}
	if (!rc)
		rc = crc_plan_inputs_hash(pl->inputs_sha256, pl->plan, crc_version(), pl->source.tree_sha256,
					  versions, &extra, err);
	if (rc)
		return rc;
	pl->epoch = pl->source.commit_time >= 0 ? pl->source.commit_time : 0;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde) {
		char *end;
		long long v = strtoll(sde, &end, 10);
		if (*end || v < 0 || sde[0] == '-' || sde[0] == '+')
			return crc_err(err, CRC_EINVALID,
				       "SOURCE_DATE_EPOCH='%s' is not a number of seconds since 1970", sde);
		pl->epoch = v;
	}
	if (!pl->source.commit[0])
		cli_verbose(cli, "no git commit for %s: the drop id says 'nogit'", pl->root);
	pl->have_inputs = 1;
	return 0;
}

int planning_load(struct cli *cli, struct planning *pl, const struct planning_args *a, int build_jobs,
		  int with_inputs)
{
	struct crc_error err;
	const char *triples[CRC_PROFILE_MAX_TARGETS];
	size_t ntriples = a->ntriples;
	int rc;
	memset(pl, 0, sizeof *pl);
	crc_arena_init(&pl->arena, (size_t)1 << 20);
	if (!a->name)
		return cli_usage(cli, "missing --profile NAME (crc profiles lists them)");
	if (!getcwd(pl->root, sizeof pl->root)) {
		cli_error(cli, "cannot tell the current directory");
		return CLI_EXIT_IO;
	}
	if ((rc = crc_gates_load(&pl->gates, ".", &err)) ||
	    (rc = crc_profile_load(&pl->profile, ".", pl->gates, a->name, a->sets, a->nsets, &err)))
		return cli_report(cli, rc, &err);
	const struct crc_profile *p = pl->profile;
	for (size_t k = 0; k < ntriples; k++) {
		size_t i = 0;
		while (i < p->ntargets && strcmp(p->targets[i].triple, a->triples[k]) != 0)
			i++;
		if (i == p->ntargets)
			return cli_usage(cli, "target '%s' is not one of profile %s's targets", a->triples[k],
					 p->name);
		triples[k] = a->triples[k];
	}
	if (!ntriples)
		for (size_t i = 0; i < p->ntargets; i++)
			triples[ntriples++] = p->targets[i].triple;
	for (size_t i = 0; i < p->ntargets; i++)
		if ((rc = crc_toolchain_load(&pl->toolchains[i], ".", p->targets[i].triple, &err)))
			return cli_report(cli, rc, &err);
	/* The planned targets' tools must be installed: a plan that cannot run is an error. */
	for (size_t k = 0; k < ntriples; k++)
		for (size_t i = 0; i < p->ntargets; i++)
			if (strcmp(p->targets[i].triple, triples[k]) == 0 &&
			    crc_toolchain_find_tools(pl->toolchains[i], getenv("PATH"), &err))
				return cli_report(cli, CRC_EINVALID, &err);
	/* So must the post-link optimizer of the planned targets, when the profile asks for it (wasm_opt). */
	for (size_t k = 0; k < ntriples && strcmp(p->optimization.wasm_opt, "off") != 0; k++)
		for (size_t i = 0; i < p->ntargets; i++)
			if (strcmp(p->targets[i].triple, triples[k]) == 0 &&
			    crc_toolchain_find_optimizer(pl->toolchains[i], getenv("PATH"), &err))
				return cli_report(cli, CRC_EINVALID, &err);
	/* ccache when the profile asks for it (then it must be there) or, by default, when it is installed.
	 */
	pl->launcher = NULL;
	if (strcmp(p->compiler_cache, "off") != 0) {
		if (crc_toolchain_on_path("ccache", getenv("PATH")))
			pl->launcher = "ccache";
		else if (strcmp(p->compiler_cache, "ccache") == 0) {
			cli_error(cli,
				  "profile %s asks for compiler_cache: ccache, but ccache is not on PATH: "
				  "install the "
				  "Debian package 'ccache' (or set compiler_cache: auto)",
				  p->name);
			return CLI_EXIT_INPUT;
		}
	}
	int jobs = a->jobs;
	if (!jobs) {
		long n = cli_cpus();
		jobs = n <= 1024 ? (int)n : 1;
	}
	struct crc_plan_options o = {pl->root, cli->storage, a->drop_id ? a->drop_id : "pending",
				     build_jobs ? build_jobs : jobs};
	if ((rc = crc_plan_make(&pl->plan, p, (const struct crc_toolchain *const *)pl->toolchains, triples,
				ntriples, pl->gates, &o, &err)))
		return cli_report(cli, rc, &err);
	for (size_t i = 0; i < pl->plan->ntargets && !pl->lambda_template_path; i++)
		if (pl->plan->targets[i].lambda_zip) {
			pl->lambda_template_path = CRC_LAMBDA_TEMPLATE;
			if ((rc = crc_os_read_file(&pl->lambda_template, CRC_LAMBDA_TEMPLATE,
						   CRC_LAMBDA_TEMPLATE_MAX, &err))) {
				cli_error(cli,
					  "profile %s has the lambda gate, whose drops need the SAM "
					  "template: %s",
					  p->name, err.msg);
				return cli_exit_for(rc);
			}
		}
	for (size_t i = 0; i < pl->plan->ntargets && !pl->docker_template_path; i++)
		if (pl->plan->targets[i].toolchain->image_architecture) {
			pl->docker_template_path = CRC_DOCKERFILE_TEMPLATE;
			if ((rc = crc_os_read_file(&pl->docker_template, CRC_DOCKERFILE_TEMPLATE,
						   CRC_DOCKERFILE_TEMPLATE_MAX, &err))) {
				cli_error(
					cli,
					"profile %s has Linux targets, whose drops ship an OCI image and its "
					"Dockerfile: %s",
					p->name, err.msg);
				return cli_exit_for(rc);
			}
		}
	if ((with_inputs || !a->drop_id) && (rc = read_inputs(cli, pl, &err)))
		return cli_report(cli, rc, &err);
	if (!a->drop_id) {
		char id[128];
		crc_source_drop_id(id, sizeof id, pl->epoch, &pl->source, pl->inputs_sha256);
		if ((rc = crc_plan_set_drop_id(pl->plan, id, &err)))
			return cli_report(cli, rc, &err);
	}
	return CLI_EXIT_OK;
}

const struct crc_assemble_inputs *planning_assemble_inputs(struct planning *pl)
{
	for (size_t i = 0; i < pl->plan->ntargets; i++)
		pl->version_of[i] = pl->versions[i];
	pl->lambda = (struct crc_drop_template){crc_buf_str(&pl->lambda_template), pl->lambda_template.len,
						pl->lambda_template_path};
	pl->docker = (struct crc_drop_template){crc_buf_str(&pl->docker_template), pl->docker_template.len,
						pl->docker_template_path};
	pl->assemble = (struct crc_assemble_inputs){pl->plan,
						    pl->root,
						    pl->epoch,
						    &pl->source,
						    pl->version_of,
						    pl->lambda_template_path ? &pl->lambda : NULL,
						    pl->docker_template_path ? &pl->docker : NULL};
	return &pl->assemble;
}

void planning_free(struct planning *pl)
{
	crc_plan_free(pl->plan);
	for (size_t i = 0; i < CRC_PROFILE_MAX_TARGETS; i++)
		crc_toolchain_free(pl->toolchains[i]);
	crc_profile_free(pl->profile);
	crc_gates_free(pl->gates);
	crc_buf_free(&pl->lambda_template);
	crc_buf_free(&pl->docker_template);
	crc_arena_free(&pl->arena);
	memset(pl, 0, sizeof *pl);
}
