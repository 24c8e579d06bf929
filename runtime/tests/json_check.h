/* A strict RFC 8259 validator for tests: one value, no trailing bytes, valid UTF-8 in strings. */
#ifndef NOA_TESTS_JSON_CHECK_H
#define NOA_TESTS_JSON_CHECK_H

#include <stddef.h>

/* Returns 1 when the n bytes at s are exactly one valid JSON document (surrounding whitespace allowed). */
int json_check(const char *s, size_t n);

#endif
