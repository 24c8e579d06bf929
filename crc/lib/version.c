/* Version information. CRC_VERSION_STRING comes from CMake's project version, CRC_SOURCE_REVISION from
 * the revision header regenerated at build time. */
#include "crc/version.h"

#include <archive.h>
#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <yaml.h>

#include "crc_revision.h"

const char *crc_version(void)
{
	return CRC_VERSION_STRING;
}

const char *crc_revision(void)
{
	return CRC_SOURCE_REVISION;
}

void crc_library_versions(struct crc_library_versions *out)
{
	out->libyaml = yaml_get_version_string();
	out->libarchive = archive_version_string();
	out->openssl = OpenSSL_version(OPENSSL_VERSION);
	out->cjson = cJSON_Version();
}
