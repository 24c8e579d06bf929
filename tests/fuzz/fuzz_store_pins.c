/* libFuzzer target for a profile's pin file (<storage>/<profile>/.pins, crc/store.h), which anyone who can
 * write to the storage controls: every input is parsed as one. A rejection must leave *out NULL and carry
 * a message; accepted pins must be valid drop ids in file order, at most the cap, and
 * crc_store_pins_has must answer yes for each of them and agree with a plain scan for others. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc/plan.h"
#include "crc/store.h"
#include "crc/ids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* Whether the ids hold id, by a plain scan. */
static int scan(const struct crc_store_pins *p, const char *id)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->ids[i], id) == 0)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crc_store_pins *p = (struct crc_store_pins *)1;
	struct crc_error err;
	err.msg[0] = '\0';
	if (crc_store_pins_parse(&p, "fuzz.pins", (const char *)data, size, &err)) {
		check(p == NULL && err.msg[0] != '\0');
		return 0;
	}
	check(p != NULL && p->n <= CRC_STORE_MAX_PINS);
	for (size_t i = 0; i < p->n; i++) {
		check(crc_ids_check_drop_id(p->ids[i], NULL) == 0);
		check(crc_store_pins_has(p, p->ids[i]));
	}
	/* Ids the file may or may not name: its own with a byte added, and a few fixed ones. */
	static const char *const others[] = {"d", "d0", "20261122-0123456789ab-01234567", "a", "z"};
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
		check(crc_store_pins_has(p, others[i]) == scan(p, others[i]));
	for (size_t i = 0; i < p->n && i < 8; i++) {
		char longer[200];
		size_t n = strlen(p->ids[i]);
		if (n + 2 > sizeof longer)
			continue;
		memcpy(longer, p->ids[i], n);
		memcpy(longer + n, "x", 2);
		check(crc_store_pins_has(p, longer) == scan(p, longer));
	}
	crc_store_pins_free(p);
	return 0;
}
