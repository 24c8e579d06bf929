/* Diagnostics lists: checking commands (crc check, crc verify) report every problem they find, not only
 * the first, so the modules they call can record errors into a struct crc_diags and go on. A list holds at
 * most CRC_DIAG_MAX errors and counts the ones it had no room for, so nothing is dropped silently. */
#ifndef CRC_DIAG_H
#define CRC_DIAG_H

#include <stddef.h>

#include "crc/error.h"

#define CRC_DIAG_MAX 64

struct crc_diags {
	size_t n;
	/* Errors recorded after the list was full. */
	size_t dropped;
	struct crc_error items[CRC_DIAG_MAX];
};

/* Empties d. */
void crc_diags_clear(struct crc_diags *d);

/* Appends a copy of e (or counts it in dropped when d is full). Accepts d == NULL (does nothing). */
void crc_diags_add(struct crc_diags *d, const struct crc_error *e);

#endif
