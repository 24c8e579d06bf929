/* Verifying a drop (crc/verify.h). The manifest is read first, on its own, through one descriptor: its
 * bytes are hashed, then (with a key) the signature is checked over exactly those bytes, and only then are
 * they parsed; nothing else can be checked without it. Then every file it pins is read by a small pool of
 * threads, each task opening its file relative to the drop's directory one component at a time
 * (crc_os_open_regular: no symlink followed, no FIFO or device opened, never blocking) and reading it once
 * through that descriptor: a deep check lists the archive in that same read (crc_archive_list_fd_with
 * hashes the compressed bytes as libarchive consumes them, and an image layer's decompressed stream too),
 * with caps from what the manifest says the archive holds. A file whose size already disagrees with the
 * manifest is not read at all. The findings are turned into problems only after the pool is done, in
 * manifest order, so that the report is the same whatever the scheduling. Names are looked up through
 * sorted tables, so that the work is n log n in the number of files whatever the drop holds. */
#include "crc/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc/archive.h"
#include "crc/buf.h"
#include "crc/image.h"
#include "crc/lambda.h"
#include "crc/os.h"

/* SHA256SUMS is small: one line per file of the drop. */
#define SUMS_MAX_BYTES ((size_t)1 << 20)
/* flags.txt, provenance.json and template.yaml are a few KB; the manifest does not size them. */
#define METADATA_MAX_BYTES ((unsigned long long)16 << 20)
/* Entries an archive may hold beyond those the manifest lists, and bytes of content beyond the sum it
 * lists (an eighth more, and EXTRA_BYTES), so that a few small differences are each reported by name;
 * more is refused as a whole, without reading on. */
#define EXTRA_ENTRIES 64
#define EXTRA_BYTES ((unsigned long long)1 << 20)
/* An image layer may decompress to at most this many times its size, plus LAYER_SLACK: crc's layers (a
 * program and its C library) come to about 2.5; a bomb is refused long before it costs anything. */
#define LAYER_RATIO 256
#define LAYER_SLACK ((unsigned long long)16 << 20)

/* One file to read, hash (and for a deep check, list), and what came of it. */
struct task {
	/* Index in the report's files. */
	size_t file;
	/* The artifact whose entries a deep check lists; NULL to hash only. */
	const struct crc_manifest_artifact *art;
	/* The target whose image layer this file is, which a deep check lists; NULL otherwise. */
	const struct crc_manifest_target *layer;
	/* The size the manifest lists (sized), or none (the metadata files: capped at METADATA_MAX_BYTES). */
	int sized;
	unsigned long long expect_size;
	/* Keep the descriptor open in held_fd (options.hold_target). */
	int hold;
	int held_fd;
	/* 0 when it could be opened; else the errno (ENOENT: missing). */
	int errnum;
	/* When it is not a regular file: what it is ("a symlink", ...). */
	const char *not_regular;
	/* When a directory on its path is not one: what it is ("a symlink", ...). */
	const char *bad_parent;
	/* Not read: its size already disagreed with the manifest's. */
	int size_only;
	/* 0 when it was hashed; else the error, its message in err (malloc'ed: a drop may have tens of
	 * thousands of files, and a struct crc_error per task would be 2 KB each). */
	int rc;
	char *err;
	/* Deep: 0 when the archive listed; CRC_EVERIFY (hostile or corrupt) with the reason in list_err. */
	int list_rc;
	char *list_err;
	struct crc_archive_result listing;
	unsigned long long size;
	char sha256[CRC_SHA256_HEX];
};

struct pool {
	int dirfd;
	struct crc_verify_report *r;
	struct task *tasks;
	/* Indexes into tasks, largest expected file first, so that the big ones do not come last. */
	size_t *order;
	size_t ntasks, next;
	pthread_mutex_t lock;
};

/* The directory holding name (a path relative to dirfd), opened without following a symlink; *base is
 * name's last component. Returns a descriptor to close, or -1 with errno, and with *bad set to what a
 * component is when it is there but no directory ("a symlink", "a file"...). */
static int open_parent(int dirfd, const char *name, const char **base, const char **bad)
{
	const char *slash = strrchr(name, '/');
	size_t bad_len;
	*base = slash ? slash + 1 : name;
	return crc_os_open_dir_beneath(dirfd, name, slash ? (size_t)(slash - name) : 0, bad, &bad_len);
}

/* The caps of a deep listing of a: no more bytes per entry or bytes of the file than the manifest lists,
 * and hardly more entries or bytes in all, so that a hostile archive costs about what the honest one does
 * to check. */
static void artifact_limits(struct crc_archive_limits *lim, const struct crc_manifest_artifact *a)
{
	unsigned long long biggest = 0, total = 0;
	for (size_t i = 0; i < a->nentries; i++) {
		const struct crc_manifest_entry *e = &a->entries[i];
		if (e->type != 'f')
			continue;
		if (e->size > biggest)
			biggest = e->size;
		/* Each size is at most 2^53 and there are at most CRC_MANIFEST_MAX_ENTRIES: no overflow. */
		total += e->size;
	}
	total += total / 8 + EXTRA_BYTES;
	lim->max_entries = a->nentries + EXTRA_ENTRIES;
	lim->max_path = CRC_ARCHIVE_MAX_PATH;
	lim->max_entry_size = biggest < CRC_ARCHIVE_MAX_ENTRY_SIZE ? biggest : CRC_ARCHIVE_MAX_ENTRY_SIZE;
	lim->max_total_size = total < CRC_ARCHIVE_MAX_TOTAL_SIZE ? total : CRC_ARCHIVE_MAX_TOTAL_SIZE;
	lim->max_archive_size = a->size;
	lim->origin = " (what manifest.yaml lists)";
}

/* The caps of a deep listing of an image layer of size bytes (the manifest does not list its entries). */
static void layer_limits(struct crc_archive_limits *lim, unsigned long long size)
{
	unsigned long long most = size * LAYER_RATIO + LAYER_SLACK;
	lim->max_entries = CRC_ARCHIVE_MAX_ENTRIES;
	lim->max_path = CRC_ARCHIVE_MAX_PATH;
	lim->max_entry_size = most < CRC_ARCHIVE_MAX_ENTRY_SIZE ? most : CRC_ARCHIVE_MAX_ENTRY_SIZE;
	lim->max_total_size = most < CRC_ARCHIVE_MAX_TOTAL_SIZE ? most : CRC_ARCHIVE_MAX_TOTAL_SIZE;
	lim->max_archive_size = size;
	lim->origin = " (for a layer of this size)";
}

/* Records a task's failure rc with the message of e; returns rc. */
static int task_failed(struct task *t, int rc, const struct crc_error *e)
{
	t->rc = rc;
	free(t->err);
	/* Without memory for the message, the code alone still fails the file. */
	t->err = strdup(e->msg);
	return rc;
}

/* Hashes what fd holds (at most one byte past what is expected), for the report. */
static void hash_only(struct task *t, int fd, const char *name)
{
	struct crc_error e;
	int rc = crc_sha256_fd_capped(t->sha256, &t->size, fd, name,
				      t->sized ? t->expect_size : METADATA_MAX_BYTES, &e);
	if (!rc && !t->sized && t->size > METADATA_MAX_BYTES)
		rc = crc_err(&e, CRC_EVERIFY, "larger than %llu bytes (not read past that)",
			     METADATA_MAX_BYTES);
	if (rc)
		task_failed(t, rc, &e);
}

/* Lists the archive or layer on fd in the one read that also hashes it. */
static void list_task(struct task *t, int fd, const char *name)
{
	struct crc_archive_limits lim;
	struct crc_archive_read_options o = {-1, &lim, 0};
	if (t->art) {
		artifact_limits(&lim, t->art);
		o.format = t->art->format ? crc_archive_format_parse(t->art->format) : -1;
	} else {
		layer_limits(&lim, t->expect_size);
		o.format = CRC_ARCHIVE_TAR_GZ;
		o.stream_hash = 1;
	}
	struct crc_error e;
	t->list_rc = crc_archive_list_fd_with(&t->listing, fd, name, &o, &e);
	if (t->list_rc == 0) {
		t->size = t->listing.size;
		memcpy(t->sha256, t->listing.sha256, sizeof t->sha256);
	} else if (t->list_rc != CRC_EVERIFY) {
		task_failed(t, t->list_rc, &e);
	} else if (!(t->list_err = strdup(e.msg))) {
		task_failed(t, CRC_ENOMEM, &e);
	} else if (lseek(fd, 0, SEEK_SET) != 0) {
		task_failed(t, crc_err_os(&e, "cannot seek in", name, errno), &e);
	} else {
		/* The archive is refused; its hash is still reported, from a second read of the same bytes.
		 */
		hash_only(t, fd, name);
	}
}

/* Reads and hashes one file (run by the pool's threads; touches only its task). */
static void run_task(struct pool *p, struct task *t)
{
	const char *name = p->r->files[t->file].name, *base;
	struct stat st;
	int fd;
	int dfd = open_parent(p->dirfd, name, &base, &t->bad_parent);
	if (dfd < 0) {
		t->errnum = errno;
		return;
	}
	struct crc_error e;
	int rc = crc_os_open_regular(&fd, &st, dfd, base, name, &e);
	close(dfd);
	if (rc == CRC_ENOTFOUND) {
		t->errnum = ENOENT;
		return;
	}
	if (rc == CRC_EINVALID) {
		t->not_regular = crc_os_file_kind(st.st_mode);
		return;
	}
	if (rc) {
		task_failed(t, rc, &e);
		return;
	}
	if (t->sized && (unsigned long long)st.st_size != t->expect_size) {
		t->size = (unsigned long long)st.st_size;
		t->size_only = 1;
	} else if (t->art || t->layer) {
		list_task(t, fd, name);
	} else {
		hash_only(t, fd, name);
	}
	if (t->hold)
		t->held_fd = fd;
	else
		close(fd);
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		size_t i = p->next < p->ntasks ? p->order[p->next++] : (size_t)-1;
		pthread_mutex_unlock(&p->lock);
		if (i == (size_t)-1)
			return NULL;
		run_task(p, &p->tasks[i]);
	}
}

/* Runs every task on up to nthreads threads (this one included). Threads that cannot be created are
 * simply not used. */
static void run_pool(struct pool *p, size_t nthreads)
{
	pthread_t th[64];
	size_t started = 0;
	if (nthreads > p->ntasks)
		nthreads = p->ntasks;
	if (nthreads > 64)
		nthreads = 64;
	pthread_mutex_init(&p->lock, NULL);
	while (started + 1 < nthreads && pthread_create(&th[started], NULL, worker, p) == 0)
		started++;
	worker(p);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&p->lock);
}

int crc_verify_add_problem(struct crc_verify_report *r, const char *file, int code, const char *msg)
{
	if (code == CRC_EVERIFY)
		r->mismatches++;
	else
		r->unreadable++;
	if (r->nproblems >= CRC_VERIFY_MAX_PROBLEMS) {
		r->dropped++;
		return 0;
	}
	struct crc_verify_problem *np = crc_grow(r->problems, &r->problems_cap, r->nproblems + 1, sizeof *np);
	if (!np)
		return CRC_ENOMEM;
	r->problems = np;
	struct crc_verify_problem *p = &r->problems[r->nproblems];
	p->file = strdup(file);
	p->msg = strdup(msg);
	p->code = code;
	if (!p->file || !p->msg) {
		free(p->file);
		free(p->msg);
		return CRC_ENOMEM;
	}
	r->nproblems++;
	return 0;
}

/* Adds a formatted problem; returns 0 or CRC_ENOMEM. */
__attribute__((format(printf, 4, 5))) static int problem(struct crc_verify_report *r, const char *file,
							 int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char msg[2048];
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return CRC_ENOMEM;
	if ((size_t)n >= sizeof msg)
		memcpy(msg + sizeof msg - 4, "...", 4);
	return crc_verify_add_problem(r, file, code, msg);
}

/* Adds a file to the report; returns its index or (size_t)-1 when out of memory. */
static size_t add_file(struct crc_verify_report *r, const char *name, const char *kind)
{
	struct crc_verify_file *nf = crc_grow(r->files, &r->files_cap, r->nfiles + 1, sizeof *nf);
	if (!nf)
		return (size_t)-1;
	r->files = nf;
	struct crc_verify_file *f = &r->files[r->nfiles];
	memset(f, 0, sizeof *f);
	if (!(f->name = strdup(name)))
		return (size_t)-1;
	f->kind = kind;
	return r->nfiles++;
}

/* The problems of a file that could not be hashed; returns 1 when there were any (rc: ENOMEM). */
static int access_problems(struct crc_verify_report *r, const struct task *t, const char *what, int *rc)
{
	const char *name = r->files[t->file].name;
	if (t->bad_parent)
		*rc = problem(r, name, CRC_EVERIFY, "lies below %s, not a directory (never followed)",
			      t->bad_parent);
	else if (t->errnum == ENOENT)
		*rc = problem(r, name, CRC_EVERIFY, "missing (%s)", what);
	else if (t->errnum)
		*rc = problem(r, name, CRC_EIO, "cannot open: %s", strerror(t->errnum));
	else if (t->not_regular)
		*rc = problem(r, name, CRC_EVERIFY, "is %s, not a regular file", t->not_regular);
	else if (t->rc)
		*rc = crc_verify_add_problem(r, name, t->rc == CRC_EVERIFY ? CRC_EVERIFY : CRC_EIO,
					     t->err ? t->err : crc_code_name(t->rc));
	else
		return 0;
	return 1;
}

static int by_entry_path(const void *a, const void *b)
{
	const struct crc_manifest_entry *const *x = a, *const *y = b;
	return strcmp((*x)->path, (*y)->path);
}

static const char *type_word(char type)
{
	return type == 'f' ? "file" : type == 'd' ? "dir" : type == 'l' ? "symlink" : "?";
}

/* Compares one manifest entry with what the archive holds (every attribute the manifest records, the mode
 * as stored: setuid, setgid and sticky bits count); returns 0 or CRC_ENOMEM. */
static int compare_entry(struct crc_verify_report *r, const char *file, const struct crc_manifest_entry *m,
			 const struct crc_archive_entry *e)
{
	char sp[CRC_SHOWN_MAX], s1[CRC_SHOWN_MAX], s2[CRC_SHOWN_MAX];
	const char *path = crc_shown(sp, sizeof sp, m->path);
	int rc = 0;
	if (m->type != e->type)
		return problem(r, file, CRC_EVERIFY, "entry '%s': type mismatch: expected %s got %s", path,
			       type_word(m->type), type_word(e->type));
	if (m->mode != e->mode)
		rc = problem(r, file, CRC_EVERIFY, "entry '%s': mode mismatch: expected %04o got %04o", path,
			     m->mode, e->mode);
	if (!rc && m->type == 'f' && m->size != e->size)
		rc = problem(r, file, CRC_EVERIFY, "entry '%s': size mismatch: expected %llu got %llu", path,
			     m->size, e->size);
	else if (!rc && m->type == 'f' && strcmp(m->sha256, e->sha256) != 0)
		rc = problem(r, file, CRC_EVERIFY, "entry '%s': sha256 mismatch: expected %s got %s", path,
			     m->sha256, e->sha256);
	if (!rc && m->type == 'l' && strcmp(m->link, e->link ? e->link : "") != 0)
		rc = problem(r, file, CRC_EVERIFY,
			     "entry '%s': symlink target mismatch: expected '%s' got '%s'", path,
			     crc_shown(s1, sizeof s1, m->link),
			     crc_shown(s2, sizeof s2, e->link ? e->link : ""));
	return rc;
}

/* Deep check of one archive: every entry of the listing against the manifest's, both ways. */
static int compare_entries(struct crc_verify_report *r, struct crc_verify_file *f,
			   const struct crc_manifest_artifact *a, const struct crc_archive_result *l)
{
	const struct crc_manifest_entry **m = NULL;
	int rc = 0;
	if (a->nentries && !(m = malloc(a->nentries * sizeof *m)))
		return CRC_ENOMEM;
	for (size_t i = 0; i < a->nentries; i++)
		m[i] = &a->entries[i];
	if (a->nentries)
		qsort(m, a->nentries, sizeof *m, by_entry_path);
	size_t i = 0, j = 0;
	while (!rc && (i < a->nentries || j < l->nentries)) {
		int c = i == a->nentries ? 1 : j == l->nentries ? -1 : strcmp(m[i]->path, l->entries[j].path);
		char sp[CRC_SHOWN_MAX];
		if (c < 0) {
			rc = problem(r, f->name, CRC_EVERIFY,
				     "entry '%s' is listed in manifest.yaml but missing",
				     crc_shown(sp, sizeof sp, m[i++]->path));
			f->ok = 0;
		} else if (c > 0) {
			rc = problem(r, f->name, CRC_EVERIFY, "entry '%s' is not listed in manifest.yaml",
				     crc_shown(sp, sizeof sp, l->entries[j++].path));
			f->ok = 0;
		} else {
			size_t before = r->mismatches;
			rc = compare_entry(r, f->name, m[i++], &l->entries[j++]);
			f->entries++;
			if (r->mismatches != before)
				f->ok = 0;
		}
	}
	free(m);
	return rc;
}

/* Whether mode is one crc's archive writer gives an entry of this type (it normalizes every mode). */
static int written_mode(char type, unsigned mode)
{
	return type == 'd' ? mode == 0755 : type == 'l' ? mode == 0777 : mode == 0755 || mode == 0644;
}

/* Deep check of one image layer: its listing held no hostile entry (else list_rc says why), every entry has
 * a mode crc's writer gives (no setuid, setgid, sticky or world-writable bit: the manifest lists no entries
 * of a layer to compare with), and its decompressed stream is the one the manifest's diff_id names. */
static int check_layer(struct crc_verify_report *r, struct crc_verify_file *f,
		       const struct crc_manifest_target *g, const struct crc_archive_result *l)
{
	char sp[CRC_SHOWN_MAX];
	int rc = 0;
	f->entries = l->nentries;
	for (size_t i = 0; !rc && i < l->nentries; i++) {
		const struct crc_archive_entry *e = &l->entries[i];
		if (written_mode(e->type, e->mode))
			continue;
		f->ok = 0;
		rc = problem(
			r, f->name, CRC_EVERIFY,
			"entry '%s': mode %04o, which crc never writes (0644 or 0755 for files, 0755 for "
			"directories, 0777 for symlinks)",
			crc_shown(sp, sizeof sp, e->path), e->mode);
	}
	if (rc || strcmp(l->stream_sha256, g->image.diff_id) == 0)
		return rc;
	f->ok = 0;
	return problem(r, f->name, CRC_EVERIFY,
		       "layer's decompressed stream has sha256 %s, the manifest's diff_id is %s",
		       l->stream_sha256, g->image.diff_id);
}

/* Reads manifest.yaml whole (a regular file, capped) into text through one descriptor, and hashes it. */
static int read_manifest(struct crc_buf *text, char sha[CRC_SHA256_HEX], int dirfd, struct crc_error *err)
{
	struct stat st;
	int fd;
	int rc = crc_os_open_regular(&fd, &st, dirfd, "manifest.yaml", NULL, err);
	if (rc)
		return rc;
	if ((unsigned long long)st.st_size > CRC_MANIFEST_MAX_BYTES)
		rc = crc_err_at(err, CRC_EINVALID, "manifest.yaml", 0, 0,
				"too large: %lld bytes (at most %zu MiB)", (long long)st.st_size,
				CRC_MANIFEST_MAX_BYTES >> 20);
	else
		rc = crc_os_read_fd(text, fd, "manifest.yaml", CRC_MANIFEST_MAX_BYTES, err);
	close(fd);
	if (!rc)
		rc = crc_sha256_buf(sha, text->data ? text->data : "", text->len, err);
	return rc;
}

/* With o->key: the signature over the manifest's bytes, before they are parsed. Returns 0 when it holds
 * (or none is asked for), 1 when it does not (the problem is in r), or CRC_ENOMEM. */
static int check_signature(struct crc_verify_report *r, int dirfd, const struct crc_verify_options *o)
{
	struct crc_error err;
	if (!o->key)
		return 0;
	r->signature_checked = 1;
	snprintf(r->key_id, sizeof r->key_id, "%s", crc_sign_key_id(o->key));
	int rc = crc_sign_verify_at(o->key, dirfd, CRC_SIGN_SIGNATURE,
				    r->manifest_text.data ? r->manifest_text.data : "", r->manifest_text.len,
				    &err);
	if (rc == 0)
		return 0;
	if (rc == CRC_ENOMEM)
		return CRC_ENOMEM;
	/* A missing, malformed or wrong signature fails verification; only an unreadable one is not. */
	int code = rc == CRC_EIO ? CRC_EIO : CRC_EVERIFY;
	return crc_verify_add_problem(r, CRC_SIGN_SIGNATURE, code, err.msg) ? CRC_ENOMEM : 1;
}

/* The manifest must name the drop the caller expects: a drop moved or copied under another name (another
 * id, or another profile's folder) is a replay. Returns 0 or CRC_ENOMEM. */
static int check_identity(struct crc_verify_report *r, const struct crc_verify_options *o)
{
	const struct crc_manifest *m = r->manifest;
	char s1[CRC_SHOWN_MAX], s2[CRC_SHOWN_MAX], s3[CRC_SHOWN_MAX], s4[CRC_SHOWN_MAX];
	const char *from = o->identity_from ? o->identity_from : "the caller";
	int bad_profile = o->profile && strcmp(o->profile, m->profile) != 0;
	int bad_id = o->drop_id && strcmp(o->drop_id, m->drop_id) != 0;
	if (!bad_profile && !bad_id)
		return 0;
	crc_shown(s1, sizeof s1, m->profile);
	crc_shown(s2, sizeof s2, m->drop_id);
	if (o->profile && o->drop_id)
		return problem(r, "manifest.yaml", CRC_EVERIFY,
			       "names drop %s/%s, not %s/%s as %s says (a drop is valid only under its own "
			       "profile and id)",
			       s1, s2, crc_shown(s3, sizeof s3, o->profile),
			       crc_shown(s4, sizeof s4, o->drop_id), from);
	if (bad_id)
		return problem(r, "manifest.yaml", CRC_EVERIFY,
			       "names drop %s (of profile %s), not %s as %s says (a drop is valid only under "
			       "its own id)",
			       s2, s1, crc_shown(s3, sizeof s3, o->drop_id), from);
	return problem(r, "manifest.yaml", CRC_EVERIFY,
		       "names profile %s, not %s as %s says (a drop is valid only under its own profile)", s1,
		       crc_shown(s3, sizeof s3, o->profile), from);
}

/* A file of the drop beside the archives that the manifest pins by a key of its own. */
struct metadata {
	const char *name, *kind, *sha256;
};
#define METADATA_MAX 3

/* The metadata files the manifest pins, into md, and how many: flags.txt, then provenance.json and
 * template.yaml when it pins them (both keys are optional within v1). */
static size_t metadata_files(const struct crc_manifest *m, struct metadata md[METADATA_MAX])
{
	size_t n = 0;
	md[n++] = (struct metadata){"flags.txt", "flags", m->flags_sha256};
	if (m->provenance_sha256 && m->provenance_sha256[0])
		md[n++] = (struct metadata){"provenance.json", "provenance", m->provenance_sha256};
	if (m->template_sha256 && m->template_sha256[0])
		md[n++] = (struct metadata){CRC_LAMBDA_TEMPLATE_FILE, "template", m->template_sha256};
	return n;
}

/* A name and the hash the manifest pins for it, in a table sorted by name. */
struct pin {
	const char *name, *sha256;
};

static int by_pin(const void *a, const void *b)
{
	return strcmp(((const struct pin *)a)->name, ((const struct pin *)b)->name);
}

/* Every file the manifest pins (the manifest itself by manifest_sha), sorted by name: *out (free it). */
static int pins_of(struct pin **out, size_t *n, const struct crc_manifest *m, const char *manifest_sha)
{
	struct metadata md[METADATA_MAX];
	size_t nmd = metadata_files(m, md), k = 0;
	struct pin *p = malloc((1 + nmd + m->nartifacts + m->nfiles) * sizeof *p);
	if (!p)
		return CRC_ENOMEM;
	p[k++] = (struct pin){"manifest.yaml", manifest_sha};
	for (size_t i = 0; i < nmd; i++)
		p[k++] = (struct pin){md[i].name, md[i].sha256};
	for (size_t i = 0; i < m->nartifacts; i++)
		p[k++] = (struct pin){m->artifacts[i].path, m->artifacts[i].sha256};
	for (size_t i = 0; i < m->nfiles; i++)
		p[k++] = (struct pin){m->files[i].path, m->files[i].sha256};
	qsort(p, k, sizeof *p, by_pin);
	*out = p;
	*n = k;
	return 0;
}

static const struct pin *find_pin(const struct pin *p, size_t n, const char *name)
{
	const struct pin key = {name, NULL};
	return bsearch(&key, p, n, sizeof *p, by_pin);
}

/* SHA256SUMS against the manifest: it must list exactly the manifest, the metadata files it pins and the
 * artifacts, each with the hash the manifest pins (the files themselves are checked against the manifest
 * elsewhere). */
static int check_sums(struct crc_verify_report *r, int dirfd, const char *manifest_sha)
{
	struct crc_buf text;
	struct crc_manifest_sums *sums = NULL;
	struct crc_error err;
	struct pin *pins = NULL, *listed = NULL;
	size_t npins = 0;
	size_t fi = add_file(r, "SHA256SUMS", "sums");
	int rc = 0;
	if (fi == (size_t)-1)
		return CRC_ENOMEM;
	crc_buf_init(&text);
	struct crc_verify_file *f = &r->files[fi];
	struct task t;
	memset(&t, 0, sizeof t);
	t.file = fi;
	struct stat st;
	int fd;
	int orc = crc_os_open_regular(&fd, &st, dirfd, "SHA256SUMS", NULL, &err);
	if (orc == CRC_ENOTFOUND)
		t.errnum = ENOENT;
	else if (orc == CRC_EINVALID)
		t.not_regular = crc_os_file_kind(st.st_mode);
	else if (orc)
		task_failed(&t, orc, &err);
	else if ((unsigned long long)st.st_size > SUMS_MAX_BYTES) {
		close(fd);
		rc = problem(r, "SHA256SUMS", CRC_EVERIFY,
			     "too large: %lld bytes (crc writes one line per file)", (long long)st.st_size);
		goto out;
	} else {
		if ((orc = crc_os_read_fd(&text, fd, "SHA256SUMS", SUMS_MAX_BYTES, &err)) != 0)
			task_failed(&t, orc, &err);
		close(fd);
	}
	int found = access_problems(r, &t, "every drop has one, for sha256sum -c", &rc);
	free(t.err);
	if (found)
		goto out;
	f->size = text.len;
	r->bytes += text.len;
	if ((rc = crc_sha256_buf(f->sha256, text.data ? text.data : "", text.len, &err)) != 0)
		goto out;
	if (crc_manifest_parse_sha256sums(&sums, "SHA256SUMS", text.data ? text.data : "", text.len, &err)) {
		if (err.code == CRC_ENOMEM)
			rc = CRC_ENOMEM;
		else if (err.line)
			rc = problem(r, "SHA256SUMS", CRC_EVERIFY, "line %d: malformed: %s", err.line,
				     err.msg);
		else
			rc = problem(r, "SHA256SUMS", CRC_EVERIFY, "malformed: %s", err.msg);
		goto out;
	}
	if ((rc = pins_of(&pins, &npins, r->manifest, manifest_sha)) != 0)
		goto out;
	f->ok = 1;
	for (size_t i = 0; !rc && i < sums->n; i++) {
		const struct crc_manifest_sum *s = &sums->items[i];
		const struct pin *want = find_pin(pins, npins, s->name);
		if (!want) {
			rc = problem(r, "SHA256SUMS", CRC_EVERIFY,
				     "line %d: lists '%s', which manifest.yaml does not", s->line, s->name);
			f->ok = 0;
		} else if (strcmp(want->sha256, s->sha256) != 0) {
			rc = problem(
				r, "SHA256SUMS", CRC_EVERIFY,
				"line %d: sha256 of '%s' disagrees with manifest.yaml: lists %s, expected %s",
				s->line, s->name, s->sha256, want->sha256);
			f->ok = 0;
		}
	}
	/* Everything the manifest pins must be listed, in the manifest's order. */
	if (!rc && !(listed = malloc((sums->n ? sums->n : 1) * sizeof *listed)))
		rc = CRC_ENOMEM;
	for (size_t i = 0; !rc && i < sums->n; i++)
		listed[i] = (struct pin){sums->items[i].name, sums->items[i].sha256};
	if (!rc)
		qsort(listed, sums->n, sizeof *listed, by_pin);
	struct metadata md[METADATA_MAX];
	const struct crc_manifest *m = r->manifest;
	size_t nmd = metadata_files(m, md);
	for (size_t i = 0; !rc && i < 1 + nmd + m->nartifacts + m->nfiles; i++) {
		const char *name = i == 0                     ? "manifest.yaml"
				   : i <= nmd                 ? md[i - 1].name
				   : i <= nmd + m->nartifacts ? m->artifacts[i - 1 - nmd].path
							      : m->files[i - 1 - nmd - m->nartifacts].path;
		if (!find_pin(listed, sums->n, name)) {
			rc = problem(r, "SHA256SUMS", CRC_EVERIFY, "does not list '%s'", name);
			f->ok = 0;
		}
	}
out:
	free(pins);
	free(listed);
	crc_manifest_sums_free(sums);
	crc_buf_free(&text);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What the report lists, for the search of unlisted files: its names, and the paths of the manifest's
 * listed files, each sorted. */
struct known {
	const char **names, **listed;
	size_t nnames, nlisted;
};

static int known_init(struct known *k, const struct crc_verify_report *r)
{
	const struct crc_manifest *m = r->manifest;
	memset(k, 0, sizeof *k);
	k->names = malloc((r->nfiles ? r->nfiles : 1) * sizeof *k->names);
	k->listed = malloc((m->nfiles ? m->nfiles : 1) * sizeof *k->listed);
	if (!k->names || !k->listed)
		return CRC_ENOMEM;
	for (size_t i = 0; i < r->nfiles; i++)
		k->names[k->nnames++] = r->files[i].name;
	for (size_t i = 0; i < m->nfiles; i++)
		k->listed[k->nlisted++] = m->files[i].path;
	qsort(k->names, k->nnames, sizeof *k->names, by_name);
	qsort(k->listed, k->nlisted, sizeof *k->listed, by_name);
	return 0;
}

static void known_free(struct known *k)
{
	free(k->names);
	free(k->listed);
}

static int known_has(const struct known *k, const char *path)
{
	return bsearch(&path, k->names, k->nnames, sizeof *k->names, by_name) != NULL;
}

/* Whether a file the manifest lists under "files" lies below the directory path (n bytes): the first
 * listed path not before "path/" starts with it. */
static int holds_listed(const struct known *k, const char *path, size_t n)
{
	size_t lo = 0, hi = k->nlisted;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(k->listed[mid], path, n);
		if (c < 0 || (c == 0 && (unsigned char)k->listed[mid][n] < '/'))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < k->nlisted && strncmp(k->listed[lo], path, n) == 0 && k->listed[lo][n] == '/';
}

/* A growable list of paths. */
struct paths {
	char **v;
	size_t n, cap;
};

static int paths_add(struct paths *p, const char *s)
{
	char **v = crc_grow(p->v, &p->cap, p->n + 1, sizeof *v);
	if (!v)
		return CRC_ENOMEM;
	p->v = v;
	if (!(p->v[p->n] = strdup(s)))
		return CRC_ENOMEM;
	p->n++;
	return 0;
}

/* What collect_extra needs: the report's names, and where the unlisted paths go. */
struct extra {
	const struct known *k;
	struct paths *paths;
};

/* Collects what the report does not list (crc_os_walk's enter), descending only into directories that hold
 * listed files (so a symlinked directory, never followed, is itself extra). */
static int collect_extra(void *ctx, const struct crc_os_walk_entry *e, struct crc_error *err)
{
	struct extra *x = ctx;
	int dir = S_ISDIR(e->st->st_mode);
	/* The signature is the caller's to check, when it is a file at all. */
	if (e->depth == 1 && strcmp(e->name, "manifest.yaml.sig") == 0 && S_ISREG(e->st->st_mode))
		return CRC_OS_WALK_SKIP;
	if (known_has(x->k, e->path))
		return CRC_OS_WALK_SKIP;
	if (dir && holds_listed(x->k, e->path, strlen(e->path)))
		return CRC_OS_WALK_NEXT;
	if (paths_add(x->paths, e->path))
		return crc_err(err, CRC_ENOMEM, "out of memory");
	return CRC_OS_WALK_SKIP;
}

/* The files of the drop the manifest does not list (paths in order). */
static int check_extra(struct crc_verify_report *r, int dirfd, int allow_extra)
{
	struct paths extra = {NULL, 0, 0};
	struct known k;
	struct crc_error err;
	int rc = known_init(&k, r);
	struct extra x = {&k, &extra};
	const struct crc_os_walker w = {collect_extra, NULL, &x, CRC_MANIFEST_MAX_PATH / 2, 0};
	if (!rc && (rc = crc_os_walk(dirfd, ".", &w, &err)) != 0 && rc != CRC_ENOMEM)
		rc = problem(r, ".", CRC_EIO, "%s", err.msg); /* the rest of the drop was checked */
	known_free(&k);
	if (!rc && extra.n)
		qsort(extra.v, extra.n, sizeof *extra.v, by_name);
	for (size_t i = 0; !rc && i < extra.n; i++) {
		char sn[CRC_SHOWN_MAX];
		size_t fi = add_file(r, crc_shown(sn, sizeof sn, extra.v[i]), "extra");
		if (fi == (size_t)-1) {
			rc = CRC_ENOMEM;
			break;
		}
		r->files[fi].ok = allow_extra;
		if (strcmp(extra.v[i], "manifest.yaml.sig") == 0)
			rc = problem(r, sn, CRC_EVERIFY, "not a regular file (a signature is a file)");
		else if (!allow_extra)
			rc = problem(r, sn, CRC_EVERIFY, "not listed in manifest.yaml");
	}
	crc_os_names_free(extra.v, extra.n);
	return rc;
}

/* Whether the file the task read has the size and hash the manifest lists; adds the problems. */
static int check_hash(struct crc_verify_report *r, struct crc_verify_file *f, const struct task *t,
		      int have_size)
{
	f->size = t->size;
	memcpy(f->sha256, t->sha256, sizeof f->sha256);
	if (!t->size_only)
		r->bytes += t->size;
	if (have_size && t->size != f->expected_size) {
		f->ok = 0;
		return problem(r, f->name, CRC_EVERIFY, "size mismatch: expected %llu bytes got %llu",
			       f->expected_size, t->size);
	}
	if (strcmp(t->sha256, f->expected_sha256) != 0) {
		f->ok = 0;
		return problem(r, f->name, CRC_EVERIFY, "sha256 mismatch: expected %s got %s",
			       f->expected_sha256, t->sha256);
	}
	return 0;
}

/* The tasks of check_files are the metadata files, then the artifacts, then the listed files. */
static const struct crc_manifest_artifact *artifact_of(const struct crc_manifest *m, size_t nmd, size_t i)
{
	return i >= nmd && i - nmd < m->nartifacts ? &m->artifacts[i - nmd] : NULL;
}

static const struct crc_manifest_file *listed_file_of(const struct crc_manifest *m, size_t nmd, size_t i)
{
	size_t k = nmd + m->nartifacts;
	return i >= k ? &m->files[i - k] : NULL;
}

/* The target whose image layer the listed file lf is, or NULL. */
static const struct crc_manifest_target *layer_of(const struct crc_manifest *m,
						  const struct crc_manifest_file *lf)
{
	static const char dir[] = CRC_IMAGE_DIR "/blobs/sha256/";
	if (strncmp(lf->path, dir, sizeof dir - 1) != 0)
		return NULL;
	for (size_t i = 0; i < m->ntargets; i++) {
		const struct crc_manifest_target *g = &m->targets[i];
		if (g->image.architecture && g->image.architecture[0] && g->image.layer_sha256 &&
		    strcmp(lf->path + sizeof dir - 1, g->image.layer_sha256) == 0)
			return g;
	}
	return NULL;
}

/* Largest expected size first; then in manifest order. */
struct by_size {
	unsigned long long size;
	size_t i;
};

static int larger_first(const void *a, const void *b)
{
	const struct by_size *x = a, *y = b;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Sets up the task of file i (the metadata files first, then artifacts, then listed files). */
static int add_task(struct crc_verify_report *r, struct task *t, size_t i, const struct metadata *md,
		    size_t nmd, const struct crc_verify_options *o, const struct crc_manifest_artifact *hold)
{
	const struct crc_manifest *m = r->manifest;
	const struct crc_manifest_artifact *a = artifact_of(m, nmd, i);
	const struct crc_manifest_file *lf = listed_file_of(m, nmd, i);
	size_t fi = a    ? add_file(r, a->path, "artifact")
		    : lf ? add_file(r, lf->path, "file")
			 : add_file(r, md[i].name, md[i].kind);
	if (fi == (size_t)-1)
		return CRC_ENOMEM;
	struct crc_verify_file *f = &r->files[fi];
	snprintf(f->expected_sha256, sizeof f->expected_sha256, "%s",
		 a    ? a->sha256
		 : lf ? lf->sha256
		      : md[i].sha256);
	f->expected_size = a ? a->size : lf ? lf->size : 0;
	f->ok = 1;
	t->file = fi;
	t->held_fd = -1;
	t->sized = a || lf;
	t->expect_size = f->expected_size;
	t->art = a && o->deep ? a : NULL;
	t->layer = lf && o->deep ? layer_of(m, lf) : NULL;
	t->hold = a && a == hold;
	return 0;
}

/* Hashes the metadata files and the artifacts on the pool, then reports on each in manifest order. */
static int check_files(struct crc_verify_report *r, int dirfd, const struct crc_verify_options *o)
{
	const struct crc_manifest *m = r->manifest;
	const struct crc_manifest_artifact *hold =
		o->hold_target ? crc_manifest_installable(m, o->hold_target) : NULL;
	struct metadata md[METADATA_MAX];
	size_t nmd = metadata_files(m, md), n = nmd + m->nartifacts + m->nfiles;
	struct task *tasks = calloc(n, sizeof *tasks);
	size_t *order = calloc(n, sizeof *order);
	struct by_size *sizes = calloc(n, sizeof *sizes);
	int rc = 0;
	if (!tasks || !order || !sizes) {
		rc = CRC_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if ((rc = add_task(r, &tasks[i], i, md, nmd, o, hold)) != 0)
			goto out;
		sizes[i] = (struct by_size){tasks[i].expect_size, i};
	}
	qsort(sizes, n, sizeof *sizes, larger_first);
	for (size_t i = 0; i < n; i++)
		order[i] = sizes[i].i;
	struct pool p = {dirfd, r, tasks, order, n, 0, PTHREAD_MUTEX_INITIALIZER};
	run_pool(&p, o->threads ? o->threads : 1);
	for (size_t i = 0; !rc && i < n; i++) {
		struct task *t = &tasks[i];
		struct crc_verify_file *f = &r->files[t->file];
		const struct crc_manifest_artifact *a = artifact_of(m, nmd, i);
		if (t->hold) {
			r->held = a;
			r->held_fd = t->held_fd;
			t->held_fd = -1;
		}
		if (access_problems(r, t,
				    t->sized ? "listed in manifest.yaml" : "manifest.yaml lists its sha256",
				    &rc)) {
			f->ok = 0;
			continue;
		}
		if ((rc = check_hash(r, f, t, t->sized)) != 0 || t->size_only)
			continue;
		if ((t->art || t->layer) && t->list_rc) {
			f->ok = 0;
			rc = problem(r, f->name, CRC_EVERIFY, "%s", t->list_err ? t->list_err : "refused");
		} else if (t->art) {
			rc = compare_entries(r, f, a, &t->listing);
		} else if (t->layer) {
			rc = check_layer(r, f, t->layer, &t->listing);
		}
	}
out:
	for (size_t i = 0; tasks && i < n; i++) {
		crc_archive_result_free(&tasks[i].listing);
		free(tasks[i].err);
		free(tasks[i].list_err);
		if (tasks[i].held_fd >= 0)
			close(tasks[i].held_fd);
	}
	free(tasks);
	free(order);
	free(sizes);
	return rc;
}

/* Reports a manifest that cannot be read or parsed (err) as a problem of manifest.yaml. */
static void manifest_problem(struct crc_verify_report *r, int rc, const char *dir, struct crc_error *err)
{
	char where[CRC_ERROR_PATH_MAX + 32];
	if (err->line)
		snprintf(where, sizeof where, "manifest.yaml:%d:%d", err->line, err->col);
	else
		snprintf(where, sizeof where, "manifest.yaml");
	if (rc == CRC_ENOTFOUND)
		crc_err_at(err, rc, "manifest.yaml", 0, 0, "missing (is %s a drop?)", dir);
	crc_verify_add_problem(r, where, rc == CRC_EINVALID ? CRC_EINVALID : CRC_EIO, err->msg);
}

int crc_verify_drop(struct crc_verify_report *r, const char *dir, const struct crc_verify_options *o,
		    struct crc_error *err)
{
	static const struct crc_verify_options defaults = {0, 0, 1, NULL, NULL, NULL, NULL, NULL};
	char manifest_sha[CRC_SHA256_HEX];
	int rc = 0;
	memset(r, 0, sizeof *r);
	crc_buf_init(&r->manifest_text);
	r->held_fd = -1;
	if (!o)
		o = &defaults;
	int dirfd;
	struct crc_error oerr;
	if (crc_os_open_dir(&dirfd, AT_FDCWD, dir, 0, &oerr) != 0) {
		if (errno == ENOTDIR)
			rc = crc_err_at(err, CRC_EINVALID, dir, 0, 0,
					"not a directory (give the drop's directory, or its manifest.yaml)");
		else
			rc = crc_err_os(err, "cannot open the drop", dir, errno);
		crc_verify_add_problem(r, dir, rc == CRC_EINVALID ? CRC_EINVALID : CRC_EIO, err->msg);
		goto out;
	}
	size_t fi = add_file(r, "manifest.yaml", "manifest");
	if (fi == (size_t)-1) {
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = read_manifest(&r->manifest_text, manifest_sha, dirfd, err)) != 0) {
		manifest_problem(r, rc, dir, err);
		goto out;
	}
	r->files[fi].size = r->manifest_text.len;
	memcpy(r->files[fi].sha256, manifest_sha, sizeof manifest_sha);
	r->bytes += r->manifest_text.len;
	/* The signature first: a manifest that it does not cover is not even parsed. */
	if ((rc = check_signature(r, dirfd, o)) != 0) {
		if (rc == CRC_ENOMEM)
			rc = crc_err(err, CRC_ENOMEM, "out of memory verifying %s", dir);
		else
			rc = crc_err(err, r->mismatches ? CRC_EVERIFY : CRC_EIO, "%s: %s",
				     r->problems[r->nproblems - 1].file, r->problems[r->nproblems - 1].msg);
		goto out;
	}
	if ((rc = crc_manifest_parse(&r->manifest, "manifest.yaml",
				     r->manifest_text.data ? r->manifest_text.data : "", r->manifest_text.len,
				     err)) != 0) {
		manifest_problem(r, rc, dir, err);
		goto out;
	}
	r->files[fi].ok = 1;
	if ((rc = check_identity(r, o)) != 0) {
		rc = crc_err(err, CRC_ENOMEM, "out of memory verifying %s", dir);
		goto out;
	}
	/* The image layout must be the one its targets describe (its index a function of the manifest). */
	struct crc_error ierr;
	int irc = crc_image_check_files(r->manifest, &ierr);
	if (irc == CRC_ENOMEM || (irc && crc_verify_add_problem(r, "manifest.yaml", CRC_EVERIFY, ierr.msg))) {
		rc = crc_err(err, CRC_ENOMEM, "out of memory verifying %s", dir);
		goto out;
	}
	if ((rc = check_files(r, dirfd, o)) == 0 && (rc = check_sums(r, dirfd, manifest_sha)) == 0)
		rc = check_extra(r, dirfd, o->allow_extra);
	if (rc)
		rc = crc_err(err, CRC_ENOMEM, "out of memory verifying %s", dir);
	else if (r->mismatches)
		rc = crc_err(err, CRC_EVERIFY, "%zu problem%s", r->mismatches + r->unreadable,
			     r->mismatches + r->unreadable == 1 ? "" : "s");
	else if (r->unreadable)
		rc = crc_err(err, CRC_EIO, "%zu file%s could not be read", r->unreadable,
			     r->unreadable == 1 ? "" : "s");
out:
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}

void crc_verify_report_free(struct crc_verify_report *r)
{
	if (!r)
		return;
	crc_manifest_free(r->manifest);
	for (size_t i = 0; i < r->nfiles; i++)
		free(r->files[i].name);
	free(r->files);
	for (size_t i = 0; i < r->nproblems; i++) {
		free(r->problems[i].file);
		free(r->problems[i].msg);
	}
	free(r->problems);
	crc_buf_free(&r->manifest_text);
	if (r->held && r->held_fd >= 0)
		close(r->held_fd);
	memset(r, 0, sizeof *r);
	r->held_fd = -1;
}
