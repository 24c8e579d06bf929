/* The identifiers crc's files carry, checked the one way everywhere: drop ids and names of its vocabulary,
 * hex SHA-256 digests, RFC 3339 UTC times, source URLs. Pure: no files, no processes, no planner. */
#ifndef CRC_IDS_H
#define CRC_IDS_H

#include "crc/error.h"

/* Longest drop id, profile name or release id. */
#define CRC_IDS_NAME_MAX 128
/* Bytes of a time as crc_ids_time_format writes it, with the NUL: "2026-11-22T10:00:00Z". */
#define CRC_IDS_TIME_SIZE 21
/* Longest source URL, with the NUL. */
#define CRC_IDS_URL_MAX 512

/* Whether id is a drop id: 1 to CRC_IDS_NAME_MAX of [A-Za-z0-9._-], not "." or "..". 0, or CRC_EINVALID
 * with a message saying which rule it breaks. Profiles' and targets' names in a drop obey the same. */
int crc_ids_check_drop_id(const char *id, struct crc_error *err);

/* crc_ids_check_drop_id without a message: 1 when s (which may be NULL) is one. */
int crc_ids_name_ok(const char *s);

/* Whether s (which may be NULL) is exactly 64 lower-case hex digits, a SHA-256 as crc writes it. */
int crc_ids_hex64_ok(const char *s);

/* Whether s (which may be NULL) is exactly YYYY-MM-DDTHH:MM:SSZ and a real date and time (no leap
 * seconds). */
int crc_ids_time_ok(const char *s);

/* epoch (seconds since 1970, UTC) as YYYY-MM-DDTHH:MM:SSZ into out; CRC_EINVALID (out "") when the year
 * would not have four digits. */
int crc_ids_time_format(char out[CRC_IDS_TIME_SIZE], long long epoch);

/* Whether s is a source URL crc records: https://HOST[:PORT]/PATH, the host of letters, digits, '.' and
 * '-' (not starting with '.' or '-'), a port of 1 to 5 digits, a path of letters, digits and "._~/%+-"
 * with no empty segment and no trailing '/', shorter than CRC_IDS_URL_MAX. No user, query or fragment:
 * nothing that could carry a credential. */
int crc_ids_url_ok(const char *s);

#endif
