/* struct crc_error: recording, formatting, visible truncation and OS error mapping. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "crc/error.h"

Test(error, records_code_and_message)
{
	struct crc_error err;
	crc_error_clear(&err);
	cr_assert_eq(crc_err(&err, CRC_EINVALID, "bad %s %d", "thing", 3), CRC_EINVALID);
	cr_assert_eq(err.code, CRC_EINVALID);
	cr_assert_str_eq(err.msg, "bad thing 3");
	cr_assert_str_eq(err.path, "");
}

Test(error, formats_file_line_column)
{
	struct crc_error err;
	char buf[256];
	crc_err_at(&err, CRC_EINVALID, "profiles/edge.yaml", 12, 3, "unknown key '%s'", "optimisation");
	crc_error_format(&err, buf, sizeof buf);
	cr_assert_str_eq(buf, "profiles/edge.yaml:12:3: unknown key 'optimisation'");
	crc_err_at(&err, CRC_EINVALID, "a.yaml", 4, 0, "x");
	crc_error_format(&err, buf, sizeof buf);
	cr_assert_str_eq(buf, "a.yaml:4: x");
	crc_err_at(&err, CRC_EIO, "a.yaml", 0, 0, "y");
	crc_error_format(&err, buf, sizeof buf);
	cr_assert_str_eq(buf, "a.yaml: y");
	crc_err(&err, CRC_EIO, "z");
	crc_error_format(&err, buf, sizeof buf);
	cr_assert_str_eq(buf, "z");
}

Test(error, long_message_is_cut_visibly)
{
	struct crc_error err;
	char big[3000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	crc_err(&err, CRC_EINVALID, "%s", big);
	size_t n = strlen(err.msg);
	cr_assert_eq(n, CRC_ERROR_MSG_MAX - 1);
	cr_assert_str_eq(err.msg + n - 3, "...");
	crc_err_at(&err, CRC_EINVALID, big, 1, 1, "m");
	n = strlen(err.path);
	cr_assert_eq(n, CRC_ERROR_PATH_MAX - 1);
	cr_assert_str_eq(err.path + n - 3, "...");
}

Test(error, null_error_is_allowed)
{
	cr_assert_eq(crc_err(NULL, CRC_EIO, "ignored"), CRC_EIO);
	crc_error_clear(NULL);
}

Test(error, os_errors_map_to_codes)
{
	struct crc_error err;
	cr_assert_eq(crc_err_os(&err, "cannot open", "x/y", ENOENT), CRC_ENOTFOUND);
	cr_assert_str_eq(err.msg, "cannot open x/y: No such file or directory");
	cr_assert_eq(crc_err_os(&err, "cannot open", "x", ENOTDIR), CRC_ENOTFOUND);
	cr_assert_eq(crc_err_os(&err, "cannot open", "x", ENOMEM), CRC_ENOMEM);
	cr_assert_eq(crc_err_os(&err, "cannot write", "x", ENOSPC), CRC_EIO);
}

Test(error, every_code_has_a_name)
{
	int codes[] = {CRC_OK, CRC_ENOTFOUND, CRC_EINVALID, CRC_EVERIFY, CRC_EIO, CRC_ENOMEM, CRC_EBUILD};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		cr_expect_str_neq(crc_code_name(codes[i]), "unknown error", "code %d", codes[i]);
	cr_assert_str_eq(crc_code_name(-999), "unknown error");
}

Test(error, shown_escapes_control_bytes_backslash_and_non_ascii)
{
	char out[CRC_SHOWN_MAX];
	cr_assert_str_eq(crc_shown(out, sizeof out, "bin/noa"), "bin/noa");
	cr_assert_str_eq(crc_shown(out, sizeof out, "a\nb\x1b[31m\\\x7f\xc3\xa9"),
			 "a\\x0ab\\x1b[31m\\x5c\\x7f\\xc3\\xa9");
	cr_assert_str_eq(crc_shown(out, sizeof out, ""), "");
}

Test(error, shown_cuts_long_strings_with_dots)
{
	char in[3000], out[CRC_SHOWN_MAX];
	memset(in, '\n', sizeof in - 1);
	in[sizeof in - 1] = '\0';
	crc_shown(out, sizeof out, in);
	cr_assert_lt(strlen(out), (size_t)CRC_SHOWN_MAX);
	cr_assert_str_eq(out + strlen(out) - 7, "\\x0a...");
}

static int wrapped(struct crc_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = crc_err_vat(err, CRC_EINVALID, "t.in", 3, 7, fmt, ap);
	va_end(ap);
	return rc;
}

/* A module's own variadic helper passes its arguments through crc_err_vat. */
Test(error, vat_records_like_err_at)
{
	struct crc_error err;
	cr_assert_eq(wrapped(&err, "bad %s %d", "x", 4), CRC_EINVALID);
	cr_assert_str_eq(err.msg, "bad x 4");
	cr_assert_str_eq(err.path, "t.in");
	cr_assert_eq(err.line, 3);
	cr_assert_eq(err.col, 7);
	cr_assert_eq(wrapped(NULL, "ignored"), CRC_EINVALID);
}
