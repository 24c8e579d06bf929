/* crc pull REF: fetches a drop pushed by crc push (the artifact at <tag>.drop, or REF's own tag when it ends
 * in .drop, or a digest) into a hidden temporary directory of the storage, checks every blob's digest
 * while writing it, verifies the drop deeply (and its signature when a key is given), and only then
 * publishes it with one atomic rename. On any failure the temporary directory is removed: nothing
 * half-written is left, and nothing unverified is published. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "crc/assemble.h"
#include "crc/image.h"
#include "crc/json.h"
#include "crc/manifest.h"
#include "crc/oci.h"
#include "crc/os.h"
#include "crc/registry.h"
#include "crc/store.h"
#include "crc/verify.h"
#include "drops.h"
#include "exit.h"
#include "remote.h"

enum { O_PUBKEY = 1, O_REQUIRE_SIG, O_FORCE };

const struct opt cmd_pull_opts[] = {
	{O_PUBKEY, 0, "pubkey", "PUB", "require a valid signature by this public key (from crc keygen)"},
	{O_REQUIRE_SIG, 0, "require-signature", NULL, "require a signature by the key in $CRC_PUBKEY"},
	{O_FORCE, 0, "force", NULL, "replace a drop of the same id in storage"},
	REMOTE_OPTS,
	{0, 0, NULL, NULL, NULL},
};

static void on_busy(void *ctx)
{
	cli_info(ctx, "waiting for another crc that holds the storage's lock");
}

/* Downloads every layer into tmp, each file created new. */
static int fetch_layers(struct crc_registry *reg, const char *repo, const struct crc_oci_drop *d,
			const char *tmp, struct crc_error *err)
{
	char path[CRC_STORE_PATH_MAX + 300];
	for (size_t i = 0; i < d->n; i++) {
		const struct crc_oci_desc *l = &d->layers[i];
		int fd, rc;
		if ((rc = crc_os_join(path, sizeof path, tmp, l->title, err)) ||
		    (rc = crc_os_create_file(&fd, path, 0644, CRC_OS_NEW, err)))
			return rc;
		rc = crc_registry_blob_get(reg, repo, l->digest, l->size, fd, err);
		if (close(fd) && rc == 0)
			rc = crc_err_os(err, "cannot write", path, errno);
		if (rc) {
			char msg[CRC_ERROR_MSG_MAX];
			snprintf(msg, sizeof msg, "%s", err->msg);
			return crc_err(err, rc, "%s: %s", l->title, msg);
		}
	}
	return 0;
}

/* Downloads the blob digest (size bytes) into the new file path. */
static int fetch_blob(struct crc_registry *reg, const char *repo, const char *digest, unsigned long long size,
		      const char *path, struct crc_error *err)
{
	int fd, rc = crc_os_create_file(&fd, path, 0644, CRC_OS_NEW, err);
	if (rc)
		return rc;
	rc = crc_registry_blob_get(reg, repo, digest, size, fd, err);
	if (close(fd) && rc == 0)
		rc = crc_err_os(err, "cannot write", path, errno);
	return rc;
}

/* What fetch_one needs: the registry and repository, and where the layout's blobs go. */
struct fetch {
	struct crc_registry *reg;
	const char *repo, *blobs;
	struct crc_buf text;
};

/* Fetches one blob of the image layout by digest: a layer or config into its file (its size capped like
 * an artifact's, since the manifest is not verified yet), an image manifest through the manifests API. */
static int fetch_one(void *ctx, const struct crc_assemble_blob *b, struct crc_error *err)
{
	struct fetch *f = ctx;
	char digest[80], path[CRC_STORE_PATH_MAX + 300], media_type[256], got[CRC_REGISTRY_DIGEST_SIZE];
	snprintf(digest, sizeof digest, "sha256:%.64s", b->sha256);
	int n = snprintf(path, sizeof path, "%s/%.64s", f->blobs, b->sha256);
	if (n < 0 || (size_t)n >= sizeof path)
		return crc_err(err, CRC_EINVALID, "path too long: %s", f->blobs);
	if (strcmp(b->kind, "manifest") != 0)
		return b->size > CRC_OCI_MAX_LAYER_BYTES
			       ? crc_err(err, CRC_EINVALID, "%s: %llu bytes, over the cap of %llu", digest,
					 b->size, CRC_OCI_MAX_LAYER_BYTES)
			       : fetch_blob(f->reg, f->repo, digest, b->size, path, err);
	f->text.len = 0;
	int rc = crc_registry_manifest_get(f->reg, f->repo, digest, CRC_OCI_MANIFEST_TYPE, &f->text,
					   media_type, sizeof media_type, got, err);
	if (!rc && f->text.len != b->size)
		rc = crc_err(err, CRC_EVERIFY, "image manifest %s: %zu bytes, not %llu", digest, f->text.len,
			     b->size);
	if (!rc)
		rc = crc_os_write_file(path, f->text.data, f->text.len, 0644, err);
	return rc;
}

/* The drop's OCI image layout, when its manifest.yaml (already in tmp, not yet verified: every digest is
 * checked as it arrives, and the whole drop after) gives its targets images: each blob once
 * (crc_assemble_each_blob), then the index and index.json, which are a function of the manifest
 * (crc_assemble_index). */
static int fetch_image(struct crc_registry *reg, const char *repo, const char *tmp, struct crc_error *err)
{
	struct crc_manifest *m = NULL;
	char path[CRC_STORE_PATH_MAX + 300], layout[CRC_STORE_PATH_MAX + 16];
	int n = snprintf(path, sizeof path, "%s/manifest.yaml", tmp);
	if (n < 0 || (size_t)n >= sizeof path)
		return crc_err(err, CRC_EINVALID, "path too long: %s", tmp);
	int rc = crc_manifest_load(&m, path, err);
	if (rc || crc_image_count(m) == 0) {
		crc_manifest_free(m);
		/* A manifest.yaml that does not parse is for crc verify to report. */
		return rc == CRC_ENOMEM ? rc : 0;
	}
	snprintf(layout, sizeof layout, "%s/%s", tmp, CRC_IMAGE_DIR);
	snprintf(path, sizeof path, "%s/blobs/sha256", layout);
	struct fetch f = {reg, repo, path, {0}};
	crc_buf_init(&f.text);
	if ((rc = crc_os_mkdirs(path, err)) == 0 && (rc = crc_assemble_each_blob(m, fetch_one, &f, err)) == 0)
		rc = crc_assemble_index(layout, m, err);
	if (rc) {
		char msg[CRC_ERROR_MSG_MAX];
		snprintf(msg, sizeof msg, "%s", err->msg);
		rc = crc_err(err, rc, "image: %s", msg);
	}
	crc_buf_free(&f.text);
	crc_manifest_free(m);
	return rc;
}

/* Verifies the drop in tmp deeply (and its signature with key), as the drop the artifact's annotations
 * name: prints the problems, returns an exit code. */
static int verify_tmp(const struct cli *cli, const char *tmp, const struct crc_sign_key *key,
		      const struct crc_oci_drop *d)
{
	struct crc_verify_options o = {.deep = 1,
				       .threads = (size_t)cli_cpus(),
				       .key = key,
				       .profile = d->profile,
				       .drop_id = d->drop_id,
				       .identity_from = "the artifact's annotations"};
	struct crc_verify_report r;
	struct crc_error err;
	int rc = crc_verify_drop(&r, tmp, &o, &err);
	for (size_t i = 0; i < r.nproblems; i++)
		cli_error(cli, "%s: %s", r.problems[i].file, r.problems[i].msg);
	crc_verify_report_free(&r);
	if (rc == 0)
		return CLI_EXIT_OK;
	cli_error(cli, "%s/%s does not verify: nothing published", d->profile, d->drop_id);
	/* A drop whose files a registry served must verify: anything else is a verification failure. */
	return rc == CRC_ENOMEM ? CLI_EXIT_IO : CLI_EXIT_VERIFY;
}

/* With a key, the signature over the fetched manifest.yaml, before anything parses it (the image's blobs
 * are named there). */
static int check_fetched_signature(const struct cli *cli, const char *tmp, const struct crc_sign_key *key,
				   const struct crc_oci_drop *d)
{
	struct crc_error err;
	if (!key)
		return CLI_EXIT_OK;
	int rc = crc_sign_verify_drop(tmp, key, &err);
	if (rc == 0)
		return CLI_EXIT_OK;
	cli_error(cli, "%s: %s", CRC_SIGN_SIGNATURE, err.msg);
	cli_error(cli, "%s/%s does not verify: nothing published", d->profile, d->drop_id);
	return rc == CRC_ENOMEM ? CLI_EXIT_IO : CLI_EXIT_VERIFY;
}

static int print_result(const struct cli *cli, const char *dir, const struct crc_oci_drop *d,
			const char *digest, const char *key_id, int replaced)
{
	if (cli->json) {
		struct crc_json *j = crc_json_object();
		int bad = !j || crc_json_set_str(j, "schema", "crc.pull/v1") ||
			  crc_json_set_str(j, "profile", d->profile) ||
			  crc_json_set_str(j, "drop_id", d->drop_id) ||
			  crc_json_set_str(j, "drop_dir", dir) || crc_json_set_str(j, "digest", digest) ||
			  crc_json_set_int(j, "files", (int64_t)d->n) ||
			  crc_json_set_str(j, "signed_by", key_id[0] ? key_id : NULL) ||
			  crc_json_set_bool(j, "replaced", replaced);
		char *text = bad ? NULL : crc_json_render(j, 1);
		crc_json_free(j);
		return cli_print_json(cli, text);
	}
	printf("pulled %s/%s (%s) into %s: %zu files, verified deeply%s%s\n", d->profile, d->drop_id, digest,
	       dir, d->n, key_id[0] ? ", signed by key " : "", key_id);
	return CLI_EXIT_OK;
}

int cmd_pull(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	struct crc_registry_options ro;
	struct crc_registry_ref ref;
	struct crc_registry *reg = NULL;
	struct crc_store store = {"", -1, 0};
	struct crc_oci_drop d;
	struct crc_error err;
	struct crc_buf text;
	struct crc_sign_key *key = NULL;
	const char *ref_text = NULL, *pubkey = NULL;
	char reference[CRC_REGISTRY_TAG_MAX + 8], media_type[256], digest[CRC_REGISTRY_DIGEST_SIZE];
	char tmp[CRC_STORE_PATH_MAX] = "", dir[CRC_STORE_PATH_MAX];
	int id, status = CLI_EXIT_OK, rc, require = 0, force = 0, exists = 0;
	memset(&ro, 0, sizeof ro);
	memset(&d, 0, sizeof d);
	crc_buf_init(&text);
	cli_parse_begin(cli, &op, argc, argv);
	while ((id = cli_next(cli, &op, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		int took = remote_option(cli, &ro, id, op.arg, &status);
		if (took == CLI_STOP)
			return status;
		if (took)
			continue;
		switch (id) {
		case OPT_ARG:
			if (ref_text)
				return cli_usage(cli, "unexpected argument '%s' (one REF at a time)", op.arg);
			ref_text = op.arg;
			break;
		case O_PUBKEY:
			pubkey = op.arg;
			break;
		case O_REQUIRE_SIG:
			require = 1;
			break;
		case O_FORCE:
			force = 1;
			break;
		}
	}
	if (!ref_text)
		return cli_usage(cli, "which drop? give REF (host[:port]/repo:tag)");
	if ((status = drop_pubkey(cli, pubkey, require, &pubkey)) != 0)
		return status;
	if (crc_registry_ref_parse(&ref, ref_text, &err))
		return cli_usage(cli, "bad REF '%s': %s", ref_text, err.msg);
	if (ref.digest[0])
		snprintf(reference, sizeof reference, "%s", ref.digest);
	else if (!ref.tag[0])
		return cli_usage(cli, "REF '%s' needs a tag (host[:port]/repo:tag) or a digest", ref_text);
	else {
		size_t n = strlen(ref.tag);
		int has = n >= 5 && strcmp(ref.tag + n - 5, ".drop") == 0;
		snprintf(reference, sizeof reference, "%s%s", ref.tag, has ? "" : ".drop");
	}
	if ((status = drop_load_pubkey(cli, pubkey, &key)) != 0 ||
	    (status = remote_open(cli, &reg, ref.host, &ro)) != 0)
		goto out;
	rc = crc_registry_manifest_get(reg, ref.repo, reference, CRC_OCI_MANIFEST_TYPE, &text, media_type,
				       sizeof media_type, digest, &err);
	if (rc == CRC_ENOTFOUND) {
		cli_error(cli, "%s/%s has no drop at %s (crc push puts a drop at <tag>.drop)", ref.host,
			  ref.repo, reference);
		status = CLI_EXIT_INPUT;
		goto out;
	}
	if (rc == 0 && strcmp(media_type, CRC_OCI_MANIFEST_TYPE) != 0)
		rc = crc_err(&err, CRC_EINVALID, "%s/%s:%s is not a crc drop (media type %.100s)", ref.host,
			     ref.repo, reference, media_type);
	if (rc == 0)
		rc = crc_oci_drop_parse(&d, crc_buf_str(&text), text.len, &err);
	if (rc) {
		status = cli_report(cli, rc, &err);
		goto out;
	}
	int has_manifest = 0;
	for (size_t i = 0; i < d.n; i++)
		has_manifest |= strcmp(d.layers[i].title, "manifest.yaml") == 0;
	if (!has_manifest) {
		cli_error(cli, "%s/%s:%s is not a crc drop: it has no manifest.yaml", ref.host, ref.repo,
			  reference);
		status = CLI_EXIT_INPUT;
		goto out;
	}
	if ((rc = crc_store_open(&store, cli->storage, d.profile, on_busy, cli, &err)) != 0 ||
	    (rc = crc_store_drop_path(dir, &store, d.drop_id, &err)) != 0) {
		status = cli_report(cli, rc, &err);
		goto out;
	}
	exists = crc_store_drop_exists(&store, d.drop_id);
	if (exists && !force) {
		cli_error(cli, "drop %s exists already (--force replaces it)", dir);
		status = CLI_EXIT_INPUT;
		goto out;
	}
	if ((rc = crc_store_begin(tmp, &store, d.drop_id, &err)) != 0 ||
	    (rc = fetch_layers(reg, ref.repo, &d, tmp, &err)) != 0) {
		status = cli_report(cli, rc, &err);
		goto out;
	}
	if ((status = check_fetched_signature(cli, tmp, key, &d)) != 0)
		goto out;
	if ((rc = fetch_image(reg, ref.repo, tmp, &err)) != 0) {
		status = cli_report(cli, rc, &err);
		goto out;
	}
	if ((status = verify_tmp(cli, tmp, key, &d)) != 0)
		goto out;
	if ((rc = crc_store_publish(&store, tmp, d.drop_id, force, &err)) != 0) {
		status = cli_report(cli, rc, &err);
		goto out;
	}
	tmp[0] = '\0';
	status = print_result(cli, dir, &d, digest, key ? crc_sign_key_id(key) : "", exists);
out:
	crc_sign_key_free(key);
	if (tmp[0])
		crc_store_abort(tmp);
	crc_store_close(&store);
	crc_registry_free(reg);
	crc_oci_drop_free(&d);
	crc_buf_free(&text);
	return status;
}
