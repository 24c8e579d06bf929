/* crc verify DROP [--deep] [--pubkey PUB | --require-signature] [--allow-extra] [-j N] [--json]: checks a
 * drop against its manifest.yaml before anything deploys it, like signify -C: every problem is reported
 * (one line on stderr each, or the "problems" of the JSON report), then the exit code says whether the drop
 * holds: 0 yes, 1 no, 3 when the drop or its manifest cannot be read or is malformed. The work is in the
 * core (crc/verify.h); the signature over manifest.yaml is checked here with crc/sign.h and added to the
 * same report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "crc/json.h"
#include "crc/sign.h"
#include "crc/verify.h"
#include "drops.h"
#include "exit.h"

enum { O_DEEP = 1, O_PUBKEY, O_REQUIRE_SIG, O_ALLOW_EXTRA, O_JOBS };

const struct opt cmd_verify_opts[] = {
	DROPS_OPTS,
	{O_DEEP, 0, "deep", NULL, "also check every entry inside every archive"},
	{O_PUBKEY, 0, "pubkey", "PUB", "require a valid signature by this public key (from crc keygen)"},
	{O_REQUIRE_SIG, 0, "require-signature", NULL, "require a signature by the key in $CRC_PUBKEY"},
	{O_ALLOW_EXTRA, 0, "allow-extra", NULL, "accept files in the drop that the manifest does not list"},
	{O_JOBS, 'j', "jobs", "N", "files hashed at once (default: the number of CPUs)"},
	{0, 0, NULL, NULL, NULL},
};

/* The signature's part of the report. */
struct sig {
	/* The public key file, or NULL when no signature is required. */
	const char *pubkey;
	int ok;
	char key_id[64];
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct crc_json *report_json(const struct crc_verify_report *r, const char *dir,
				    const struct crc_verify_options *o, const struct sig *s, double seconds)
{
	struct crc_json *j = crc_json_object(), *files = crc_json_array(), *probs = crc_json_array();
	struct crc_json *sj = crc_json_object();
	const struct crc_manifest *m = r->manifest;
	int bad = !j || !files || !probs || !sj;
	bad |= crc_json_set_str(j, "schema", "crc.verify/v1") || crc_json_set_str(j, "drop", dir) ||
	       crc_json_set_str(j, "drop_id", m ? m->drop_id : NULL) ||
	       crc_json_set_str(j, "profile", m ? m->profile : NULL) ||
	       crc_json_set_bool(j, "ok", r->nproblems + r->dropped == 0) ||
	       crc_json_set_bool(j, "deep", o->deep) || crc_json_set_bool(j, "allow_extra", o->allow_extra);
	bad |= crc_json_set_bool(sj, "required", s->pubkey != NULL) ||
	       crc_json_set_bool(sj, "ok", s->pubkey && s->ok) ||
	       crc_json_set_str(sj, "key_id", s->key_id[0] ? s->key_id : NULL);
	bad |= crc_json_set(j, "signature", sj);
	for (size_t i = 0; i < r->nfiles; i++) {
		const struct crc_verify_file *f = &r->files[i];
		struct crc_json *fj = crc_json_object();
		bad |= !fj || crc_json_set_str(fj, "name", f->name) ||
		       crc_json_set_str(fj, "kind", f->kind) ||
		       crc_json_set_int(fj, "size", (int64_t)f->size) ||
		       crc_json_set_str(fj, "sha256", f->sha256[0] ? f->sha256 : NULL) ||
		       crc_json_set_str(fj, "expected_sha256",
					f->expected_sha256[0] ? f->expected_sha256 : NULL);
		if (!strcmp(f->kind, "artifact"))
			bad |= crc_json_set_int(fj, "expected_size", (int64_t)f->expected_size) ||
			       crc_json_set_int(fj, "entries_checked", (int64_t)f->entries);
		bad |= crc_json_set_bool(fj, "ok", f->ok) || crc_json_push(files, fj);
	}
	for (size_t i = 0; i < r->nproblems; i++) {
		const struct crc_verify_problem *p = &r->problems[i];
		struct crc_json *pj = crc_json_object();
		bad |= !pj || crc_json_set_str(pj, "file", p->file) ||
		       crc_json_set_str(pj, "message", p->msg) ||
		       crc_json_set_str(pj, "kind",
					p->code == CRC_EVERIFY    ? "mismatch"
					: p->code == CRC_EINVALID ? "malformed"
								  : "unreadable") ||
		       crc_json_push(probs, pj);
	}
	bad |= crc_json_set(j, "files", files) || crc_json_set(j, "problems", probs) ||
	       crc_json_set_int(j, "problems_not_shown", (int64_t)r->dropped) ||
	       crc_json_set_int(j, "bytes", (int64_t)r->bytes) || crc_json_set_number(j, "seconds", seconds);
	if (bad) {
		crc_json_free(j);
		return NULL;
	}
	return j;
}

int cmd_verify(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	struct drop_arg da = {NULL, NULL, NULL};
	struct drop_place place;
	struct crc_verify_options o = {.threads = (size_t)cli_cpus()};
	struct crc_verify_report r;
	struct crc_sign_key *key = NULL;
	struct crc_error err;
	struct sig s = {NULL, 0, ""};
	int id, status = CLI_EXIT_OK, require = 0;
	cli_parse_begin(cli, &op, argc, argv);
	while ((id = cli_next(cli, &op, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		int took = drop_arg_option(cli, &da, id, op.arg, &status);
		if (took == CLI_STOP)
			return status;
		if (took)
			continue;
		switch (id) {
		case O_DEEP:
			o.deep = 1;
			break;
		case O_PUBKEY:
			s.pubkey = op.arg;
			break;
		case O_REQUIRE_SIG:
			require = 1;
			break;
		case O_ALLOW_EXTRA:
			o.allow_extra = 1;
			break;
		case O_JOBS: {
			long v;
			if (cli_number(op.arg, 1, 64, &v))
				return cli_usage(cli, "bad -j value '%s' (expected 1 to 64)", op.arg);
			o.threads = (size_t)v;
			break;
		}
		}
	}
	if ((status = drop_arg_place(cli, &da, &place)) != 0 ||
	    (status = drop_pubkey(cli, s.pubkey, require, &s.pubkey)) != 0 ||
	    (status = drop_load_pubkey(cli, s.pubkey, &key)) != 0)
		return status;
	const char *dir = place.dir;
	drop_place_expect(&place, &o);
	o.key = key;
	double t0 = now();
	int rc = crc_verify_drop(&r, dir, &o, &err);
	double seconds = now() - t0;
	snprintf(s.key_id, sizeof s.key_id, "%s", r.key_id);
	s.ok = r.signature_checked && r.manifest;
	for (size_t i = 0; i < r.nproblems; i++)
		if (strcmp(r.problems[i].file, "manifest.yaml.sig") == 0)
			s.ok = 0;
	if (cli->json) {
		struct crc_json *j = report_json(&r, dir, &o, &s, seconds);
		char *text = j ? crc_json_render(j, 1) : NULL;
		crc_json_free(j);
		status = cli_print_json(cli, text);
	} else {
		for (size_t i = 0; i < r.nproblems; i++)
			cli_error(cli, "%s: %s", r.problems[i].file, r.problems[i].msg);
		if (r.dropped)
			cli_error(cli, "%zu more problems not shown", r.dropped);
		if (rc == 0) {
			double mb = (double)r.bytes / 1e6;
			printf("ok: %s: %s, %zu files, %.1f MB in %.3f s (%.2f GB/s)%s%s%s\n", dir,
			       r.manifest->drop_id, r.nfiles, mb, seconds,
			       seconds > 0 ? mb / 1e3 / seconds : 0.0, o.deep ? ", deep" : "",
			       s.pubkey ? ", signed by key " : "", s.pubkey ? s.key_id : "");
		} else if (r.manifest || r.signature_checked) {
			cli_error(cli, "%s: FAILED: %zu problem%s", dir, r.mismatches + r.unreadable,
				  r.mismatches + r.unreadable == 1 ? "" : "s");
		}
	}
	crc_verify_report_free(&r);
	crc_sign_key_free(key);
	if (status != CLI_EXIT_OK)
		return status;
	/* A drop or manifest that cannot be read is bad input, like a malformed one. */
	return rc == CRC_EIO ? CLI_EXIT_INPUT : cli_exit_for(rc);
}
