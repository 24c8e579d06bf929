/* libFuzzer target for the gates reader (crc_gates_parse, runtime/features.yaml): any bytes give gates or
 * one error, never a crash, a leak or a hang; accepted gates keep every promise crc/gates.h makes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crc/gates.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crc_gates *g = NULL;
	struct crc_error err;
	crc_error_clear(&err);
	int rc = crc_gates_parse(&g, "features.yaml", (const char *)data, size, &err);
	if (rc != 0) {
		if (g || rc > 0 || !err.msg[0])
			__builtin_trap();
		return 0;
	}
	if (!g || g->n > CRC_GATES_MAX)
		__builtin_trap();
	for (size_t i = 0; i < g->n; i++) {
		const char *n = g->names[i], *o = g->options[i];
		size_t len = strlen(n);
		if (len == 0 || len > CRC_GATES_NAME_MAX || !(n[0] >= 'a' && n[0] <= 'z') ||
		    strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789-") != len)
			__builtin_trap();
		if (strncmp(o, "NOA_FEATURE_", 12) != 0 || strlen(o) != 12 + len ||
		    strspn(o + 12, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != len)
			__builtin_trap();
		if (crc_gates_find(g, n) != (int)i)
			__builtin_trap();
	}
	crc_gates_free(g);
	return 0;
}
