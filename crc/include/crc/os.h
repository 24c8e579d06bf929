/* The one place crc's core touches processes and the file system beyond reading: running a program and
 * capturing its output, writing files atomically. Planning and resolution stay pure and call into here
 * only through the modules that must (source, build). */
#ifndef CRC_OS_H
#define CRC_OS_H

#include <stddef.h>

#include "crc/buf.h"
#include "crc/error.h"

/* Runs argv (argv[0] looked up on PATH) in directory cwd (NULL: the current one) with stdin from
 * /dev/null, collecting at most max bytes of its standard output into out (the rest is read and
 * discarded) and sending its standard error to /dev/null. *status is its exit code, or 128 + the signal
 * that killed it. Returns 0 when it ran (whatever its status), CRC_ENOTFOUND when the program does not
 * exist, CRC_EIO when it could not be started. */
int crc_os_capture(struct crc_buf *out, int *status, const char *const *argv, const char *cwd, size_t max,
		   struct crc_error *err);

#endif
