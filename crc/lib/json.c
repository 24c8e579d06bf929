/* The cJSON wrapper. cJSON writes string bytes as they are, so every string passes through valid_utf8()
 * first; cJSON's own pretty printer uses tabs, so pretty output is re-indented to two spaces here. */
#include "crc/json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc/error.h"

#define AS_CJSON(j) ((cJSON *)(void *)(j))
#define AS_CONST_CJSON(j) ((const cJSON *)(const void *)(j))

/* Returns a copy of s in which every byte that is not part of a valid UTF-8 sequence is replaced with
 * U+FFFD; NULL when out of memory. */
static char *valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	char *out = malloc(n * 3 + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t len = 0;
		unsigned cp = 0;
		if (c < 0x80)
			len = 1, cp = c;
		else if (c >= 0xc2 && c <= 0xdf)
			len = 2, cp = c & 0x1fu;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, cp = c & 0x0fu;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, cp = c & 0x07u;
		int ok = len > 0 && i + len <= n;
		for (size_t k = 1; ok && k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				ok = 0;
			cp = (cp << 6) | (p[i + k] & 0x3fu);
		}
		if (ok && ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
			   (cp >= 0xd800 && cp <= 0xdfff)))
			ok = 0;
		if (ok) {
			memcpy(o, p + i, len);
			o += len;
			i += len;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	*o = '\0';
	return out;
}

static cJSON *new_string(const char *val)
{
	if (!val)
		return cJSON_CreateNull();
	char *clean = valid_utf8(val);
	if (!clean)
		return NULL;
	cJSON *item = cJSON_CreateString(clean);
	free(clean);
	return item;
}

struct crc_json *crc_json_object(void)
{
	return (struct crc_json *)(void *)cJSON_CreateObject();
}

struct crc_json *crc_json_array(void)
{
	return (struct crc_json *)(void *)cJSON_CreateArray();
}

/* Adds item under key, replacing an earlier member of that name; frees item on failure. */
static int set_item(struct crc_json *obj, const char *key, cJSON *item)
{
	char *k = NULL;
	if (!item)
		return CRC_ENOMEM;
	k = valid_utf8(key);
	if (!k)
		goto nomem;
	if (cJSON_GetObjectItemCaseSensitive(AS_CJSON(obj), k)) {
		if (!cJSON_ReplaceItemInObjectCaseSensitive(AS_CJSON(obj), k, item))
			goto nomem;
	} else if (!cJSON_AddItemToObject(AS_CJSON(obj), k, item)) {
		goto nomem;
	}
	free(k);
	return 0;
nomem:
	free(k);
	cJSON_Delete(item);
	return CRC_ENOMEM;
}

int crc_json_set_str(struct crc_json *obj, const char *key, const char *val)
{
	return set_item(obj, key, new_string(val));
}

int crc_json_set_int(struct crc_json *obj, const char *key, int64_t val)
{
	/* cJSON keeps numbers as doubles; beyond 2^53 they would lose digits, so write those as raw text. */
	if (val > (INT64_C(1) << 53) || val < -(INT64_C(1) << 53)) {
		char buf[32];
		snprintf(buf, sizeof buf, "%lld", (long long)val);
		return set_item(obj, key, cJSON_CreateRaw(buf));
	}
	return set_item(obj, key, cJSON_CreateNumber((double)val));
}

int crc_json_set_number(struct crc_json *obj, const char *key, double val)
{
	if (!isfinite(val))
		return set_item(obj, key, cJSON_CreateNull());
	return set_item(obj, key, cJSON_CreateNumber(val));
}

int crc_json_set_bool(struct crc_json *obj, const char *key, int val)
{
	return set_item(obj, key, cJSON_CreateBool(val ? 1 : 0));
}

int crc_json_set_null(struct crc_json *obj, const char *key)
{
	return set_item(obj, key, cJSON_CreateNull());
}

int crc_json_set(struct crc_json *obj, const char *key, struct crc_json *child)
{
	return set_item(obj, key, AS_CJSON(child));
}

static int push_item(struct crc_json *arr, cJSON *item)
{
	if (!item)
		return CRC_ENOMEM;
	if (!cJSON_AddItemToArray(AS_CJSON(arr), item)) {
		cJSON_Delete(item);
		return CRC_ENOMEM;
	}
	return 0;
}

int crc_json_push_str(struct crc_json *arr, const char *val)
{
	return push_item(arr, new_string(val));
}

int crc_json_push(struct crc_json *arr, struct crc_json *child)
{
	return push_item(arr, AS_CJSON(child));
}

/* Rewrites cJSON's formatted output: leading tabs become two spaces each, and the tab cJSON puts after
 * "key": becomes one space. Tabs inside strings are escaped as \t by cJSON, so every raw tab is layout. */
static char *reindent(const char *s)
{
	size_t n = strlen(s);
	if (n > (SIZE_MAX - 1) / 2)
		return NULL;
	char *out = malloc(2 * n + 1), *o = out;
	if (!out)
		return NULL;
	int line_start = 1;
	for (const char *p = s; *p; p++) {
		if (*p == '\t') {
			if (line_start) {
				*o++ = ' ';
				*o++ = ' ';
			} else {
				*o++ = ' ';
			}
			continue;
		}
		line_start = *p == '\n';
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

char *crc_json_render(const struct crc_json *j, int pretty)
{
	/* cJSON's buffers go back through cJSON_free; the caller gets memory from our own malloc. */
	char *text = pretty ? cJSON_Print(AS_CONST_CJSON(j)) : cJSON_PrintUnformatted(AS_CONST_CJSON(j));
	if (!text)
		return NULL;
	char *out = pretty ? reindent(text) : strdup(text);
	cJSON_free(text);
	return out;
}

void crc_json_free(struct crc_json *j)
{
	cJSON_Delete(AS_CJSON(j));
}

struct crc_json *crc_json_parse(const char *text, size_t len)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!j)
		return NULL;
	/* Nothing but white space may follow the value. */
	for (; end && (size_t)(end - text) < len; end++)
		if (*end != ' ' && *end != '\n' && *end != '\r' && *end != '\t') {
			cJSON_Delete(j);
			return NULL;
		}
	return (struct crc_json *)(void *)j;
}

const struct crc_json *crc_json_get(const struct crc_json *j, const char *key)
{
	const cJSON *c = AS_CONST_CJSON(j);
	if (!c || !cJSON_IsObject(c))
		return NULL;
	return (const struct crc_json *)(const void *)cJSON_GetObjectItemCaseSensitive(c, key);
}

const char *crc_json_string(const struct crc_json *j)
{
	const cJSON *c = AS_CONST_CJSON(j);
	return c && cJSON_IsString(c) ? c->valuestring : NULL;
}

int crc_json_uint(const struct crc_json *j, uint64_t *out)
{
	const cJSON *c = AS_CONST_CJSON(j);
	if (!c || !cJSON_IsNumber(c))
		return -1;
	double v = c->valuedouble;
	if (!(v >= 0 && v <= 9007199254740992.0) || v != (double)(uint64_t)v)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

size_t crc_json_count(const struct crc_json *j)
{
	const cJSON *c = AS_CONST_CJSON(j);
	if (!c || !cJSON_IsArray(c))
		return 0;
	int n = cJSON_GetArraySize(c);
	return n > 0 ? (size_t)n : 0;
}

const struct crc_json *crc_json_item(const struct crc_json *j, size_t i)
{
	const cJSON *c = AS_CONST_CJSON(j);
	if (!c || !cJSON_IsArray(c) || i >= crc_json_count(j) || i > 1000000)
		return NULL;
	return (const struct crc_json *)(const void *)cJSON_GetArrayItem(c, (int)i);
}

const struct crc_json *crc_json_first(const struct crc_json *j)
{
	const cJSON *c = AS_CONST_CJSON(j);
	if (!c || !cJSON_IsArray(c))
		return NULL;
	return (const struct crc_json *)(const void *)c->child;
}

const struct crc_json *crc_json_next(const struct crc_json *item)
{
	const cJSON *c = AS_CONST_CJSON(item);
	return c ? (const struct crc_json *)(const void *)c->next : NULL;
}
