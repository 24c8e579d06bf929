/* A strict RFC 8259 validator for tests: one value, no trailing bytes, valid UTF-8 in strings. */
#ifndef NOA_TESTS_JSON_CHECK_H
#define NOA_TESTS_JSON_CHECK_H

#include <stddef.h>

/* Longest document checked: what the runtime's JSON writer may produce (src/json.c). */
#define JSON_CHECK_MAX_BYTES ((size_t)64 << 20)

/* Returns 1 when the n bytes at s are exactly one valid JSON document (surrounding whitespace allowed),
 * 0 otherwise and for more than JSON_CHECK_MAX_BYTES bytes. */
int json_check(const char *s, size_t n);

#endif
