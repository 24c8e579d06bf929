/* crc's own version and source revision, and the versions of the libraries it was built against, for
 * `crc --version`, bug reports and the manifests crc writes. */
#ifndef CRC_VERSION_H
#define CRC_VERSION_H

/* crc's release version, e.g. "0.1.0". */
const char *crc_version(void);

/* The git revision crc was built from ("<12 hex>[-dirty]"), or "unknown". */
const char *crc_revision(void);

/* Versions of the third-party libraries as they report themselves at run time; the strings are
 * borrowed from the libraries and live as long as the program. */
struct crc_library_versions {
	const char *libyaml;
	const char *libarchive;
	const char *openssl;
	const char *cjson;
};

void crc_library_versions(struct crc_library_versions *out);

#endif
