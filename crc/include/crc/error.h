/* Errors in crc's core. Library functions return 0 or one of a few negative codes that callers branch on;
 * the detail (message, file, line, column) goes into a caller-supplied struct crc_error. There is no
 * thread-local or global error state, and nothing in the core prints. */
#ifndef CRC_ERROR_H
#define CRC_ERROR_H

#include <stdarg.h>
#include <stddef.h>

enum crc_code {
	CRC_OK = 0,
	/* A file, profile, target or key that was asked for does not exist. */
	CRC_ENOTFOUND = -1,
	/* Input is malformed, out of range or inconsistent (profiles, manifests, options). */
	CRC_EINVALID = -2,
	/* Something does not match what it must (hash, size, signature). */
	CRC_EVERIFY = -3,
	/* Reading, writing or running something failed. */
	CRC_EIO = -4,
	/* An allocation failed or a size overflowed. */
	CRC_ENOMEM = -5,
	/* A build step (configure, compile, install, smoke test) failed. */
	CRC_EBUILD = -6,
};

/* Longest message kept; a longer one is cut and ends in "...", never silently. */
#define CRC_ERROR_MSG_MAX 1024
#define CRC_ERROR_PATH_MAX 1024

struct crc_error {
	int code;
	char msg[CRC_ERROR_MSG_MAX];
	/* The file the error is about, or empty. */
	char path[CRC_ERROR_PATH_MAX];
	/* 1-based position in path, or 0 when unknown. */
	int line, col;
};

/* Resets err to "no error". Accepts NULL. */
void crc_error_clear(struct crc_error *err);

/* Records code and a printf-style message in err (which may be NULL) and returns code. */
__attribute__((format(printf, 3, 4))) int crc_err(struct crc_error *err, int code, const char *fmt, ...);

/* Like crc_err, with the file and 1-based line and column (0 when unknown) the error is about. */
__attribute__((format(printf, 6, 7))) int crc_err_at(struct crc_error *err, int code, const char *path,
						     int line, int col, const char *fmt, ...);

/* crc_err_at with a va_list, for modules' own variadic error helpers. */
__attribute__((format(printf, 6, 0))) int crc_err_vat(struct crc_error *err, int code, const char *path,
						      int line, int col, const char *fmt, va_list ap);

/* Records an OS error: "<what> <path>: <strerror(errnum)>" with code CRC_ENOTFOUND for ENOENT and
 * ENOTDIR, CRC_ENOMEM for ENOMEM, CRC_EIO otherwise; returns that code. */
int crc_err_os(struct crc_error *err, const char *what, const char *path, int errnum);

/* Formats err as one line, "path:line:col: msg" (omitting the parts that are unknown), into buf. Returns
 * the length it needed, as snprintf does. */
int crc_error_format(const struct crc_error *err, char *buf, size_t size);

/* Room for an untrusted string shown by crc_shown in full up to 256 bytes: 4 bytes per escaped byte, "..."
 * and the NUL. */
#define CRC_SHOWN_MAX 1040

/* s as it may appear in a message on a terminal or in a CI log, into out (size bytes, at least 8): bytes
 * outside printable ASCII, and '\\', as \xNN, cut visibly with "..." to fit (a name from a hostile drop or
 * archive with "\n" or an escape sequence must not forge lines or drive the terminal). Returns out. */
const char *crc_shown(char *out, size_t size, const char *s);

/* A short name for a code ("not found", "invalid input", ...). */
const char *crc_code_name(int code);

#endif
