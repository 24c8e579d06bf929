/* ids: drop ids, hex digests, RFC 3339 times and source URLs, checked one way for every module. */
#include "crc/ids.h"

#include <criterion/criterion.h>
#include <limits.h>
#include <string.h>

Test(ids, drop_ids_and_names)
{
	struct crc_error err;
	char id[CRC_IDS_NAME_MAX + 2];
	cr_assert_eq(crc_ids_check_drop_id("20261208-abc-1.x_Y", &err), 0);
	memset(id, 'a', CRC_IDS_NAME_MAX);
	id[CRC_IDS_NAME_MAX] = '\0';
	cr_assert_eq(crc_ids_check_drop_id(id, &err), 0, "the longest");
	cr_assert(crc_ids_name_ok(id));
	strcat(id, "a");
	cr_assert_eq(crc_ids_check_drop_id(id, &err), CRC_EINVALID);
	cr_assert(strstr(err.msg, "must be 1 to 128 characters"), "%s", err.msg);
	cr_assert_eq(crc_ids_check_drop_id("..", &err), CRC_EINVALID);
	cr_assert(strstr(err.msg, "is not allowed"), "%s", err.msg);
	cr_assert_eq(crc_ids_check_drop_id("a\nb", &err), CRC_EINVALID);
	cr_assert(strstr(err.msg, "has a character other than"), "%s", err.msg);
	const char *bad[] = {"", ".", "a/b", "a b", "ü", "a:b"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_assert_not(crc_ids_name_ok(bad[i]), "%s", bad[i]);
	cr_assert_not(crc_ids_name_ok(NULL));
	cr_assert(crc_ids_name_ok(".hidden"), "a leading dot is a name (deploy refuses it on its own)");
}

Test(ids, hex64)
{
	char h[66];
	memset(h, 'a', 64);
	h[64] = '\0';
	cr_assert(crc_ids_hex64_ok(h));
	h[10] = 'A';
	cr_assert_not(crc_ids_hex64_ok(h), "upper case is not how crc writes it");
	h[10] = 'g';
	cr_assert_not(crc_ids_hex64_ok(h));
	h[10] = '0';
	h[64] = '0';
	h[65] = '\0';
	cr_assert_not(crc_ids_hex64_ok(h), "65 digits");
	h[63] = '\0';
	cr_assert_not(crc_ids_hex64_ok(h), "63 digits");
	cr_assert_not(crc_ids_hex64_ok(NULL));
}

Test(ids, times_are_real_utc_times)
{
	cr_assert(crc_ids_time_ok("2026-11-22T10:00:00Z"));
	cr_assert(crc_ids_time_ok("2024-02-29T23:59:59Z"), "a leap day");
	cr_assert(crc_ids_time_ok("2000-02-29T00:00:00Z"), "400 years");
	const char *bad[] = {"2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
			     "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
			     "2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z",
			     "2026-01-01T00:60:00Z", "2026-01-01T00:00:60Z",
			     "2026-01-01T00:00:00",  "2026-01-01T00:00:00Z ",
			     "2026-01-01 00:00:00Z", "2026-01-01T00:00:00+00:00",
			     "2026-1-01T00:00:00Z",  ""};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_assert_not(crc_ids_time_ok(bad[i]), "%s", bad[i]);
	cr_assert_not(crc_ids_time_ok(NULL));
}

Test(ids, times_are_formatted_as_checked)
{
	char t[CRC_IDS_TIME_SIZE];
	cr_assert_eq(crc_ids_time_format(t, 0), 0);
	cr_assert_str_eq(t, "1970-01-01T00:00:00Z");
	cr_assert_eq(crc_ids_time_format(t, 1795341600), 0);
	cr_assert_str_eq(t, "2026-11-22T10:00:00Z");
	cr_assert(crc_ids_time_ok(t));
	cr_assert_eq(crc_ids_time_format(t, 253402300799LL), 0, "the last second of 9999");
	cr_assert_str_eq(t, "9999-12-31T23:59:59Z");
	cr_assert_eq(crc_ids_time_format(t, 253402300800LL), CRC_EINVALID, "year 10000");
	cr_assert_str_eq(t, "");
	cr_assert_eq(crc_ids_time_format(t, -62135596801LL), CRC_EINVALID, "before year 1");
	cr_assert_eq(crc_ids_time_format(t, LLONG_MAX), CRC_EINVALID);
}

Test(ids, source_urls)
{
	const char *good[] = {"https://github.com/org/repo", "https://git.example.org:8443/a/b.c_d~e%20f+g",
			      "https://h/p"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		cr_assert(crc_ids_url_ok(good[i]), "%s", good[i]);
	const char *bad[] = {"http://github.com/org/repo",
			     "https://github.com",
			     "https://github.com/",
			     "https://github.com/org/repo/",
			     "https://github.com//repo",
			     "https://user:pw@github.com/org/repo",
			     "https://github.com/org/repo?token=x",
			     "https://github.com/org/repo#x",
			     "https://.github.com/x",
			     "https://-h/x",
			     "https://h:123456/x",
			     "https://h:/x",
			     "https:///x",
			     "git@github.com:org/repo",
			     ""};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_assert_not(crc_ids_url_ok(bad[i]), "%s", bad[i]);
	char long_url[CRC_IDS_URL_MAX + 8] = "https://h/";
	memset(long_url + 10, 'a', CRC_IDS_URL_MAX - 11);
	long_url[CRC_IDS_URL_MAX - 1] = '\0';
	cr_assert(crc_ids_url_ok(long_url), "%zu bytes", strlen(long_url));
	strcat(long_url, "a");
	cr_assert_not(crc_ids_url_ok(long_url), "%zu bytes", strlen(long_url));
	cr_assert_not(crc_ids_url_ok(NULL));
}
