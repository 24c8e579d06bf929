/* OCI documents for registry distribution (pure: no I/O). A drop travels as an OCI artifact: an image
 * manifest (application/vnd.oci.image.manifest.v1+json) with artifactType application/vnd.crc.drop.v1, the
 * empty config descriptor, and one layer per file of the drop, each titled with its file name
 * (org.opencontainers.image.title) and typed by what it is; the drop id and profile are annotations. This
 * module renders that manifest, parses one back with every check a puller needs (plain, unique file names,
 * caps on bytes, count and sizes), and reads the descriptors an OCI image index or manifest references (for
 * pushing an OCI image layout). */
#ifndef CRC_OCI_H
#define CRC_OCI_H

#include <stddef.h>

#include "crc/error.h"

#define CRC_OCI_MANIFEST_TYPE "application/vnd.oci.image.manifest.v1+json"
#define CRC_OCI_INDEX_TYPE "application/vnd.oci.image.index.v1+json"
#define CRC_OCI_DROP_TYPE "application/vnd.crc.drop.v1"
#define CRC_OCI_EMPTY_TYPE "application/vnd.oci.empty.v1+json"
#define CRC_OCI_EMPTY_DIGEST "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define CRC_OCI_TITLE "org.opencontainers.image.title"
#define CRC_OCI_ANN_DROP_ID "dev.crc.drop.id"
#define CRC_OCI_ANN_PROFILE "dev.crc.drop.profile"
/* Caps on a drop artifact: layers, bytes of one layer, bytes of all. */
#define CRC_OCI_MAX_LAYERS 1000
#define CRC_OCI_MAX_LAYER_BYTES ((unsigned long long)64 << 30)
#define CRC_OCI_MAX_TOTAL_BYTES ((unsigned long long)256 << 30)
/* Descriptors read from one index or manifest. */
#define CRC_OCI_MAX_DESCRIPTORS 10000
/* Bytes of a document either parser reads (as the registry's manifest cap, CRC_REGISTRY_MANIFEST_MAX).
 * Both read it in time linear in its size, titles given twice found by sorting. */
#define CRC_OCI_MAX_BYTES ((size_t)4 << 20)

/* A content descriptor. */
struct crc_oci_desc {
	char media_type[256];
	/* "sha256:" + 64 lower-case hex. */
	char digest[72];
	unsigned long long size;
	/* The title annotation (a drop layer's file name), or "". */
	char title[256];
};

/* A drop artifact: its drop id and profile, and its files. */
struct crc_oci_drop {
	char drop_id[129], profile[129];
	size_t n;
	struct crc_oci_desc *layers;
};

/* The media type of a drop's file, by name. */
const char *crc_oci_media_type(const char *name);

/* Renders d as the artifact's manifest JSON: *out owned by the caller (free()). */
int crc_oci_drop_render(char **out, size_t *len, const struct crc_oci_drop *d, struct crc_error *err);

/* Parses an artifact manifest strictly: schemaVersion 2, the image manifest media type, artifactType
 * CRC_OCI_DROP_TYPE, the empty config, the drop id and profile annotations (valid drop ids), and layers
 * each with a sha256 digest, a size within the caps and a title that is a plain file name (no '/', not
 * "." or "..", no control characters, at most 255 bytes) given once. *d is filled (layers owned: free with
 * crc_oci_drop_free). CRC_EINVALID says what is wrong. */
int crc_oci_drop_parse(struct crc_oci_drop *d, const char *text, size_t len, struct crc_error *err);
void crc_oci_drop_free(struct crc_oci_drop *d);

/* The descriptors an image index ("manifests") or image manifest ("config" and "layers") references, in
 * that order, into *out (owned: free()) and *n; what kind it is goes into *is_index. CRC_EINVALID for a
 * document that is neither, or a descriptor without a sha256 digest or size. */
int crc_oci_references(struct crc_oci_desc **out, size_t *n, int *is_index, const char *text, size_t len,
		       struct crc_error *err);

#endif
