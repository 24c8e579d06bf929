/* OCI image layouts: staging a target's root file system (the installed tree under usr/local plus the
 * host's loader and libraries), then writing the layout: per target a deterministic tar.gz layer through
 * the archive module, its config and manifest as compact JSON through the JSON module (keys in insertion
 * order, so fixed here), and one image index over the manifests. Blobs are named by their SHA-256, so
 * equal inputs give equal names and bytes. */
#include "crc/image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crc/archive.h"
#include "crc/ids.h"
#include "crc/json.h"
#include "crc/os.h"

#define MT_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_LAYER "application/vnd.oci.image.layer.v1.tar+gzip"
#define ENV_PATH "PATH=/usr/local/bin:/usr/bin:/bin"
/* Directory levels below the installed tree's root that staging follows. */
#define MAX_DEPTH 64
#define COPY_CHUNK ((size_t)1 << 20)
#define PATH_MAX_ ((size_t)4096)

/* ---- Staging a root file system --------------------------------------------------------------------- */

struct stager {
	/* The installed tree, and where it goes (rootfs/usr/local). */
	const char *installed, *local;
	/* The installed tree's root, opened once. */
	int rootfd;
	unsigned char *buf;
	struct crc_error *err;
};

static int join(char *out, const char *a, const char *b, struct crc_error *err)
{
	return crc_os_join(out, PATH_MAX_, a, b, err);
}

/* Copies what remains of in (borrowed) into a new file at out with exactly mode. */
static int copy_fd(struct stager *s, int in, const char *in_name, const char *out, unsigned mode)
{
	int fd, rc = crc_os_create_file(&fd, out, 0600, CRC_OS_NEW, s->err);
	if (rc)
		return rc;
	for (;;) {
		ssize_t n = read(in, s->buf, COPY_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = crc_err_os(s->err, "cannot read", in_name, errno);
			break;
		}
		if (n == 0 || (rc = crc_os_write_all(fd, s->buf, (size_t)n, out, s->err)) != 0)
			break;
	}
	if (!rc && fchmod(fd, mode) != 0)
		rc = crc_err_os(s->err, "cannot chmod", out, errno);
	if (close(fd) != 0 && !rc)
		rc = crc_err_os(s->err, "cannot write", out, errno);
	return rc;
}

/* Copies one entry e of the installed tree to the same path below s->local: a directory made 0700 while
 * it is filled (0755 in stage_leave), a file with 0755 or 0644, a symlink only when it stays inside. */
static int stage_enter(void *ctx, const struct crc_os_walk_entry *e, struct crc_error *err)
{
	struct stager *s = ctx;
	char src[PATH_MAX_], dst[PATH_MAX_], shown[CRC_SHOWN_MAX];
	int rc;
	if ((rc = join(src, s->installed, e->path, err)) || (rc = join(dst, s->local, e->path, err)))
		return rc;
	if (S_ISREG(e->st->st_mode)) {
		int in;
		if ((rc = crc_os_open_regular(&in, NULL, e->parentfd, e->name, src, err)) != 0)
			return rc;
		rc = copy_fd(s, in, src, dst, e->st->st_mode & 0111 ? 0755 : 0644);
		close(in);
		return rc;
	}
	if (S_ISLNK(e->st->st_mode)) {
		char target[PATH_MAX_];
		ssize_t n = readlinkat(e->parentfd, e->name, target, sizeof target);
		if (n < 0)
			return crc_err_os(err, "cannot read link", src, errno);
		if ((size_t)n >= sizeof target)
			return crc_err(err, CRC_EINVALID, "symlink target too long: %s", src);
		target[n] = '\0';
		const char *why = crc_archive_link_problem(e->path, target);
		if (why)
			return crc_err(err, CRC_EINVALID, "%s: symlink to '%s': %s", src,
				       crc_shown(shown, sizeof shown, target), why);
		return crc_os_symlink(target, dst, err);
	}
	if (!S_ISDIR(e->st->st_mode))
		return crc_err(err, CRC_EINVALID, "%s: not a directory, regular file or symlink", src);
	return crc_os_mkdir(dst, 0700, 0, err);
}

/* A directory copied once filled: 0755 whatever the umask. */
static int stage_leave(void *ctx, const struct crc_os_walk_entry *e, struct crc_error *err)
{
	struct stager *s = ctx;
	char dst[PATH_MAX_];
	int rc = join(dst, s->local, e->path, err);
	if (!rc && chmod(dst, 0755) != 0)
		rc = crc_err_os(err, "cannot chmod", dst, errno);
	return rc;
}

/* Why p cannot be a host file's path in a root file system, or NULL (the toolchain's rule). */
static const char *file_path_problem(const char *p)
{
	if (!p || p[0] != '/')
		return "is not an absolute path";
	if (strlen(p) >= CRC_IMAGE_MAX_TEXT)
		return "is too long";
	if (crc_archive_path_problem(p + 1))
		return "is not a normalized path (empty, '.' or '..' component)";
	if (strcmp(p, "/usr") == 0 || strcmp(p, "/usr/local") == 0 || strncmp(p, "/usr/local/", 11) == 0)
		return "lies where the installed tree goes (/usr/local)";
	return NULL;
}

/* Creates the parents of rel (a normalized relative path) under root, mode 0755. */
static int make_parents(const char *root, const char *rel, struct crc_error *err)
{
	char p[PATH_MAX_];
	int rc = join(p, root, rel, err);
	if (rc)
		return rc;
	size_t base = strlen(root) + 1;
	for (char *c = p + base; (c = strchr(c, '/')) != NULL; c++) {
		*c = '\0';
		rc = crc_os_mkdir(p, 0755, 1, err);
		if (!rc && chmod(p, 0755) != 0)
			rc = crc_err_os(err, "cannot chmod", p, errno);
		*c = '/';
		if (rc)
			return rc;
	}
	return 0;
}

/* Copies the host file f into root at its own path. */
static int stage_file(struct stager *s, const char *root, const struct crc_image_file *f)
{
	char dst[PATH_MAX_];
	int rc = make_parents(root, f->path + 1, s->err);
	if (!rc)
		rc = join(dst, root, f->path + 1, s->err);
	if (rc)
		return rc;
	/* The host's file (through its symlinks, as the C library's are): never blocking on a FIFO; the fstat
	 * below refuses anything but a regular file. */
	int in = open(f->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (in < 0 && errno == ENOENT)
		return crc_err(s->err, CRC_ENOTFOUND,
			       "image file %s is missing: install the Debian package '%s'", f->path,
			       f->package && f->package[0] ? f->package : "?");
	if (in < 0)
		return crc_err_os(s->err, "cannot open", f->path, errno);
	struct stat st;
	if (fstat(in, &st) != 0)
		rc = crc_err_os(s->err, "cannot stat", f->path, errno);
	else if (!S_ISREG(st.st_mode))
		rc = crc_err(s->err, CRC_EINVALID, "image file %s is not a regular file", f->path);
	else if ((unsigned long long)st.st_size > CRC_ARCHIVE_MAX_ENTRY_SIZE)
		rc = crc_err(s->err, CRC_EINVALID, "image file %s is over %llu bytes", f->path,
			     CRC_ARCHIVE_MAX_ENTRY_SIZE);
	else {
		const char *slash = strrchr(f->path, '/');
		rc = copy_fd(s, in, f->path, dst, strncmp(slash + 1, "ld-", 3) == 0 ? 0755 : 0644);
	}
	close(in);
	return rc;
}

int crc_image_stage_rootfs(const char *rootfs, const char *installed, const struct crc_image_file *files,
			   size_t nfiles, struct crc_error *err)
{
	struct stager s = {installed, NULL, -1, NULL, err};
	struct crc_os_walker walker = {stage_enter, stage_leave, &s, MAX_DEPTH, CRC_ARCHIVE_MAX_ENTRIES};
	char usr[PATH_MAX_], local[PATH_MAX_];
	struct stat st;
	int rc = 0, made = 0;
	if (nfiles > CRC_IMAGE_MAX_FILES)
		return crc_err(err, CRC_EINVALID, "more than %d image files", CRC_IMAGE_MAX_FILES);
	for (size_t i = 0; i < nfiles; i++) {
		const char *why = file_path_problem(files[i].path);
		for (size_t j = 0; !why && j < i; j++)
			if (strcmp(files[i].path, files[j].path) == 0)
				why = "is listed twice";
		if (why)
			return crc_err(err, CRC_EINVALID, "image file '%s' %s",
				       files[i].path ? files[i].path : "(null)", why);
	}
	if (stat(installed, &st) != 0)
		return crc_err_os(err, "cannot stat", installed, errno);
	if (!S_ISDIR(st.st_mode))
		return crc_err_at(err, CRC_EINVALID, installed, 0, 0,
				  "the installed tree is not a directory");
	if ((rc = join(usr, rootfs, "usr", err)) || (rc = join(local, usr, "local", err)))
		return rc;
	if (!(s.buf = malloc(COPY_CHUNK)))
		return crc_err(err, CRC_ENOMEM, "out of memory");
	s.local = local;
	/* The installed tree's root is named by the caller (followed); below it, nothing is. */
	if ((rc = crc_os_open_dir(&s.rootfd, AT_FDCWD, installed, 0, err)) != 0 ||
	    (rc = crc_os_mkdir(rootfs, 0755, 0, err)) != 0)
		goto out;
	made = 1;
	if (chmod(rootfs, 0755) != 0 || (rc = crc_os_mkdir(usr, 0755, 0, err)) != 0 ||
	    chmod(usr, 0755) != 0) {
		rc = rc ? rc : crc_err_os(err, "cannot create", usr, errno);
		goto out;
	}
	if ((rc = crc_os_mkdir(local, 0700, 0, err)) == 0 &&
	    (rc = crc_os_walk(s.rootfd, installed, &walker, err)) == 0 && chmod(local, 0755) != 0)
		rc = crc_err_os(err, "cannot chmod", local, errno);
	for (size_t i = 0; !rc && i < nfiles; i++)
		rc = stage_file(&s, rootfs, &files[i]);
out:
	free(s.buf);
	if (s.rootfd >= 0)
		close(s.rootfd);
	if (rc && made) {
		struct crc_error ignored;
		crc_os_remove_tree(rootfs, &ignored);
	}
	return rc;
}

/* ---- Writing the layout ----------------------------------------------------------------------------- */

struct writer {
	const char *dir;
	char blobs[PATH_MAX_];
	const struct crc_image_options *o;
	char created[CRC_IDS_TIME_SIZE];
	struct crc_image_result *res;
	size_t cap;
	struct crc_error *err;
};

void crc_image_result_free(struct crc_image_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->nfiles; i++)
		free(res->files[i].path);
	free(res->files);
	free(res->targets);
	memset(res, 0, sizeof *res);
}

static int add_file(struct writer *w, const char *path, unsigned long long size, const char *hex)
{
	struct crc_image_result *r = w->res;
	struct crc_image_entry *f = crc_grow(r->files, &w->cap, r->nfiles + 1, sizeof *f);
	if (!f)
		return crc_err(w->err, CRC_ENOMEM, "out of memory");
	r->files = f;
	struct crc_image_entry *e = &r->files[r->nfiles];
	if (!(e->path = strdup(path)))
		return crc_err(w->err, CRC_ENOMEM, "out of memory");
	e->size = size;
	memcpy(e->sha256, hex, CRC_SHA256_HEX);
	r->nfiles++;
	return 0;
}

/* Writes text as the blob named by its hash (once: a blob already there has these bytes) and records it. */
static int put_blob(struct writer *w, char hex[CRC_SHA256_HEX], unsigned long long *size, const char *text)
{
	char path[PATH_MAX_], rel[96];
	size_t n = strlen(text);
	int rc = crc_sha256_buf(hex, text, n, w->err);
	if (!rc)
		rc = join(path, w->blobs, hex, w->err);
	if (rc)
		return rc;
	struct stat st;
	if (lstat(path, &st) != 0 && (rc = crc_os_write_file(path, text, n, 0644, w->err)) != 0)
		return rc;
	*size = n;
	snprintf(rel, sizeof rel, "blobs/sha256/%s", hex);
	return add_file(w, rel, n, hex);
}

/* Renders j (freed here; NULL, or failed nonzero when building it ran out of memory) and writes it as a
 * blob. */
static int put_json(struct writer *w, char hex[CRC_SHA256_HEX], unsigned long long *size, struct crc_json *j,
		    int failed)
{
	char *text = !failed && j ? crc_json_render(j, 0) : NULL;
	crc_json_free(j);
	if (!text)
		return crc_err(w->err, CRC_ENOMEM, "out of memory");
	int rc = put_blob(w, hex, size, text);
	free(text);
	return rc;
}

/* A descriptor {"mediaType","digest","size"}; NULL when out of memory. */
static struct crc_json *descriptor(const char *media_type, const char *hex, unsigned long long size)
{
	char digest[8 + CRC_SHA256_HEX];
	struct crc_json *d = crc_json_object();
	snprintf(digest, sizeof digest, "sha256:%s", hex);
	if (d && (crc_json_set_str(d, "mediaType", media_type) || crc_json_set_str(d, "digest", digest) ||
		  crc_json_set_int(d, "size", (int64_t)size))) {
		crc_json_free(d);
		return NULL;
	}
	return d;
}

/* The annotations of the manifests and the index, and the labels of the configs (with the triple). */
static struct crc_json *annotations_of(const struct crc_image_options *o, const char *created,
				       const char *triple)
{
	struct crc_json *a = crc_json_object();
	int e = !a;
	if (!e)
		e = crc_json_set_str(a, "org.opencontainers.image.created", created);
	if (!e)
		e = crc_json_set_str(a, "org.opencontainers.image.revision", o->revision);
	if (!e)
		e = crc_json_set_str(a, "org.opencontainers.image.source", o->source);
	if (!e && o->title[0])
		e = crc_json_set_str(a, "org.opencontainers.image.title", o->title);
	if (!e)
		e = crc_json_set_str(a, "org.crc.drop-id", o->drop_id);
	if (!e)
		e = crc_json_set_str(a, "org.crc.profile", o->profile);
	if (!e && triple)
		e = crc_json_set_str(a, "org.crc.triple", triple);
	if (e) {
		crc_json_free(a);
		return NULL;
	}
	return a;
}

static struct crc_json *annotations(const struct writer *w, const char *triple)
{
	return annotations_of(w->o, w->created, triple);
}

static int write_config(struct writer *w, const struct crc_image_target *t, struct crc_image_digests *d,
			unsigned long long *size)
{
	char diff_id[8 + CRC_SHA256_HEX], by[CRC_IMAGE_MAX_TEXT + 64];
	snprintf(diff_id, sizeof diff_id, "sha256:%s", d->diff_id);
	snprintf(by, sizeof by, "crc: the installed tree of %s", t->triple);
	struct crc_json *c = crc_json_object(), *cfg = crc_json_object(), *ep = crc_json_array(),
			*env = crc_json_array(), *rootfs = crc_json_object(), *ids = crc_json_array(),
			*hist = crc_json_array(), *h = crc_json_object();
	int e = !c || !cfg || !ep || !env || !rootfs || !ids || !hist || !h;
	if (e) {
		crc_json_free(c), crc_json_free(cfg), crc_json_free(ep), crc_json_free(env);
		crc_json_free(rootfs), crc_json_free(ids), crc_json_free(hist), crc_json_free(h);
		return crc_err(w->err, CRC_ENOMEM, "out of memory");
	}
	e |= crc_json_set_str(c, "created", w->created);
	e |= crc_json_set_str(c, "architecture", t->architecture);
	if (t->variant)
		e |= crc_json_set_str(c, "variant", t->variant);
	e |= crc_json_set_str(c, "os", "linux");
	e |= crc_json_push_str(ep, w->o->entrypoint);
	e |= crc_json_set(cfg, "Entrypoint", ep);
	e |= crc_json_push_str(env, ENV_PATH);
	e |= crc_json_set(cfg, "Env", env);
	struct crc_json *labels = annotations(w, t->triple);
	e |= labels ? crc_json_set(cfg, "Labels", labels) : CRC_ENOMEM;
	e |= crc_json_set(c, "config", cfg);
	e |= crc_json_set_str(rootfs, "type", "layers");
	e |= crc_json_push_str(ids, diff_id);
	e |= crc_json_set(rootfs, "diff_ids", ids);
	e |= crc_json_set(c, "rootfs", rootfs);
	e |= crc_json_set_str(h, "created", w->created);
	e |= crc_json_set_str(h, "created_by", by);
	e |= crc_json_push(hist, h);
	e |= crc_json_set(c, "history", hist);
	return put_json(w, d->config, size, c, e);
}

static int write_manifest(struct writer *w, const struct crc_image_target *t, struct crc_image_digests *d,
			  unsigned long long config_size, unsigned long long layer_size,
			  unsigned long long *size)
{
	struct crc_json *m = crc_json_object(), *layers = crc_json_array();
	if (!m || !layers) {
		crc_json_free(m), crc_json_free(layers);
		return crc_err(w->err, CRC_ENOMEM, "out of memory");
	}
	int e = crc_json_set_int(m, "schemaVersion", 2);
	e |= crc_json_set_str(m, "mediaType", MT_MANIFEST);
	struct crc_json *c = descriptor(MT_CONFIG, d->config, config_size),
			*l = descriptor(MT_LAYER, d->layer, layer_size), *a = annotations(w, t->triple);
	e |= c ? crc_json_set(m, "config", c) : CRC_ENOMEM;
	e |= l ? crc_json_push(layers, l) : CRC_ENOMEM;
	e |= crc_json_set(m, "layers", layers);
	e |= a ? crc_json_set(m, "annotations", a) : CRC_ENOMEM;
	return put_json(w, d->manifest, size, m, e);
}

/* What the index says of one image. */
struct ref {
	const char *architecture, *variant, *manifest;
	unsigned long long size;
};

/* {"architecture","os","variant"?}. */
static struct crc_json *ref_platform(const struct ref *r)
{
	struct crc_json *p = crc_json_object();
	if (p &&
	    (crc_json_set_str(p, "architecture", r->architecture) || crc_json_set_str(p, "os", "linux") ||
	     (r->variant && r->variant[0] && crc_json_set_str(p, "variant", r->variant)))) {
		crc_json_free(p);
		return NULL;
	}
	return p;
}

/* The index of the images' manifests; with names (index.json), the nested index first, named by the drop
 * id, and each manifest named <drop-id>-<arch>. a holds the index's annotations (NULL for index.json). */
static struct crc_json *index_of(const char *drop_id, const struct ref *r, size_t n, const char *index_hex,
				 unsigned long long index_size, struct crc_json *a)
{
	char name[CRC_IMAGE_MAX_TEXT + 32];
	struct crc_json *x = crc_json_object(), *ms = crc_json_array();
	if (!x || !ms) {
		crc_json_free(x), crc_json_free(ms), crc_json_free(a);
		return NULL;
	}
	int e = crc_json_set_int(x, "schemaVersion", 2);
	e |= crc_json_set_str(x, "mediaType", MT_INDEX);
	if (!e && index_hex) {
		struct crc_json *d = descriptor(MT_INDEX, index_hex, index_size), *na = crc_json_object();
		e |= na ? crc_json_set_str(na, "org.opencontainers.image.ref.name", drop_id) : CRC_ENOMEM;
		e |= d && na ? crc_json_set(d, "annotations", na) : (crc_json_free(na), CRC_ENOMEM);
		e |= d ? crc_json_push(ms, d) : CRC_ENOMEM;
	}
	for (size_t i = 0; !e && i < n; i++) {
		struct crc_json *d = descriptor(MT_MANIFEST, r[i].manifest, r[i].size),
				*p = ref_platform(&r[i]), *na = NULL;
		e |= d && p ? crc_json_set(d, "platform", p) : (crc_json_free(p), CRC_ENOMEM);
		if (index_hex) {
			snprintf(name, sizeof name, "%s-%s", drop_id, r[i].architecture);
			na = crc_json_object();
			e |= na ? crc_json_set_str(na, "org.opencontainers.image.ref.name", name)
				: CRC_ENOMEM;
			e |= d && na ? crc_json_set(d, "annotations", na) : (crc_json_free(na), CRC_ENOMEM);
		}
		e |= d ? crc_json_push(ms, d) : CRC_ENOMEM;
	}
	e |= crc_json_set(x, "manifests", ms);
	if (a) {
		e |= e ? (crc_json_free(a), CRC_ENOMEM) : crc_json_set(x, "annotations", a);
		a = NULL;
	}
	if (e) {
		crc_json_free(x);
		return NULL;
	}
	return x;
}

static char *render_json(struct crc_json *j)
{
	char *text = j ? crc_json_render(j, 0) : NULL;
	crc_json_free(j);
	return text;
}

void crc_image_index_free(struct crc_image_index *x)
{
	if (!x)
		return;
	free(x->index);
	free(x->json);
	memset(x, 0, sizeof *x);
}

/* Renders the index (annotations a, taken) and index.json of the images r[0..n) into x. */
static int render_index(struct crc_image_index *x, const char *drop_id, const struct ref *r, size_t n,
			struct crc_json *a, struct crc_error *err)
{
	memset(x, 0, sizeof *x);
	int rc = 0;
	if (!(x->index = render_json(index_of(drop_id, r, n, NULL, 0, a))))
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
	if (!rc) {
		x->index_len = strlen(x->index);
		rc = crc_sha256_buf(x->index_sha256, x->index, x->index_len, err);
	}
	if (!rc && !(x->json = render_json(index_of(drop_id, r, n, x->index_sha256, x->index_len, NULL))))
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
	if (!rc) {
		x->json_len = strlen(x->json);
		rc = crc_sha256_buf(x->json_sha256, x->json, x->json_len, err);
	}
	if (!rc)
		rc = crc_sha256_buf(x->layout_sha256, CRC_IMAGE_LAYOUT_TEXT, strlen(CRC_IMAGE_LAYOUT_TEXT),
				    err);
	if (rc)
		crc_image_index_free(x);
	return rc;
}

/* A top-level file of the layout. */
static int put_file(struct writer *w, const char *name, const char *text)
{
	char path[PATH_MAX_], hex[CRC_SHA256_HEX];
	size_t n = strlen(text);
	int rc = join(path, w->dir, name, w->err);
	if (!rc)
		rc = crc_sha256_buf(hex, text, n, w->err);
	if (!rc)
		rc = crc_os_write_file(path, text, n, 0644, w->err);
	if (!rc)
		rc = add_file(w, name, n, hex);
	return rc;
}

/* The index blob, index.json and oci-layout. */
static int put_index(struct writer *w, const struct crc_image_index *x)
{
	char hex[CRC_SHA256_HEX];
	unsigned long long size;
	int rc = put_blob(w, hex, &size, x->index);
	if (!rc)
		rc = put_file(w, "index.json", x->json);
	if (!rc)
		rc = put_file(w, "oci-layout", CRC_IMAGE_LAYOUT_TEXT);
	return rc;
}

/* The layer of target i: the tar.gz of its rootfs, hashed twice (as written, and decompressed), renamed to
 * its digest. */
static int write_layer(struct writer *w, const struct crc_image_target *t, size_t i, unsigned long long *size)
{
	char tmp[PATH_MAX_], name[32], path[PATH_MAX_], rel[96];
	struct crc_image_digests *d = &w->res->targets[i];
	struct crc_archive_result ar;
	unsigned long long raw;
	snprintf(name, sizeof name, ".layer-%zu.tmp", i);
	int rc = join(tmp, w->blobs, name, w->err);
	if (!rc)
		rc = crc_archive_write_tree(&ar, tmp, t->rootfs, CRC_ARCHIVE_TAR_GZ, w->o->created, w->err);
	if (rc)
		return rc;
	memcpy(d->layer, ar.sha256, CRC_SHA256_HEX);
	*size = ar.size;
	crc_archive_result_free(&ar);
	rc = crc_archive_stream_sha256(d->diff_id, &raw, tmp, CRC_ARCHIVE_TAR_GZ, w->err);
	if (!rc)
		rc = join(path, w->blobs, d->layer, w->err);
	if (!rc)
		rc = crc_os_rename(tmp, path, w->err);
	if (rc)
		return rc;
	snprintf(rel, sizeof rel, "blobs/sha256/%s", d->layer);
	return add_file(w, rel, *size, d->layer);
}

/* Letters and digits in runs separated by one of "-._:@+" or by "--": OCI's ref.name component. */
static int ref_name_ok(const char *s)
{
	size_t run = 0;
	for (const char *p = s;; p++) {
		int alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
		if (alnum) {
			run++;
			continue;
		}
		if (run == 0)
			return 0;
		if (!*p)
			return 1;
		if (!strchr("-._:@+", *p))
			return 0;
		if (p[0] == '-' && p[1] == '-')
			p++;
		run = 0;
	}
}

static int text_ok(const char *s, int allow_empty)
{
	if (!s || (!allow_empty && !s[0]) || strlen(s) >= CRC_IMAGE_MAX_TEXT)
		return 0;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static int check_args(const struct crc_image_target *t, size_t n, const struct crc_image_options *o,
		      struct crc_error *err)
{
	struct stat st;
	if (!text_ok(o->drop_id, 0) || !ref_name_ok(o->drop_id))
		return crc_err(err, CRC_EINVALID,
			       "drop id '%s' cannot name an OCI image (letters and digits in runs separated "
			       "by one of '-._:@+' or by '--')",
			       o->drop_id ? o->drop_id : "");
	if (!text_ok(o->profile, 0))
		return crc_err(err, CRC_EINVALID, "image: the profile must be a non-empty line of text");
	if (!text_ok(o->revision, 1) || !text_ok(o->source, 1) || !text_ok(o->title, 1))
		return crc_err(err, CRC_EINVALID,
			       "image: revision, source and title must be lines of text (\"\" when unknown)");
	if (!text_ok(o->entrypoint, 0) || o->entrypoint[0] != '/')
		return crc_err(err, CRC_EINVALID, "image: the entrypoint '%s' is not an absolute path",
			       o->entrypoint ? o->entrypoint : "");
	if (o->created < 0 || o->created >= 8589934592LL)
		return crc_err(err, CRC_EINVALID, "image: created %lld is out of range (0 to 8^11 - 1)",
			       o->created);
	if (n == 0 || n > CRC_IMAGE_MAX_TARGETS)
		return crc_err(err, CRC_EINVALID, "image: %zu targets (1 to %d)", n, CRC_IMAGE_MAX_TARGETS);
	for (size_t i = 0; i < n; i++) {
		const char *a = t[i].architecture ? t[i].architecture : "";
		const char *tr = t[i].triple ? t[i].triple : "";
		if (!text_ok(t[i].triple, 0))
			return crc_err(err, CRC_EINVALID, "image: target %zu has no triple", i);
		if (strcmp(a, "amd64") != 0 && strcmp(a, "arm64") != 0)
			return crc_err(err, CRC_EINVALID,
				       "image: %s: unknown architecture '%s' (amd64 or arm64)", tr, a);
		if (t[i].variant && (strcmp(a, "arm64") != 0 || strcmp(t[i].variant, "v8") != 0))
			return crc_err(err, CRC_EINVALID,
				       "image: %s: variant '%s' (only v8, for arm64, or none)", tr,
				       t[i].variant);
		for (size_t j = 0; j < i; j++)
			if (strcmp(a, t[j].architecture) == 0)
				return crc_err(err, CRC_EINVALID,
					       "image: %s and %s are both %s (one target per architecture)",
					       t[j].triple, tr, a);
		if (!t[i].rootfs || stat(t[i].rootfs, &st) != 0 || !S_ISDIR(st.st_mode))
			return crc_err(err, CRC_EINVALID,
				       "image: %s: the root file system %s is not a directory", tr,
				       t[i].rootfs ? t[i].rootfs : "(none)");
	}
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct crc_image_entry *)a)->path, ((const struct crc_image_entry *)b)->path);
}

/* Sorts the files and drops repeats (a blob two targets share). */
static void sort_files(struct crc_image_result *r)
{
	size_t k = 0;
	qsort(r->files, r->nfiles, sizeof *r->files, by_path);
	for (size_t i = 0; i < r->nfiles; i++) {
		if (k && strcmp(r->files[k - 1].path, r->files[i].path) == 0) {
			free(r->files[i].path);
			continue;
		}
		r->files[k++] = r->files[i];
	}
	r->nfiles = k;
}

int crc_image_write(struct crc_image_result *res, const char *dir, const struct crc_image_target *targets,
		    size_t n, const struct crc_image_options *o, struct crc_error *err)
{
	struct writer w = {dir, "", o, "", res, 0, err};
	char blobs[PATH_MAX_];
	int rc, made = 0;
	memset(res, 0, sizeof *res);
	if ((rc = check_args(targets, n, o, err)))
		return rc;
	if (crc_ids_time_format(w.created, o->created) != 0)
		return crc_err(err, CRC_EINVALID, "image: created %lld is out of range", o->created);
	if ((rc = join(blobs, dir, "blobs", err)) || (rc = join(w.blobs, blobs, "sha256", err)))
		return rc;
	if (!(res->targets = calloc(n, sizeof *res->targets)))
		return crc_err(err, CRC_ENOMEM, "out of memory");
	res->ntargets = n;
	if ((rc = crc_os_mkdir(dir, 0755, 0, err)) != 0)
		goto out;
	made = 1;
	if ((rc = crc_os_mkdir(blobs, 0755, 0, err)) != 0 || (rc = crc_os_mkdir(w.blobs, 0755, 0, err)) != 0)
		goto out;
	struct ref refs[CRC_IMAGE_MAX_TARGETS];
	for (size_t i = 0; i < n; i++) {
		struct crc_image_digests *d = &res->targets[i];
		if ((rc = write_layer(&w, &targets[i], i, &d->layer_size)) ||
		    (rc = write_config(&w, &targets[i], d, &d->config_size)) ||
		    (rc = write_manifest(&w, &targets[i], d, d->config_size, d->layer_size,
					 &d->manifest_size)))
			goto out;
		refs[i] = (struct ref){targets[i].architecture, targets[i].variant, d->manifest,
				       d->manifest_size};
	}
	struct crc_json *a = annotations(&w, NULL);
	struct crc_image_index x;
	if (!a) {
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = render_index(&x, o->drop_id, refs, n, a, err)))
		goto out;
	memcpy(res->index, x.index_sha256, CRC_SHA256_HEX);
	rc = put_index(&w, &x);
	crc_image_index_free(&x);
	if (!rc)
		rc = crc_os_sync_dir(w.blobs, err);
	if (!rc)
		rc = crc_os_sync_dir(blobs, err);
	if (!rc)
		rc = crc_os_sync_dir(dir, err);
	if (!rc)
		sort_files(res);
out:
	if (rc) {
		crc_image_result_free(res);
		if (made) {
			struct crc_error ignored;
			crc_os_remove_tree(dir, &ignored);
		}
	}
	return rc;
}

/* ---- The index as a function of a drop's manifest ------------------------------------------------- */

static const char *S(const char *s)
{
	return s ? s : "";
}

/* The images of m's targets, in manifest order, into r (CRC_IMAGE_MAX_TARGETS); their number. */
static size_t refs_of(struct ref *r, const struct crc_manifest *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->ntargets && n < CRC_IMAGE_MAX_TARGETS; i++) {
		const struct crc_manifest_target *t = &m->targets[i];
		if (S(t->image.architecture)[0])
			r[n++] = (struct ref){t->image.architecture, t->image.variant,
					      t->image.manifest_sha256, t->image.manifest_size};
	}
	return n;
}

size_t crc_image_count(const struct crc_manifest *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->ntargets; i++)
		n += S(m->targets[i].image.architecture)[0] != 0;
	return n;
}

int crc_image_render_index(struct crc_image_index *x, const struct crc_manifest *m, struct crc_error *err)
{
	struct ref r[CRC_IMAGE_MAX_TARGETS];
	memset(x, 0, sizeof *x);
	size_t total = crc_image_count(m), n = refs_of(r, m);
	if (total == 0 || total > CRC_IMAGE_MAX_TARGETS)
		return crc_err(err, CRC_EINVALID, "drop %s has %zu images (1 to %d)", S(m->drop_id), total,
			       CRC_IMAGE_MAX_TARGETS);
	if (!text_ok(m->drop_id, 0) || !ref_name_ok(m->drop_id))
		return crc_err(err, CRC_EINVALID, "drop id '%s' cannot name an OCI image", S(m->drop_id));
	struct crc_image_options o = {m->drop_id,          S(m->profile),   S(m->source.commit),
				      S(m->source.url),    CRC_IMAGE_TITLE, 0,
				      CRC_IMAGE_ENTRYPOINT};
	struct crc_json *a = annotations_of(&o, S(m->created), NULL);
	if (!a)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	return render_index(x, m->drop_id, r, n, a, err);
}

int crc_image_write_index(const char *dir, const struct crc_image_index *x, struct crc_error *err)
{
	char blobs[PATH_MAX_], sha[PATH_MAX_], path[PATH_MAX_];
	int rc;
	if ((rc = join(blobs, dir, "blobs", err)) || (rc = join(sha, blobs, "sha256", err)) ||
	    (rc = join(path, sha, x->index_sha256, err)))
		return rc;
	const char *const dirs[] = {dir, blobs, sha};
	for (size_t i = 0; i < 3; i++)
		if ((rc = crc_os_mkdir(dirs[i], 0755, 1, err)) != 0)
			return rc;
	if ((rc = crc_os_write_file(path, x->index, x->index_len, 0644, err)) ||
	    (rc = join(path, dir, "index.json", err)) ||
	    (rc = crc_os_write_file(path, x->json, x->json_len, 0644, err)) ||
	    (rc = join(path, dir, "oci-layout", err)) ||
	    (rc = crc_os_write_file(path, CRC_IMAGE_LAYOUT_TEXT, strlen(CRC_IMAGE_LAYOUT_TEXT), 0644, err)))
		return rc;
	for (size_t i = 3; i-- > 0;)
		if ((rc = crc_os_sync_dir(dirs[i], err)))
			return rc;
	return 0;
}

static int by_entry_path(const void *a, const void *b)
{
	return strcmp(((const struct crc_image_entry *)a)->path, ((const struct crc_image_entry *)b)->path);
}

void crc_image_entries_free(struct crc_image_entry *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++)
		free(e[i].path);
	free(e);
}

int crc_image_layout_files(struct crc_image_entry **out, size_t *nout, const struct crc_manifest *m,
			   const struct crc_image_index *x, struct crc_error *err)
{
	size_t cap = 3 * crc_image_count(m) + 3, n = 0;
	struct crc_image_entry *e = calloc(cap, sizeof *e);
	*out = NULL;
	*nout = 0;
	if (!e)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	char path[128];
	for (size_t i = 0; i < m->ntargets; i++) {
		const struct crc_manifest_target *t = &m->targets[i];
		if (!S(t->image.architecture)[0])
			continue;
		const char *hex[] = {t->image.layer_sha256, t->image.config_sha256, t->image.manifest_sha256};
		const unsigned long long size[] = {t->image.layer_size, t->image.config_size,
						   t->image.manifest_size};
		for (size_t k = 0; k < 3; k++) {
			snprintf(path, sizeof path, "%s/blobs/sha256/%.64s", CRC_IMAGE_DIR, hex[k]);
			e[n].path = strdup(path);
			e[n].size = size[k];
			snprintf(e[n].sha256, sizeof e[n].sha256, "%.64s", hex[k]);
			if (!e[n++].path)
				goto nomem;
		}
	}
	snprintf(path, sizeof path, "%s/blobs/sha256/%s", CRC_IMAGE_DIR, x->index_sha256);
	const char *const names[] = {path, CRC_IMAGE_DIR "/index.json", CRC_IMAGE_DIR "/oci-layout"};
	const char *const hexes[] = {x->index_sha256, x->json_sha256, x->layout_sha256};
	const size_t sizes[] = {x->index_len, x->json_len, strlen(CRC_IMAGE_LAYOUT_TEXT)};
	for (size_t k = 0; k < 3; k++) {
		e[n].path = strdup(names[k]);
		e[n].size = sizes[k];
		memcpy(e[n].sha256, hexes[k], CRC_SHA256_HEX);
		if (!e[n++].path)
			goto nomem;
	}
	qsort(e, n, sizeof *e, by_entry_path);
	/* Two images may share a blob (the same config bytes, say): listed once. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && strcmp(e[k - 1].path, e[i].path) == 0) {
			free(e[i].path);
			continue;
		}
		e[k++] = e[i];
	}
	*out = e;
	*nout = k;
	return 0;
nomem:
	crc_image_entries_free(e, n);
	return crc_err(err, CRC_ENOMEM, "out of memory");
}

int crc_image_check_files(const struct crc_manifest *m, struct crc_error *err)
{
	static const char prefix[] = CRC_IMAGE_DIR "/";
	size_t images = crc_image_count(m);
	if (images == 0) {
		for (size_t i = 0; i < m->nfiles; i++)
			if (strncmp(S(m->files[i].path), prefix, sizeof prefix - 1) == 0)
				return crc_err(err, CRC_EVERIFY,
					       "files lists %s, but no target of the manifest has an image",
					       m->files[i].path);
		return 0;
	}
	struct crc_image_index x;
	struct crc_image_entry *e = NULL;
	size_t n = 0;
	int rc = crc_image_render_index(&x, m, err);
	if (!rc)
		rc = crc_image_layout_files(&e, &n, m, &x, err);
	crc_image_index_free(&x);
	for (size_t k = 0; !rc && k < n; k++) {
		size_t i = 0;
		while (i < m->nfiles && strcmp(S(m->files[i].path), e[k].path) != 0)
			i++;
		if (i == m->nfiles)
			rc = crc_err(err, CRC_EVERIFY,
				     "files does not list %s, which the image layout of the targets holds",
				     e[k].path);
		else if (m->files[i].size != e[k].size || strcmp(S(m->files[i].sha256), e[k].sha256) != 0)
			rc = crc_err(
				err, CRC_EVERIFY,
				"%s is not what the targets' images make it (its index must name exactly "
				"their manifests)",
				e[k].path);
	}
	for (size_t i = 0; !rc && i < m->nfiles; i++) {
		if (strncmp(S(m->files[i].path), prefix, sizeof prefix - 1) != 0)
			continue;
		size_t k = 0;
		while (k < n && strcmp(e[k].path, m->files[i].path) != 0)
			k++;
		if (k == n)
			rc = crc_err(err, CRC_EVERIFY,
				     "files lists %s, which is no part of the image layout of the targets",
				     m->files[i].path);
	}
	crc_image_entries_free(e, n);
	return rc;
}
