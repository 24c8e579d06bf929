/* Building JSON reports. struct crc_json is opaque (cJSON stays inside json.c); strings are made valid
 * UTF-8 on the way in, so a report is valid JSON whatever bytes paths or tool output hold. */
#ifndef CRC_JSON_H
#define CRC_JSON_H

#include <stddef.h>
#include <stdint.h>

struct crc_json;

/* New empty object or array, owned by the caller: free with crc_json_free(), or hand it to
 * crc_json_set()/crc_json_push(). NULL when out of memory. */
struct crc_json *crc_json_object(void);
struct crc_json *crc_json_array(void);

/* Set a member of an object; a later set of the same key replaces it. Each returns 0 or CRC_ENOMEM. */
int crc_json_set_str(struct crc_json *obj, const char *key, const char *val); /* NULL → null */
int crc_json_set_int(struct crc_json *obj, const char *key, int64_t val);
/* A finite number (NaN and infinities become null). */
int crc_json_set_number(struct crc_json *obj, const char *key, double val);
int crc_json_set_bool(struct crc_json *obj, const char *key, int val);
int crc_json_set_null(struct crc_json *obj, const char *key);
/* Takes ownership of child, also on failure (where it is freed). */
int crc_json_set(struct crc_json *obj, const char *key, struct crc_json *child);

/* Appends to an array: a string, or a child whose ownership it takes (freed on failure). */
int crc_json_push_str(struct crc_json *arr, const char *val);
int crc_json_push(struct crc_json *arr, struct crc_json *child);

/* Renders j as text, indented with two spaces per level when pretty; keys keep insertion order. Returns
 * a NUL-terminated string owned by the caller (free()), or NULL when out of memory. */
char *crc_json_render(const struct crc_json *j, int pretty);

/* Reading JSON (the runtime's `noa ... --json` output): parses len bytes into a tree owned by the caller
 * (crc_json_free), or NULL when the text is not one valid JSON value or memory is short. */
struct crc_json *crc_json_parse(const char *text, size_t len);

/* The member key of an object, or NULL (also when j is not an object). Borrowed. */
const struct crc_json *crc_json_get(const struct crc_json *j, const char *key);

/* A string's text, or NULL when j is NULL or not a string. Borrowed. */
const char *crc_json_string(const struct crc_json *j);

/* A number that is a whole value from 0 to 2^53 into *out: 0, or -1 when j is NULL, not a number, negative,
 * fractional or larger. */
int crc_json_uint(const struct crc_json *j, uint64_t *out);
/* The items of an array (0 when j is not an array), and item i (NULL when out of range). */
size_t crc_json_count(const struct crc_json *j);
const struct crc_json *crc_json_item(const struct crc_json *j, size_t i);
/* The first item of an array (NULL when j is not an array or is empty) and the item after item (NULL after
 * the last): a walk over n items in n steps, where crc_json_count and crc_json_item take i steps each.
 * Borrowed. */
const struct crc_json *crc_json_first(const struct crc_json *j);
const struct crc_json *crc_json_next(const struct crc_json *item);

/* Frees j and everything in it. Accepts NULL. */
void crc_json_free(struct crc_json *j);

#endif
