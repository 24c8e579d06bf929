/* The JSON writer: structure, escaping, invalid UTF-8, misuse and limits. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "json_check.h"
#include "noa/error.h"
#include "noa/json.h"

static char *finish_ok(struct noa_json *j)
{
	char *out;
	size_t len;
	cr_assert_eq(noa_json_finish(j, &out, &len), 0);
	cr_assert_eq(strlen(out), len);
	cr_assert(json_check(out, len), "invalid JSON: %s", out);
	return out;
}

Test(json, writes_nested_compact_document)
{
	struct noa_json j;
	noa_json_init(&j, 0);
	noa_json_begin_object(&j);
	noa_json_key(&j, "a");
	noa_json_int(&j, -3);
	noa_json_key(&j, "b");
	noa_json_begin_array(&j);
	noa_json_bool(&j, 1);
	noa_json_null(&j);
	noa_json_uint(&j, 18446744073709551615ull);
	noa_json_str(&j, NULL);
	noa_json_end_array(&j);
	noa_json_key(&j, "c");
	noa_json_begin_object(&j);
	noa_json_end_object(&j);
	noa_json_end_object(&j);
	char *out = finish_ok(&j);
	cr_assert_str_eq(out, "{\"a\":-3,\"b\":[true,null,18446744073709551615,null],\"c\":{}}");
	free(out);
}

Test(json, pretty_output_indents_members)
{
	struct noa_json j;
	noa_json_init(&j, 1);
	noa_json_begin_object(&j);
	noa_json_key(&j, "x");
	noa_json_begin_array(&j);
	noa_json_int(&j, 1);
	noa_json_end_array(&j);
	noa_json_key(&j, "e");
	noa_json_begin_array(&j);
	noa_json_end_array(&j);
	noa_json_end_object(&j);
	char *out = finish_ok(&j);
	cr_assert_str_eq(out, "{\n  \"x\": [\n    1\n  ],\n  \"e\": []\n}");
	free(out);
}

Test(json, escapes_quotes_backslashes_and_controls)
{
	struct noa_json j;
	noa_json_init(&j, 0);
	noa_json_strn(&j, "a\"b\\c\n\t\r\x01\x1f\x7f", 11);
	char *out = finish_ok(&j);
	cr_assert_str_eq(out, "\"a\\\"b\\\\c\\n\\t\\r\\u0001\\u001f\x7f\"");
	free(out);
}

Test(json, keeps_valid_utf8_and_replaces_invalid_bytes)
{
	struct noa_json j;
	noa_json_init(&j, 0);
	/* é, then a lone continuation byte, an overlong '/', a surrogate, a truncated 3-byte sequence. */
	static const char in[] = "\xc3\xa9|\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82";
	noa_json_strn(&j, in, sizeof in - 1);
	char *out = finish_ok(&j);
	cr_assert_str_eq(out, "\"\xc3\xa9|\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\"");
	free(out);
}

Test(json, embedded_nul_is_escaped)
{
	struct noa_json j;
	noa_json_init(&j, 0);
	noa_json_strn(&j, "a\0b", 3);
	char *out = finish_ok(&j);
	cr_assert_str_eq(out, "\"a\\u0000b\"");
	free(out);
}

Test(json, every_byte_value_gives_valid_json)
{
	char in[256], key[256];
	for (int i = 0; i < 256; i++)
		in[i] = (char)i;
	memcpy(key, in + 1, 255); /* keys are escaped too: bytes 1..255, then NUL */
	key[255] = '\0';
	struct noa_json j;
	noa_json_init(&j, 0);
	noa_json_begin_object(&j);
	noa_json_key(&j, key);
	noa_json_strn(&j, in, sizeof in);
	noa_json_end_object(&j);
	free(finish_ok(&j));
}

Test(json, doubles_are_fixed_point_and_non_finite_is_null)
{
	struct noa_json j;
	noa_json_init(&j, 0);
	noa_json_begin_array(&j);
	noa_json_double(&j, 2.5, 2);
	noa_json_double(&j, 1.0 / 0.0, 2);
	noa_json_double(&j, 1e300, 1);
	noa_json_end_array(&j);
	char *out = finish_ok(&j);
	cr_assert(strncmp(out, "[2.50,null,", 11) == 0, "got %s", out);
	free(out);
}

Test(json, rejects_unbalanced_documents)
{
	struct noa_json j;
	char *out;
	noa_json_init(&j, 0);
	noa_json_begin_object(&j);
	cr_assert_eq(noa_json_finish(&j, &out, NULL), NOA_EINVALID);
	cr_assert_null(out);

	noa_json_begin_array(&j);
	noa_json_end_object(&j);
	cr_assert_eq(noa_json_finish(&j, &out, NULL), NOA_EINVALID);

	noa_json_begin_object(&j);
	noa_json_key(&j, "k");
	noa_json_end_object(&j);
	cr_assert_eq(noa_json_finish(&j, &out, NULL), NOA_EINVALID);

	cr_assert_eq(noa_json_finish(&j, &out, NULL), NOA_EINVALID, "an empty document is not JSON");
}

Test(json, rejects_value_without_key_and_second_top_level_value)
{
	struct noa_json j;
	char *out;
	noa_json_init(&j, 0);
	noa_json_begin_object(&j);
	noa_json_key(&j, "a");
	noa_json_key(&j, "b");
	cr_assert_eq(noa_json_finish(&j, &out, NULL), NOA_EINVALID);

	noa_json_int(&j, 1);
	noa_json_int(&j, 2);
	cr_assert_eq(noa_json_finish(&j, &out, NULL), NOA_EINVALID);

	noa_json_begin_object(&j);
	noa_json_int(&j, 1);
	noa_json_end_object(&j);
	cr_assert_eq(noa_json_finish(&j, &out, NULL), NOA_EINVALID, "a value in an object needs a key");

	noa_json_begin_array(&j);
	noa_json_key(&j, "k");
	noa_json_int(&j, 1);
	noa_json_end_array(&j);
	cr_assert_eq(noa_json_finish(&j, &out, NULL), NOA_EINVALID, "a key in an array");
}

Test(json, rejects_nesting_deeper_than_the_limit)
{
	struct noa_json j;
	char *out;
	noa_json_init(&j, 0);
	for (int i = 0; i <= NOA_JSON_MAX_DEPTH; i++)
		noa_json_begin_array(&j);
	for (int i = 0; i <= NOA_JSON_MAX_DEPTH; i++)
		noa_json_end_array(&j);
	cr_assert_eq(noa_json_finish(&j, &out, NULL), NOA_EINVALID);
}

Test(json_check, rejects_what_writers_get_wrong)
{
	static const char *bad[] = {"",    "{",        "[1,]",      "{\"a\":1,}",  "01",
				    "1.",  "\"\x01\"", "\"\xff\"",  "\"\\ud800\"", "\"\\x\"",
				    "nul", "1 2",      "{\"a\" 1}", "[\"\\u12\"]"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_expect_not(json_check(bad[i], strlen(bad[i])), "accepted %s", bad[i]);
	static const char *good[] = {"0", "-1.5e+3", "\"\\ud83d\\ude00\"", " {\"a\":[true,false,null]} "};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		cr_expect(json_check(good[i], strlen(good[i])), "rejected %s", good[i]);
}

/* A document of the most the writer may produce is checked in one pass; one byte more is refused. Bounded
 * by the test harness's timeout where Criterion runs. */
Test(json_check, checks_a_document_at_its_cap_in_linear_time, .timeout = 10)
{
	char *s = malloc(JSON_CHECK_MAX_BYTES + 1);
	cr_assert_not_null(s);
	size_t n = 0;
	s[n++] = '[';
	while (n + 16 < JSON_CHECK_MAX_BYTES) {
		memcpy(s + n, "[\"\\u00e9\",1e3],", 15);
		n += 15;
	}
	while (n + 2 < JSON_CHECK_MAX_BYTES)
		s[n++] = ' ';
	memcpy(s + n, "0]", 2);
	n += 2;
	cr_assert_eq(n, JSON_CHECK_MAX_BYTES);
	cr_assert(json_check(s, n));
	s[n] = ' ';
	cr_assert_not(json_check(s, n + 1), "past the cap");
	free(s);
}
