/* OCI documents for registry distribution (crc/oci.h): the drop artifact's manifest, rendered and parsed
 * strictly, and the descriptors an index or manifest references. JSON goes through crc/json.h. */
#include "crc/oci.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc/json.h"
#include "crc/ids.h"

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

const char *crc_oci_media_type(const char *name)
{
	if (strcmp(name, "manifest.yaml") == 0)
		return "application/vnd.crc.manifest.v1+yaml";
	if (strcmp(name, "manifest.yaml.sig") == 0)
		return "application/vnd.crc.signature.v1";
	if (strcmp(name, "provenance.json") == 0)
		return "application/vnd.in-toto+json";
	if (strcmp(name, "template.yaml") == 0)
		return "application/yaml";
	if (strcmp(name, "flags.txt") == 0 || strcmp(name, "SHA256SUMS") == 0)
		return "text/plain";
	if (ends_with(name, ".tar.zst"))
		return "application/vnd.crc.archive.v1.tar+zstd";
	if (ends_with(name, ".tar.gz"))
		return "application/vnd.crc.archive.v1.tar+gzip";
	if (ends_with(name, ".zip"))
		return "application/zip";
	return "application/octet-stream";
}

static struct crc_json *descriptor(const char *media_type, const char *digest, unsigned long long size)
{
	struct crc_json *j = crc_json_object();
	if (!j || crc_json_set_str(j, "mediaType", media_type) || crc_json_set_str(j, "digest", digest) ||
	    crc_json_set_int(j, "size", (int64_t)size)) {
		crc_json_free(j);
		return NULL;
	}
	return j;
}

int crc_oci_drop_render(char **out, size_t *len, const struct crc_oci_drop *d, struct crc_error *err)
{
	struct crc_json *j = crc_json_object(),
			*cfg = descriptor(CRC_OCI_EMPTY_TYPE, CRC_OCI_EMPTY_DIGEST, 2);
	struct crc_json *layers = crc_json_array(), *ann = crc_json_object();
	int bad = !j || !cfg || !layers || !ann;
	*out = NULL;
	bad = bad || crc_json_set_int(j, "schemaVersion", 2) ||
	      crc_json_set_str(j, "mediaType", CRC_OCI_MANIFEST_TYPE) ||
	      crc_json_set_str(j, "artifactType", CRC_OCI_DROP_TYPE) || crc_json_set_str(cfg, "data", "e30=");
	if (!bad) {
		bad = crc_json_set(j, "config", cfg);
		cfg = NULL;
	}
	for (size_t i = 0; !bad && i < d->n; i++) {
		struct crc_json *l =
			descriptor(d->layers[i].media_type, d->layers[i].digest, d->layers[i].size);
		struct crc_json *la = crc_json_object();
		bad = !l || !la || crc_json_set_str(la, CRC_OCI_TITLE, d->layers[i].title);
		if (bad) {
			crc_json_free(l);
			crc_json_free(la);
			break;
		}
		bad = crc_json_set(l, "annotations", la) || crc_json_push(layers, l);
	}
	if (!bad) {
		bad = crc_json_set(j, "layers", layers);
		layers = NULL;
	}
	bad = bad || crc_json_set_str(ann, CRC_OCI_ANN_DROP_ID, d->drop_id) ||
	      crc_json_set_str(ann, CRC_OCI_ANN_PROFILE, d->profile);
	if (!bad) {
		bad = crc_json_set(j, "annotations", ann);
		ann = NULL;
	}
	if (!bad)
		*out = crc_json_render(j, 0);
	crc_json_free(j);
	crc_json_free(cfg);
	crc_json_free(layers);
	crc_json_free(ann);
	if (!*out)
		return crc_err(err, CRC_ENOMEM, "out of memory");
	*len = strlen(*out);
	return 0;
}

static int is_digest(const char *s)
{
	if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s) != 71)
		return 0;
	for (s += 7; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

/* Reads a descriptor: media type, digest and size (required), title (optional). */
static int read_desc(struct crc_oci_desc *out, const struct crc_json *j, const char *what, size_t i,
		     struct crc_error *err)
{
	const char *mt = crc_json_string(crc_json_get(j, "mediaType"));
	const char *dg = crc_json_string(crc_json_get(j, "digest"));
	const char *title = crc_json_string(crc_json_get(crc_json_get(j, "annotations"), CRC_OCI_TITLE));
	uint64_t size;
	memset(out, 0, sizeof *out);
	if (!mt || strlen(mt) >= sizeof out->media_type)
		return crc_err(err, CRC_EINVALID, "%s %zu: missing or overlong mediaType", what, i);
	if (!is_digest(dg))
		return crc_err(err, CRC_EINVALID,
			       "%s %zu: digest is not sha256: and 64 lower-case hex digits", what, i);
	if (crc_json_uint(crc_json_get(j, "size"), &size))
		return crc_err(err, CRC_EINVALID, "%s %zu: size is not a whole number", what, i);
	if (title && strlen(title) >= sizeof out->title)
		return crc_err(err, CRC_EINVALID, "%s %zu: title longer than 255 bytes", what, i);
	memcpy(out->media_type, mt, strlen(mt) + 1);
	memcpy(out->digest, dg, 72);
	out->size = size;
	if (title)
		memcpy(out->title, title, strlen(title) + 1);
	return 0;
}

static int plain_name(const char *s)
{
	if (!*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (; *s; s++)
		if (*s == '/' || *s == '\\' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* A layer's title and its place, for finding a title given twice by sorting. */
struct titled {
	const char *title;
	size_t index;
};

static int by_title(const void *a, const void *b)
{
	const struct titled *x = a, *y = b;
	int r = strcmp(x->title, y->title);
	return r ? r : x->index < y->index ? -1 : x->index > y->index;
}

/* The first of the n layers (in order) whose title an earlier one has: its index, n when the titles are
 * distinct, or (size_t)-1 when out of memory. Sorted by (title, index), it is the least index that follows
 * an equal title. */
static size_t first_title_twice(const struct crc_oci_desc *layers, size_t n)
{
	struct titled *t = malloc((n ? n : 1) * sizeof *t);
	size_t dup = n;
	if (!t)
		return (size_t)-1;
	for (size_t i = 0; i < n; i++)
		t[i] = (struct titled){layers[i].title, i};
	qsort(t, n, sizeof *t, by_title);
	for (size_t i = 1; i < n; i++)
		if (t[i].index < dup && strcmp(t[i].title, t[i - 1].title) == 0)
			dup = t[i].index;
	free(t);
	return dup;
}

int crc_oci_drop_parse(struct crc_oci_drop *d, const char *text, size_t len, struct crc_error *err)
{
	int rc = 0;
	uint64_t sv;
	char shown[CRC_SHOWN_MAX];
	unsigned long long total = 0;
	memset(d, 0, sizeof *d);
	if (len > CRC_OCI_MAX_BYTES)
		return crc_err(err, CRC_EINVALID, "artifact manifest: larger than %zu MiB",
			       CRC_OCI_MAX_BYTES >> 20);
	struct crc_json *j = crc_json_parse(text, len);
	if (!j)
		return crc_err(err, CRC_EINVALID, "artifact manifest is not valid JSON");
	const char *mt = crc_json_string(crc_json_get(j, "mediaType"));
	const char *at = crc_json_string(crc_json_get(j, "artifactType"));
	const struct crc_json *cfg = crc_json_get(j, "config"), *layers = crc_json_get(j, "layers");
	const struct crc_json *ann = crc_json_get(j, "annotations");
	const char *id = crc_json_string(crc_json_get(ann, CRC_OCI_ANN_DROP_ID));
	const char *profile = crc_json_string(crc_json_get(ann, CRC_OCI_ANN_PROFILE));
	struct crc_oci_desc c;
	if (crc_json_uint(crc_json_get(j, "schemaVersion"), &sv) || sv != 2) {
		rc = crc_err(err, CRC_EINVALID, "artifact manifest: schemaVersion is not 2");
		goto out;
	}
	if (!mt || strcmp(mt, CRC_OCI_MANIFEST_TYPE) != 0) {
		rc = crc_err(err, CRC_EINVALID, "not a crc drop: the manifest's mediaType is not %s",
			     CRC_OCI_MANIFEST_TYPE);
		goto out;
	}
	if (!at || strcmp(at, CRC_OCI_DROP_TYPE) != 0) {
		rc = crc_err(err, CRC_EINVALID, "not a crc drop: artifactType is %s, expected %s",
			     at ? crc_shown(shown, sizeof shown, at) : "missing", CRC_OCI_DROP_TYPE);
		goto out;
	}
	if ((rc = read_desc(&c, cfg, "config", 0, err)) != 0)
		goto out;
	if (strcmp(c.media_type, CRC_OCI_EMPTY_TYPE) != 0 || strcmp(c.digest, CRC_OCI_EMPTY_DIGEST) != 0 ||
	    c.size != 2) {
		rc = crc_err(err, CRC_EINVALID, "not a crc drop: config is not the empty descriptor");
		goto out;
	}
	struct crc_error e2;
	if (!id || crc_ids_check_drop_id(id, &e2) || !profile || crc_ids_check_drop_id(profile, &e2)) {
		rc = crc_err(err, CRC_EINVALID, "artifact manifest: missing or bad %s or %s annotation",
			     CRC_OCI_ANN_DROP_ID, CRC_OCI_ANN_PROFILE);
		goto out;
	}
	memcpy(d->drop_id, id, strlen(id) + 1);
	memcpy(d->profile, profile, strlen(profile) + 1);
	size_t n = crc_json_count(layers);
	if (n == 0 || n > CRC_OCI_MAX_LAYERS) {
		rc = crc_err(err, CRC_EINVALID, "artifact manifest: %zu layers (expected 1 to %d)", n,
			     CRC_OCI_MAX_LAYERS);
		goto out;
	}
	if (!(d->layers = calloc(n, sizeof *d->layers))) {
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
		goto out;
	}
	/* Layer by layer, in one walk over the array; a title given twice is found afterwards among the
	 * layers read (by sorting), and reported when it comes before the first layer that failed. */
	struct crc_error failed;
	int frc = 0;
	const struct crc_json *lj = crc_json_first(layers);
	for (size_t i = 0; i < n && !frc; i++, lj = crc_json_next(lj)) {
		struct crc_oci_desc *l = &d->layers[i];
		if ((frc = read_desc(l, lj, "layer", i, &failed)) != 0)
			break;
		if (!plain_name(l->title)) {
			frc = crc_err(&failed, CRC_EINVALID, "layer %zu: title '%s' is not a plain file name",
				      i, crc_shown(shown, sizeof shown, l->title));
			break;
		}
		d->n = i + 1;
		if (l->size > CRC_OCI_MAX_LAYER_BYTES || (total += l->size) > CRC_OCI_MAX_TOTAL_BYTES)
			frc = crc_err(&failed, CRC_EINVALID, "layer %zu (%s): larger than crc accepts", i,
				      crc_shown(shown, sizeof shown, l->title));
	}
	size_t dup = first_title_twice(d->layers, d->n);
	if (dup == (size_t)-1)
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
	else if (dup < d->n)
		rc = crc_err(err, CRC_EINVALID, "layer %zu: file name '%s' given twice", dup,
			     crc_shown(shown, sizeof shown, d->layers[dup].title));
	else if (frc && err)
		*err = failed;
	if (!rc)
		rc = frc;
out:
	crc_json_free(j);
	if (rc)
		crc_oci_drop_free(d);
	return rc;
}

void crc_oci_drop_free(struct crc_oci_drop *d)
{
	if (!d)
		return;
	free(d->layers);
	d->layers = NULL;
	d->n = 0;
}

int crc_oci_references(struct crc_oci_desc **out, size_t *n, int *is_index, const char *text, size_t len,
		       struct crc_error *err)
{
	int rc = 0;
	*out = NULL;
	*n = 0;
	if (len > CRC_OCI_MAX_BYTES)
		return crc_err(err, CRC_EINVALID, "larger than %zu MiB", CRC_OCI_MAX_BYTES >> 20);
	struct crc_json *j = crc_json_parse(text, len);
	if (!j)
		return crc_err(err, CRC_EINVALID, "not valid JSON");
	const struct crc_json *manifests = crc_json_get(j, "manifests"), *layers = crc_json_get(j, "layers");
	const struct crc_json *cfg = crc_json_get(j, "config");
	*is_index = manifests != NULL;
	if (!manifests && !cfg) {
		rc = crc_err(err, CRC_EINVALID, "neither an image index (manifests) nor a manifest (config)");
		goto out;
	}
	size_t count = manifests ? crc_json_count(manifests) : 1 + crc_json_count(layers);
	if (count > CRC_OCI_MAX_DESCRIPTORS) {
		rc = crc_err(err, CRC_EINVALID, "more than %d descriptors", CRC_OCI_MAX_DESCRIPTORS);
		goto out;
	}
	if (count && !(*out = calloc(count, sizeof **out))) {
		rc = crc_err(err, CRC_ENOMEM, "out of memory");
		goto out;
	}
	/* One walk over the array (crc_json_item would take i steps for item i). */
	const struct crc_json *next = crc_json_first(manifests ? manifests : layers);
	for (size_t i = 0; i < count; i++) {
		const struct crc_json *dj = cfg;
		if (manifests || i > 0) {
			dj = next;
			next = crc_json_next(next);
		}
		if ((rc = read_desc(&(*out)[i], dj,
				    manifests ? "manifest"
				    : i == 0  ? "config"
					      : "layer",
				    i, err)) != 0)
			goto out;
	}
	*n = count;
out:
	crc_json_free(j);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}
