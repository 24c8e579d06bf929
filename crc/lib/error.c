/* Recording and formatting struct crc_error. Messages that do not fit are cut visibly with "...". */
#include "crc/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void crc_error_clear(struct crc_error *err)
{
	if (!err)
		return;
	err->code = CRC_OK;
	err->msg[0] = '\0';
	err->path[0] = '\0';
	err->line = err->col = 0;
}

/* Copies src into dst, cutting it with a trailing "..." when it does not fit. */
static void copy_marked(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n < size) {
		memcpy(dst, src, n + 1);
		return;
	}
	memcpy(dst, src, size - 4);
	memcpy(dst + size - 4, "...", 4);
}

static void vrecord(struct crc_error *err, int code, const char *path, int line, int col, const char *fmt,
		    va_list ap)
{
	err->code = code;
	int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	if (n < 0)
		copy_marked(err->msg, sizeof err->msg, "(message could not be formatted)");
	else if ((size_t)n >= sizeof err->msg)
		memcpy(err->msg + sizeof err->msg - 4, "...", 4);
	copy_marked(err->path, sizeof err->path, path ? path : "");
	err->line = line;
	err->col = col;
}

int crc_err(struct crc_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vrecord(err, code, NULL, 0, 0, fmt, ap);
		va_end(ap);
	}
	return code;
}

int crc_err_vat(struct crc_error *err, int code, const char *path, int line, int col, const char *fmt,
		va_list ap)
{
	if (err)
		vrecord(err, code, path, line, col, fmt, ap);
	return code;
}

int crc_err_at(struct crc_error *err, int code, const char *path, int line, int col, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vrecord(err, code, path, line, col, fmt, ap);
		va_end(ap);
	}
	return code;
}

int crc_err_os(struct crc_error *err, const char *what, const char *path, int errnum)
{
	int code = CRC_EIO;
	if (errnum == ENOENT || errnum == ENOTDIR)
		code = CRC_ENOTFOUND;
	else if (errnum == ENOMEM)
		code = CRC_ENOMEM;
	return crc_err(err, code, "%s %s: %s", what, path, strerror(errnum));
}

int crc_error_format(const struct crc_error *err, char *buf, size_t size)
{
	if (err->path[0] && err->line > 0 && err->col > 0)
		return snprintf(buf, size, "%s:%d:%d: %s", err->path, err->line, err->col, err->msg);
	if (err->path[0] && err->line > 0)
		return snprintf(buf, size, "%s:%d: %s", err->path, err->line, err->msg);
	if (err->path[0])
		return snprintf(buf, size, "%s: %s", err->path, err->msg);
	return snprintf(buf, size, "%s", err->msg);
}

const char *crc_code_name(int code)
{
	switch (code) {
	case CRC_OK:
		return "ok";
	case CRC_ENOTFOUND:
		return "not found";
	case CRC_EINVALID:
		return "invalid input";
	case CRC_EVERIFY:
		return "verification failed";
	case CRC_EIO:
		return "I/O error";
	case CRC_ENOMEM:
		return "out of memory";
	case CRC_EBUILD:
		return "build failed";
	default:
		return "unknown error";
	}
}

const char *crc_shown(char *out, size_t size, const char *s)
{
	static const char digits[] = "0123456789abcdef";
	size_t o = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (o + 4 + 4 > size) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c > 0x7e || c == '\\') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = digits[c >> 4];
			out[o++] = digits[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}
