/* Identifiers (see crc/ids.h). */
#include "crc/ids.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '.' || c == '_' ||
	       c == '-';
}

int crc_ids_check_drop_id(const char *id, struct crc_error *err)
{
	size_t n = strlen(id);
	if (n == 0 || n > CRC_IDS_NAME_MAX)
		return crc_err(err, CRC_EINVALID, "drop id '%s' must be 1 to %d characters", id,
			       CRC_IDS_NAME_MAX);
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return crc_err(err, CRC_EINVALID, "drop id '%s' is not allowed", id);
	for (size_t i = 0; i < n; i++)
		if (!name_char(id[i]))
			return crc_err(
				err, CRC_EINVALID,
				"drop id '%s' has a character other than letters, digits, '.', '_' and '-'",
				id);
	return 0;
}

int crc_ids_name_ok(const char *s)
{
	return s && crc_ids_check_drop_id(s, NULL) == 0;
}

int crc_ids_hex64_ok(const char *s)
{
	if (!s)
		return 0;
	size_t n = strspn(s, "0123456789abcdef");
	return n == 64 && s[n] == '\0';
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int crc_ids_time_ok(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (!s)
		return 0;
	/* Up to and with the NUL: nothing may follow. */
	for (size_t i = 0; i < sizeof shape; i++)
		if (shape[i] == 'd' ? !is_digit(s[i]) : s[i] != shape[i])
			return 0;
	int y = num(s, 4), mo = num(s + 5, 2), d = num(s + 8, 2), h = num(s + 11, 2), mi = num(s + 14, 2),
	    sec = num(s + 17, 2);
	if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59)
		return 0;
	return d <= mdays[mo - 1] + (mo == 2 && is_leap(y));
}

int crc_ids_time_format(char out[CRC_IDS_TIME_SIZE], long long epoch)
{
	struct tm tm;
	time_t t = (time_t)epoch;
	out[0] = '\0';
	if ((long long)t != epoch || !gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900 ||
	    strftime(out, CRC_IDS_TIME_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm) != CRC_IDS_TIME_SIZE - 1) {
		out[0] = '\0';
		return CRC_EINVALID;
	}
	return 0;
}

static int host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' || c == '-';
}

static int path_char(char c)
{
	return host_char(c) || c == '_' || c == '~' || c == '/' || c == '%' || c == '+';
}

int crc_ids_url_ok(const char *s)
{
	if (!s || strncmp(s, "https://", 8) != 0)
		return 0;
	const char *h = s + 8, *p = h;
	while (host_char(*p))
		p++;
	if (p == h || *h == '.' || *h == '-')
		return 0;
	if (*p == ':') {
		const char *d = ++p;
		while (is_digit(*p))
			p++;
		if (p == d || p - d > 5)
			return 0;
	}
	if (*p != '/' || !p[1])
		return 0;
	for (; *p; p++)
		if (!path_char(*p) || (p[0] == '/' && p[1] == '/'))
			return 0;
	return p[-1] != '/' && strlen(s) < CRC_IDS_URL_MAX;
}
