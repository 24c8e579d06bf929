/* The JSON wrapper: structure, replacement, big integers, and UTF-8 sanitizing. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crc/json.h"

Test(json, renders_compact_and_pretty)
{
	struct crc_json *o = crc_json_object(), *a = crc_json_array();
	cr_assert_eq(crc_json_set_str(o, "name", "crc"), 0);
	cr_assert_eq(crc_json_set_int(o, "n", 42), 0);
	cr_assert_eq(crc_json_set_bool(o, "ok", 1), 0);
	cr_assert_eq(crc_json_set_null(o, "none"), 0);
	cr_assert_eq(crc_json_set_str(o, "nullstr", NULL), 0);
	cr_assert_eq(crc_json_push_str(a, "x"), 0);
	cr_assert_eq(crc_json_set(o, "list", a), 0);
	char *c = crc_json_render(o, 0);
	cr_assert_str_eq(
		c, "{\"name\":\"crc\",\"n\":42,\"ok\":true,\"none\":null,\"nullstr\":null,\"list\":[\"x\"]}");
	free(c);
	char *p = crc_json_render(o, 1);
	cr_assert_str_eq(p, "{\n  \"name\": \"crc\",\n  \"n\": 42,\n  \"ok\": true,\n  \"none\": null,\n"
			    "  \"nullstr\": null,\n  \"list\": [\"x\"]\n}");
	free(p);
	crc_json_free(o);
}

Test(json, setting_a_key_again_replaces_it)
{
	struct crc_json *o = crc_json_object();
	crc_json_set_str(o, "k", "a");
	crc_json_set_int(o, "k", 2);
	char *c = crc_json_render(o, 0);
	cr_assert_str_eq(c, "{\"k\":2}");
	free(c);
	crc_json_free(o);
}

Test(json, large_integers_keep_every_digit)
{
	struct crc_json *o = crc_json_object();
	crc_json_set_int(o, "big", INT64_MAX);
	crc_json_set_int(o, "small", INT64_MIN);
	char *c = crc_json_render(o, 0);
	cr_assert_str_eq(c, "{\"big\":9223372036854775807,\"small\":-9223372036854775808}");
	free(c);
	crc_json_free(o);
}

Test(json, invalid_utf8_becomes_replacement_character)
{
	struct crc_json *o = crc_json_object();
	crc_json_set_str(o, "k\xff", "ok \xc3\xa9 bad \xc0\xaf \xed\xa0\x80 \xe2\x82");
	char *c = crc_json_render(o, 0);
	cr_assert_str_eq(c, "{\"k\xef\xbf\xbd\":\"ok \xc3\xa9 bad \xef\xbf\xbd\xef\xbf\xbd "
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\"}");
	cJSON *back = cJSON_Parse(c);
	cr_assert_not_null(back, "cJSON must parse what we write");
	cJSON_Delete(back);
	free(c);
	crc_json_free(o);
}

Test(json, control_characters_are_escaped)
{
	struct crc_json *a = crc_json_array();
	crc_json_push_str(a, "a\tb\n\x01\"\\");
	char *c = crc_json_render(a, 1);
	cr_assert_str_eq(c, "[\"a\\tb\\n\\u0001\\\"\\\\\"]");
	free(c);
	crc_json_free(a);
}

Test(json, free_accepts_null)
{
	crc_json_free(NULL);
}
