/* crc push (DROP | --profile NAME --drop-id ID) REF: pushes a drop to an OCI registry. The drop must verify
 * (shallow) first. When it holds an OCI image layout (image/: oci-layout, index.json, blobs/sha256/), every
 * blob and manifest that index.json references (through nested indexes too) goes up, then the index at
 * REF's tag. The drop itself goes up as an OCI artifact (crc/oci.h) at the tag <tag>.drop: every file of the
 * drop a layer. Blobs the registry has are skipped (HEAD first). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "crc/digest.h"
#include "crc/json.h"
#include "crc/oci.h"
#include "crc/os.h"
#include "crc/registry.h"
#include "crc/verify.h"
#include "drops.h"
#include "exit.h"
#include "remote.h"

const struct opt cmd_push_opts[] = {
	DROPS_OPTS,
	REMOTE_PUSH_OPTS,
	{0, 0, NULL, NULL, NULL},
};

/* Nesting of indexes followed in an image layout. */
#define MAX_DEPTH 4

struct push {
	const struct cli *cli;
	struct crc_registry *reg;
	const char *repo;
	/* The image layout's directory. */
	char layout[4096];
	/* The manifests pushed already: index.json names each image's manifest twice (through the nested
	 * index, and directly for tools that do not follow one). */
	char (*done)[72];
	size_t ndone;
	struct crc_error err;
};

static int blob_path(char *out, size_t size, const struct push *p, const char *digest, struct crc_error *err)
{
	int n = snprintf(out, size, "%s/blobs/sha256/%s", p->layout, digest + 7);
	if (n < 0 || (size_t)n >= size)
		return crc_err(err, CRC_EINVALID, "path too long");
	return 0;
}

/* Pushes one blob of the layout, after checking that the file is what its descriptor says. */
static int push_layout_blob(struct push *p, const struct crc_oci_desc *d)
{
	char path[4200], hex[CRC_SHA256_HEX];
	unsigned long long size;
	int rc = blob_path(path, sizeof path, p, d->digest, &p->err);
	if (rc || (rc = crc_sha256_file(hex, &size, path, &p->err)) != 0)
		return rc;
	if (strcmp(hex, d->digest + 7) != 0 || size != d->size)
		return crc_err(&p->err, CRC_EVERIFY, "%s: does not match its descriptor (%s, %llu bytes)",
			       path, d->digest, d->size);
	return crc_registry_blob_push_file(p->reg, p->repo, path, d->digest, size, &p->err);
}

/* Pushes what manifest or index d references, then d itself by digest. */
static int push_manifest(struct push *p, const struct crc_oci_desc *d, int depth)
{
	char path[4200], hex[CRC_SHA256_HEX];
	struct crc_buf text;
	struct crc_oci_desc *refs = NULL;
	size_t n = 0;
	int is_index, rc;
	if (depth > MAX_DEPTH)
		return crc_err(&p->err, CRC_EINVALID, "image layout: indexes nested deeper than %d",
			       MAX_DEPTH);
	for (size_t i = 0; i < p->ndone; i++)
		if (strcmp(p->done[i], d->digest) == 0)
			return 0;
	crc_buf_init(&text);
	if ((rc = blob_path(path, sizeof path, p, d->digest, &p->err)) != 0 ||
	    (rc = crc_os_read_file(&text, path, CRC_REGISTRY_MANIFEST_MAX, &p->err)) != 0 ||
	    (rc = crc_sha256_buf(hex, crc_buf_str(&text), text.len, &p->err)) != 0)
		goto out;
	if (strcmp(hex, d->digest + 7) != 0 || text.len != d->size) {
		rc = crc_err(&p->err, CRC_EVERIFY, "%s: does not match its descriptor", path);
		goto out;
	}
	if ((rc = crc_oci_references(&refs, &n, &is_index, crc_buf_str(&text), text.len, &p->err)) != 0) {
		char msg[CRC_ERROR_MSG_MAX];
		snprintf(msg, sizeof msg, "%s", p->err.msg);
		rc = crc_err(&p->err, rc, "%s: %s", path, msg);
		goto out;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = is_index ? push_manifest(p, &refs[i], depth + 1) : push_layout_blob(p, &refs[i]);
	if (rc == 0)
		rc = crc_registry_manifest_put(p->reg, p->repo, d->digest, d->media_type, crc_buf_str(&text),
					       text.len, &p->err);
	if (rc == 0 && p->ndone < CRC_OCI_MAX_DESCRIPTORS) {
		char(*done)[72] = realloc(p->done, (p->ndone + 1) * sizeof *p->done);
		if (!done) {
			rc = crc_err(&p->err, CRC_ENOMEM, "out of memory");
			goto out;
		}
		p->done = done;
		snprintf(p->done[p->ndone++], sizeof *p->done, "%s", d->digest);
	}
out:
	free(refs);
	crc_buf_free(&text);
	return rc;
}

/* Pushes the image layout under dir/image, then its index.json at tag. */
static int push_layout(struct push *p, const char *tag)
{
	char path[4200];
	struct crc_buf text;
	struct crc_oci_desc *refs = NULL;
	size_t n = 0;
	int is_index, rc;
	crc_buf_init(&text);
	snprintf(path, sizeof path, "%s/index.json", p->layout);
	if ((rc = crc_os_read_file(&text, path, CRC_REGISTRY_MANIFEST_MAX, &p->err)) != 0)
		goto out;
	if ((rc = crc_oci_references(&refs, &n, &is_index, crc_buf_str(&text), text.len, &p->err)) != 0 ||
	    !is_index) {
		rc = crc_err(&p->err, CRC_EINVALID, "%s: not an OCI image index", path);
		goto out;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = push_manifest(p, &refs[i], 1);
	if (rc == 0)
		rc = crc_registry_manifest_put(p->reg, p->repo, tag, CRC_OCI_INDEX_TYPE, crc_buf_str(&text),
					       text.len, &p->err);
out:
	free(refs);
	crc_buf_free(&text);
	return rc;
}

/* The drop's regular files as layers (hashed), sorted by name. */
static int drop_layers(struct crc_oci_drop *d, const char *dir, const struct crc_verify_report *vr,
		       struct crc_error *err)
{
	char **names = NULL, path[4400];
	size_t n = 0, cap = 0;
	int dirfd, rc = crc_os_open_dir(&dirfd, AT_FDCWD, dir, 0, err);
	if (rc || (rc = crc_os_list_dir(&names, &n, dirfd, "", dir, err)) != 0)
		goto out;
	/* Sorted by name already. */
	for (size_t i = 0; i < n; i++) {
		const char *name = names[i];
		struct stat st;
		if (name[0] == '.')
			continue;
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (strlen(name) >= sizeof d->layers[0].title || d->n >= CRC_OCI_MAX_LAYERS) {
			rc = crc_err(err, CRC_EINVALID, "%s: too many files or too long a name", dir);
			goto out;
		}
		struct crc_oci_desc *l = crc_grow(d->layers, &cap, d->n + 1, sizeof *l);
		if (!l) {
			rc = crc_err(err, CRC_ENOMEM, "out of memory");
			goto out;
		}
		d->layers = l;
		l = &d->layers[d->n];
		memset(l, 0, sizeof *l);
		memcpy(l->title, name, strlen(name) + 1);
		snprintf(l->media_type, sizeof l->media_type, "%s", crc_oci_media_type(name));
		d->n++;
	}
out:
	crc_os_names_free(names, n);
	if (dirfd >= 0)
		close(dirfd);
	if (rc)
		return rc;
	/* The check before the push hashed most files already: their sizes and hashes are taken from it, and
	 * the others (the signature) are hashed here. A file that changes after it is caught by the registry,
	 * which checks every blob's digest before it takes it, and the push fails. */
	for (size_t i = 0; i < d->n; i++) {
		char hex[CRC_SHA256_HEX] = "";
		unsigned long long size = 0;
		for (size_t k = 0; k < vr->nfiles && !hex[0]; k++) {
			const struct crc_verify_file *f = &vr->files[k];
			if (f->ok && f->sha256[0] && strcmp(f->kind, "extra") != 0 &&
			    strcmp(f->name, d->layers[i].title) == 0) {
				memcpy(hex, f->sha256, sizeof hex);
				size = f->size;
			}
		}
		snprintf(path, sizeof path, "%s/%s", dir, d->layers[i].title);
		if (!hex[0] && (rc = crc_sha256_file(hex, &size, path, err)) != 0)
			return rc;
		d->layers[i].size = size;
		snprintf(d->layers[i].digest, sizeof d->layers[i].digest, "sha256:%s", hex);
	}
	return 0;
}

static int print_result(const struct cli *cli, const struct crc_registry_ref *ref, const char *drop_tag,
			const struct crc_oci_drop *d, const char *digest, int image,
			const struct crc_registry_stats *s)
{
	if (cli->json) {
		struct crc_json *j = crc_json_object();
		int bad = !j || crc_json_set_str(j, "schema", "crc.push/v1") ||
			  crc_json_set_str(j, "profile", d->profile) ||
			  crc_json_set_str(j, "drop_id", d->drop_id) ||
			  crc_json_set_str(j, "registry", ref->host) ||
			  crc_json_set_str(j, "repository", ref->repo) ||
			  crc_json_set_str(j, "tag", drop_tag) || crc_json_set_str(j, "digest", digest) ||
			  crc_json_set_str(j, "image_tag", image ? ref->tag : NULL) ||
			  crc_json_set_int(j, "files", (int64_t)d->n) ||
			  crc_json_set_int(j, "blobs_pushed", (int64_t)s->blobs_pushed) ||
			  crc_json_set_int(j, "blobs_skipped", (int64_t)s->blobs_skipped) ||
			  crc_json_set_int(j, "blobs_chunked", (int64_t)s->blobs_chunked) ||
			  crc_json_set_int(j, "bytes_pushed", (int64_t)s->bytes_pushed);
		char *text = bad ? NULL : crc_json_render(j, 1);
		crc_json_free(j);
		return cli_print_json(cli, text);
	}
	if (image)
		printf("pushed image %s/%s:%s\n", ref->host, ref->repo, ref->tag);
	printf("pushed %s/%s to %s/%s:%s (%s): %zu files; blobs: %lu uploaded (%lu in chunks), %lu already "
	       "there; %llu bytes\n",
	       d->profile, d->drop_id, ref->host, ref->repo, drop_tag, digest, d->n, s->blobs_pushed,
	       s->blobs_chunked, s->blobs_skipped, s->bytes_pushed);
	return CLI_EXIT_OK;
}

int cmd_push(struct cli *cli, int argc, char **argv)
{
	struct opt_parser op;
	struct drop_arg da = {NULL, NULL, NULL};
	struct crc_registry_options ro;
	struct crc_registry_ref ref;
	struct crc_verify_report vr;
	struct crc_verify_options vo = {.threads = 1};
	struct crc_oci_drop d;
	struct push p;
	struct stat st;
	const char *args[2] = {NULL, NULL};
	char dir[4096], drop_tag[CRC_REGISTRY_TAG_MAX + 8], hex[CRC_SHA256_HEX],
		digest[CRC_REGISTRY_DIGEST_SIZE];
	char *text = NULL;
	size_t len = 0, nargs = 0;
	int id, status = CLI_EXIT_OK, rc, image = 0;
	memset(&ro, 0, sizeof ro);
	memset(&d, 0, sizeof d);
	memset(&p, 0, sizeof p);
	memset(&vr, 0, sizeof vr);
	cli_parse_begin(cli, &op, argc, argv);
	while ((id = cli_next(cli, &op, &status)) != OPT_END) {
		if (id == CLI_STOP)
			return status;
		if (id == OPT_ARG) {
			if (nargs == 2)
				return cli_usage(cli, "unexpected argument '%s' (expected DROP and REF)",
						 op.arg);
			args[nargs++] = op.arg;
			continue;
		}
		int took = drop_arg_option(cli, &da, id, op.arg, &status);
		if (took == 0)
			took = remote_option(cli, &ro, id, op.arg, &status);
		if (took == CLI_STOP)
			return status;
	}
	/* REF is the last argument; DROP the one before it, unless --profile and --drop-id name the drop. */
	if (nargs == 0)
		return cli_usage(cli, "which registry? give REF (host[:port]/repo:tag)");
	da.path = nargs == 2 ? args[0] : NULL;
	const char *ref_text = args[nargs - 1];
	struct drop_place place;
	if ((status = drop_arg_place(cli, &da, &place)) != 0)
		return status;
	drop_place_expect(&place, &vo);
	snprintf(dir, sizeof dir, "%s", place.dir);
	if ((rc = crc_registry_ref_parse(&ref, ref_text, &p.err)) != 0)
		return cli_usage(cli, "bad REF '%s': %s", ref_text, p.err.msg);
	if (!ref.tag[0] || ref.digest[0])
		return cli_usage(cli, "REF '%s' needs a tag (host[:port]/repo:tag), not a digest", ref_text);
	if (strlen(ref.tag) + 5 > CRC_REGISTRY_TAG_MAX)
		return cli_usage(cli,
				 "tag '%s' too long: the drop goes to '<tag>.drop', at most %d characters",
				 ref.tag, CRC_REGISTRY_TAG_MAX);
	snprintf(drop_tag, sizeof drop_tag, "%s.drop", ref.tag);
	int n = snprintf(p.layout, sizeof p.layout, "%s/image", dir);
	if (n < 0 || (size_t)n >= sizeof p.layout)
		return cli_usage(cli, "drop path too long");
	image = lstat(p.layout, &st) == 0 && S_ISDIR(st.st_mode);
	/* What goes out must hold: a shallow check (the image layout, when there is one, is not the
	 * manifest's). */
	vo.allow_extra = image;
	rc = crc_verify_drop(&vr, dir, &vo, &p.err);
	if (rc) {
		for (size_t i = 0; i < vr.nproblems; i++)
			cli_error(cli, "%s: %s", vr.problems[i].file, vr.problems[i].msg);
		cli_error(cli, "%s does not verify: nothing pushed", dir);
		status = rc == CRC_EVERIFY ? CLI_EXIT_VERIFY : CLI_EXIT_INPUT;
		goto out;
	}
	snprintf(d.drop_id, sizeof d.drop_id, "%s", vr.manifest->drop_id);
	snprintf(d.profile, sizeof d.profile, "%s", vr.manifest->profile);
	if ((rc = drop_layers(&d, dir, &vr, &p.err)) != 0 ||
	    (rc = crc_oci_drop_render(&text, &len, &d, &p.err)) != 0 ||
	    (rc = crc_sha256_buf(hex, text, len, &p.err)) != 0) {
		status = cli_report(cli, rc, &p.err);
		goto out;
	}
	snprintf(digest, sizeof digest, "sha256:%s", hex);
	if ((status = remote_open(cli, &p.reg, ref.host, &ro)) != 0)
		goto out;
	p.cli = cli;
	p.repo = ref.repo;
	if (image && (rc = push_layout(&p, ref.tag)) != 0) {
		status = cli_report(cli, rc, &p.err);
		goto out;
	}
	rc = crc_registry_blob_push_buf(p.reg, ref.repo, "{}", 2, CRC_OCI_EMPTY_DIGEST, &p.err);
	for (size_t i = 0; rc == 0 && i < d.n; i++) {
		char path[4400];
		snprintf(path, sizeof path, "%s/%s", dir, d.layers[i].title);
		cli_verbose(cli, "push: %s (%llu bytes)", d.layers[i].title, d.layers[i].size);
		rc = crc_registry_blob_push_file(p.reg, ref.repo, path, d.layers[i].digest, d.layers[i].size,
						 &p.err);
	}
	if (rc == 0)
		rc = crc_registry_manifest_put(p.reg, ref.repo, drop_tag, CRC_OCI_MANIFEST_TYPE, text, len,
					       &p.err);
	if (rc) {
		status = cli_report(cli, rc, &p.err);
		goto out;
	}
	status = print_result(cli, &ref, drop_tag, &d, digest, image, crc_registry_stats(p.reg));
out:
	crc_registry_free(p.reg);
	free(p.done);
	crc_verify_report_free(&vr);
	crc_oci_drop_free(&d);
	free(text);
	return status;
}
