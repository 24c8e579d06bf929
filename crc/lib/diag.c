/* Diagnostics lists (see crc/diag.h). */
#include "crc/diag.h"

#include <string.h>

void crc_diags_clear(struct crc_diags *d)
{
	d->n = 0;
	d->dropped = 0;
}

void crc_diags_add(struct crc_diags *d, const struct crc_error *e)
{
	if (!d)
		return;
	if (d->n == CRC_DIAG_MAX) {
		d->dropped++;
		return;
	}
	memcpy(&d->items[d->n++], e, sizeof *e);
}
